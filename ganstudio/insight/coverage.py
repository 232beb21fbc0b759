"""MNIST class coverage: which digits a generator draws, how confidently, and how far its samples
are from real digits in the classifier's feature space (an MNIST-specific FID).

The monitor computes the real data's feature statistics once (``REAL_SAMPLES`` images of the
training set); each report then classifies one batch of generated samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganstudio.insight.classifier import Classifier
from ganstudio.insight.frechet import feature_stats, frechet_distance

COVERED_SHARE = 0.05  # a class is covered when at least this share of samples falls in it
REAL_SAMPLES = 10_000
REPORT_SAMPLES = 1000


@dataclass(frozen=True)
class CoverageReport:
    """histogram: (10,) float shares of samples per predicted class (sums to 1);
    classes_covered: classes with share >= COVERED_SHARE; fid: Frechet distance between the
    classifier's penultimate features of samples and of real data; mean_confidence: mean of the
    top class probability, in [0, 1]."""

    histogram: np.ndarray
    classes_covered: int
    fid: float
    mean_confidence: float


class CoverageMonitor:
    """Coverage reports against `real` (n, 784) images in `value_range` (the first REAL_SAMPLES
    rows are used for the reference statistics). Without `real` (the training set is not at
    hand) the histogram, classes covered and confidence still come, and the fid is NaN."""

    def __init__(self, classifier: Classifier, real: np.ndarray | None, value_range: tuple[float, float]) -> None:
        self.classifier = classifier
        self.value_range = value_range
        self.real_stats = None if real is None else feature_stats(classifier.features(real[:REAL_SAMPLES], value_range))

    def report(self, samples: np.ndarray) -> CoverageReport:
        """samples: (n, 784), n >= 2, in the monitor's value range."""
        probs, feats = self.classifier.classify(samples, self.value_range)
        histogram = np.bincount(probs.argmax(axis=1), minlength=10) / len(samples)
        return CoverageReport(
            histogram=histogram,
            classes_covered=int((histogram >= COVERED_SHARE).sum()),
            fid=math.nan if self.real_stats is None else frechet_distance(self.real_stats, feature_stats(feats)),
            mean_confidence=float(probs.max(axis=1).mean()),
        )
