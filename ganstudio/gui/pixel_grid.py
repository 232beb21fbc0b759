"""A grayscale image scaled up crisply (nearest neighbour) to fill its widget, painted by Qt alone.

Why not a pyqtgraph ImageItem: pyqtgraph paints in Python, and PySide6 keeps the GIL through
every QPainter call, so each repaint of the sample grid (up to 10 a second while training) held
the GIL the training thread needs between its matrix products. Here the picture is a
QGraphicsPixmapItem in a plain QGraphicsView: no Python runs while it paints, and a new grid
costs only the uint8 -> QPixmap conversion (figures: docs/DESIGN.md, "Painting budget").

Clicks and context-menu requests are reported in the picture's pixel coordinates, and outlined,
labelled rectangles (marks) can be drawn over the picture, e.g. the cells picked in a grid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from ganstudio.gui.theme import Theme, follow_theme

Mark = tuple[int, int, int, int, str]  # x, y, width, height in the picture's pixels; its label ("" for none)
MARK_PEN = 2  # px on screen, whatever the zoom


class PixelGrid(QGraphicsView):
    """Shows one uint8 (H, W) image at the largest size that fits, aspect kept, pixels square
    and sharp, on the plots' background. ``array`` is the image shown (None before the first).

    Signals: clicked(x, y, modifiers) on a left click, menu_requested(x, y, global QPoint) on a
    context-menu request, x and y in the picture's pixels (fractional; outside it when the click
    was beside it)."""

    clicked = Signal(float, float, object)
    menu_requested = Signal(float, float, object)

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
        self.marks: tuple[Mark, ...] = ()
        self._mark_items: list[QGraphicsItem] = []
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        self.setBackgroundBrush(QColor(theme.plot_background))
        self._mark_color = QColor(*theme.fake_points[:3])
        self.set_marks(self.marks)

    def set_marks(self, marks: Sequence[Mark]) -> None:
        """Outline each mark's rectangle over the picture and write its label inside its top-left
        corner (replacing the marks shown before)."""
        for item in self._mark_items:
            self.scene().removeItem(item)
        self._mark_items, self.marks = [], tuple(marks)
        pen = QPen(self._mark_color, MARK_PEN)
        pen.setCosmetic(True)
        font = QFont()
        font.setBold(True)
        for x, y, width, height, label in self.marks:
            outline = QGraphicsRectItem(x, y, width, height)
            outline.setPen(pen)
            self._mark_items.append(outline)
            if label:
                text = QGraphicsSimpleTextItem(label)
                text.setFont(font)
                text.setBrush(self._mark_color)
                text.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)  # legible at any zoom
                text.setPos(x, y)
                self._mark_items.append(text)
        for item in self._mark_items:
            self.scene().addItem(item)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            at = self.mapToScene(event.position().toPoint())
            self.clicked.emit(at.x(), at.y(), event.modifiers())
        super().mousePressEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt override)
        at = self.mapToScene(event.pos())
        self.menu_requested.emit(at.x(), at.y(), event.globalPos())

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
