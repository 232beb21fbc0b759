"""The training worker: a QThread that owns the session, applies commands between steps and
emits throttled snapshots.

Commands arrive through a queue drained between steps (a busy loop in a moved worker never runs
queued slots); pausing waits on a threading.Event instead of spinning; stop is a flag plus a
wake-up, and the window joins the thread with QThread.wait().

The run being trained is kept in the runs library (ganstudio.runs.keeper): saved between whole
steps every `save_every` seconds while training, when it pauses, before a reset or another run
replaces it, and when the loop ends (the window closing waits for that save). While the window
asks for it (:class:`LogTensorBoard`) the worker also logs the run for TensorBoard
(ganstudio.runs.tensorboard.WindowLog) from each snapshot it sends.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.data import OfflineError
from ganstudio.gui.window.data_folders import data_source
from ganstudio.insight.best import drawn_weights
from ganstudio.machine.thread_policy import ThreadPolicy
from ganstudio.media.onnx_export import write_generator_onnx
from ganstudio.run import commands as cmd
from ganstudio.run.change_plan import Outcome, plan
from ganstudio.run.checkpoint import load_session, save_checkpoint
from ganstudio.run.copying import find_nearest, measure_copying, prepare_search
from ganstudio.run.session import Session
from ganstudio.run.snapshot import Snapshot
from ganstudio.run.user_errors import USER_ERRORS
from ganstudio.run.walk import draw_walk
from ganstudio.runs.headless import SAVE_EVERY
from ganstudio.runs.keeper import RunKeeper
from ganstudio.runs.layout import RUN_TOML
from ganstudio.runs.library import RunsError, read_run, rename_run, runs_folder, set_starred
from ganstudio.runs.tensorboard import WindowLog

# At most 10 snapshots a second, by the worker's own clock: each one costs the GUI thread Python
# plus Qt's painting, which on two cores preempts a BLAS thread, for a grid that changes slowly
# anyway (the figures: docs/DESIGN.md, "Painting budget").
SNAPSHOT_INTERVAL = 1.0 / 10.0
SNAPSHOT_BUDGET = 0.03  # and at most ~3% of the training thread's time goes into making them
# ... but never less than one every 2 s: a window that shows nothing new for longer looks stuck,
# and one slow snapshot (the first, which loads compiled kernels and measures the EMA generator's
# batch-norm statistics: up to ~2 s on a busy machine) must not silence the window for a minute.
SNAPSHOT_MAX_INTERVAL = 2.0
PROGRESS_INTERVAL = 0.1
# A latent walk asked for is drawn at once, then again while training at most once a second, and
# less often when drawing it is expensive (the walk redraws the whole grid for exact endpoints).
WALK_INTERVAL = 1.0
QUESTIONS = (cmd.FindNearest, cmd.MeasureCopying)  # commands that ask about G and change nothing


def snapshot_interval(cost: float, least: float = SNAPSHOT_INTERVAL) -> float:
    """Seconds between snapshots (or walks) when making one took `cost` seconds: `least`, or
    longer when they are expensive (a large G renders two sample grids) so that they take no
    more than SNAPSHOT_BUDGET of the training thread, up to SNAPSHOT_MAX_INTERVAL."""
    return min(max(least, cost / SNAPSHOT_BUDGET), max(least, SNAPSHOT_MAX_INTERVAL))


@dataclass(frozen=True)
class OpenRun:
    """Build a new session from `config` (may download a dataset): a new run, named in the runs
    library by `preset` (a preset's name, a config file's stem)."""

    config: RunConfig
    preset: str = "custom"


@dataclass(frozen=True)
class OpenCheckpoint:
    """Continue the run saved in `path`: with a run.toml beside it (a run folder), that run in
    its folder with its change log; else a new run in the runs library starting at its step."""

    path: str


@dataclass(frozen=True)
class RenameRun:
    """Give the run in `folder` a new name (done between steps: never racing the run's own saves)."""

    folder: Path
    name: str


@dataclass(frozen=True)
class StarRun:
    folder: Path
    starred: bool


@dataclass(frozen=True)
class SetDataDir:
    """Look for (and download) the MNIST-family dataset `dataset` in `path` from now on."""

    path: str
    dataset: str


@dataclass(frozen=True)
class LogTensorBoard:
    """Log the runs for TensorBoard into `folder` (one log folder per run) from now on; None: stop."""

    folder: str | None


@dataclass(frozen=True)
class SaveCheckpoint:
    path: str


@dataclass(frozen=True)
class ExportGenerator:
    """Write the generator as an ONNX model to `path`: the best weights when `best` and the run
    keeps them, else the EMA's when `ema` and kept, else the live ones (the sample view's choice)."""

    path: str
    best: bool
    ema: bool


class TrainingWorker(QObject):
    """Lives in its own QThread. The GUI calls :meth:`submit` (thread-safe) and listens to the
    signals; it never touches the session."""

    snapshot = Signal(object)  # ganstudio.run.session.Snapshot
    error = Signal(str)  # one-line message for the user
    offline = Signal(object, object)  # the OfflineError, the RunConfig that needed the download
    progress = Signal(int, int)  # download bytes done, total (0 when unknown)
    opened = Signal(object)  # the RunConfig of a newly opened run
    data_source = Signal(str)  # where the newly opened run's data came from (data_folders.data_source)
    saved = Signal(str)  # path of a written checkpoint
    exported = Signal(str)  # an exported generator: its path and weights, in words
    blas_threads = Signal(object)  # ganstudio.machine.thread_policy.Choice: the BLAS thread count changed, and why
    run_folder = Signal(object)  # the current run's folder (Path), None while it has none yet
    runs_changed = Signal()  # a run folder was written (a save, a rename, a star), other than a new one (run_folder)
    save_failed = Signal(str)  # the run could not be saved (said once until a save succeeds again)
    walked = Signal(object)  # ganstudio.run.walk.WalkImages: the latent walk asked for (cmd.Walk)
    walk_refused = Signal(str)  # why the walk asked for cannot be drawn (one sentence)
    nearest_found = Signal(object)  # ganstudio.run.copying.NearestImages: the answer to a cmd.FindNearest
    copying_measured = Signal(object)  # ganstudio.run.copying.CopyingFigure: the answer to a cmd.MeasureCopying
    question_refused = Signal(object, str)  # a cmd.FindNearest or cmd.MeasureCopying that cannot be answered, and why
    tensorboard_log = Signal(str)  # the folder of the TensorBoard log just opened for the current run
    tensorboard_refused = Signal(str)  # why TensorBoard logging is off again (one line)

    def __init__(
        self,
        data_dir: str | None = None,
        runs_dir: Path | None = None,
        save_every: float = SAVE_EVERY,
        data_dirs: dict[str, str] | None = None,
    ) -> None:
        """`data_dir`: where MNIST-family datasets are looked for (None: the default cache);
        `data_dirs`: folders chosen for single datasets (by name), which take precedence."""
        super().__init__()
        self.data_dir = data_dir
        self.data_dirs = dict(data_dirs or {})
        self.keeper = RunKeeper(runs_folder(None if runs_dir is None else str(runs_dir)), save_every)
        self._preset = "custom"
        self._unsaved = False  # trained or changed since the last save
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stop = False
        self._session: Session | None = None
        self._dirty = False
        self._last_emit = 0.0
        self.snapshot_every = SNAPSHOT_INTERVAL  # seconds; grows when snapshots are expensive
        self._last_progress = 0.0
        self.steps_done = 0  # read by benchmarks; only the worker writes it
        self.blas = ThreadPolicy()  # the BLAS thread count in use and why; chosen per run, re-checked between steps
        self._blas_workload: tuple | None = None  # (G spec, D spec, batch size, d_steps) the count was chosen for
        self._blas_stale = False  # a command was applied since: the step may have changed shape
        self._walk: cmd.Walk | None = None  # the latent walk the window shows, drawn with the snapshots
        self._walk_due = False  # asked for and not drawn yet
        self._last_walk = 0.0
        self.walk_every = WALK_INTERVAL  # seconds between redrawing it while training
        self._questions: dict[type, Any] = {}  # the latest FindNearest and MeasureCopying not answered yet
        self.tensorboard = WindowLog()

    # -- GUI thread -----------------------------------------------------------------------------
    def submit(self, command: Any) -> None:
        """Queue a command for the next gap between steps (thread-safe)."""
        self._commands.put(command)
        self._wake.set()

    def request_stop(self) -> None:
        """Ask the loop to end after the current step (thread-safe)."""
        self._stop = True
        self._wake.set()

    # -- worker thread --------------------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        try:
            while not self._stop:
                self._drain()
                self._answer_questions()
                session = self._session
                if session is None or session.paused:
                    if self._unsaved:  # paused (by Pause, a stop condition, divergence) or edited while paused
                        self._save_run()
                    self._emit_if_due(force=self._dirty)
                    self._wake.wait(0.05)
                    self._wake.clear()
                    continue
                try:
                    if self._blas_stale:
                        self._fit_blas_threads(session)
                    session.step()
                except Exception as exc:  # a bug must not kill the thread: say so, pause, keep the run
                    traceback.print_exc()
                    session.paused = True
                    self.error.emit(f"Internal error during a training step ({exc!r}); training paused.")
                self.steps_done += 1
                self._dirty = self._unsaved = True
                self.keeper.trained()
                if self.keeper.due():
                    self._save_run()
                changed = self.blas.update()
                if changed is not None:
                    self.blas_threads.emit(changed)
                self._emit_if_due()
            self._save_run()  # closing: the run is kept
            self.tensorboard.turn_off(self.keeper.run, self._session)  # and its log ends with its figures
        finally:
            self.keeper.close()
            QThread.currentThread().quit()

    def _save_run(self) -> None:
        """Save the current run in its folder (the first save makes the folder); a failure is
        reported once, and the next save tries again."""
        self._unsaved = False
        if self._session is None:
            return
        had_folder, was_failing = self.keeper.folder, self.keeper.failing
        problem = self.keeper.save(self._session)
        if problem:
            if not was_failing:
                self.save_failed.emit(problem)
            return
        if self.keeper.folder != had_folder:
            self.run_folder.emit(self.keeper.folder)  # a new run folder: the runs changed too
        else:
            self.runs_changed.emit()

    def _drain(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            if isinstance(command, cmd.Walk):  # a question: the run is unchanged
                self._walk, self._walk_due = (command, True) if command.cells else (None, False)
                self._dirty = True
                continue
            if isinstance(command, QUESTIONS):  # the run is unchanged; only the latest of each kind is answered
                self._questions[type(command)] = command
                continue
            if isinstance(command, LogTensorBoard):  # the run is unchanged
                self._log_to(command.folder)
                continue
            self._dirty = self._blas_stale = True
            self._walk_due = self._walk is not None  # the command may have changed G
            try:
                self._apply(command)
            except OfflineError as exc:
                self.offline.emit(exc, getattr(command, "config", None))
            except USER_ERRORS as exc:
                self.error.emit(str(exc))
            except InterruptedError:  # a download cancelled because the window is closing
                return
            except Exception as exc:  # a bug must not kill the thread
                traceback.print_exc()
                self.error.emit(f"Internal error applying {type(command).__name__} ({exc!r}).")

    def _answer_questions(self) -> None:
        """Answer the questions about the generator asked since the last gap between steps, from
        the weights as they are now (the window shows the answer beside the step it is of)."""
        questions, self._questions = self._questions, {}
        for question in questions.values():
            try:
                self._answer(question)
            except ValueError as exc:  # the run cannot answer it (a 2D run, a cell outside the grid)
                self.question_refused.emit(question, str(exc))
            except Exception as exc:  # a bug must not kill the thread
                traceback.print_exc()
                self.question_refused.emit(question, f"Internal error answering {type(question).__name__} ({exc!r}).")

    def _answer(self, question: cmd.FindNearest | cmd.MeasureCopying) -> None:
        """One cell's search is a memory-bound product per space: on one BLAS thread (a second
        one only waits, and on a busy machine waits for its preempted core); the indexes it reads
        are built before, at the run's count. The memorisation figure is compute-bound products:
        at the run's count."""
        session = self._session
        if session is None:
            raise ValueError("no run is open")
        probe = session.insight.probe(session.dataset, session.config.value_range)
        if isinstance(question, cmd.MeasureCopying):
            self.copying_measured.emit(measure_copying(session.state, probe, question))
            return
        prepare_search(probe)
        with self.blas.at_most(1):
            found = find_nearest(session.state, probe, question)
        self.nearest_found.emit(found)

    def _log_to(self, folder: str | None) -> None:
        """End the current run's TensorBoard log, if any, and log into `folder` from now on (None:
        no more); a folder that cannot be used is said once (tensorboard_refused)."""
        self.tensorboard.turn_off(self.keeper.run, self._session)
        if folder is None:
            return
        try:
            self.tensorboard.turn_on(Path(folder))
        except ConfigError as exc:
            self._refuse_log(exc)
            return
        self._dirty = True  # the next snapshot opens the log with the run so far

    def _feed_log(self, snap: Snapshot) -> None:
        """Log what the snapshot `snap` holds that the run's TensorBoard log does not yet."""
        try:
            opened = self.tensorboard.feed(self.keeper.run, snap)
        except ConfigError as exc:  # the folder became unwritable: logging is off
            self._refuse_log(exc)
            return
        if opened is not None:
            self.tensorboard_log.emit(str(opened))

    def _refuse_log(self, problem: ConfigError) -> None:
        self.tensorboard_refused.emit(f"{problem}. Not logging to TensorBoard; training goes on.")

    def _apply(self, command: Any) -> None:
        """Apply `command`; a new run or a reset first saves the run as it was, and ends its
        TensorBoard log once the new run is in place (the next snapshot starts the new one's)."""
        if not isinstance(command, (OpenRun, OpenCheckpoint, cmd.Reset)):
            self._unsaved = True
            self._dispatch(command)
            return
        self._save_run()  # the run as it was, before it is replaced or starts over
        end_log = self.tensorboard.ending(self.keeper.run, self._session)
        self._unsaved = True
        self._dispatch(command)
        end_log()

    def _dispatch(self, command: Any) -> None:
        session = self._session
        match command:
            case OpenRun(config=config, preset=preset):
                self._open(self._new_session(config), preset)
            case OpenCheckpoint(path=path):
                self._open_checkpoint(Path(path))
            case SetDataDir(path=path, dataset=dataset):
                self.data_dirs[dataset] = path
            case RenameRun(folder=folder, name=name):
                rename_run(folder, name)
                self.runs_changed.emit()
            case StarRun(folder=folder, starred=starred):
                set_starred(folder, starred)
                self.runs_changed.emit()
            case _ if session is None:
                return
            case SaveCheckpoint(path=path):
                self.saved.emit(str(save_checkpoint(session, path)))
            case ExportGenerator():
                self._export_generator(session, command)
            case cmd.SetParam():
                self._edit(session, command)
            case cmd.Reset(config=RunConfig() as config) if plan(session.config, config).new_data:
                # A new dataset may need a download: build the new run before replacing the old one.
                # Another dataset is another run in the library (the old one was saved above).
                self._open(self._new_session(config), self._preset)
            case _:
                session.apply(command)
                if isinstance(command, cmd.StepOnce):
                    self.keeper.trained()

    def _export_generator(self, session: Session, command: ExportGenerator) -> None:
        """Write `session`'s generator as `command` asks, then say where and which weights (`exported`)."""
        best = session.insight.best if command.best else None
        weights, used = drawn_weights(session.gan, best, command.ema, session.step_count)
        description = f"GAN Studio generator; weights: {used}"
        path = write_generator_onnx(command.path, session.gan, weights, session.config.image_shape, description)
        self.exported.emit(f"{path}, weights: {used}")

    def _new_session(self, config: RunConfig) -> Session:
        """A new run of `config`, its dataset looked for in the folder chosen for it, if any."""
        data_dir = self.data_dirs.get(config.data.dataset, self.data_dir)
        return Session(config, data_dir=data_dir, progress=self._report_progress)

    def _edit(self, session: Session, command: cmd.SetParam) -> None:
        """An edit as the session's preview decides it: samples of another shape start a fresh
        run (only a reset takes them); anything else the session applies (or refuses)."""
        p = session.preview(command.key, command.value)
        if p.outcome is Outcome.NEEDS_RESET:
            self._apply(cmd.Reset(p.live))
        else:
            session.apply(command)  # takes the preview above: the edit's config is built once

    def _open_checkpoint(self, path: Path) -> None:
        """Open the checkpoint `path`; a run folder's (run.toml beside it) goes on as that run."""
        origin = read_run(path.parent) if (path.parent / RUN_TOML).exists() else None
        if origin is not None and not path.exists():
            raise RunsError(f"{path}: this run has no checkpoint yet, so it cannot be continued")
        if origin is None:
            session = load_session(path, data_dir=self.data_dir, progress=self._report_progress)
            self._open(session, "resumed")
            return
        lock = self.keeper.claim(path.parent)  # refused while another process writes the run
        try:
            session = load_session(path, data_dir=self.data_dir, progress=self._report_progress)
        except BaseException:
            self.keeper.unclaim(lock)
            raise
        self._open(session, origin.preset, origin.continued(path.parent), lock)

    def _open(self, session: Session, preset: str, origin=None, lock=None) -> None:
        """`session` is the run from now on, kept as a new run named by `preset`, or as `origin`
        holding its folder's `lock`."""
        self._session = session
        self._preset = preset
        self.keeper.track(session, preset, origin, lock)
        self.run_folder.emit(self.keeper.folder)
        self.data_source.emit(data_source(session.config, session.data_dir))
        self.opened.emit(session.config)

    def _fit_blas_threads(self, session: Session) -> None:
        """Before training on: choose the thread count again when the step changed shape (a run
        opened, a network rebuilt, a new batch size): ~0.3 s timing a twin of its networks. Not
        when a run opens: the window's first paints would disturb the timing."""
        self._blas_stale = False
        gan = session.gan
        workload = (gan.generator.spec, gan.discriminator.spec, session.batches.batch_size, gan.training.d_steps)
        if workload != self._blas_workload:
            self._blas_workload = workload
            before = self.blas.choice
            choice = self.blas.start(lambda: session.gan.twin_step(session.batches.batch_size))
            if (choice.threads != before.threads) if before else choice.reason:  # the first: when it is not every core
                self.blas_threads.emit(choice)

    def _report_progress(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL or (total and done >= total):
            self._last_progress = now
            self.progress.emit(int(done), int(total or 0))
        if self._stop:
            raise InterruptedError("closing")

    def _emit_if_due(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._session is None or not (force or (self._dirty and now - self._last_emit >= self.snapshot_every)):
            return
        self._last_emit = now
        self._dirty = False
        start = time.perf_counter()
        snap = self._session.snapshot()
        self.snapshot.emit(snap)
        self._feed_log(snap)  # its cost counts with the snapshot's: logging shares their budget
        self.snapshot_every = snapshot_interval(time.perf_counter() - start)
        if self._walk is not None and (self._walk_due or (not snap.paused and now - self._last_walk >= self.walk_every)):
            self._emit_walk(self._session, self._walk)

    def _emit_walk(self, session: Session, request: cmd.Walk) -> None:
        """Draw the walk `request` asks for from the weights of the snapshot just sent (so its
        endpoints are that grid's cells) and send it, or why it cannot be drawn."""
        self._walk_due = False
        start = time.perf_counter()
        try:
            walk = draw_walk(session.state, request)
        except ValueError as exc:  # the grid changed under the request (another size, a reset)
            self._walk = None
            self.walk_refused.emit(str(exc))
            return
        except Exception as exc:  # a bug must not kill the thread
            traceback.print_exc()
            self._walk = None
            self.walk_refused.emit(f"Internal error drawing the walk ({exc!r}).")
            return
        self._last_walk = time.monotonic()
        self.walk_every = snapshot_interval(time.perf_counter() - start, WALK_INTERVAL)
        self.walked.emit(walk)


class WorkerHost(QObject):
    """Starts a TrainingWorker in a QThread and stops it cleanly (flag, wake, wait)."""

    def __init__(
        self,
        data_dir: str | None = None,
        parent: QObject | None = None,
        runs_dir: Path | None = None,
        save_every: float = SAVE_EVERY,
        data_dirs: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("ganstudio-training")
        self.worker = TrainingWorker(data_dir, runs_dir, save_every, data_dirs)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout_ms: int = 120_000) -> bool:
        """Stop the loop and join the thread (after the run's final save: a large run's
        checkpoint takes seconds); True when it ended in time."""
        if not self.thread.isRunning():
            return True
        self.worker.request_stop()
        return self.thread.wait(timeout_ms)
