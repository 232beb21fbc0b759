"""A run's insight over time: the reports every N steps, their series, the warnings.

The session owns one :class:`InsightTracker` and calls :meth:`InsightTracker.update` after a
step every ``run.insight_every`` steps. Samples come from fresh noise drawn from a generator
seeded by (run seed, step), never from the training RNG, so insight does not change a run, and
from G's EMA weights when the run keeps an EMA (what ``ganstudio sample`` draws).

Series are bounded: past ``max_points`` points, every other point is dropped (the first and the
newest are kept), so they span the whole run in a fixed memory.

A check whose FID is the lowest so far keeps the weights it measured (:mod:`ganstudio.insight.best`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ganstudio.config.model import RunConfig
from ganstudio.config.rng_streams import INSIGHT, stream
from ganstudio.data import Dataset
from ganstudio.engine.conditioning import balanced_labels
from ganstudio.engine.gan import GAN
from ganstudio.insight.best import BestWeights
from ganstudio.insight.report import InsightReport, Probe
from ganstudio.insight.warnings import Diagnoser, TrainingWarning
from ganstudio.record.history import History

PRDC_SERIES = ("precision", "recall", "density", "prdc_coverage")  # prdc_coverage: not the classes covered
SERIES = {
    "digits": ("classes_covered", "recognisable", "fid", "mean_confidence", "diversity", *PRDC_SERIES),
    "modes": ("modes_covered", "high_quality", "diversity", *PRDC_SERIES),
    None: ("diversity",),
}
CONDITIONAL_SERIES = ("class_accuracy",)  # digits runs that are conditional: the share read as the class asked for


def report_values(report: InsightReport) -> dict[str, float]:
    """The plotted figures of a report, by series name (recognisable and high_quality in percent)."""
    values = {"diversity": report.diversity}
    if report.coverage is not None:
        c = report.coverage
        values.update(
            classes_covered=c.classes_covered,
            recognisable=100.0 * c.recognisable,
            fid=c.fid,
            mean_confidence=c.mean_confidence,
            class_accuracy=c.accuracy,
        )
    if report.modes is not None:
        values.update(modes_covered=report.modes.modes_covered, high_quality=100.0 * report.modes.high_quality)
    if report.prdc is not None:
        values.update(report.prdc.values())
    return values


def generate(gan: GAN, n: int, seed: int, step: int) -> tuple[np.ndarray, np.ndarray | None]:
    """(n, data_size) samples from noise seeded by (seed, step), EMA weights when kept, and for
    a conditional GAN the (n,) classes asked for: the run's classes in turn, equally often
    (else None)."""
    z = stream(seed, INSIGHT, step).standard_normal((n, gan.latent_size), dtype=np.float32)
    asked = balanced_labels(gan.conditioning.classes, n) if gan.conditional else None
    return gan.sample(z, use_ema=gan.ema is not None, labels=asked), asked


class InsightTracker:
    """Insight series and warnings of one run."""

    def __init__(self, max_points: int = 2000) -> None:
        self.max_points = int(max_points)
        self.diagnoser = Diagnoser()
        self._probe: Probe | None = None
        self.clear()

    def clear(self) -> None:
        self.steps = np.zeros(0, np.int64)
        self.values = {name: np.zeros(0, np.float32) for names in (*SERIES.values(), CONDITIONAL_SERIES) for name in names}
        self.histogram: np.ndarray | None = None
        self.class_accuracy: np.ndarray | None = None  # the latest (10,) per-class accuracy of a conditional digits run
        self.error = ""  # why insight is off for this run (set by the session when a report fails)
        self.best: BestWeights | None = None  # the weights of the lowest FID so far (digit runs)
        self.diagnoser.clear()

    def probe(self, dataset: Dataset, value_range: tuple[float, float]) -> Probe:
        """The probe of `dataset`, rebuilt when the dataset or value range changed."""
        p = self._probe
        if p is None or p.dataset is not dataset or p.value_range != value_range:
            p = self._probe = Probe(dataset, value_range)
        return p

    @property
    def unmeasured(self) -> str:
        """Why this run's precision, recall, density and coverage are NaN, in one line ("" when
        they are measured, or before the first check)."""
        p = self._probe
        return "" if p is None or not p.prdc_note else f"precision, recall, density and coverage not measured: {p.prdc_note}"

    @property
    def warnings(self) -> tuple[TrainingWarning, ...]:
        return self.diagnoser.warnings

    def update(self, step: int, gan: GAN, dataset: Dataset, config: RunConfig, history: History) -> list[TrainingWarning]:
        """Report on fresh samples at `step`, extend the series, keep the weights when their FID
        is the best so far, update the warnings; returns the warnings that started now."""
        probe = self.probe(dataset, config.value_range)
        report = probe.report(*generate(gan, probe.n_samples, config.seed, step))
        values = report_values(report)
        self.steps = np.append(self.steps, step)
        for name, series in self.values.items():
            self.values[name] = np.append(series, values.get(name, np.nan)).astype(np.float32)
        if len(self.steps) > self.max_points:
            keep = np.r_[np.arange(0, len(self.steps) - 1, 2), len(self.steps) - 1]
            self.steps = self.steps[keep]
            self.values = {name: v[keep] for name, v in self.values.items()}
        self.class_accuracy = None
        if report.coverage is not None:
            self.histogram = report.coverage.histogram.astype(np.float32)
            if report.coverage.class_accuracy is not None:
                self.class_accuracy = report.coverage.class_accuracy.astype(np.float32)
        elif report.modes is not None:
            self.histogram = report.modes.mode_shares.astype(np.float32)
        else:
            self.histogram = None
        measures = report.measures(step, probe.expected_classes)
        if measures.fid is not None:
            self._keep_if_best(gan, step, measures.fid)
            if self.best is not None:
                measures = replace(measures, best=(self.best.step, self.best.fid))
        return self.diagnoser.update(measures, history, config)

    def _keep_if_best(self, gan: GAN, step: int, fid: float) -> None:
        """Keep the weights just measured when `fid` is the lowest so far."""
        if math.isfinite(fid) and (self.best is None or fid < self.best.fid):
            self.best = BestWeights.measured(gan, step, fid)

    def forget_best(self) -> None:
        """Drop the best weights: G was rebuilt (they no longer fit it) or the data changed (FIDs
        measured against other data do not compare)."""
        self.best = None

    def series(self, kind: str | None, conditional: bool = False) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{name: (steps (m,) int64, values (m,) float32)} of the series of a dataset kind
        (report.insight_kind), with the class accuracy for a conditional digits run."""
        names = SERIES[kind] + (CONDITIONAL_SERIES if conditional and kind == "digits" else ())
        return {name: (self.steps.copy(), self.values[name].copy()) for name in names}

    def truncate_after(self, step: int) -> None:
        """Forget the points, warnings and best weights after `step` (the run went back to it)."""
        if self.best is not None and self.best.step > step:
            self.best = None
        keep = self.steps <= step
        self.steps = self.steps[keep]
        self.values = {name: v[keep] for name, v in self.values.items()}
        self.diagnoser.truncate_after(step)

    # -- checkpoints ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        d = {"steps": self.steps.copy(), **{f"series/{k}": v.copy() for k, v in self.values.items()}}
        if self.histogram is not None:
            d["histogram"] = self.histogram.copy()
        if self.class_accuracy is not None:
            d["class_accuracy"] = self.class_accuracy.copy()
        d.update({f"warnings/{k}": v for k, v in self.diagnoser.state_dict().items()})
        if self.best is not None:
            d.update({f"best/{k}": v for k, v in self.best.state_dict().items()})
        return d

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        """Restore :meth:`state_dict`'s output; an empty dict (an older checkpoint) clears. A
        series the state lacks (saved before it existed, like `recognisable`) is NaN at its steps;
        a state without best weights keeps none."""
        self.clear()
        if not d:
            return
        self.steps = np.asarray(d["steps"], np.int64)
        for name in self.values:
            self.values[name] = np.asarray(d.get(f"series/{name}", np.full(len(self.steps), np.nan)), np.float32)
        self.histogram = np.asarray(d["histogram"], np.float32) if "histogram" in d else None
        self.class_accuracy = np.asarray(d["class_accuracy"], np.float32) if "class_accuracy" in d else None
        self.diagnoser.load_state_dict({k[len("warnings/") :]: v for k, v in d.items() if k.startswith("warnings/")})
        self.best = BestWeights.from_state({k[len("best/") :]: v for k, v in d.items() if k.startswith("best/")})
