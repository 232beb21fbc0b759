"""The training worker: a QThread that owns the session, applies commands between steps and
emits throttled snapshots.

Commands arrive through a queue drained between steps (a busy loop in a moved worker never runs
queued slots); pausing waits on a threading.Event instead of spinning; stop is a flag plus a
wake-up, and the window joins the thread with QThread.wait().
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ganstudio import commands as cmd
from ganstudio.change_plan import plan
from ganstudio.checkpoint import load_session, save_checkpoint
from ganstudio.config import RunConfig
from ganstudio.data import OfflineError
from ganstudio.errors import USER_ERRORS
from ganstudio.session import Session
from ganstudio.thread_policy import ThreadPolicy

# At most 10 snapshots a second, by the worker's own clock: each one costs the GUI thread Python
# plus Qt's painting, which on two cores preempts a BLAS thread, for a grid that changes slowly
# anyway (the figures: docs/DESIGN.md, "Painting budget").
SNAPSHOT_INTERVAL = 1.0 / 10.0
SNAPSHOT_BUDGET = 0.03  # and at most ~3% of the training thread's time goes into making them
PROGRESS_INTERVAL = 0.1


def snapshot_interval(cost: float) -> float:
    """Seconds between snapshots when making one took `cost` seconds: 1/10 s, or longer when
    snapshots are expensive (a large G renders two sample grids) so that they never take more
    than SNAPSHOT_BUDGET of the training thread."""
    return max(SNAPSHOT_INTERVAL, cost / SNAPSHOT_BUDGET)


@dataclass(frozen=True)
class OpenRun:
    """Build a new session from `config` (may download a dataset)."""

    config: RunConfig


@dataclass(frozen=True)
class OpenCheckpoint:
    path: str


@dataclass(frozen=True)
class SetDataDir:
    """Look for (and download) MNIST-family datasets in `path` from now on, as --data-dir."""

    path: str


@dataclass(frozen=True)
class SaveCheckpoint:
    path: str


class TrainingWorker(QObject):
    """Lives in its own QThread. The GUI calls :meth:`submit` (thread-safe) and listens to the
    signals; it never touches the session."""

    snapshot = Signal(object)  # ganstudio.session.Snapshot
    error = Signal(str)  # one-line message for the user
    offline = Signal(str, object)  # message, the RunConfig that needed the download
    progress = Signal(int, int)  # download bytes done, total (0 when unknown)
    opened = Signal(object)  # the RunConfig of a newly opened run
    saved = Signal(str)  # path of a written checkpoint
    blas_threads = Signal(object)  # ganstudio.thread_policy.Choice: the BLAS thread count changed, and why

    def __init__(self, data_dir: str | None = None) -> None:
        super().__init__()
        self.data_dir = data_dir
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
                session = self._session
                if session is None or session.paused:
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
                self._dirty = True
                changed = self.blas.update()
                if changed is not None:
                    self.blas_threads.emit(changed)
                self._emit_if_due()
        finally:
            QThread.currentThread().quit()

    def _drain(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            self._dirty = self._blas_stale = True
            try:
                self._apply(command)
            except OfflineError as exc:
                self.offline.emit(str(exc), getattr(command, "config", None))
            except USER_ERRORS as exc:
                self.error.emit(str(exc))
            except InterruptedError:  # a download cancelled because the window is closing
                return
            except Exception as exc:  # a bug must not kill the thread
                traceback.print_exc()
                self.error.emit(f"Internal error applying {type(command).__name__} ({exc!r}).")

    def _apply(self, command: Any) -> None:
        session = self._session
        match command:
            case OpenRun(config=config):
                self._open(Session(config, data_dir=self.data_dir, progress=self._report_progress))
            case OpenCheckpoint(path=path):
                self._open(load_session(path, data_dir=self.data_dir, progress=self._report_progress))
            case SetDataDir(path=path):
                self.data_dir = path
            case _ if session is None:
                return
            case SaveCheckpoint(path=path):
                self.saved.emit(str(save_checkpoint(session, path)))
            case cmd.Reset(config=RunConfig() as config) if plan(session.config, config).new_data:
                # A new dataset may need a download: build the new run before replacing the old one.
                self._open(Session(config, data_dir=self.data_dir, progress=self._report_progress))
            case _:
                session.apply(command)

    def _open(self, session: Session) -> None:
        self._session = session
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
        self.snapshot_every = snapshot_interval(time.perf_counter() - start)
        self.snapshot.emit(snap)


class WorkerHost(QObject):
    """Starts a TrainingWorker in a QThread and stops it cleanly (flag, wake, wait)."""

    def __init__(self, data_dir: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("ganstudio-training")
        self.worker = TrainingWorker(data_dir)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout_ms: int = 10_000) -> bool:
        """Stop the loop and join the thread; True when it ended in time."""
        if not self.thread.isRunning():
            return True
        self.worker.request_stop()
        return self.thread.wait(timeout_ms)
