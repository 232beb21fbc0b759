"""A digit run keeps the generator weights of its best FID so far: measured, saved and loaded,
rolled back by revert, bit-exact under resume and replay, drawn by `sample --weights best`, and
named by the "quality has been falling" warning. Real sessions on small synthetic-digit configs
(the FID comes from the shipped classifier)."""

import json
import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from ganstudio.config.model import RunConfig
from ganstudio.config.rng_streams import INSIGHT, stream
from ganstudio.insight.warnings import BEST_AGE, FALLING_CHECKS, Diagnoser, Measures
from ganstudio.record.history import History
from ganstudio.run import commands as cmd
from ganstudio.run.changelog import replay
from ganstudio.run.checkpoint import Checkpoint, load_session, save_checkpoint
from ganstudio.run.session import Session
from ganstudio.runs.headless import write_outputs
from ganstudio.runs.library import Run, read_run

from support import click, running_window

SMALL = {
    "data.dataset": "synthetic-digits",
    "generator.hidden": "16",
    "discriminator.hidden": "16",
    "training.ema": True,
    "run.insight_every": 10,
}
WILD_LR = 1.0  # G's lr that makes a small run's samples worse at once (measured: FID 273 at step 20, 279 at 30 and 40)


def train(session, n):
    for _ in range(n):
        assert session.step() is not None


def improving_then_worse(seed=0):
    """A session whose FID improves for 20 steps (best at step 20) and then worsens: G's lr
    is raised to WILD_LR at step 20 (a tracked change: a revert point)."""
    session = Session(RunConfig().with_values({**SMALL, "seed": seed}))
    train(session, 20)
    session.apply(cmd.SetParam("optimizer.g.lr", WILD_LR))
    train(session, 20)
    return session


def fid_of(session, best):
    """The FID of `best`'s weights on the noise of the check that measured them."""
    probe = session.insight.probe(session.dataset, session.config.value_range)
    z = stream(session.config.seed, INSIGHT, best.step).standard_normal((probe.n_samples, session.gan.latent_size), np.float32)
    return probe.report(session.gan.sample(z, weights=best.weights)).coverage.fid


def same_best(a, b):
    return (
        a.step == b.step
        and a.fid == b.fid
        and a.ema == b.ema
        and np.array_equal(a.weights.params, b.weights.params)
        and (a.weights.statistics is None) == (b.weights.statistics is None)
    )


def test_the_weights_of_the_best_fid_are_kept_as_they_were_measured():
    session = improving_then_worse()
    steps, fids = session.insight.steps, session.insight.values["fid"]
    best = session.insight.best
    assert steps.tolist() == [10, 20, 30, 40] and fids[1] < fids[0] and min(fids[2:]) > fids[1]
    assert best.step == 20 and best.fid == pytest.approx(float(fids[1])) and best.ema
    assert not np.array_equal(best.weights.params, session.gan.ema.shadow)  # the weights of step 20, not the latest
    assert fid_of(session, best) == best.fid
    assert session.snapshot().best_step == 20


def test_a_2d_run_keeps_nothing():
    session = Session(RunConfig().with_values({"data.dataset": "ring8", "run.insight_every": 10}))
    train(session, 20)
    assert session.insight.steps.tolist() == [10, 20] and session.insight.best is None
    assert session.snapshot().best_grid is None


def test_the_best_is_saved_and_loaded_and_a_resumed_run_keeps_the_same(tmp_path):
    with threadpool_limits(1):
        straight = improving_then_worse()
        session = Session(RunConfig().with_values(SMALL))
        train(session, 20)
        session.apply(cmd.SetParam("optimizer.g.lr", WILD_LR))
        train(session, 5)
        resumed = load_session(save_checkpoint(session, tmp_path / "c.npz"))
        assert same_best(resumed.insight.best, session.insight.best)
        train(resumed, 15)
    assert same_best(resumed.insight.best, straight.insight.best)
    assert straight.insight.best.step == 20
    Run.new(tmp_path, "default", RunConfig().with_values(SMALL)).save(resumed)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["best_step"] == 20 and summary["best_fid"] == straight.insight.best.fid


def test_a_checkpoint_written_before_best_weights_still_loads(tmp_path):
    session = improving_then_worse()
    path = save_checkpoint(session, tmp_path / "c.npz")
    with np.load(path) as npz:
        newer = ("insight/best/", "insight/warnings/fids", "insight/warnings/fid_steps")
        old = {k: npz[k] for k in npz.files if not k.startswith(newer)}
    old["insight/warnings/streak"] = old["insight/warnings/streak"][:3]  # three kinds of warning then
    np.savez(tmp_path / "old.npz", **old)
    loaded = load_session(tmp_path / "old.npz")
    assert loaded.step_count == 40 and loaded.insight.best is None
    train(loaded, 10)
    assert loaded.insight.best.step == 50


def test_a_revert_to_before_the_best_drops_it_and_keeps_the_one_measured_before():
    session = Session(RunConfig().with_values(SMALL))
    train(session, 20)
    before = session.insight.best
    assert before.step == 20
    session.apply(cmd.SetParam("optimizer.g.lr", 3e-4))  # a revert point at step 20
    train(session, 20)
    assert session.insight.best.step == 40  # still improving
    session.apply(cmd.RevertLastChange())
    assert session.step_count == 20 and same_best(session.insight.best, before)


def test_a_rebuilt_generator_drops_the_best_and_reverting_the_rebuild_restores_it():
    session = Session(RunConfig().with_values(SMALL))
    train(session, 10)
    kept = session.insight.best
    session.apply(cmd.SetParam("generator.hidden", "24"))
    session.apply(cmd.Rebuild("g"))
    assert session.insight.best is None
    train(session, 10)
    assert session.insight.best.step == 20 and session.insight.best.weights.params.size == session.gan.generator.params.size
    session.apply(cmd.RevertLastChange())
    assert same_best(session.insight.best, kept)


def test_a_replayed_run_keeps_the_same_best_bit_for_bit(tmp_path):
    with threadpool_limits(1):
        original = improving_then_worse(seed=3)
        original.apply(cmd.RevertLastChange())
        train(original, 10)
        Run.new(tmp_path, "default", RunConfig().with_values({**SMALL, "seed": 3})).save(original)
        run = read_run(tmp_path)
        replayed = Session(run.config)
        replay(replayed, run.changes, run.last_step, lambda: replayed.step() is not None or True)
    assert replayed.step_count == original.step_count == 30
    assert same_best(replayed.insight.best, original.insight.best)


# -- the warning ----------------------------------------------------------------------------------
def checks(fids):
    """Diagnose one check every 100 steps with these FIDs and the best so far; the warnings started, by step."""
    diagnoser, started, best = Diagnoser(), {}, None
    for i, fid in enumerate(fids):
        step = 100 * (i + 1)
        if best is None or fid < best[1]:
            best = (step, fid)
        for w in diagnoser.update(Measures(step, 1.0, fid=fid, best=best), History(), RunConfig()):
            started[step] = w
    return diagnoser, started


def test_quality_falling_is_warned_once_the_best_is_old_and_the_last_checks_are_clearly_worse():
    fids = [100.0, 60.0, 40.0, 45.0, 48.0, 52.0, 55.0, 58.0]  # best 40 at step 300; >= 50 from step 600
    diagnoser, started = checks(fids)
    assert BEST_AGE == 5 and FALLING_CHECKS == 3
    (step, warning), *_ = started.items()
    assert step == 800 and warning.kind == "quality_falling"  # step 800: the best is 5 checks old, the last 3 >= 1.25x
    assert "40.00 at step 300" in warning.message
    assert any("--weights best" in r and "Best so far" in r for r in warning.remedies)
    _, recovering = checks([*fids, 41.0, 41.5])
    assert [w.kind for w in recovering.values()] == ["quality_falling"]


@pytest.mark.parametrize(
    "fids",
    [
        [100.0, 80.0, 60.0, 50.0, 45.0, 40.0, 38.0, 37.0, 36.0],  # improving
        [100.0, 40.0, 60.0, 60.0, 60.0, 60.0],  # worse, but the best is only 4 checks old
        [100.0, 40.0, 45.0, 48.0, 49.0, 49.9, 49.0, 48.0],  # the best is old, but the last checks are within 1.25x
    ],
)
def test_no_falling_warning_for_a_run_that_improves_or_is_not_clearly_worse(fids):
    assert checks(fids)[1] == {}


def test_the_falling_warning_clears_when_the_fid_comes_back():
    diagnoser, _ = checks([100.0, 60.0, 40.0, 45.0, 48.0, 52.0, 55.0, 58.0, 42.0, 43.0])
    assert diagnoser.warnings == ()


# -- ganstudio sample --weights -------------------------------------------------------------------
def ganstudio(*args):
    return subprocess.run([sys.executable, "-m", "ganstudio", *args], capture_output=True, text=True, timeout=300)


def test_sample_draws_the_best_weights_by_default_and_says_which(tmp_path):
    session = improving_then_worse()
    config = RunConfig().with_values(SMALL)
    write_outputs(session, tmp_path, None, run=Run.new(tmp_path, "default", config))
    best = session.insight.best
    z = np.random.default_rng(0).standard_normal((16, session.gan.latent_size), dtype=np.float32)
    low, high = config.value_range

    def as_npy(samples):
        return np.clip(np.rint((samples - low) / (high - low) * 255.0), 0, 255).astype(np.uint8).reshape(16, 28, 28)

    for given, weights, text in (
        ([], best.weights, "weights: best, step 20 ("),
        (["--weights", "best"], best.weights, "weights: best, step 20 ("),
        (["--weights", "last"], None, "weights: last, step 40 (EMA weights)"),
    ):
        out = tmp_path / f"s{len(given)}{''.join(given)}.npy"
        result = ganstudio("sample", str(tmp_path), "-n", "16", "-o", str(out), *given)
        assert result.returncode == 0, result.stderr
        assert f"samples: {out}, {text}" in result.stdout
        expected = session.gan.sample(z, use_ema=True, weights=weights)
        assert np.array_equal(np.load(out), as_npy(expected))
    report = ganstudio("sample", str(tmp_path), "--report", "--weights", "best")
    assert report.returncode == 0, report.stderr
    assert f"weights: best, step 20 (FID {best.fid:.2f}, EMA weights)" in report.stdout.splitlines()
    live = ganstudio("sample", str(tmp_path), "--weights", "best", "--no-ema", "-o", str(tmp_path / "live.npy"))
    assert live.returncode == 2 and "Traceback" not in live.stderr and not (tmp_path / "live.npy").exists()
    assert live.stderr.startswith("ganstudio: error: --no-ema: the best weights (step 20 (FID")


def test_sample_weights_best_that_cannot_be_met_is_one_line(tmp_path):
    toy = tmp_path / "toy"
    trained = ganstudio("train", "--preset", "ring8", "--set", "generator.hidden=8", "--steps", "20", "--out", str(toy))
    assert trained.returncode == 0, trained.stderr
    result = ganstudio("sample", str(toy), "--weights", "best", "-o", str(tmp_path / "x.npy"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("ganstudio: error: --weights best: this run keeps no best weights")
    assert not (tmp_path / "x.npy").exists()
    assert Checkpoint(toy / "checkpoint.npz").section("insight/best") == {}


# -- the window -----------------------------------------------------------------------------------
def test_the_window_shows_the_best_so_far_and_exports_what_it_shows(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, RunConfig().with_values(SMALL)) as window:
        samples = window.samples
        assert not samples.use_best.isEnabled()  # nothing measured yet
        click(qtbot, window.run_controls.start_button)
        qtbot.waitUntil(lambda: window.snapshot.best_step is not None, timeout=20_000)
        click(qtbot, window.run_controls.pause_button)
        qtbot.waitUntil(lambda: window.snapshot.paused, timeout=5_000)
        snap = window.snapshot
        click(qtbot, samples.use_best)
        assert np.array_equal(samples.shown_grid, snap.best_grid)
        assert samples.caption.text() == f"best so far: step {snap.best_step:,}, FID {snap.best_fid:.2f}"
        assert not samples.use_ema.isEnabled()
        assert np.array_equal(iio.imread(window.exports.save_grid_png(tmp_path / "best.png")), snap.best_grid)
        click(qtbot, samples.use_best)
        assert np.array_equal(samples.shown_grid, snap.ema_grid)
        assert np.array_equal(iio.imread(window.exports.save_grid_png(tmp_path / "ema.png")), snap.ema_grid)
