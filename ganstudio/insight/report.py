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
- digits and 2D toys with held-out real samples: precision, recall, density and coverage
  (:mod:`ganstudio.insight.prdc`) of the same samples against as many held-out ones, in the
  classifier's features (the ones the FID reads) or in the plane.

On request (not at every check), the probe also finds the training images nearest to samples
(:attr:`Probe.neighbours`) and measures the memorisation figure (:meth:`Probe.memorisation`).
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
from ganstudio.insight.memorisation import MemorisationProbe, MemorisationReport
from ganstudio.insight.modes import ModeReport, mode_report
from ganstudio.insight.neighbours import TrainingNeighbours
from ganstudio.insight.prdc import PRDC, K, PRDCReference, not_measured
from ganstudio.insight.warnings import Measures

NEEDS_DATA = "n/a (needs the training data)"
HELD_OUT_FIGURES = "precision, recall, density, coverage and memorisation"


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
    samples' mean pairwise distance over the real data's; prdc: precision, recall, density and
    coverage for digits and 2D toys (NaN with the reason without held-out data), else None."""

    coverage: CoverageReport | None
    modes: ModeReport | None
    diversity: float
    prdc: PRDC | None = None

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
        self.prdc_reference, self.prdc_note = self._prdc_reference()
        self._neighbours: TrainingNeighbours | None = None
        self._memorisation: MemorisationProbe | None = None

    def _prdc_reference(self) -> tuple[PRDCReference | None, str]:
        """The real side of precision/recall: n_samples held-out samples (as many as a report
        draws), in the classifier's features for digits; None and why when there is none."""
        held = self.dataset.held_out
        if self.kind is None:
            return None, ""
        if held is None:
            return None, f"no held-out real samples: {self.dataset.held_out_note}"
        if len(held) <= K:
            return None, f"{len(held)} held-out real samples are too few for k = {K} neighbours"
        real = held[: self.n_samples]
        return PRDCReference(self.coverage.classifier.features(real, self.value_range) if self.coverage else real), ""

    @property
    def neighbours(self) -> TrainingNeighbours:
        """The training images nearest to samples (pixels; features too for digits), built on first use."""
        if self._neighbours is None:
            self._neighbours = TrainingNeighbours(self.dataset, self.value_range, self.kind == "digits")
        return self._neighbours

    def held_out_lines(self, report: InsightReport, samples: np.ndarray) -> list[str]:
        """`name: value` lines of the figures that compare with held-out real samples: the
        `report`'s precision, recall, density and coverage and the memorisation figure of its
        `samples` (n, D); one line saying why when the dataset has no held-out samples."""
        if self.dataset.held_out is None:
            return [f"{HELD_OUT_FIGURES}: n/a (no held-out real images: {self.dataset.held_out_note})"]
        return [*(report.prdc.lines() if report.prdc is not None else ()), *self.memorisation(samples).lines()]

    def memorisation(self, samples: np.ndarray) -> MemorisationReport:
        """samples: (n, D) -> their distances to the nearest training image against those of
        n_samples held-out real images, in pixels (the held-out side measured once)."""
        if self._memorisation is None:
            held = self.dataset.held_out
            reference = None if held is None else held[: self.n_samples]
            self._memorisation = MemorisationProbe(self.neighbours.pixels, reference, self.dataset.held_out_note)
        return self._memorisation.report(_finite(samples))

    @property
    def n_samples(self) -> int:
        """How many samples a report uses: the 2D literature's 2,500, else the coverage batch."""
        return modes.REPORT_SAMPLES if self.kind == "modes" else coverage.REPORT_SAMPLES

    def report(self, samples: np.ndarray, asked: np.ndarray | None = None) -> InsightReport:
        """samples: (n, D) generated samples in the probe's value range (n = n_samples); asked:
        the (n,) classes a conditional generator drew them for (digits: the class accuracy)."""
        d = self.dataset
        samples = _finite(samples)
        coverage, features = None, samples
        if self.coverage is not None:
            probs, features = self.coverage.classifier.classify(samples, self.value_range)
            coverage = self.coverage.report_classified(probs, features, asked)
        return InsightReport(
            coverage=coverage,
            modes=mode_report(samples, d.modes, d.mode_std) if self.kind == "modes" else None,
            diversity=diversity_ratio(samples, self.real_distance),
            prdc=self._prdc(features),
        )

    def _prdc(self, features: np.ndarray) -> PRDC | None:
        """The four figures of samples' (n, f) features (digits) or points (2D); None for the
        datasets they are not measured on."""
        if self.kind is None:
            return None
        return self.prdc_reference.measure(features) if self.prdc_reference is not None else not_measured(self.prdc_note)


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
    return InsightReport(
        coverage=monitor.report(_finite(samples), asked) if monitor else None,
        modes=None,
        diversity=math.nan,
    )
