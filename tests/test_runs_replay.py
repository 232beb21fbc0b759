"""The change log: a steered run is recorded command by command and replays bit for bit.

A Session is driven through the live changes a user makes (learning-rate edits, an architecture
rebuild, a D-only step, a revert), its run folder is written, and a fresh session replays the
run.toml; the final weights must be equal, array for array. One BLAS thread throughout, since
thread counts change the last bits of a matrix product.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import tomllib
from threadpoolctl import threadpool_limits

from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.run import commands as cmd
from ganstudio.run.changelog import ReplayError, entry_toml, parse, replay, split_log
from ganstudio.run.checkpoint import load_session, save_checkpoint
from ganstudio.run.session import Session
from ganstudio.runs.library import Run, read_run

SMALL = {"data.dataset": "synthetic-digits", "generator.hidden": [32], "discriminator.hidden": [32]}


def small_config(**changes):
    return load_preset("vanilla").with_values({**SMALL, **changes})


def train(session, n):
    for _ in range(n):
        session.step()


def steered_run(config):
    """A session steered as a user would: every kind of change, at known steps."""
    session = Session(config)
    train(session, 20)
    session.apply(cmd.SetParam("optimizer.d.lr", 0.01))  # step 20
    train(session, 15)
    session.apply(cmd.SetParam("generator.hidden", "48"))  # pending until Apply
    train(session, 3)
    session.apply(cmd.Rebuild("g"))  # step 38
    train(session, 10)
    session.apply(cmd.StepOnce("d"))  # step 48 -> 49
    train(session, 5)
    session.apply(cmd.SetParam("optimizer.lr", "5e-4"))  # step 54, both networks' lr
    train(session, 6)
    session.apply(cmd.RevertLastChange())  # back to step 54, before the lr change
    train(session, 12)
    session.apply(cmd.StepOnce("g"))
    train(session, 4)
    return session


def weights(session):
    return session.gan.state_dict()


def test_a_steered_run_is_logged_with_each_change_at_its_step(tmp_path):
    with threadpool_limits(1):
        session = steered_run(small_config())
    entries = [(c.step, c.action) for c in session.changes.entries]
    assert entries == [
        (20, {"set": {"optimizer.d.lr": 0.01}}),
        (35, {"set": {"generator.hidden": [48]}}),
        (38, {"apply": "g"}),
        (48, {"d_step": True}),
        (54, {"set": {"optimizer.lr": 0.0005}}),
        (60, {"revert": True, "to": 54}),
        (66, {"g_step": True}),
    ]
    run = Run.new(tmp_path, "vanilla", small_config())
    run.save(session)
    text = (tmp_path / "run.toml").read_text()
    assert '[[changes]]\nstep = 20\nset = { "optimizer.d.lr" = 0.01 }\n' in text
    assert "[[changes]]\nstep = 60\nrevert = true\nto = 54\n" in text
    assert [(c.step, c.action) for c in read_run(tmp_path).changes] == entries


def test_replaying_a_steered_run_gives_bit_identical_weights(tmp_path):
    with threadpool_limits(1):
        original = steered_run(small_config(seed=5))
        Run.new(tmp_path, "vanilla", small_config(seed=5)).save(original)
        run = read_run(tmp_path)
        replayed = Session(run.config)
        replay(replayed, run.changes, run.last_step, lambda: replayed.step() is not None or True)
    assert replayed.step_count == original.step_count == 71
    assert replayed.config == original.config
    a, b = weights(original), weights(replayed)
    assert a.keys() == b.keys()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert [(c.step, c.action) for c in replayed.changes.entries] == [(c.step, c.action) for c in original.changes.entries]


def test_the_same_seed_without_the_changes_differs(tmp_path):
    """The comparison above can fail: the same seed and step count without the log give other weights."""
    with threadpool_limits(1):
        original = steered_run(small_config(seed=5))
        plain = Session(small_config(seed=5))
        train(plain, 70)
    a, b = weights(original), weights(plain)
    assert not all(np.array_equal(a[k], b[k]) for k in a.keys() & b.keys() if a[k].shape == b[k].shape)


def test_a_reset_is_logged_and_replayed(tmp_path):
    with threadpool_limits(1):
        original = Session(small_config(seed=1))
        train(original, 10)
        original.apply(cmd.SetParam("seed", 7))
        original.apply(cmd.Reset())
        train(original, 12)
        Run.new(tmp_path, "vanilla", small_config(seed=1)).save(original)
        run = read_run(tmp_path)
        replayed = Session(run.config)
        replay(replayed, run.changes, run.last_step, lambda: replayed.step() is not None or True)
    assert [(c.step, c.action) for c in run.changes] == [(10, {"set": {"seed": 7}}), (10, {"reset": True})]
    assert replayed.config.seed == 7 and replayed.step_count == 12
    assert all(np.array_equal(a, b) for a, b in zip(weights(original).values(), weights(replayed).values()))


def write_run(folder, changes_text):
    Run.new(folder, "vanilla", small_config()).save(Session(small_config()))
    path = folder / "run.toml"
    path.write_text(path.read_text() + changes_text)
    return path


@pytest.mark.parametrize(
    "changes, line, message",  # line: the wrong line's number in `changes` (its first line is empty)
    [
        (
            '\n[[changes]]\nstep = 5\nset = { "optimizer.d.lr" = 0.01 }\n'
            '\n[[changes]]\nstep = 9\nset = { "optimizer.d.speed" = 2 }\n',
            8,
            "unknown setting 'optimizer.d.speed'",
        ),
        (
            '\n[[changes]]\nstep = 50\nd_step = true\n\n[[changes]]\nstep = 40\nset = { "optimizer.d.lr" = 0.01 }\n',
            7,
            "step 40 is in the past (the run is at step 51 by then)",
        ),
        (
            '\n[[changes]]\nstep = 50\nrevert = true\nto = 20\n\n[[changes]]\nstep = 10\napply = "g"\n',
            8,
            "step 10 is in the past (the run is at step 20 by then)",
        ),
        ('\n[[changes]]\nstep = 5\nset = { "optimizer.d.lr" = -1 }\n', 4, "optimizer.d.lr"),
        ('\n[[changes]]\nstep = 5\napply = "gd"\n', 4, 'apply = "g", "d" or "both"'),
        ("\n[[changes]]\nstep = 5\nwarp = true\n", 4, "unknown field 'warp'"),
        ("\n[[changes]]\nset = { seed = 3 }\n", 2, "each change needs step"),
        (  # the run's last step is 0: nothing can have happened at step 1,000,000,000
            '\n[[changes]]\nstep = 0\nset = { "optimizer.d.lr" = 0.01 }\n\n[[changes]]\nstep = 1000000000\napply = "g"\n',
            7,
            "step 1000000000 is past the run's last step 0, and no later reset or revert takes the run back",
        ),
        (
            "\n[[changes]]\nstep = 50\nrevert = true\nto = 20\n",  # the revert went back past the end
            5,
            "step 20 is past the run's last step 0",
        ),
    ],
)
def test_a_bad_change_log_is_refused_with_its_line(tmp_path, changes, line, message):
    path = write_run(tmp_path, changes)
    base = len(path.read_text().splitlines()) - len(changes.splitlines())
    with pytest.raises(ReplayError) as info:
        read_run(tmp_path)
    assert f"{path} line {base + line}:" in str(info.value)
    assert message in str(info.value)
    assert isinstance(info.value, ConfigError)  # a user's mistake: exit 2 in the CLI


RING8_SGD = {
    "data.dataset": "ring8",
    "generator.hidden": [16],
    "discriminator.hidden": [16],
    "generator.latent_size": 8,
    "data.batch_size": 32,
    "optimizer.kind": "sgd",
}


def steps_until_divergence(session, limit=2000):
    for _ in range(limit):
        if session.step() is None:
            return
    pytest.fail("the run did not diverge")


def write_read_and_replay(tmp_path, session, config):
    """Write `session`'s run folder, read it back and replay it: the replayed session."""
    Run.new(tmp_path, "vanilla", config).save(session)
    run = read_run(tmp_path)
    replayed = Session(run.config, guard_every=session.guard_every)
    replay(replayed, run.changes, run.last_step, lambda: replayed.step() is not None or True)
    return replayed


def assert_same_weights(a, b):
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)


@pytest.mark.parametrize("part", ["d", "g"])
def test_a_single_network_step_then_a_divergence_keeps_the_run_readable_and_replayable(tmp_path, part):
    """A D-only (or G-only) step, then a divergence: the guard goes back no further than the
    single step, so the change log stays in order and the run replays bit for bit."""
    config = small_config(**RING8_SGD)
    with threadpool_limits(1):
        session = Session(config)
        for _ in range(3):
            session.step()
        session.apply(cmd.SetParam("optimizer.lr", 10))
        session.apply(cmd.StepOnce(part))
        steps_until_divergence(session)
        assert session.step_count == 4  # the state just after the single step
        session.apply(cmd.SetParam("optimizer.lr", 1e-3))
        for _ in range(5):
            session.step()
        replayed = write_read_and_replay(tmp_path, session, config)
    assert [c.step for c in read_run(tmp_path).changes] == [3, 3, 4]
    assert replayed.step_count == session.step_count == 9
    assert_same_weights(session, replayed)


def test_a_single_network_step_that_diverges_is_not_logged(tmp_path):
    """A G-only step whose own loss is not finite never happened: the guard undoes it, and the
    log does not claim it."""
    config = small_config(**RING8_SGD, **{"training.loss": "hinge"})  # G's hinge loss is unbounded below
    with threadpool_limits(1):
        session = Session(config)
        for _ in range(3):
            session.step()
        session.apply(cmd.SetParam("optimizer.lr", 10))
        for _ in range(500):
            session.apply(cmd.StepOnce("g"))
            if session.divergence is not None:
                break
        assert session.divergence is not None
        logged = [c.action for c in session.changes.entries]
        assert logged.count({"g_step": True}) == session.step_count - 3
        session.apply(cmd.SetParam("optimizer.lr", 1e-3))
        for _ in range(4):
            session.step()
        replayed = write_read_and_replay(tmp_path, session, config)
    assert replayed.step_count == session.step_count
    assert_same_weights(session, replayed)


def test_an_edit_waiting_for_apply_still_waits_in_the_reopened_run(tmp_path):
    """The log holds an architecture edit that waits for Apply; the run is saved and opened again
    (a closed window): Apply still applies it, and the run replays bit for bit."""
    config = small_config()
    with threadpool_limits(1):
        session = Session(config)
        train(session, 5)
        session.apply(cmd.SetParam("generator.hidden", "48"))
        train(session, 3)
        path = save_checkpoint(session, tmp_path / "checkpoint.npz")
        reopened = load_session(path)
        reopened.changes.entries = session.changes.entries
        assert reopened.pending == {"generator.hidden": (48,)}
        reopened.apply(cmd.Rebuild("g"))
        assert reopened.config.generator.hidden == (48,)
        train(reopened, 4)
        replayed = write_read_and_replay(tmp_path, reopened, config)
    assert_same_weights(reopened, replayed)


def test_a_change_past_the_last_step_is_kept_when_a_reset_took_the_run_back(tmp_path):
    """A window user trains 10 steps, resets and trains 4: the reset lies past the last step."""
    with threadpool_limits(1):
        original = Session(small_config())
        train(original, 10)
        original.apply(cmd.SetParam("optimizer.d.lr", 0.01))
        original.apply(cmd.Reset())
        train(original, 4)
        Run.new(tmp_path, "vanilla", small_config()).save(original)
        run = read_run(tmp_path)
        replayed = Session(run.config)
        replay(replayed, run.changes, run.last_step, lambda: replayed.step() is not None or True)
    assert [(c.step, c.action) for c in run.changes] == [
        (10, {"set": {"optimizer.d.lr": 0.01}}),
        (10, {"reset": True}),
    ]
    assert run.last_step == 4 and replayed.step_count == 4
    assert all(np.array_equal(a, b) for a, b in zip(weights(original).values(), weights(replayed).values()))


def test_a_replay_never_passes_its_limit_whatever_the_log_says(tmp_path):
    path = write_run(tmp_path, '\n[[changes]]\nstep = 5\nset = { "optimizer.d.lr" = 0.01 }\n')
    path.write_text(path.read_text().replace("last_step = 0", "last_step = 8"))
    run = read_run(tmp_path)
    session = Session(run.config)
    replay(session, run.changes, 3, lambda: session.step() is not None or True, limit=3)
    assert session.step_count == 3 and session.config.optimizer.d.lr == run.config.optimizer.d.lr
    assert session.changes.entries == []  # the change at step 5 lies past the limit: not applied


def logged_lr_changes(n):
    """n [[changes]] tables, as a dragged lr box writes them: one a step, values from a few hundred box positions."""
    return "".join(f'\n[[changes]]\nstep = {i}\nset = {{ "optimizer.d.lr" = {1e-4 + (i % 300) * 1e-6:.6g} }}\n' for i in range(n))


class CountedText(str):
    """A file's text that counts how often it is split into lines."""

    splits = 0

    def splitlines(self, *args, **kwargs):
        self.splits += 1
        return super().splitlines(*args, **kwargs)


def test_a_long_change_log_is_read_in_one_pass(tmp_path, monkeypatch):
    """10,000 changes (a run.toml of 0.6 MB): the text is split into lines once (splitting it per
    change is quadratic: 8,000 changes take ~30 s) and each distinct setting is checked once (a
    check builds a whole config); the line numbers come from that one pass."""
    n = 10_000
    bad = '\n[[changes]]\nstep = 10000\nset = { "optimizer.d.lr" = -1 }\n'
    path = write_run(tmp_path, logged_lr_changes(n) + bad)
    text = CountedText(path.read_text())
    last_line, start = len(str(text).splitlines()), small_config()
    checks, check = [], RunConfig.with_values

    def counted_check(config, values):
        checks.append(values)
        return check(config, values)

    monkeypatch.setattr(RunConfig, "with_values", counted_check)
    with pytest.raises(ReplayError) as info:
        parse(tomllib.loads(text)["changes"], text, str(path), start)
    assert str(info.value).startswith(f"{path} line {last_line}: optimizer.d.lr: -1.0 is outside the allowed range")
    assert text.splits == 1 and len(checks) == 300 + 1  # the box's 300 positions, and -1
    monkeypatch.undo()

    path.write_text(path.read_text().removesuffix(bad).replace("last_step = 0", f"last_step = {n}"))
    changes = read_run(tmp_path).changes
    assert len(changes) == n and [c.step for c in changes] == list(range(n))
    assert changes[-1].action == {"set": {"optimizer.d.lr": pytest.approx(1e-4 + (n - 1) % 300 * 1e-6)}}


def test_a_log_as_written_reads_without_toml_and_equals_what_toml_reads(tmp_path):
    """run.toml's change log is read apart from the TOML parser (fast for long logs) only when it
    is exactly as written; then it equals what tomllib reads, odd strings and lists included, and
    a hand-edited log is left to tomllib."""
    actions = [
        (3, {"set": {"optimizer.d.lr": 1e-05, "data.classes": [3, 7], "training.ema": True}}),
        (3, {"set": {"data.folder": 'a " = b, c } d', "view.classes": "all"}}),
        (4, {"apply": "both"}),
        (4, {"d_step": True}),
        (9, {"revert": True, "to": 4}),
        (6, {"reset": True, "set": {"seed": 7, "data.dataset": "ring8"}}),
    ]
    Run.new(tmp_path, "vanilla", small_config(**RING8_SGD)).save(Session(small_config(**RING8_SGD)))
    text = (tmp_path / "run.toml").read_text() + "\n" + "\n".join(entry_toml(step, action) for step, action in actions)
    head, tables = split_log(text)
    assert tables == tomllib.loads(text)["changes"] == [{"step": step, **action} for step, action in actions]
    assert "changes" not in tomllib.loads(head) and tomllib.loads(head)["config"] == tomllib.loads(text)["config"]
    edited = text.replace("step = 4\nd_step = true", "step = 4\nd_step  =  true")
    assert split_log(edited) == (edited, None)


BEFORE_JOURNAL = Path(__file__).parent / "fixtures" / "run-before-journal"


def weights_digest(session):
    """SHA-256 of the GAN's state arrays, concatenated in key order (as the fixture recorded it)."""
    w = session.gan.state_dict()
    return hashlib.sha256(b"".join(np.ascontiguousarray(w[k]).tobytes() for k in sorted(w))).hexdigest()


def test_a_run_written_before_the_journal_replays_bit_for_bit():
    """The fixture's run.toml (every kind of change: a seed and a reset, lr, an architecture edit
    and Apply, D and G steps, a revert) replays to the weights its writer recorded, and the plot
    markers read as they did."""
    recorded = json.loads((BEFORE_JOURNAL / "weights.json").read_text())
    run = read_run(BEFORE_JOURNAL)
    with threadpool_limits(1):
        replayed = Session(run.config)
        replay(replayed, run.changes, run.last_step, lambda: replayed.step() is not None or True)
    assert replayed.step_count == recorded["step"] == 80
    assert sorted(replayed.gan.state_dict()) == recorded["arrays"]
    assert weights_digest(replayed) == recorded["weights_sha256"]
    assert [[e.step, e.label] for e in replayed.history.events] == recorded["events"]
