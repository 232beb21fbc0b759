"""Precision, recall, density and coverage against the published definitions, computed directly."""

import math

import numpy as np
import pytest

from ganstudio.data import load_dataset
from ganstudio.insight import neighbours
from ganstudio.insight.prdc import K, PRDCReference


def direct_prdc(real, fake, k=K):
    """Naeem et al.'s definitions, one pair at a time: O(n^2) distances in float64."""
    real, fake = real.astype(np.float64), fake.astype(np.float64)

    def dist(a, b):
        return math.dist(a, b)

    def radius(points, i):
        return sorted(dist(points[i], points[j]) for j in range(len(points)) if j != i)[k - 1]

    r = [radius(real, i) for i in range(len(real))]
    f = [radius(fake, j) for j in range(len(fake))]
    inside = [[dist(fake[j], real[i]) < r[i] for i in range(len(real))] for j in range(len(fake))]
    precision = sum(any(row) for row in inside) / len(fake)
    recall = sum(any(dist(real[i], fake[j]) < f[j] for j in range(len(fake))) for i in range(len(real))) / len(real)
    density = sum(sum(row) for row in inside) / (k * len(fake))
    coverage = sum(min(dist(real[i], fake[j]) for j in range(len(fake))) < r[i] for i in range(len(real))) / len(real)
    return precision, recall, density, coverage


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_the_direct_computation(monkeypatch, seed):
    monkeypatch.setattr(neighbours, "BLOCK_ROWS", 16)  # several blocks
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((40, 6)).astype(np.float32)
    fake = (0.7 * rng.standard_normal((35, 6)) + 0.4).astype(np.float32)
    got = PRDCReference(real).measure(fake)
    assert (got.precision, got.recall, got.density, got.coverage) == pytest.approx(direct_prdc(real, fake), abs=1e-12)
    assert (got.n_fake, got.n_real, got.k) == (35, 40, K)


@pytest.fixture(scope="module")
def real_features(real_mnist, digits_dir):
    """Classifier features of held-out digits (real MNIST's test set when at hand)."""
    from ganstudio.insight.classifier import load_classifier

    dataset = load_dataset("mnist", data_dir=real_mnist[0] or digits_dir, download=False)
    return load_classifier().features(dataset.held_out[:1000])


def test_samples_that_are_the_real_set_score_one(real_features):
    got = PRDCReference(real_features).measure(real_features)
    assert (got.precision, got.recall, got.coverage) == (1.0, 1.0, 1.0)
    assert got.density == pytest.approx(1.0, abs=0.3)


def test_samples_collapsed_on_one_real_point_have_no_recall(real_features):
    got = PRDCReference(real_features).measure(np.repeat(real_features[:1], 500, axis=0))
    assert got.precision == 1.0 and got.recall == 0.0
    assert got.coverage < 0.02


def test_samples_copying_half_the_real_set(real_features):
    half = len(real_features) // 2
    got = PRDCReference(real_features).measure(real_features[:half])
    assert got.precision == 1.0 and got.coverage >= 0.5 and got.recall >= 0.5


def test_2d_samples_of_the_true_distribution_against_one_collapsed_on_a_mode():
    reference = PRDCReference(load_dataset("ring8", seed=1).held_out[:2500])
    true = reference.measure(load_dataset("ring8", seed=2, size=2500).x)
    assert true.precision > 0.9 and true.recall > 0.9 and true.coverage > 0.9 and 0.8 < true.density < 1.2
    one_mode = np.random.default_rng(0).normal((1.0, 0.0), 0.01, (2500, 2)).astype(np.float32)
    collapsed = reference.measure(one_mode)
    assert collapsed.precision > 0.9 and collapsed.recall < 0.2 and collapsed.coverage < 0.2


def test_too_few_samples_for_k_say_so(real_features):
    got = PRDCReference(real_features).measure(real_features[:K])
    assert math.isnan(got.precision) and got.lines() == [
        f"precision, recall, density, coverage: n/a ({K} samples are too few for k = {K} neighbours)"
    ]
