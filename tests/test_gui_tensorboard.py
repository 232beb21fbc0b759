"""Recording's "Log to TensorBoard" in the window (pytest-qt, offscreen, real widgets, real runs):
the logs read back from their event files (support.logged, support.hparams_of)."""

import subprocess
import sys

import numpy as np
import pytest

from ganstudio.config.presets import load_preset
from ganstudio.media.tensorboard import INSTALL_HINT
from ganstudio.run.checkpoint import Checkpoint
from ganstudio.run.state import section

from support import click, history_csv, hparams_of, logged, open_window

pytest.importorskip("tensorboardX", reason='needs the tensorboard extra: pip install "ganstudio[tensorboard]"')

RING8 = load_preset("ring8").with_values({"run.record_every": 50, "run.insight_every": 100})
NEVER = 3600.0  # a save interval no test reaches: saves come from pauses, resets and closing


def log_into(qtbot, window, folder):
    """Choose `folder` for the logs and tick the box, as a user does."""
    row = window.controls.tensorboard
    row.use_folder(str(folder))
    click(qtbot, row.box)
    assert row.box.isChecked()


def train_past(qtbot, window, step):
    click(qtbot, window.run_controls.start_button)
    qtbot.waitUntil(lambda: window.snapshot.step > step, timeout=30_000)


def only_folder(runs):
    (folder,) = [p for p in runs.iterdir() if p.is_dir()]
    return folder


def test_ticking_the_box_logs_the_run_as_its_history_and_recorded_frames(qtbot, tmp_path):
    runs, tb = tmp_path / "runs", tmp_path / "tb"
    window = open_window(qtbot, tmp_path, RING8, runs_dir=str(runs), save_every=NEVER)
    log_into(qtbot, window, tb)
    train_past(qtbot, window, 260)
    window.close()  # while training: the log ends with the run's figures
    folder = only_folder(runs)
    scalars, images, _ = logged(tb / folder.name)

    rows = history_csv(folder)
    last = max(rows)
    assert sorted(scalars["loss/d"]) == sorted({1, *range(10, last + 1, 10), last})  # a row per 10 steps and the last
    for tag, field in (("loss/d", "d_loss"), ("loss/g", "g_loss"), ("d/real", "d_real"), ("lr/g", "lr_g")):
        for step, value in scalars[tag].items():
            assert value == np.float32(rows[step][field]), (tag, step)
    assert sorted(scalars["insight/modes_covered"]) == list(range(100, last + 1, 100))

    recorder = section(Checkpoint(folder / "checkpoint.npz", sections=("recorder",)).arrays, "recorder")
    frame_steps = recorder["steps"].tolist()
    assert sorted(images) == frame_steps and len(frame_steps) >= 5
    for i, step in enumerate(frame_steps):
        np.testing.assert_array_equal(images[step], recorder[f"frame/{i:04d}"])

    hparams, metrics = hparams_of(tb / folder.name)
    assert hparams["data.dataset"] == "ring8" and hparams["run.record_every"] == 50
    assert metrics["final/last_step"] == last and "final/modes_covered" in metrics


def test_a_reset_ends_the_runs_log_and_starts_a_new_log_folder(qtbot, tmp_path):
    runs, tb = tmp_path / "runs", tmp_path / "tb"
    window = open_window(qtbot, tmp_path, RING8, runs_dir=str(runs), save_every=NEVER)
    log_into(qtbot, window, tb)
    train_past(qtbot, window, 30)
    click(qtbot, window.run_controls.reset_button)
    qtbot.waitUntil(lambda: window.snapshot.step == 0 and window.snapshot.paused, timeout=10_000)
    before = max(logged(tb / only_folder(runs).name)[0]["loss/d"])  # the run's last step before the reset
    train_past(qtbot, window, 20)
    window.close()
    name = only_folder(runs).name  # the same run goes on in its folder
    assert sorted(p.name for p in tb.iterdir()) == [name, f"{name}-2"]
    assert hparams_of(tb / name)[1]["final/last_step"] == before > 30
    after = logged(tb / f"{name}-2")[0]["loss/d"]
    assert min(after) == 1 and hparams_of(tb / f"{name}-2")[1]["final/last_step"] == max(after) > 20


def test_the_box_and_its_folder_are_remembered_for_the_next_window(qtbot, tmp_path):
    tb = tmp_path / "tb"
    first = open_window(qtbot, tmp_path, RING8, runs_dir=str(tmp_path / "runs"), save_every=NEVER)
    row = first.controls.tensorboard
    assert not row.box.isChecked() and row.folder.endswith("/ganstudio-tensorboard")  # the default: off, ~/ganstudio-tensorboard
    log_into(qtbot, first, tb)
    first.close()
    second = open_window(qtbot, tmp_path, RING8, runs_dir=str(tmp_path / "runs"), save_every=NEVER)
    row = second.controls.tensorboard
    assert row.box.isChecked() and row.folder == str(tb)
    second.close()
    assert not tb.exists()  # neither run trained a step: no run, no log


def test_a_folder_that_cannot_be_written_is_one_banner_and_unticks_the_box(qtbot, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the logs' folder should be")
    window = open_window(qtbot, tmp_path, RING8, runs_dir=str(tmp_path / "runs"), save_every=NEVER)
    log_into(qtbot, window, blocker / "tb")
    row = window.controls.tensorboard
    qtbot.waitUntil(lambda: not row.box.isChecked(), timeout=10_000)
    assert window.banner.isVisible() and window.banner.text() == (
        f"TensorBoard folder {blocker / 'tb'}: {blocker} is a file, not a folder. Not logging to TensorBoard; training goes on."
    )
    train_past(qtbot, window, 20)  # training goes on
    window.close()
    assert window.settings.value("tensorboard/on") in (False, "false")


def test_without_tensorboardx_the_box_is_disabled_with_the_install_hint(qtbot, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # import fails as if not installed
    window = open_window(qtbot, tmp_path, RING8, runs_dir=str(tmp_path / "runs"), save_every=NEVER)
    row = window.controls.tensorboard
    assert not row.box.isEnabled() and not row.box.isChecked()
    assert row.box.toolTip() == INSTALL_HINT == row.status.text()
    assert INSTALL_HINT.endswith('pip install "ganstudio[tensorboard]"')
    window.close()


def test_opening_the_window_imports_no_tensorboardx_until_the_box_is_ticked(tmp_path):
    code = (
        "import sys, time\n"
        "from PySide6.QtCore import QSettings\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from ganstudio.config.presets import load_preset\n"
        "from ganstudio.gui.window.main_window import MainWindow\n"
        "from ganstudio.run import commands as cmd\n"
        "def wait(done):\n"
        "    while not done():\n"
        "        app.processEvents()\n"
        "        time.sleep(0.01)\n"
        "app = QApplication([])\n"
        f"settings = QSettings({str(tmp_path / 'settings.ini')!r}, QSettings.Format.IniFormat)\n"
        f"window = MainWindow(load_preset('ring8'), settings=settings, runs_dir={str(tmp_path / 'runs')!r})\n"
        "wait(lambda: window.snapshot is not None)\n"
        "before = 'tensorboardX' in sys.modules\n"
        "row = window.controls.tensorboard\n"
        f"row.use_folder({str(tmp_path / 'tb')!r})\n"
        "row.box.setChecked(True)\n"
        "window.submit(cmd.Resume())\n"
        "wait(lambda: row.status.text().startswith('logging into'))\n"
        "window.close()\n"
        "print(before, 'tensorboardX' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "True"], out.stderr
