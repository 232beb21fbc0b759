"""Staging files that killed writes leave behind are swept by the next write into their folder,
while a writer that is still at work (in this process or another) keeps its file."""

import os
import signal
import subprocess
import sys
import time

import numpy as np

from ganstudio.files.atomic import STAGING, STALE_AFTER, atomic_path
from ganstudio.media import write_csv, write_png

KILLED_WRITE = """
import os, signal, sys
from ganstudio.files.atomic import atomic_file
with atomic_file(sys.argv[1]) as fh:
    fh.write(b"x" * 1_000_000)
    fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""

SLOW_WRITE = """
import sys
from ganstudio.files.atomic import atomic_file
with atomic_file(sys.argv[1]) as fh:
    fh.write(b"first half ")
    fh.flush()
    print("writing", flush=True)
    fh.write(sys.stdin.readline().encode())
"""


def staging_files(folder):
    """Names of the staging files in `folder`."""
    return sorted(p.name for p in folder.iterdir() if STAGING.fullmatch(p.name))


def age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_next_write_sweeps_what_killed_writes_left_and_spares_a_live_writer(tmp_path):
    live = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITE, str(tmp_path / "live.gif")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert live.stdout.readline() == "writing\n"
        (live_staging,) = staging_files(tmp_path)
        for _ in range(3):
            killed = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(tmp_path / "checkpoint.npz")])
            assert killed.returncode == -signal.SIGKILL
        leftovers = [n for n in staging_files(tmp_path) if n != live_staging]
        assert len(leftovers) == 3 and all(n.startswith(".checkpoint.") and n.endswith(".part.npz") for n in leftovers)
        assert all((tmp_path / n).stat().st_size == 1_000_000 for n in leftovers)
        for name in leftovers:
            age(tmp_path / name, STALE_AFTER + 60)
        age(tmp_path / live_staging, STALE_AFTER - 60)  # quiet for a while, but not for long enough
        unrelated = [
            tmp_path / ".notes.part.txt",
            tmp_path / "draft.1a2b3c4d.part.npz",
            tmp_path / "sub" / ".run.1a2b3c4d.part.npz",
        ]
        unrelated[2].parent.mkdir()
        for path in unrelated:
            path.write_text("mine")
            age(path, STALE_AFTER + 60)

        write_png(tmp_path / "samples.png", np.zeros((8, 8), np.uint8))
        assert staging_files(tmp_path) == [live_staging]
        assert all(path.read_text() == "mine" for path in unrelated)
        live.stdin.write("second half\n")
        live.stdin.close()
        assert live.wait(timeout=60) == 0
    finally:
        live.kill()
    assert (tmp_path / "live.gif").read_text() == "first half second half\n"
    assert (tmp_path / "samples.png").exists() and staging_files(tmp_path) == []


def test_a_slow_writer_in_this_process_is_never_swept(tmp_path):
    with atomic_path(tmp_path / "film.gif") as staged:
        staged.write_bytes(b"GIF89a")
        age(staged, 10 * STALE_AFTER)  # e.g. a long export that wrote nothing for a while
        write_csv(tmp_path / "history.csv", {"step": np.arange(3)})  # a second writer, same folder
        assert staged.exists()
    assert (tmp_path / "film.gif").read_bytes() == b"GIF89a" and (tmp_path / "history.csv").exists()
