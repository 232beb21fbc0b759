"""This process's console output sent to a file for a while, file descriptors and all.

A library that runs inside this process and talks to the terminal itself (Ray: its log records,
Tune's printed tables, the C++ core worker's warnings, the processes it starts) writes to
descriptors 1 and 2, whatever Python's sys.stdout and sys.stderr are by then; so the
descriptors themselves point at the file meanwhile, and the caller writes its own lines to the
terminal through a copy of descriptor 2 taken before.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

CONSOLE = (1, 2)  # stdout's and stderr's file descriptors


@contextlib.contextmanager
def output_to(log: Path) -> Iterator[TextIO]:
    """Append everything written to this process's stdout and stderr (and its children's, when
    they inherit them) to the file `log` meanwhile. Yields a text stream on the stderr this
    process had before (the terminal), line-buffered, for the caller's own progress."""
    with open(log, "a", encoding="utf-8") as file:
        _flush()
        saved = {fd: os.dup(fd) for fd in CONSOLE}
        try:
            with open(os.dup(saved[2]), "w", encoding=sys.stderr.encoding, errors="backslashreplace", buffering=1) as terminal:
                for fd in CONSOLE:
                    os.dup2(file.fileno(), fd)
                try:
                    yield terminal
                finally:
                    _flush()
                    for fd, copy in saved.items():
                        os.dup2(copy, fd)
        finally:
            for copy in saved.values():
                os.close(copy)


def _flush() -> None:
    """Write out what Python holds for stdout and stderr, so that it lands where it was meant to."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(ValueError, OSError):  # closed, or nowhere to write to
            stream.flush()
