"""One look: the Qt widgets, the plots, the sample grids and the compare view share the light or
the dark theme chosen in View > Theme, live and across launches; the windows carry the app icon
and the compare window fits a 1366 x 768 screen (pytest-qt, real widgets, offscreen)."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QColor, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication

from ganstudio.config.model import RunConfig
from ganstudio.config.shipped import ICON_SIZES
from ganstudio.gui.app import first_window
from ganstudio.gui.compare.compare_view import CompareWindow
from ganstudio.gui.icon import app_icon
from ganstudio.gui.plots import PlotsPanel
from ganstudio.gui.screen_fit import fitted_size
from ganstudio.gui.settings import THEME_ENV
from ganstudio.gui.theme import DARK, apply_theme, luminance

from support import SMALL_CLI, SMALL_RUN, open_window, shown

SMALL_SCREEN = QSize(1366, 768 - 40)  # a common laptop screen less a desktop panel


@pytest.fixture(autouse=True)
def light_afterwards():
    """Each test starts and ends in the light theme, as a fresh process on this bare display."""
    apply_theme("light")
    yield
    apply_theme("light")


@pytest.fixture(scope="module")
def run_folders(tmp_path_factory):
    """Two small kept runs to compare."""
    folder = tmp_path_factory.mktemp("runs")
    for name, seed in (("a", "1"), ("b", "2")):
        command = [sys.executable, "-m", "ganstudio", "train", *SMALL_CLI, "--steps", "20", "--seed", seed]
        result = subprocess.run([*command, "--out", str(folder / name)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    return [folder / "a", folder / "b"]


def is_dark(color: QColor) -> bool:
    return luminance(color) < 0.5


def choose(qtbot, window, name: str) -> None:
    """Pick `name` ("System", "Light", "Dark") in the window's View > Theme menu; Qt hands the
    new palette to the widgets through the event loop."""
    (action,) = [a for a in window.theme_menu.actions() if a.text() == name]
    action.trigger()
    window_color = QApplication.palette().color(QPalette.ColorRole.Window)
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window) == window_color)


def background(view) -> QColor:
    """The colour a QGraphicsView (a pyqtgraph plot widget, the pixel grid) paints behind its scene."""
    return view.backgroundBrush().color()


def drawn_text_color(label) -> QColor:
    """The colour a pyqtgraph LabelItem draws its first character in (read from its document)."""
    cursor = QTextCursor(label.item.document())
    cursor.movePosition(QTextCursor.MoveOperation.NextCharacter)
    return cursor.charFormat().foreground().color()


def assert_main_window_looks(window, dark: bool) -> None:
    """Widgets, plots, sample grid, histogram and the schedule preview all on the `dark` side;
    axis text on the other side of its background."""
    assert is_dark(window.palette().color(QPalette.ColorRole.Window)) == dark
    assert is_dark(window.controls.palette().color(QPalette.ColorRole.Base)) == dark
    for view in (window.plots.graphics, window.samples.pixels, window.histogram.plot, window.controls.lr_plot):
        assert is_dark(background(view)) == dark, view
    for plot in window.plots.plots.values():
        assert is_dark(plot.getAxis("left").textPen().color()) != dark
        assert is_dark(drawn_text_color(plot.titleLabel)) != dark
    assert is_dark(window.histogram.plot.getPlotItem().getAxis("bottom").textPen().color()) != dark


def assert_compare_window_looks(window, dark: bool) -> None:
    assert is_dark(window.palette().color(QPalette.ColorRole.Window)) == dark
    assert is_dark(background(window.plots.graphics)) == dark
    assert all(is_dark(background(grid.pixels)) == dark for grid in window.grids)
    for plot in window.plots.plots.values():
        assert is_dark(plot.getAxis("left").textPen().color()) != dark
    assert all(is_dark(drawn_text_color(label)) != dark for _, label in window.plots.legend.items)


@pytest.mark.parametrize("name, dark", [("Dark", True), ("Light", False)])
def test_a_chosen_theme_is_one_look_in_the_main_and_the_compare_window_live(qtbot, tmp_path, run_folders, name, dark):
    window = open_window(qtbot, tmp_path, RunConfig().with_values(SMALL_RUN))
    compare = shown(qtbot, CompareWindow(run_folders, settings=window.settings), 1000, 700)
    choose(qtbot, window, "Light" if dark else "Dark")  # start from the other one: the change is made live
    assert_main_window_looks(window, not dark)
    choose(qtbot, window, name)
    assert_main_window_looks(window, dark)
    assert_compare_window_looks(compare, dark)
    assert [a.text() for a in window.theme_menu.actions() if a.isChecked()] == [name]
    window.close()


def test_the_theme_survives_a_restart_and_a_closed_compare_window_is_left_alone(qtbot, tmp_path, run_folders):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = first_window("ring8", None, False, None, runs_dir=str(tmp_path / "runs"), settings=settings)
    qtbot.addWidget(window)
    window.open_compare(run_folders)
    window.compare_windows[0].close()  # deleted on close: the theme change below must not reach it
    qtbot.waitUntil(lambda: not window.compare_windows)
    choose(qtbot, window, "Dark")
    window.close()
    apply_theme("light")  # a new process starts in the desktop's look
    again = first_window("ring8", None, False, None, runs_dir=str(tmp_path / "runs"), settings=settings)
    qtbot.addWidget(again)
    assert_main_window_looks(again, dark=True)
    assert [a.text() for a in again.theme_menu.actions() if a.isChecked()] == ["Dark"]
    again.close()


def test_a_compare_window_opened_alone_opens_in_the_remembered_theme(qtbot, tmp_path, run_folders):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("theme", "dark")
    window = first_window(compare=[str(f) for f in run_folders], settings=settings)
    shown(qtbot, window, 1000, 700)
    assert_compare_window_looks(window, dark=True)


def test_the_windows_carry_the_app_icon_at_every_size(qtbot, tmp_path, run_folders):
    assert sorted(size.width() for size in app_icon().availableSizes()) == sorted(ICON_SIZES)
    window = open_window(qtbot, tmp_path, RunConfig().with_values(SMALL_RUN))
    compare = shown(qtbot, CompareWindow(run_folders), 1000, 700)
    assert not window.windowIcon().isNull() and not compare.windowIcon().isNull()
    window.close()


def test_the_compare_window_fits_a_small_screen_with_its_step_slider_in_view(qtbot, run_folders):
    window = CompareWindow(run_folders)
    screen = window.screen().availableGeometry().size()
    assert window.width() <= screen.width() and window.height() <= screen.height()  # opens inside the screen
    assert window.minimumSizeHint().boundedTo(SMALL_SCREEN) == window.minimumSizeHint()  # can shrink to a laptop's
    shown(qtbot, window, *fitted_size(QSize(1500, 900), SMALL_SCREEN).toTuple())
    slider = QRect(window.slider.mapTo(window, QPoint(0, 0)), window.slider.size())
    assert window.rect().contains(slider), (slider, window.rect())


def test_a_theme_env_value_not_understood_is_one_line_and_exit_2(tmp_path):
    env = {**os.environ, THEME_ENV: "blue", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "ganstudio"], capture_output=True, text=True, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"ganstudio: error: {THEME_ENV}='blue': choose system, light, dark\n"


def test_every_grid_line_of_the_plots_is_in_the_grid_colour_the_right_axis_too(qtbot):
    apply_theme("dark")
    panel = shown(qtbot, PlotsPanel(), 700, 600)
    steps = np.arange(3) * 500
    series = {"classes_covered": (steps, np.array([4.0, 6, 7])), "fid": (steps, np.array([50.0, 30, 20]))}
    panel.show_insight("digits", {**series, "recognisable": (steps, np.array([40.0, 60, 75]))}, 10)
    assert panel.plots["coverage"].getAxis("right").isVisible()  # the recognisable share's scale
    for name, plot in panel.plots.items():
        for side in ("left", "bottom", "right"):
            assert plot.getAxis(side).tickPen().color().name() == DARK.grid, (name, side)  # not bright lines over the data


def test_the_main_window_opens_inside_the_screen_and_shrinks_to_a_laptops(qtbot, tmp_path):
    """The first launch asks for 1500 x 900, bounded by the screen's free area (this bare
    display's is 800 x 800, less than the window's minimum width): on a 1366 x 768 laptop the
    samples and the status bar stay in view."""
    window = open_window(qtbot, tmp_path, RunConfig().with_values(SMALL_RUN), size=None)
    screen = window.screen().availableGeometry().size()
    assert window.size() == fitted_size(QSize(1500, 900), screen).expandedTo(window.minimumSizeHint())
    assert window.minimumSizeHint().boundedTo(SMALL_SCREEN) == window.minimumSizeHint()
    window.resize(fitted_size(QSize(1500, 900), SMALL_SCREEN))
    qtbot.waitUntil(lambda: window.samples_dock.isVisible() and window.samples_dock.width() > 300)
    samples = QRect(window.samples_dock.mapTo(window, QPoint(0, 0)), window.samples_dock.size())
    assert window.rect().contains(samples), (samples, window.rect())
    window.close()
