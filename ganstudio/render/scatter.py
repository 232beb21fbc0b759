"""2D point clouds as a grayscale image (for recording and exporting 2D toy runs), pure NumPy."""

from __future__ import annotations

import numpy as np

REAL_LEVEL = 110
FAKE_LEVEL = 255


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


def render_points(fake: np.ndarray, real: np.ndarray, size: int = 240, extent: Extent | None = None) -> np.ndarray:
    """uint8 (size, size): real points (m, 2) as grey 2x2 dots, generated points (n, 2) as white
    ones drawn over them; y grows upwards. The view is fitted to the real points
    (:func:`square_extent`) unless `extent` (x_min, x_max, y_min, y_max) is given; points
    outside it are left out."""
    xmin, xmax, ymin, ymax = extent or square_extent(real, POINTS_WIDEN)
    img = np.zeros((size, size), np.uint8)
    for points, level in ((real, REAL_LEVEL), (fake, FAKE_LEVEL)):
        p = np.asarray(points, np.float64)
        with np.errstate(over="ignore", invalid="ignore"):  # far-off points scale to inf and are left out
            x = (p[:, 0] - xmin) / (xmax - xmin) * (size - 2)
            y = (ymax - p[:, 1]) / (ymax - ymin) * (size - 2)
        inside = (x >= 0) & (x < size - 1) & (y >= 0) & (y < size - 1)  # False for NaN too
        col, row = x[inside].astype(np.int64), y[inside].astype(np.int64)
        for dr in (0, 1):
            for dc in (0, 1):
                img[row + dr, col + dc] = level
    return img
