"""Precision, recall, density and coverage of generated samples against real ones, on
k-nearest-neighbour manifolds (Kynkaanniemi et al. 2019, "Improved precision and recall metric
for assessing generative models"; Naeem et al. 2020, "Reliable fidelity and diversity metrics
for generative models"), with Naeem et al.'s k = 5.

Each point's ball reaches its k-th nearest neighbour among its own set (itself excluded). With
real points R (M) and their radii r, fake points F (N) and theirs f:

- precision: the share of fakes inside at least one real ball (samples that look real);
- recall: the share of reals inside at least one fake ball (how much of the data is drawn);
- density: the fakes' real-ball memberships over k N (about 1 when fakes are distributed as
  reals; above 1 when they crowd where reals are dense);
- coverage: the share of reals whose ball holds at least one fake (recall that fake outliers
  cannot inflate).

"Inside" is a distance strictly below the radius, as in Naeem et al.'s code. Digits are compared
in the insight classifier's features, 2D toys in the plane. The real side (its radii) is
computed once; a report then costs one (N, M) distance block pass and the fakes' own radii.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganstudio.insight.neighbours import BLOCK_ROWS, NeighbourIndex, squared_norms

K = 5  # neighbours that set a ball's radius (Naeem et al.)


@dataclass(frozen=True)
class PRDC:
    """The four figures (NaN when not measured, `note` says why), and what they were measured
    on: n_fake generated and n_real real points, k."""

    precision: float
    recall: float
    density: float
    coverage: float
    n_fake: int = 0
    n_real: int = 0
    k: int = K
    note: str = ""

    def values(self) -> dict[str, float]:
        """{precision, recall, density, prdc_coverage}: the figures by their series names
        (coverage is `prdc_coverage` beside insight's classes covered)."""
        return {"precision": self.precision, "recall": self.recall, "density": self.density, "prdc_coverage": self.coverage}

    def lines(self) -> list[str]:
        """The figures as `name: value` lines, and what they were measured on."""
        if not math.isfinite(self.precision):
            return [f"precision, recall, density, coverage: n/a ({self.note})"]
        return [
            f"precision: {self.precision:.3f}",
            f"recall: {self.recall:.3f}",
            f"density: {self.density:.3f}",
            f"coverage (prdc): {self.coverage:.3f}",
            f"prdc measured on: {self.n_fake:,} samples against {self.n_real:,} held-out real ones, k = {self.k}",
        ]


def not_measured(note: str) -> PRDC:
    """The four figures as NaN, with why."""
    return PRDC(math.nan, math.nan, math.nan, math.nan, note=note)


def knn_radii(points: np.ndarray, k: int = K) -> np.ndarray:
    """points: (n, d), n > k -> (n,) float32 distance of each to its k-th nearest other point."""
    return NeighbourIndex(points).nearest(points, k + 1)[1][:, k]


class PRDCReference:
    """The real side: `real` (M, d) points (features or 2D points), M > k, and their radii."""

    def __init__(self, real: np.ndarray, k: int = K) -> None:
        self.k = k
        self.real = np.ascontiguousarray(real, np.float32)
        self.radii = knn_radii(self.real, k)
        self.sq_norms = squared_norms(self.real)

    def measure(self, fake: np.ndarray) -> PRDC:
        """fake: (N, d) generated points -> the four figures; NaN with the reason for N <= k."""
        fake = np.ascontiguousarray(fake, np.float32)
        if len(fake) <= self.k:
            return not_measured(f"{len(fake)} samples are too few for k = {self.k} neighbours")
        fake_radii = knn_radii(fake, self.k)
        real_r2, fake_r2 = self.radii**2, fake_radii**2
        memberships = np.zeros(len(fake), np.int64)  # real balls each fake is in
        recalled = np.zeros(len(self.real), bool)  # reals inside some fake ball
        nearest_fake = np.full(len(self.real), np.inf, np.float32)  # squared distance of each real's nearest fake
        fake_sq = squared_norms(fake)
        for start in range(0, len(fake), BLOCK_ROWS):
            block = slice(start, start + BLOCK_ROWS)
            d2 = np.maximum(fake_sq[block, None] + self.sq_norms[None, :] - 2.0 * (fake[block] @ self.real.T), 0.0)
            memberships[block] = (d2 < real_r2[None, :]).sum(axis=1)
            recalled |= (d2 < fake_r2[block, None]).any(axis=0)
            nearest_fake = np.minimum(nearest_fake, d2.min(axis=0))
        return PRDC(
            precision=float((memberships > 0).mean()),
            recall=float(recalled.mean()),
            density=float(memberships.sum() / (self.k * len(fake))),
            coverage=float((nearest_fake < real_r2).mean()),
            n_fake=len(fake),
            n_real=len(self.real),
            k=self.k,
        )
