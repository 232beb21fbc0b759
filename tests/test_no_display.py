"""`ganstudio` (the window) where there is no display: one line and exit 2, never Qt's abort."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


def free_x_display() -> str:
    """A display name no X server listens on (neither its socket file nor its abstract socket)."""
    listening = Path("/proc/net/unix").read_text() if Path("/proc/net/unix").exists() else ""
    for number in range(4242, 4342):
        socket = f"/tmp/.X11-unix/X{number}"
        if not Path(socket).exists() and socket not in listening:
            return f":{number}"
    raise AssertionError("no free X display number")


def open_window(tmp_path, **display) -> subprocess.CompletedProcess:
    """`ganstudio --preset ring8` in a fresh home, with only the display variables `display`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(display, XDG_CONFIG_HOME=str(tmp_path / "config"), GANSTUDIO_RUNS_DIR=str(tmp_path / "runs"))
    return subprocess.run(
        [sys.executable, "-m", "ganstudio", "--preset", "ring8"], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("display", [{}, {"DISPLAY": "dead"}], ids=["DISPLAY unset", "DISPLAY without a server"])
def test_without_a_display_the_window_says_so_in_one_line_and_exits_2(tmp_path, display):
    display = {"DISPLAY": free_x_display()} if display else {}
    done = open_window(tmp_path, **display)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganstudio: error: no display"), done.stderr
    assert "ganstudio train" in lines[0] and "QT_QPA_PLATFORM=offscreen" in lines[0]
    if display:
        assert f"DISPLAY={display['DISPLAY']}" in lines[0]
    else:
        assert "DISPLAY is not set" in lines[0]
    assert not (tmp_path / "config").exists() and not (tmp_path / "runs").exists()  # nothing was made
