"""The insight figures against real digits and exact 2D mode samples: the shipped classifier's
held-out accuracy, class coverage, the Frechet distance, the 2D mode metrics.

Digit figures run on synthetic digits in MNIST's format everywhere (the `digits_dir` fixture,
read by the MNIST loader) and, where the real MNIST training set is found, on real MNIST too."""

from functools import cache

import numpy as np
import pytest

from ganstudio.config.shipped import CLASSIFIER_WEIGHTS
from ganstudio.data import load_dataset, toy_spec
from ganstudio.insight.classifier import load_classifier
from ganstudio.insight.coverage import CoverageMonitor
from ganstudio.insight.frechet import feature_stats, frechet_distance
from ganstudio.insight.modes import REPORT_SAMPLES, mode_report


@cache
def mnist(path):
    return load_dataset("mnist", data_dir=path, value_range=(-1.0, 1.0), download=False)


@cache
def monitor(path):
    return CoverageMonitor(load_classifier(), mnist(path).x, (-1.0, 1.0))


def held_out_synthetic(n=1000):
    """(images (n, 784) in [-1, 1], labels (n,)): synthetic digits that are not in `digits_dir`
    (another seed), so not in the monitor's reference statistics."""
    data = load_dataset("synthetic-digits", seed=1, size=n)
    return data.x, data.labels


@pytest.mark.real_mnist("the classifier's recorded accuracy on real held-out digits")
def test_the_shipped_classifier_is_small_and_recognises_held_out_digits(mnist_dir):
    assert len(CLASSIFIER_WEIGHTS.read_bytes()) < 1_000_000
    classifier = load_classifier()
    data = mnist(mnist_dir)
    held_out, labels = data.x[50_000:], data.labels[50_000:]  # never seen in training
    accuracy = (classifier.predict_proba(held_out).argmax(axis=1) == labels).mean()
    assert accuracy > 0.97
    assert classifier.accuracy == pytest.approx(accuracy, abs=1e-4)  # the recorded figure
    assert classifier.features(held_out[:5]).shape == (5, classifier.feature_size)


def test_the_shipped_classifier_recognises_synthetic_digits():
    classifier = load_classifier()
    x, labels = held_out_synthetic()
    accuracy = (classifier.predict_proba(x).argmax(axis=1) == labels).mean()
    assert accuracy > 0.95  # measured 0.970-0.981 over four seeds (synthetic digits were never trained on)
    assert classifier.features(x[:5]).shape == (5, classifier.feature_size)


def test_images_in_zero_one_are_rescaled_before_classifying():
    classifier = load_classifier()
    x = held_out_synthetic(200)[0]
    np.testing.assert_allclose(classifier.predict_proba((x + 1.0) / 2.0, (0.0, 1.0)), classifier.predict_proba(x), atol=1e-5)


@pytest.fixture(
    params=["synthetic", pytest.param("real", marks=pytest.mark.real_mnist("the FID of real digits against real MNIST"))]
)
def digits_and_held_out(request, digits_dir):
    """(training-set folder, held-out (1000, 784) digits of the same kind, the largest FID those
    may honestly have: the finite-sample bias of 1,000 images; measured 4.8 on real MNIST against
    its first 10,000 images, 1.9-2.2 on synthetic digits against the 1,000 of digits_dir)."""
    if request.param == "real":
        folder = request.getfixturevalue("mnist_dir")
        return folder, mnist(folder).x[50_000:51_000], 10.0
    return digits_dir, held_out_synthetic()[0], 5.0


def test_real_digits_cover_all_ten_classes_and_are_close_to_real(digits_and_held_out):
    folder, held_out, max_fid = digits_and_held_out
    report = monitor(folder).report(held_out)
    assert report.classes_covered == 10
    assert report.histogram.shape == (10,) and report.histogram.sum() == pytest.approx(report.recognisable)
    assert report.recognisable > 0.9
    assert report.mean_confidence > 0.9
    assert report.fid < max_fid


def test_a_single_repeated_digit_covers_one_class(digits_dir):
    x, labels = held_out_synthetic(1)
    report = monitor(digits_dir).report(np.repeat(x, 1000, axis=0))
    assert report.classes_covered == 1
    assert report.histogram[labels[0]] == 1.0
    assert report.fid > 100.0


def test_noise_is_far_from_real_digits(digits_dir):
    noise = np.random.default_rng(0).uniform(-1.0, 1.0, (1000, 784)).astype(np.float32)
    assert monitor(digits_dir).report(noise).fid > 100.0


def test_frechet_distance_matches_the_closed_form_for_gaussians():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20_000, 3)) * [1.0, 2.0, 3.0]
    b = rng.standard_normal((20_000, 3)) * [2.0, 2.0, 1.0] + [1.0, 0.0, 0.0]
    sa, sb = feature_stats(a), feature_stats(b)
    assert frechet_distance(sa, sa) == pytest.approx(0.0, abs=1e-9)
    # Diagonal covariances: |mu_a - mu_b|^2 + sum (sigma_a - sigma_b)^2 = 1 + 1 + 0 + 4.
    assert frechet_distance(sa, sb) == pytest.approx(6.0, rel=0.05)
    assert frechet_distance(sb, sa) == pytest.approx(frechet_distance(sa, sb), rel=1e-6)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_samples_on_every_mode_cover_all_modes_at_full_quality(name):
    modes, std = toy_spec(name)
    samples = np.tile(modes, (REPORT_SAMPLES // len(modes) + 1, 1))[:REPORT_SAMPLES]
    report = mode_report(samples, modes, std)
    assert (report.modes_covered, report.n_modes, report.high_quality) == (len(modes), len(modes), 1.0)
    assert report.mode_shares.sum() == pytest.approx(1.0)


def test_the_real_ring_is_high_quality_and_a_collapsed_set_covers_one_mode():
    modes, std = toy_spec("ring8")
    real = load_dataset("ring8", size=REPORT_SAMPLES).x
    report = mode_report(real, modes, std)
    assert report.modes_covered == 8 and report.high_quality > 0.98  # 3 std in 2D holds 98.9%

    collapsed = modes[2] + np.random.default_rng(0).normal(0.0, std, (REPORT_SAMPLES, 2))
    report = mode_report(collapsed, modes, std)
    assert report.modes_covered == 1 and report.high_quality > 0.98
    assert report.mode_shares[2] == report.high_quality


def test_samples_between_modes_are_not_high_quality():
    modes, std = toy_spec("ring8")
    just_outside = modes[0] + [3.05 * std, 0.0]
    just_inside = modes[0] + [2.95 * std, 0.0]
    report = mode_report(np.array([[0.0, 0.0], just_outside, just_inside]), modes, std)
    assert report.modes_covered == 1 and report.high_quality == pytest.approx(1 / 3)
