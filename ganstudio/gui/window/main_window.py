"""The GAN Studio main window: controls dock, live plots, sample view, run toolbar, menus,
status bar; talks to the training worker only through commands and snapshots."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
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

from ganstudio.config.model import ConfigError, RunConfig, load_toml, to_toml
from ganstudio.config.presets import load_preset, preset_names
from ganstudio.config.quality import load_quality
from ganstudio.data import OfflineError
from ganstudio.data.mnist import FAMILIES
from ganstudio.gui.compare.compare_view import CompareWindow
from ganstudio.gui.export.export_menu import ExportMenu
from ganstudio.gui.icon import app_icon
from ganstudio.gui.plots import PlotsPanel
from ganstudio.gui.runs.runs_panel import RunsPanel
from ganstudio.gui.screen_fit import fitted_size
from ganstudio.gui.settings import (
    LAST_CONFIG,
    app_settings,
    remember_data_folder,
    remember_tensorboard,
    remembered_data_folders,
    tensorboard_choice,
)
from ganstudio.gui.theme import Theme, follow_theme, label_style, theme_menu
from ganstudio.gui.window.controls import ControlPanel
from ganstudio.gui.window.copying import CopyingDialog, NearestDialog, copying_reason
from ganstudio.gui.window.data_folders import missing_from
from ganstudio.gui.window.help_menu import HelpMenu
from ganstudio.gui.window.insight_view import HistogramView, WarningsBox
from ganstudio.gui.window.no_run import NoRunPanel
from ganstudio.gui.window.run_controls import RunControls
from ganstudio.gui.window.samples import SampleView
from ganstudio.gui.window.timeline import Timeline
from ganstudio.gui.window.walk_panel import WalkPanel
from ganstudio.gui.window.worker import (
    LogTensorBoard,
    OpenCheckpoint,
    OpenRun,
    RenameRun,
    SaveCheckpoint,
    SetDataDir,
    StarRun,
    WorkerHost,
)
from ganstudio.machine.thread_policy import Choice
from ganstudio.media.tensorboard import INSTALL_HINT, tensorboardx_installed
from ganstudio.run import commands as cmd
from ganstudio.run.snapshot import Snapshot
from ganstudio.run.user_errors import USER_ERRORS
from ganstudio.runs.headless import SAVE_EVERY
from ganstudio.runs.layout import CHECKPOINT
from ganstudio.runs.library import runs_folder

WINDOW_SIZE = QSize(1500, 900)  # on a first launch, or smaller on a smaller screen (fitted_size)
BANNER_SECONDS = 10.0
# Curves and axes refresh at most 5 times a second, and less often when painting is slow: the
# GUI spends at most ~PLOT_BUDGET of one core on them (one refresh of the six plots, with the
# follow-up paints it sets off, takes tens of ms, and pyqtgraph's Python holds the GIL the
# training thread needs between matrix products). Grid and status follow every snapshot.
PLOT_INTERVAL_MS = (200, 3000)
PLOT_BUDGET = 0.03


def _elapsed(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"


def base_lrs(config: RunConfig) -> tuple[float, float]:
    """(G, D) learning rates as set, before any schedule."""
    return config.optimizer.g.lr, config.optimizer.d.lr


def on_synthetic_digits(config: RunConfig) -> RunConfig:
    """`config` on synthetic-digits, all classes: the offline stand-in for the MNIST family."""
    return config.with_values({"data.dataset": "synthetic-digits", "data.classes": "all"})


class MainWindow(QMainWindow):
    """Signals: snapshot_shown(Snapshot) after each rendered snapshot (tests and benchmarks
    wait on it; it lives in the GUI thread).

    Until the first run is open the controls show the config being opened, disabled, and the
    run buttons are disabled; if it cannot be opened (no dataset, a corrupt file, ...) the
    NoRunPanel takes the plots' place with the reason and the ways out (docs/DESIGN.md, "No
    run is open")."""

    snapshot_shown = Signal(object)

    def __init__(
        self,
        config: RunConfig,
        *,
        data_dir: str | None = None,
        settings: QSettings | None = None,
        start: bool = False,
        preset: str = "custom",
        runs_dir: str | None = None,
        save_every: float = SAVE_EVERY,
    ) -> None:
        """`preset`: the name `config` is kept under in the runs library; `runs_dir`: the runs
        folder (--runs-dir; else $GANSTUDIO_RUNS_DIR, else the user data folder); `save_every`:
        seconds between the run's saves while training."""
        super().__init__()
        self.setWindowTitle("GAN Studio — see and steer GAN training")
        self.setWindowIcon(app_icon())
        self.settings = settings if settings is not None else app_settings()
        self.snapshot: Snapshot | None = None
        self._start_when_open = start
        self._preset = preset  # the name the run being opened is kept under
        self._banner_until = 0.0

        runs = runs_folder(runs_dir)
        chosen = {} if data_dir else remembered_data_folders(self.settings)  # --data-dir overrides them
        self.host = WorkerHost(data_dir, self, runs_dir=runs, save_every=save_every, data_dirs=chosen)
        worker = self.host.worker
        worker.snapshot.connect(self.show_snapshot)
        worker.error.connect(self.show_error)
        worker.offline.connect(self._offline)
        worker.progress.connect(self._download_progress)
        worker.opened.connect(self._opened)
        worker.data_source.connect(self._show_data_source)
        worker.saved.connect(lambda path: self.statusBar().showMessage(f"Checkpoint saved: {path}", 8000))
        worker.blas_threads.connect(self._show_blas_threads)
        worker.save_failed.connect(self._save_failed)

        self.plots = PlotsPanel()
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        self.warnings = WarningsBox()
        layout.addWidget(self.banner)
        layout.addWidget(self.warnings)
        layout.addWidget(self.plots, 1)
        self.no_run = NoRunPanel()
        self.no_run.setVisible(False)
        self.no_run.use_synthetic.connect(self.use_synthetic_digits)
        self.no_run.choose_folder.connect(self.choose_data_folder)
        self.no_run.retry.connect(lambda: self.open_run(self._opening))
        layout.addWidget(self.no_run, 1)
        self.setCentralWidget(central)

        self.controls = ControlPanel()
        self.controls.edited.connect(self._edited)
        self.controls.apply_network.connect(lambda n: self.submit(cmd.Rebuild(n)))
        self.controls_dock = self._dock("Controls", "controls", self.controls, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.samples = SampleView()
        self.samples.grid_changed.connect(lambda side: self.submit(cmd.SetParam("view.grid", side)))
        self.samples.classes_changed.connect(lambda classes: self.submit(cmd.SetParam("view.classes", classes)))
        for choice in (self.samples.use_ema, self.samples.use_best):
            choice.toggled.connect(lambda _: self.snapshot and self.timeline.show_snapshot(self.snapshot))
        self.timeline = Timeline(self.samples, self.plots)
        self.walk = WalkPanel(self.samples)
        self.walk.request.connect(self.submit)
        worker.walked.connect(self.walk.show_walk)
        worker.walk_refused.connect(self.walk.refuse_walk)
        self.nearest = NearestDialog(self)
        self.copying = CopyingDialog(self)
        for dialog, answered in ((self.nearest, worker.nearest_found), (self.copying, worker.copying_measured)):
            dialog.request.connect(self.submit)
            answered.connect(dialog.show_answer)
            worker.question_refused.connect(dialog.refuse)
        self.walk.nearest_requested.connect(self.ask_nearest)
        samples_panel = QWidget()
        samples_layout = QVBoxLayout(samples_panel)
        samples_layout.setContentsMargins(0, 0, 0, 0)
        samples_layout.addWidget(self.samples, 1)
        samples_layout.addWidget(self.walk)
        samples_layout.addWidget(self.timeline)
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape),
            samples_panel,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            activated=self.walk.clear,
        )
        self.histogram = HistogramView()
        samples_layout.addWidget(self.histogram)
        self.samples_dock = self._dock("Samples", "samples", samples_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.runs_panel = RunsPanel(runs)
        self.runs_panel.open_requested.connect(lambda folder: self.open_run(OpenCheckpoint(str(Path(folder) / CHECKPOINT))))
        self.runs_panel.rename_requested.connect(lambda folder, name: self.submit(RenameRun(folder, name)))
        self.runs_panel.star_requested.connect(lambda folder, starred: self.submit(StarRun(folder, starred)))
        self.runs_panel.compare_requested.connect(self.open_compare)
        self.compare_windows: list[CompareWindow] = []
        self.runs_dock = self._dock("Runs", "runs", self.runs_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        worker.run_folder.connect(self.runs_panel.set_current)
        worker.runs_changed.connect(self.runs_panel.refresh)

        self.run_controls = RunControls()
        self.run_controls.command.connect(self.submit)
        toolbar = QToolBar("Run")
        toolbar.setObjectName("run-toolbar")
        toolbar.addWidget(self.run_controls)
        self.addToolBar(toolbar)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.toggle_pause)
        self._build_menus()
        self.walk.export_requested.connect(self.exports.ask_walk_export)

        self.status = QLabel("")
        self.statusBar().addPermanentWidget(self.status)
        self.data_label = QLabel("")
        self.statusBar().addPermanentWidget(self.data_label)
        self.folder_dialog: QFileDialog | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.offline_box: QMessageBox | None = None
        self._restore_layout()
        self._set_run_open(False)
        self.host.start()
        self._start_tensorboard()
        self.open_run(OpenRun(config, preset))
        self._banner_timer = QTimer(self, interval=1000, timeout=self._expire_banner)
        self._banner_timer.start()
        self._plotted: Snapshot | None = None
        self._plot_timer = QTimer(self, interval=PLOT_INTERVAL_MS[0], timeout=self._refresh_plots)
        self._plot_timer.start()
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        self.banner.setStyleSheet(label_style(*theme.banner))

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
        self.data_folder_action = file_menu.addAction("Choose the dataset folder…")
        self.data_folder_action.setToolTip("Where this run's dataset (MNIST, Fashion-MNIST, KMNIST) is read from, from now on")
        self.data_folder_action.triggered.connect(self.choose_data_folder)
        file_menu.addSeparator()
        self.exports = ExportMenu(self)
        self.exports.add_to(file_menu)
        file_menu.addSeparator()
        self.quit_action = QAction("Quit", self, shortcut=QKeySequence("Ctrl+Q"), triggered=self.close)
        file_menu.addAction(self.quit_action)
        self.addAction(self.quit_action)
        presets = self.menuBar().addMenu("&Presets")
        presets.setToolTipsVisible(True)
        curves = load_quality()
        for name in preset_names():
            action = presets.addAction(name)
            action.setToolTip(curves.summary(name) or name)
            action.triggered.connect(lambda _=False, n=name: self.load_preset(n))
        self.presets_menu = presets
        view = self.menuBar().addMenu("&View")
        view.addAction(self.controls_dock.toggleViewAction())
        view.addAction(self.samples_dock.toggleViewAction())
        view.addAction(self.runs_dock.toggleViewAction())
        view.addSeparator()
        self.theme_menu = theme_menu(self, self.settings)
        view.addMenu(self.theme_menu)
        insight = self.menuBar().addMenu("&Insight")
        insight.setToolTipsVisible(True)
        self.copying_action = insight.addAction("Is it copying?…", self.ask_copying)
        self._copying_reason: str | None = None  # why the action is disabled, as last shown
        self._show_copying_action(None)
        runs = self.menuBar().addMenu("&Runs")
        for text, slot in (
            ("Open selected run", self.runs_panel.open_selected),
            ("Delete selected runs…", self.runs_panel.delete_selected),
            ("Compare selected runs…", self.runs_panel.compare_selected),
            ("Refresh", self.runs_panel.refresh),
        ):
            runs.addAction(text).triggered.connect(slot)
        self.help = HelpMenu(self, self.settings, self.host.worker.data_dir)

    def _restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("window_state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            size = fitted_size(WINDOW_SIZE, self.screen().availableGeometry().size())
            self.resize(size)
            side = [round(width * size.width() / WINDOW_SIZE.width()) for width in (360, 440)]
            self.resizeDocks([self.controls_dock, self.samples_dock], side, Qt.Orientation.Horizontal)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        else:  # the plots get the full height; the runs are a tab beside the samples
            self.tabifyDockWidget(self.samples_dock, self.runs_dock)
            self.samples_dock.raise_()

    # -- commands -------------------------------------------------------------------------------
    def submit(self, command: Any) -> None:
        """Send `command` to the run, after the control edits still held (in the order given)."""
        self.controls.flush()
        self.host.worker.submit(command)

    def toggle_pause(self) -> None:
        if self.snapshot is not None:
            self.submit(cmd.Resume() if self.snapshot.paused else cmd.Pause())

    def _edited(self, key: str, value: Any) -> None:
        """A user's edit, sent to the session: the training worker asks the session's preview
        whether it is taken live, waits, needs a reset or is refused (and why)."""
        if self.snapshot is None:
            return
        if key == "data.dataset" and value == "folder":
            self._train_on_folder(self.snapshot)
            return
        self.submit(cmd.SetParam(key, value))

    def _train_on_folder(self, snap: Snapshot) -> None:
        """Ask for a folder of images and start over on it (with the pending edits, as Reset
        does); a cancelled dialog puts the controls back."""
        folder = QFileDialog.getExistingDirectory(self, "Train on a folder of images")
        if not folder:
            self.controls.show_config(snap.config, snap.pending, force=True)
            return
        changes = {"data.dataset": "folder", "data.folder": folder, "data.classes": "all"}
        try:
            new = snap.config.with_values({**snap.pending, **changes})
        except ConfigError as exc:  # e.g. a conditional run onto a dataset without labels
            self.show_error(str(exc))
            return
        self.submit(cmd.Reset(new))

    def ask_nearest(self, cell: int) -> None:
        """Show `cell`'s nearest training images, drawn from the weights the grid shows."""
        if self.snapshot is not None:
            self.nearest.ask(cell, self.samples.weights_shown(self.snapshot))

    def ask_copying(self) -> None:
        """Show the memorisation figure of the weights the grid shows."""
        if self.snapshot is not None:
            self.copying.ask(self.samples.weights_shown(self.snapshot))

    def _show_copying_action(self, snap: Snapshot | None) -> None:
        """Insight > Is it copying? acts on image runs; disabled with the reason otherwise."""
        reason = copying_reason(None if snap is None else snap.config)
        if reason == self._copying_reason:
            return
        self._copying_reason = reason
        self.copying_action.setEnabled(not reason)
        self.copying_action.setToolTip(
            f"Not for this run: {reason}."
            if reason
            else "How far G's samples lie from their nearest training images, against held-out real images."
        )

    def open_run(self, command: OpenRun | OpenCheckpoint) -> None:
        """Open a new run in the worker; the current one (if any) stays until the new one is
        open. Before the first run is open the controls show what is being opened."""
        self._opening = command
        self._open_pending = True
        self._preset = command.preset if isinstance(command, OpenRun) else "custom"
        if self.snapshot is None:
            if isinstance(command, OpenRun):
                self.controls.show_config(command.config, {}, force=True)
                self.samples.show_grid_side(command.config.view.grid)
                self.plots.show_lr_axis(base_lrs(command.config))
            self.no_run.setVisible(False)
            self.plots.setVisible(True)
            what = f"a run on {command.config.data.dataset}" if isinstance(command, OpenRun) else command.path
            self.status.setText(f"opening {what}…")
        self.submit(command)

    def open_compare(self, folders: list[Path]) -> None:
        """Open a compare view of the run folders selected in the Runs panel (as saved on disk:
        the current run as of its last save)."""
        try:
            view = CompareWindow(folders, settings=self.settings)
        except USER_ERRORS as error:
            self.show_error(str(error))
            return
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.destroyed.connect(lambda: self.compare_windows.remove(view) if view in self.compare_windows else None)
        self.compare_windows.append(view)
        view.show()

    def use_synthetic_digits(self) -> None:
        """Open the run that could not be opened (else the current one) on synthetic-digits."""
        wanted = self._opening if isinstance(self._opening, OpenRun) else None
        config = wanted.config if wanted else (self.snapshot.config if self.snapshot else RunConfig())
        self.open_run(OpenRun(on_synthetic_digits(config), wanted.preset if wanted else "custom"))

    def wanted_run(self) -> OpenRun | None:
        """The run a dataset folder is chosen for: the one being opened (or that could not be
        opened), else the open run, to be opened again as a new run."""
        if self._open_pending or self.snapshot is None:
            return self._opening if isinstance(self._opening, OpenRun) else None
        return OpenRun(self.snapshot.config, self._preset)

    def choose_data_folder(self) -> None:
        """Ask (window-modal) for the folder holding the wanted run's MNIST-family dataset."""
        run = self.wanted_run()
        dataset = run.config.data.dataset if run else ""
        if dataset not in FAMILIES:
            self.show_error(f"{dataset or 'this run'} is not read from a folder: only MNIST, Fashion-MNIST and KMNIST are")
            return
        self.folder_dialog = QFileDialog(self, f"Folder holding {FAMILIES[dataset].title}")
        self.folder_dialog.setFileMode(QFileDialog.FileMode.Directory)
        self.folder_dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        self.folder_dialog.fileSelected.connect(self.use_data_folder)
        self.folder_dialog.open()

    def use_data_folder(self, folder: str) -> None:
        """Read the wanted run's dataset (:meth:`wanted_run`) from `folder` from now on, and at
        the next launches, and open that run on it. A folder without the dataset changes
        nothing and says what it lacks."""
        run = self.wanted_run()
        if run is None or run.config.data.dataset not in FAMILIES:
            return
        dataset = run.config.data.dataset
        problem = missing_from(dataset, folder)
        if problem:
            self.show_error(problem)
            return
        self.submit(SetDataDir(folder, dataset))
        remember_data_folder(self.settings, dataset, folder)
        self.help.data_dir = folder
        self.open_run(run)

    def load_preset(self, name: str) -> None:
        try:
            self.open_run(OpenRun(load_preset(name), name))
        except ConfigError as exc:
            self.show_error(str(exc))

    def open_config(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open config", "", "TOML config (*.toml)")
        if path:
            try:
                self.open_run(OpenRun(load_toml(path), Path(path).stem))
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
            self.open_run(OpenCheckpoint(path))

    def save_checkpoint(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint", "checkpoint.npz", "GAN Studio checkpoint (*.npz)")
        if path:
            self.submit(SaveCheckpoint(path))

    # -- from the worker -------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        if self.snapshot is None:
            self._set_run_open(True)
        self.snapshot = snap
        self.controls.show_config(snap.config, snap.pending)
        if snap.paused:
            self._refresh_plots()
        self.timeline.show_snapshot(snap)
        self.walk.show_snapshot(snap)
        self._show_copying_action(snap)
        self.runs_panel.show_snapshot(snap)
        self.warnings.show_warnings(snap.warnings)
        self.run_controls.show_state(snap.paused, snap.step, snap.can_revert)
        self.status.setText(
            f"step {snap.step:,}   epoch {snap.epoch}   {snap.steps_per_s:,.0f} steps/s   "
            f"elapsed {_elapsed(snap.elapsed)}   frames {len(snap.frames)}" + ("" if snap.paused else "   training…")
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
        self.plots.show_series(snap.series, snap.events, base_lrs(snap.config))
        count = None if snap.histogram is None else len(snap.histogram)
        self.plots.show_insight(snap.insight_kind, snap.insight_series, count, snap.prdc_note)
        self.histogram.show_snapshot(snap)
        self.plots.settle_ranges()
        # This refresh's data handling plus the painting since the last one (the view repaints
        # after this returns; its cost counts towards the next interval).
        painted = self.plots.graphics.take_paint_seconds() + self.histogram.plot.take_paint_seconds()
        cost_ms = (time.perf_counter() - start + painted) * 1000.0
        low, high = PLOT_INTERVAL_MS
        self._plot_timer.setInterval(int(min(high, max(low, cost_ms / PLOT_BUDGET))))

    def _start_tensorboard(self) -> None:
        """Recording's "Log to TensorBoard" row as remembered, disabled with the install hint
        when tensorboardX is missing (found without importing it); logging starts if ticked."""
        row = self.controls.tensorboard
        worker = self.host.worker
        worker.tensorboard_log.connect(row.show_log)
        worker.tensorboard_refused.connect(self._tensorboard_refused)
        on, folder = tensorboard_choice(self.settings)
        row.show_choice(on, folder)
        if not tensorboardx_installed():
            row.show_unavailable(INSTALL_HINT)
        row.chosen.connect(self._log_to_tensorboard)
        if row.box.isChecked():
            self.submit(LogTensorBoard(folder))

    def _log_to_tensorboard(self, on: bool, folder: str) -> None:
        """The user ticked or unticked "Log to TensorBoard", or chose its folder: remembered, and
        the worker logs into `folder` (or stops)."""
        remember_tensorboard(self.settings, on, folder)
        self.submit(LogTensorBoard(folder if on else None))

    def _tensorboard_refused(self, message: str) -> None:
        """The folder cannot take the logs (or tensorboardX cannot be imported): said once, the box unticked."""
        self.controls.tensorboard.box.setChecked(False)
        self.show_banner(message)
        self.statusBar().showMessage(message, 10_000)

    def _show_blas_threads(self, choice: Choice) -> None:
        self.statusBar().showMessage(f"Matrix products now use {choice.text()}.", 10_000)

    def _set_run_open(self, is_open: bool) -> None:
        """Controls and run buttons act on a run: disabled until one is open; then the plots
        take the NoRunPanel's place for good (a later run that fails to open keeps this one)."""
        for part in (self.controls, self.run_controls, self.samples_dock.widget()):
            part.setEnabled(is_open)
        if is_open:
            self.no_run.setVisible(False)
            self.plots.setVisible(True)

    def _show_no_run(self, message: str, details: str = "") -> None:
        """No run is open and the last one asked for could not be opened: why (with `details`
        folded away), and the ways out."""
        self.no_run.show_reason(message, details)
        self.no_run.setVisible(True)
        self.plots.setVisible(False)
        self.status.setText("no run open")

    def show_error(self, message: str) -> None:
        if self.snapshot is not None:  # put back the values the session kept
            self.controls.show_config(self.snapshot.config, self.snapshot.pending, force=True)
        else:  # with no run, an error can only come from opening one
            self._show_no_run(message)
        self.show_banner(message)
        self.statusBar().showMessage(message, 10_000)

    def _save_failed(self, message: str) -> None:
        """The run could not be saved: said once (training goes on; the next save tries again)."""
        self.show_banner(message)
        self.statusBar().showMessage(message, 10_000)

    def show_banner(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.setVisible(True)
        self._banner_until = time.monotonic() + BANNER_SECONDS

    def _expire_banner(self) -> None:
        if self.banner.isVisible() and time.monotonic() > self._banner_until:
            self.banner.setVisible(False)

    def _show_data_source(self, source: str) -> None:
        """`source`: where the open run's data came from (data_folders.data_source)."""
        self.data_label.setText(source.replace(str(Path.home()), "~", 1))
        self.data_label.setToolTip(source)

    def _opened(self, config: RunConfig) -> None:
        self._close_progress()
        self._open_pending = False
        self.data_folder_action.setEnabled(config.data.dataset in FAMILIES)
        self.settings.setValue(LAST_CONFIG, to_toml(config))
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

    def _offline(self, error: OfflineError, config: RunConfig | None) -> None:
        """A dataset to download could not be fetched: say so in one sentence (the mirrors and
        files folded into the details) and offer the three ways on: synthetic-digits, a folder
        holding the dataset, another try. Cancel keeps the run that is open, or leaves the
        NoRunPanel when there is none."""
        self._close_progress()
        if self.snapshot is None:
            self._show_no_run(error.headline, str(error))
        box = QMessageBox(QMessageBox.Icon.Warning, "Dataset not available", error.headline, parent=self)
        box.setInformativeText(
            "Train on synthetic-digits (drawn by GAN Studio, no download), choose a folder holding the dataset, or try again."
        )
        box.setDetailedText(str(error))
        self.offline_use_synthetic = box.addButton("Use synthetic-digits", QMessageBox.ButtonRole.AcceptRole)
        self.offline_choose_folder = box.addButton("Choose a folder…", QMessageBox.ButtonRole.ActionRole)
        self.offline_retry = box.addButton("Try again", QMessageBox.ButtonRole.ActionRole)
        self.offline_cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        base = config or (self.snapshot.config if self.snapshot else RunConfig())
        ways = {
            self.offline_use_synthetic: lambda: self.open_run(OpenRun(on_synthetic_digits(base), self._preset)),
            self.offline_choose_folder: self.choose_data_folder,
            self.offline_retry: lambda: self.open_run(self._opening),
        }
        box.buttonClicked.connect(lambda button: ways.get(button, lambda: None)())
        self.offline_box = box
        box.open()

    # -- closing --------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        if self.snapshot is not None:
            self.settings.setValue(LAST_CONFIG, to_toml(self.snapshot.config))
        self.settings.sync()
        self.exports.close_dialog()
        self.controls.flush()  # an edit just made is part of the run the worker saves as it stops
        self.host.stop()
        super().closeEvent(event)
