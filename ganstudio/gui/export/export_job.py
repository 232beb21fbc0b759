"""One export (or its size estimate) running in a background thread, reporting to the GUI
thread through Qt signals.

The job object lives in the GUI thread; its signals are emitted from the export thread and
therefore arrive queued, in the GUI thread. Cancelling sets a flag that the writer's
`progress` callback turns into `ExportCancelled`; the writers then remove their staging file
and let the exception through, so a cancelled export leaves nothing on disk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ganstudio.files.atomic import WriteError

Progress = Callable[[int, int], None]


class ExportCancelled(Exception):
    """Raised from the progress callback when the user cancels an export."""


class ExportJob(QObject):
    """Runs `write(progress)` (a writer call, or any slow export-layer call) in a thread.

    Signals (received in the GUI thread): progress(done, total) after each frame; written(result)
    on success, with what `write` returned; failed(message) for an WriteError or invalid
    options; cancelled().
    """

    progress = Signal(int, int)
    written = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, write: Callable[[Progress], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._write = write
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ganstudio-export", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Ask the export to stop after the current frame (thread-safe)."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Join the export thread; True when it has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _report(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise ExportCancelled
        self.progress.emit(done, total)

    def _run(self) -> None:
        try:
            result = self._write(self._report)
        except ExportCancelled:
            self.cancelled.emit()
        except (WriteError, ValueError) as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 -- a bug must end the job visibly, not hang the dialog
            self.failed.emit(f"Export failed: {type(exc).__name__}: {exc}")
        else:
            self.written.emit(result)
