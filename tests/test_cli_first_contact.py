"""A new user's first hour on the command line, as real processes: one way to name a run, a
mistyped folder refused before any work, runs named for what they are, figures printed as a
person reads them, and refusals that say what to do instead."""

import json
import re
import subprocess
import sys

import pytest
from test_cli import ganstudio

from ganstudio.config.config_file import commented_toml
from ganstudio.config.descriptions import DESCRIPTIONS, describe
from ganstudio.config.model import keys, load_toml
from ganstudio.config.presets import load_preset, preset_names
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


def test_train_name_names_the_run_every_other_command_then_finds(tmp_path):
    runs = tmp_path / "runs"
    made = ganstudio("train", *TOY, "--steps", "4", "--name", "first", "--runs-dir", str(runs))
    assert made.returncode == 0, made.stderr
    assert one_run(runs) == runs / "first"
    listed = json.loads(ganstudio("runs", "list", "--json", "--runs-dir", str(runs)).stdout)
    assert [r["name"] for r in listed] == ["first"]
    sample = ganstudio("sample", "first", "-o", str(tmp_path / "s.png"), "--runs-dir", str(runs))
    assert sample.returncode == 0, sample.stderr
    resumed = ganstudio("train", "--resume", "first", "--steps", "6", "--runs-dir", str(runs))
    assert resumed.returncode == 0 and Checkpoint(runs / "first" / "checkpoint.npz").step == 6
    for extra, words in (([], "already has it"), (["--out", str(tmp_path / "o")], "--out does not make one")):
        again = ganstudio("train", *TOY, "--steps", "4", "--name", "first", "--runs-dir", str(runs), *extra)
        assert again.returncode == 2 and again.stderr.count("\n") == 1 and words in again.stderr, again.stderr
    assert one_run(runs) == runs / "first" and not (tmp_path / "o").exists()


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


def test_a_config_file_names_the_preset_it_came_from_and_a_run_trained_on_it_records_it(tmp_path):
    runs, my_toml = tmp_path / "runs", tmp_path / "my.toml"
    written = ganstudio("config", *TOY, "-o", str(my_toml))
    assert written.returncode == 0, written.stderr
    assert 'preset = "ring8"' in my_toml.read_text()
    trained = ganstudio("train", "--config", str(my_toml), "--steps", "2", "--runs-dir", str(runs))
    assert trained.returncode == 0, trained.stderr
    folder = one_run(runs)
    assert folder.name.endswith("-ring8") and 'preset = "ring8"' in (folder / "run.toml").read_text()
    assert "preset: ring8" in ganstudio("runs", "show", str(folder)).stdout

    unnamed = tmp_path / "mine.toml"
    unnamed.write_text(my_toml.read_text().replace('preset = "ring8"', ""))
    trained = ganstudio("train", "--config", str(unnamed), "--steps", "2", "--out", str(tmp_path / "b"))
    assert trained.returncode == 0 and 'preset = "mine"' in (tmp_path / "b" / "run.toml").read_text(), trained.stderr

    unnamed.write_text('preset = "../up"\n' + unnamed.read_text())
    refused = ganstudio("train", "--config", str(unnamed), "--steps", "2", "--out", str(tmp_path / "c"))
    assert refused.returncode == 2 and f"{unnamed}: preset = '../up': the preset this config came from" in refused.stderr
    assert not (tmp_path / "c").exists()


def settings_of(text):
    """{section.name or name: the line} of the assignments in a TOML text."""
    found, section = {}, ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[]") + "."
        elif re.match(r"\w+ = ", line):
            found[section + line.split(" = ")[0]] = line
    return found


def test_config_comments_every_setting_and_leaves_out_what_the_config_does_not_use(tmp_path):
    vanilla = ganstudio("config", "--preset", "vanilla", "-o", str(tmp_path / "vanilla.toml"))
    dcgan = ganstudio("config", "--preset", "dcgan", "--set", "optimizer.d.kind=momentum", "--set", "generator.hidden=64")
    assert vanilla.returncode == 0 and dcgan.returncode == 0, vanilla.stderr + dcgan.stderr
    mlp_adam = settings_of((tmp_path / "vanilla.toml").read_text())
    assert all("  # " in line for line in mlp_adam.values()), mlp_adam
    assert (
        mlp_adam["optimizer.g.beta1"].startswith("beta1 = 0.5 ") and "Adam's first-moment decay" in mlp_adam["optimizer.g.beta1"]
    )
    assert {"generator.channels", "discriminator.kernel", "optimizer.g.momentum", "optimizer.d.rho", "schedule.gamma"}.isdisjoint(
        mlp_adam
    )
    conv = settings_of(dcgan.stdout)
    assert "generator.channels" in conv and "optimizer.d.momentum" in conv and "optimizer.d.beta1" not in conv
    assert conv["generator.hidden"].startswith("hidden = [64]")  # not used by a conv G, but not its default: kept
    assert load_toml(tmp_path / "vanilla.toml") == load_preset("vanilla")


def test_the_commented_config_of_every_preset_and_of_unused_settings_changed_loads_to_the_same_config(tmp_path):
    odd = {"generator.channels": "16", "optimizer.g.kind": "sgd", "optimizer.rho": "0.5", "schedule.warmup": "7"}
    for config in [load_preset(name) for name in preset_names()] + [load_preset("vanilla").with_values(odd)]:
        path = tmp_path / "c.toml"
        path.write_text(commented_toml(config, "p"))
        assert load_toml(path) == config


def test_every_setting_has_one_description_and_the_table_names_no_other():
    assert all(describe(key) for key in keys())
    shared = {f"optimizer.{key.split('.')[-1]}" for key in keys() if key.startswith("optimizer.")}
    assert set(DESCRIPTIONS) == {key for key in keys() if not key.startswith("optimizer.")} | shared


DIGITS = ["--preset", "vanilla", "--set", "data.dataset=synthetic-digits", "--set", "generator.hidden=16"]


def test_runs_show_list_and_sample_report_print_figures_as_a_person_reads_them_and_say_how_they_were_measured(tmp_path):
    runs = tmp_path / "runs"
    trained = ganstudio("train", *DIGITS, "--set", "run.insight_every=4", "--steps", "4", "--runs-dir", str(runs))
    assert trained.returncode == 0, trained.stderr
    name = one_run(runs).name

    shown = ganstudio("runs", "show", name, "--runs-dir", str(runs)).stdout
    for figure in (r"fid: \d+\.\d\d", r"classes_covered: \d+", r"last_step: 4", r"recognisable_share: \d+%"):
        assert re.search(rf"^  {figure}$", shown, re.M), (figure, shown)
    assert "  data.folder = (none)\n" in shown and "  training.ema = false\n" in shown
    assert "True" not in shown and "False" not in shown and re.search(r"created: \d{4}-\d\d-\d\d \d\d:\d\d ", shown)

    header, row, note = ganstudio("runs", "list", "--runs-dir", str(runs)).stdout.splitlines()
    assert header.split()[:2] == ["star", "name"] and row.split()[0] == name  # the star column is there before any star
    assert re.search(r"  FID \d+\.\d\d  ", row), row
    assert "1,000 samples" in note and "10,000 of its training images" in note

    report = ganstudio("sample", name, "--report", "--runs-dir", str(runs))
    assert report.returncode == 0, report.stderr
    assert "samples drawn: 1,000 (noise seed 0)\nfid reference: the run's first 10,000 training images\n" in report.stdout


def test_helpful_refusals_a_close_key_the_version_and_a_piped_yes(tmp_path):
    typo = ganstudio("train", *TOY, "--set", "optimizer.lrr=1", "--out", str(tmp_path / "x"))
    assert typo.returncode == 2 and not (tmp_path / "x").exists()
    assert typo.stderr == "ganstudio: error: unknown setting 'optimizer.lrr'; did you mean optimizer.lr?\n"

    version = ganstudio("--version")
    assert version.returncode == 0 and re.fullmatch(r"ganstudio \d+\.\d+\.\d+\S*\n", version.stdout), version

    runs = tmp_path / "runs"
    assert ganstudio("train", *TOY, "--steps", "2", "--out", str(runs / "a")).returncode == 0
    rm = [sys.executable, "-m", "ganstudio", "runs", "rm", "a", "--runs-dir", str(runs)]
    for answer, status in (("", 2), ("n\n", 1), ("y\n", 0)):
        result = subprocess.run(rm, input=answer, capture_output=True, text=True, timeout=300)
        assert result.returncode == status and (runs / "a").exists() == (status != 0), (answer, result.stdout, result.stderr)
        assert status != 2 or "confirm with --yes, or pipe y" in result.stderr
