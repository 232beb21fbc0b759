"""Warnings from real reports and real histories: they fire on collapse, a winning D and
exploding losses, stay silent on real data, and do not flicker."""

from functools import cache

import numpy as np
import pytest

from ganstudio.config.model import RunConfig
from ganstudio.data import load_dataset
from ganstudio.engine.gan import StepMetrics
from ganstudio.insight.report import Probe
from ganstudio.insight.warnings import Diagnoser, Measures, start_scale
from ganstudio.record.history import FIELDS, METRICS, History

CONFIG = RunConfig()


@cache
def digits_probe(path):
    """The probe of the MNIST-format training set in `path` (the synthetic digits of `digits_dir`)."""
    return Probe(load_dataset("mnist", data_dir=path, value_range=(-1.0, 1.0), download=False), (-1.0, 1.0))


def held_out_digits(n):
    """(n, 784) synthetic digits in [-1, 1] that are not in `digits_dir` (another seed)."""
    return load_dataset("synthetic-digits", seed=1, size=n).x


def healthy_history(steps=3000, **overrides):
    """A History of a steady run: D(G(z)) ~0.3, losses ~1, gradient norms ~3."""
    history = History()
    rng = np.random.default_rng(0)
    base = dict(
        d_loss=1.0, g_loss=1.5, d_real=0.7, d_fake=0.3, d_grad_norm=3.0, g_grad_norm=3.0, lr_d=2e-4, lr_g=2e-4, steps_per_s=500.0
    )
    for step in range(1, steps + 1):
        values = {**base, **{k: f(step) for k, f in overrides.items()}}
        noisy = {f: values[f] * (1.0 + 0.05 * rng.standard_normal()) for f in FIELDS}
        history.append(step, StepMetrics(*(noisy[f] for f in METRICS)), noisy["steps_per_s"])
    return history


def run_checks(diagnoser, history, measures_at, steps, config=CONFIG):
    started = {}
    for step in steps:
        for w in diagnoser.update(measures_at(step), history, config):
            started[w.kind] = step
    return started


def test_a_single_repeated_digit_fires_the_collapse_warning(digits_dir):
    probe = digits_probe(digits_dir)
    digit = np.repeat(held_out_digits(1), 1000, axis=0)
    report = probe.report(digit)
    assert report.coverage.classes_covered == 1 and report.diversity < 1e-6
    diagnoser, history = Diagnoser(), healthy_history()
    started = run_checks(diagnoser, history, lambda s: report.measures(s, 10), [1500, 2000, 2500])
    assert started == {"mode_collapse": 2000}  # confirmed at the second check
    (warning,) = diagnoser.warnings
    assert "Only 1 of the 10 classes" in warning.message and "near-identical" in warning.message
    assert any("label smoothing" in r for r in warning.remedies)
    assert warning.line().startswith("warning at step 2000: Mode collapse")


def test_real_digits_raise_no_warning(digits_dir):
    probe = digits_probe(digits_dir)
    report = probe.report(held_out_digits(1000))
    assert report.coverage.classes_covered == 10 and 0.9 < report.diversity < 1.1
    diagnoser = Diagnoser()
    assert run_checks(diagnoser, healthy_history(), lambda s: report.measures(s, 10), range(500, 3001, 500)) == {}


def test_collapse_rules_wait_for_the_warm_up_and_ignore_unconvincing_samples():
    diagnoser, history = Diagnoser(), healthy_history()
    # Early blobs: near-identical, one class, before step 1,000.
    assert run_checks(diagnoser, history, lambda s: Measures(s, 0.1, 1, 10, 0.6), [500, 1000]) == {}
    # One class but with a classifier that is not convinced these are digits: not collapse.
    assert run_checks(diagnoser, history, lambda s: Measures(s, 0.5, 1, 10, 0.3), [1500, 2000, 2500]) == {}


def test_a_warning_holds_in_the_hysteresis_band_and_clears_after_two_good_checks():
    diagnoser, history = Diagnoser(), healthy_history()
    figures = {1500: 2, 2000: 2, 2500: 6, 3000: 7, 3500: 6, 4000: 10, 4500: 6, 5000: 10, 5500: 10}
    timeline = []
    for step, covered in figures.items():
        diagnoser.update(Measures(step, 0.6, covered, 10, 0.8), history, CONFIG)
        timeline.append(bool(diagnoser.warnings))
    assert timeline == [False, True, True, True, True, True, True, True, False]


def test_a_discriminator_that_rejects_everything_is_reported():
    history = healthy_history(d_fake=lambda s: 0.3 if s < 1000 else 0.01)
    diagnoser = Diagnoser()
    started = run_checks(diagnoser, history, lambda s: Measures(s, 0.8), [500, 1000, 1500, 2000])
    assert started == {"d_overpowering": 2000}
    (warning,) = diagnoser.warnings
    assert "D(G(z)) has stayed near 0" in warning.message
    assert any("optimizer.d.lr" in r for r in warning.remedies)


def test_vanishing_generator_gradients_are_reported_for_any_loss():
    history = healthy_history(g_grad_norm=lambda s: 3.0 if s < 1000 else 1e-3)
    config = CONFIG.with_values({"training.loss": "least_squares"})
    diagnoser = Diagnoser()
    kinds = [[w.kind for w in diagnoser.update(Measures(s, 0.8), history, config)] for s in (500, 1000, 1500, 2000)]
    assert kinds == [[], [], [], ["d_overpowering"]]
    assert "vanished" in diagnoser.warnings[0].message


def test_exploding_losses_are_reported_as_divergence():
    grow = lambda s: 1.0 if s < 1000 else 30.0  # noqa: E731  (10x < 30x < 100x: losses and gradients together, confirmed)
    history = healthy_history(d_loss=grow, g_loss=grow, d_grad_norm=grow)
    diagnoser = Diagnoser()
    started = run_checks(diagnoser, history, lambda s: Measures(s, 0.8), [500, 1000, 1500, 2000])
    assert started == {"divergence": 2000}
    assert "exploding" in diagnoser.warnings[0].message and "gradient norms" in diagnoser.warnings[0].message


def test_losses_that_explode_before_the_first_check_are_divergence_at_that_check():
    """Adam at lr 10, as measured: D loss 1.6 at step 1, then D saturates (loss 0, gradients 0)
    while G's loss sits near 1e7. No window ever looked healthy, and no gradient grew."""
    history = healthy_history(
        steps=1500,
        d_loss=lambda s: 1.6 if s == 1 else 0.0,
        g_loss=lambda s: 1.5e5 if s == 1 else 1e7,
        d_grad_norm=lambda s: 14.0 if s == 1 else 0.0,
        g_grad_norm=lambda s: 2e5 if s == 1 else 0.0,
    )
    diagnoser = Diagnoser()
    started = run_checks(diagnoser, history, lambda s: Measures(s, 0.8), [500, 1000, 1500])
    assert started["divergence"] == 500
    (warning,) = [w for w in diagnoser.warnings if w.kind == "divergence"]
    assert warning.message.startswith("The losses are exploding: 1") and "e+07, " in warning.message
    assert "times their lowest level (1.39)" in warning.message
    assert "gradient norms" not in warning.message  # they vanished: the losses alone tell


def test_a_loss_that_stays_high_keeps_the_warning_after_its_gradients_vanish():
    explode = lambda s: 1.0 if s <= 1000 else 500.0  # noqa: E731
    history = healthy_history(steps=3000, d_loss=explode, g_loss=explode, g_grad_norm=lambda s: 3.0 if s <= 1500 else 0.0)
    diagnoser = Diagnoser()
    timeline = []
    for step in (500, 1000, 1500, 2000, 2500, 3000):
        diagnoser.update(Measures(step, 0.8), history, CONFIG)
        timeline.append("divergence" in diagnoser.active)
    assert timeline == [False, False, True, True, True, True]


@pytest.mark.parametrize("loss", ["non_saturating", "minimax", "least_squares", "hinge"])
def test_losses_at_their_starting_level_are_not_growth(loss):
    """A run whose losses stay where an untrained D puts them, or somewhat above (a strong D
    pushes the non-saturating G loss to ~10), is not diverging."""
    config = CONFIG.with_values({"training.loss": loss})
    level = start_scale(loss)
    history = healthy_history(d_loss=lambda s: level, g_loss=lambda s: level if s < 1000 else 8 * level)
    diagnoser = Diagnoser()
    assert "divergence" not in run_checks(
        diagnoser, history, lambda s: Measures(s, 0.8), [500, 1000, 1500, 2000, 2500, 3000], config
    )


def test_switching_to_a_loss_of_another_scale_is_not_divergence():
    """Wasserstein losses near 0.01, then the cross-entropy loss's ~1.4 after a live switch."""
    history = healthy_history(
        steps=3000, d_loss=lambda s: 0.01 if s <= 1500 else 1.4, g_loss=lambda s: 0.01 if s <= 1500 else 0.7
    )
    wgan = CONFIG.with_values({"training.loss": "wasserstein"})
    diagnoser = Diagnoser()
    for step in (500, 1000, 1500):
        diagnoser.update(Measures(step, 0.8), history, wgan)
    for step in (2000, 2500, 3000):
        diagnoser.update(Measures(step, 0.8), history, CONFIG)
    assert "divergence" not in diagnoser.active
    restored = Diagnoser()
    restored.load_state_dict(diagnoser.state_dict())
    assert restored.state_dict()["loss_kind"] == "non_saturating"


def test_remedies_fit_the_run():
    diagnoser, history = Diagnoser(), healthy_history()
    smoothed = CONFIG.with_values({"training.label_smoothing": 0.1, "training.ema": True})
    for step in (1500, 2000):
        diagnoser.update(Measures(step, 0.05, 1, 10, 0.9), history, smoothed)
    remedies = " ".join(diagnoser.warnings[0].remedies)
    assert "label smoothing" not in remedies and "training.ema" not in remedies and "batch" in remedies


def test_a_generator_still_learning_is_not_called_collapsed(digits_dir):
    # 40% clean digits of every class, 60% noise: no class reaches 5% of all samples, but the
    # recognisable ones are of all ten, and the classifier's mean confidence passes 0.5.
    probe = digits_probe(digits_dir)
    noise = np.random.default_rng(0).uniform(-1.0, 1.0, (600, 784)).astype(np.float32)
    report = probe.report(np.concatenate([held_out_digits(400), noise]))
    assert report.coverage.classes_covered < 5 and report.coverage.classes_drawn == 10
    assert report.coverage.mean_confidence >= 0.5
    assert run_checks(Diagnoser(), healthy_history(), lambda s: report.measures(s, 10), range(1500, 3001, 500)) == {}
