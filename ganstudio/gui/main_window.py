"""The GAN Studio main window: controls dock, live plots, sample view, run toolbar, menus,
status bar; talks to the training worker only through commands and snapshots."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ganstudio import commands as cmd
from ganstudio.config import ConfigError, RunConfig, from_toml, load_toml, to_toml
from ganstudio.gui.controls import ControlPanel
from ganstudio.gui.export_menu import ExportMenu
from ganstudio.gui.help_menu import HelpMenu
from ganstudio.gui.insight_view import HistogramView, WarningsBox
from ganstudio.gui.plots import PlotsPanel
from ganstudio.gui.run_controls import RunControls
from ganstudio.gui.samples import SampleView
from ganstudio.gui.timeline import Timeline
from ganstudio.gui.worker import OpenCheckpoint, OpenRun, SaveCheckpoint, WorkerHost
from ganstudio.presets import load_preset, preset_names
from ganstudio.session import Snapshot
from ganstudio.thread_policy import Choice

BANNER_SECONDS = 10.0
# Curves and axes refresh at most 5 times a second, and less often when painting is slow: the
# GUI spends at most ~PLOT_BUDGET of one core on them (one refresh of the six plots, with the
# follow-up paints it sets off, takes 25-50 ms, and pyqtgraph's Python holds the GIL the
# training thread needs between matrix products). Grid and status follow every snapshot.
PLOT_INTERVAL_MS = (200, 3000)
PLOT_BUDGET = 0.03


def _elapsed(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"


class MainWindow(QMainWindow):
    """Signals: snapshot_shown(Snapshot) after each rendered snapshot (tests and benchmarks
    wait on it; it lives in the GUI thread)."""

    snapshot_shown = Signal(object)

    def __init__(self, config: RunConfig, *, data_dir: str | None = None, settings: QSettings | None = None, start: bool = False) -> None:
        super().__init__()
        self.setWindowTitle("GAN Studio — see and steer GAN training")
        self.settings = settings if settings is not None else QSettings("GAN Studio", "GAN Studio")
        self.snapshot: Snapshot | None = None
        self._start_when_open = start
        self._banner_until = 0.0

        self.host = WorkerHost(data_dir, self)
        worker = self.host.worker
        worker.snapshot.connect(self.show_snapshot)
        worker.error.connect(self.show_error)
        worker.offline.connect(self._offline)
        worker.progress.connect(self._download_progress)
        worker.opened.connect(self._opened)
        worker.saved.connect(lambda path: self.statusBar().showMessage(f"Checkpoint saved: {path}", 8000))
        worker.blas_threads.connect(self._show_blas_threads)

        self.plots = PlotsPanel()
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.setStyleSheet("QLabel { background: #6b2b1f; color: white; padding: 6px; border-radius: 3px; }")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        self.warnings = WarningsBox()
        layout.addWidget(self.banner)
        layout.addWidget(self.warnings)
        layout.addWidget(self.plots, 1)
        self.setCentralWidget(central)

        self.controls = ControlPanel()
        self.controls.edited.connect(self._edited)
        self.controls.apply_network.connect(lambda n: self.submit(cmd.Rebuild(n)))
        self.controls_dock = self._dock("Controls", "controls", self.controls, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.samples = SampleView()
        self.samples.grid_changed.connect(lambda side: self.submit(cmd.SetParam("view.grid", side)))
        self.samples.use_ema.toggled.connect(lambda _: self.snapshot and self.timeline.show_snapshot(self.snapshot))
        self.timeline = Timeline(self.samples, self.plots)
        samples_panel = QWidget()
        samples_layout = QVBoxLayout(samples_panel)
        samples_layout.setContentsMargins(0, 0, 0, 0)
        samples_layout.addWidget(self.samples, 1)
        samples_layout.addWidget(self.timeline)
        self.histogram = HistogramView()
        samples_layout.addWidget(self.histogram)
        self.samples_dock = self._dock("Samples", "samples", samples_panel, Qt.DockWidgetArea.RightDockWidgetArea)

        self.run_controls = RunControls()
        self.run_controls.command.connect(self.submit)
        toolbar = QToolBar("Run")
        toolbar.setObjectName("run-toolbar")
        toolbar.addWidget(self.run_controls)
        self.addToolBar(toolbar)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.toggle_pause)
        self._build_menus()

        self.status = QLabel("starting…")
        self.statusBar().addPermanentWidget(self.status)
        self.progress_dialog: QProgressDialog | None = None
        self.offline_box: QMessageBox | None = None
        self._restore_layout()
        self.host.start()
        self.submit(OpenRun(config))
        self._banner_timer = QTimer(self, interval=1000, timeout=self._expire_banner)
        self._banner_timer.start()
        self._plotted: Snapshot | None = None
        self._plot_timer = QTimer(self, interval=PLOT_INTERVAL_MS[0], timeout=self._refresh_plots)
        self._plot_timer.start()

    # -- layout ---------------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}-dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, slot, shortcut in (
            ("Open config…", self.open_config, QKeySequence.StandardKey.Open),
            ("Save config as…", self.save_config, QKeySequence.StandardKey.Save),
            ("Open checkpoint…", self.open_checkpoint, None),
            ("Save checkpoint…", self.save_checkpoint, None),
        ):
            action = file_menu.addAction(text)
            action.triggered.connect(slot)
            if shortcut is not None:
                action.setShortcut(shortcut)
        file_menu.addSeparator()
        self.exports = ExportMenu(self)
        self.exports.add_to(file_menu)
        file_menu.addSeparator()
        self.quit_action = QAction("Quit", self, shortcut=QKeySequence("Ctrl+Q"), triggered=self.close)
        file_menu.addAction(self.quit_action)
        self.addAction(self.quit_action)
        presets = self.menuBar().addMenu("&Presets")
        for name in preset_names():
            presets.addAction(name).triggered.connect(lambda _=False, n=name: self.load_preset(n))
        view = self.menuBar().addMenu("&View")
        view.addAction(self.controls_dock.toggleViewAction())
        view.addAction(self.samples_dock.toggleViewAction())
        self.help = HelpMenu(self, self.settings, self.host.worker.data_dir)

    def _restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("window_state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 900)
            self.resizeDocks([self.controls_dock, self.samples_dock], [360, 440], Qt.Orientation.Horizontal)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    # -- commands -------------------------------------------------------------------------------
    def submit(self, command: Any) -> None:
        self.host.worker.submit(command)

    def toggle_pause(self) -> None:
        if self.snapshot is not None:
            self.submit(cmd.Resume() if self.snapshot.paused else cmd.Pause())

    def _edited(self, key: str, value: Any) -> None:
        snap = self.snapshot
        if snap is None:
            return
        if key == "data.dataset" and value == "folder":
            folder = QFileDialog.getExistingDirectory(self, "Train on a folder of images")
            if not folder:
                self.controls.show_config(snap.config, snap.pending, force=True)
                return
            self.submit(cmd.Reset(snap.config.with_values({"data.dataset": "folder", "data.folder": folder, "data.classes": "all"})))
            return
        if key in ("data.dataset", "data.image_size", "data.folder"):
            try:
                new = snap.config.with_values({key: value})
            except ConfigError as exc:
                self.show_error(str(exc))
                return
            if new.data_size != snap.config.data_size:
                self.submit(cmd.Reset(new))
                return
        self.submit(cmd.SetParam(key, value))

    def load_preset(self, name: str) -> None:
        try:
            self.submit(OpenRun(load_preset(name)))
        except ConfigError as exc:
            self.show_error(str(exc))

    def open_config(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open config", "", "TOML config (*.toml)")
        if path:
            try:
                self.submit(OpenRun(load_toml(path)))
            except ConfigError as exc:
                self.show_error(str(exc))

    def save_config(self) -> None:
        if self.snapshot is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save config", "ganstudio.toml", "TOML config (*.toml)")
        if path:
            try:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(to_toml(self.snapshot.config))
            except OSError as exc:
                self.show_error(f"Could not write {path}: {exc.strerror}")

    def open_checkpoint(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open checkpoint", "", "GAN Studio checkpoint (*.npz)")
        if path:
            self.submit(OpenCheckpoint(path))

    def save_checkpoint(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint", "checkpoint.npz", "GAN Studio checkpoint (*.npz)")
        if path:
            self.submit(SaveCheckpoint(path))

    # -- from the worker -------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        self.snapshot = snap
        self.controls.show_config(snap.config, snap.pending)
        if snap.paused:
            self._refresh_plots()
        self.timeline.show_snapshot(snap)
        self.warnings.show_warnings(snap.warnings)
        self.run_controls.show_state(snap.paused, snap.step, snap.can_revert)
        self.status.setText(
            f"step {snap.step:,}   epoch {snap.epoch}   {snap.steps_per_s:,.0f} steps/s   "
            f"elapsed {_elapsed(snap.elapsed)}   frames {len(snap.frames)}   {snap.config.data.dataset}"
            + ("" if snap.paused else "   training…")
        )
        if snap.message and snap.message != getattr(self, "_last_message", ""):
            self.show_banner(snap.message)
        self._last_message = snap.message
        self.snapshot_shown.emit(snap)

    def _refresh_plots(self) -> None:
        """Draw the latest snapshot's curves if the plots show an older one."""
        snap = self.snapshot
        if snap is None or snap is self._plotted:
            return
        self._plotted = snap
        start = time.perf_counter()
        self.plots.show_series(snap.series, snap.events)
        self.plots.show_insight(snap.insight_kind, snap.insight_series, None if snap.histogram is None else len(snap.histogram))
        self.histogram.show_snapshot(snap)
        self.plots.settle_ranges()
        # This refresh's data handling plus the painting since the last one (the view repaints
        # after this returns; its cost counts towards the next interval).
        painted = self.plots.graphics.take_paint_seconds() + self.histogram.plot.take_paint_seconds()
        cost_ms = (time.perf_counter() - start + painted) * 1000.0
        low, high = PLOT_INTERVAL_MS
        self._plot_timer.setInterval(int(min(high, max(low, cost_ms / PLOT_BUDGET))))

    def _show_blas_threads(self, choice: Choice) -> None:
        self.statusBar().showMessage(f"Matrix products now use {choice.text()}.", 10_000)

    def show_error(self, message: str) -> None:
        if self.snapshot is not None:  # put back the values the session kept
            self.controls.show_config(self.snapshot.config, self.snapshot.pending, force=True)
        self.show_banner(message)
        self.statusBar().showMessage(message, 10_000)

    def show_banner(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.setVisible(True)
        self._banner_until = time.monotonic() + BANNER_SECONDS

    def _expire_banner(self) -> None:
        if self.banner.isVisible() and time.monotonic() > self._banner_until:
            self.banner.setVisible(False)

    def _opened(self, config: RunConfig) -> None:
        self._close_progress()
        self.settings.setValue("last_config", to_toml(config))
        self.plots.clear_markers()
        if self._start_when_open:
            self._start_when_open = False
            self.submit(cmd.Resume())

    def _download_progress(self, done: int, total: int) -> None:
        if self.progress_dialog is None:
            self.progress_dialog = QProgressDialog("Downloading the dataset…", "", 0, 100, self)
            self.progress_dialog.setCancelButton(None)
            self.progress_dialog.setWindowTitle("GAN Studio")
            self.progress_dialog.setMinimumDuration(0)
        if total:
            self.progress_dialog.setMaximum(total)
            self.progress_dialog.setValue(done)
            self.progress_dialog.setLabelText(f"Downloading the dataset… {done / 1e6:.1f} of {total / 1e6:.1f} MB")
        if total and done >= total:
            self._close_progress()

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog = None

    def _offline(self, message: str, config: RunConfig | None) -> None:
        self._close_progress()
        box = QMessageBox(QMessageBox.Icon.Warning, "Dataset not available", message, parent=self)
        box.setInformativeText("Train on synthetic-digits (drawn by GAN Studio, no download) instead?")
        self.offline_use_synthetic = box.addButton("Use synthetic-digits", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        base = config or (self.snapshot.config if self.snapshot else RunConfig())

        def chosen(button) -> None:
            if button is self.offline_use_synthetic:
                self.submit(OpenRun(base.with_values({"data.dataset": "synthetic-digits", "data.classes": "all"})))

        box.buttonClicked.connect(chosen)
        self.offline_box = box
        box.open()

    # -- closing --------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        if self.snapshot is not None:
            self.settings.setValue("last_config", to_toml(self.snapshot.config))
        self.settings.sync()
        self.exports.close_dialog()
        self.host.stop()
        super().closeEvent(event)


def last_config(settings: QSettings) -> RunConfig | None:
    """The config the app was last closed with, if it is still valid."""
    text = settings.value("last_config")
    if not isinstance(text, str):
        return None
    try:
        return from_toml(text, "saved settings")
    except ConfigError:
        return None
