"""Fresh samples of a run's generator, as `ganstudio sample` and the Python API (ganstudio.api) draw
them: the noise, the classes a conditional run is asked for, the weights drawn from, the samples as
images, and the insight report of a batch of them (:class:`SampleReport`, what `sample --report`
prints)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganstudio.config.model import RunConfig
from ganstudio.engine.conditioning import balanced_labels
from ganstudio.engine.gan import GAN
from ganstudio.insight import coverage
from ganstudio.insight.best import BestWeights, chosen_weights, drawn_weights
from ganstudio.insight.report import InsightReport
from ganstudio.machine.thread_policy import ThreadPolicy

SAMPLING_TIMING_ROWS = 256  # the thread count is chosen by timing G on at most this many rows


def run_classes(config: RunConfig) -> tuple[int, ...]:
    """The classes a run trains on: data.classes, else every class of its dataset."""
    return config.data.classes or tuple(range(config.n_classes))


def labels_for(classes: tuple[int, ...] | None, n: int) -> np.ndarray | None:
    """(n,) labels asking for `classes` equally often, grouped by class (None: unconditional)."""
    return None if classes is None else np.sort(balanced_labels(classes, n))


def noise(seed: int, n: int, latent_size: int) -> np.ndarray:
    """(n, latent_size) float32 standard normal noise of the noise seed `seed`."""
    return np.random.default_rng(seed).standard_normal((n, latent_size), dtype=np.float32)


def choose_sampling_threads(gan: GAN, n: int) -> None:
    """BLAS threads for drawing n samples, by the thread policy (timing G on up to
    SAMPLING_TIMING_ROWS rows)."""
    rows = min(n, SAMPLING_TIMING_ROWS)
    z = np.zeros((rows, gan.latent_size), np.float32)
    labels = np.zeros(rows, np.int64) if gan.conditional else None
    ThreadPolicy().start(lambda: lambda: gan.sample(z, labels=labels))


def draw(gan: GAN, z: np.ndarray, labels: np.ndarray | None, best: BestWeights | None, no_ema: bool) -> np.ndarray:
    """(n, data_size) samples of noise z (n, latent) from the `best` weights, or the last ones
    (the EMA's when the run keeps them, unless `no_ema`)."""
    return gan.sample(z, labels=labels, weights=chosen_weights(gan, best, not no_ema))


def as_images(samples: np.ndarray, config: RunConfig) -> np.ndarray:
    """Samples (n, data_size) in `config`'s value range as a user keeps them: uint8 (n, H, W)
    images, or float32 (n, 2) points for 2D data."""
    shape = config.image_shape
    if shape is None:
        return samples.astype(np.float32)
    low, high = config.value_range
    return np.clip(np.rint((samples - low) / (high - low) * 255.0), 0, 255).astype(np.uint8).reshape(len(samples), *shape)


def weights_text(best: BestWeights | None, step: int, gan: GAN, no_ema: bool) -> str:
    """Which weights were drawn from, for the output: "best, step 3,000 (FID 12.34, EMA weights)"
    or "last, step 3,050 (live weights)"."""
    return drawn_weights(gan, best, not no_ema, step)[1]


@dataclass(frozen=True)
class SampleReport:
    """The insight figures of `samples` fresh samples (noise seed `seed`) of a run at `step`:
    `weights` says which weights drew them, `reference` what the FID compares them with (None
    when no FID was measured), `insight` holds the figures (coverage for digits, modes for 2D
    toys, diversity); `held_out`: the lines of the figures against held-out real images
    (precision, recall, density, coverage, memorisation), or one saying why there are none.
    Its repr is the report as `ganstudio sample --report` prints it."""

    step: int
    weights: str
    dataset: str
    samples: int
    seed: int
    reference: str | None
    insight: InsightReport
    held_out: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The report as `name: value` lines."""
        head = [
            f"step: {self.step}",
            f"weights: {self.weights}",
            f"dataset: {self.dataset}",
            f"samples drawn: {self.samples:,} (noise seed {self.seed})",
        ]
        if self.reference is not None:
            head.append(f"fid reference: {self.reference}")
        return head + self.insight.lines() + list(self.held_out)

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    @property
    def fid(self) -> float | None:
        """The FID of digit samples (None for other data, or when the training data was not at hand)."""
        c = self.insight.coverage
        return None if c is None or not np.isfinite(c.fid) else float(c.fid)

    @property
    def classes_covered(self) -> int | None:
        """Digit classes drawn recognisably (None for other data)."""
        return None if self.insight.coverage is None else self.insight.coverage.classes_covered

    @property
    def modes_covered(self) -> int | None:
        """Modes of a 2D toy covered (None for other data)."""
        return None if self.insight.modes is None else self.insight.modes.modes_covered


def sample_report(session, seed: int, classes: tuple[int, ...] | None, best: BestWeights | None, no_ema: bool) -> SampleReport:
    """The insight report of `session`'s generator (a ganstudio.run.session.Session; its `best`
    weights, or the last ones) on fresh noise of seed `seed`, a conditional run asked for
    `classes` in turn."""
    probe = session.insight.probe(session.dataset, session.config.value_range)
    n = probe.n_samples
    choose_sampling_threads(session.gan, n)
    asked = labels_for(classes, n)
    samples = draw(session.gan, noise(seed, n, session.gan.latent_size), asked, best, no_ema)
    report = probe.report(samples, asked)
    reference = None
    if probe.coverage is not None:
        reference = f"the run's first {min(coverage.REAL_SAMPLES, len(session.dataset.x)):,} training images"
    weights = weights_text(best, session.step_count, session.gan, no_ema)
    held_out = tuple(probe.held_out_lines(report, samples))
    return SampleReport(session.step_count, weights, session.config.data.dataset, n, seed, reference, report, held_out)
