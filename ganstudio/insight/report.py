"""One insight report on a batch of generated samples, whatever the dataset.

- ``mnist`` and ``synthetic-digits`` at 28x28 (the classifier recognises both; its accuracy on
  each: docs/DESIGN.md, "Insight"): class coverage, MNIST-specific FID, mean confidence, over
  ``coverage.REPORT_SAMPLES`` samples.
- 2D toys (their modes and std from the data layer): modes covered and high-quality samples
  over ``modes.REPORT_SAMPLES`` samples. For ``spiral`` and ``moons`` the "modes" are the data
  layer's centres placed every 4 std along the curves, so the figures say how much of the curve
  is drawn, and how tightly.
- every dataset (also Fashion-MNIST, KMNIST, image folders): the diversity ratio of the
  near-identical-samples detector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganstudio.data import DIGIT_DATASETS, Dataset
from ganstudio.insight import coverage, modes
from ganstudio.insight.classifier import load_classifier
from ganstudio.insight.coverage import CoverageMonitor, CoverageReport
from ganstudio.insight.diversity import PAIRWISE_SAMPLES, diversity_ratio, mean_pairwise_distance
from ganstudio.insight.modes import ModeReport, mode_report
from ganstudio.insight.warnings import Measures

NEEDS_DATA = "n/a (needs the training data)"


def reads_digits(dataset: str, image_shape: tuple[int, int] | None) -> bool:
    """Whether the shipped digit classifier reads this dataset's samples: handwritten digits at 28 x 28."""
    return dataset in DIGIT_DATASETS and image_shape == (28, 28)


def insight_kind(dataset: Dataset) -> str | None:
    """ "digits" (class coverage and FID), "modes" (2D mode metrics) or None (diversity only)."""
    if reads_digits(dataset.name, dataset.image_shape):
        return "digits"
    return "modes" if dataset.is_2d and dataset.modes is not None else None


@dataclass(frozen=True)
class InsightReport:
    """coverage: for digit datasets, else None; modes: for 2D toys, else None; diversity: the
    samples' mean pairwise distance over the real data's."""

    coverage: CoverageReport | None
    modes: ModeReport | None
    diversity: float

    def lines(self) -> list[str]:
        """The report as `name: value` lines (what `ganstudio sample --report` prints)."""
        out = []
        if self.coverage is not None:
            c = self.coverage
            out += [
                f"classes covered: {c.classes_covered}/10",
                f"recognisable: {c.recognisable:.1%} of samples",
                f"fid: {c.fid:.2f}" if math.isfinite(c.fid) else f"fid: {NEEDS_DATA}",
                f"mean confidence: {c.mean_confidence:.3f}",
                "histogram: " + " ".join(f"{digit}:{share:.1%}" for digit, share in enumerate(c.histogram)),
            ]
            if c.class_accuracy is not None:
                out += [
                    f"class accuracy: {c.accuracy:.1%} (samples the classifier assigns to the class they were asked for)",
                    "class accuracy by class: "
                    + " ".join(f"{digit}:{share:.1%}" for digit, share in enumerate(c.class_accuracy) if np.isfinite(share)),
                ]
        if self.modes is not None:
            m = self.modes
            out += [f"modes covered: {m.modes_covered}/{m.n_modes}", f"high-quality: {m.high_quality:.1%}"]
        out.append(f"diversity: {self.diversity:.3f}" if math.isfinite(self.diversity) else f"diversity: {NEEDS_DATA}")
        return out

    def measures(self, step: int, expected_classes: int) -> Measures:
        """The figures the warnings look at; `expected_classes`: classes in the training data."""
        if self.coverage is not None:
            c = self.coverage
            return Measures(step, self.diversity, c.classes_drawn, expected_classes, c.mean_confidence, "classes", c.fid)
        if self.modes is not None:
            m = self.modes
            return Measures(step, self.diversity, m.modes_covered, m.n_modes, m.high_quality, "modes")
        return Measures(step, self.diversity)


class Probe:
    """What insight needs to know about one dataset: the real data's reference figures.
    `value_range`: the range images (real and generated) are in."""

    def __init__(self, dataset: Dataset, value_range: tuple[float, float]) -> None:
        self.dataset = dataset
        self.value_range = value_range
        self.real_distance = mean_pairwise_distance(dataset.x[:PAIRWISE_SAMPLES])
        self.kind = insight_kind(dataset)
        is_digits = self.kind == "digits"
        self.coverage = CoverageMonitor(load_classifier(), dataset.x, value_range) if is_digits else None
        self.expected_classes = len(np.unique(dataset.labels)) if is_digits else 0

    @property
    def n_samples(self) -> int:
        """How many samples a report uses: the 2D literature's 2,500, else the coverage batch."""
        return modes.REPORT_SAMPLES if self.kind == "modes" else coverage.REPORT_SAMPLES

    def report(self, samples: np.ndarray, asked: np.ndarray | None = None) -> InsightReport:
        """samples: (n, D) generated samples in the probe's value range (n = n_samples); asked:
        the (n,) classes a conditional generator drew them for (digits: the class accuracy)."""
        d = self.dataset
        samples = _finite(samples)
        return InsightReport(
            coverage=self.coverage.report(samples, asked) if self.coverage is not None else None,
            modes=mode_report(samples, d.modes, d.mode_std) if self.kind == "modes" else None,
            diversity=diversity_ratio(samples, self.real_distance),
        )


def _finite(samples: np.ndarray) -> np.ndarray:
    """A diverging G's NaN and inf outputs as finite values far from any data."""
    return np.nan_to_num(samples, nan=0.0, posinf=1e6, neginf=-1e6)


def report_without_data(
    samples: np.ndarray, digits: bool, value_range: tuple[float, float], asked: np.ndarray | None = None
) -> InsightReport:
    """What a report can say when the run's training set is not at hand (`sample --report`
    offline): for digits (`digits`) the class histogram, recognisable share, classes covered and confidence (and
    the class accuracy of samples `asked` (n,) for classes), from the shipped classifier alone;
    fid and diversity, which compare with the data, are NaN.
    samples: (coverage.REPORT_SAMPLES, 784) in `value_range`."""
    monitor = CoverageMonitor(load_classifier(), None, value_range) if digits else None
    return InsightReport(coverage=monitor.report(_finite(samples), asked) if monitor else None, modes=None, diversity=math.nan)
