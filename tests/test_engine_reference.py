"""The fast engine's training step against the teaching engine (ganstudio/engine/reference.py).

Both start from the same weights (the fast engine's initial ones, copied), see the same real
batches and the same noise (two Generators of one seed: the fast engine draws each D step's z
from its own, the test draws the reference's in the same order), and train for several
iterations with k = 2 D steps, label smoothing, G's EMA and a decaying lr schedule, which each
engine's optimizers apply themselves from the run's step and epoch. After every iteration the
reported metrics (the lrs used among them) must agree, and at the end the weights of G and D,
G's EMA and the optimizers' step counts: to rounding in float64, and to float32's precision when
the fast engine runs as it ships. D's lr is twice G's, so that swapping them shows.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ganstudio.engine.activations import ACTIVATIONS
from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.losses import LOSSES
from ganstudio.engine.network import MLP, NetworkSpec
from ganstudio.engine.optimizers import OPTIMIZERS, OptimizerSpec
from ganstudio.engine.reference import ReferenceGAN, copy
from ganstudio.engine.schedules import SCHEDULES, ScheduleSpec, lr_factor

N, LATENT, DATA, ITERATIONS = 16, 6, 10, 6
EPOCH = 2  # iterations per (notional) epoch: the run's clock handed to both engines is (i, i // EPOCH)
DECAY = ScheduleSpec("inverse_time", decay=0.1)  # the schedule of every comparison that is not about schedules

# Every schedule kind, each changing the lr within ITERATIONS steps (or EPOCH-long epochs).
SCHEDULE_SPECS = {
    "constant": ScheduleSpec("constant"),
    "step": ScheduleSpec("step", gamma=0.5, step_size=2),
    "exponential": ScheduleSpec("exponential", gamma=0.8),
    "inverse_time": ScheduleSpec("inverse_time", decay=0.3),
    "cosine": ScheduleSpec("cosine", warmup=2, total=5, min_factor=0.1),
    "two_phase": ScheduleSpec("two_phase", boundary=3, factor=0.1),
    "step by epoch": ScheduleSpec("step", unit="epoch", gamma=0.5, step_size=1),
}

# Every optimizer kind (momentum twice: plain and Nesterov), each with an lr that moves the weights visibly in a few steps.
OPTIMIZER_SPECS = {
    "sgd": OptimizerSpec("sgd", lr=0.05),
    "momentum": OptimizerSpec("momentum", lr=0.02, momentum=0.9),
    "nesterov": OptimizerSpec("momentum", lr=0.02, momentum=0.8, nesterov=True),
    "rmsprop": OptimizerSpec("rmsprop", lr=2e-3, rho=0.9, eps=1e-8),
    "adam": OptimizerSpec("adam", lr=2e-3, beta1=0.5, beta2=0.999, eps=1e-8),
}

# (rtol, atol) for the weights' displacement from their start, and for the metrics.
TOLERANCE = {np.float64: (1e-11, 1e-14), np.float32: (2e-5, 2e-6)}


def layers(net: MLP) -> list[dict[str, np.ndarray]]:
    """The fast network's weights as the reference's layer dicts (views)."""
    return [{"W": layer.w, "b": layer.b} for layer in net.layers]


def build(loss: str, opt: OptimizerSpec, dtype, g_hidden="relu", g_output="tanh", d_hidden="leaky_relu", schedule=DECAY):
    """A fast GAN of `dtype` and a reference GAN holding a float64 copy of its initial weights."""
    g = NetworkSpec(LATENT, (12, 8), DATA, g_hidden, g_output, alpha=0.3)
    d = NetworkSpec(DATA, (12, 8), 1, d_hidden, "linear", alpha=0.2)
    training = TrainingSpec(loss, d_steps=2, label_smoothing=0.1, clip=0.08, ema=True, ema_decay=0.9)
    d_opt = dataclasses.replace(opt, lr=opt.lr * 2)
    fast = GAN(g, d, opt, d_opt, training, np.random.default_rng(0), dtype, schedule=schedule)
    ref = ReferenceGAN(layers(fast.generator), layers(fast.discriminator), g, d, opt, d_opt, training, schedule)
    return fast, ref


def train_both(fast: GAN, ref: ReferenceGAN, dtype, iterations=ITERATIONS, on_iteration=None) -> list[tuple[float, float]]:
    """Run both GANs on the same batches and noise, comparing the reported metrics each iteration.
    on_iteration(i) may change both GANs' settings between iterations. Returns the (G, D) lrs the
    fast engine reported, one pair per iteration."""
    rtol, atol = TOLERANCE[dtype]
    data_rng = np.random.default_rng(1)
    fast_rng, ref_rng = np.random.default_rng(2), np.random.default_rng(2)
    lrs = []
    for i in range(iterations):
        if on_iteration is not None:
            on_iteration(i)
        reals = [data_rng.uniform(-1, 1, (N, DATA)).astype(dtype) for _ in range(fast.training.d_steps)]
        batches = iter(reals)
        got = fast.train_step(lambda batches=batches: next(batches), fast_rng, i, i // EPOCH)
        zs = [ref_rng.standard_normal((N, LATENT), dtype=dtype) for _ in reals]  # the draws the fast engine made
        want = ref.step(reals, zs, i, i // EPOCH)
        for field, value in dataclasses.asdict(want).items():
            assert getattr(got, field) == pytest.approx(value, rel=rtol, abs=atol), f"iteration {i}: {field}"
        lrs.append((got.lr_g, got.lr_d))
    return lrs


def assert_same_weights(fast_layers, start, ref_layers, dtype, what):
    """Compare how far each parameter moved from `start` in both engines (the displacement is what the steps
    computed; the weights themselves would hide a wrong step under their magnitude)."""
    rtol, atol = TOLERANCE[dtype]
    for i, (f, s, r) in enumerate(zip(fast_layers, start, ref_layers)):
        for k in ("W", "b"):
            np.testing.assert_allclose(f[k] - s[k], r[k] - s[k], rtol=rtol, atol=atol, err_msg=f"{what} layer {i} {k}")


def assert_same_state(fast: GAN, ref: ReferenceGAN, g_start, d_start, dtype):
    assert_same_weights(layers(fast.generator), g_start, ref.G, dtype, "G")
    assert_same_weights(layers(fast.discriminator), d_start, ref.D, dtype, "D")
    ema = fast.generator.params.unflatten(fast.ema.shadow)  # W, b of each layer in turn
    assert_same_weights([{"W": w, "b": b} for w, b in zip(ema[::2], ema[1::2])], g_start, ref.ema, dtype, "G's EMA")
    assert fast.g_optimizer.t == ref.g_state["t"]
    assert fast.d_optimizer.t == ref.d_state["t"] == fast.training.d_steps * ref.g_state["t"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("opt", OPTIMIZER_SPECS, ids=str)
@pytest.mark.parametrize("loss", LOSSES)
def test_fast_step_matches_the_reference(loss, opt, dtype):
    fast, ref = build(loss, OPTIMIZER_SPECS[opt], dtype)
    g_start, d_start = copy(ref.G), copy(ref.D)
    train_both(fast, ref, dtype)
    assert_same_state(fast, ref, g_start, d_start, dtype)


def test_every_optimizer_kind_is_compared():
    assert {spec.kind for spec in OPTIMIZER_SPECS.values()} == set(OPTIMIZERS)
    assert any(spec.nesterov for spec in OPTIMIZER_SPECS.values())


@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_every_activation_matches_the_reference(hidden):
    fast, ref = build("least_squares", OPTIMIZER_SPECS["adam"], np.float64, g_hidden=hidden, g_output="sigmoid", d_hidden=hidden)
    g_start, d_start = copy(ref.G), copy(ref.D)
    train_both(fast, ref, np.float64)
    assert_same_state(fast, ref, g_start, d_start, np.float64)


def test_live_change_of_adams_betas_matches_textbook_adam():
    """The fast Adam rescales its unnormalised sums when beta changes; textbook Adam just goes on with m and v."""
    fast, ref = build("non_saturating", OPTIMIZER_SPECS["adam"], np.float64)
    g_start, d_start = copy(ref.G), copy(ref.D)

    def change_betas(i):
        if i == 3:
            ref.g_opt = dataclasses.replace(ref.g_opt, beta1=0.8, beta2=0.99)
            ref.d_opt = dataclasses.replace(ref.d_opt, beta1=0.7, beta2=0.95)
            fast.set_optimizer("g", ref.g_opt)
            fast.set_optimizer("d", ref.d_opt)

    train_both(fast, ref, np.float64, on_iteration=change_betas)
    assert_same_state(fast, ref, g_start, d_start, np.float64)


def scheduled(base_lr: float, schedule: ScheduleSpec, iterations=ITERATIONS) -> list[float]:
    """The lr `schedule` gives `base_lr` at each iteration of :func:`train_both`."""
    return [base_lr * lr_factor(schedule, i, i // EPOCH) for i in range(iterations)]


@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("schedule", SCHEDULE_SPECS)
def test_every_schedule_matches_the_reference(schedule, opt):
    """Each optimizer applies the schedule to its own base lr at the clock it is given, in every D step and the G step."""
    spec, sched = OPTIMIZER_SPECS[opt], SCHEDULE_SPECS[schedule]
    fast, ref = build("non_saturating", spec, np.float64, schedule=sched)
    g_start, d_start = copy(ref.G), copy(ref.D)
    lrs = train_both(fast, ref, np.float64)
    assert_same_state(fast, ref, g_start, d_start, np.float64)
    assert lrs == list(zip(scheduled(spec.lr, sched), scheduled(2 * spec.lr, sched)))
    if sched.kind != "constant":
        assert len(set(lrs)) > 1, "the schedule must change the lr within the test"


def test_every_schedule_kind_is_compared():
    assert {spec.kind for spec in SCHEDULE_SPECS.values()} == set(SCHEDULES)
    assert any(spec.unit == "epoch" for spec in SCHEDULE_SPECS.values())


def test_live_change_of_lr_and_schedule_matches_the_reference():
    """set_optimizer with a new lr (Adam's moments kept) and set_schedule between iterations: the next steps use the
    new base lr and the new schedule, as a reference optimizer given the same settings does."""
    fast, ref = build("non_saturating", OPTIMIZER_SPECS["adam"], np.float64)
    g_start, d_start = copy(ref.G), copy(ref.D)
    later = SCHEDULE_SPECS["step"]

    def change(i):
        if i == 2:
            ref.d_opt = dataclasses.replace(ref.d_opt, lr=1e-3)
            fast.set_optimizer("d", ref.d_opt)
        if i == 4:
            ref.schedule = later
            fast.set_schedule(later)

    lrs = train_both(fast, ref, np.float64, on_iteration=change)
    assert_same_state(fast, ref, g_start, d_start, np.float64)
    assert [d for _, d in lrs] == [*scheduled(4e-3, DECAY)[:2], *scheduled(1e-3, DECAY)[2:4], *scheduled(1e-3, later)[4:]]
