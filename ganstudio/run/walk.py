"""Latent walks of a run's generator: the images along a path between noise vectors (and, for a
conditional run, between classes), as a strip or as the frames of an animation.

Endpoints are cells of the run's sample grid (the fixed noise the grid shows, so cell 17 of a
walk is the digit in cell 17 of the grid), random noise from a seed, or one noise vector walked
through a list of classes. The path maths is engine/latent.py's: noise on the sphere (slerp),
class codes in a straight line (lerp). Cells are numbered from 0, row by row from the top left;
a conditional grid's row r is class ``grid_classes(config)[r]`` and its column c noise vector c.

An endpoint that is a grid cell takes its image from the grid drawn as the grid is drawn (one
batch of all its cells): BLAS rounds a row's last bits by the batch it is computed in, and a
walk's batch is another, so only this makes the walk's cell the grid's cell bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ganstudio.config.model import RunConfig
from ganstudio.engine.conditioning import draw_labels, one_hot
from ganstudio.engine.gan import GAN, GeneratorWeights
from ganstudio.engine.latent import endpoint_stops, lerp, slerp, walk_path
from ganstudio.render import GridLayout, make_grid
from ganstudio.run.commands import Walk
from ganstudio.run.snapshot import grid_classes, grid_samples
from ganstudio.run.state import RunState, fixed_noise

MAX_STOPS = 64  # stops of one walk in total: a strip of 64 digits is 1,857 px wide before enlarging
GIF_SCALE = 4  # a walk's frame is one 30 x 30 px digit: 120 px at this enlargement
FPS = 10.0  # frames a second of a walk's animation in the window and its export (walk --fps's default)


@dataclass(frozen=True)
class Endpoints:
    """What a walk joins, in order: noise (K, latent) float32; for a conditional run the class of
    each endpoint, classes (K,) int64 (None for an unconditional run); cells: the grid cell each
    endpoint is (None for one that is not in the grid)."""

    noise: np.ndarray
    classes: np.ndarray | None
    cells: tuple[int | None, ...]

    def __len__(self) -> int:
        return len(self.noise)


def grid_layout(config: RunConfig, shape: tuple[int, int]) -> GridLayout | None:
    """Where the cells of `config`'s sample grid lie in a picture of `shape` (height, width): its
    view.grid columns, one row per class of a conditional run's grid (right of the row labels);
    None when a picture of that shape is not this grid (another grid size, a 2D run)."""
    if config.image_shape is None:
        return None
    side = config.view.grid
    rows = len(grid_classes(config)) if config.training.conditional else side
    bare = GridLayout(config.image_shape, rows, side)
    left = shape[1] - bare.shape[1]
    fits = shape[0] == bare.shape[0] and (left == 0 or (left > 0 and config.training.conditional))
    return GridLayout(config.image_shape, rows, side, left) if fits else None


def grid_cells(config: RunConfig) -> int:
    """How many cells the run's sample grid has: view.grid squared, or for a conditional run
    view.grid columns times one row per class of its grid."""
    side = config.view.grid
    return side * (len(grid_classes(config)) if config.training.conditional else side)


def cell_endpoints(config: RunConfig, cells: Sequence[int]) -> Endpoints:
    """The grid cells `cells` (numbers from 0 to grid_cells - 1) as endpoints: each cell's fixed
    noise vector and, conditional, its row's class. ValueError for a cell outside the grid."""
    outside = [cell for cell in cells if not 0 <= cell < grid_cells(config)]
    if outside:
        raise ValueError(f"cells {outside} are outside the grid of {grid_cells(config)} cells")
    noise, numbers = fixed_noise(config), np.asarray(cells, np.int64)
    if not config.training.conditional:
        return Endpoints(noise[numbers], None, tuple(cells))
    side = config.view.grid
    return Endpoints(noise[numbers % side], np.asarray(grid_classes(config), np.int64)[numbers // side], tuple(cells))


def random_endpoints(config: RunConfig, seed: int, count: int = 2) -> Endpoints:
    """`count` random endpoints from `seed`: the noise `ganstudio sample --seed` draws first
    (standard normal), then for a conditional run a class for each, uniformly over the run's."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((count, config.generator.latent_size), dtype=np.float32)
    classes = draw_labels(rng, config.conditioning().classes, count) if config.training.conditional else None
    return Endpoints(noise, classes, (None,) * count)


def class_endpoints(config: RunConfig, noise: np.ndarray, classes: Sequence[int], column: int | None = None) -> Endpoints:
    """One noise vector (latent,) walked through `classes` in order (a conditional run). `column`:
    the grid column whose noise it is (None: other noise); each class with a row in the grid is
    then that row's cell."""
    rows = {c: r for r, c in enumerate(grid_classes(config))}
    side = config.view.grid
    cells = tuple(None if column is None or c not in rows else rows[c] * side + column for c in classes)
    return Endpoints(np.tile(np.asarray(noise, np.float32), (len(classes), 1)), np.asarray(classes, np.int64), cells)


def cell_class_endpoints(config: RunConfig, cell: int, classes: Sequence[int]) -> Endpoints:
    """The noise of grid cell `cell` walked through `classes` (a conditional run: the noise of
    the cell's column, so each class with a row in the grid starts or ends on that row's cell)."""
    noise = cell_endpoints(config, [cell]).noise[0]
    return class_endpoints(config, noise, classes, column=cell % config.view.grid)


def walk_samples(
    gan: GAN,
    config: RunConfig,
    ends: Endpoints,
    stops: int,
    use_ema: bool = False,
    weights: GeneratorWeights | None = None,
) -> np.ndarray:
    """(stops, data_size) samples of `config`'s run's G along the walk through `ends` (2 <=
    len(ends) <= stops): the noise by slerp and, conditional, the class codes by lerp, drawn
    from `weights` if given, else as ``GAN.sample`` with `use_ema` draws; the endpoints that are
    grid cells as the grid draws them."""
    noise = walk_path(ends.noise, stops, slerp)
    if ends.classes is None:
        samples = gan.sample(noise, use_ema, weights=weights)
    else:
        samples = gan.sample_codes(noise, walk_path(one_hot(ends.classes, gan.n_classes), stops, lerp), use_ema, weights)
    at_cells = [(stop, cell) for stop, cell in zip(endpoint_stops(stops, len(ends)), ends.cells) if cell is not None]
    if at_cells:
        stop_rows, cells = zip(*at_cells)
        grid = grid_samples(gan, config, fixed_noise(config), config.view.grid, use_ema, weights)
        samples[list(stop_rows)] = grid[list(cells)]
    return samples


def class_row(
    gan: GAN, config: RunConfig, ends: Endpoints, use_ema: bool = False, weights: GeneratorWeights | None = None
) -> np.ndarray:
    """(len(ends), data_size): one noise vector drawn as each class of `ends` (class_endpoints),
    e.g. every class of the run: a walk that stops at its endpoints only."""
    return walk_samples(gan, config, ends, len(ends), use_ema, weights)


def walk_strip(samples: np.ndarray, config: RunConfig) -> np.ndarray:
    """uint8 (h + 2, n (w + 1) + 1): the walk's n samples (n, h*w) in one row, drawn as the
    sample grid draws its cells."""
    return make_grid(samples, config.image_shape, ncols=len(samples), value_range=config.value_range)


def walk_frames(samples: np.ndarray, config: RunConfig) -> list[np.ndarray]:
    """uint8 (h + 2, w + 2) frames, one per sample of the walk (n, h*w): each a one-cell grid,
    bordered as the sample grid's cells are."""
    return [make_grid(sample[None], config.image_shape, ncols=1, value_range=config.value_range) for sample in samples]


def frame_shape(config: RunConfig) -> tuple[int, int]:
    """(height, width) of a walk's frames (an image run), known before G runs: a blank frame's."""
    return walk_frames(np.zeros((1, config.data_size), np.float32), config)[0].shape


def strip_shape(config: RunConfig, stops: int) -> tuple[int, int]:
    """(height, width) of the strip of a walk of `stops` stops (an image run): a blank strip's."""
    return walk_strip(np.zeros((stops, config.data_size), np.float32), config).shape


@dataclass(frozen=True)
class WalkImages:
    """A walk drawn for a :class:`~ganstudio.run.commands.Walk` request: at `step`, from the
    weights `weights` names ("EMA", "live", "best so far (step N)"); strip uint8 (h + 2,
    n (w + 1) + 1) of its n stops (walk_strip) and frames, one uint8 (h + 2, w + 2) per stop
    (walk_frames)."""

    request: Walk
    step: int
    weights: str
    strip: np.ndarray
    frames: tuple[np.ndarray, ...]


def draw_walk(state: RunState, request: Walk) -> WalkImages:
    """The walk `request` asks for, of the run `state` as it is; ValueError (a sentence) for a
    request its grid cannot answer (a 2D run, a cell outside the grid, too few stops)."""
    config = state.config
    if config.image_shape is None:
        raise ValueError("a 2D run draws points, not images: it has no latent walk")
    if request.classes is not None:
        ends = cell_class_endpoints(config, request.cells[0], request.classes)
        stops = len(ends)
    else:
        ends, stops = cell_endpoints(config, request.cells), request.stops
    if not 2 <= len(ends) <= stops <= MAX_STOPS:
        raise ValueError(f"a walk through {len(ends)} endpoints needs 2 to {MAX_STOPS} stops, and one at each: {stops} asked")
    use_ema, weights, described = chosen_weights(state, request.weights)
    samples = walk_samples(state.gan, config, ends, stops, use_ema, weights)
    frames = tuple(walk_frames(samples, config))
    return WalkImages(request, state.step, described, walk_strip(samples, config), frames)


def chosen_weights(state: RunState, choice: str) -> tuple[bool, GeneratorWeights | None, str]:
    """(use_ema, weights, in words): the weights `choice` ("best", "ema", "live") names, falling
    back as the sample grid does: the best so far when kept, else the EMA's when kept, else live."""
    best = state.insight.best
    if choice == "best" and best is not None:
        return False, best.weights, f"best so far (step {best.step:,})"
    if choice in ("best", "ema") and state.gan.ema is not None:
        return True, None, "EMA"
    return False, None, "live"
