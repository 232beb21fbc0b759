"""Bad files and impossible runs on the command line: one line on stderr, exit status 2, no
traceback, nothing trained and nothing written."""

import re
import resource
import subprocess
import sys

import numpy as np
import pytest
from test_cli import ganstudio

from ganstudio.cli.main import main
from ganstudio.run.checkpoint import Checkpoint, CheckpointError, load_session

from support import SMALL_CLI, read_gif


def assert_one_line_error(result, words):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and words in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    "content, words",
    [
        ("# caf\u00e9\nseed = 1\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 5)"),
        (b"data = 5\n", "data: 5 is not a section of settings"),
        (b"[optimizer]\ng = 5\n", "optimizer.g: 5 is not a section of settings"),
        (b"[generator]\nhidden = [true]\n", "generator.hidden: [True] is not a list of whole numbers"),
        (b"[data]\nclasses = []\n", "data.classes: an empty list selects no class"),
        (b"x = " + b"[" * 5000 + b"]" * 5000, "bad.toml: tables or arrays nested more than 32 deep"),  # a RecursionError
    ],
    ids=["latin-1", "section-value", "optimizer-value", "bool-widths", "no-class", "nested-5000"],
)
def test_a_bad_config_file_is_one_line(tmp_path, content, words):
    config = tmp_path / "bad.toml"
    config.write_bytes(content)
    result = ganstudio("train", "--config", str(config), "--set", "data.dataset=synthetic-digits", "--out", str(tmp_path / "run"))
    assert_one_line_error(result, words)
    assert not (tmp_path / "run").exists()


def test_a_npy_array_is_not_taken_for_a_checkpoint(tmp_path):
    array = tmp_path / "samples.npy"
    np.save(array, np.zeros((10, 28, 28), np.uint8))
    words = "samples.npy: not a GAN Studio checkpoint but a single NumPy array (.npy)"
    with pytest.raises(CheckpointError, match=re.escape(words)):
        Checkpoint(array)
    with pytest.raises(CheckpointError, match="not a GAN Studio checkpoint"):
        load_session(array)
    for args in (
        ["train", "--resume", str(array), "--out", str(tmp_path / "run")],
        ["sample", str(array), "-o", str(tmp_path / "s.png")],
        ["sample", str(array), "--report"],
    ):
        assert_one_line_error(ganstudio(*args), words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["samples.npy"]


def test_a_network_too_large_for_the_machine_is_refused_before_any_allocation(tmp_path):
    """About 11 TB of weights and optimizer state: refused from the estimate. The process may
    not map more than 2 GiB, so building the network would fail with a MemoryError instead."""
    config = tmp_path / "absurd.toml"
    config.write_text("[generator]\nhidden = [" + ", ".join(["4096"] * 20_000) + "]\n")

    def at_most_2_gib():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    args = [
        sys.executable,
        "-m",
        "ganstudio",
        "train",
        "--config",
        str(config),
        "--set",
        "data.dataset=synthetic-digits",
        "--out",
        str(tmp_path / "run"),
    ]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, preexec_fn=at_most_2_gib)
    assert_one_line_error(result, "not enough memory: this run needs about 10.8 TB")
    assert "is available; use fewer or narrower hidden layers" in result.stderr
    assert not (tmp_path / "run").exists()


SMALL = SMALL_CLI


def assert_argparse_error(capsys, argv, words):
    """`ganstudio ARGV` in this process: exit status 2, one line naming the option and value, one hint line."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and words in lines[0], lines
    assert lines[1] == f"see '{lines[0].split(': error:')[0]} --help' for the options"


@pytest.mark.parametrize(
    "argv, words",
    [
        (
            ["train", "--config", "missing.toml", "--steps", "99999999999999999999999"],
            "ganstudio train: error: argument --steps: must be a whole number from 1 to 1,000,000,000, "
            "not '99999999999999999999999'",
        ),
        (["train", "--config", "missing.toml", "--seconds", "1e9"], "argument --seconds: must be a number of seconds"),
        (
            ["train", "--config", "missing.toml", "--gif-every", "2000000"],
            "argument --gif-every: must be a whole number from 1 to 1,000,000",
        ),
        (["sample", "missing", "--seed", "-1"], "ganstudio sample: error: argument --seed: must be a whole number from 0 to"),
        (["sample", "missing", "-n", "1000000"], "argument -n: must be a whole number from 1 to 100,000, not '1000000'"),
        (["sweep", "--random", "100000", "--runs-dir", "missing"], "argument --random: must be a whole number from 1 to 10,000"),
        (["sweep", "--random-seed", "-3", "--runs-dir", "missing"], "argument --random-seed: must be a whole number from 0"),
        (["train", "--steps", "0", "--seconds", "1"], "ganstudio train: error: argument --steps: must be a whole number"),
        (["runs", "show"], "ganstudio runs show: error: the following arguments are required: RUN"),
    ],
)
def test_an_option_out_of_range_is_one_line_and_a_hint_not_the_usage(capsys, argv, words):
    assert_argparse_error(capsys, argv, words)


def test_a_gif_scale_too_large_for_a_gif_is_refused_before_training(tmp_path):
    gif, out = tmp_path / "run.gif", tmp_path / "run"
    result = ganstudio(
        "train", *SMALL, "--steps", "20", "--gif-every", "10", "--gif", str(gif), "--gif-scale", "1000", "--out", str(out)
    )
    assert_one_line_error(
        result,
        "--gif-scale 1000: its frames would be 233,000 x 242,000 px, more than 8,192 px a side; a scale of at most 33 fits",
    )
    assert sorted(tmp_path.iterdir()) == []


def test_a_gif_of_a_run_that_records_no_frame_is_refused_before_training(tmp_path):
    gif, out = tmp_path / "run.gif", tmp_path / "run"
    result = ganstudio("train", *SMALL, "--steps", "20", "--gif-every", "50", "--gif", str(gif), "--out", str(out))
    assert_one_line_error(
        result,
        "--gif: the run would record no frame: the sample grid is recorded every 50 steps and the run trains "
        "from step 0 to 20; give --gif-every 20 or less, or more --steps",
    )
    assert sorted(tmp_path.iterdir()) == []


def test_a_time_limited_run_that_recorded_no_frame_makes_a_gif_of_its_final_samples(tmp_path):
    """With --seconds the steps are not known before training: the GIF then shows the final samples."""
    gif = tmp_path / "run.gif"
    result = ganstudio(
        "train", *SMALL, "--seconds", "0.2", "--gif-every", "1000000", "--gif", str(gif), "--out", str(tmp_path / "run")
    )
    assert result.returncode == 0, result.stderr
    assert "1 frame; no frame was recorded (every 1000000 steps), so it shows the final samples" in result.stdout
    frames, _, _ = read_gif(gif)
    assert len(frames) == 1


def replayed_log(tmp_path, change):
    """A trained 20-step run whose run.toml gets the [[changes]] table `change` (text); returns
    (run.toml, the line of `change`'s `set`)."""
    original = tmp_path / "original"
    assert ganstudio("train", *SMALL, "--steps", "20", "--out", str(original)).returncode == 0
    path = original / "run.toml"
    text = path.read_text()
    path.write_text(text + "\n[[changes]]\nstep = 10\n" + change + "\n")
    return path, text.count("\n") + 4


def test_a_replayed_change_of_sample_shape_is_refused_before_training_naming_its_line(tmp_path):
    path, line = replayed_log(tmp_path, 'set = { "data.dataset" = "ring8" }')
    out = tmp_path / "replay"
    result = ganstudio("train", "--replay", str(path), "--out", str(out))
    assert_one_line_error(
        result,
        f"{path} line {line}: the samples would change shape (28 x 28 images of synthetic-digits -> 2D points of ring8) "
        "without a reset",
    )
    assert not out.exists()


def test_a_replay_refused_after_training_started_leaves_no_folder(tmp_path):
    """A change the replayed run refuses at its step (here: a batch larger than one class's
    samples) is known only once its data is loaded there: the error names the change, and the
    --out folder the start made is gone."""
    path, _ = replayed_log(tmp_path, 'set = { "data.classes" = [3], "data.batch_size" = 4096 }')
    out = tmp_path / "deep" / "replay"
    result = ganstudio("train", "--replay", str(path), "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        f"ganstudio: error: {path}: change 1 at step 10: data.batch_size: 4096 is larger than the dataset"
    )  # after the progress lines of the steps before it
    assert not (tmp_path / "deep").exists()


def test_a_checkpoint_killed_while_written_leaves_no_staging_file_once_the_folder_is_written_again(tmp_path):
    """A SIGKILL during the first checkpoint leaves its staging file in an otherwise empty run
    folder: it is not a run (`runs list` neither lists it nor reports it), and the next run
    written there removes the file, however recent."""
    runs = tmp_path / "runs"
    killed = runs / "20261207-051500-vanilla"
    killed.mkdir(parents=True)
    staging = killed / ".checkpoint.0123abcd.part.npz"
    staging.write_bytes(b"PK\x03\x04" + bytes(4096))  # the start of a zip that was never finished
    listed = ganstudio("runs", "--runs-dir", str(runs), "list")
    assert listed.returncode == 0 and listed.stderr == "" and listed.stdout == f"no runs in {runs}\n"
    result = ganstudio("train", *SMALL, "--steps", "5", "--out", str(killed))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in killed.iterdir()) == [
        "checkpoint.npz",
        "history.csv",
        "run.toml",
        "samples.png",
        "summary.json",
    ]
