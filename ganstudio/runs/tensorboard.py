"""Runs as TensorBoard logs (ganstudio.media.tensorboard): one folder per run, named after the run,
in the folder the user gives. `train --tensorboard` logs while training (:func:`live_log`, fed by
:class:`~ganstudio.runs.headless.HeadlessRun`); the window's training worker logs its runs
through a :class:`WindowLog`, fed from its snapshots; `runs export --tensorboard` writes a kept
run's log from its folder (:func:`export_run`). All write the same tags from the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.insight.report import insight_kind
from ganstudio.media.tensorboard import Series, TensorBoardLog, check_tensorboardx
from ganstudio.record.history import Event
from ganstudio.run.session import Session
from ganstudio.run.snapshot import Snapshot
from ganstudio.runs.compare import load_run
from ganstudio.runs.folder import check_writable
from ganstudio.runs.library import Run, RunsError, read_summary, summary

WINDOW_FOLDER_NAME = "TensorBoard folder"  # how the window's messages name the folder chosen


def log_folder(tensorboard: Path, name: str) -> Path:
    """The folder of the run called `name`'s log in the TensorBoard folder `tensorboard`."""
    return Path(tensorboard) / name


def unused_log_folder(tensorboard: Path, name: str) -> Path:
    """The folder for a new log of the run `name`: DIR/<name>, or DIR/<name>-2, -3, ... when that
    already holds a log (a log is never written twice: TensorBoard would show every point twice)."""
    folder, count = log_folder(tensorboard, name), 1
    while folder.is_dir() and any(folder.iterdir()):
        count += 1
        folder = log_folder(tensorboard, f"{name}-{count}")
    return folder


def plotted_series(session: Session) -> Series:
    """What the window plots of `session`, by name: its history fields and its insight series."""
    insight = session.insight.series(insight_kind(session.dataset), session.gan.conditional)
    return {**session.history.all_series(), **insight}


def live_log(session: Session, tensorboard: Path, name: str, logged: Iterable[Event] = ()) -> TensorBoardLog:
    """A log for the run `name` that `session` trains, continuing after what the session has
    already trained and the events `logged` (a resumed run's: the process that trained them
    logged them)."""
    return TensorBoardLog(log_folder(tensorboard, name), after=session.history.last_step, known_events=logged)


def feed(log: TensorBoardLog, session: Session) -> None:
    """Write what `session` recorded since the last feed into `log`."""
    log.write(plotted_series(session), *session.recorder.snapshot(), session.history.events)


def export_run(folder: Path, tensorboard: Path) -> Path:
    """Write the kept run in `folder` as a TensorBoard log in `tensorboard` and return the log's
    folder. RunsError, before anything is written, for a run whose files cannot be read or
    whose log folder already holds a log (exporting twice would show every point twice)."""
    data = load_run(folder)
    if data.problem:
        raise RunsError(f"{data.name}: not exported: {data.problem}")
    target = log_folder(tensorboard, data.name)
    if target.is_dir() and any(target.iterdir()):
        raise RunsError(f"{data.name}: not exported: {target} already holds a log (remove it or choose another folder)")
    log = TensorBoardLog(target)
    log.write(data.series, data.frame_steps, data.frames, data.events)
    log.close(data.run.config, read_summary(folder))
    return target


class WindowLog:
    """The TensorBoard log of the run the window trains, owned by its training worker (no Qt).

    Logging is on while :attr:`tensorboard` is a folder. A run's log opens at the first feed
    after the run has a name (its run folder, made at its first save) in a folder of its own
    (:func:`unused_log_folder`) and holds the run from its first step as the snapshots show it;
    it ends with the run (another run opened, a reset, logging turned off, the window closing),
    closed with the config the run had when its log opened as hyperparameters and the run's
    figures then as their metrics."""

    def __init__(self) -> None:
        self.tensorboard: Path | None = None  # the folder chosen; None: not logging
        self.log: TensorBoardLog | None = None  # the open log of the current run
        self._config: RunConfig | None = None  # the run's config when its log opened

    def turn_on(self, tensorboard: Path) -> None:
        """Log into `tensorboard` from now on. ConfigError (one line) when tensorboardX is
        missing or the folder cannot be written; logging then stays off."""
        check_tensorboardx()
        check_writable(Path(tensorboard), None, option=WINDOW_FOLDER_NAME)
        self.tensorboard = Path(tensorboard)

    def turn_off(self, run: Run | None, session: Session | None) -> None:
        """End the open log (if any) with `run`'s figures, and log no more."""
        self.ending(run, session)()
        self.tensorboard = None

    def feed(self, run: Run | None, snap: Snapshot) -> Path | None:
        """Write what `snap` (of `run`, None while it has no folder) holds that the log does not,
        opening the run's log first when it has none; the log's folder when this opened it. An
        unwritable folder turns logging off: ConfigError naming it."""
        if self.tensorboard is None or run is None:
            return None
        opened = None
        if self.log is None:
            folder = unused_log_folder(self.tensorboard, run.name)
            try:
                self.log = TensorBoardLog(folder)
            except OSError as exc:
                self.tensorboard = None
                raise ConfigError(f"{WINDOW_FOLDER_NAME} {folder}: {exc.strerror or exc}") from None
            self._config = snap.config
            opened = folder
        self.log.write({**snap.series, **snap.insight_series}, snap.frame_steps, snap.frames, snap.events)
        return opened

    def ending(self, run: Run | None, session: Session | None) -> Callable[[], None]:
        """Before `session` (the run `run`) is replaced or reset: the log is fed what it lacks now,
        and the function returned closes it with the run's figures as they are now (call it once
        the new run is in place; not calling it keeps the log going). A no-op without a log."""
        log, config = self.log, self._config
        if log is None or run is None or session is None:
            return lambda: None
        feed(log, session)
        figures = summary(run, session)

        def end() -> None:
            log.close(config, figures)
            if self.log is log:
                self.log = None

        return end
