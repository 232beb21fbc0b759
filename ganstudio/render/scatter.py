"""2D point clouds as pictures, pure NumPy: the grayscale frames recorded and exported for 2D toy
runs (:func:`render_points`), and the coloured plot with axes that stands on its own as a PNG
(:func:`plot_points`)."""

from __future__ import annotations

import math

import numpy as np

from ganstudio.render.font import draw_text, text_size

REAL_LEVEL = 110
FAKE_LEVEL = 255

# The window's colours for 2D samples (gui/window/samples.py): grey real points, orange generated
# ones, on a dark plot.
REAL_RGB = (170, 170, 170)
FAKE_RGB = (255, 152, 0)
BACKGROUND_RGB = (20, 21, 24)
GRID_RGB = (48, 50, 54)
AXIS_RGB = (110, 112, 118)
TEXT_RGB = (200, 200, 200)
TICK = 2  # tick marks' length outside the plot box, in pixels
LEGEND_GAP = 4  # pixels between the legend's words
TICKS_WANTED = 5  # about this many ticks per axis, at 1-2-5 steps

Extent = tuple[float, float, float, float]  # (x_min, x_max, y_min, y_max)
POINTS_WIDEN = 1.15  # a rendered point cloud's view: the real points' bounding square, 15% wider


def square_extent(points: np.ndarray, widen: float) -> Extent:
    """The square view around points (n, 2): their bounding square (side 2 for a single point)
    about the same centre, its side multiplied by `widen`. The one extent helper: the rendered
    point clouds (`POINTS_WIDEN`) and the heatmap's view over a toy's modes
    (insight.heatmap.view_extent) differ only in the widening."""
    low, high = points.min(axis=0), points.max(axis=0)
    centre, half = (low + high) / 2.0, (float((high - low).max()) / 2.0 or 1.0) * widen
    return (float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half))


def point_pixels(points: np.ndarray, extent: Extent, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) int64 (k,): the top-left pixels of the 2x2 dots of the points (n, 2) inside
    `extent` on a size x size picture, y growing upwards; points outside it (or not finite) are
    left out."""
    xmin, xmax, ymin, ymax = extent
    p = np.asarray(points, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # far-off points scale to inf and are left out
        x = (p[:, 0] - xmin) / (xmax - xmin) * (size - 2)
        y = (ymax - p[:, 1]) / (ymax - ymin) * (size - 2)
    inside = (x >= 0) & (x < size - 1) & (y >= 0) & (y < size - 1)  # False for NaN too
    return y[inside].astype(np.int64), x[inside].astype(np.int64)


def _draw_dots(img: np.ndarray, points: np.ndarray, extent: Extent, value) -> None:
    """Paint the points (n, 2) as 2x2 dots of `value` into the square picture `img` (in place)."""
    rows, cols = point_pixels(points, extent, img.shape[0])
    for dr in (0, 1):
        for dc in (0, 1):
            img[rows + dr, cols + dc] = value


def render_points(fake: np.ndarray, real: np.ndarray, size: int = 240, extent: Extent | None = None) -> np.ndarray:
    """uint8 (size, size): real points (m, 2) as grey 2x2 dots, generated points (n, 2) as white
    ones drawn over them; y grows upwards. The view is fitted to the real points
    (:func:`square_extent`) unless `extent` (x_min, x_max, y_min, y_max) is given; points
    outside it are left out."""
    extent = extent or square_extent(real, POINTS_WIDEN)
    img = np.zeros((size, size), np.uint8)
    _draw_dots(img, real, extent, REAL_LEVEL)
    _draw_dots(img, fake, extent, FAKE_LEVEL)
    return img


def nice_ticks(low: float, high: float, wanted: int = TICKS_WANTED) -> list[float]:
    """Values in [low, high] (low < high) at the 1-2-5 step that gives the count nearest to
    `wanted` (the more ticks on a tie)."""
    power = 10.0 ** math.floor(math.log10((high - low) / wanted))
    candidates = [_ticks_at(low, high, m * power) for m in (1, 2, 5, 10)]
    return min(candidates, key=lambda ticks: (abs(len(ticks) - wanted), -len(ticks)))


def _ticks_at(low: float, high: float, step: float) -> list[float]:
    """The multiples of `step` in [low, high]."""
    first = math.ceil(low / step - 1e-9)
    count = math.floor(high / step + 1e-9) - first + 1
    return [(first + i) * step for i in range(count)]


def tick_text(value: float) -> str:
    """A tick's label: 0.5, -1, 2 (no float noise, no "-0")."""
    return f"{round(value, 9) + 0.0:g}"


def plot_points(fake: np.ndarray, real: np.ndarray, extent: Extent, size: int = 240, caption: str = "") -> np.ndarray:
    """uint8 (H, W, 3): the window's 2D view as a picture that stands on its own. Real points
    (m, 2) in grey, generated points (n, 2) in orange over them, as 2x2 dots in a size x size plot
    box over `extent` (x_min, x_max, y_min, y_max; y grows upwards); tick values on the left and
    bottom axes with faint grid lines; a top line with `caption` on the left and the colours'
    legend on the right."""
    y_ticks = nice_ticks(*extent[2:])
    left = max(text_size(tick_text(v))[0] for v in y_ticks) + TICK
    line_h = text_size("")[1]
    top, bottom = line_h + 2, TICK + line_h
    height, width = top + size + bottom, left + size + TICK
    img = np.empty((height, width, 3), np.uint8)
    img[...] = BACKGROUND_RGB
    box = img[top : top + size, left : left + size]
    text = np.zeros((height, width), np.uint8)  # glyph pixels, painted in TEXT_RGB at the end
    _draw_grid_and_ticks(img, text, extent, (top, left, size))
    _draw_dots(box, real, extent, REAL_RGB)
    _draw_dots(box, fake, extent, FAKE_RGB)
    draw_text(text, caption, 0, 0, background=None)
    img[text > 0] = TEXT_RGB
    _draw_legend(img, width)
    return img


def _draw_grid_and_ticks(img: np.ndarray, text: np.ndarray, extent: Extent, box: tuple[int, int, int]) -> None:
    """Grid lines, the plot box's frame, tick marks (into `img`) and tick labels (into the glyph
    layer `text`) for the plot box (top, left, size) showing `extent`. A label is centred on its
    tick but kept beside the box's side, so labels at the corners never meet."""
    top, left, size = box
    xmin, xmax, ymin, ymax = extent
    line_h = text_size("")[1]
    for value in nice_ticks(xmin, xmax):
        col = left + min(int(round((value - xmin) / (xmax - xmin) * (size - 1))), size - 1)
        img[top : top + size, col] = GRID_RGB
        img[top + size : top + size + TICK, col] = AXIS_RGB
        label = tick_text(value)
        label_w = text_size(label)[0]
        x = min(max(col - label_w // 2, left), left + size - label_w)
        draw_text(text, label, x, top + size + TICK, background=None)
    for value in nice_ticks(ymin, ymax):
        row = top + min(int(round((ymax - value) / (ymax - ymin) * (size - 1))), size - 1)
        img[row, left : left + size] = GRID_RGB
        img[row, left - TICK : left] = AXIS_RGB
        label = tick_text(value)
        y = min(max(row - line_h // 2, top), top + size - line_h)
        draw_text(text, label, left - TICK - text_size(label)[0], y, background=None)
    img[[top, top + size - 1], left : left + size] = AXIS_RGB
    img[top : top + size, [left, left + size - 1]] = AXIS_RGB


def _draw_legend(img: np.ndarray, width: int) -> None:
    """ "real" in grey and "generated" in orange, right-aligned on the top line (in place)."""
    x = width + LEGEND_GAP
    for word, colour in (("generated", FAKE_RGB), ("real", REAL_RGB)):
        x -= text_size(word)[0] + LEGEND_GAP
        layer = np.zeros(img.shape[:2], np.uint8)
        draw_text(layer, word, x, 0, background=None)
        img[layer > 0] = colour
