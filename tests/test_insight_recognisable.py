"""Classes covered counts only samples the classifier recognises, checked against a second
classifier of another build fitted here (nearest neighbours on the pixels, not the shipped MLP):
on clean digits the two agree, on noisy samples insight counts no more than it does (but for a
class of margin)."""

from functools import cache

import numpy as np
import pytest

from ganstudio.data import load_dataset
from ganstudio.insight.classifier import load_classifier
from ganstudio.insight.coverage import COVERED_SHARE, CoverageMonitor

MARGIN = 1  # classes insight may count beyond the second classifier on noisy samples


class NearestDigits:
    """The second classifier: the k nearest training digits by pixel distance. A sample is
    recognised as a class when at least `agree` of its k neighbours are of that class and its mean
    distance to them is within what held-out digits of the same kind reach (their 99th
    percentile): a sample far from every digit is not one."""

    def __init__(self, x: np.ndarray, labels: np.ndarray, held_out: np.ndarray, k=10, agree=8) -> None:
        """x: (n, 784) training digits, labels: (n,) their classes, held_out: (m, 784) other digits
        of the same kind (the distance limit)."""
        self.points, self.labels, self.k, self.agree = np.asarray(x, np.float32), np.asarray(labels), k, agree
        self.limit = float(np.percentile(self.neighbours(held_out)[1], 99))

    def neighbours(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, 784) -> ((n, 10) share of the k neighbours of each class, (n,) mean distance to them)."""
        x = np.asarray(x, np.float32)
        d2 = (x**2).sum(1)[:, None] - 2.0 * x @ self.points.T + (self.points**2).sum(1)[None]
        nearest = np.argpartition(d2, self.k, axis=1)[:, : self.k]
        votes = np.zeros((len(x), 10))
        np.add.at(votes, (np.arange(len(x))[:, None], self.labels[nearest]), 1.0 / self.k)
        return votes, np.sqrt(np.maximum(np.take_along_axis(d2, nearest, axis=1), 0.0)).mean(axis=1)

    def covered(self, x: np.ndarray) -> int:
        """Classes recognised in at least COVERED_SHARE of the (n, 784) samples x."""
        votes, distance = self.neighbours(x)
        recognised = (votes.max(axis=1) >= self.agree / self.k) & (distance <= self.limit)
        shares = np.bincount(votes.argmax(axis=1)[recognised], minlength=10) / len(x)
        return int((shares >= COVERED_SHARE).sum())


def speckled(x: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """x (n, 784) in [-1, 1] with `share` of its pixels replaced by uniform noise."""
    out = x.copy()
    hit = rng.random(x.shape) < share
    out[hit] = rng.uniform(-1.0, 1.0, int(hit.sum()))
    return out


@cache
def mnist(path):
    return load_dataset("mnist", data_dir=path, value_range=(-1.0, 1.0), download=False)


@pytest.fixture(
    params=["synthetic", pytest.param("real", marks=pytest.mark.real_mnist("coverage against a second classifier on MNIST"))]
)
def digits(request, digits_dir):
    """(training digits (n, 784), their labels (n,), calibration digits, clean test digits (1000, 784)):
    the 1,000 synthetic digits of digits_dir and two other synthetic sets, or real MNIST's first
    10,000 images and two held-out thousands."""
    if request.param == "real":
        data = mnist(request.getfixturevalue("mnist_dir"))
        return data.x[:10_000], data.labels[:10_000], data.x[50_000:51_000], data.x[51_000:52_000]
    data = mnist(digits_dir)
    other = (load_dataset("synthetic-digits", seed=seed, size=1000).x for seed in (3, 1))
    return data.x, data.labels, *other


@pytest.fixture
def judges(digits):
    """(the second classifier fitted on the training digits, a coverage monitor of the shipped
    classifier, clean test digits (1000, 784))."""
    x, labels, calibration, clean = digits
    return NearestDigits(x, labels, calibration), CoverageMonitor(load_classifier(), None, (-1.0, 1.0)), clean


def test_coverage_agrees_with_a_second_classifier_on_clean_digits(judges):
    second, monitor, clean = judges
    report = monitor.report(clean)
    assert report.classes_covered == second.covered(clean) == 10
    assert report.recognisable > 0.9


@pytest.mark.parametrize("noisy", ["speckled", "noise"])
def test_coverage_counts_no_more_than_a_second_classifier_on_noisy_samples(judges, noisy):
    # Every sample has a top class, but few of these are digits: the heavily speckled ones had
    # 9 classes covered by their top class alone (the second classifier: 0), pure noise 6.
    second, monitor, clean = judges
    rng = np.random.default_rng(0)
    samples = speckled(clean, 0.7, rng) if noisy == "speckled" else rng.uniform(-1.0, 1.0, clean.shape).astype(np.float32)
    report = monitor.report(samples)
    assert report.classes_covered <= second.covered(samples) + MARGIN
    assert report.recognisable < 0.5 and report.histogram.sum() == pytest.approx(report.recognisable)
