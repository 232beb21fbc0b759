"""A grayscale image scaled up crisply (nearest neighbour) to fill its widget, painted by Qt alone.

Why not a pyqtgraph ImageItem: pyqtgraph paints in Python, and PySide6 keeps the GIL through
every QPainter call, so each repaint of the sample grid (up to 10 a second while training) held
the GIL the training thread needs between its matrix products. Here the picture is a
QGraphicsPixmapItem in a plain QGraphicsView: no Python runs while it paints, and a new grid
costs only the uint8 -> QPixmap conversion (figures: docs/DESIGN.md, "Painting budget").
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

from ganstudio.gui.theme import Theme, follow_theme


class PixelGrid(QGraphicsView):
    """Shows one uint8 (H, W) image at the largest size that fits, aspect kept, pixels square
    and sharp, on the plots' background. ``array`` is the image shown (None before the first)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.FastTransformation)
        self.scene().addItem(self.item)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setInteractive(False)
        self.setMinimumSize(120, 120)
        self.array: np.ndarray | None = None
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        self.setBackgroundBrush(QColor(theme.plot_background))

    def show_array(self, image: np.ndarray) -> None:
        """image: uint8 (H, W), 0 black to 255 white."""
        image = np.ascontiguousarray(image, dtype=np.uint8)
        height, width = image.shape
        resized = self.array is None or self.array.shape != image.shape
        qimage = QImage(image.data, width, height, width, QImage.Format.Format_Grayscale8)
        self.item.setPixmap(QPixmap.fromImage(qimage))  # fromImage copies: `image` may change later
        self.array = image
        if resized:
            self.scene().setSceneRect(0, 0, width, height)
            self._fit()

    def _fit(self) -> None:
        """Scale the image to fill the view's width or height (fitInView leaves a margin)."""
        if self.array is not None:
            height, width = self.array.shape
            room = self.viewport().rect()
            scale = min(room.width() / width, room.height() / height)
            self.setTransform(QTransform.fromScale(scale, scale))
            self.centerOn(self.item)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()
