"""The training session: live changes, revert, reset, stop conditions, divergence guard,
bounded history and bit-exact checkpoints."""

import re

import numpy as np
import pytest

from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.engine.gan import StepMetrics
from ganstudio.record.history import History
from ganstudio.run import commands as cmd
from ganstudio.run.change_plan import Outcome
from ganstudio.run.checkpoint import Checkpoint, CheckpointError, load_session, save_checkpoint
from ganstudio.run.session import Session

SMALL = {"data.dataset": "synthetic-digits", "generator.hidden": "32", "discriminator.hidden": "32", "data.batch_size": "32"}


def small_session(**changes) -> Session:
    return Session(RunConfig().with_values({**SMALL, **changes}))


def train(session, n):
    for _ in range(n):
        assert session.step() is not None


def weights(session):
    return session.gan.generator.params.values.copy(), session.gan.discriminator.params.values.copy()


def same_weights(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_resume_from_a_checkpoint_is_bit_exact(tmp_path, digits_dir):
    config = load_preset("vanilla")  # MNIST, read from the MNIST-format digits of digits_dir
    straight = Session(config, data_dir=str(digits_dir))
    assert straight.dataset.name == "mnist" and straight.dataset.x.shape[1] == 784
    train(straight, 400)

    first = Session(config, data_dir=str(digits_dir))
    train(first, 200)
    assert first.epoch > 10 and first.batches.step_in_epoch > 0  # saved mid-epoch, after many reshuffles
    save_checkpoint(first, tmp_path / "checkpoint.npz")
    resumed = load_session(tmp_path / "checkpoint.npz", data_dir=str(digits_dir))
    assert resumed.step_count == 200 and len(resumed.history) == 200
    train(resumed, 200)
    assert same_weights(weights(resumed), weights(straight))
    assert np.array_equal(resumed.gan.g_optimizer.state["m_sum"], straight.gan.g_optimizer.state["m_sum"])
    assert resumed.epoch == straight.epoch


def test_reset_reinitialises_from_the_seed():
    session = small_session()
    initial = weights(session)
    train(session, 20)
    assert not same_weights(weights(session), initial)
    session.apply(cmd.Reset())
    assert session.step_count == 0 and len(session.history) == 0
    assert same_weights(weights(session), initial)
    assert same_weights(weights(small_session()), initial)


def test_lr_change_is_live_recorded_and_keeps_adam_moments():
    session = small_session()
    train(session, 10)
    moments = session.gan.g_optimizer.state["m_sum"].copy()
    session.apply(cmd.SetParam("optimizer.g.lr", "1e-3"))
    assert np.array_equal(session.gan.g_optimizer.state["m_sum"], moments)
    event = session.history.events[-1]
    assert (event.step, event.key, event.old, event.new) == (10, "optimizer.g.lr", "0.0002", "0.001")
    train(session, 1)
    assert session.history.latest()["lr_g"] == pytest.approx(1e-3)
    assert session.history.latest()["lr_d"] == pytest.approx(2e-4)


def test_schedule_change_is_live_in_the_optimizers_and_revert_brings_the_old_one_back():
    session = small_session()
    train(session, 10)
    session.apply(cmd.SetParam("schedule.kind", "two_phase"))
    session.apply(cmd.SetParam("schedule.boundary", "12"))  # factor 0.01 from step 12
    assert session.gan.g_optimizer.schedule == session.gan.d_optimizer.schedule == session.config.schedule
    train(session, 3)
    for name in ("lr_g", "lr_d"):  # the steps taken at steps 10, 11 and 12 (recorded as 11, 12, 13)
        assert session.history.series(name)[1][-3:].tolist() == pytest.approx([2e-4, 2e-4, 2e-6], rel=1e-6)
    session.apply(cmd.RevertLastChange())  # the boundary, then the kind: back to step 10, constant again
    session.apply(cmd.RevertLastChange())
    assert session.step_count == 10 and session.gan.g_optimizer.schedule.kind == "constant"
    train(session, 3)
    assert session.history.latest()["lr_g"] == session.history.latest()["lr_d"] == pytest.approx(2e-4)


def test_revert_last_change_restores_weights_optimizer_and_rng_exactly():
    control = small_session()
    session = small_session()
    train(control, 15)
    train(session, 15)
    session.apply(cmd.SetParam("optimizer.lr", "5e-3"))
    session.apply(cmd.SetParam("training.loss", "hinge"))
    train(session, 10)
    session.apply(cmd.RevertLastChange())  # undoes the loss change: back to step 15
    assert session.step_count == 15 and session.config.training.loss == "non_saturating"
    assert session.config.optimizer.g.lr == 5e-3
    session.apply(cmd.RevertLastChange())  # undoes the lr change
    assert session.config.optimizer.g.lr == 2e-4
    assert same_weights(weights(session), weights(control))
    train(session, 10)
    train(control, 10)
    assert same_weights(weights(session), weights(control))
    assert session.history.last_step == 25


def test_optimizer_kind_change_rebuilds_its_state_and_revert_brings_adam_back():
    session = small_session()
    train(session, 5)
    session.apply(cmd.SetParam("optimizer.d.kind", "rmsprop"))
    assert session.gan.d_optimizer.kind == "rmsprop" and session.gan.g_optimizer.kind == "adam"
    train(session, 3)
    session.apply(cmd.RevertLastChange())
    assert session.gan.d_optimizer.kind == "adam" and session.gan.d_optimizer.t == 5


def test_architecture_edit_is_pending_until_rebuild_and_keeps_the_other_network():
    session = small_session()
    train(session, 5)
    session.apply(cmd.SetParam("generator.hidden", "64, 64"))
    assert session.pending == {"generator.hidden": (64, 64)}
    assert session.gan.generator.spec.hidden == (32,)
    train(session, 1)
    d_before = session.gan.discriminator.params.values.copy()
    session.apply(cmd.Rebuild("g"))
    assert np.array_equal(session.gan.discriminator.params.values, d_before)
    assert session.pending == {} and session.gan.generator.spec.hidden == (64, 64)
    assert session.config.generator.hidden == (64, 64)
    assert "rebuilt G" in session.history.events[-1].label
    d_now = session.gan.discriminator.params.values.copy()
    session.apply(cmd.SetParam("discriminator.dropout", "0.3"))
    session.apply(cmd.Rebuild("d"))
    assert session.gan.discriminator.spec.dropout == 0.3 and session.gan.generator.spec.hidden == (64, 64)
    assert not np.array_equal(session.gan.discriminator.params.values, d_now)
    train(session, 2)


def test_batch_size_and_class_subset_change_live():
    session = small_session()
    train(session, 3)
    session.apply(cmd.SetParam("data.batch_size", "16"))
    session.apply(cmd.SetParam("data.classes", "[7]"))
    assert set(session.dataset.labels) == {7}
    assert session.batches.batch_size == 16
    train(session, 3)
    with pytest.raises(ConfigError, match="batch_size"):
        session.apply(cmd.SetParam("data.batch_size", "4000"))
    with pytest.raises(ConfigError, match="Reset"):
        session.apply(cmd.SetParam("data.dataset", "ring8"))
    assert session.config.data.dataset == "synthetic-digits"


def test_seed_change_applies_at_reset():
    session = small_session()
    session.apply(cmd.SetParam("seed", "5"))
    assert session.config.seed == 0 and session.pending == {"seed": 5}
    session.apply(cmd.Reset())
    assert session.config.seed == 5 and session.pending == {}
    assert same_weights(weights(session), weights(small_session(seed="5")))


def test_stop_conditions_pause_the_run():
    session = small_session()
    session.apply(cmd.SetStopCondition(cmd.StopCondition(at_step=7)))
    session.apply(cmd.Resume())
    while not session.paused:
        session.step()
    assert session.step_count == 7 and "step 7" in session.message


def test_divergence_guard_restores_the_last_good_state_and_explains():
    session = Session(
        RunConfig().with_values(
            {
                **SMALL,
                "optimizer.kind": "sgd",
                "optimizer.lr": "5",
                "generator.init": "normal",
                "generator.init_std": "5",
                "training.loss": "least_squares",
            }
        ),
        guard_every=1,
    )
    session.apply(cmd.Resume())
    for _ in range(100):
        if session.step() is None:
            break
    assert session.paused
    assert "diverged" in session.message and "lower the learning rate" in session.message
    assert all(np.isfinite(w).all() for w in weights(session))
    assert np.isfinite(session.history.series("g_loss")[1]).all()


def test_history_memory_is_bounded_for_a_million_steps():
    history = History()
    row = StepMetrics(*(1.0,) * 8)
    for step in range(1, 1_000_001):
        history.append(step, row, 1.0)
    assert history.nbytes() < 8_000_000
    steps, values = history.series("d_loss")
    assert len(history) == 1_000_000 and steps[0] < 200 and steps[-1] == 1_000_000
    assert np.all(np.diff(steps) > 0) and np.all(values == 1.0)


def test_history_folds_old_steps_into_bucket_means():
    history = History(window=100, bucket=10)
    for step in range(1, 201):
        history.append(step, StepMetrics(float(step), *(0.0,) * 7), 1.0)
    steps, values = history.series("d_loss")
    assert values[0] == pytest.approx(5.5) and steps[-1] == 200


def test_damaged_or_foreign_checkpoints_give_a_clear_error(tmp_path):
    session = small_session()
    train(session, 3)
    good = save_checkpoint(session, tmp_path / "c.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:2000])
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.zeros(3))
    for path, words in (
        (truncated, "damaged"),
        (text, "not a GAN Studio checkpoint"),
        (foreign, "not a GAN Studio checkpoint"),
        (tmp_path / "none.npz", "no such file"),
    ):
        with pytest.raises(CheckpointError, match=words):
            Checkpoint(path)
    assert Checkpoint(good).build_gan().generator.spec.hidden == (32,)


def test_snapshot_is_a_copy_with_grid_and_series():
    session = small_session()
    train(session, 5)
    snap = session.snapshot()
    assert snap.step == 5 and snap.grid.dtype == np.uint8 and snap.grid.shape == (8 * 29 + 1, 8 * 29 + 1)
    assert len(snap.series["g_loss"][0]) == 5
    train(session, 5)
    assert len(snap.series["g_loss"][0]) == 5


def test_two_dimensional_dataset_snapshot_has_points():
    session = Session(load_preset("ring8"))
    train(session, 3)
    snap = session.snapshot()
    assert snap.grid is None and snap.points.shape == (1000, 2) and snap.real_points.shape == (1000, 2)


def test_a_g_only_step_after_a_d_only_step_goes_on_exactly_after_a_save_and_resume(tmp_path):
    """Nothing passes from one step to the next but the saved state: D only, save, resume, G only
    gives the weights of D only then G only in one session (a G-only step draws its own fakes)."""
    straight = small_session()
    for _ in range(5):
        straight.step()
    straight.apply(cmd.StepOnce("d"))
    path = save_checkpoint(straight, tmp_path / "checkpoint.npz")
    straight.apply(cmd.StepOnce("g"))
    resumed = load_session(path)
    resumed.apply(cmd.StepOnce("g"))
    a, b = straight.gan.state_dict(), resumed.gan.state_dict()
    assert resumed.step_count == straight.step_count == 7
    assert all(np.array_equal(a[k], b[k]) for k in a)


# -- preview and the journal -----------------------------------------------------------------------
def test_preview_says_live_pending_needs_reset_or_refused_and_apply_does_just_that():
    session = small_session()
    train(session, 3)
    previews = {
        key: session.preview(key, value)
        for key, value in [
            ("optimizer.lr", "1e-3"),
            ("generator.hidden", "48"),
            ("data.dataset", "ring8"),
            ("data.batch_size", "0"),
        ]
    }
    assert {k: p.outcome for k, p in previews.items()} == {
        "optimizer.lr": Outcome.LIVE,
        "generator.hidden": Outcome.PENDING,
        "data.dataset": Outcome.NEEDS_RESET,
        "data.batch_size": Outcome.REFUSED,
    }
    assert previews["data.dataset"].reason.endswith("press Reset to start over with it")
    assert previews["data.batch_size"].reason.startswith("data.batch_size: 0 is outside the allowed range")
    assert previews["generator.hidden"].pending == {"generator.hidden": (48,)}
    for key in ("data.dataset", "data.batch_size"):  # refused by apply with the preview's reason, not journaled
        with pytest.raises(ConfigError, match=re.escape(previews[key].reason)):
            session.apply(cmd.SetParam(key, previews[key].value))
    session.apply(cmd.SetParam("generator.hidden", "48"))
    session.apply(cmd.SetParam("optimizer.lr", "1e-3"))
    assert session.pending == {"generator.hidden": (48,)} and session.config.optimizer.d.lr == 1e-3
    pending, live = session.changes.entries
    assert pending.outcome is Outcome.PENDING
    assert (pending.before, pending.after) == ({"generator.hidden": (32,)}, {"generator.hidden": (48,)})
    assert (live.outcome, live.command) == (Outcome.LIVE, cmd.SetParam("optimizer.lr", 1e-3))
    assert live.after == {"optimizer.g.lr": 1e-3, "optimizer.d.lr": 1e-3}


def test_an_edit_that_does_not_fit_the_pending_edits_is_refused():
    """training.conditional waits for Apply; a dataset without labels does not fit it."""
    session = small_session()
    session.apply(cmd.SetParam("training.conditional", "true"))
    p = session.preview("data.dataset", "ring8")
    assert p.outcome is Outcome.REFUSED and p.reason.startswith("training.conditional: the dataset 'ring8' has no class labels")
    assert session.preview("data.classes", "[3]").outcome is Outcome.LIVE


def test_revert_is_journaled_and_its_marker_names_the_change_it_undid():
    session = small_session()
    train(session, 4)
    session.apply(cmd.SetParam("optimizer.d.lr", "1e-3"))
    session.apply(cmd.SetParam("generator.hidden", "48"))
    train(session, 2)
    session.apply(cmd.Rebuild("g"))
    train(session, 3)
    session.apply(cmd.RevertLastChange())
    assert [c.action for c in session.changes.entries][-2:] == [{"apply": "g"}, {"revert": True, "to": 6}]
    assert [e.label for e in session.history.events] == [
        "optimizer.d.lr 0.0002 -> 0.001",
        "reverted rebuilt G: hidden [32] -> [48]",
    ]
