"""TensorBoard logs (`train --tensorboard`, `runs export --tensorboard`), read back from their event
files (support.logged, support.hparams_of)."""

import os
import subprocess
import sys

import numpy as np
import pytest

from ganstudio.run.checkpoint import Checkpoint
from ganstudio.run.state import section

from support import history_csv, hparams_of, logged

tensorboardX = pytest.importorskip("tensorboardX", reason='needs the tensorboard extra: pip install "ganstudio[tensorboard]"')

RING8 = ("--preset", "ring8", "--set", "run.record_every=100", "--set", "run.insight_every=100")


def ganstudio(*args, **env):
    environment = {**os.environ, "GANSTUDIO_BLAS_THREADS": "1", **env}
    return subprocess.run(
        [sys.executable, "-m", "ganstudio", *args], capture_output=True, text=True, env=environment, timeout=600
    )


def test_train_logs_what_the_window_plots_and_export_writes_the_same(tmp_path):
    runs, live, exported = tmp_path / "runs", tmp_path / "live", tmp_path / "exported"
    first = ganstudio("train", *RING8, "--steps", "300", "--runs-dir", str(runs), "--tensorboard", str(live))
    assert first.returncode == 0, first.stderr
    (folder,) = runs.iterdir()
    resumed = ganstudio(
        "train", "--resume", str(folder), "--steps", "500", "--set", "optimizer.lr=0.005", "--tensorboard", str(live)
    )
    assert resumed.returncode == 0, resumed.stderr
    scalars, images, texts = logged(live / folder.name)

    rows = history_csv(folder)
    for field, tag in (
        ("d_loss", "loss/d"),
        ("g_loss", "loss/g"),
        ("d_real", "d/real"),
        ("lr_g", "lr/g"),
        ("steps_per_s", "speed/steps_per_s"),
    ):
        assert sorted(scalars[tag]) == [1, *range(10, 501, 10)], tag  # a row per 10 steps, both processes
        for step, value in scalars[tag].items():
            assert value == np.float32(rows[step][field]), (tag, step)
    assert scalars["lr/g"][310] > 3 * scalars["lr/g"][300]  # the change at step 300 (the preset's schedule decays it)
    assert {"grad_norm/g", "grad_norm/d", "d/fake", "lr/d", "insight/modes_covered", "insight/high_quality"} <= set(scalars)
    assert sorted(scalars["insight/modes_covered"]) == [100, 200, 300, 400, 500]

    recorder = section(Checkpoint(folder / "checkpoint.npz", sections=("recorder",)).arrays, "recorder")
    frame_steps = recorder["steps"].tolist()
    assert sorted(images) == frame_steps and len(frame_steps) >= 5
    for i, step in enumerate(frame_steps):
        np.testing.assert_array_equal(images[step], recorder[f"frame/{i:04d}"])
    changes = [(step, text) for tag, step, text in texts if tag == "changes/text_summary"]  # tensorboardX's tag of add_text
    assert changes == [(300, "optimizer.d.lr 0.001 -> 0.005"), (300, "optimizer.g.lr 0.001 -> 0.005")]

    hparams, metrics = hparams_of(live / folder.name)
    assert hparams["optimizer.g.lr"] == pytest.approx(1e-3) and hparams["data.dataset"] == "ring8"  # the starting config
    assert metrics["final/last_step"] == 500 and "final/modes_covered" in metrics

    export = ganstudio("runs", "--runs-dir", str(runs), "export", folder.name, "--tensorboard", str(exported))
    assert export.returncode == 0, export.stderr
    assert logged(exported / folder.name)[0] == scalars
    assert sorted(logged(exported / folder.name)[1]) == sorted(images)
    assert logged(exported / folder.name)[2] == texts
    assert hparams_of(exported / folder.name) == (hparams, metrics)


def test_export_of_a_sweep_goes_on_past_a_damaged_run_and_refuses_a_second_export(tmp_path):
    runs, tb = tmp_path / "runs", tmp_path / "tb"
    sweep = ganstudio(
        "sweep", *RING8, "--grid", "optimizer.lr=1e-4,1e-3,2e-3", "--steps", "100", "--name", "tb", "--runs-dir", str(runs)
    )
    assert sweep.returncode == 0, sweep.stderr
    (runs / "tb-02" / "checkpoint.npz").write_bytes(b"not a checkpoint")
    export = ganstudio("runs", "--runs-dir", str(runs), "export", "tb", "--tensorboard", str(tb))
    assert export.returncode == 2
    (line,) = export.stderr.strip().splitlines()
    assert line.startswith("ganstudio: tb-02: not exported:") and "checkpoint.npz" in line
    assert sorted(p.name for p in tb.iterdir()) == ["tb-01", "tb-03"]
    assert [hparams_of(tb / name)[0]["optimizer.g.lr"] for name in ("tb-01", "tb-03")] == pytest.approx([1e-4, 2e-3])
    again = ganstudio("runs", "--runs-dir", str(runs), "export", "tb-01", "--tensorboard", str(tb))
    assert again.returncode == 2 and "already holds a log" in again.stderr and len(again.stderr.splitlines()) == 1


def test_tensorboard_is_refused_before_training_without_the_extra_or_a_writable_folder(tmp_path):
    runs = tmp_path / "runs"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    unwritable = ganstudio("train", *RING8, "--steps", "50", "--runs-dir", str(runs), "--tensorboard", str(blocker / "tb"))
    assert unwritable.returncode == 2
    assert unwritable.stderr.strip() == f"ganstudio: error: --tensorboard {blocker / 'tb'}: {blocker} is a file, not a folder"
    hidden = tmp_path / "no-tensorboardx"  # a tensorboardX that cannot be imported, ahead of the installed one
    (hidden / "tensorboardX").mkdir(parents=True)
    (hidden / "tensorboardX" / "__init__.py").write_text("raise ImportError('No module named tensorboardX')\n")
    missing = ganstudio(
        "train", *RING8, "--steps", "50", "--runs-dir", str(runs), "--tensorboard", str(tmp_path / "tb"), PYTHONPATH=str(hidden)
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().endswith('pip install "ganstudio[tensorboard]"') and len(missing.stderr.splitlines()) == 1
    assert not runs.exists() or not any(runs.iterdir())  # nothing trained, no run folder left
    assert not (tmp_path / "tb").exists()
