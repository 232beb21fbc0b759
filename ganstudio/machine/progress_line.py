"""The command line's progress: one self-overwriting status line on stderr (train, bench)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TextIO

LOG_INTERVAL = 5.0  # seconds between progress lines when stderr is not a terminal (a log file)
LINE_WIDTH = 100  # a progress line is padded to this width so that it covers the one before
BAR_WIDTH = 30  # characters of the download bar


class ProgressLine:
    """One self-overwriting status line on stderr, at most a few updates a second."""

    def __init__(self, stream=None, interval: float = 0.25) -> None:
        self.stream = stream or sys.stderr  # the one in place now, not at import
        self.interval = interval
        self._last = 0.0
        self._tty = self.stream.isatty()
        self.text = ""

    def show(self, text: str, force: bool = False) -> None:
        self.text = text
        now = time.monotonic()
        if not force and now - self._last < (self.interval if self._tty else LOG_INTERVAL):
            return
        self._last = now
        self.stream.write(("\r" + text.ljust(LINE_WIDTH)) if self._tty else text + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        """A line of its own, above the progress line."""
        self.stream.write(("\r" + text.ljust(LINE_WIDTH) + "\n") if self._tty else text + "\n")
        self.stream.flush()

    @contextlib.contextmanager
    def writing_to(self, stream: TextIO) -> Iterator[None]:
        """Write to `stream` meanwhile: the same terminal through another file descriptor, while
        descriptor 2 goes elsewhere (ganstudio.machine.console.output_to)."""
        before, self.stream = self.stream, stream
        try:
            yield
        finally:
            self.stream = before

    def interrupt(self) -> None:
        """End the line where it stands, so that an error message starts a line of its own."""
        if self._tty and self.text:
            self.stream.write("\n")
            self.stream.flush()

    def done(self) -> None:
        """Show the latest text once more, for good."""
        if self.text:
            self.show(self.text, force=True)
        if self._tty:
            self.stream.write("\n")


def download_progress(line: ProgressLine):
    def report(done: int, total: int | None) -> None:
        if total:
            filled = int(BAR_WIDTH * done / total)
            line.show(
                f"downloading [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done / 1e6:.1f}/{total / 1e6:.1f} MB",
                force=done >= total,
            )
        else:
            line.show(f"downloading {done / 1e6:.1f} MB")

    return report
