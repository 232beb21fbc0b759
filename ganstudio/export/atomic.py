"""All-or-nothing file writes: write beside the target, then rename onto it.

Every writer in `ganstudio.export` goes through `atomic_path` (or `atomic_file`, which opens
the staged file for binary writing). A reader of the target path therefore sees either the
old file or the complete new one, never a partial file, and a failed export leaves neither
the target nor the staging file behind.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ganstudio.export.errors import ExportError


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh staging path beside `path`; on success move it onto `path`.

    The staging file is created empty (exclusively, with the permissions a plain `open` gives)
    in the target's folder, named `.STEM.RANDOM.part.SUFFIX` so tools that look at the suffix
    (ffmpeg) still see it. When the block completes, the staged file is flushed to disk and
    `os.replace`d onto `path`. When the block raises, the staged file is removed; an `OSError`
    (folder missing, permission denied, disk full, ...) becomes an `ExportError` naming
    `path`, any other exception (e.g. a cancel raised by a progress callback) passes through.
    An unusable path (empty, a NUL byte) is an `ExportError` too.
    """
    target = Path(path)
    if not target.name:
        raise ExportError(f"Could not write {str(path)!r}: not a file name")
    stem = target.stem[:64]  # the staging name must not outgrow the file system's limit
    staged = target.with_name(f".{stem}.{secrets.token_hex(4)}.part{target.suffix[:16]}")
    try:
        open(staged, "xb").close()
    except (OSError, ValueError) as exc:  # ValueError: e.g. an embedded NUL byte
        raise ExportError(f"Could not write {str(target)!r}: {_reason(exc)}") from exc
    try:
        yield staged
        _fsync(staged)
        os.replace(staged, target)
    except BaseException as exc:
        staged.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ExportError(f"Could not write {str(target)!r}: {_reason(exc)}") from exc
        raise


@contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """`atomic_path`, with the staged file opened for binary writing (closed before the move)."""
    with atomic_path(path) as staged, open(staged, "wb") as fh:
        yield fh


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
