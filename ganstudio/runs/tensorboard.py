"""Runs as TensorBoard logs (ganstudio.media.tensorboard): one folder per run, named after the run,
in the folder the user gives. `train --tensorboard` logs while training (:func:`live_log`, fed by
:class:`~ganstudio.runs.headless.HeadlessRun`); `runs export --tensorboard` writes a kept run's
log from its folder (:func:`export_run`). Both write the same tags from the same data.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ganstudio.insight.report import insight_kind
from ganstudio.media.tensorboard import Series, TensorBoardLog
from ganstudio.record.history import Event
from ganstudio.run.session import Session
from ganstudio.runs.compare import load_run
from ganstudio.runs.library import RunsError, read_summary


def log_folder(tensorboard: Path, name: str) -> Path:
    """The folder of the run called `name`'s log in the TensorBoard folder `tensorboard`."""
    return Path(tensorboard) / name


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
