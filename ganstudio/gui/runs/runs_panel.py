"""The Runs panel: the runs library (ganstudio.runs.library) as a sortable table, with rename,
star, delete, open (continue training in the window) and select-for-compare.

The table is re-read from the runs folder when a run folder was written (the window's run saved,
renamed or starred: at most every save interval while training) or on Refresh; between those
reads the current run's row follows its snapshots, at most every LIVE_INTERVAL seconds, without
touching the disk. Renames and stars go to the training worker (they are written between steps,
never racing the run's own saves); deletes happen here, after a confirmation.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.theme import current_theme, error_style
from ganstudio.run.snapshot import Snapshot
from ganstudio.runs.formatting import classes_text, count_text, date_text, quality_text
from ganstudio.runs.library import RunsError, delete_run, list_runs, row

COLUMNS = ("★", "Name", "Preset", "Created", "Steps", "FID / modes", "Classes (recognisable)")
STAR, NAME, PRESET, CREATED, STEPS, QUALITY, CLASSES = range(len(COLUMNS))
FOLDER = Qt.ItemDataRole.UserRole + 1  # on the name cell: the run folder (Path)
SORT = Qt.ItemDataRole.UserRole + 2  # what a column sorts by (numbers as numbers; not measured first)
COMPARE = (2, 8)  # how many runs the compare view takes
LIVE_INTERVAL = 3.0  # seconds between updates of the current run's row from its snapshots
STARS = ("☆", "★")  # not starred, starred


def quality(fid: float | None, modes: float | None) -> tuple[str, float]:
    """The FID-or-modes cell: its text and sort key (-1 when not measured)."""
    key = fid if fid is not None else modes if modes is not None else -1.0
    return quality_text(fid, modes, "–"), float(key)


def _latest(series: dict[str, tuple[Any, Any]], name: str) -> float | None:
    """The latest finite value of snapshot insight series `name`, or None."""
    if name not in series or not len(series[name][1]) or not math.isfinite(float(series[name][1][-1])):
        return None
    return float(series[name][1][-1])


def panel_button(text: str) -> QToolButton:
    """A button sized to its text: the panel shares a tabbed dock with the samples, which the
    user may narrow to 300 px, below four push buttons' minimum width."""
    button = QToolButton()
    button.setText(text)
    return button


class RunsPanel(QWidget):
    """Signals: open_requested(Path), rename_requested(Path, str), star_requested(Path, bool),
    compare_requested(list of 2 to 8 run folders (Path), in table order)."""

    open_requested = Signal(object)
    rename_requested = Signal(object, str)
    star_requested = Signal(object, bool)
    compare_requested = Signal(list)

    def __init__(self, runs: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.current: Path | None = None  # the run training in the window, once it has a folder
        self._filling = False
        self._live_at = 0.0
        self.delete_box: QMessageBox | None = None

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(COLUMNS)
        self.model.itemChanged.connect(self._item_changed)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(CREATED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.clicked.connect(self._clicked)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.message = QLabel("")  # problems reading the library, refusals
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)

        self.open_button = panel_button("Open")
        self.open_button.setToolTip("Continue training the selected run in the window, in its own folder")
        self.open_button.clicked.connect(self.open_selected)
        self.delete_button = panel_button("Delete…")
        self.delete_button.setToolTip("Delete the selected runs' folders (asks first)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.compare_button = panel_button("Compare…")
        self.compare_button.setToolTip(f"Compare {COMPARE[0]} to {COMPARE[1]} selected runs side by side")
        self.compare_button.clicked.connect(self.compare_selected)
        refresh = panel_button("Refresh")
        refresh.setToolTip(f"Read the runs folder again ({runs})")
        refresh.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        for button in (self.open_button, self.delete_button, self.compare_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(refresh)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.refresh()

    # -- reading the library ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the runs folder again; the selection stays on the same runs."""
        try:
            found, problems = list_runs(self.runs)
        except RunsError as exc:
            found, problems = [], [str(exc)]
        selected = set(self.selected())
        self._filling = True
        self.model.setRowCount(0)
        for run, figures in found:
            self.model.appendRow(self._cells(row(run, figures)))
        self._filling = False
        self._mark_current()
        selection = self.table.selectionModel()
        for r in range(self.proxy.rowCount()):
            if self._folder(r) in selected:
                selection.select(
                    self.proxy.index(r, 0),
                    selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                )
        self.show_message("\n".join(problems))
        self._update_buttons()

    def _cells(self, r: dict[str, Any]) -> list[QStandardItem]:
        text, key = quality(r["fid"], r["modes_covered"])
        classes = r["classes_covered"]
        values = (
            (STARS[r["starred"]], int(r["starred"])),
            (r["name"], r["name"].lower()),
            (r["preset"], r["preset"].lower()),
            (date_text(r["created"]), r["created"]),
            (count_text(r["steps"]), int(r["steps"])),
            (text, key),
            (classes_text(classes, r["recognisable_share"], "–"), -1.0 if classes is None else float(classes)),
        )
        cells = []
        for column, (shown, key) in enumerate(values):
            item = QStandardItem(shown)
            item.setData(key, SORT)
            item.setEditable(column == NAME)
            if column in (STEPS, QUALITY, CLASSES):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            elif column == STAR:
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setToolTip("Click to star or unstar this run")
            cells.append(item)
        cells[NAME].setData(Path(r["folder"]), FOLDER)
        cells[NAME].setToolTip(f"{r['folder']}\nDouble-click to rename")
        return cells

    # -- the current run ---------------------------------------------------------------------------
    def set_current(self, folder: Path | None) -> None:
        """`folder` is the run training in the window now (None: it has no folder yet)."""
        self.current = folder
        self.refresh()

    def _mark_current(self) -> None:
        bold = QFont()
        bold.setBold(True)
        self._filling = True
        for r in range(self.model.rowCount()):
            is_current = self.current is not None and self.model.item(r, NAME).data(FOLDER) == self.current
            for c in range(len(COLUMNS)):
                item = self.model.item(r, c)
                item.setFont(bold if is_current else QFont())
                item.setBackground(QBrush(QColor(*current_theme().current_run)) if is_current else QBrush())
            if is_current:
                self.model.item(r, PRESET).setToolTip("training in this window")
        self._filling = False

    def show_snapshot(self, snap: Snapshot) -> None:
        """The current run's row follows `snap` (at most every LIVE_INTERVAL seconds)."""
        now = time.monotonic()
        if self.current is None or now - self._live_at < LIVE_INTERVAL:
            return
        self._live_at = now
        source = self._source_row(self.current)
        if source is None:
            return
        series = snap.insight_series
        text, key = quality(_latest(series, "fid"), _latest(series, "modes_covered"))
        classes, recognisable = _latest(series, "classes_covered"), _latest(series, "recognisable")
        share = None if recognisable is None else recognisable / 100.0
        self._filling = True
        for column, shown, value in (
            (STEPS, f"{snap.step:,}", snap.step),
            (QUALITY, text, key),
            (CLASSES, classes_text(classes, share, "–"), -1.0 if classes is None else classes),
        ):
            item = self.model.item(source, column)
            item.setText(shown)
            item.setData(value, SORT)
        self._filling = False

    def _source_row(self, folder: Path) -> int | None:
        for r in range(self.model.rowCount()):
            if self.model.item(r, NAME).data(FOLDER) == folder:
                return r
        return None

    # -- selection and actions ---------------------------------------------------------------------
    def _folder(self, proxy_row: int) -> Path:
        return self.proxy.index(proxy_row, NAME).data(FOLDER)

    def selected(self) -> list[Path]:
        """The selected runs' folders, in table order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self._folder(r) for r in rows]

    def select(self, folders: list[Path]) -> None:
        """Select the rows of `folders` (and only those)."""
        self.table.clearSelection()
        selection = self.table.selectionModel()
        for r in range(self.proxy.rowCount()):
            if self._folder(r) in folders:
                selection.select(self.proxy.index(r, 0), selection.SelectionFlag.Select | selection.SelectionFlag.Rows)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.open_button.setEnabled(len(chosen) == 1 and chosen[0] != self.current)
        self.delete_button.setEnabled(bool(chosen))
        self.compare_button.setEnabled(COMPARE[0] <= len(chosen) <= COMPARE[1])

    def show_message(self, text: str) -> None:
        self.message.setStyleSheet(error_style())
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _item_changed(self, item: QStandardItem) -> None:
        """A name edited in place: rename the run."""
        if self._filling or item.column() != NAME:
            return
        name = item.text().strip()
        if not name:
            self.refresh()
            self.show_message("A run's name cannot be empty.")
            return
        self.rename_requested.emit(self.model.item(item.row(), NAME).data(FOLDER), name)

    def _clicked(self, index) -> None:
        """A click on a star cell stars or unstars that run."""
        if index.column() != STAR:
            return
        item = self.model.itemFromIndex(self.proxy.mapToSource(index))
        starred = not bool(item.data(SORT))
        self._filling = True
        item.setText(STARS[starred])
        item.setData(int(starred), SORT)
        self._filling = False
        self.star_requested.emit(self.model.item(item.row(), NAME).data(FOLDER), starred)

    def open_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1 and chosen[0] != self.current:
            self.open_requested.emit(chosen[0])

    def compare_selected(self) -> None:
        chosen = self.selected()
        if COMPARE[0] <= len(chosen) <= COMPARE[1]:
            self.compare_requested.emit(chosen)
        else:
            self.show_message(f"Select {COMPARE[0]} to {COMPARE[1]} runs to compare ({len(chosen)} selected).")

    def delete_selected(self) -> None:
        """Ask, then delete the selected runs' folders. The run training in the window is not
        deleted: open or start another run first."""
        chosen = self.selected()
        if not chosen:
            return
        if self.current in chosen:
            self.show_message(
                f"{self.current.name} is the run training in the window and is not deleted: "
                "open or start another run first, then delete it."
            )
            return
        names = "\n".join(f"  {folder}" for folder in chosen)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete runs",
            f"Delete {'this run' if len(chosen) == 1 else f'these {len(chosen)} runs'} and everything in "
            f"{'its folder' if len(chosen) == 1 else 'their folders'}?\n{names}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.buttonClicked.connect(
            lambda button: self._delete(chosen) if box.standardButton(button) == QMessageBox.StandardButton.Yes else None
        )
        self.delete_box = box
        box.open()

    def _delete(self, folders: list[Path]) -> None:
        problems = []
        for folder in folders:
            try:
                delete_run(folder)
            except RunsError as exc:
                problems.append(str(exc))
        self.refresh()
        if problems:
            self.show_message("\n".join(problems))
