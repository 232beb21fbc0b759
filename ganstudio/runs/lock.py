"""One writer per folder: a lock that a run's writer (`train`, a sweep's worker, the window)
holds on its run folder, and a sweep's process on its sweep folder, while it writes there.

The lock is an exclusive `flock` on the file ``.lock`` in the folder, which also holds the
writer's process id (for the message a second writer gets). The kernel releases a `flock` when
its holder's file is closed, also when the holder dies (SIGKILL, a crash): a dead writer's lock
never blocks, and no stale lock needs clearing. A writer removes the file when it is done; a
killed one leaves it, unlocked, for the next writer to take over.
Readers (`runs list`, `runs show`, `sample`, `compare`, the Runs panel) never take the lock:
every file of a run folder is replaced atomically, so they read whole files while it is written.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ganstudio.config.model import ConfigError

LOCK = ".lock"


class FolderBusy(ConfigError):
    """Another living process writes the folder; the message names the folder and that process."""


class FolderLock:
    """An exclusive lock on `folder` (which must exist) for this process, until :meth:`release`
    (or the end of a ``with`` block, or of the process). FolderBusy when another process holds it."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK
        self._fd: int | None = _locked_fd(self.path)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        """Remove the lock file and let other writers in. Removed while still locked, so no one can
        lock it after this: a writer that opened it just before finds it gone and opens a new one."""
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)  # closing the only descriptor of the open file releases its flock
            self._fd = None

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def _locked_fd(path: Path) -> int:
    """A descriptor of the lock file `path`, exclusively locked: the file that `path` names when
    the lock is taken (one a releasing writer removed meanwhile does not count)."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(f"{path.parent}: cannot create its lock file {LOCK} ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FolderBusy(busy_message(path.parent, _pid_in(path))) from None
        if _same_file(fd, path):
            return fd
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino)


def writer(folder: Path) -> int | None:
    """The process id of the living process that holds `folder`'s lock, or None when nobody does
    (0 when its id cannot be read). Never creates the lock file; takes the lock only for the moment
    of the probe, so call it before this process's own writers start, not beside them."""
    path = Path(folder) / LOCK
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None  # no lock file: nobody ever wrote this folder under a lock
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return _pid_in(path)
    finally:
        os.close(fd)  # also releases the probe's lock when it was taken
    return None


def check_no_writer(folder: Path) -> None:
    """FolderBusy when a living process writes `folder` (see :func:`writer`)."""
    pid = writer(folder)
    if pid is not None:
        raise FolderBusy(busy_message(Path(folder), pid))


def busy_message(folder: Path, pid: int) -> str:
    """One line naming `folder` and its writer `pid` (0: unknown)."""
    who = f"process {pid}" if pid else "another process"
    return f"{folder}: {who} is writing there (one writer per folder); wait for it to end, or stop it first"


def _pid_in(path: Path) -> int:
    """The process id the lock file holds (0 when it holds none: its writer is just writing it)."""
    try:
        return int(path.read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        return 0
