"""What the GUI shows of a run, rendered from its state: sample grids, 2D points, D's heatmap.

:func:`take_snapshot` copies a run's state into an immutable :class:`Snapshot` that another
thread may keep; the rendering helpers (:func:`render_grid`, :func:`recording_frame`, ...) also
serve the recorder and the CLI's outputs. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ganstudio.config.model import RunConfig
from ganstudio.data import CLASS_NAMES
from ganstudio.engine.gan import GAN, GeneratorWeights
from ganstudio.insight.best import BestWeights
from ganstudio.insight.heatmap import d_heatmap, view_extent
from ganstudio.insight.report import insight_kind
from ganstudio.insight.warnings import TrainingWarning
from ganstudio.record.frames import film_to
from ganstudio.record.history import Event
from ganstudio.render.grid import label_rows, make_grid
from ganstudio.render.scatter import render_points
from ganstudio.run.state import POINTS_2D, RunState


@dataclass(frozen=True)
class Snapshot:
    """What the GUI renders, copied out of the session (safe to keep in another thread).

    series: {field: (steps (m,) int64, values (m,) float32)} for every history field;
    grid / ema_grid: uint8 (H, W) sample grids from the fixed noise batch (None for 2D data or,
    for ema_grid, when EMA is off); best_grid: the grid of the run's best weights so far (by
    FID), measured at best_step with best_fid (all three None when none are kept);
    points: (POINTS_2D, 2) generated points for 2D data;
    real_points: (POINTS_2D, 2) real points for 2D data; frame_steps (f,) int64 and frames
    (read-only uint8 (H, W) arrays): the recorded grids for GIF export, shared, never copied.

    Insight (every ``run.insight_every`` steps, see ganstudio.insight): insight_kind is
    "digits" (MNIST, synthetic-digits), "modes" (2D toys) or None (other datasets: diversity
    only); insight_series: {name: (steps (k,) int64, values (k,) float32)} with classes_covered,
    recognisable (percent), fid, mean_confidence, diversity (digits) or modes_covered,
    high_quality (percent), diversity (2D) or diversity alone, and for digits and 2D precision,
    recall, density and prdc_coverage; histogram: the latest report's
    float32 shares of all samples, (10,) recognisable samples per digit or (K,) high-quality
    samples per mode, None before the first report; class_accuracy:
    for a conditional digits run, the latest report's (10,) share of each asked-for class's
    samples the classifier assigns to it (NaN for classes not asked for), else None; warnings: the
    active TrainingWarnings; insight_error: why insight is off for this run ("" while it works);
    prdc_note: why precision, recall, density and coverage are not measured ("" when they are).
    heatmap: for 2D data, D's output on a (64, 64) grid over
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
    best_grid: np.ndarray | None
    best_step: int | None
    best_fid: float | None
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
    class_accuracy: np.ndarray | None
    warnings: tuple[TrainingWarning, ...]
    insight_error: str
    prdc_note: str
    heatmap: np.ndarray | None
    heatmap_extent: tuple[float, float, float, float] | None

    def film(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """(steps int64 (n,), frames uint8 (H, W)) to export: the recorded frames and, when the
        run has trained past the newest, the samples at this snapshot's step as the recorder
        draws them (render_samples: the EMA grid when kept, else the grid; 2D points over the
        real ones), so an export ends on the run's step."""
        return film_to(self.frame_steps, self.frames, self.step, self._samples_frame)

    def _samples_frame(self) -> np.ndarray:
        if self.grid is None:
            return render_points(self.points, self.real_points)
        return self.grid if self.ema_grid is None else self.ema_grid


def fixed_samples(state: RunState, n: int, use_ema: bool = False, weights: GeneratorWeights | None = None) -> np.ndarray:
    """(n, D) samples of G (`weights` if given) from the fixed noise batch (n <= its size); unconditional runs."""
    return state.gan.sample(state.fixed_noise[:n], use_ema, weights=weights)


def grid_classes(config: RunConfig) -> tuple[int, ...]:
    """The classes of a conditional run's grid rows: view.classes, else the run's classes."""
    return config.view.classes or config.data.classes or tuple(range(config.n_classes))


def render_grid(
    state: RunState, use_ema: bool = False, side: int | None = None, weights: GeneratorWeights | None = None
) -> np.ndarray:
    """uint8 (H, W) grid of side x side samples from the fixed noise batch (image runs), drawn
    from `weights` if given, else as ``GAN.sample`` with `use_ema` draws. A
    conditional run's grid has one row per class of :func:`grid_classes`, labelled on the left,
    each row drawn from the same `side` fixed noise vectors: a column keeps its noise (its
    style) across classes, and every cell keeps its noise over time."""
    side = side or state.config.view.grid
    config = state.config
    shape, value_range = config.image_shape, config.value_range
    grid = make_grid(
        grid_samples(state.gan, config, state.fixed_noise, side, use_ema, weights), shape, ncols=side, value_range=value_range
    )
    if not state.gan.conditional:
        return grid
    names = CLASS_NAMES[config.data.dataset]
    return label_rows(grid, [names[c] for c in grid_classes(config)], shape[0])


def grid_samples(
    gan: GAN,
    config: RunConfig,
    noise: np.ndarray,
    side: int,
    use_ema: bool = False,
    weights: GeneratorWeights | None = None,
) -> np.ndarray:
    """(cells, D): the samples of a `side`-wide grid of the fixed noise batch `noise` (n, latent),
    cell by cell, row by row, drawn in one batch (from `weights` if given, else as
    ``GAN.sample`` with `use_ema` draws): side x side cells, or for a conditional run one row of
    `side` per class of :func:`grid_classes`, each row from the same `side` noise vectors."""
    if not gan.conditional:
        return gan.sample(noise[: side * side], use_ema, weights=weights)
    classes = grid_classes(config)
    tiled = np.tile(noise[:side], (len(classes), 1))  # (rows * side, latent)
    return gan.sample(tiled, use_ema, labels=np.repeat(np.asarray(classes, np.int64), side), weights=weights)


def render_samples(state: RunState) -> np.ndarray:
    """uint8 (H, W): the sample grid (EMA weights when kept), or for 2D data the generated points
    over the real ones."""
    if state.config.image_shape is None:
        return render_points(fixed_samples(state, POINTS_2D), state.dataset.x[:POINTS_2D])
    return render_grid(state, use_ema=state.gan.ema is not None)


class BestGrid:
    """The grid of a run's best weights, drawn again only when they, the config or the fixed
    noise changed: snapshots come up to 10 times a second, the best weights change at insight
    checks."""

    def __init__(self) -> None:
        self._drawn: tuple[BestWeights, RunConfig, np.ndarray, np.ndarray] | None = None  # (of, config, noise, grid)

    def of(self, state: RunState) -> np.ndarray | None:
        """uint8 (H, W): `state`'s best weights' grid; None for none or a 2D run."""
        best = state.insight.best
        if best is None or state.config.image_shape is None:
            self._drawn = None
            return None
        drawn = self._drawn
        if drawn is None or drawn[0] is not best or drawn[1] is not state.config or drawn[2] is not state.fixed_noise:
            grid = render_grid(state, weights=best.weights)
            grid.flags.writeable = False  # shared by the snapshots until the best changes
            drawn = self._drawn = (best, state.config, state.fixed_noise, grid)
        return drawn[3]


def take_snapshot(
    state: RunState, *, paused: bool, message: str, pending: dict[str, Any], can_revert: bool, best_grid: BestGrid
) -> Snapshot:
    """An immutable copy of what the GUI shows now; the session adds what only it knows (and
    keeps the best weights' grid drawn)."""
    is_2d = state.config.image_shape is None
    latest = state.history.latest()
    frame_steps, frames = state.recorder.snapshot()
    extent = view_extent(state.dataset.modes) if is_2d else None
    kind = insight_kind(state.dataset)
    best = state.insight.best
    return Snapshot(
        step=state.step,
        epoch=state.epoch,
        elapsed=state.elapsed,
        steps_per_s=latest["steps_per_s"] if latest else 0.0,
        paused=paused,
        message=message,
        latest=latest,
        series=state.history.all_series(),
        events=tuple(state.history.events),
        grid=None if is_2d else render_grid(state),
        ema_grid=None if is_2d or state.gan.ema is None else render_grid(state, use_ema=True),
        best_grid=best_grid.of(state),
        best_step=None if best is None or is_2d else best.step,
        best_fid=None if best is None or is_2d else best.fid,
        points=fixed_samples(state, POINTS_2D) if is_2d else None,
        real_points=state.dataset.x[:POINTS_2D].copy() if is_2d else None,
        pending=dict(pending),
        config=state.config,
        frame_steps=frame_steps,
        frames=tuple(frames),
        can_revert=can_revert,
        insight_kind=kind,
        insight_series=state.insight.series(kind, state.gan.conditional),
        histogram=None if state.insight.histogram is None else state.insight.histogram.copy(),
        class_accuracy=None if state.insight.class_accuracy is None else state.insight.class_accuracy.copy(),
        warnings=state.insight.warnings,
        insight_error=state.insight.error,
        prdc_note=state.insight.unmeasured,
        heatmap=d_heatmap(state.gan, extent) if is_2d else None,
        heatmap_extent=extent,
    )
