"""Nearest neighbours among many points: the training images nearest to a sample, in pixels or in
the insight classifier's features, and the k-nearest-neighbour radii of the PRDC manifolds.

One search is BLAS products over the reference points' precomputed squared norms:
|q - p|^2 = |q|^2 + |p|^2 - 2 q.p, so ranking the N points for n queries is one (n, d) x (d, N)
product plus a partial sort, taken over blocks of ``BLOCK_ROWS`` reference points (and of
``BLOCK_ROWS`` queries) to bound the memory. float32 sums lose the last digits of a distance
that is small next to the norms, so the few best candidates of each query are measured again
directly (``REFINE_EXTRA`` more than asked for, then the k nearest of them kept): a point's
distance to itself is exactly 0, and near-ties are ordered by their true distances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganstudio.data import Dataset
from ganstudio.insight.classifier import Classifier, load_classifier

BLOCK_ROWS = 8192  # points per block of a product: a (8192, 8192) float32 block is 256 MB at most
REFINE_EXTRA = 4  # candidates measured again beyond the k asked for


def squared_norms(x: np.ndarray) -> np.ndarray:
    """x: (n, d) float32 -> (n,) float32 squared Euclidean norms of its rows."""
    return np.einsum("ij,ij->i", x, x)


def smallest(scores: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns (n, m) of the m smallest entries of each row of `scores` (n, N), smallest
    first, and those entries (n, m). Overwrites `scores`. One argmin per neighbour: for the
    few neighbours asked for, many times faster than a partial sort of every row."""
    m = min(m, scores.shape[1])
    rows = np.arange(len(scores))
    columns = np.empty((len(scores), m), np.int64)
    values = np.empty((len(scores), m), scores.dtype)
    for j in range(m):
        columns[:, j] = scores.argmin(axis=1)
        values[:, j] = scores[rows, columns[:, j]]
        scores[rows, columns[:, j]] = np.inf
    return columns, values


class NeighbourIndex:
    """The k nearest of `points` (N, d) to any queries (n, d), in Euclidean distance."""

    def __init__(self, points: np.ndarray) -> None:
        self.points = np.ascontiguousarray(points, np.float32)
        self.sq_norms = squared_norms(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def nearest(self, queries: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """queries: (n, d) -> (indices (n, k) int64 into the points, distances (n, k) float32),
        nearest first. k: 1 .. len(self)."""
        if not 1 <= k <= len(self):
            raise ValueError(f"k must be 1..{len(self)}, got {k}")
        queries = np.ascontiguousarray(queries, np.float32)
        indices = np.empty((len(queries), k), np.int64)
        distances = np.empty((len(queries), k), np.float32)
        for start in range(0, len(queries), BLOCK_ROWS):
            block = queries[start : start + BLOCK_ROWS]
            candidates = self._candidates(block, min(len(self), k + REFINE_EXTRA))
            indices[start : start + len(block)], distances[start : start + len(block)] = self._refine(block, candidates, k)
        return indices, distances

    def _candidates(self, queries: np.ndarray, m: int) -> np.ndarray:
        """The (n, m) indices of the m points with the smallest float32 distances to each query
        (in no order)."""
        best = np.zeros((len(queries), 0), np.int64)
        best_scores = np.zeros((len(queries), 0), np.float32)
        for start in range(0, len(self), BLOCK_ROWS):
            # |p|^2 - 2 q.p ranks the points as |q - p|^2 does: |q|^2 is the same along a row
            scores = queries @ self.points[start : start + BLOCK_ROWS].T
            scores *= -2.0
            scores += self.sq_norms[start : start + BLOCK_ROWS]
            top, top_scores = smallest(scores, m)
            merged = np.concatenate([best_scores, top_scores], axis=1)
            keep, best_scores = smallest(merged.copy(), m)
            best = np.take_along_axis(np.concatenate([best, top + start], axis=1), keep, axis=1)
        return best

    def _refine(self, queries: np.ndarray, candidates: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest of each query's (n, m) candidates by their directly measured distances:
        (indices (n, k), distances (n, k)), nearest first."""
        diff = self.points[candidates] - queries[:, None, :]
        exact = np.sqrt(np.einsum("nmd,nmd->nm", diff, diff))
        order = np.argsort(exact, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(candidates, order, axis=1), np.take_along_axis(exact, order, axis=1)


@dataclass(frozen=True)
class Neighbours:
    """The k nearest training images of n samples: indices (n, k) into the training set,
    distances (n, k) in the space searched ("pixels" or "features"), nearest first."""

    indices: np.ndarray
    distances: np.ndarray
    space: str


class TrainingNeighbours:
    """Nearest training images of samples, in pixels and, for digits the classifier reads, in its
    features. `dataset`: the run's training set; `value_range`: the range its images and the
    samples are in; `digits`: whether the classifier reads them (its index is built on first use:
    classifying 60,000 images takes a while)."""

    SPACES = ("pixels", "features")

    def __init__(self, dataset: Dataset, value_range: tuple[float, float], digits: bool) -> None:
        self.value_range = value_range
        self.digits = digits
        self.pixels = NeighbourIndex(dataset.x)
        self._classifier: Classifier | None = None
        self._features: NeighbourIndex | None = None

    @property
    def spaces(self) -> tuple[str, ...]:
        """The spaces :meth:`nearest` searches for this dataset."""
        return self.SPACES if self.digits else self.SPACES[:1]

    def nearest(self, samples: np.ndarray, k: int = 1, space: str = "pixels") -> Neighbours:
        """samples: (n, D) in the value range -> their k nearest training images in `space`."""
        if space not in self.spaces:
            raise ValueError(f"space {space!r}: this dataset is searched in {' and '.join(self.spaces)}")
        if space == "pixels":
            return Neighbours(*self.pixels.nearest(samples, k), space)
        return Neighbours(*self.feature_index().nearest(self.features(samples), k), space)

    def features(self, samples: np.ndarray) -> np.ndarray:
        """samples: (n, D) -> the classifier's (n, f) features of them."""
        if self._classifier is None:
            self._classifier = load_classifier()
        return self._classifier.features(samples, self.value_range)

    def feature_index(self) -> NeighbourIndex:
        """The index of the training images' features, built on first use."""
        if self._features is None:
            self._features = NeighbourIndex(self.features(self.pixels.points))
        return self._features
