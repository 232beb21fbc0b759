"""2D point clouds as a grayscale image (for recording and exporting 2D toy runs), pure NumPy."""

from __future__ import annotations

import numpy as np

REAL_LEVEL = 110
FAKE_LEVEL = 255


def extent_of(points: np.ndarray, margin: float = 0.15) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) around points (n, 2), square, with a relative margin."""
    lo, hi = points.min(0), points.max(0)
    centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2 * (1 + margin) or 1.0
    return float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half)


def render_points(fake: np.ndarray, real: np.ndarray, size: int = 240, extent: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """uint8 (size, size): real points (m, 2) as grey 2x2 dots, generated points (n, 2) as white
    ones drawn over them; y grows upwards. The view is fitted to the real points unless
    `extent` (xmin, xmax, ymin, ymax) is given; points outside it are left out."""
    xmin, xmax, ymin, ymax = extent or extent_of(real)
    img = np.zeros((size, size), np.uint8)
    for points, level in ((real, REAL_LEVEL), (fake, FAKE_LEVEL)):
        p = np.asarray(points, np.float64)
        p = p[np.isfinite(p).all(1)]
        col = ((p[:, 0] - xmin) / (xmax - xmin) * (size - 2)).astype(np.int64)
        row = ((ymax - p[:, 1]) / (ymax - ymin) * (size - 2)).astype(np.int64)
        inside = (col >= 0) & (col < size - 1) & (row >= 0) & (row < size - 1)
        col, row = col[inside], row[inside]
        for dr in (0, 1):
            for dc in (0, 1):
                img[row + dr, col + dc] = level
    return img
