"""Class-conditional runs: labels with the batches, fake labels from the run's classes, a run
that learns to draw the class it is asked for, bit-exact resume and replay, datasets without
labels refused, and `ganstudio sample --class` / `--report`."""

import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.data import BatchIterator, DatasetError, load_dataset
from ganstudio.run import commands as cmd
from ganstudio.run.changelog import replay
from ganstudio.run.checkpoint import Checkpoint, load_session, save_checkpoint
from ganstudio.run.session import Session
from ganstudio.runs.library import Run, read_run

SMALL = {
    "data.dataset": "synthetic-digits",
    "generator.hidden": [32],
    "discriminator.hidden": [32],
    "training.conditional": True,
    "run.insight_every": 0,
}


def small_config(**changes):
    return load_preset("vanilla").with_values({**SMALL, **changes})


def train(session, n):
    for _ in range(n):
        session.step()


def ganstudio(*args):
    return subprocess.run([sys.executable, "-m", "ganstudio", *args], capture_output=True, text=True, timeout=300)


# -- data ---------------------------------------------------------------------------------------
def test_batches_come_with_the_labels_of_their_rows_and_a_subset_keeps_its_labels():
    dataset = load_dataset("synthetic-digits", classes=[3, 7], size=400)
    assert set(np.unique(dataset.labels)) == {3, 7}
    batches = BatchIterator(dataset, 32, np.random.default_rng(0))
    twin = BatchIterator(dataset, 32, np.random.default_rng(0))
    for _ in range(20):  # past an epoch's end: labels follow every reshuffle
        x, labels = batches.next_labelled()
        np.testing.assert_array_equal(twin.next(), x)  # the same order as unlabelled batches: no extra randomness
        rows = [int(np.flatnonzero((dataset.x == row).all(axis=1))[0]) for row in x[:4]]
        np.testing.assert_array_equal(dataset.labels[rows], labels[:4])


def test_a_dataset_without_labels_cannot_give_labelled_batches():
    with pytest.raises(DatasetError, match="no labels"):
        BatchIterator(load_dataset("ring8", size=100), 10, np.random.default_rng(0)).next_labelled()


@pytest.mark.parametrize("dataset", ["ring8", "moons", "folder"])
def test_a_toy_or_a_folder_is_refused_as_conditional_with_one_message(dataset, tmp_path):
    changes = {"data.dataset": dataset, "data.folder": str(tmp_path), "training.conditional": True}
    with pytest.raises(ConfigError, match=f"training.conditional: the dataset '{dataset}' has no class labels, so it cannot be"):
        RunConfig().with_values(changes)
    result = ganstudio(
        "train", "--preset", "ring8", "--set", "training.conditional=true", "--steps", "1", "--out", str(tmp_path / "o")
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "'ring8' has no class labels, so it cannot be conditioned" in result.stderr


# -- training -----------------------------------------------------------------------------------
def test_fake_labels_are_drawn_from_the_run_classes_and_follow_a_live_subset_change():
    session = Session(small_config(**{"data.classes": [2, 5]}))
    seen = set()
    for _ in range(10):
        session.step()
        seen |= set(session.gan._fake_labels.tolist())  # the last D step's fake batch, reused by G's step
    assert seen == {2, 5}
    session.apply(cmd.SetParam("data.classes", [8]))
    session.step()
    assert set(session.gan._fake_labels.tolist()) == {8}


def class_margin(session, classes=(0, 1)) -> float:
    """How much better G's mean sample for each label matches that class's real mean than the
    other class's, in units of the distance between the two real means: 0 when G ignores the
    label, up to 2 when each label's samples sit on their class's mean."""
    ds = session.dataset
    real = {c: ds.x[ds.labels == c].mean(0) for c in classes}
    z = np.random.default_rng(1).standard_normal((200, session.gan.latent_size), dtype=np.float32)
    gen = {c: session.gan.sample(z, labels=np.full(200, c)).mean(0) for c in classes}
    a, b = classes
    dist = lambda u, v: float(np.linalg.norm(u - v))  # noqa: E731
    return (dist(gen[a], real[b]) - dist(gen[a], real[a]) + dist(gen[b], real[a]) - dist(gen[b], real[b])) / dist(
        real[a], real[b]
    )


def test_a_conditional_run_learns_to_draw_the_class_it_is_asked_for():
    """Synthetic zeros and ones at 8 x 8 (small enough to learn in a second): after 600 steps the
    samples asked for a 0 look like the zeros, those asked for a 1 like the ones. A generator
    that ignored its label would score 0; an untrained one scores about 0."""
    config = small_config(
        **{"data.classes": [0, 1], "data.image_size": 8, "generator.hidden": [64], "discriminator.hidden": [64]}
    )
    config = config.with_values({"optimizer.lr": 1e-3, "run.record_every": 10**6})
    with threadpool_limits(1):
        session = Session(config)
        assert abs(class_margin(session)) < 0.1
        train(session, 600)
    assert class_margin(session) > 1.0


def weights(session):
    return session.gan.state_dict()


def same(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_a_conditional_run_resumes_bit_exact(tmp_path):
    config = small_config(**{"data.classes": [1, 4, 9]})
    with threadpool_limits(1):
        straight = Session(config)
        train(straight, 120)
        first = Session(config)
        train(first, 57)  # mid-epoch
        save_checkpoint(first, tmp_path / "checkpoint.npz")
        resumed = load_session(tmp_path / "checkpoint.npz")
        assert resumed.gan.conditioning == first.gan.conditioning
        train(resumed, 63)
    assert same(weights(resumed), weights(straight))


def steered(config):
    """Conditioning switched on mid-run (Apply to G and D), the class subset changed live."""
    session = Session(config)
    train(session, 15)
    session.apply(cmd.SetParam("training.conditional", True))  # pending until Apply
    train(session, 5)
    assert session.pending == {"training.conditional": True} and not session.gan.conditional
    session.apply(cmd.Rebuild("both"))  # step 20
    assert session.gan.conditional and session.gan.generator.spec.input_size == 100 + 10
    train(session, 10)
    session.apply(cmd.SetParam("data.classes", [3, 6]))  # step 30
    train(session, 12)
    return session


def test_switching_conditioning_on_is_logged_and_replayed_bit_exact(tmp_path):
    config = small_config(**{"training.conditional": False, "seed": 4})
    with threadpool_limits(1):
        original = steered(config)
        Run.new(tmp_path, "vanilla", config).save(original)
        run = read_run(tmp_path)
        replayed = Session(run.config)
        replay(replayed, run.changes, run.last_step, lambda: replayed.step() is not None or True)
    assert [(c.step, c.action) for c in original.changes.entries] == [
        (15, {"set": {"training.conditional": True}}),
        (20, {"apply": "both"}),
        (30, {"set": {"data.classes": [3, 6]}}),
    ]
    assert 'apply = "both"' in (tmp_path / "run.toml").read_text()
    assert replayed.step_count == 42 and same(weights(replayed), weights(original))
    assert original.history.events[0].label == "rebuilt G and D: conditional false -> true"


def test_apply_to_one_network_leaves_conditioning_pending():
    session = Session(small_config(**{"training.conditional": False}))
    session.apply(cmd.SetParam("training.conditional", True))
    session.apply(cmd.SetParam("generator.hidden", [40]))
    session.apply(cmd.Rebuild("g"))
    assert session.pending == {"training.conditional": True} and not session.gan.conditional
    assert session.gan.generator.spec.sizes == (100, 40, 784)


# -- ganstudio sample ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def conditional_checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("cond") / "run"
    args = [f"--set={k}={v}" for k, v in {**SMALL, "generator.hidden": 16, "discriminator.hidden": 16}.items()]
    result = ganstudio("train", "--preset", "vanilla", *args, "--set", "data.classes=2,7", "--steps", "30", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out / "checkpoint.npz"


def drawn_for(checkpoint, labels, n, seed=0):
    """What `sample -n n --seed seed` must write when asked for `labels` (n,): the checkpoint's
    G (EMA off in this run) on the same noise, as uint8 images."""
    ckpt = Checkpoint(checkpoint)
    z = np.random.default_rng(seed).standard_normal((n, ckpt.config.generator.latent_size), dtype=np.float32)
    samples = ckpt.build_gan().sample(z, labels=np.asarray(labels))
    return np.clip(np.rint((samples + 1.0) / 2.0 * 255.0), 0, 255).astype(np.uint8).reshape(n, 28, 28)


def test_sample_class_feeds_that_class_to_the_generator(conditional_checkpoint, tmp_path):
    result = ganstudio("sample", str(conditional_checkpoint), "--class", "7", "-n", "6", "-o", str(tmp_path / "sevens.npy"))
    assert result.returncode == 0, result.stderr
    sevens = np.load(tmp_path / "sevens.npy")
    np.testing.assert_array_equal(sevens, drawn_for(conditional_checkpoint, [7] * 6, 6))
    assert not np.array_equal(sevens, drawn_for(conditional_checkpoint, [2] * 6, 6))
    both = tmp_path / "both.npy"
    assert ganstudio("sample", str(conditional_checkpoint), "--class", "7,2", "-n", "6", "-o", str(both)).returncode == 0
    np.testing.assert_array_equal(np.load(both), drawn_for(conditional_checkpoint, [2, 2, 2, 7, 7, 7], 6))  # grouped by class
    repeated = tmp_path / "repeated.npy"
    assert (
        ganstudio(
            "sample", str(conditional_checkpoint), "--class", "2", "--class", "7", "-n", "6", "-o", str(repeated)
        ).returncode
        == 0
    )
    np.testing.assert_array_equal(np.load(repeated), np.load(both))


def test_sample_class_is_refused_for_a_class_the_run_does_not_have(conditional_checkpoint, tmp_path):
    result = ganstudio("sample", str(conditional_checkpoint), "--class", "3", "-o", str(tmp_path / "x.npy"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--class 3: the run has no such class; its classes are 2, 7" in result.stderr
    assert not (tmp_path / "x.npy").exists()


def test_sample_class_is_refused_for_an_unconditional_run(tmp_path):
    out = tmp_path / "plain"
    args = ["--set", "data.dataset=synthetic-digits", "--set", "generator.hidden=8", "--set", "discriminator.hidden=8"]
    assert ganstudio("train", *args, "--steps", "2", "--out", str(out)).returncode == 0
    result = ganstudio("sample", str(out / "checkpoint.npz"), "--class", "7", "-o", str(tmp_path / "x.png"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--class: this run is not conditional" in result.stderr


def test_sample_report_gives_the_class_accuracy_overall_and_per_class(conditional_checkpoint):
    result = ganstudio("sample", str(conditional_checkpoint), "--report")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    overall = next(line for line in lines if line.startswith("class accuracy: "))
    assert overall.endswith("(samples the classifier assigns to the class they were asked for)")
    per_class = next(line for line in lines if line.startswith("class accuracy by class: "))
    assert [part.split(":")[0] for part in per_class.split(": ", 1)[1].split()] == ["2", "7"]
    only_sevens = ganstudio("sample", str(conditional_checkpoint), "--report", "--class", "7").stdout.splitlines()
    assert next(line for line in only_sevens if line.startswith("class accuracy by class: ")).split(": ", 1)[1].startswith("7:")
    assert len(next(line for line in only_sevens if line.startswith("class accuracy by class: ")).split()) == 5


def test_insight_measures_the_class_accuracy_of_a_conditional_digits_run_and_keeps_it(tmp_path):
    session = Session(small_config(**{"run.insight_every": 10, "data.classes": [0, 5, 8]}))
    train(session, 20)
    snap = session.snapshot()
    steps, accuracy = snap.insight_series["class_accuracy"]
    assert steps.tolist() == [10, 20] and ((accuracy >= 0) & (accuracy <= 1)).all()
    assert np.isfinite(snap.class_accuracy).tolist() == [c in (0, 5, 8) for c in range(10)]  # only the classes asked for
    save_checkpoint(session, tmp_path / "c.npz")
    resumed = load_session(tmp_path / "c.npz").snapshot()
    np.testing.assert_array_equal(resumed.class_accuracy, snap.class_accuracy)
    np.testing.assert_array_equal(resumed.insight_series["class_accuracy"][1], accuracy)
    plain = Session(small_config(**{"run.insight_every": 10, "training.conditional": False}))
    train(plain, 10)
    assert "class_accuracy" not in plain.snapshot().insight_series and plain.snapshot().class_accuracy is None
