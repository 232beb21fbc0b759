"""The Python API (ganstudio.api): a run made from Python is a run of the library like any other.

It lists, opens in the window, compares, continues bit for bit and replays bit for bit through
`ganstudio train --replay`; its live changes are logged as the window logs them; bad input is one
ConfigError with a clear message, raised before anything is loaded or written. One BLAS thread
throughout, since thread counts change the last bits of a matrix product.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ganstudio
from ganstudio.run.checkpoint import Checkpoint
from ganstudio.runs.compare import Comparison
from ganstudio.runs.library import read_run

SMALL = {"data.dataset": "synthetic-digits", "generator.hidden": [32], "discriminator.hidden": [32], "data.batch_size": 32}


@pytest.fixture
def runs(tmp_path, monkeypatch):
    """An empty runs folder for this test, the default of the API and of the CLI it starts."""
    folder = tmp_path / "runs"
    monkeypatch.setenv("GANSTUDIO_RUNS_DIR", str(folder))
    monkeypatch.setenv("GANSTUDIO_BLAS_THREADS", "1")
    return folder


def small_run(name=None, **settings):
    return ganstudio.new_run("vanilla", name=name, set=SMALL, **settings)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "ganstudio", *args], capture_output=True, text=True, timeout=300)


def gan_arrays(folder):
    return {k: v for k, v in Checkpoint(folder / "checkpoint.npz").arrays.items() if k.startswith("gan/")}


def assert_same_arrays(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_import_ganstudio_loads_neither_numpy_nor_qt_until_an_api_name_is_used():
    code = (
        "import sys, ganstudio\n"
        "heavy = lambda: sorted(m for m in ('numpy', 'PySide6', 'ganstudio.api') if m in sys.modules)\n"
        "print(heavy()); ganstudio.new_run; print(heavy())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["[]", "['ganstudio.api', 'numpy']"]


def test_a_steered_notebook_run_lists_and_replays_bit_for_bit(runs):
    with small_run("steered") as run:
        run.train(steps=30, progress=False)
        run.set(lr=5e-4)
        run.train(steps=20, progress=False)
        assert run.folder == runs / "steered" and run.name == "steered" and run.step == 50
    logged = read_run(runs / "steered")
    assert [(c.step, c.action) for c in logged.changes] == [(30, {"set": {"optimizer.lr": 0.0005}})]  # as the window logs it
    assert logged.preset == "vanilla" and logged.last_step == 50
    listed = cli("runs", "list")
    assert listed.returncode == 0 and "steered" in listed.stdout
    replayed = cli("train", "--replay", "steered")
    assert replayed.returncode == 0, replayed.stderr
    (copy,) = [f for f in runs.iterdir() if f.name.endswith("vanilla-replay")]
    assert_same_arrays(gan_arrays(copy), gan_arrays(runs / "steered"))


def test_open_run_continues_bit_for_bit_and_the_runs_compare(runs):
    with small_run("whole") as whole:
        whole.train(steps=40, progress=False)
    with small_run("halves") as halves:
        halves.train(steps=20, progress=False)
    with ganstudio.open_run("halves") as again:
        assert again.step == 20 and again.folder == runs / "halves"
        again.train(steps=20, progress=False)
    assert_same_arrays(gan_arrays(runs / "halves"), gan_arrays(runs / "whole"))
    with small_run("faster", lr=1e-3) as other:
        other.train(steps=20, progress=False)
    comparison = Comparison.load([runs / "whole", runs / "faster"])
    assert [d.label for d in comparison.runs] == ["optimizer.lr=0.0002", "optimizer.lr=0.001"]


def test_a_notebook_run_opens_in_the_window(qtbot, runs, tmp_path):
    from ganstudio.gui.window.worker import OpenCheckpoint

    from support import running_window

    with small_run("notebook") as run:
        run.train(steps=12, progress=False)
        config = run.config
    with running_window(qtbot, tmp_path, config) as window:
        window.open_run(OpenCheckpoint(str(runs / "notebook" / "checkpoint.npz")))
        qtbot.waitUntil(lambda: window.host.worker.keeper.folder == runs / "notebook", timeout=20_000)
        qtbot.waitUntil(lambda: window.snapshot.step == 12, timeout=20_000)


def test_samples_grid_history_and_report(runs):
    run = small_run(**{"view.grid": 4})
    run.train(steps=5, progress=False)
    images = run.samples(10)
    assert images.shape == (10, 28, 28) and images.dtype == np.uint8
    assert np.array_equal(run.samples(10), images) and not np.array_equal(run.samples(10, seed=1), images)
    grid = run.grid(scale=1)
    assert isinstance(grid, Image.Image) and grid.mode == "L"
    assert np.array_equal(np.asarray(grid), np.asarray(Image.open(run.folder / "samples.png")))  # what the folder holds
    history = run.history
    assert len(history) == 5 and [r["step"] for r in history] == [1, 2, 3, 4, 5] and set(history[0]) >= {"d_loss", "g_loss"}
    assert list(history.as_dataframe().index) == [1, 2, 3, 4, 5]
    report = run.report()
    assert repr(report).splitlines()[:4] == [
        "step: 5",
        "weights: last, step 5 (live weights)",
        "dataset: synthetic-digits",
        "samples drawn: 1,000 (noise seed 0)",
    ]
    assert report.classes_covered is not None and report.fid > 0 and report.modes_covered is None
    run.close()
    printed = cli("sample", run.name, "--report", "--weights", "last")
    assert printed.returncode == 0 and printed.stdout.strip() == repr(report)


def test_a_2d_run_samples_points(runs):
    run = ganstudio.new_run("ring8")
    points = run.samples(7)
    assert points.shape == (7, 2) and points.dtype == np.float32
    assert run.report().modes_covered is not None and run.folder is None  # looking makes no folder


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ganstudio.new_run("vanila"), "unknown preset 'vanila'; presets are: "),
        (lambda: small_run(lrr=1e-3), "unknown setting 'lrr'; did you mean lr?"),
        (
            lambda: ganstudio.new_run("vanilla", set={**SMALL, "optimizer.lrr": 1}),
            "unknown setting 'optimizer.lrr'; did you mean optimizer.lr?",
        ),
        (lambda: small_run(hidden=[8]), "setting 'hidden': generator.hidden and discriminator.hidden are both called so"),
        (lambda: small_run(lr=-1), "optimizer.g.lr: -1.0 is outside the allowed range (0, 10]"),
        (lambda: small_run(batch_size=10**6), "data.batch_size: 1000000 is outside the allowed range [1, 4096]"),
        (lambda: small_run(name="a/b"), "run name 'a/b': give a plain folder name"),
        (lambda: ganstudio.new_run("vanilla", data_dir="/no/such/folder"), "data_dir '/no/such/folder': no such folder"),
        (lambda: ganstudio.open_run("nobody"), "nobody: no such run folder, and no run of that name"),
    ],
)
def test_bad_input_is_one_clear_config_error_and_leaves_nothing(runs, make, message):
    with pytest.raises(ganstudio.ConfigError) as error:
        make()
    assert message in str(error.value) and "\n" not in str(error.value)
    assert not runs.exists() or not any(runs.iterdir())


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda run: run.train(), "train: give steps=N or seconds=S (one of them)"),
        (lambda run: run.train(steps=5, seconds=1), "train: give steps=N or seconds=S (one of them)"),
        (lambda run: run.train(steps=0), "steps=0: expected a positive whole number"),
        (lambda run: run.train(steps=2.5), "steps=2.5: expected a positive whole number"),
        (lambda run: run.train(seconds=float("inf")), "seconds=inf: expected a positive number of seconds"),
        (lambda run: run.set(seed=3), "seed=3: a run keeps its seed and its sample shape; start a new run with it"),
        (lambda run: run.set(lr=1e-3, beta1=7), "optimizer.g.beta1: 7.0 is outside the allowed range [0, 1)"),
        (lambda run: run.samples(0), "samples: n=0: expected a whole number from 1 to 100,000"),
        (lambda run: run.report(weights="best"), "weights='best': this run keeps no best weights yet"),
    ],
)
def test_bad_calls_are_refused_and_change_nothing(runs, call, message):
    run = small_run()
    with pytest.raises(ganstudio.ConfigError) as error:
        call(run)
    assert message in str(error.value)
    assert run.step == 0 and run.session.changes.entries == [] and run.config.get("optimizer.g.lr") == 2e-4
    assert run.folder is None and not runs.exists()


def test_a_name_is_taken_once_and_an_open_run_is_not_opened_twice(runs):
    with small_run("mine") as run:
        run.train(steps=2, progress=False)
        with pytest.raises(ganstudio.ConfigError, match="run name 'mine': .* already has it"):
            small_run("mine")
        with pytest.raises(ganstudio.ConfigError, match="this Python process has the run open already"):
            ganstudio.open_run("mine")
    with pytest.raises(ganstudio.ConfigError, match="is closed; continue it with ganstudio.open_run"):
        run.train(steps=1)
    ganstudio.open_run("mine").close()


def test_an_architecture_setting_is_applied_as_the_window_applies_it(runs):
    with small_run() as run:
        run.train(steps=3, progress=False)
        run.set({"generator.hidden": [48]})
        assert run.config.generator.hidden == (48,) and run.session.pending == {}
        assert [c.action for c in run.session.changes.entries] == [{"set": {"generator.hidden": [48]}}, {"apply": "g"}]


def test_train_shows_a_status_line_without_tqdm(runs, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # tqdm not installed
    small_run().train(steps=3)
    assert "step        3" in capsys.readouterr().err


NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "notebook.ipynb"


def test_the_example_notebook_runs(runs, digits_dir, monkeypatch):
    """Every code cell of examples/notebook.ipynb, in order and in one namespace, as Jupyter runs
    them (on the synthetic digits as MNIST, a few steps a call), so the example cannot rot."""
    monkeypatch.setenv("GANSTUDIO_DATA_DIR", str(digits_dir))
    monkeypatch.setenv("GANSTUDIO_EXAMPLE_STEPS", "8")
    cells = [cell for cell in json.loads(NOTEBOOK.read_text())["cells"] if cell["cell_type"] == "code"]
    namespace = {"__name__": "__main__"}
    for cell in cells:
        exec(compile("".join(cell["source"]), f"notebook cell {cell['id']}", "exec"), namespace)
    (folder,) = runs.iterdir()
    assert read_run(folder).last_step == 20 and namespace["again"].folder == folder
