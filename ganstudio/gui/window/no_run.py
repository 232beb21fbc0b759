"""What the window shows in place of the plots while no run is open: why the run could not be
opened (the dataset is not on this computer and could not be downloaded, a corrupt file, ...)
and the ways out, one click each. The window decides what the buttons open."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

OTHER_WAYS = (
    "Or open a preset from the Presets menu (ring8 and grid25 need no download), a config "
    "(File > Open config…) or a saved run (File > Open checkpoint…)."
)


class NoRunPanel(QWidget):
    """Signals: use_synthetic() (train the wanted config on synthetic-digits), choose_folder()
    (look for the dataset in another folder), retry() (try to open the same run again)."""

    use_synthetic = Signal()
    choose_folder = Signal()
    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        self.title = QLabel("<b>No run is open</b>")
        self.title.setStyleSheet("QLabel { font-size: 14pt; }")
        self.reason = QLabel("")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setVisible(False)
        self.details_button.toggled.connect(self.details.setVisible)
        layout.addWidget(self.title)
        layout.addWidget(self.reason)
        layout.addWidget(self.details_button)
        layout.addWidget(self.details)
        row = QHBoxLayout()
        self.synthetic_button = QPushButton("Train on synthetic-digits")
        self.synthetic_button.setToolTip("The same settings on GAN Studio's own handwriting-like digits: no download.")
        self.synthetic_button.clicked.connect(self.use_synthetic)
        self.folder_button = QPushButton("Choose the dataset folder…")
        self.folder_button.setToolTip(
            "A folder holding train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (as --data-dir)."
        )
        self.folder_button.clicked.connect(self.choose_folder)
        self.retry_button = QPushButton("Try again")
        self.retry_button.setToolTip("Open the same run again (downloads the dataset if a mirror answers now).")
        self.retry_button.clicked.connect(self.retry)
        for button in (self.synthetic_button, self.folder_button, self.retry_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        other = QLabel(OTHER_WAYS)
        other.setWordWrap(True)
        layout.addWidget(other)
        layout.addStretch(2)

    def show_reason(self, message: str, details: str = "") -> None:
        """`message`: why the last attempt to open a run failed, as the user should read it;
        `details` (the mirrors tried and their errors, ...) show on the Details button."""
        self.reason.setText(message)
        self.details.setText(details)
        self.details_button.setChecked(False)
        self.details_button.setVisible(bool(details))
