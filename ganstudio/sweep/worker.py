"""One run of a sweep, where it trains (a local worker process or a Ray trial): a new headless
session into its run folder, or the run resumed from the checkpoint its folder holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganstudio.config.model import from_dict
from ganstudio.run.checkpoint import load_session
from ganstudio.run.session import Session
from ganstudio.run.user_errors import USER_ERRORS
from ganstudio.runs.headless import HeadlessRun
from ganstudio.runs.layout import CHECKPOINT
from ganstudio.runs.library import Run, read_run
from ganstudio.runs.lock import FolderLock


@dataclass(frozen=True)
class Task:
    """What one run of a sweep trains (picklable: it goes to a worker process or a Ray trial).

    folder: the run folder's absolute path; config: the run's config as to_dict gives it;
    steps / seconds: train until this total step count, or for this much training time in all
    (one of them)."""

    index: int
    folder: str
    sweep: str
    preset: str
    config: dict[str, Any]
    steps: int | None
    seconds: float | None
    data_dir: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How a run ended: status "finished", "stopped" (asked to stop first: resumable),
    "diverged" or "failed" (`message` says why); `step`: the run's last step."""

    index: int
    status: str
    step: int
    message: str = ""


def run_one(task: Task, should_stop: Callable[[], bool], after_step: Callable[[HeadlessRun], None] | None = None) -> Outcome:
    """Train `task` into its run folder (resuming its checkpoint if the folder holds one), then
    write the folder, holding its lock meanwhile (failed when another process writes it).
    `should_stop` and `after_step` as for HeadlessRun."""
    folder = Path(task.folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FolderLock(folder):
            session, run = _open(task, folder)
            headless = HeadlessRun(session, run, should_stop=should_stop, after_step=after_step)
            if task.seconds is None or session.elapsed < task.seconds:
                headless.train(steps=task.steps, seconds=None if task.seconds is None else task.seconds - session.elapsed)
            headless.save()
    except USER_ERRORS as exc:
        return Outcome(task.index, "failed", 0, str(exc))
    except OSError as exc:
        return Outcome(task.index, "failed", 0, f"{folder}: {exc.strerror or exc}")
    if session.divergence is not None:
        return Outcome(task.index, "diverged", session.step_count, session.message)
    return Outcome(task.index, "finished" if session.paused else "stopped", session.step_count)


def _open(task: Task, folder: Path) -> tuple[Session, Run]:
    checkpoint = folder / CHECKPOINT
    if checkpoint.exists():
        session = load_session(checkpoint, data_dir=task.data_dir)
        run = read_run(folder)
        session.changes.entries = run.changes
        return session, run
    config = from_dict(task.config)
    return Session(config, data_dir=task.data_dir), Run.new(folder, task.preset, config, sweep=task.sweep)
