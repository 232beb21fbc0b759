"""One latent point through training: a cell of the sample grid in every recorded frame, with
the step of each under it, growing as the recorder adds frames.

The images are cut out of the recorder's frames (record/frames.py, the grids the timeline
scrubs), so each is that cell exactly as it was recorded: the same noise, one digit being
learned. Frames recorded at another grid size hold the cell elsewhere, or not at all; they are
left out and the caption says how many. Its row of captioned images (ImageRow) also shows a
cell's nearest training images (gui/window/copying.py).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from ganstudio.render import GridLayout, upscale

ICON_SCALE = 2  # a 28 x 28 digit as a 56 x 56 px icon, nearest neighbour


def gray_pixmap(image: np.ndarray) -> QPixmap:
    """uint8 (h, w) as a QPixmap (copied)."""
    image = np.ascontiguousarray(image)
    h, w = image.shape
    return QPixmap.fromImage(QImage(image.data, w, h, w, QImage.Format.Format_Grayscale8))


class ImageRow(QListWidget):
    """Small grayscale images in one row that scrolls sideways, each enlarged ICON_SCALE times
    with a caption under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # a steady height
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.setUniformItemSizes(True)
        self.setSpacing(2)
        self.images: list[np.ndarray] = []  # the images shown, in order

    def add_image(self, image: np.ndarray, caption: str, tooltip: str = "") -> None:
        """Add uint8 (h, w) `image` at the row's end, `caption` under it."""
        item = QListWidgetItem(QIcon(gray_pixmap(upscale(image, ICON_SCALE))), caption)
        item.setToolTip(tooltip or caption)
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.addItem(item)
        self.images.append(image)

    def size_icons(self, image: tuple[int, int], caption_lines: int = 1) -> None:
        """Icons of (h, w) images enlarged ICON_SCALE times; one row of them, `caption_lines`
        of text under each, and the scroll bar tall."""
        h, w = image
        self.setIconSize(QSize(w * ICON_SCALE, h * ICON_SCALE))
        row = h * ICON_SCALE + caption_lines * self.fontMetrics().height() + 4 * self.spacing() + 6
        self.setFixedHeight(row + self.horizontalScrollBar().sizeHint().height() + 2 * self.frameWidth())


class FollowStrip(ImageRow):
    """The cell's images at the recorded frames, oldest first, in one row that scrolls sideways
    (and keeps the newest in view while it is); `steps` and `images` (uint8 (h, w) each) are
    what it shows, `skipped` the frames of another grid size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps: list[int] = []
        self.skipped = 0
        self._shown: tuple[int, GridLayout, tuple[int, ...]] | None = None  # (cell, layout, steps of the frames read)

    def show_cell(self, cell: int, layout: GridLayout, frame_steps: np.ndarray, frames: tuple[np.ndarray, ...]) -> None:
        """Show cell `cell` (of grids of `layout`) in each recorded frame (frames uint8 (H, W) at
        frame_steps (n,)); only the frames added since the last call are read when the cell and
        the frames before are the same (the recorder appends, and thins only now and then)."""
        steps = tuple(int(step) for step in frame_steps)
        shown = self._shown
        if shown is not None and shown[:2] == (cell, layout) and steps[: len(shown[2])] == shown[2]:
            start = len(shown[2])
        else:
            start = 0
            self.clear()
            self.steps, self.images, self.skipped = [], [], 0
            self.size_icons(layout.image)
        bar = self.horizontalScrollBar()
        at_newest = bar.value() == bar.maximum()
        for step, frame in zip(steps[start:], frames[start:]):
            if frame.shape != layout.shape:
                self.skipped += 1
                continue
            image = layout.crop(frame, cell)
            self.add_image(image, f"{step:,}", f"step {step:,}")
            self.steps.append(step)
        self._shown = (cell, layout, steps)
        if at_newest:
            self.scrollToItem(self.item(self.count() - 1)) if self.count() else None

    def forget(self) -> None:
        """Show nothing."""
        self.clear()
        self.steps, self.images, self.skipped, self._shown = [], [], 0, None
