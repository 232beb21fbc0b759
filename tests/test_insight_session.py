"""Insight inside a real session: reports every N steps, warnings as events, the Snapshot's
fields, the 2D heatmap, checkpoints, and no effect on the training itself."""

import numpy as np
import pytest

from ganstudio.config.model import RunConfig, from_dict
from ganstudio.config.presets import load_preset
from ganstudio.engine.losses import sigmoid
from ganstudio.insight import report
from ganstudio.insight.heatmap import d_heatmap, view_extent
from ganstudio.record.history import EventKind
from ganstudio.run import commands as cmd
from ganstudio.run.checkpoint import load_session, save_checkpoint
from ganstudio.run.session import Session


def frozen_single_digit_session(digits_dir):
    """An MNIST session (on the MNIST-format digits of `digits_dir`) whose generator draws one
    real digit whatever the noise: its output layer's weights are zero and its bias is that
    digit, and its lr is ~0."""
    config = from_dict(
        {
            "data": {"dataset": "mnist"},
            "generator": {"latent_size": 4, "hidden": [8]},
            "discriminator": {"hidden": [8]},
            "optimizer": {"g": {"kind": "sgd", "lr": 1e-30}},
            "view": {"insight_every": 600},
        }
    )
    session = Session(config, data_dir=str(digits_dir))
    digit = session.dataset.x[0]
    out = session.gan.generator.layers[-1]
    out.w[...] = 0.0
    out.b[...] = np.arctanh(np.clip(digit, -0.999, 0.999))
    return session, int(session.dataset.labels[0])


def test_a_generator_drawing_one_digit_gets_the_collapse_warning(digits_dir, tmp_path):
    session, label = frozen_single_digit_session(digits_dir)
    session.apply(cmd.SetStopCondition(cmd.StopCondition(at_step=1800)))
    session.apply(cmd.Resume())
    while not session.paused:
        session.step()
    snap = session.snapshot()
    assert snap.insight_kind == "digits"
    steps, covered = snap.insight_series["classes_covered"]
    assert steps.tolist() == [600, 1200, 1800] and covered.tolist() == [1, 1, 1]
    assert set(snap.insight_series) == {"classes_covered", "recognisable", "fid", "mean_confidence", "diversity"} | {
        "precision",
        "recall",
        "density",
        "prdc_coverage",
    }
    _, recall = snap.insight_series["recall"]
    assert recall.tolist() == [0.0, 0.0, 0.0]  # one image whatever the noise: no held-out digit is in its (empty) ball
    assert snap.histogram[label] == 1.0
    # D learns to reject the one digit too: a frozen G is also overpowered.
    assert ("mode_collapse", 1800) in [(w.kind, w.since) for w in snap.warnings]
    assert [e.step for e in snap.events if e.kind is EventKind.WARNING and e.key.startswith("Mode collapse")] == [1800]
    assert snap.heatmap is None and snap.heatmap_extent is None

    resumed = load_session(save_checkpoint(session, tmp_path / "c.npz"), data_dir=str(digits_dir))
    again = resumed.snapshot()
    assert again.warnings == snap.warnings
    for name, (s, v) in snap.insight_series.items():
        np.testing.assert_array_equal(again.insight_series[name][0], s)
        np.testing.assert_array_equal(again.insight_series[name][1], v)
    np.testing.assert_array_equal(again.histogram, snap.histogram)


def test_an_older_checkpoint_without_insight_still_loads(tmp_path):
    session = Session(load_preset("ring8").with_values({"view.insight_every": 50}))
    for _ in range(100):
        session.step()
    path = save_checkpoint(session, tmp_path / "c.npz")
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if not k.startswith("insight/")}
    assert len(arrays) < len(np.load(path).files)
    np.savez(tmp_path / "old.npz", **arrays)
    old = load_session(tmp_path / "old.npz")
    assert old.step_count == 100 and old.insight.steps.size == 0 and old.snapshot().histogram is None


def test_a_checkpoint_saved_before_the_recognisable_series_loads_with_it_unmeasured(tmp_path):
    small = {"data.dataset": "synthetic-digits", "generator.hidden": "16", "discriminator.hidden": "16"}
    session = Session(RunConfig().with_values({**small, "view.insight_every": 10}))
    for _ in range(20):
        session.step()
    path = save_checkpoint(session, tmp_path / "c.npz")
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "insight/series/recognisable"}
    assert len(arrays) == len(np.load(path).files) - 1
    np.savez(tmp_path / "old.npz", **arrays)
    old = load_session(tmp_path / "old.npz")
    steps, values = old.snapshot().insight_series["recognisable"]
    assert steps.tolist() == [10, 20] and np.isnan(values).all()
    for _ in range(10):
        old.step()
    steps, values = old.snapshot().insight_series["recognisable"]
    assert steps.tolist() == [10, 20, 30] and np.isnan(values[:2]).all() and 0.0 <= values[2] <= 100.0


def test_insight_does_not_change_the_run():
    runs = []
    for every in (0, 10):
        session = Session(load_preset("ring8").with_values({"view.insight_every": every}))
        for _ in range(60):
            session.step()
        runs.append(session.gan.generator.params.values.copy())
        assert len(session.insight.steps) == (6 if every else 0)
    np.testing.assert_array_equal(runs[0], runs[1])


def test_a_2d_snapshot_carries_mode_figures_and_the_heatmap_of_d():
    session = Session(load_preset("ring8").with_values({"view.insight_every": 20}))
    for _ in range(40):
        session.step()
    snap = session.snapshot()
    assert snap.insight_kind == "modes"
    assert set(snap.insight_series) == {
        "modes_covered",
        "high_quality",
        "diversity",
        "precision",
        "recall",
        "density",
        "prdc_coverage",
    }
    assert all(0.0 <= snap.insight_series[name][1][-1] <= 1.0 for name in ("precision", "recall", "prdc_coverage"))
    assert snap.histogram.shape == (8,)
    assert snap.heatmap_extent == (-1.5, 1.5, -1.5, 1.5)
    assert snap.heatmap.shape == (64, 64) and snap.heatmap.dtype == np.float32
    assert 0.0 <= snap.heatmap.min() and snap.heatmap.max() <= 1.0


def test_heatmap_rows_run_along_y_and_columns_along_x():
    session = Session(load_preset("ring8"))
    extent = (-2.0, 2.0, -1.0, 3.0)
    heat = d_heatmap(session.gan, extent, size=8)  # pixel centres at -1.75, -1.25, ...
    i, j = 6, 1  # y = -1 + 6.5 * 0.5 = 2.25, x = -2 + 1.5 * 0.5 = -1.25
    expected = sigmoid(session.gan.discriminate(np.array([[-1.25, 2.25]], np.float32)))[0, 0]
    assert heat[i, j] == pytest.approx(expected, rel=1e-5)
    wasserstein = session.gan.training.__class__(loss="wasserstein")
    session.gan.set_training(wasserstein)
    raw = d_heatmap(session.gan, extent, size=8)
    assert raw[i, j] == pytest.approx(session.gan.discriminate(np.array([[-1.25, 2.25]], np.float32))[0, 0], rel=1e-5)


def test_view_extent_frames_the_modes():
    grid = load_preset("ring8").with_values({"data.dataset": "grid25"})
    session = Session(grid)
    assert view_extent(session.dataset.modes) == (-6.0, 6.0, -6.0, 6.0)


def test_insight_every_is_a_validated_run_setting():
    assert RunConfig().run.insight_every == 500
    assert RunConfig().with_values({"run.insight_every": "0"}).run.insight_every == 0
    with pytest.raises(ValueError, match="run.insight_every"):
        RunConfig().with_values({"run.insight_every": -1})


def test_a_failing_report_turns_insight_off_for_the_run_and_training_goes_on(monkeypatch):
    def unreadable_classifier():
        raise FileNotFoundError(2, "No such file or directory", "/nowhere/mnist.npz")

    monkeypatch.setattr(report, "load_classifier", unreadable_classifier)
    config = RunConfig().with_values(
        {"data.dataset": "synthetic-digits", "generator.hidden": "8", "discriminator.hidden": "8", "view.insight_every": 5}
    )
    session = Session(config)
    for _ in range(12):  # over two insight steps: none raises
        assert session.step() is not None
    assert session.step_count == 12
    error = (
        "Insight is off for this run: it failed at step 5 "
        "(FileNotFoundError: [Errno 2] No such file or directory: '/nowhere/mnist.npz')"
    )
    assert session.insight.error == error and session.snapshot().insight_error == error
    assert session.message == error + ". Training goes on without coverage, FID and warnings."
    assert len(session.insight.steps) == 0
    monkeypatch.undo()  # the file is back: Reset tries again
    session.apply(cmd.Reset())
    for _ in range(5):
        session.step()
    assert session.insight.error == "" and list(session.insight.steps) == [5]


def train(session, steps):
    session.apply(cmd.SetStopCondition(cmd.StopCondition(at_step=steps)))
    session.apply(cmd.Resume())
    while not session.paused:
        session.step()


def test_losses_exploding_before_the_first_check_are_warned_at_it():
    """Adam at lr 10: the losses reach ~1e6 within a few steps, never NaN, so the guard keeps
    going; the first insight check says the run is diverging."""
    config = load_preset("vanilla").with_values(
        {
            "data.dataset": "synthetic-digits",
            "generator.hidden": "32",
            "discriminator.hidden": "32",
            "optimizer.lr": 10,
            "view.insight_every": 50,
        }
    )
    session = Session(config)
    train(session, 100)
    assert session.step_count == 100 and session.history.latest()["g_loss"] > 1e4
    assert ("divergence", 50) in [(w.kind, w.since) for w in session.insight.warnings]
    assert [e.step for e in session.history.events if e.label == "warning: Training is diverging"] == [50]


def test_a_healthy_run_is_not_called_diverging(digits_dir):
    """vanilla on MNIST-format digits, checked from its first 100 steps on (recommended, replayed over 3,000
    steps in docs/DESIGN.md, stays as silent but trains 20x slower)."""
    session = Session(load_preset("vanilla").with_values({"view.insight_every": 100}), data_dir=str(digits_dir))
    train(session, 800)
    assert len(session.insight.steps) == 8
    assert "divergence" not in [w.kind for w in session.insight.warnings]
