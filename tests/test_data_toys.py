"""2D toy distributions and their known modes."""

import numpy as np
import pytest

from ganstudio.data import load_dataset, toy_spec


def test_ring8_is_pacgans_ring():
    modes, std = toy_spec("ring8")
    assert modes.shape == (8, 2) and modes.dtype == np.float32 and std == 0.01
    angles = np.sort(np.mod(np.arctan2(modes[:, 1], modes[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-6)
    np.testing.assert_allclose(np.hypot(modes[:, 0], modes[:, 1]), 1.0, atol=1e-6)
    # Eight distinct modes (the linspace version has only seven).
    assert len(np.unique(np.round(modes, 4), axis=0)) == 8


def test_grid25_is_pacgans_grid():
    modes, std = toy_spec("grid25")
    assert std == 0.05
    assert {tuple(m) for m in modes.tolist()} == {(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)}


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_gaussian_mixture_samples(name):
    dataset = load_dataset(name, seed=3)
    assert dataset.is_2d and dataset.image_shape is None and dataset.labels is None
    assert dataset.x.shape == (20000, 2) and dataset.x.dtype == np.float32
    distances = np.linalg.norm(dataset.x[:, None, :] - dataset.modes[None], axis=2)
    nearest = distances.argmin(axis=1)
    # Every mode is used about equally; spread around it matches the std (not scaled).
    counts = np.bincount(nearest, minlength=len(dataset.modes))
    assert counts.min() > 0.8 * len(dataset.x) / len(dataset.modes)
    offsets = dataset.x - dataset.modes[nearest]
    np.testing.assert_allclose(offsets.std(axis=0), dataset.mode_std, rtol=0.05)


@pytest.mark.parametrize("name, k", [("spiral", 30), ("moons", 32)])
def test_curves_have_modes_along_them(name, k):
    dataset = load_dataset(name, seed=1, size=5000)
    modes, std = dataset.modes, dataset.mode_std
    assert modes.shape == (k, 2)
    # Neighbouring centres about 4 std apart along the curve, so 3-std discs tile it ...
    gaps = np.linalg.norm(np.diff(modes, axis=0), axis=1)
    assert np.median(gaps) == pytest.approx(4 * std, rel=0.15)
    # ... and nearly every sample lies within 3 std of some centre, every centre has some.
    distances = np.linalg.norm(dataset.x[:, None, :] - modes[None], axis=2)
    assert (distances.min(axis=1) < 3 * std).mean() > 0.9
    assert np.bincount(distances.argmin(axis=1), minlength=k).min() > 0


def test_seed_and_size():
    a, b = load_dataset("moons", seed=7, size=100), load_dataset("moons", seed=7, size=100)
    np.testing.assert_array_equal(a.x, b.x)
    assert len(a) == 100
    assert not np.array_equal(a.x, load_dataset("moons", seed=8, size=100).x)


def test_unknown_toy():
    with pytest.raises(KeyError):
        toy_spec("ring9")
