"""MNIST class coverage: which digits a generator draws, how confidently, and how far its samples
are from real digits in the classifier's feature space (an MNIST-specific FID).

A sample is *recognisable* when the classifier's top class probability reaches
``RECOGNISABLE_PROBABILITY``; only recognisable samples count towards their class, and a class is
covered when its recognisable samples are at least ``COVERED_SHARE`` of *all* samples. Counting
every sample's top class instead read 8 classes into the speckled blobs of an early generator
where an independent classifier saw 4-5; measured thresholds: docs/INSIGHT.md.

The monitor computes the real data's feature statistics once (``REAL_SAMPLES`` images of the
training set); each report then classifies one batch of generated samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganstudio.insight.classifier import Classifier
from ganstudio.insight.frechet import feature_stats, frechet_distance

COVERED_SHARE = 0.05  # a class is covered when at least this share of all samples is recognised as it
# top class probability from which a sample counts as recognisable: 97.3% of held-out MNIST digits
# reach it, 8% of uniform noise (docs/INSIGHT.md)
RECOGNISABLE_PROBABILITY = 0.7
REAL_SAMPLES = 10_000
REPORT_SAMPLES = 1000


@dataclass(frozen=True)
class CoverageReport:
    """histogram: (10,) float shares of all samples recognised as each class (sums to
    `recognisable`); recognisable: the share of samples whose top class probability reaches
    RECOGNISABLE_PROBABILITY; classes_covered: classes with histogram share >= COVERED_SHARE;
    classes_drawn: classes with >= COVERED_SHARE of the recognisable samples (what the mode-collapse
    warning counts: how many kinds G draws, however speckled the rest); fid: Frechet distance between the
    classifier's penultimate features of samples and of real data; mean_confidence: mean of the
    top class probability, in [0, 1]. For samples of a conditional generator, asked for given
    classes: class_accuracy (10,) the share of each class's samples the classifier assigns to
    that class (NaN for classes not asked for), accuracy the share over all samples; else None
    and NaN."""

    histogram: np.ndarray
    recognisable: float
    classes_covered: int
    classes_drawn: int
    fid: float
    mean_confidence: float
    class_accuracy: np.ndarray | None = None
    accuracy: float = math.nan


class CoverageMonitor:
    """Coverage reports against `real` (n, 784) images in `value_range` (the first REAL_SAMPLES
    rows are used for the reference statistics). Without `real` (the training set is not at
    hand) the histogram, classes covered and confidence still come, and the fid is NaN."""

    def __init__(self, classifier: Classifier, real: np.ndarray | None, value_range: tuple[float, float]) -> None:
        self.classifier = classifier
        self.value_range = value_range
        self.real_stats = None if real is None else feature_stats(classifier.features(real[:REAL_SAMPLES], value_range))

    def report(self, samples: np.ndarray, asked: np.ndarray | None = None) -> CoverageReport:
        """samples: (n, 784), n >= 2, in the monitor's value range; asked: the (n,) classes a
        conditional generator was asked for, for the class accuracy."""
        return self.report_classified(*self.classifier.classify(samples, self.value_range), asked)

    def report_classified(self, probs: np.ndarray, feats: np.ndarray, asked: np.ndarray | None = None) -> CoverageReport:
        """The report of samples the classifier has read: probs (n, 10) and feats (n, f), n >= 2,
        its outputs for them (so other figures can reuse the features); asked as for :meth:`report`."""
        predicted = probs.argmax(axis=1)
        histogram = recognised_shares(probs)
        per_class, accuracy = (None, math.nan) if asked is None else class_accuracy(predicted, asked)
        return CoverageReport(
            histogram=histogram,
            recognisable=float(histogram.sum()),
            classes_covered=int((histogram >= COVERED_SHARE).sum()),
            classes_drawn=int((histogram >= COVERED_SHARE * histogram.sum()).sum()) if histogram.any() else 0,
            fid=math.nan if self.real_stats is None else frechet_distance(self.real_stats, feature_stats(feats)),
            mean_confidence=float(probs.max(axis=1).mean()),
            class_accuracy=per_class,
            accuracy=accuracy,
        )


def recognised_shares(probs: np.ndarray) -> np.ndarray:
    """probs: (n, 10) class probabilities -> (10,) float64 share of the n samples whose top
    probability reaches RECOGNISABLE_PROBABILITY, by their top class."""
    recognisable = probs.max(axis=1) >= RECOGNISABLE_PROBABILITY
    return np.bincount(probs.argmax(axis=1)[recognisable], minlength=10) / len(probs)


def class_accuracy(predicted: np.ndarray, asked: np.ndarray) -> tuple[np.ndarray, float]:
    """predicted, asked: (n,) classes -> ((10,) share of each asked class's samples predicted as
    it, NaN for classes never asked; the share over all n samples)."""
    asked = np.asarray(asked, np.int64)
    hits = np.bincount(asked, weights=predicted == asked, minlength=10)
    counts = np.bincount(asked, minlength=10)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(counts > 0, hits / counts, np.nan)
    return per_class, float((predicted == asked).mean())
