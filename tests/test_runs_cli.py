"""The runs library from the command line, as real processes on real folders.

`ganstudio train` keeps every run in its own folder under the runs folder; `ganstudio runs`
lists, shows, diffs and deletes them; `train --replay` replays a run's change log bit for bit.
Every process runs with one BLAS thread, so replayed weights can be compared bit for bit.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import tomllib

from ganstudio.run.checkpoint import Checkpoint

from support import SMALL_CLI

SMALL = SMALL_CLI


def ganstudio(*args, cwd=None, stdin=None, **env):
    environment = {**os.environ, "GANSTUDIO_BLAS_THREADS": "1", **env}
    return subprocess.run(
        [sys.executable, "-m", "ganstudio", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        input=stdin,
        timeout=600,
    )


def only_run(runs):
    (folder,) = [p for p in runs.iterdir() if p.is_dir()]
    return folder


def test_train_without_out_makes_a_new_run_folder_in_the_runs_folder(tmp_path):
    runs = tmp_path / "runs"
    first = ganstudio("train", "--preset", "vanilla", *SMALL, "--steps", "12", "--seed", "3", "--runs-dir", str(runs))
    assert first.returncode == 0, first.stderr
    second = ganstudio(
        "train", "--preset", "vanilla", *SMALL, "--steps", "12", GANSTUDIO_RUNS_DIR=str(runs)
    )  # from the environment
    assert second.returncode == 0, second.stderr
    folders = sorted(p for p in runs.iterdir())
    assert len(folders) == 2 and all(p.name.endswith("-vanilla") or "-vanilla-" in p.name for p in folders)
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == [
            "checkpoint.npz",
            "history.csv",
            "run.toml",
            "samples.png",
            "summary.json",
        ]
        run = tomllib.loads((folder / "run.toml").read_text())
        assert run["format"] == 1 and run["preset"] == "vanilla" and run["name"] == folder.name and run["last_step"] == 12
        assert run["config"]["data"]["dataset"] == "synthetic-digits" and "changes" not in run
        summary = json.loads((folder / "summary.json").read_text())
        assert (
            summary["name"] == folder.name
            and summary["last_step"] == 12
            and summary["wall_time_s"] > 0
            and summary["steps_per_s"] > 0
        )
        assert summary["fid"] is None and summary["modes_covered"] is None  # insight not measured in 12 steps
    seeds = sorted(tomllib.loads((f / "run.toml").read_text())["config"]["seed"] for f in folders)
    assert seeds == [0, 3]


def test_runs_list_show_diff_and_rm(tmp_path):
    runs = tmp_path / "runs"
    for name, extra in (("a", []), ("b", ["--set", "optimizer.lr=1e-3", "--set", "training.loss=hinge"])):
        result = ganstudio("train", *SMALL, *extra, "--steps", "10", "--out", str(runs / name))
        assert result.returncode == 0, result.stderr
    (runs / "not-a-run").mkdir()

    listed = ganstudio("runs", "--runs-dir", str(runs), "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["preset"], r["steps"], r["starred"]) for r in rows] == [
        ("a", "vanilla", 10, False),
        ("b", "vanilla", 10, False),
    ]
    table = ganstudio("runs", "--runs-dir", str(runs), "list").stdout.splitlines()
    assert table[0].split() == ["star", "name", "preset", "created", "steps", "FID", "/", "modes", "classes", "(recognisable)"]
    assert [line.split()[0] for line in table[1:]] == ["a", "b"]

    shown = ganstudio("runs", "--runs-dir", str(runs), "show", "b")
    assert shown.returncode == 0, shown.stderr
    assert (
        "training.loss = hinge" in shown.stdout and "optimizer.g.lr = 0.001" in shown.stdout and "last_step: 10" in shown.stdout
    )
    assert "fid: not measured" in shown.stdout and "changes: none" in shown.stdout

    diff = ganstudio("runs", "--runs-dir", str(runs), "diff", "a", str(runs / "b"))  # a name and a path
    assert diff.returncode == 0, diff.stderr
    lines = [line.split() for line in diff.stdout.splitlines()]
    assert lines == [
        ["key", "a", "b"],
        ["optimizer.g.lr", "0.0002", "0.001"],
        ["optimizer.d.lr", "0.0002", "0.001"],
        ["training.loss", "non_saturating", "hinge"],
    ]

    refused = ganstudio("runs", "--runs-dir", str(runs), "rm", "a", stdin="")  # nothing to read an answer from, no --yes
    assert refused.returncode == 2 and "--yes" in refused.stderr and (runs / "a").exists()
    not_a_run = ganstudio("runs", "--runs-dir", str(runs), "rm", "not-a-run", "--yes")
    assert not_a_run.returncode == 2 and "not a run folder" in not_a_run.stderr and (runs / "not-a-run").exists()
    removed = ganstudio("runs", "--runs-dir", str(runs), "rm", "a", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert not (runs / "a").exists() and (runs / "b").exists()
    missing = ganstudio("runs", "--runs-dir", str(runs), "show", "a")
    assert (
        missing.returncode == 2
        and missing.stderr.strip()
        == f"ganstudio: error: a: no such run folder, and no run of that name in the runs folder {runs}"
    )


def test_a_corrupt_or_newer_run_is_named_and_the_others_still_list(tmp_path):
    runs = tmp_path / "runs"
    for name in ("good", "corrupt", "newer", "bad-summary"):
        assert ganstudio("train", *SMALL, "--steps", "3", "--out", str(runs / name)).returncode == 0
    (runs / "corrupt" / "run.toml").write_text("format = 1\n[config\n")
    newer = runs / "newer" / "run.toml"
    newer.write_text(
        newer.read_text().replace("format = 1", "format = 7").replace('ganstudio_version = "0.1.0"', 'ganstudio_version = "9.0"')
    )
    (runs / "bad-summary" / "summary.json").write_text("{ half")

    listed = ganstudio("runs", "--runs-dir", str(runs), "list", "--json")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert [r["name"] for r in json.loads(listed.stdout)] == ["good"]
    problems = listed.stderr.strip().splitlines()
    assert len(problems) == 3
    assert problems[0].startswith(f"ganstudio: {runs / 'bad-summary' / 'summary.json'}: corrupt summary, not JSON")
    assert problems[1].startswith(f"ganstudio: {runs / 'corrupt' / 'run.toml'}: not valid TOML")
    assert problems[2] == (
        f"ganstudio: {newer}: written by a newer GAN Studio (9.0, run format 7); this is 0.1.0, which reads format 1"
    )
    shown = ganstudio("runs", "--runs-dir", str(runs), "show", "newer")
    assert shown.returncode == 2 and shown.stderr.strip() == f"ganstudio: error: {problems[2].removeprefix('ganstudio: ')}"


def test_a_deeply_nested_run_is_one_line_and_the_others_still_list(tmp_path):
    """A run.toml (or summary.json) nested 5,000 deep makes the parser recurse past Python's limit
    (RecursionError): `runs list`, `runs show`, `--replay` and `--resume` say so in one line."""
    runs = tmp_path / "runs"
    assert ganstudio("train", *SMALL, "--steps", "3", "--out", str(runs / "good")).returncode == 0
    for name in ("deep", "deep-summary"):
        shutil.copytree(runs / "good", runs / name)
    deep = runs / "deep" / "run.toml"
    deep.write_text(deep.read_text() + '\n[[changes]]\nstep = 1\nset = { "optimizer.d.lr" = ' + "[" * 5000 + "]" * 5000 + " }\n")
    (runs / "deep-summary" / "summary.json").write_text("[" * 100_000 + "]" * 100_000)

    listed = ganstudio("runs", "--runs-dir", str(runs), "list", "--json")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert [r["folder"] for r in json.loads(listed.stdout)] == [str(runs / "good")]
    nested = f"{deep}: tables or arrays nested more than 32 deep; not a GAN Studio file"
    assert listed.stderr.strip().splitlines() == [
        f"ganstudio: {nested}",
        f"ganstudio: {runs / 'deep-summary' / 'summary.json'}: corrupt summary, nested too deeply to read",
    ]
    for args in (
        ["runs", "--runs-dir", str(runs), "show", "deep"],
        ["train", "--replay", str(runs / "deep"), "--runs-dir", str(tmp_path / "out")],
        ["train", "--resume", str(runs / "deep" / "checkpoint.npz"), "--steps", "5"],
    ):
        result = ganstudio(*args)
        assert result.returncode == 2 and result.stderr.strip() == f"ganstudio: error: {nested}", (args, result.stderr)
    assert not (tmp_path / "out").exists() and Checkpoint(runs / "deep" / "checkpoint.npz").step == 3


def test_a_change_past_the_runs_end_is_refused_and_a_replay_stops_at_its_steps(tmp_path):
    original = tmp_path / "original"
    assert ganstudio("train", *SMALL, "--steps", "4", "--out", str(original)).returncode == 0
    path = original / "run.toml"
    text = path.read_text()
    path.write_text(text + '\n[[changes]]\nstep = 1000000\nset = { "optimizer.d.lr" = 0.01 }\n')
    result = ganstudio("train", "--replay", str(original), "--steps", "6", "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 2 and result.stderr.strip() == (
        f"ganstudio: error: {path} line {text.count(chr(10)) + 3}: step 1000000 is past the run's last step 4, "
        "and no later reset or revert takes the run back; a change lies at a step the run reached"
    )
    assert not (tmp_path / "runs").exists()  # refused before any training

    path.write_text(text + "\n[[changes]]\nstep = 12\nreset = true\n")  # trained to 12, reset, trained to 4
    result = ganstudio("train", "--replay", str(original), "--steps", "6", "--out", str(tmp_path / "six"))
    assert result.returncode == 0, result.stderr
    assert Checkpoint(tmp_path / "six" / "checkpoint.npz").step == 6
    assert "changes" not in tomllib.loads((tmp_path / "six" / "run.toml").read_text())  # stopped before the reset at 12
    result = ganstudio("train", "--replay", str(original), "--out", str(tmp_path / "whole"))
    assert result.returncode == 0, result.stderr
    assert tomllib.loads((tmp_path / "whole" / "run.toml").read_text())["changes"] == [{"step": 12, "reset": True}]
    assert Checkpoint(tmp_path / "whole" / "checkpoint.npz").step == 4


def test_a_runs_folder_that_is_a_file_is_refused_before_training(tmp_path):
    """(An unwritable runs folder: tests/test_cli_runs.py, with the other read-only folders.)"""
    runs = tmp_path / "runs"
    runs.write_text("")
    result = ganstudio("train", *SMALL, "--steps", "3", "--runs-dir", str(runs))
    assert (
        result.returncode == 2
        and result.stderr.strip() == f"ganstudio: error: runs folder {runs}: {runs} is a file, not a folder"
    )


def gan_arrays(path):
    ckpt = Checkpoint(path)
    return ckpt.section("gan")


def test_replay_of_a_resumed_run_with_live_changes_is_bit_exact(tmp_path):
    original = tmp_path / "original"
    assert ganstudio("train", *SMALL, "--seed", "2", "--steps", "15", "--out", str(original)).returncode == 0
    resumed = ganstudio(
        "train",
        "--resume",
        str(original / "checkpoint.npz"),
        "--steps",
        "30",
        "--set",
        "optimizer.d.lr=0.003",
        "--set",
        "discriminator.hidden=48",
    )
    assert resumed.returncode == 0, resumed.stderr
    run = tomllib.loads((original / "run.toml").read_text())
    assert run["changes"] == [
        {"step": 15, "set": {"optimizer.d.lr": 0.003}},
        {"step": 15, "set": {"discriminator.hidden": [48]}},
        {"step": 15, "apply": "d"},
    ]
    assert run["last_step"] == 30 and run["config"]["discriminator"]["hidden"] == [32]  # the starting config

    replayed = tmp_path / "replayed"
    result = ganstudio("train", "--replay", str(original), "--out", str(replayed))
    assert result.returncode == 0, result.stderr
    assert Checkpoint(replayed / "checkpoint.npz").step == 30
    a, b = gan_arrays(original / "checkpoint.npz"), gan_arrays(replayed / "checkpoint.npz")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert tomllib.loads((replayed / "run.toml").read_text())["changes"] == run["changes"]  # the replay logs the same changes

    shorter = ganstudio("train", "--replay", str(original / "run.toml"), "--steps", "20", "--runs-dir", str(tmp_path / "runs"))
    assert shorter.returncode == 0, shorter.stderr
    folder = only_run(tmp_path / "runs")
    assert folder.name.endswith("-vanilla-replay") and Checkpoint(folder / "checkpoint.npz").step == 20


def test_a_replay_with_a_wrong_line_is_refused_before_any_training(tmp_path):
    original = tmp_path / "original"
    assert ganstudio("train", *SMALL, "--steps", "5", "--out", str(original)).returncode == 0
    path = original / "run.toml"
    text = path.read_text()
    lines = text.count("\n")
    path.write_text(text + '\n[[changes]]\nstep = 3\nset = { "optimizer.d.lr" = 0.01 }\n\n[[changes]]\nstep = 2\napply = "g"\n')
    result = ganstudio("train", "--replay", str(path), "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"ganstudio: error: {path} line {lines + 7}: step 2 is in the past (the run is at step 3 by then); "
        "steps must not go back"
    )
    assert not (tmp_path / "runs").exists()  # nothing trained, nothing written

    path.write_text(text + '\n[[changes]]\nstep = 3\nset = { "optimizer.d.rate" = 0.01 }\n')
    result = ganstudio("train", "--replay", str(path), "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 2 and result.stderr.startswith(
        f"ganstudio: error: {path} line {lines + 4}: unknown setting 'optimizer.d.rate'"
    )
    assert not (tmp_path / "runs").exists()


def test_the_run_folder_is_rewritten_while_training(tmp_path, monkeypatch):
    """Every SAVE_EVERY seconds of training the checkpoint, run.toml and summary.json are
    written again, so a crash loses at most that much (here SAVE_EVERY = 0: after every step)."""
    from ganstudio.cli import main as cli
    from ganstudio.runs import headless
    from ganstudio.runs.library import Run

    saved = []
    save = Run.save

    def spy(run, session):
        toml = run.folder / "run.toml"
        last_step = tomllib.loads(toml.read_text())["last_step"] if toml.exists() else None
        saved.append((session.step_count, Checkpoint(run.folder / "checkpoint.npz").step, last_step))
        return save(run, session)

    monkeypatch.setattr(headless, "SAVE_EVERY", 0.0)
    monkeypatch.setattr(Run, "save", spy)
    assert cli.main(["train", *SMALL, "--steps", "4", "--out", str(tmp_path / "run")]) == 0
    # each save finds the checkpoint of its own step and the run.toml of the save before it
    assert saved == [(1, 1, None), (2, 2, 1), (3, 3, 2), (4, 4, 3), (4, 4, 4)]


def test_runs_output_into_a_closed_pipe_ends_quietly(tmp_path):
    """`ganstudio runs show RUN | head -3`: the reader closes the pipe early; no traceback."""
    assert ganstudio("train", *SMALL, "--steps", "3", "--out", str(tmp_path / "a")).returncode == 0
    environment = {**os.environ, "GANSTUDIO_BLAS_THREADS": "1"}
    command = [sys.executable, "-m", "ganstudio", "runs", "show", str(tmp_path / "a")]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    proc.stdout.close()  # before it writes a line
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and stderr == ""


def test_a_star_is_listed_and_survives_the_run_going_on(tmp_path):
    runs = tmp_path / "runs"
    assert ganstudio("train", *SMALL, "--steps", "4", "--out", str(runs / "a")).returncode == 0
    starred = ganstudio("runs", "--runs-dir", str(runs), "star", "a")
    assert starred.returncode == 0 and starred.stdout.strip() == "a: starred"
    resumed = ganstudio("train", "--resume", str(runs / "a" / "checkpoint.npz"), "--steps", "8")  # rewrites run.toml
    assert resumed.returncode == 0, resumed.stderr
    (row,) = json.loads(ganstudio("runs", "--runs-dir", str(runs), "list", "--json").stdout)
    assert row["starred"] is True and row["steps"] == 8
    assert ganstudio("runs", "--runs-dir", str(runs), "list").stdout.splitlines()[1].split()[:2] == ["*", "a"]
    assert ganstudio("runs", "--runs-dir", str(runs), "star", "a", "--off").stdout.strip() == "a: not starred"
    assert json.loads(ganstudio("runs", "--runs-dir", str(runs), "list", "--json").stdout)[0]["starred"] is False


def test_a_star_set_while_the_run_trains_is_kept_by_its_next_save(tmp_path):
    from ganstudio.config.presets import load_preset
    from ganstudio.run.session import Session
    from ganstudio.runs.library import Run, read_run, set_starred

    small = {"data.dataset": "synthetic-digits", "generator.hidden": [32], "discriminator.hidden": [32]}
    session = Session(load_preset("vanilla").with_values(small))
    run = Run.new(tmp_path, "vanilla", session.config)
    run.save(session)
    set_starred(tmp_path, True)  # `runs star` from another process: this `run` still says not starred
    session.step()
    run.save(session)  # the training's next save, a minute later
    assert read_run(tmp_path).starred is True and read_run(tmp_path).last_step == 1


def test_a_run_folder_copied_beside_its_original_lists_apart_and_its_name_is_refused_as_ambiguous(tmp_path):
    """A backup copy keeps its run's name (run.toml): `runs list` tells the two apart by folder,
    and a command given that name names both folders instead of picking one; a folder path picks one."""
    runs = tmp_path / "runs"
    assert ganstudio("train", *SMALL, "--steps", "5", "--out", str(runs / "a")).returncode == 0
    shutil.copytree(runs / "a", runs / "a-backup")

    table = ganstudio("runs", "--runs-dir", str(runs), "list").stdout.splitlines()
    assert table[0].split()[:4] == ["star", "name", "folder", "preset"]
    assert [line.split()[:2] for line in table[1:]] == [["a", "a"], ["a", "a-backup"]]

    for command in (["runs", "--runs-dir", str(runs), "show", "a"], ["sample", "a", "--runs-dir", str(runs), "--report"]):
        result = ganstudio(*command)
        assert result.returncode == 2 and result.stderr == (
            f"ganstudio: error: a: 2 runs have this name ({runs / 'a'}, {runs / 'a-backup'}); "
            "give the folder of the one you mean\n"
        )
    shown = ganstudio("runs", "--runs-dir", str(runs), "show", str(runs / "a-backup"))
    assert shown.returncode == 0 and shown.stdout.startswith(f"run: a ({runs / 'a-backup'})")


def test_precision_recall_density_and_coverage_reach_summary_list_and_show(tmp_path):
    runs = tmp_path / "runs"
    result = ganstudio("train", *SMALL, "--set", "run.insight_every=10", "--steps", "20", "--out", str(runs / "a"))
    assert result.returncode == 0, result.stderr
    summary = json.loads((runs / "a" / "summary.json").read_text())
    names = ("precision", "recall", "density", "prdc_coverage")
    assert all(isinstance(summary[name], float) and summary[name] >= 0.0 for name in names), summary
    assert summary["classes_covered"] is not None  # the classes covered keep their name beside prdc_coverage
    (row,) = json.loads(ganstudio("runs", "--runs-dir", str(runs), "list", "--json").stdout)
    assert {name: row[name] for name in names} == {name: summary[name] for name in names}
    shown = ganstudio("runs", "--runs-dir", str(runs), "show", "a").stdout
    assert f"  recall: {summary['recall']}" in shown.splitlines()
