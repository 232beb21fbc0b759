"""Polyline arithmetic shared by the 2D toys and the synthetic digits' strokes."""

import numpy as np


def arc_length(curve: np.ndarray) -> np.ndarray:
    """Cumulative arc length ``(M,)`` at each vertex of the polyline ``curve`` ``(M, 2)``."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(curve, axis=0).T))])
