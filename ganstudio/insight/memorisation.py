"""Is the generator copying? Each sample's distance to its nearest training image, against the
same for held-out real images, which are certainly not copies.

A generator that invents digits puts its samples about as far from the training set as new real
digits are (a ratio of medians near 1, or above for a generator whose samples are still rough);
one that memorises puts them on training images (a ratio well below 1). Distances are in pixels,
the space in which a copy is a copy. The held-out side is measured once per training set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganstudio.insight.neighbours import NeighbourIndex


@dataclass(frozen=True)
class MemorisationReport:
    """samples: (n,) float32 each sample's distance to its nearest training image; held_out: (m,)
    the same for held-out real images (empty without any); ratio: median of the first over
    median of the second, NaN without held-out images; note: why the ratio is NaN ("" if not)."""

    samples: np.ndarray
    held_out: np.ndarray
    ratio: float
    note: str = ""

    def lines(self) -> list[str]:
        """The ratio with the counts it was measured on, and the two distributions' quartiles;
        or its n/a with the reason."""
        if not math.isfinite(self.ratio):
            return [f"memorisation: n/a ({self.note})"]
        return [
            f"memorisation: {self.ratio:.2f} (median pixel distance to the nearest training image, "
            f"{len(self.samples):,} samples over {len(self.held_out):,} held-out real images; well below 1: copying)",
            f"nearest training image: samples {quartiles(self.samples)}, held-out real images {quartiles(self.held_out)}",
        ]


def quartiles(distances: np.ndarray) -> str:
    """ "median 8.12 (quartiles 7.10-9.31)" of (n,) distances."""
    q1, median, q3 = np.percentile(distances, (25, 50, 75))
    return f"median {median:.2f} (quartiles {q1:.2f}-{q3:.2f})"


class MemorisationProbe:
    """The memorisation figure against `training` (an index of the training images, (N, D)) with
    `held_out` (m, D) real images training never saw, or None and `note`, why there are none."""

    def __init__(self, training: NeighbourIndex, held_out: np.ndarray | None, note: str = "") -> None:
        self.training = training
        self.note = note
        self._held_out = held_out
        self._held_out_distances: np.ndarray | None = None

    def held_out_distances(self) -> np.ndarray:
        """(m,) float32 the held-out images' distances to their nearest training image (empty
        without held-out images), measured on first use."""
        if self._held_out_distances is None:
            h = self._held_out
            self._held_out_distances = np.zeros(0, np.float32) if h is None else self.training.nearest(h, 1)[1][:, 0]
        return self._held_out_distances

    def report(self, samples: np.ndarray) -> MemorisationReport:
        """samples: (n, D) in the training images' value range."""
        sample_distances = self.training.nearest(samples, 1)[1][:, 0]
        held = self.held_out_distances()
        if not len(held):
            return MemorisationReport(sample_distances, held, math.nan, f"no held-out real images: {self.note}")
        return MemorisationReport(sample_distances, held, median_ratio(sample_distances, held))


def median_ratio(samples: np.ndarray, held_out: np.ndarray) -> float:
    """median(samples) / median(held_out) of two (n,) and (m,) distance sets; inf when the
    held-out median is 0 (held-out images that are training images)."""
    reference = float(np.median(held_out))
    return float(np.median(samples)) / reference if reference > 0 else math.inf
