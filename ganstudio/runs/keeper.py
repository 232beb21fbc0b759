"""Keeping a run that is trained interactively (the window's) in the runs library.

A :class:`RunKeeper` follows one session at a time. The run's folder is made in the runs folder
at the first save after the run trained a step (a run that never trained leaves no folder); a
run continued from its folder goes on writing there, its change log with it. :meth:`save`
writes what `ganstudio train` writes (ganstudio.runs.headless.write_outputs: checkpoint with the
frames, history.csv, samples.png, run.toml, summary.json, each atomically); the caller saves
when :meth:`due` (every `every` seconds while training) and at every pause, reset, switch and
close. A failed save (unwritable runs folder, full disk) keeps everything in memory, returns
one message naming the folder, and the next save tries again. The keeper holds the lock of the
folder it writes (ganstudio.runs.lock) from the moment the folder is made or the run is opened
until another run is tracked or :meth:`close`: a run that another process writes is not opened.
No Qt here: the GUI's worker thread drives it between whole steps.
"""

from __future__ import annotations

import time
from pathlib import Path

from ganstudio.run.user_errors import USER_ERRORS
from ganstudio.runs.headless import SAVE_EVERY, write_outputs
from ganstudio.runs.library import Run, new_run_folder
from ganstudio.runs.lock import FolderLock


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
        self._lock: FolderLock | None = None  # the lock of the folder written, held while the run is tracked

    @property
    def folder(self) -> Path | None:
        return None if self.run is None else self.run.folder

    def claim(self, folder: Path) -> FolderLock:
        """The lock of `folder` for a run about to be continued there (the one held already when it
        is the tracked run's folder); FolderBusy naming the process that writes it. Take it before
        loading the run, and hand it to :meth:`track` (or release it if the run is not opened)."""
        if self._lock is not None and self._lock.folder == Path(folder):
            return self._lock
        return FolderLock(folder)

    def unclaim(self, lock: FolderLock) -> None:
        """Give back a lock from :meth:`claim` whose run was not opened after all (kept when it is
        the tracked run's own)."""
        if lock is not self._lock:
            lock.release()

    def track(self, session, preset: str, origin: Run | None = None, lock: FolderLock | None = None) -> None:
        """Follow `session` from now on: a new run named by `preset`, or `origin` (a run read from
        its folder) continued in that folder with its change log, holding `lock` (:meth:`claim`).
        The previous run's lock is released."""
        if self._lock is not lock:
            self.close()
        self._lock = lock
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
                folder = new_run_folder(self.runs, preset)
                self._lock = FolderLock(folder)
                self.run = Run.new(folder, preset, config, start_step=start)
            write_outputs(session, self.run.folder, None, run=self.run)
        except (*USER_ERRORS, OSError) as exc:
            self.failing = True
            where = self.runs if self.run is None else self.run.folder
            said = str(exc) if str(where) in str(exc) else f"{where}: {exc}"
            return f"Could not save the run: {said}. Training goes on; the next save tries again."
        self.failing = False
        self._saved_at = mark
        return None

    def close(self) -> None:
        """Release the folder's lock (after the last save): other writers may continue the run."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None
