"""A new user's first hour on the command line, as real processes: one way to name a run, a
mistyped folder refused before any work, runs named for what they are, figures printed as a
person reads them, and refusals that say what to do instead."""

import json

import pytest
from test_cli import ganstudio

from ganstudio.run.checkpoint import Checkpoint

from support import go_offline

TOY = ["--preset", "ring8", "--set", "generator.hidden=8", "--set", "discriminator.hidden=8"]


def one_run(runs):
    (folder,) = [p for p in runs.iterdir() if p.is_dir()]
    return folder


def test_train_resume_takes_a_runs_name_or_folder_and_runs_dir_goes_after_any_verb(tmp_path):
    runs = tmp_path / "runs"
    assert ganstudio("train", *TOY, "--steps", "4", "--runs-dir", str(runs)).returncode == 0
    folder = one_run(runs)
    by_name = ganstudio("train", "--resume", folder.name, "--steps", "6", "--runs-dir", str(runs))
    assert by_name.returncode == 0, by_name.stderr
    by_folder = ganstudio("train", "--resume", str(folder), "--steps", "8")
    assert by_folder.returncode == 0, by_folder.stderr
    assert Checkpoint(folder / "checkpoint.npz").step == 8 and one_run(runs) == folder  # continued in place

    listed = ganstudio("runs", "list", "--json", "--runs-dir", str(runs))
    assert listed.returncode == 0, listed.stderr
    assert [(row["name"], row["steps"]) for row in json.loads(listed.stdout)] == [(folder.name, 8)]
    shown = ganstudio("runs", "show", folder.name, "--runs-dir", str(runs))
    assert shown.returncode == 0 and f"run: {folder.name}" in shown.stdout, shown.stderr
    before_verb = ganstudio("runs", "--runs-dir", str(runs), "list", "--json")
    assert json.loads(before_verb.stdout) == json.loads(listed.stdout)
    config = ganstudio("config", "--checkpoint", folder.name, "--runs-dir", str(runs))
    assert config.returncode == 0 and 'dataset = "ring8"' in config.stdout, config.stderr

    missing = ganstudio("train", "--resume", "no-such-run", "--runs-dir", str(runs))
    assert missing.returncode == 2 and "no-such-run: no such run folder" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1, missing.stderr


@pytest.mark.parametrize(
    "command",
    [["train", "--steps", "2"], ["sweep", "--grid", "optimizer.lr=1e-4,2e-4"], ["sample", "x", "--report"], []],
    ids=["train", "sweep", "sample", "window"],
)
def test_a_mistyped_data_dir_is_one_line_before_any_work_and_nothing_is_created(tmp_path, monkeypatch, command):
    go_offline(monkeypatch, tmp_path)  # were it taken for a download target, nothing would be fetched
    runs, typo = tmp_path / "runs", tmp_path / "mnsit"
    result = ganstudio(*command, "--data-dir", str(typo), *(["--runs-dir", str(runs)] if command else []))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"argument --data-dir: no such folder: '{typo}'" in result.stderr.splitlines()[0], result.stderr
    assert not typo.exists() and not runs.exists()
    a_file = tmp_path / "mnist.gz"
    a_file.write_bytes(b"")
    result = ganstudio(*command, "--data-dir", str(a_file), *(["--runs-dir", str(runs)] if command else []))
    assert result.returncode == 2 and f"argument --data-dir: not a folder: '{a_file}'" in result.stderr, result.stderr
