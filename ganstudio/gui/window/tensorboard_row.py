"""Recording's "Log to TensorBoard" row: a checkbox, a "Folder…" button and a status line naming
the folder the logs go in (one sub-folder per run), or why logging is not possible. The row only
shows and asks; the window remembers the choice and the training worker writes the logs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

TIP = (
    "Also log the runs for TensorBoard: one folder per run holding the plotted curves, the recorded "
    "sample grids, the changes and warnings, and the settings with the final figures "
    "(tensorboard --logdir FOLDER shows them)."
)


def shown_path(path: str) -> str:
    """`path` with the home folder written as ~."""
    home = str(Path.home())
    return "~" + path[len(home) :] if path == home or path.startswith(home + "/") else path


class TensorBoardRow(QWidget):
    """Signal chosen(on, folder): the user ticked or unticked the box, or chose a folder."""

    chosen = Signal(bool, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QCheckBox("Log to TensorBoard")
        self.box.setToolTip(TIP)
        self.folder_button = QPushButton("Folder…")
        self.folder_button.setToolTip("Choose the folder the TensorBoard logs go in")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.folder = ""
        self.dialog: QFileDialog | None = None
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.box, 1)
        row.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.box.toggled.connect(self._toggled)
        self.folder_button.clicked.connect(self.ask_folder)

    def show_choice(self, on: bool, folder: str) -> None:
        """Show the box `on` and logs going into `folder` (sends nothing)."""
        self.folder = folder
        self.box.blockSignals(True)
        self.box.setChecked(on)
        self.box.blockSignals(False)
        self._show_folder()

    def show_unavailable(self, hint: str) -> None:
        """Logging cannot be turned on: the box unticked and disabled, `hint` (one line: what to
        install) as its tooltip and status line."""
        self.box.blockSignals(True)
        self.box.setChecked(False)
        self.box.blockSignals(False)
        self.box.setEnabled(False)
        self.folder_button.setEnabled(False)
        self.box.setToolTip(hint)
        self.status.setText(hint)

    def show_log(self, folder: str) -> None:
        """The current run's log was opened in `folder`."""
        self.status.setText(f"logging into {shown_path(folder)}")
        self.status.setToolTip(folder)

    def ask_folder(self) -> None:
        """Ask (window-modal) for the folder the logs go in."""
        self.dialog = QFileDialog(self.window(), "Folder for the TensorBoard logs", self.folder)
        self.dialog.setFileMode(QFileDialog.FileMode.Directory)
        self.dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        self.dialog.fileSelected.connect(self.use_folder)
        self.dialog.open()

    def use_folder(self, folder: str) -> None:
        """Log into `folder` from now on (when the box is ticked)."""
        self.folder = folder
        self._show_folder()
        self.chosen.emit(self.box.isChecked(), folder)

    def _toggled(self, on: bool) -> None:
        self._show_folder()
        self.chosen.emit(on, self.folder)

    def _show_folder(self) -> None:
        self.status.setText(f"{'logs go' if self.box.isChecked() else 'would go'} into {shown_path(self.folder)}/RUN")
        self.status.setToolTip(self.folder)
