"""All-or-nothing file writes: write beside the target, then rename onto it.

Every writer in `ganstudio.media` goes through `atomic_path` (or `atomic_file`, which opens
the staged file for binary writing). A reader of the target path therefore sees either the
old file or the complete new one, never a partial file, and a failed export leaves neither
the target nor the staging file behind.

A write that is killed (SIGKILL, power loss) cannot clean up, so every write first sweeps its
folder (:func:`sweep_stale`): a staging file of this naming that this process is not writing and
that nobody has modified for STALE_AFTER seconds belongs to a dead writer and is removed. A live
writer in another process keeps its staging file's modification time fresh by writing to it.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


class WriteError(Exception):
    """A file could not be written: the message names the file and the reason.

    Raised for every I/O failure (missing folder, permission denied, disk full, an unusable file
    name, a missing optional encoder); a user's mistake, listed in ganstudio.run.user_errors.USER_ERRORS.
    Invalid arguments raise `ValueError` before anything touches the disk.
    """


STALE_AFTER = 15 * 60.0  # seconds without a write after which another process's staging file is dead
STAGING = re.compile(r"\..*\.[0-9a-f]{8}\.part(\.[^.]*)?")  # .STEM.RANDOM.part.SUFFIX
_writing: set[tuple[int, int]] = set()  # (device, inode) of this process's staging files in use: never swept


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh staging path beside `path`; on success move it onto `path`.

    The staging file is created empty (exclusively, with the permissions a plain `open` gives)
    in the target's folder, named `.STEM.RANDOM.part.SUFFIX` so tools that look at the suffix
    (ffmpeg) still see it. When the block completes, the staged file is flushed to disk and
    `os.replace`d onto `path`. When the block raises, the staged file is removed; an `OSError`
    (folder missing, permission denied, disk full, ...) becomes a `WriteError` naming
    `path`, any other exception (e.g. a cancel raised by a progress callback) passes through.
    An unusable path (empty, a NUL byte) is a `WriteError` too. Stale staging files of killed
    writes in the target's folder are swept first.
    """
    target = Path(path)
    if not target.name:
        raise WriteError(f"Could not write {str(path)!r}: not a file name")
    stem = target.stem[:64]  # the staging name must not outgrow the file system's limit
    staged = target.with_name(f".{stem}.{secrets.token_hex(4)}.part{target.suffix[:16]}")
    sweep_stale(target.parent)
    try:
        open(staged, "xb").close()
        info = os.stat(staged)
    except (OSError, ValueError) as exc:  # ValueError: e.g. an embedded NUL byte
        raise WriteError(f"Could not write {str(target)!r}: {_reason(exc)}") from exc
    ours = (info.st_dev, info.st_ino)
    _writing.add(ours)
    try:
        yield staged
        _fsync(staged)
        os.replace(staged, target)
    except BaseException as exc:
        staged.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError(f"Could not write {str(target)!r}: {_reason(exc)}") from exc
        raise
    finally:
        _writing.discard(ours)


@contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """`atomic_path`, with the staged file opened for binary writing (closed before the move)."""
    with atomic_path(path) as staged, open(staged, "wb") as fh:
        yield fh


def sweep_stale(folder: Path, stale_after: float = STALE_AFTER) -> list[Path]:
    """Remove the staging files in `folder` that killed writes left behind: named like
    `atomic_path`'s, not being written by this process, and unmodified for `stale_after` seconds
    (0: every one, for a folder no other process writes into). Returns what was removed. Best
    effort: an unreadable folder or a file another sweeper removed first is skipped (the write
    itself reports real problems)."""
    removed = []
    deadline = math.inf if stale_after <= 0 else time.time() - stale_after
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not STAGING.fullmatch(entry.name):
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(info.st_mode) and info.st_mtime < deadline and (info.st_dev, info.st_ino) not in _writing:
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
                except OSError:
                    continue
    except (OSError, ValueError):  # ValueError: e.g. an embedded NUL byte, which the write reports
        pass
    return removed


def _fsync(path: Path) -> None:
    """Flush `path`'s data to the device, so a disk-full error surfaces before the rename."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _reason(exc: OSError | ValueError) -> str:
    """The human part of an error, one line: 'No space left on device', not the errno tuple."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0]
