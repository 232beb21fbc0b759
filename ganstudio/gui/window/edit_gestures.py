"""Edits the run gets once the user has made them: a gesture on a number box is one change.

Holding a spin box's arrow (with the mouse or a key) or turning the mouse wheel over it changes
its value at every tick, several times a second. Sent as they come, each tick would be a change
of the run: an entry of its change log, a revert point, a marker on the plots; an hour of such
fiddling would be thousands of entries in run.toml. `EditCoalescer` holds the latest value per
setting while a mouse button or a key is down on a watched box, and sends it QUIET_MS after the
last tick once nothing is held, so a gesture reaches the run as its net change. `flush` sends
what is held at once: the window calls it before any other command, so commands keep the order
the user gave them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

QUIET_MS = 300  # longer than the pause between a spin box's repeated steps (100-150 ms), short to wait for
STEP_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


class EditCoalescer(QObject):
    """Holds `add`ed edits and emits `edited(key, value)`, the latest value of each key in the
    order they were last edited, once no watched box is held and QUIET_MS passed since the last
    edit (or at once for `add(..., at_once=True)` and `flush`)."""

    edited = Signal(str, object)

    def __init__(self, parent: QObject | None = None, quiet_ms: int = QUIET_MS) -> None:
        super().__init__(parent)
        self._held: dict[str, Any] = {}  # key -> the latest value, in the order of the last edits
        self._down: set[tuple[int, Any]] = set()  # (id of a box, "mouse" or a key) held down now
        self._timer = QTimer(self, singleShot=True, interval=quiet_ms, timeout=self._quiet)

    def watch(self, box: QWidget) -> None:
        """Count a mouse button or a step key held down on `box` as an edit still being made."""
        box.installEventFilter(self)

    def add(self, key: str, value: Any, at_once: bool = False) -> None:
        """`key` is now `value`: sent with the next flush, or now with `at_once` (a choice in a
        list, a check box: one edit, no gesture)."""
        self._held.pop(key, None)
        self._held[key] = value
        if at_once:
            self.flush()
        else:
            self._timer.start()

    def holds(self, key: str) -> bool:
        """Whether an edit of `key` waits to be sent (the box shows the user's value, not the run's)."""
        return key in self._held

    def flush(self) -> None:
        """Send every held edit now."""
        self._timer.stop()
        held, self._held = self._held, {}
        for key, value in held.items():
            self.edited.emit(key, value)

    def _quiet(self) -> None:
        if not self._down:  # else the release starts the quiet time again
            self.flush()

    def eventFilter(self, box: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            if event.button() == Qt.MouseButton.LeftButton:
                self._press((id(box), "mouse"), kind == QEvent.Type.MouseButtonPress)
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            if event.key() in STEP_KEYS and not event.isAutoRepeat():  # a held key repeats press/release pairs
                self._press((id(box), event.key()), kind == QEvent.Type.KeyPress)
        elif kind in (QEvent.Type.FocusOut, QEvent.Type.Hide):  # a release this box will not see
            self._down = {d for d in self._down if d[0] != id(box)}
            self._released()
        return False

    def _press(self, what: tuple[int, Any], down: bool) -> None:
        if down:
            self._down.add(what)
        else:
            self._down.discard(what)
            self._released()

    def _released(self) -> None:
        """A button or key went up: the quiet time starts now for what is held."""
        if not self._down and self._held:
            self._timer.start()
