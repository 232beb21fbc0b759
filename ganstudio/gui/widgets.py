"""Small reusable editors for config values: scientific spin box, grid-side spin box, int-list line
edit, class picker."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QGridLayout, QLineEdit, QSpinBox, QWidget

from ganstudio.config.model import ALL_CLASSES
from ganstudio.gui.theme import current_theme


class ScientificSpinBox(QDoubleSpinBox):
    """A float editor for values spanning decades (learning rates, eps): shows `2e-04`, steps by
    a factor of 10^(1/10) per arrow press, accepts any number typed in plain or e-notation."""

    def __init__(self, low: float, high: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(low, high)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.3g}"

    def valueFromText(self, text: str) -> float:
        return float(text)

    def validate(self, text: str, pos: int):
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value() if self.value() > 0 else self.minimum() or 1e-6
        new = float(f"{value * 10 ** (steps / 10):.3g}")
        self.setValue(min(max(new, self.minimum()), self.maximum()))


class GridSideSpinBox(QSpinBox):
    """The side n of an n x n sample grid, shown as "8 x 8"; typing "8" (or "8 x 8") sets 8.
    A conditional run's grid has a row per class and n columns: after :meth:`set_rows` it reads
    "10 x 8" (rows x columns) and edits the columns."""

    rows: int | None = None

    def set_rows(self, rows: int | None) -> None:
        """The grid's fixed number of rows (a conditional run's classes), None for n x n."""
        if rows != self.rows:
            self.rows = rows
            self.lineEdit().setText(self.textFromValue(self.value()))

    def textFromValue(self, value: int) -> str:
        return f"{value if self.rows is None else self.rows} x {value}"

    def _side(self, text: str) -> str:
        """The part of `text` that is the side (the columns once rows are fixed)."""
        parts = text.split("x")
        return (parts[0] if self.rows is None or len(parts) == 1 else parts[-1]).strip()

    def valueFromText(self, text: str) -> int:
        return int(self._side(text))

    def validate(self, text: str, pos: int):
        side = self._side(text)
        if not side.isdigit():
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= int(side) <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos


class IntListEdit(QLineEdit):
    """Edits a list of whole numbers ("256, 512"); emits `committed(tuple)` on Enter/focus-out
    when the text parses and every value is within [low, high], else shows why in its tooltip
    and turns red (nothing is sent)."""

    committed = Signal(tuple)

    def __init__(self, low: int, high: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.low, self.high = low, high
        self.editingFinished.connect(self._commit)
        self._help = ""

    def set_values(self, values: tuple[int, ...]) -> None:
        self.setText(", ".join(str(v) for v in values))
        self._mark_valid(True)

    def setToolTip(self, text: str) -> None:  # keep the help text to restore after an error
        self._help = text
        super().setToolTip(text)

    def parse(self) -> tuple[int, ...] | str:
        """The values, or an error message."""
        parts = self.text().replace(",", " ").split()
        if not parts:
            return "needs at least one layer width"
        try:
            values = tuple(int(p) for p in parts)
        except ValueError:
            return f"'{self.text()}' is not a list of whole numbers like 256, 512"
        bad = [v for v in values if not self.low <= v <= self.high]
        if bad:
            return f"widths must be between {self.low} and {self.high} (got {bad[0]})"
        return values

    def _mark_valid(self, ok: bool, message: str = "") -> None:
        self.setStyleSheet("" if ok else f"QLineEdit {{ background: {current_theme().invalid_background}; }}")
        super().setToolTip(self._help if ok else f"{message}\n\n{self._help}")

    def _commit(self) -> None:
        result = self.parse()
        if isinstance(result, str):
            self._mark_valid(False, result)
            return
        self._mark_valid(True)
        self.committed.emit(result)


class ClassPicker(QWidget):
    """An "All" toggle and ten class toggles (two rows of five). "All" is checked exactly when
    no class is: checking it clears the classes, checking a class clears it, and it cannot be
    unchecked by itself (nothing is not a choice). Emits `changed(value)`: the checked classes as
    a tuple, or config.ALL_CLASSES for all (an empty tuple is not a way to say all classes)."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(4)
        layout.setVerticalSpacing(0)
        self.all_box = QCheckBox("All")
        self.all_box.setChecked(True)
        self.all_box.toggled.connect(self._all_toggled)
        layout.addWidget(self.all_box, 0, 0, 2, 1)
        self.boxes = []
        for digit in range(10):
            box = QCheckBox(str(digit))
            box.toggled.connect(self._emit)
            layout.addWidget(box, digit // 5, 1 + digit % 5)
            self.boxes.append(box)
        self._quiet = False

    def set_classes(self, classes: tuple[int, ...]) -> None:
        """Show `classes` (() for all) without emitting."""
        self._quiet = True
        for digit, box in enumerate(self.boxes):
            box.setChecked(digit in classes)
        self.all_box.setChecked(not classes)
        self._quiet = False

    def classes(self) -> tuple[int, ...]:
        return tuple(d for d, box in enumerate(self.boxes) if box.isChecked())

    def _all_toggled(self, checked: bool) -> None:
        if self._quiet:
            return
        if not checked and not self.classes():
            self.set_classes(())  # "All" stays until a class is chosen
            return
        if checked:
            self.set_classes(())
            self.changed.emit(ALL_CLASSES)

    def _emit(self) -> None:
        if self._quiet:
            return
        chosen = self.classes()
        self._quiet = True
        self.all_box.setChecked(not chosen)
        self._quiet = False
        self.changed.emit(chosen or ALL_CLASSES)


def is_close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
