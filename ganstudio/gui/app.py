"""`ganstudio` with no command: create the QApplication and open the main window (or, with
--compare, the compare view). SIGINT (Ctrl-C in the terminal that started it) and SIGTERM
(`kill`, a logout) close the windows as their close buttons would, so the run is saved, and
the app exits 130 or 143."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ganstudio.config.presets import DEFAULT_PRESET, load_preset
from ganstudio.gui.compare.compare_view import CompareWindow
from ganstudio.gui.display import NO_DISPLAY_HINT, display_problem
from ganstudio.gui.icon import app_icon
from ganstudio.gui.settings import THEME_CHOICES, THEME_ENV, app_settings, last_config, theme_choice
from ganstudio.gui.theme import apply_theme
from ganstudio.gui.window.main_window import MainWindow
from ganstudio.machine.desktop import APP_NAME, DESKTOP_ID
from ganstudio.machine.stop_signals import StopSignals, exit_status, signal_name
from ganstudio.runs.library import runs_folder
from ganstudio.sweep.names import resolve

GIL_SWITCH_INTERVAL_S = 0.001


def configure_threads() -> None:
    """The training thread needs the GIL between matrix products; while the GUI thread runs
    Python (painting), it waits up to the switch interval (5 ms by default) before Python hands
    the GIL over; a shorter one lets it train faster beside the window (docs/DESIGN.md)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


SIGNAL_POLL_MS = 200  # how often the event loop lets Python see a stop signal (Qt's loop is C++)


def close_on_stop_signal(app: QApplication, stops: StopSignals) -> QTimer:
    """A timer that, once `stops` (deferring) has recorded SIGINT or SIGTERM, closes every
    window as its close button would: the main window saves its run first, then the app quits.
    Python runs a signal handler only when it gets control, so the timer also gives it that."""
    timer = QTimer(app)

    def check() -> None:
        if stops.signum is not None:
            timer.stop()
            print(f"ganstudio: {signal_name(stops.signum)}: closing the window (its run is saved first)", file=sys.stderr)
            app.closeAllWindows()

    timer.timeout.connect(check)
    timer.start(SIGNAL_POLL_MS)
    return timer


def first_window(
    preset: str | None = None,
    data_dir: str | None = None,
    start: bool = False,
    compare: list[str] | None = None,
    runs_dir: str | None = None,
    settings=None,
    theme: str | None = None,
) -> QWidget:
    """The window the app opens: the compare view of the runs `compare` names (folders or names
    in the runs folder), else the main window with `preset` (else the last config, else the
    default preset), keeping its runs in `runs_dir` (else $GANSTUDIO_RUNS_DIR, else the user
    data folder). RunsError for runs that cannot be compared. Both open in `theme` (one of
    THEME_CHOICES), else the one `settings` (else the user's) keep."""
    settings = settings or app_settings()
    apply_theme(theme or theme_choice(settings))
    if compare:
        return CompareWindow(resolve(compare, runs_folder(runs_dir)), settings=settings)
    last = None if preset else last_config(settings)
    config = last or load_preset(preset or DEFAULT_PRESET)
    label = "custom" if last else preset or DEFAULT_PRESET
    return MainWindow(config, data_dir=data_dir, settings=settings, start=start, preset=label, runs_dir=runs_dir)


def theme_from(environ) -> str | None:
    """The theme $GANSTUDIO_THEME asks for (None when unset); ValueError, in one line, for a
    value that is not one of THEME_CHOICES."""
    value = environ.get(THEME_ENV, "").strip().lower()
    if value and value not in THEME_CHOICES:
        raise ValueError(f"{THEME_ENV}={environ[THEME_ENV]!r}: choose {', '.join(THEME_CHOICES)}")
    return value or None


def run_app(
    preset: str | None = None,
    data_dir: str | None = None,
    start: bool = False,
    compare: list[str] | None = None,
    runs_dir: str | None = None,
) -> int:
    """Open the first window (:func:`first_window`) and run the app until it closes; the exit
    status is Qt's, or 130 / 143 when SIGINT / SIGTERM closed it, or 2 (one line said why)
    when there is no display to open it on or $GANSTUDIO_THEME names no theme."""
    try:
        theme = theme_from(os.environ)
    except ValueError as exc:
        print(f"ganstudio: error: {exc}", file=sys.stderr)
        return 2
    app = QApplication.instance()
    if app is None:
        problem = display_problem(os.environ)
        if problem:
            print(f"ganstudio: error: {problem}; {NO_DISPLAY_HINT}", file=sys.stderr)
            return 2
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)  # the windows' X11 class: the launcher entry's StartupWMClass
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(DESKTOP_ID)  # the Wayland app id: the launcher entry's file name
    app.setWindowIcon(app_icon())  # the dialogs' too
    configure_threads()
    with StopSignals() as stops:
        stops.defer()
        watch = close_on_stop_signal(app, stops)
        window = first_window(preset, data_dir, start, compare, runs_dir, theme=theme)
        if stops.signum is None:
            window.show()
            status = app.exec()
        else:  # stopped while the window was being made (during a data dialog, say)
            window.close()
        watch.stop()
    return exit_status(stops.signum) if stops.signum is not None else status
