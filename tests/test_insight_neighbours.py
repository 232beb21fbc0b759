"""Nearest training images and the memorisation figure, against direct computations, on real
MNIST when present and the synthetic digits otherwise."""

import math

import numpy as np
import pytest

from ganstudio.data import load_dataset
from ganstudio.insight import neighbours
from ganstudio.insight.memorisation import MemorisationProbe
from ganstudio.insight.neighbours import NeighbourIndex, TrainingNeighbours


@pytest.fixture(scope="module")
def digits(real_mnist, digits_dir):
    """Training and held-out digits: real MNIST's first 10,000 and test set when at hand, else the
    fixture's."""
    folder = real_mnist[0] or digits_dir
    return load_dataset("mnist", data_dir=folder, download=False, size=10_000)


def brute_force(points, queries, k):
    """The k nearest by sorting every distance, measured one pair at a time in float64."""
    d = np.linalg.norm(queries[:, None, :].astype(np.float64) - points[None, :, :], axis=2)
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(d, order, axis=1)


@pytest.mark.parametrize("block_rows", [7, 4096])
def test_nearest_agrees_with_brute_force_across_blocks(monkeypatch, block_rows):
    monkeypatch.setattr(neighbours, "BLOCK_ROWS", block_rows)  # 7: many blocks of points and of queries
    rng = np.random.default_rng(1)
    points, queries = rng.standard_normal((60, 16)).astype(np.float32), rng.standard_normal((25, 16)).astype(np.float32)
    indices, distances = NeighbourIndex(points).nearest(queries, k=5)
    want_indices, want_distances = brute_force(points, queries, 5)
    np.testing.assert_array_equal(indices, want_indices)
    np.testing.assert_allclose(distances, want_distances, rtol=1e-5)


def test_a_training_image_is_its_own_nearest_at_distance_zero(digits):
    search = TrainingNeighbours(digits, (-1.0, 1.0), digits=True)
    picked = np.arange(0, len(digits), len(digits) // 20)
    for space in ("pixels", "features"):
        found = search.nearest(digits.x[picked], k=3, space=space)
        assert found.indices[:, 0].tolist() == picked.tolist(), space
        assert found.distances[:, 0].tolist() == [0.0] * len(picked), space
        assert (np.diff(found.distances, axis=1) >= 0).all()  # nearest first


def test_a_held_out_digits_nearest_training_image_is_the_brute_force_one(digits):
    queries, points = digits.held_out[:3], digits.x[:2000]
    indices, distances = NeighbourIndex(points).nearest(queries, k=2)
    want_indices, want_distances = brute_force(points, queries, 2)
    np.testing.assert_array_equal(indices, want_indices)
    np.testing.assert_allclose(distances, want_distances, rtol=1e-5)


def test_features_are_searched_only_where_the_classifier_reads_the_images():
    toy = load_dataset("ring8", size=100)
    with pytest.raises(ValueError, match="searched in pixels"):
        TrainingNeighbours(toy, (-1.0, 1.0), digits=False).nearest(toy.x[:1], space="features")


def test_memorisation_ratio_of_copies_new_digits_and_noise(digits):
    n = 100
    probe = MemorisationProbe(NeighbourIndex(digits.x), digits.held_out[:n])
    copies = probe.report(digits.x[:n])
    assert copies.ratio == 0.0 and copies.samples.tolist() == [0.0] * n
    real = probe.report(digits.held_out[:n])
    assert real.ratio == pytest.approx(1.0) and len(real.held_out) == n
    noise = probe.report(np.random.default_rng(0).uniform(-1, 1, (n, 784)).astype(np.float32))
    assert noise.ratio > 1.5
    assert "memorisation: 1.00" in real.lines()[0] and f"{n} samples over {n} held-out" in real.lines()[0]


def test_memorisation_without_held_out_images_says_why(digits):
    report = MemorisationProbe(NeighbourIndex(digits.x), None, "the folder has 12 images").report(digits.x[:20])
    assert math.isnan(report.ratio) and len(report.samples) == 20
    assert report.lines() == ["memorisation: n/a (no held-out real images: the folder has 12 images)"]
