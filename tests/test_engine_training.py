"""Optimizers' first steps against the textbook formulas, schedules' known values, dtype
discipline, determinism and the GAN step's bookkeeping."""

import math

import numpy as np
import pytest

from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.losses import LOSSES
from ganstudio.engine.network import NetworkSpec
from ganstudio.engine.optimizers import EMA, OPTIMIZERS, OptimizerSpec, make_optimizer
from ganstudio.engine.reference import new_optimizer_state, optimizer_step
from ganstudio.engine.schedules import SCHEDULES, ScheduleSpec, lr_factor

GRADS = [np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, -0.2]), np.array([-0.4, 0.0, 1.0])]
START = np.array([1.0, -2.0, 0.5])


def reference(spec: OptimizerSpec) -> list[np.ndarray]:
    """The parameters after each of GRADS, by the teaching engine's textbook algorithms (float64), at the spec's lr."""
    layers = [{"p": START.copy()}]
    state = new_optimizer_state(layers)
    out = []
    for g in GRADS:
        optimizer_step(spec, ScheduleSpec(), state, layers, [{"p": g}], 0, 0)
        out.append(layers[0]["p"])
    return out


SPECS = [
    OptimizerSpec("sgd", lr=0.1),
    OptimizerSpec("momentum", lr=0.1, momentum=0.9),
    OptimizerSpec("momentum", lr=0.1, momentum=0.8, nesterov=True),
    OptimizerSpec("rmsprop", lr=0.1, rho=0.9, eps=1e-8),
    OptimizerSpec("adam", lr=0.1, beta1=0.5, beta2=0.999),
    OptimizerSpec("adam", lr=0.1, beta1=0.9, beta2=0.99, eps=1e-3),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.kind}-{s.nesterov}-{s.beta1}")
def test_optimizer_first_steps_match_the_textbook(spec):
    opt = make_optimizer(spec, 3)
    p = START.astype(np.float32)
    for g, expected in zip(GRADS, reference(spec)):
        opt.step(p, g.astype(np.float32), 0, 0)
        np.testing.assert_allclose(p, expected, rtol=2e-6, atol=2e-7)
        assert p.dtype == np.float32


def test_adam_first_step_is_lr_times_sign():
    opt = make_optimizer(OptimizerSpec("adam", lr=0.01, beta1=0.5), 3)
    p = np.zeros(3, np.float32)
    opt.step(p, np.array([3.0, -0.01, 7.0], np.float32), 0, 0)
    np.testing.assert_allclose(p, [-0.01, 0.01, -0.01], rtol=1e-5)


def test_an_optimizer_applies_its_base_lr_times_its_schedule_at_the_clock_it_is_given():
    """lr_at(step, epoch) = base lr * the schedule's factor, read on the schedule's unit; each update uses it."""
    halve_by_epoch = ScheduleSpec("step", unit="epoch", gamma=0.5, step_size=1)
    opt = make_optimizer(OptimizerSpec("sgd", lr=0.5), 1, schedule=halve_by_epoch)
    assert [opt.lr_at(0, 0), opt.lr_at(7, 0), opt.lr_at(0, 1), opt.lr_at(3, 2)] == [0.5, 0.5, 0.25, 0.125]
    p = np.zeros(1, np.float32)
    for step, epoch in ((0, 0), (1, 1), (2, 2)):
        opt.step(p, np.ones(1, np.float32), step, epoch)
    assert p[0] == np.float32(-(0.5 + 0.25 + 0.125)) and opt.t == 3
    opt.schedule = ScheduleSpec()  # a live change of schedule: the next update at the base lr
    opt.step(p, np.ones(1, np.float32), 3, 3)
    assert p[0] == np.float32(-1.375)


def test_adam_lr_and_beta_changes_keep_the_moments():
    spec = OptimizerSpec("adam", lr=0.1, beta1=0.5, beta2=0.999)
    opt = make_optimizer(spec, 3)
    p = START.astype(np.float32)
    opt.step(p, GRADS[0].astype(np.float32), 0, 0)
    # Change lr and beta1 between steps: m and v keep their values, the next update uses the new lr and beta.
    opt.spec = OptimizerSpec("adam", lr=0.05, beta1=0.8, beta2=0.999)
    opt.step(p, GRADS[1].astype(np.float32), 1, 0)
    m = 0.5 * 0 + 0.5 * GRADS[0]
    v = 0.001 * GRADS[0] ** 2
    m = 0.8 * m + 0.2 * GRADS[1]
    v = 0.999 * v + 0.001 * GRADS[1] ** 2
    expected = reference(OptimizerSpec("adam", lr=0.1, beta1=0.5))[0] - 0.05 * (m / (1 - 0.8**2)) / (
        np.sqrt(v / (1 - 0.999**2)) + 1e-8
    )
    np.testing.assert_allclose(p, expected, rtol=2e-6)


def test_ema_follows_the_closed_form():
    params = np.zeros(2, np.float32)
    ema = EMA(params, decay=0.9)
    params[:] = 1.0
    ema.update(params)  # t=1: decay min(0.9, 2/11)
    np.testing.assert_allclose(ema.shadow, 1 - 2 / 11, rtol=1e-6)
    ema.update(params)  # t=2: decay min(0.9, 3/12)
    np.testing.assert_allclose(ema.shadow, 1 - (2 / 11) * (3 / 12), rtol=1e-6)


@pytest.mark.parametrize(
    "spec, t, expected",
    [
        (ScheduleSpec("constant"), 123, 1.0),
        (ScheduleSpec("step", gamma=0.5, step_size=100), 99, 1.0),
        (ScheduleSpec("step", gamma=0.5, step_size=100), 250, 0.25),
        (ScheduleSpec("exponential", gamma=0.99), 10, 0.99**10),
        (ScheduleSpec("inverse_time", decay=1e-4), 5000, 1 / 1.5),
        (ScheduleSpec("cosine", warmup=10, total=110), 0, 0.1),
        (ScheduleSpec("cosine", warmup=10, total=110), 9, 1.0),
        (ScheduleSpec("cosine", warmup=10, total=110), 60, 0.5),
        (ScheduleSpec("cosine", warmup=10, total=110, min_factor=0.1), 110, 0.1),
        (ScheduleSpec("cosine", warmup=10, total=110, min_factor=0.1), 500, 0.1),
        (ScheduleSpec("two_phase", boundary=1000, factor=0.01), 999, 1.0),
        (ScheduleSpec("two_phase", boundary=1000, factor=0.01), 1000, 0.01),
    ],
)
def test_schedule_known_values(spec, t, expected):
    value = lr_factor(spec, step=t, epoch=0)
    assert type(value) is float
    assert value == pytest.approx(expected, rel=1e-12)


def test_schedule_unit_chooses_the_clock():
    spec = ScheduleSpec("inverse_time", unit="epoch", decay=0.5)
    assert lr_factor(spec, step=10_000, epoch=2) == pytest.approx(0.5)
    assert lr_factor(ScheduleSpec("inverse_time", unit="step", decay=0.5), step=2, epoch=99) == pytest.approx(0.5)


def tiny_gan(loss="non_saturating", opt="adam", seed=0, schedule=ScheduleSpec(), **training):
    g = NetworkSpec(8, (16,), 12, "relu", "tanh")
    d = NetworkSpec(12, (16,), 1, "leaky_relu", "linear", alpha=0.2, dropout=training.pop("dropout", 0.0))
    spec = OptimizerSpec(opt, lr=1e-3)
    return GAN(g, d, spec, spec, TrainingSpec(loss, **training), np.random.default_rng(seed), schedule=schedule)


def run(gan, steps, seed=1, start=0):
    """`steps` iterations from step `start`, four iterations to an epoch; the last one's metrics."""
    rng = np.random.default_rng(seed)
    data = rng.uniform(-1, 1, (64, 12)).astype(np.float32)
    metrics = None
    for step in range(start, start + steps):
        metrics = gan.train_step(lambda: data[rng.integers(0, 48) :][:16], rng, step, step // 4)
    return metrics


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("opt", OPTIMIZERS)
def test_parameters_stay_float32_with_every_schedule_and_optimizer(schedule, opt):
    gan = tiny_gan(opt=opt, ema=True, schedule=ScheduleSpec(schedule, gamma=0.9, step_size=2, warmup=2, total=5, boundary=3))
    run(gan, 6)
    arrays = [gan.generator.params.values, gan.discriminator.params.values, gan.ema.shadow]
    arrays += list(gan.g_optimizer.state.values()) + list(gan.d_optimizer.state.values())
    assert all(a.dtype == np.float32 for a in arrays)


@pytest.mark.parametrize("loss", LOSSES)
def test_same_seed_gives_bit_identical_weights(loss):
    a, b = tiny_gan(loss, dropout=0.3), tiny_gan(loss, dropout=0.3)
    run(a, 25)
    run(b, 25)
    assert np.array_equal(a.generator.params.values, b.generator.params.values)
    assert np.array_equal(a.discriminator.params.values, b.discriminator.params.values)
    c = tiny_gan(loss, seed=5, dropout=0.3)
    run(c, 25)
    assert not np.array_equal(a.generator.params.values, c.generator.params.values)


def test_train_step_reports_finite_metrics_and_moves_both_networks():
    gan = tiny_gan()
    g0, d0 = gan.generator.params.values.copy(), gan.discriminator.params.values.copy()
    m = run(gan, 3)
    assert all(math.isfinite(v) for v in (m.d_loss, m.g_loss, m.d_grad_norm, m.g_grad_norm))
    assert 0 < m.d_real < 1 and 0 < m.d_fake < 1
    assert m.lr_d == m.lr_g == pytest.approx(1e-3)
    assert not np.array_equal(g0, gan.generator.params.values)
    assert not np.array_equal(d0, gan.discriminator.params.values)


def test_k_discriminator_steps_per_generator_step():
    gan = tiny_gan(d_steps=3)
    run(gan, 4)
    assert gan.d_optimizer.t == 12 and gan.g_optimizer.t == 4


def test_wasserstein_clips_the_critic():
    gan = tiny_gan("wasserstein", opt="rmsprop", clip=0.01)
    run(gan, 3)
    assert np.abs(gan.discriminator.params.values).max() <= 0.01


def test_optimizer_kind_change_resets_state_but_lr_change_keeps_it():
    gan = tiny_gan()
    run(gan, 3)
    m_before = gan.g_optimizer.state["m_sum"].copy()
    gan.set_optimizer("g", OptimizerSpec("adam", lr=5e-4))
    assert np.array_equal(gan.g_optimizer.state["m_sum"], m_before)
    gan.set_optimizer("g", OptimizerSpec("sgd", lr=5e-4))
    assert gan.g_optimizer.kind == "sgd" and gan.g_optimizer.t == 0


def test_a_schedule_change_reaches_both_optimizers_and_outlives_a_new_optimizer_or_network():
    drop = ScheduleSpec("two_phase", boundary=2, factor=0.1)
    gan = tiny_gan(schedule=drop)
    assert run(gan, 2).lr_g == 1e-3 and run(gan, 1, start=2).lr_d == 1e-3 * 0.1
    decay = ScheduleSpec("inverse_time", decay=1.0)
    gan.set_schedule(decay)
    m = run(gan, 1, start=3)
    assert m.lr_g == m.lr_d == 1e-3 / 4
    gan.set_optimizer("g", OptimizerSpec("sgd", lr=5e-4))  # a new kind: a fresh optimizer, on the same schedule
    gan.rebuild("d", NetworkSpec(12, (8,), 1, "leaky_relu", "linear"), OptimizerSpec("adam", lr=2e-3), np.random.default_rng(3))
    assert gan.learning_rates(3, 0) == (5e-4 / 4, 2e-3 / 4)


def test_rebuild_generator_keeps_the_discriminator():
    gan = tiny_gan()
    run(gan, 3)
    d_before = gan.discriminator.params.values.copy()
    gan.rebuild("g", NetworkSpec(8, (32, 32), 12, "elu", "tanh"), OptimizerSpec("adam"), np.random.default_rng(3))
    assert gan.generator.params.size == 8 * 32 + 32 + 32 * 32 + 32 + 32 * 12 + 12
    assert np.array_equal(gan.discriminator.params.values, d_before)
    run(gan, 2)


def test_state_dict_round_trip_restores_training_exactly():
    a = tiny_gan()
    run(a, 5)
    state = a.state_dict()
    b = tiny_gan(seed=9)
    b.load_state_dict(state)
    run(a, 5, seed=3)
    run(b, 5, seed=3)
    assert np.array_equal(a.generator.params.values, b.generator.params.values)
