"""Latent walks in the engine and the run: the path maths (engine/latent.py), the endpoints a
grid's cells give, and a conditional walk between classes (run/walk.py)."""

import numpy as np
import pytest

from ganstudio.config.presets import load_preset
from ganstudio.engine.latent import lerp, slerp, stop_positions, walk_path
from ganstudio.run.session import Session
from ganstudio.run.snapshot import grid_samples, render_grid
from ganstudio.run.state import build_gan, fixed_noise
from ganstudio.run.walk import (
    cell_class_endpoints,
    cell_endpoints,
    class_endpoints,
    class_row,
    grid_cells,
    walk_samples,
    walk_strip,
)

SMALL = {"data.dataset": "synthetic-digits", "generator.hidden": [16], "discriminator.hidden": [16], "run.insight_every": 0}


def config(**changes):
    return load_preset("vanilla").with_values({**SMALL, **changes})


# -- the path maths -----------------------------------------------------------------------------
@pytest.mark.parametrize("latent", [2, 16, 100])
def test_slerp_keeps_gaussian_noise_at_the_norms_of_its_endpoints(latent):
    """Property over 200 random pairs of standard normal vectors: every point of the spherical
    path has the norm that goes linearly from |a| to |b| (so within their range), where the
    straight line sinks towards the origin, to about 0.71 of it halfway."""
    rng = np.random.default_rng(latent)
    a = rng.standard_normal((200, latent))
    b = rng.standard_normal((200, latent))
    t = rng.uniform(0.0, 1.0, 200)
    norm_a, norm_b = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    norms = np.linalg.norm(slerp(a, b, t), axis=1)
    np.testing.assert_allclose(norms, (1 - t) * norm_a + t * norm_b, rtol=1e-9)
    assert (norms >= np.minimum(norm_a, norm_b) * (1 - 1e-9)).all() and (norms <= np.maximum(norm_a, norm_b) * (1 + 1e-9)).all()
    if latent == 100:
        halfway = np.linalg.norm(lerp(a, b, np.full(200, 0.5)), axis=1) / np.sqrt(latent)
        assert 0.6 < halfway.mean() < 0.8


def test_slerp_turns_at_a_constant_rate_along_the_great_circle():
    a, b = np.array([[2.0, 0.0, 0.0]]), np.array([[0.0, 3.0, 0.0]])
    t = np.linspace(0.0, 1.0, 7)
    path = slerp(np.repeat(a, 7, 0), np.repeat(b, 7, 0), t)
    np.testing.assert_allclose(np.arctan2(path[:, 1], path[:, 0]), t * np.pi / 2, atol=1e-12)
    np.testing.assert_allclose(path[:, 2], 0.0)


def test_slerp_joins_parallel_vectors_by_a_straight_line():
    a, b = np.array([[1.0, 2.0], [1.0, 2.0]]), np.array([[2.0, 4.0], [-1.0, -2.0]])  # same direction; opposite
    np.testing.assert_allclose(slerp(a, b, np.array([0.5, 0.5])), [[1.5, 3.0], [0.0, 0.0]])


def test_every_endpoint_is_a_stop_and_the_steps_are_shared_evenly():
    positions = stop_positions(60, 3)
    assert len(positions) == 60 and positions[0] == 0.0 and positions[-1] == 2.0
    assert positions[30] == 1.0  # 59 steps: 30 in the first segment, 29 in the second
    np.testing.assert_allclose(np.diff(positions[:31]), 1 / 30)
    np.testing.assert_allclose(np.diff(positions[30:]), 1 / 29)
    np.testing.assert_array_equal(stop_positions(10, 10), np.arange(10.0))  # as many stops as endpoints: those alone
    with pytest.raises(ValueError):
        stop_positions(2, 3)


def test_a_walk_path_holds_its_endpoints_exactly():
    rng = np.random.default_rng(1)
    ends = rng.standard_normal((3, 100), dtype=np.float32)
    path = walk_path(ends, 41, slerp)
    assert path.dtype == np.float32 and path.shape == (41, 100)
    for row, end in ((0, 0), (20, 1), (40, 2)):
        assert np.array_equal(path[row], ends[end])


# -- walks of a generator -----------------------------------------------------------------------
def test_cells_are_the_noise_of_the_grid_cells_and_the_walk_starts_and_ends_on_their_images():
    cfg = config(**{"view.grid": 4, "training.ema": True})
    session = Session(cfg)
    for _ in range(5):  # the EMA parts from the live weights
        session.step()
    ends = cell_endpoints(cfg, [5, 14])
    np.testing.assert_array_equal(ends.noise, fixed_noise(cfg)[[5, 14]])
    strip = walk_strip(walk_samples(session.gan, cfg, ends, 9, use_ema=True), cfg)
    grid = render_grid(session.state, use_ema=True)  # the grid the window and samples.png show: cell 5 is row 1, column 1

    def cell(row, col):
        return grid[row * 29 : row * 29 + 30, col * 29 : col * 29 + 30]

    np.testing.assert_array_equal(strip[:, :30], cell(1, 1))
    np.testing.assert_array_equal(strip[:, -30:], cell(3, 2))
    with pytest.raises(ValueError, match="outside the grid of 16 cells"):
        cell_endpoints(cfg, [3, 16])


def test_a_walk_of_two_cells_is_those_cells_of_the_grid_bit_for_bit():
    """BLAS rounds a row's last bits by the batch it is computed in: `recommended`'s G on a batch
    of 2 rows differs from the same rows in the grid's batch of 64 (measured on OpenBLAS), so
    the walk takes its endpoint cells from the grid's batch."""
    cfg = load_preset("recommended")
    gan = build_gan(cfg, np.random.default_rng(0))
    grid = grid_samples(gan, cfg, fixed_noise(cfg), 8, use_ema=True)
    samples = walk_samples(gan, cfg, cell_endpoints(cfg, [0, 1]), 2, use_ema=True)
    np.testing.assert_array_equal(samples, grid[:2])


def test_a_conditional_grid_numbers_its_cells_by_class_row_and_noise_column():
    cfg = config(**{"training.conditional": True, "data.classes": [3, 5, 8], "view.grid": 4})
    assert grid_cells(cfg) == 12
    ends = cell_endpoints(cfg, [1, 10])  # row 0 (class 3), column 1; row 2 (class 8), column 2
    np.testing.assert_array_equal(ends.noise, fixed_noise(cfg)[[1, 2]])
    np.testing.assert_array_equal(ends.classes, [3, 8])


def test_a_class_walk_moves_the_class_code_from_one_class_to_the_other_at_the_same_noise():
    """No trained conditional run is at hand to classify its frames, so the walk is held to its
    embedding: from a grid column's noise, the first and last frames are that column's cells in
    the rows of the two classes, bit for bit, and the frames between are G's images of the
    blended one-hot codes, changing step by step."""
    cfg = config(**{"training.conditional": True, "data.classes": [3, 5, 8], "view.grid": 4})
    gan = build_gan(cfg, np.random.default_rng(0))
    noise = fixed_noise(cfg)
    ends = cell_class_endpoints(cfg, 6, [3, 8])  # cell 6: row 1 (class 5), column 2
    np.testing.assert_array_equal(ends.noise, noise[[2, 2]])
    assert ends.cells == (2, 10)  # row 0 (class 3) and row 2 (class 8) of column 2
    samples = walk_samples(gan, cfg, ends, 11)
    grid = grid_samples(gan, cfg, noise, 4)
    np.testing.assert_array_equal(samples[0], grid[2])
    np.testing.assert_array_equal(samples[-1], grid[10])
    code = np.zeros((1, 10), np.float32)
    code[0, [3, 8]] = 0.5  # halfway: half a 3, half an 8
    np.testing.assert_allclose(samples[5], gan.sample_codes(noise[2:3], code)[0], atol=1e-5)
    steps = np.abs(np.diff(samples, axis=0)).mean(axis=1)
    assert (steps > 0).all() and steps.max() < 0.5 * np.abs(samples[-1] - samples[0]).mean()


def test_a_class_walk_at_noise_outside_the_grid_draws_its_endpoints_as_sample_does():
    cfg = config(**{"training.conditional": True, "data.classes": [3, 8]})
    gan = build_gan(cfg, np.random.default_rng(0))
    z = np.random.default_rng(7).standard_normal(cfg.generator.latent_size, dtype=np.float32)
    ends = class_endpoints(cfg, z, [8, 3])
    assert ends.cells == (None, None)
    samples = walk_samples(gan, cfg, ends, 5)
    np.testing.assert_allclose(samples[[0, -1]], gan.sample(np.stack([z, z]), labels=np.array([8, 3])), atol=1e-5)


def test_a_class_row_draws_one_noise_vector_as_each_class():
    cfg = config(**{"training.conditional": True})
    gan = build_gan(cfg, np.random.default_rng(0))
    noise = fixed_noise(cfg)
    row = class_row(gan, cfg, class_endpoints(cfg, noise[4], range(10), column=4))
    np.testing.assert_array_equal(row, grid_samples(gan, cfg, noise, 8)[4::8])  # the grid's column 4, one cell per class
