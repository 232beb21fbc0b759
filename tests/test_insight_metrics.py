"""The insight figures against the real MNIST digits and exact 2D mode samples: the shipped
classifier's held-out accuracy, class coverage, the Frechet distance, the 2D mode metrics."""

from functools import cache

import numpy as np
import pytest

from ganstudio.data import load_dataset, toy_spec
from ganstudio.insight.classifier import load_classifier
from ganstudio.insight.coverage import CoverageMonitor
from ganstudio.insight.frechet import feature_stats, frechet_distance
from ganstudio.insight.modes import REPORT_SAMPLES, mode_report
from ganstudio.shipped import CLASSIFIER_WEIGHTS


@cache
def mnist(path):
    return load_dataset("mnist", data_dir=path, value_range=(-1.0, 1.0))


@cache
def monitor(path):
    return CoverageMonitor(load_classifier(), mnist(path).x, (-1.0, 1.0))


def test_the_shipped_classifier_is_small_and_recognises_held_out_digits(mnist_dir):
    assert len(CLASSIFIER_WEIGHTS.read_bytes()) < 1_000_000
    classifier = load_classifier()
    data = mnist(mnist_dir)
    held_out, labels = data.x[50_000:], data.labels[50_000:]  # never seen in training
    accuracy = (classifier.predict_proba(held_out).argmax(axis=1) == labels).mean()
    assert accuracy > 0.97
    assert classifier.accuracy == pytest.approx(accuracy, abs=1e-4)  # the recorded figure
    assert classifier.features(held_out[:5]).shape == (5, classifier.feature_size)


def test_images_in_zero_one_are_rescaled_before_classifying(mnist_dir):
    classifier = load_classifier()
    x = mnist(mnist_dir).x[50_000:50_200]
    np.testing.assert_allclose(classifier.predict_proba((x + 1.0) / 2.0, (0.0, 1.0)), classifier.predict_proba(x), atol=1e-5)


def test_real_digits_cover_all_ten_classes_and_are_close_to_real(mnist_dir):
    report = monitor(mnist_dir).report(mnist(mnist_dir).x[50_000:51_000])
    assert report.classes_covered == 10
    assert report.histogram.shape == (10,) and report.histogram.sum() == pytest.approx(1.0)
    assert report.mean_confidence > 0.9
    assert report.fid < 10.0  # only the finite-sample bias of 1,000 images


def test_a_single_repeated_digit_covers_one_class(mnist_dir):
    data = mnist(mnist_dir)
    report = monitor(mnist_dir).report(np.repeat(data.x[50_000:50_001], 1000, axis=0))
    assert report.classes_covered == 1
    assert report.histogram[data.labels[50_000]] == 1.0
    assert report.fid > 100.0


def test_noise_is_far_from_real_digits(mnist_dir):
    noise = np.random.default_rng(0).uniform(-1.0, 1.0, (1000, 784)).astype(np.float32)
    assert monitor(mnist_dir).report(noise).fid > 100.0


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
