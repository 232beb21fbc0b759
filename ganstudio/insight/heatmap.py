"""GAN Lab's view of a 2D run: the discriminator's output over the plane, behind the points."""

from __future__ import annotations

import numpy as np

from ganstudio.engine.gan import GAN
from ganstudio.engine.losses import PROBABILISTIC, sigmoid
from ganstudio.render.scatter import Extent, square_extent

VIEW_WIDEN = 1.5  # the modes' bounding square plus a quarter of its side on every edge


def view_extent(modes: np.ndarray) -> Extent:
    """The fixed square view of a 2D run around its mode centres (K, 2) (ring8: [-1.5, 1.5]^2,
    grid25: [-6, 6]^2), so the view does not jump while G's points wander."""
    return square_extent(modes, VIEW_WIDEN)


def d_heatmap(gan: GAN, extent: Extent, size: int = 64) -> np.ndarray:
    """D's output on a size x size grid of pixel centres over `extent`: float32 (size, size),
    row i at y = y_min + (i + 0.5) * dy (row 0 at the bottom, y_min), column j at
    x = x_min + (j + 0.5) * dx. The output is D(x) as a probability for the cross-entropy losses
    (sigmoid of the logit), the raw score for the others."""
    x_min, x_max, y_min, y_max = extent
    xs = x_min + (np.arange(size) + 0.5) * ((x_max - x_min) / size)
    ys = y_min + (np.arange(size) + 0.5) * ((y_max - y_min) / size)
    gx, gy = np.meshgrid(xs, ys)
    logits = gan.discriminate(np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32))
    out = sigmoid(logits) if gan.training.loss in PROBABILISTIC else logits
    return out.reshape(size, size).astype(np.float32)
