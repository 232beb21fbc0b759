"""The sample grid's picture: what a user sees is the grid, scaled up crisply, aspect kept."""

import numpy as np
from PySide6.QtGui import QColor

from ganstudio.gui.pixel_grid import PixelGrid

from support import shown


def grabbed_gray(widget) -> np.ndarray:
    """The widget as painted: (h, w) gray levels read from its grab."""
    image = widget.grab().toImage()
    return np.array([[QColor(image.pixel(x, y)).red() for x in range(image.width())] for y in range(image.height())])


def test_grid_fills_the_widget_with_sharp_square_pixels(qtbot):
    view = shown(qtbot, PixelGrid(), 200, 100)
    image = np.array([[0, 255], [64, 192]], np.uint8)
    view.show_array(image)
    shot = grabbed_gray(view)
    # 2 x 2 pixels in a 200 x 100 widget: 50-pixel squares, centred horizontally.
    assert shot[25, 75] == 0 and shot[25, 125] == 255 and shot[75, 75] == 64 and shot[75, 125] == 192
    # Nearest-neighbour: no blended grey between the cells.
    assert set(np.unique(shot[5:95, 55:145])) <= {0, 255, 64, 192}
    assert view.array is not None and np.array_equal(view.array, image)


def test_a_new_grid_replaces_the_old_and_a_resize_refits(qtbot):
    view = shown(qtbot, PixelGrid(), 120, 120)
    view.show_array(np.zeros((4, 4), np.uint8))
    view.show_array(np.full((3, 6), 200, np.uint8))
    view.resize(300, 150)
    qtbot.waitUntil(lambda: view.viewport().width() == 300)
    shot = grabbed_gray(view)
    assert shot.shape == (150, 300)
    assert (shot[10:140, 10:290] == 200).all()
