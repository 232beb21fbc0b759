"""What a new user sees first: the plots get the window's height, their tick labels never pile
up, their keys stay off the curves, and the sample grid fills its dock (pytest-qt, offscreen)."""

import itertools

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter

from ganstudio.config.model import RunConfig
from ganstudio.gui.plots import PlotsPanel
from ganstudio.gui.theme import configure_pyqtgraph

from support import SMALL_RUN, open_window, shown

FIELDS = ("d_loss", "g_loss", "d_real", "d_fake", "lr_g", "lr_d", "g_grad_norm", "d_grad_norm")


def tick_labels(axis: pg.AxisItem) -> list:
    """The (rect, flags, text) of each tick label `axis` draws, as it would paint them now."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else specs[2]


def test_a_fresh_window_gives_the_plots_its_height_and_keeps_the_runs_a_tab_away(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, RunConfig().with_values(SMALL_RUN))  # fresh settings, 1500 x 900
    assert window.tabifiedDockWidgets(window.samples_dock) == [window.runs_dock]
    assert window.samples.isVisible() and window.runs_panel.visibleRegion().isEmpty()  # the Samples tab is in front

    def heights():
        return [plot.vb.height() for plot in window.plots.plots.values() if plot.isVisible()]

    # the fidelity row appears with the first snapshot of a run that measures it: wait for the layout
    qtbot.waitUntil(lambda: len(heights()) == 7 and min(heights()) >= 60, timeout=5_000)
    window.runs_dock.raise_()  # one click on its tab
    qtbot.waitUntil(lambda: not window.runs_panel.visibleRegion().isEmpty())
    window.close()


@pytest.mark.parametrize("height", [480, 520, 620])
def test_tick_labels_never_overlap_even_in_squeezed_plots(qtbot, height):
    configure_pyqtgraph()
    panel = shown(qtbot, PlotsPanel(), 700, height)  # six plots of 30 to 50 px each
    steps = np.arange(200)
    wobble = np.sin(steps / 7.0).astype(np.float32)
    series = {field: (steps, 137.4 + 0.2 * wobble) for field in FIELDS}  # 137.2 .. 137.6, as seen squeezed
    series["lr_g"] = series["lr_d"] = (steps, np.full(200, 2e-4, np.float32))
    panel.show_series(series, ())
    panel.show_insight("digits", {"classes_covered": (steps, 5 + 5 * wobble), "fid": (steps, 100 + wobble)}, 10)
    panel.settle_ranges()
    qtbot.wait(50)
    for name, plot in panel.plots.items():
        for side in ("left", "bottom", "right"):
            axis = plot.getAxis(side)
            if not axis.isVisible():
                continue
            labels = tick_labels(axis)
            assert labels or side != "left", f"{name}: no label on the y axis"
            for (a, _, text_a), (b, _, text_b) in itertools.combinations(labels, 2):
                assert not a.intersects(b), f"{name} {side} axis: '{text_a}' overlaps '{text_b}'"


def test_plot_keys_sit_off_the_data_and_the_grid_fills_its_dock(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, RunConfig().with_values(SMALL_RUN))
    scene = window.plots.graphics.scene()
    views = [plot.vb.sceneBoundingRect() for plot in window.plots.plots.values()]
    legends = [item for item in scene.items() if isinstance(item, pg.LegendItem) and item.isVisible()]
    assert not any(legend.sceneBoundingRect().intersects(view) for legend in legends for view in views)
    assert "D loss" in window.plots.plots["loss"].titleLabel.text and "G loss" in window.plots.plots["loss"].titleLabel.text
    grid = window.samples.pixels
    drawn = grid.mapFromScene(grid.item.sceneBoundingRect()).boundingRect()
    room = grid.viewport().rect()
    assert abs(drawn.width() - room.width()) <= 2 or abs(drawn.height() - room.height()) <= 2, (drawn, room)
    assert room.width() >= 0.9 * window.samples_dock.width()
    window.close()
