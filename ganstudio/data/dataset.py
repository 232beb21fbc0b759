"""The in-memory dataset every loader returns and the batch iterator consumes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """A training set, ready for the GAN.

    Attributes:
        name: one of ``DATASET_NAMES`` ("mnist", "ring8", "folder", ...).
        x: ``(N, D)`` float32. Images are flattened row-major (``D = h * w``) and already scaled
            to the requested value range; 2D toys have ``D = 2`` and are not scaled.
        labels: ``(N,)`` int64 class of each sample, or None (2D toys, image folders).
        image_shape: ``(h, w)`` of the images, e.g. ``(28, 28)``; None for 2D toys.
        modes: ``(K, 2)`` float32 mode centres of a 2D toy, None for images.
        mode_std: standard deviation of the samples around a mode centre (2D toys), else None.
        held_out: ``(M, D)`` float32 real samples training never sees, scaled and selected as
            ``x`` is (the test split, a folder's held-out tenth, fresh draws of a generated
            dataset), or None.
        held_out_note: why there is no held-out set, in a few words ("" when there is one).
    """

    name: str
    x: np.ndarray
    labels: np.ndarray | None
    image_shape: tuple[int, int] | None
    modes: np.ndarray | None = None
    mode_std: float | None = None
    held_out: np.ndarray | None = None
    held_out_note: str = ""

    def __post_init__(self) -> None:
        if self.x.ndim != 2 or self.x.dtype != np.float32:
            raise ValueError(f"Dataset.x must be (N, D) float32, got {self.x.shape} {self.x.dtype}")
        h = self.held_out
        if h is not None and (h.ndim != 2 or h.shape[1] != self.x.shape[1] or h.dtype != np.float32):
            raise ValueError(f"Dataset.held_out must be (M, {self.x.shape[1]}) float32, got {h.shape} {h.dtype}")
        if self.labels is not None and self.labels.shape != (len(self.x),):
            raise ValueError(f"Dataset.labels must be ({len(self.x)},), got {self.labels.shape}")
        shape = self.image_shape
        if shape is not None and shape[0] * shape[1] != self.x.shape[1]:
            raise ValueError(f"image_shape {self.image_shape} does not match D = {self.x.shape[1]}")

    @property
    def is_2d(self) -> bool:
        """True for the 2D toy distributions (points in the plane), False for images."""
        return self.image_shape is None

    def __len__(self) -> int:
        """N, the number of samples."""
        return len(self.x)
