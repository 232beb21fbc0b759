"""The window as a real process, stopped by real signals: Ctrl-C in the terminal that started it
(SIGINT) or `kill` / a logout (SIGTERM) closes it as its close button would, so the run training
in it is saved at the step it reached, and the app exits 130 / 143."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from ganstudio.run.checkpoint import Checkpoint

SINGLE_RUN_WAIT_S = 120


def open_app(tmp_path):
    """`ganstudio --preset ring8 --start` offscreen, with a fresh home and its own runs folder."""
    home = tmp_path / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "QT_QPA_PLATFORM": "offscreen",
        "GANSTUDIO_BLAS_THREADS": "1",
    }
    command = [sys.executable, "-m", "ganstudio", "--preset", "ring8", "--start", "--runs-dir", str(tmp_path / "runs")]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def the_run_folder(proc, runs):
    """The window's run folder, once its first save (at the first trained step) is whole."""
    deadline = time.monotonic() + SINGLE_RUN_WAIT_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        folders = [f for f in runs.glob("*-ring8") if (f / "summary.json").exists()]
        if folders:
            return folders[0]
        time.sleep(0.1)
    raise AssertionError("the window's run never got a folder")


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_closes_the_window_and_keeps_its_run_at_the_step_it_reached(tmp_path, sig, status):
    if signal.getsignal(sig) is signal.SIG_IGN:
        pytest.skip("this test process ignores the signal (a background job), so would the app")
    proc = open_app(tmp_path)
    try:
        folder = the_run_folder(proc, tmp_path / "runs")
        assert json.loads((folder / "summary.json").read_text())["last_step"] == 1  # the first save
        time.sleep(1.5)  # ring8 trains hundreds of steps meanwhile; the next periodic save is a minute away
        proc.send_signal(sig)
        assert proc.wait(timeout=SINGLE_RUN_WAIT_S) == status
    finally:
        proc.kill()
    stderr = proc.stderr.read()
    assert f"{signal.Signals(sig).name}: closing the window (its run is saved first)" in stderr
    assert "Traceback" not in stderr
    saved = json.loads((folder / "summary.json").read_text())["last_step"]
    assert saved > 1 and Checkpoint(folder / "checkpoint.npz").step == saved
