"""The look of every window: one light and one dark theme, each the Qt palette and every colour
the plots, sample panes, banners and previews draw with. Colours live here and nowhere else in
gui/ (docs/DESIGN.md, "One look").

The user's choice (View > Theme) is "system", "light" or "dark"; "system" follows the desktop's
colour scheme (Qt >= 6.5), or the luminance of its palette where the desktop does not say.
`apply_theme` makes a choice the application's look; widgets that draw with the theme's colours
register a restyle function with `follow_theme` and are restyled live when it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from ganstudio.gui.settings import THEME_CHOICES, app_settings, remember_theme

THEMED_STYLE = "Fusion"  # the Qt style that draws with any palette it is given


@dataclass(frozen=True)
class Theme:
    """Every colour of one look, as "#rrggbb" (or (r, g, b[, a]) where pyqtgraph takes a tuple).

    curves: the plots' series by role ("D", "G", "real", "fake", "coverage", "quality", and the
    fidelity/diversity row's "precision", "recall", "density", "prdc_coverage");
    runs: one colour per compared run (8); heatmap: D's output behind 2D points, (fake, unsure,
    real) as (r, g, b)."""

    name: str
    window: str
    window_text: str
    base: str
    alternate_base: str
    button: str
    highlight: str
    disabled_text: str
    plot_background: str
    plot_foreground: str
    grid: str
    hover_cursor: str
    frame_cursor: str
    marker: str
    error_text: str
    invalid_background: str
    banner: tuple[str, str]  # (background, text) of the error banner
    warning_box: tuple[str, str]  # (background, text) of the training warnings
    bar: str
    current_run: tuple[int, int, int, int]  # behind the Runs panel's row of the run in the window
    real_points: tuple[int, int, int, int]
    fake_points: tuple[int, int, int, int]
    heatmap: tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]
    curves: Mapping[str, str]
    runs: tuple[str, ...]

    @property
    def is_dark(self) -> bool:
        return luminance(QColor(self.window)) < 0.5


DARK = Theme(
    name="dark",
    window="#2b2d31",
    window_text="#e3e3e3",
    base="#1e1f22",
    alternate_base="#26282c",
    button="#34373c",
    highlight="#3d7bd9",
    disabled_text="#7c7f85",
    plot_background="#1e1f22",
    plot_foreground="#c8c8c8",
    grid="#34373c",
    hover_cursor="#888888",
    frame_cursor="#f0f0f0",
    marker="#e0a030",
    error_text="#ff8a80",
    invalid_background="#5a1f1f",
    banner=("#6b2b1f", "#ffffff"),
    warning_box=("#5c4515", "#fff3d6"),
    bar="#4fc3f7",
    current_run=(46, 160, 67, 70),
    real_points=(170, 170, 170, 140),
    fake_points=(255, 152, 0, 220),
    heatmap=((96, 44, 128), (30, 31, 34), (36, 112, 58)),
    curves={
        "D": "#ff8a65",
        "G": "#4fc3f7",
        "real": "#aed581",
        "fake": "#ba68c8",
        "coverage": "#aed581",
        "quality": "#ffd54f",
        "precision": "#4fc3f7",
        "recall": "#ff8a65",
        "density": "#ba68c8",
        "prdc_coverage": "#aed581",
    },
    runs=("#4fc3f7", "#ff8a65", "#aed581", "#ba68c8", "#ffd54f", "#f06292", "#4db6ac", "#e0e0e0"),
)

# Light: the same hues a few shades deeper, so thin curves keep their contrast on white.
LIGHT = Theme(
    name="light",
    window="#efefef",
    window_text="#1b1b1b",
    base="#ffffff",
    alternate_base="#f5f5f5",
    button="#e4e4e4",
    highlight="#2f6fce",
    disabled_text="#9a9a9a",
    plot_background="#ffffff",
    plot_foreground="#3a3a3a",
    grid="#e6e6e6",
    hover_cursor="#8a8a8a",
    frame_cursor="#202020",
    marker="#b86e00",
    error_text="#c62828",
    invalid_background="#f8cccc",
    banner=("#f9d6cf", "#5a160b"),
    warning_box=("#fff1c9", "#4d3800"),
    bar="#0288d1",
    current_run=(46, 160, 67, 70),
    real_points=(110, 110, 110, 150),
    fake_points=(230, 110, 0, 230),
    heatmap=((196, 160, 220), (255, 255, 255), (160, 214, 170)),
    curves={
        "D": "#e64a19",
        "G": "#0277bd",
        "real": "#558b2f",
        "fake": "#8e24aa",
        "coverage": "#558b2f",
        "quality": "#c77c00",
        "precision": "#0277bd",
        "recall": "#e64a19",
        "density": "#8e24aa",
        "prdc_coverage": "#558b2f",
    },
    runs=("#0277bd", "#e64a19", "#558b2f", "#8e24aa", "#c77c00", "#c2185b", "#00897b", "#616161"),
)
THEMES = {theme.name: theme for theme in (LIGHT, DARK)}


def luminance(color: QColor) -> float:
    """Relative luminance in [0, 1] (Rec. 709 weights on the sRGB values)."""
    return 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()


def qt_palette(theme: Theme) -> QPalette:
    """The Qt palette of `theme`, for every widget the style draws."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, color in (
        (roles.Window, theme.window),
        (roles.WindowText, theme.window_text),
        (roles.Base, theme.base),
        (roles.AlternateBase, theme.alternate_base),
        (roles.Text, theme.window_text),
        (roles.Button, theme.button),
        (roles.ButtonText, theme.window_text),
        (roles.ToolTipBase, theme.base),
        (roles.ToolTipText, theme.window_text),
        (roles.PlaceholderText, theme.disabled_text),
        (roles.Highlight, theme.highlight),
        (roles.HighlightedText, "#ffffff"),
        (roles.Link, theme.highlight),
        (roles.BrightText, theme.error_text),
    ):
        palette.setColor(role, QColor(color))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.disabled_text))
    return palette


class _Current(QObject):
    """The theme in effect and the user's choice; `changed(Theme)` when `apply_theme` changes it."""

    changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.choice = "system"
        self.theme: Theme | None = None  # None until applied: then the desktop's, unchanged
        self.native: tuple[str, QPalette] | None = None  # the desktop's style and palette


_current = _Current()


def current_theme() -> Theme:
    """The theme in effect: the one applied last, else the one matching the desktop's palette."""
    return _current.theme or THEMES[system_scheme()]


def current_choice() -> str:
    """The choice applied last (one of THEME_CHOICES)."""
    return _current.choice


def system_scheme() -> str:
    """ "light" or "dark" as the desktop says (its colour scheme, else its palette's window
    luminance where the scheme is unknown, as on a bare X server). Light without an application."""
    app = QGuiApplication.instance()
    if app is None:
        return "light"
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return "dark" if scheme == Qt.ColorScheme.Dark else "light"
    palette = _current.native[1] if _current.native else app.palette()
    return "dark" if luminance(palette.color(QPalette.ColorRole.Window)) < 0.5 else "light"


def apply_theme(choice: str) -> Theme:
    """Make `choice` (one of THEME_CHOICES) the application's look, live: the Qt palette, pyqtgraph's
    defaults for new plots, and every widget registered with `follow_theme`. "system" keeps the
    desktop's own style and palette when they agree with its colour scheme, and otherwise (a
    dark scheme the platform gives no dark palette for) takes the matching theme's palette."""
    app = QApplication.instance()
    if choice not in THEME_CHOICES:
        raise ValueError(f"theme {choice!r}: choose one of {', '.join(THEME_CHOICES)}")
    if _current.native is None:
        _current.native = (app.style().name(), QPalette(app.palette()))
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _: _follow_desktop())
    theme = THEMES[system_scheme() if choice == "system" else choice]
    native_style, native_palette = _current.native
    native_is_dark = luminance(native_palette.color(QPalette.ColorRole.Window)) < 0.5
    if choice == "system" and native_is_dark == theme.is_dark:
        app.setStyle(native_style)
        app.setPalette(native_palette)
    else:
        app.setStyle(THEMED_STYLE)
        app.setPalette(qt_palette(theme))
    _current.choice, _current.theme = choice, theme
    configure_pyqtgraph()
    _current.changed.emit(theme)
    return theme


def _follow_desktop() -> None:
    """The desktop switched between light and dark: follow it if the user chose "system" (with
    the desktop's own palette where it matches the new scheme, else the theme's)."""
    if _current.choice == "system":
        apply_theme("system")


def follow_theme(restyle: Callable[[Theme], None]) -> None:
    """Call `restyle` with the current theme now and with each new one. `restyle` must be a
    method of a QObject (a widget): the connection ends when that object is deleted."""
    restyle(current_theme())
    _current.changed.connect(restyle)


def configure_pyqtgraph() -> None:
    """pyqtgraph's options for every plot made from now on: row-major images, no antialiasing,
    the current theme's plot background and foreground (axes, tick labels, titles)."""
    theme = current_theme()
    pg.setConfigOptions(
        imageAxisOrder="row-major", antialias=False, background=theme.plot_background, foreground=theme.plot_foreground
    )


def style_plot(plot: pg.PlotItem, theme: Theme) -> None:
    """Axes, tick labels, axis labels and the title of `plot` in `theme`'s foreground."""
    for side in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(side)
        axis.setPen(theme.plot_foreground)
        axis.setTextPen(theme.plot_foreground)
    plot.titleLabel.setText(plot.titleLabel.text, color=theme.plot_foreground)


def translucent(color: str, alpha: int = 200) -> QColor:
    """`color` with `alpha` (0..255; default 80% opaque), e.g. the plot background behind
    legends and marker labels, so their text stays readable over the curves."""
    translucent_color = QColor(color)
    translucent_color.setAlpha(alpha)
    return translucent_color


def error_style() -> str:
    """The style sheet of a label saying what went wrong, in the current theme's error colour."""
    return f"QLabel {{ color: {current_theme().error_text}; }}"


def label_style(background: str, text: str) -> str:
    """The style sheet of a message strip (banner, warnings) in the given colours."""
    return f"QLabel {{ background: {background}; color: {text}; padding: 6px; border-radius: 3px; }}"


def theme_menu(parent: QWidget, settings: QSettings | None = None) -> QMenu:
    """View > Theme: System, Light, Dark, one checked. A choice applies at once to every open
    window and is kept in `settings` (None: the user's) for the next launches."""
    menu = QMenu("&Theme", parent)
    group = QActionGroup(menu)
    for choice in THEME_CHOICES:
        action = menu.addAction(choice.capitalize())
        action.setCheckable(True)
        action.setData(choice)
        group.addAction(action)
        action.triggered.connect(lambda _=False, c=choice: choose_theme(c, settings))
    menu.actions()[0].setToolTip("Follow the desktop's light or dark colour scheme")
    menu.setToolTipsVisible(True)
    menu.aboutToShow.connect(lambda: _check_current(menu))
    _check_current(menu)
    return menu


def _check_current(menu: QMenu) -> None:
    for action in menu.actions():
        action.setChecked(action.data() == current_choice())


def choose_theme(choice: str, settings: QSettings | None = None) -> None:
    """The user's choice of theme: applied now, and remembered in `settings` (None: the user's)."""
    apply_theme(choice)
    remember_theme(settings if settings is not None else app_settings(), choice)
