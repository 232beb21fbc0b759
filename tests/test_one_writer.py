"""One writer per run folder, with real processes: a sweep killed with SIGKILL takes its workers
with it (they stop, write their runs resumable and exit) and the same command resumes the runs;
a second writer of a run folder (`train --out` the same folder, a sweep whose run folder another
process writes) is one line naming the folder and the writer, exit 2, and loses nothing; a killed
writer's lock does not block; two `train` processes write new runs into one runs folder while
`runs list` reads it, which never shows an error or a run without its summary.

The runs are the ring8 toy (tens of steps take well under a second), as in test_sweep.py.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganstudio.cli import main as cli
from ganstudio.config.model import RunConfig
from ganstudio.files.atomic import WriteError
from ganstudio.run.session import Session
from ganstudio.runs.headless import write_outputs
from ganstudio.runs.layout import OUTPUT_NAMES, SUMMARY
from ganstudio.runs.library import Run, list_runs, new_run_folder, read_run, read_summary
from ganstudio.runs.lock import LOCK

TOY = ["--preset", "ring8", "--set", "run.insight_every=20", "--set", "data.batch_size=64"]
FOREVER = str(10**9)  # --steps for a writer that trains until it is stopped
DEADLINE = 120.0  # seconds a test waits for something that happens in well under one


def environment():
    return {**os.environ, "GANSTUDIO_BLAS_THREADS": "1"}


def start(*args):
    """`python -m ganstudio ARGS` started, its output piped."""
    command = [sys.executable, "-m", "ganstudio", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment())


def ganstudio(*args):
    return subprocess.run(
        [sys.executable, "-m", "ganstudio", *args], capture_output=True, text=True, env=environment(), timeout=600
    )


def wait_until(condition, what):
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"waited {DEADLINE:.0f} s for {what}"
        time.sleep(0.05)


def alive(pid):
    """Whether the process `pid` exists and has not ended (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def children(pid):
    """The process ids of `pid`'s children."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def holder(folder):
    """The process id written in `folder`'s lock file (0 when there is none yet)."""
    try:
        return int((folder / LOCK).read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def assert_one_line_error(result, *words):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_killed_sweeps_workers_save_their_runs_and_exit_and_the_same_command_resumes_them(tmp_path):
    """SIGKILL of the sweep's process while its two workers train: each worker stops its run,
    writes it (a checkpoint to resume) and exits; none trains on. While a process writes one of
    its run folders, the same command is refused naming it; once it is gone the command resumes
    both runs from their checkpoints and finishes them."""
    runs = tmp_path / "runs"
    args = ["sweep", *TOY, "--grid", "optimizer.lr=1e-4,1e-3", "--seconds", "2", "--workers", "2", "--name", "k"]
    args += ["--runs-dir", str(runs)]
    folders = [runs / "k-01", runs / "k-02"]
    sweep = start(*args)
    workers = []
    try:
        wait_until(lambda: all(f.is_dir() for f in folders), "both workers to start their runs")
        workers = [pid for pid in children(sweep.pid) if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(workers) == 2
        sweep.kill()
        sweep.wait(timeout=60)
        wait_until(lambda: not any(alive(pid) for pid in workers), "the orphaned workers to exit")
    finally:
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        sweep.kill()
        sweep.communicate(timeout=60)  # the workers had its output pipes too
    stopped = {f: read_summary(f)["last_step"] for f in folders}  # written by each worker as it stopped
    assert all(step > 0 for step in stopped.values()) and all((f / "checkpoint.npz").exists() for f in folders)

    # another process writing k-02 (here: holding its lock as a writer does) keeps the sweep from starting
    code = f"from ganstudio.runs.lock import FolderLock; lock = FolderLock({str(folders[1])!r}); print(1, flush=True); input()"
    other = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline() == "1\n"
        manifest = (runs / "sweeps" / "k" / "sweep.json").read_bytes()
        assert_one_line_error(ganstudio(*args), f"{folders[1]}: process {other.pid} is writing there")
        assert (runs / "sweeps" / "k" / "sweep.json").read_bytes() == manifest
        assert {f: read_summary(f)["last_step"] for f in folders} == stopped
    finally:
        other.communicate("\n", timeout=60)

    again = ganstudio(*args)
    assert again.returncode == 0, again.stderr
    for folder in folders:
        assert f"{folder.name} resumes from its checkpoint at step {stopped[folder]}" in again.stderr
        summary = read_summary(folder)
        assert summary["last_step"] > stopped[folder] and summary["wall_time_s"] >= 2
        assert not (folder / LOCK).exists()  # the writer that ended removed it
    assert [r["status"] for r in json.loads((runs / "sweeps" / "k" / "sweep.json").read_text())["runs"]] == ["finished"] * 2


def test_a_second_train_into_a_folder_being_written_and_its_deletion_are_refused_and_the_first_loses_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    first = start("train", *TOY, "--steps", FOREVER, "--out", str(out))
    try:
        wait_until(lambda: holder(out) == first.pid, "the first train to lock its folder")
        for extra in ([], ["--force"]):  # --force overwrites a finished run's outputs, never a writer's
            assert cli.main(["train", *TOY, "--steps", "5", "--out", str(out), *extra]) == 2
            err = capsys.readouterr().err
            assert err.strip() == (
                f"ganstudio: error: {out}: process {first.pid} is writing there (one writer per folder); "
                "wait for it to end, or stop it first"
            )
        assert cli.main(["runs", "rm", str(out), "--yes"]) == 2  # deleting it would lose what the writer writes next
        err = capsys.readouterr().err
        assert err.strip() == (
            f"ganstudio: error: {out}: process {first.pid} is writing this run; not deleting it (stop that process first)"
        )
        first.send_signal(signal.SIGTERM)
        _, stderr = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 143, stderr
    step = read_summary(out)["last_step"]
    assert step > 0 and read_run(out).last_step == step and all((out / name).exists() for name in OUTPUT_NAMES)
    assert not (out / LOCK).exists()


def test_a_killed_writers_lock_does_not_block_the_next(tmp_path):
    out = tmp_path / "run"
    first = start("train", *TOY, "--steps", FOREVER, "--out", str(out))
    try:
        wait_until(lambda: holder(out) == first.pid, "the first train to lock its folder")
    finally:
        first.kill()
        first.communicate(timeout=60)
    assert holder(out) == first.pid  # its lock file stays behind, unlocked by the kernel
    again = ganstudio("train", *TOY, "--steps", "5", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert read_summary(out)["last_step"] == 5 and not (out / LOCK).exists()


def test_two_trains_write_distinct_whole_runs_into_one_runs_folder_while_runs_list_reads_it(tmp_path, capsys):
    """`runs list` in a loop (in this process, as fast as it goes) until both writers have ended,
    then once more: never an error line, and every run it lists has its summary (ring8 measures
    its modes every 20 steps: a listed run without them was listed before its summary existed)."""
    runs = tmp_path / "runs"
    writers = [start("train", *TOY, "--steps", "400", "--runs-dir", str(runs)) for _ in range(2)]
    listings = 0
    try:
        while True:
            ended = all(w.poll() is not None for w in writers)
            assert cli.main(["runs", "--runs-dir", str(runs), "list", "--json"]) == 0
            out, err = capsys.readouterr()
            assert err == ""
            for row in json.loads(out):
                assert row["modes_covered"] is not None and row["steps"] == 400, row
            listings += 1
            if ended:
                break
        results = [w.communicate(timeout=60) for w in writers]
    finally:
        for w in writers:
            w.kill()
    assert [w.returncode for w in writers] == [0, 0], results
    folders = sorted(p for p in runs.iterdir() if p.is_dir())
    assert len(folders) == 2 and listings > 1
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == sorted(OUTPUT_NAMES)  # whole, no lock or staging file left
        assert read_run(folder).name == folder.name and read_summary(folder)["last_step"] == 400


def test_a_folder_whose_first_save_failed_before_its_summary_is_not_listed_as_a_run(tmp_path):
    """run.toml, which makes a folder a run for the listing, is written after summary.json: a save
    that fails at the summary (here: a folder in its place) leaves no run without its summary."""
    session = Session(RunConfig().with_values({"data.dataset": "ring8"}))
    session.step()
    run = Run.new(new_run_folder(tmp_path, "ring8"), "ring8", session.config)
    (run.folder / SUMMARY).mkdir()
    with pytest.raises(WriteError, match=SUMMARY):
        write_outputs(session, run.folder, None, run=run)
    assert list_runs(tmp_path) == ([], [])
