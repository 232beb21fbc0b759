"""Keeping a run that is trained interactively (the window's) in the runs library.

A :class:`RunKeeper` follows one session at a time. The run's folder is made in the runs folder
at the first save after the run trained a step (a run that never trained leaves no folder); a
run continued from its folder goes on writing there, its change log with it. :meth:`save`
writes what `ganstudio train` writes (ganstudio.headless.write_outputs: checkpoint with the
frames, history.csv, samples.png, run.toml, summary.json, each atomically); the caller saves
when :meth:`due` (every `every` seconds while training) and at every pause, reset, switch and
close. A failed save (unwritable runs folder, full disk) keeps everything in memory, returns
one message naming the folder, and the next save tries again. No Qt here: the GUI's worker
thread drives it between whole steps.
"""

from __future__ import annotations

import time
from pathlib import Path

from ganstudio.errors import USER_ERRORS
from ganstudio.headless import SAVE_EVERY, write_outputs
from ganstudio.runs.library import Run, new_run_folder


class RunKeeper:
    """The run folder of the session being trained. `runs`: the runs folder; `every`: seconds
    between saves while training (injectable for tests)."""

    def __init__(self, runs: Path, every: float = SAVE_EVERY) -> None:
        self.runs = Path(runs)
        self.every = float(every)
        self.run: Run | None = None  # None until the folder exists
        self._new: tuple[str, object, int] | None = None  # (preset, starting config, start step) of a run not yet in a folder
        self._trained = False
        self._saved_at: tuple[int, int] | None = None  # (step, change count) last written
        self._last_save = time.monotonic()
        self.failing = False  # the last save failed (its message was reported)

    @property
    def folder(self) -> Path | None:
        return None if self.run is None else self.run.folder

    def track(self, session, preset: str, origin: Run | None = None) -> None:
        """Follow `session` from now on: a new run named by `preset`, or `origin` (a run read from
        its folder) continued in that folder with its change log."""
        self._trained = False
        self._last_save = time.monotonic()
        if origin is not None:
            session.changes.entries = origin.changes  # its own log goes on
            self.run, self._new = origin, None
            self._saved_at = (session.step_count, len(session.changes.entries))
        else:
            self.run, self._new = None, (preset, session.config, session.step_count)
            self._saved_at = None

    def trained(self) -> None:
        """The session trained a step."""
        self._trained = True

    def due(self) -> bool:
        """Time for a save while training: every `every` seconds, or at once when a run that has
        trained still has no folder (so it shows in the library from its first step; after a
        failed save, at the interval again)."""
        if not self._trained:
            return False
        return (self.run is None and not self.failing) or time.monotonic() - self._last_save >= self.every

    def save(self, session) -> str | None:
        """Write the run folder if anything changed since the last save; the error's message
        (naming the folder) when it could not be written, else None."""
        self._last_save = time.monotonic()
        if self.run is None and not self._trained:
            return None  # never trained: no folder
        mark = (session.step_count, len(session.changes.entries))
        if self.run is not None and mark == self._saved_at and not self.failing:
            return None
        try:
            if self.run is None:
                preset, config, start = self._new
                self.run = Run.new(new_run_folder(self.runs, preset), preset, config, start_step=start)
            write_outputs(session, self.run.folder, None, run=self.run)
        except (*USER_ERRORS, OSError) as exc:
            self.failing = True
            where = self.runs if self.run is None else self.run.folder
            said = str(exc) if str(where) in str(exc) else f"{where}: {exc}"
            return f"Could not save the run: {said}. Training goes on; the next save tries again."
        self.failing = False
        self._saved_at = mark
        return None
