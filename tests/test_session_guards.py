"""Live changes never break a run: the divergence guard, revert and Apply after any change,
checked on the cases a fault audit found, then by random command sequences (the fuzz).

After each sequence of commands the run is written, read back and replayed, and the replay's
weights must equal the run's bit for bit. The suite runs a few hundred commands; set
GANSTUDIO_FUZZ_COMMANDS=20000 for a long soak (each dataset gets that many; `-s` shows the counts).
"""

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.data import DatasetError
from ganstudio.record.history import EventKind
from ganstudio.run import commands as cmd
from ganstudio.run.changelog import changed_settings, replay
from ganstudio.run.checkpoint import load_session, save_checkpoint
from ganstudio.run.session import Session
from ganstudio.runs.library import Run, read_run

SMALL = {"data.dataset": "synthetic-digits", "generator.hidden": "32", "discriminator.hidden": "32", "data.batch_size": "32"}
BLOW_UP = {"optimizer.lr": "10", "training.loss": "least_squares"}  # diverges within a few dozen steps


def small_session(**changes) -> Session:
    return Session(RunConfig().with_values({**SMALL, **changes}))


def train(session, n):
    for _ in range(n):
        assert session.step() is not None


def train_until_divergence(session, limit=2000):
    for _ in range(limit):
        if session.step() is None:
            return
    pytest.fail("the run did not diverge")


def same_state(a: dict, b: dict, ignore: tuple[str, ...] = ()) -> bool:
    """Two saved run states hold the same values (arrays compared exactly), but for the keys
    starting with one of `ignore`."""
    if a.keys() != b.keys():
        return False
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a if k != "elapsed" and not k.startswith(ignore))


@pytest.mark.parametrize(
    "change",
    [
        {"optimizer.kind": "momentum"},
        {"data.batch_size": "16"},
        {"data.classes": "[3]"},
        {"training.ema": "true", "training.d_steps": "2"},
    ],
    ids=["optimizer-kind", "batch-size", "class-subset", "ema-and-k"],
)
def test_divergence_after_a_live_change_goes_back_to_just_after_that_change(change):
    session = small_session(**{"optimizer.kind": "sgd", "optimizer.lr": "0.01"})
    train(session, 250)  # the guard's periodic restore point was taken at step 200
    for key, value in {**change, **BLOW_UP}.items():
        session.apply(cmd.SetParam(key, value))
    after_change = session.state_dict()
    train_until_divergence(session)
    assert session.paused and session.divergence is not None and "diverged" in session.message
    assert session.step_count == 250  # not step 200: the steps since the change were kept
    assert same_state(session.state_dict(), after_change, ignore=("history/event",))
    assert session.history.events[-1].kind is EventKind.DIVERGED
    lowered = {"optimizer.lr": "0.001"}
    session.apply(cmd.SetParam(*lowered.popitem()))
    session.apply(cmd.Resume())
    train(session, 20)  # "lower the lr and resume" works


def test_apply_with_another_output_activation_rescales_the_real_data(tmp_path):
    session = small_session()
    train(session, 30)
    assert session.dataset.x.min() < -0.9  # tanh: real data in [-1, 1]
    session.apply(cmd.SetParam("generator.output", "sigmoid"))
    session.apply(cmd.Rebuild("g"))
    assert session.config.value_range == (0.0, 1.0)
    assert session.dataset.x.min() >= 0.0 and session.dataset.x.max() <= 1.0
    save_checkpoint(session, tmp_path / "after-apply.npz")
    train(session, 40)
    resumed = load_session(tmp_path / "after-apply.npz")
    train(resumed, 40)  # the run resumed from its checkpoint trains exactly as the live one
    assert np.array_equal(resumed.gan.generator.params.values, session.gan.generator.params.values)
    assert np.array_equal(resumed.gan.discriminator.params.values, session.gan.discriminator.params.values)


def test_a_rollback_forgets_the_frames_of_the_abandoned_steps_and_records_again():
    session = small_session(**{"view.record_every": "5", "optimizer.kind": "sgd", "optimizer.lr": "0.01"})
    train(session, 20)
    for key, value in BLOW_UP.items():
        session.apply(cmd.SetParam(key, value))
    train_until_divergence(session)
    assert session.step_count == 20
    assert session.recorder.steps.tolist() == [5, 10, 15, 20]
    session.apply(cmd.SetParam("optimizer.lr", "0.001"))
    train(session, 5)
    assert session.recorder.steps.tolist() == [5, 10, 15, 20, 25]


def test_revert_forgets_the_frames_and_history_of_the_reverted_steps():
    session = small_session(**{"view.record_every": "5"})
    train(session, 10)
    session.apply(cmd.SetParam("optimizer.lr", "0.001"))
    train(session, 12)
    session.apply(cmd.RevertLastChange())
    assert session.step_count == 10 and session.history.last_step == 10
    assert session.recorder.steps.tolist() == [5, 10]
    train(session, 5)
    assert session.recorder.steps.tolist() == [5, 10, 15]


def test_revert_after_a_rollback_never_moves_the_run_forward():
    session = small_session(**{"optimizer.kind": "sgd", "optimizer.lr": "0.01"})
    train(session, 30)
    session.apply(cmd.SetParam("optimizer.d.lr", "0.02"))  # revert point: step 30
    train(session, 150)
    for key, value in BLOW_UP.items():
        session.apply(cmd.SetParam(key, value))
    train_until_divergence(session)
    rolled_back_to = session.step_count
    while session.can_revert:
        session.apply(cmd.RevertLastChange())
        assert session.step_count <= rolled_back_to
        assert session.history.last_step == session.step_count
    assert session.step_count == 30 and session.config.optimizer.d.lr == 0.01


def test_a_failed_data_change_leaves_the_run_as_it_was(tmp_path):
    session = small_session()
    train(session, 5)
    before = session.state_dict()
    with pytest.raises((ConfigError, DatasetError)):
        session.apply(cmd.SetParam("data.batch_size", "100000"))
    assert same_state(session.state_dict(), before)


# -- the fuzz: random command sequences, invariants after each ---------------------------------------
def check_invariants(session: Session) -> None:
    """Config, iterator, networks and optimizers agree; history, recorder, insight and step agree."""
    c, gan = session.config, session.gan
    assert gan.generator.spec == c.generator_spec() and gan.discriminator.spec == c.discriminator_spec()
    assert gan.g_optimizer.spec == c.optimizer.g and gan.d_optimizer.spec == c.optimizer.d
    assert gan.g_optimizer.schedule == c.schedule and gan.d_optimizer.schedule == c.schedule  # the lrs in effect follow it
    assert (gan.ema is not None) == c.training.ema and gan.training == c.training
    assert session.batches.batch_size == c.data.batch_size
    if c.image_shape is not None:  # images are scaled to G's output range (2D points are as they are)
        low, high = c.value_range
        assert low <= session.dataset.x.min() and session.dataset.x.max() <= high
    assert session.state.fixed_noise.shape[1] == c.generator.latent_size
    step = session.step_count
    assert session.history.last_step == (step if step else -1) or len(session.history) == 0
    assert all(s <= step for s in session.recorder.steps.tolist())
    assert all(e.step <= step for e in session.history.events)
    assert all(s <= step for s in session.insight.steps.tolist())


def random_command(rng: np.random.Generator, session: Session):
    is_2d = session.config.image_shape is None
    choices = [
        lambda: cmd.SetParam("optimizer.lr", str(rng.choice(["1e-4", "1e-3", "10"]))),
        lambda: cmd.SetParam(f"optimizer.{rng.choice(['g', 'd'])}.lr", str(rng.choice(["2e-4", "1", "10"]))),
        lambda: cmd.SetParam(f"optimizer.{rng.choice(['g', 'd'])}.kind", str(rng.choice(["sgd", "momentum", "rmsprop", "adam"]))),
        lambda: cmd.SetParam("data.batch_size", str(rng.choice([8, 16, 32]))),
        lambda: cmd.SetParam(
            "training.loss", str(rng.choice(["non_saturating", "minimax", "least_squares", "hinge", "wasserstein"]))
        ),
        lambda: cmd.SetParam("training.ema", str(rng.choice(["true", "false"]))),
        lambda: cmd.SetParam("schedule.kind", str(rng.choice(["constant", "step", "inverse_time"]))),
        lambda: cmd.SetParam("schedule.step_size", str(rng.choice([3, 1000]))),
        lambda: cmd.SetParam("training.d_steps", str(rng.choice([1, 2]))),
        lambda: cmd.SetParam("view.record_every", str(rng.choice([3, 7]))),
        lambda: cmd.SetParam("generator.hidden", str(rng.choice(["16", "32", "[16, 16]"]))),
        lambda: cmd.SetParam("discriminator.hidden", str(rng.choice(["16", "32"]))),
        lambda: cmd.SetParam("generator.latent_size", str(rng.choice([8, 16]))),
        lambda: cmd.Rebuild(str(rng.choice(["g", "d"]))),
        lambda: cmd.RevertLastChange(),
        lambda: cmd.StepOnce(str(rng.choice(["both", "d", "g"]))),
        lambda: cmd.StepOnce(str(rng.choice(["d", "g"]))),  # single steps before a divergence: the audit's worst case
        lambda: cmd.SetParam("seed", str(rng.choice([1, 2]))),
        lambda: cmd.Reset(),
        lambda: cmd.Pause(),
        lambda: cmd.Resume(),
    ]
    if not is_2d:
        choices += [
            lambda: cmd.SetParam("data.classes", str(rng.choice(["all", "[3]", "[0, 1, 7]"]))),
            lambda: cmd.SetParam("generator.output", str(rng.choice(["tanh", "sigmoid"]))),
        ]
    return choices[rng.integers(len(choices))]()


RESTORED = ("gan/g/params", "gan/d/params", "rng", "step", "config", "batches/position", "recorder/steps")
FUZZ_COMMANDS = os.environ.get("GANSTUDIO_FUZZ_COMMANDS")  # per dataset; default: FUZZ_DATASETS' own counts
FUZZ_SEQUENCE = 60  # commands in one session before it is written, read back and replayed
FUZZ_DATASETS = {  # settings, and the commands each gets in the suite (the 2D toy diverges most often)
    "synthetic-digits": {**SMALL, "view.record_every": "5", "view.insight_every": "40"},
    "ring8": {
        "data.dataset": "ring8",
        "optimizer.kind": "sgd",  # with least squares, the quickest to diverge at a high lr
        "training.loss": "least_squares",
        "generator.hidden": "16",
        "discriminator.hidden": "16",
        "data.batch_size": "32",
        "generator.latent_size": "8",
        "view.record_every": "5",
        "view.insight_every": "40",
    },
    "mnist": {**SMALL, "data.dataset": "mnist", "view.record_every": "5", "view.insight_every": "0"},
}
FUZZ_SUITE_COMMANDS = {"synthetic-digits": 60, "ring8": 300, "mnist": 60}


def replay_from_its_folder(session: Session, start: RunConfig, folder, data_dir) -> Session:
    """Write `session`'s run folder (starting config `start`), read it back and replay its log
    in a fresh session: the replayed session."""
    folder.mkdir(exist_ok=True)
    Run.new(folder, "fuzz", start).save(session)
    run = read_run(folder)
    replayed = Session(run.config, data_dir=data_dir, guard_every=session.guard_every)
    replay(replayed, run.changes, run.last_step, lambda: replayed.step() is not None or True)
    return replayed


def reopened(session: Session, folder, data_dir) -> Session:
    """`session` saved into `folder` and opened again from its checkpoint and run.toml."""
    folder.mkdir(exist_ok=True)
    path = save_checkpoint(session, folder / "checkpoint.npz")
    again = load_session(path, data_dir=data_dir)
    again.guard_every = session.guard_every
    again.changes.entries = session.changes.entries
    again.paused = session.paused
    return again


def fuzz_sequence(seed: int, start: RunConfig, data_dir, folder, counts: dict) -> None:
    """FUZZ_SEQUENCE random commands with a few steps after each, checking the invariants after
    every command; then the run is written, read back and replayed, and the replay's weights
    must equal the run's bit for bit."""
    rng = np.random.default_rng(seed)
    session = Session(start, data_dir=data_dir, guard_every=25)
    session.apply(cmd.Resume())
    befores: list[dict] = []  # the states before recent commands: a revert must restore one exactly
    for _ in range(FUZZ_SEQUENCE):
        if rng.random() < 0.05:  # the run saved and opened again, as a closed and reopened window would
            session = reopened(session, folder, data_dir)
        command = random_command(rng, session)
        counts["commands"] += 1
        before, could_revert = session.state_dict(), session.can_revert
        diverged_before = session.divergence
        try:
            session.apply(command)
        except (ConfigError, DatasetError):
            assert same_state(session.state_dict(), before)  # a refused change leaves the run alone
            continue
        counts["divergences"] += session.divergence is not None and session.divergence is not diverged_before
        if isinstance(command, cmd.RevertLastChange) and could_revert:
            now = session.state_dict()
            assert any(all(np.array_equal(now[k], b[k]) for k in RESTORED) for b in befores)
        befores = (befores + [before])[-40:]
        check_invariants(session)
        for _ in range(int(rng.integers(1, 15))):
            step_before = session.step_count
            if session.step() is None:  # rolled back: to a finite state no later than before
                counts["divergences"] += 1
                assert session.step_count <= step_before and session.paused
                check_invariants(session)
                befores.append(session.state_dict())
                session.apply(cmd.SetParam("optimizer.lr", "1e-4"))
                session.apply(cmd.Resume())
                break
        check_invariants(session)
    replayed = replay_from_its_folder(session, start, folder, data_dir)
    counts["replays"] += 1
    assert replayed.step_count == session.step_count, f"seed {seed}"
    assert not changed_settings(replayed.config, session.config), f"seed {seed}"  # display settings are not logged
    a, b = session.gan.state_dict(), replayed.gan.state_dict()
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a), f"seed {seed}: the replay's weights differ"


@pytest.mark.parametrize("dataset", list(FUZZ_DATASETS))
def test_random_command_sequences_keep_the_run_consistent_and_replayable(dataset, request, tmp_path):
    data_dir = None
    if dataset == "mnist":  # the MNIST loader on MNIST-format files (real MNIST is not needed for this)
        data_dir = str(request.getfixturevalue("digits_dir"))
    start = RunConfig().with_values(FUZZ_DATASETS[dataset])
    commands = int(FUZZ_COMMANDS or FUZZ_SUITE_COMMANDS[dataset])
    counts = dict.fromkeys(("commands", "divergences", "replays"), 0)
    with threadpool_limits(1):  # thread counts change a matrix product's last bits; the replay must match exactly
        for seed in range(max(1, commands // FUZZ_SEQUENCE)):
            fuzz_sequence(seed, start, data_dir, tmp_path / f"run-{seed}", counts)
    print(f"\nfuzz {dataset}: {counts['commands']} commands, {counts['divergences']} divergences, {counts['replays']} replays")
