"""One training run, headless: config + GAN + data + history + commands + checkpoints.

The session is the single source of truth about a run. The GUI's worker thread and the CLI own
one each; they change it only through :meth:`Session.apply` (between steps) and read it through
:meth:`Session.snapshot` (immutable copies). No Qt here.
"""

from __future__ import annotations

import copy
import math
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from ganstudio import commands as cmd
from ganstudio.config import RunConfig, ConfigError, keys
from ganstudio.data import BatchIterator, Dataset, load_dataset
from ganstudio.engine.gan import GAN, StepMetrics
from ganstudio.engine.schedules import lr_factor
from ganstudio.export.grid import make_grid
from ganstudio.export.scatter import render_points
from ganstudio.history import FIELDS, WARNING_EVENT, Event, History
from ganstudio.insight.heatmap import d_heatmap, view_extent
from ganstudio.insight.report import insight_kind
from ganstudio.insight.tracker import InsightTracker
from ganstudio.insight.warnings import TrainingWarning
from ganstudio.memory import check_memory
from ganstudio.recording import FrameRecorder

MAX_GRID_SAMPLES = 100  # the fixed noise batch: enough for a 10x10 grid
POINTS_2D = 1000  # generated points shown for a 2D dataset
ARCHITECTURE_SECTIONS = ("generator.", "discriminator.")
RESTART_KEYS = ("seed",)
DATA_KEYS = ("data.dataset", "data.classes", "data.folder", "data.image_size")


@dataclass(frozen=True)
class Snapshot:
    """What the GUI renders, copied out of the session (safe to keep in another thread).

    series: {field: (steps (m,) int64, values (m,) float32)} for every history field;
    grid / ema_grid: uint8 (H, W) sample grids from the fixed noise batch (None for 2D data or,
    for ema_grid, when EMA is off); points: (POINTS_2D, 2) generated points for 2D data;
    real_points: (POINTS_2D, 2) real points for 2D data; frame_steps (f,) int64 and frames
    (read-only uint8 (H, W) arrays): the recorded grids for GIF export, shared, never copied.

    Insight (every ``view.insight_every`` steps, see ganstudio.insight): insight_kind is
    "digits" (MNIST, synthetic-digits), "modes" (2D toys) or None (other datasets: diversity
    only); insight_series: {name: (steps (k,) int64, values (k,) float32)} with classes_covered,
    fid, mean_confidence, diversity (digits) or modes_covered, high_quality (percent), diversity
    (2D) or diversity alone; histogram: the latest report's float32 shares, (10,) per predicted
    digit or (K,) high-quality samples per mode, None before the first report; warnings: the
    active TrainingWarnings. heatmap: for 2D data, D's output on a (64, 64) grid over
    heatmap_extent (x_min, x_max, y_min, y_max), row 0 at y_min (see insight.heatmap.d_heatmap).
    """

    step: int
    epoch: int
    elapsed: float
    steps_per_s: float
    paused: bool
    message: str
    latest: dict[str, float] | None
    series: dict[str, tuple[np.ndarray, np.ndarray]]
    events: tuple[Event, ...]
    grid: np.ndarray | None
    ema_grid: np.ndarray | None
    points: np.ndarray | None
    real_points: np.ndarray | None
    pending: dict[str, Any]
    config: RunConfig
    frame_steps: np.ndarray
    frames: tuple[np.ndarray, ...]
    can_revert: bool
    insight_kind: str | None
    insight_series: dict[str, tuple[np.ndarray, np.ndarray]]
    histogram: np.ndarray | None
    warnings: tuple[TrainingWarning, ...]
    heatmap: np.ndarray | None
    heatmap_extent: tuple[float, float, float, float] | None


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "all"
    return str(value)


class Session:
    """A training run. `data_dir` is where the MNIST family is looked for (see ganstudio.data);
    `progress(bytes_done, bytes_total)` reports a dataset download."""

    def __init__(
        self,
        config: RunConfig,
        *,
        data_dir: str | None = None,
        progress: Callable[[int, int | None], None] | None = None,
        guard_every: int = 200,
        revert_depth: int = 5,
        history_window: int = 20_000,
    ) -> None:
        self.data_dir = data_dir
        self._progress = progress
        self.guard_every = int(guard_every)
        self.history = History(window=history_window)
        self.insight = InsightTracker()
        self.recorder = FrameRecorder(every=config.view.record_every)
        self._reverts: deque[dict] = deque(maxlen=revert_depth)
        self.config = config
        self.pending: dict[str, Any] = {}
        self.stop = cmd.StopCondition()
        self.paused = True
        self.message = ""
        self._build(config)

    # -- building -------------------------------------------------------------------------------
    def _load_data(self, config: RunConfig) -> Dataset:
        d = config.data
        dataset = load_dataset(
            d.dataset,
            classes=d.classes or None,
            value_range=config.value_range,
            data_dir=self.data_dir,
            folder=d.folder or None,
            image_size=d.image_size,
            seed=config.seed,
            progress=self._progress,
        )
        if d.batch_size > len(dataset):
            raise ConfigError(f"data.batch_size: {d.batch_size} is larger than the dataset ({len(dataset)} samples)")
        return dataset

    def _new_gan(self, config: RunConfig, rng: np.random.Generator) -> GAN:
        return GAN(
            config.generator_spec(),
            config.discriminator_spec(),
            config.optimizer.g,
            config.optimizer.d,
            config.training,
            rng,
        )

    def _fixed_noise(self, config: RunConfig) -> np.ndarray:
        """(MAX_GRID_SAMPLES or POINTS_2D, latent) from its own stream, so that drawing it never
        changes the training randomness."""
        count = POINTS_2D if config.image_shape is None else MAX_GRID_SAMPLES
        return np.random.default_rng([config.seed, 1]).standard_normal((count, config.generator.latent_size), dtype=np.float32)

    def _build(self, config: RunConfig) -> None:
        """Everything from the seed: data, RNG, networks, data order, history."""
        check_memory(config)
        self.dataset = self._load_data(config)
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.gan = self._new_gan(config, self.rng)
        self.batches = BatchIterator(self.dataset, config.data.batch_size, self.rng)
        self.fixed_noise = self._fixed_noise(config)
        self.step_count = 0
        self.elapsed = 0.0
        self._step_time = 0.0
        self.history.clear()
        self.insight.clear()
        self.recorder.clear()
        self.recorder.every = config.view.record_every
        self._reverts.clear()
        self._good = self._capture()

    # -- state capture (revert, divergence guard, checkpoints) ---------------------------------
    def _capture(self) -> dict:
        return {
            "config": self.config,
            "gan": self.gan.state_dict(),
            "rng": copy.deepcopy(self.rng.bit_generator.state),
            "batches": self.batches.state_dict(),
            "step": self.step_count,
            "elapsed": self.elapsed,
        }

    def _restore(self, state: dict) -> None:
        """Put the run back into a captured state (its settings included)."""
        old, new = self.config, state["config"]
        if new.data != old.data or new.seed != old.seed:
            if any(new.get(k) != old.get(k) for k in DATA_KEYS) or new.seed != old.seed:
                self.dataset = self._load_data(new)
            self.batches = BatchIterator(self.dataset, new.data.batch_size, self.rng)
        if new.generator_spec() != old.generator_spec() or new.discriminator_spec() != old.discriminator_spec():
            self.gan = self._new_gan(new, np.random.default_rng(0))
            if new.generator.latent_size != old.generator.latent_size:
                self.fixed_noise = self._fixed_noise(new)
        else:
            self.gan.set_training(new.training)
            self.gan.set_optimizer("g", new.optimizer.g)
            self.gan.set_optimizer("d", new.optimizer.d)
        self.config = new
        self.gan.load_state_dict(state["gan"])
        self.gan.release_buffers()
        self.rng.bit_generator.state = copy.deepcopy(state["rng"])
        self.batches.load_state_dict(state["batches"])
        self.step_count = state["step"]
        self.elapsed = state["elapsed"]
        self.recorder.every = new.view.record_every
        self.insight.truncate_after(self.step_count)

    def mark_good(self) -> None:
        """Take the current state as the divergence guard's restore point."""
        self._good = self._capture()

    # -- properties -----------------------------------------------------------------------------
    @property
    def epoch(self) -> int:
        return self.batches.epoch

    @property
    def can_revert(self) -> bool:
        return bool(self._reverts)

    def learning_rates(self) -> tuple[float, float]:
        """(lr_g, lr_d) at the current step/epoch: base lr times the schedule's factor."""
        f = lr_factor(self.config.schedule, self.step_count, self.batches.epoch)
        return self.config.optimizer.g.lr * f, self.config.optimizer.d.lr * f

    # -- training -------------------------------------------------------------------------------
    def step(self, part: str = "both") -> StepMetrics | None:
        """One iteration ("both"), or a discriminator-only ("d") / generator-only ("g") update.
        Returns the metrics, or None when the divergence guard fired (the run is then paused)."""
        lr_g, lr_d = self.learning_rates()
        start = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is caught below
            m = self._run_step(part, lr_g, lr_d)
        dt = time.perf_counter() - start
        if not all(math.isfinite(v) for v in (m.d_loss, m.g_loss, m.d_grad_norm, m.g_grad_norm)):
            self._diverged(m)
            return None
        self.step_count += 1
        self.elapsed += dt
        self._step_time = dt if self._step_time == 0.0 else 0.98 * self._step_time + 0.02 * dt
        self.history.append(self.step_count, (m.d_loss, m.g_loss, m.d_real, m.d_fake, m.d_grad_norm, m.g_grad_norm, m.lr_d, m.lr_g, 1.0 / self._step_time))
        if self.step_count % self.guard_every == 0 and self._weights_finite():
            self._good = self._capture()
        self.recorder.maybe_record(self.step_count, self._recording_frame)
        self._maybe_insight()
        self._check_stop(m)
        return m

    def _run_step(self, part: str, lr_g: float, lr_d: float) -> StepMetrics:
        gan = self.gan
        if part == "both":
            return gan.train_step(self.batches.next, self.rng, lr_d, lr_g)
        last = self.history.latest() or dict.fromkeys(FIELDS, 0.0)
        if part == "d":
            dl, dr, df, dn = gan.d_step(self.batches.next(), self.rng, lr_d)
            return StepMetrics(dl, last["g_loss"], dr, df, dn, last["g_grad_norm"], lr_d, lr_g)
        if part == "g":
            gl, gn = gan.g_step(self.batches.batch_size, self.rng, lr_g)
            return StepMetrics(last["d_loss"], gl, last["d_real"], last["d_fake"], last["d_grad_norm"], gn, lr_d, lr_g)
        raise ValueError(f"unknown step part {part!r}")

    def _maybe_insight(self) -> None:
        """Every view.insight_every steps: an insight report, its series and the warnings; a
        warning that starts becomes a history event."""
        every = self.config.view.insight_every
        if every and self.step_count % every == 0:
            for w in self.insight.update(self.step_count, self.gan, self.dataset, self.config, self.history):
                self.history.add_event(self.step_count, WARNING_EVENT + w.title)

    def _weights_finite(self) -> bool:
        return all(np.isfinite(np.dot(p, p)) for p in (self.gan.generator.params.values, self.gan.discriminator.params.values))

    def _diverged(self, m: StepMetrics) -> None:
        bad = self.step_count + 1
        what = next(
            f"{name} is {value}"
            for name, value in (("D loss", m.d_loss), ("G loss", m.g_loss), ("D gradient norm", m.d_grad_norm), ("G gradient norm", m.g_grad_norm))
            if not math.isfinite(value)
        )
        self._restore({**self._good, "config": self.config})
        self.history.truncate_after(self.step_count)
        self.history.add_event(self.step_count, f"diverged at step {bad}, restored step {self.step_count}")
        self.paused = True
        lr_g, lr_d = self.learning_rates()
        self.message = (
            f"Training diverged at step {bad} ({what}). Restored the weights of step {self.step_count}; "
            f"lower the learning rates (G {lr_g:g}, D {lr_d:g}) and resume."
        )

    def _check_stop(self, m: StepMetrics) -> None:
        s = self.stop
        reason = ""
        if s.at_step is not None and self.step_count >= s.at_step:
            reason, s = f"reached step {s.at_step}", replace(s, at_step=None)
        elif s.after_seconds is not None and self.elapsed >= s.after_seconds:
            reason, s = "the time limit", replace(s, after_seconds=None)
        elif s.metric is not None:
            value = getattr(m, s.metric)
            if s.below is not None and value < s.below:
                reason, s = f"{s.metric} {value:.4g} < {s.below:g}", replace(s, metric=None, below=None, above=None)
            elif s.above is not None and value > s.above:
                reason, s = f"{s.metric} {value:.4g} > {s.above:g}", replace(s, metric=None, below=None, above=None)
        if reason:
            self.stop = s
            self.paused = True
            self.message = f"Paused at step {self.step_count}: {reason}."

    # -- commands -------------------------------------------------------------------------------
    def apply(self, command: Any) -> None:
        """Apply a command from ganstudio.commands. Raises ConfigError / DatasetError for a
        setting that cannot be used; the run is then unchanged."""
        if isinstance(command, cmd.SetParam):
            self._set_param(command.key, command.value)
        elif isinstance(command, cmd.Rebuild):
            self._rebuild(command.network)
        elif isinstance(command, cmd.Reset):
            self._reset(command.config)
        elif isinstance(command, cmd.RevertLastChange):
            self._revert()
        elif isinstance(command, cmd.Pause):
            self.paused = True
        elif isinstance(command, cmd.Resume):
            self.paused = False
            self.message = ""
        elif isinstance(command, cmd.StepOnce):
            self.step(command.part)
        elif isinstance(command, cmd.SetStopCondition):
            c = command.condition
            if c.after_seconds is not None:
                c = replace(c, after_seconds=self.elapsed + c.after_seconds)
            self.stop = c
        else:
            raise TypeError(f"unknown command {command!r}")

    def _set_param(self, key: str, value: Any) -> None:
        new = self.config.with_values({key: value})
        changed = [k for k in keys() if new.get(k) != self.config.get(k)]
        if not changed:
            return
        if any(k.startswith(ARCHITECTURE_SECTIONS) for k in changed):
            for k in changed:
                self.pending[k] = new.get(k)
                if self.pending[k] == self.config.get(k):
                    del self.pending[k]
            return
        if any(k in RESTART_KEYS for k in changed):
            self.pending.update({k: new.get(k) for k in changed})
            return
        old = self.config
        check_memory(new, current=old)
        if any(k in DATA_KEYS for k in changed):
            if new.data_size != old.data_size:
                raise ConfigError(
                    f"data.dataset: {new.data.dataset} has another sample shape than {old.data.dataset}; press Reset to start over with it"
                )
            dataset = self._load_data(new)
        else:
            dataset = self.dataset
        if new.data.batch_size > len(dataset):
            raise ConfigError(f"data.batch_size: {new.data.batch_size} is larger than the dataset ({len(dataset)} samples)")
        tracked = not all(k.startswith("view.") for k in changed)
        if tracked:
            self._reverts.append(self._capture())
        if dataset is not self.dataset:
            self.dataset = dataset
            self.batches = BatchIterator(dataset, new.data.batch_size, self.rng)
        elif new.data.batch_size != old.data.batch_size:
            self.batches.set_batch_size(new.data.batch_size)
            self.gan.release_buffers()
        if new.optimizer.g != old.optimizer.g:
            self.gan.set_optimizer("g", new.optimizer.g)
        if new.optimizer.d != old.optimizer.d:
            self.gan.set_optimizer("d", new.optimizer.d)
        if new.training != old.training:
            self.gan.set_training(new.training)
        self.recorder.every = new.view.record_every
        self.config = new
        if tracked:
            for k in changed:
                self.history.add_event(self.step_count, k, _fmt(old.get(k)), _fmt(new.get(k)))

    def _rebuild(self, network: str) -> None:
        section = "generator." if network == "g" else "discriminator."
        changes = {k: v for k, v in self.pending.items() if k.startswith(section)}
        new = self.config.with_values(changes)
        check_memory(new, current=self.config)
        self._reverts.append(self._capture())
        old = self.config
        spec = new.generator_spec() if network == "g" else new.discriminator_spec()
        opt = new.optimizer.g if network == "g" else new.optimizer.d
        self.gan.rebuild(network, spec, opt, self.rng)
        self.config = new
        if new.generator.latent_size != old.generator.latent_size:
            self.fixed_noise = self._fixed_noise(new)
        for k in changes:
            del self.pending[k]
        detail = ", ".join(f"{k.split('.', 1)[1]} {_fmt(old.get(k))} -> {_fmt(new.get(k))}" for k in changes)
        self.history.add_event(self.step_count, f"rebuilt {'G' if network == 'g' else 'D'}" + (f": {detail}" if detail else ""))
        self._good = self._capture()

    def _reset(self, config: RunConfig | None) -> None:
        if config is None:
            config = self.config.with_values(self.pending)
        self._build(config)
        self.pending = {}
        self.paused = True
        self.message = f"Reset from seed {config.seed}."

    def _revert(self) -> None:
        if not self._reverts:
            self.message = "Nothing to revert."
            return
        state = self._reverts.pop()
        undone = [e for e in self.history.events if e.step >= state["step"]]
        self._restore(state)
        self.history.truncate_after(self.step_count)
        self.history.add_event(self.step_count, "reverted" + (f" {undone[-1].label}" if undone else ""))
        self._good = self._capture()
        self.message = f"Reverted to step {self.step_count}."

    # -- rendering ------------------------------------------------------------------------------
    def samples(self, n: int, use_ema: bool = False) -> np.ndarray:
        """(n, D) samples of G from the fixed noise batch (n <= its size)."""
        return self.gan.sample(self.fixed_noise[:n], use_ema)

    def render_grid(self, use_ema: bool = False, side: int | None = None) -> np.ndarray:
        """uint8 (H, W) grid of side x side samples from the fixed noise batch."""
        side = side or self.config.view.grid
        shape = self.config.image_shape
        return make_grid(self.samples(side * side, use_ema), shape, ncols=side, value_range=self.config.value_range)

    def _recording_frame(self) -> np.ndarray:
        if self.config.image_shape is None:
            return render_points(self.samples(POINTS_2D), self.dataset.x[:POINTS_2D])
        return self.render_grid(use_ema=self.gan.ema is not None)

    def snapshot(self) -> Snapshot:
        """An immutable copy of what the GUI shows now."""
        is_2d = self.config.image_shape is None
        latest = self.history.latest()
        frame_steps, frames = self.recorder.snapshot()
        extent = view_extent(self.dataset.modes) if is_2d else None
        kind = insight_kind(self.dataset)
        return Snapshot(
            step=self.step_count,
            epoch=self.batches.epoch,
            elapsed=self.elapsed,
            steps_per_s=latest["steps_per_s"] if latest else 0.0,
            paused=self.paused,
            message=self.message,
            latest=latest,
            series=self.history.all_series(),
            events=tuple(self.history.events),
            grid=None if is_2d else self.render_grid(),
            ema_grid=None if is_2d or self.gan.ema is None else self.render_grid(use_ema=True),
            points=self.samples(POINTS_2D) if is_2d else None,
            real_points=self.dataset.x[:POINTS_2D].copy() if is_2d else None,
            pending=dict(self.pending),
            config=self.config,
            frame_steps=frame_steps,
            frames=tuple(frames),
            can_revert=self.can_revert,
            insight_kind=kind,
            insight_series=self.insight.series(kind),
            histogram=None if self.insight.histogram is None else self.insight.histogram.copy(),
            warnings=self.insight.warnings,
            heatmap=d_heatmap(self.gan, extent) if is_2d else None,
            heatmap_extent=extent,
        )
