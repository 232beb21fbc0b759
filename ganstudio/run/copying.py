"""Is the generator copying? The run's answers to the window's two questions about it: the
training images nearest to one cell of the sample grid, and the memorisation figure of the
weights the grid shows.

Like the latent walk (run/walk.py), each is a question the training worker answers between
steps from the run's own weights, so the cell searched is the grid's cell bit for bit. The
searches use the insight probe's indexes of the training set (insight/report.py,
insight/neighbours.py), built on first use and kept with the probe, once per dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganstudio.config.model import RunConfig
from ganstudio.engine.conditioning import balanced_labels
from ganstudio.insight.memorisation import MemorisationReport
from ganstudio.insight.report import Probe
from ganstudio.render import make_grid
from ganstudio.run.commands import FindNearest, MeasureCopying
from ganstudio.run.snapshot import grid_samples
from ganstudio.run.state import RunState
from ganstudio.run.walk import chosen_weights, grid_cells

# The noise the memorisation figure's samples are drawn from: `sample --report`'s default
# (--seed 0), so the window's figure of a run's best weights is the one that command prints.
COPYING_SEED = 0
NOT_IMAGES = "a 2D run draws points, not images: there are no training images to compare its samples with"


@dataclass(frozen=True)
class Found:
    """The training images nearest to one sample in one space ("pixels" or "features"):
    indices (k,) into the training set, distances (k,) in that space, images uint8 (k, h, w),
    nearest first."""

    space: str
    indices: np.ndarray
    distances: np.ndarray
    images: np.ndarray


@dataclass(frozen=True)
class NearestImages:
    """The answer to a :class:`FindNearest`: at `step`, from the weights `weights` names (as
    WalkImages does), the cell's sample (D,) float32 as G drew it and its image uint8 (h, w),
    and its nearest training images in each space searched, among `training_images`."""

    request: FindNearest
    step: int
    weights: str
    sample: np.ndarray
    image: np.ndarray
    found: tuple[Found, ...]
    training_images: int


@dataclass(frozen=True)
class CopyingFigure:
    """The answer to a :class:`MeasureCopying`: at `step`, from the weights `weights` names,
    the samples (n, D) drawn from noise of COPYING_SEED and their memorisation report, against
    `training_images` training images."""

    request: MeasureCopying
    step: int
    weights: str
    samples: np.ndarray
    report: MemorisationReport
    training_images: int


def images_of(samples: np.ndarray, config: RunConfig) -> np.ndarray:
    """uint8 (n, h, w): samples (n, h*w) in the run's value range as the sample grid draws them."""
    h, w = config.image_shape
    return make_grid(samples, (h, w), ncols=1, value_range=config.value_range, pad=0).reshape(-1, h, w)


def prepare_search(probe: Probe) -> None:
    """Build the training-set indexes a search reads (the feature index classifies every
    training image: seconds, compute-bound, once per dataset), so that a search itself is one
    memory-bound product per space."""
    if "features" in probe.neighbours.spaces:
        probe.neighbours.feature_index()


def find_nearest(state: RunState, probe: Probe, request: FindNearest) -> NearestImages:
    """The training images nearest to the grid cell `request` names, from `probe` (the run's
    dataset's); ValueError (a sentence) for a request the run cannot answer (a 2D run, a cell
    outside the grid)."""
    config = state.config
    if config.image_shape is None:
        raise ValueError(NOT_IMAGES)
    if not 0 <= request.cell < grid_cells(config):
        raise ValueError(f"cell {request.cell} is outside the grid of {grid_cells(config)} cells")
    use_ema, weights, described = chosen_weights(state, request.weights)
    grid = grid_samples(state.gan, config, state.fixed_noise, config.view.grid, use_ema, weights)
    sample = grid[request.cell]
    images = state.dataset.x
    found = []
    for space in probe.neighbours.spaces:
        near = probe.neighbours.nearest(sample[None], request.k, space)
        indices, distances = near.indices[0], near.distances[0]
        found.append(Found(space, indices, distances, images_of(images[indices], config)))
    image = images_of(sample[None], config)[0]
    return NearestImages(request, state.step, described, sample, image, tuple(found), len(images))


def measure_copying(state: RunState, probe: Probe, request: MeasureCopying) -> CopyingFigure:
    """The memorisation figure of `probe.n_samples` samples of the weights `request` names
    (noise of COPYING_SEED; a conditional run's classes equally often, as `sample --report`
    asks for them); ValueError for a 2D run."""
    config = state.config
    if config.image_shape is None:
        raise ValueError(NOT_IMAGES)
    use_ema, weights, described = chosen_weights(state, request.weights)
    n, gan = probe.n_samples, state.gan
    z = np.random.default_rng(COPYING_SEED).standard_normal((n, gan.latent_size), dtype=np.float32)
    labels = np.sort(balanced_labels(config.conditioning().classes, n)) if gan.conditional else None
    samples = gan.sample(z, use_ema, labels=labels, weights=weights)
    return CopyingFigure(request, state.step, described, samples, probe.memorisation(samples), len(state.dataset.x))
