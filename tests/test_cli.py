"""The headless CLI as a user runs it: real processes, real files, exit codes and messages."""

import os
import re
import subprocess
import sys

import numpy as np
from PIL import Image

from ganstudio.media import upscale
from ganstudio.media.compose import LABEL_STRIP, FrameComposer
from ganstudio.render.scatter import AXIS_RGB, FAKE_RGB, REAL_RGB, TEXT_RGB
from ganstudio.run.checkpoint import Checkpoint

from support import SMALL_CLI, go_offline, read_gif


def ganstudio(*args, cwd=None, **env):
    """`python -m ganstudio ARGS`, `env` added to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "ganstudio", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, **env},
    )


SMALL = SMALL_CLI


def test_train_writes_checkpoint_history_and_grid_then_resumes_to_the_total(tmp_path):
    out = tmp_path / "run"
    result = ganstudio("train", "--preset", "vanilla", *SMALL, "--steps", "60", "--out", str(out))
    assert result.returncode == 0, result.stderr
    for name in ("checkpoint.npz", "history.csv", "samples.png"):
        assert (out / name).exists() and str(out / name) in result.stdout
    assert Checkpoint(out / "checkpoint.npz").step == 60
    rows = (out / "history.csv").read_text().splitlines()
    assert rows[0].startswith("step,d_loss,g_loss") and len(rows) == 61
    assert Image.open(out / "samples.png").size == (233, 233)

    resumed = ganstudio("train", "--resume", str(out / "checkpoint.npz"), "--steps", "100", "--out", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert Checkpoint(out / "checkpoint.npz").step == 100


def test_train_with_gif(tmp_path):
    gif = tmp_path / "train.gif"
    result = ganstudio("train", *SMALL, "--steps", "40", "--gif-every", "10", "--gif", str(gif), "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    with Image.open(gif) as im:
        assert im.n_frames == 4 and im.info.get("loop") == 0
    size = gif.stat().st_size / 1e6
    assert f"gif: {gif}, {size:.1f} MB (limit 10 MB): exact grays, all 4 frames\n" in result.stdout  # the default limit


def test_train_gif_ends_on_the_runs_last_step(tmp_path):
    """Frames are recorded every 10 steps; a run of 45 steps ends its GIF on step 45 with the run's
    final samples (those of samples.png), after the frames of steps 10 to 40."""
    gif, out = tmp_path / "train.gif", tmp_path / "run"
    result = ganstudio("train", *SMALL, "--steps", "45", "--gif-every", "10", "--gif", str(gif), "--out", str(out))
    assert result.returncode == 0, result.stderr
    frames, _, _ = read_gif(gif)
    assert len(frames) == 5 and "all 5 frames" in result.stdout
    final = np.asarray(Image.open(out / "samples.png"))
    assert np.array_equal(frames[-1], FrameComposer([final], [45], scale=2, label=True)[0])
    assert np.array_equal(frames[-2][: 2 * LABEL_STRIP], FrameComposer([final], [40], scale=2, label=True)[0][: 2 * LABEL_STRIP])


def test_train_gif_size_limit_is_met_and_said(tmp_path):
    """The same run (same seed) without a limit and with half its size: fewer gray levels, every
    frame, each pixel within the error printed; a limit nothing meets: one line, exit 2, the run kept."""
    options = [*SMALL, "--steps", "60", "--gif-every", "2", "--seed", "3"]
    exact_gif, small_gif = tmp_path / "exact.gif", tmp_path / "small.gif"
    same_threads = {"GANSTUDIO_BLAS_THREADS": "1"}  # two runs compared pixel for pixel: one thread count
    exact = ganstudio(
        "train", *options, "--gif", str(exact_gif), "--gif-max-mb", "0", "--out", str(tmp_path / "a"), **same_threads
    )
    assert exact.returncode == 0, exact.stderr
    assert re.search(r"exact.gif, \d+\.\d MB: exact grays, all 30 frames\n", exact.stdout)  # no limit
    limit = round(exact_gif.stat().st_size / 2e6, 3)
    small = ganstudio(
        "train", *options, "--gif", str(small_gif), "--gif-max-mb", str(limit), "--out", str(tmp_path / "b"), **same_threads
    )
    assert small.returncode == 0, small.stderr
    assert small_gif.stat().st_size <= limit * 1e6
    line = next(line for line in small.stdout.splitlines() if line.startswith("gif: "))
    error = int(re.search(r"gray levels \(each pixel within (\d+)\), all 30 frames$", line).group(1))
    assert f"(limit {limit:g} MB)" in line and 0 < error <= 21
    want, _, _ = read_gif(exact_gif)
    got, durations, _ = read_gif(small_gif)
    assert got.shape == want.shape and durations == [100] * 30
    assert np.abs(got.astype(int) - want).max() <= error

    run = tmp_path / "c"
    refused = ganstudio("train", *options, "--gif", str(tmp_path / "no.gif"), "--gif-max-mb", "0.001", "--out", str(run))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    errors = [line for line in refused.stderr.splitlines() if line.startswith("ganstudio: error")]
    assert len(errors) == 1 and "cannot fit in 0.001 MB" in errors[0] and refused.stderr.strip().endswith(errors[0])
    assert (run / "checkpoint.npz").exists() and not (tmp_path / "no.gif").exists()


def test_train_gif_frame_rate_and_scale(tmp_path):
    gif = tmp_path / "fast.gif"
    options = ["--gif-every", "10", "--gif", str(gif), "--fps", "25", "--gif-scale", "1"]
    result = ganstudio("train", *SMALL, "--steps", "30", *options, "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    with Image.open(gif) as im:
        assert im.n_frames == 3 and im.size == (233, 233 + LABEL_STRIP) and im.info["duration"] == 40 and im.info.get("loop") == 0
    refused = ganstudio("train", *SMALL, "--steps", "5", "--gif", str(gif), "--fps", "60", "--out", str(tmp_path / "r"))
    assert refused.returncode == 2 and "--fps must be in (0, 50]" in refused.stderr
    assert not (tmp_path / "r").exists()


def test_train_says_how_many_blas_threads_and_why(tmp_path):
    for threads, text in (("1", "1 thread: GANSTUDIO_BLAS_THREADS"), ("2", "2 threads: GANSTUDIO_BLAS_THREADS")):
        result = ganstudio("train", *SMALL, "--steps", "20", "--out", str(tmp_path / threads), GANSTUDIO_BLAS_THREADS=threads)
        assert result.returncode == 0, result.stderr
        progress = [line for line in result.stderr.splitlines() if line.startswith("step ")]
        assert progress and all(line.rstrip().endswith(text) for line in progress), result.stderr


def test_sample_writes_uint8_digits_and_a_grid(tmp_path):
    out = tmp_path / "run"
    assert ganstudio("train", *SMALL, "--steps", "5", "--out", str(out)).returncode == 0
    npy = tmp_path / "s.npy"
    one_count = {"GANSTUDIO_BLAS_THREADS": "1"}  # bit for bit only at one thread count
    result = ganstudio("sample", str(out / "checkpoint.npz"), "-n", "10", "-o", str(npy), "--seed", "3", **one_count)
    assert result.returncode == 0, result.stderr
    samples = np.load(npy)
    assert samples.shape == (10, 28, 28) and samples.dtype == np.uint8 and samples.std() > 0
    again = tmp_path / "t.npy"
    ganstudio("sample", str(out / "checkpoint.npz"), "-n", "10", "-o", str(again), "--seed", "3", **one_count)
    assert np.array_equal(np.load(again), samples)
    png, one = tmp_path / "grid.png", tmp_path / "one.png"
    assert ganstudio("sample", str(out / "checkpoint.npz"), "-n", "16", "-o", str(one), "--scale", "1").returncode == 0
    assert Image.open(one).size == (4 * 29 + 1, 4 * 29 + 1)
    result = ganstudio("sample", str(out / "checkpoint.npz"), "-n", "16", "-o", str(png))
    assert result.returncode == 0 and f"samples: {png} (351 x 351 px)" in result.stdout  # 3x by default, crisp
    assert np.array_equal(np.asarray(Image.open(png)), upscale(np.asarray(Image.open(one)), 3))
    too_big = ganstudio("sample", str(out / "checkpoint.npz"), "-n", "16", "-o", str(png), "--scale", "200")
    assert (
        too_big.returncode == 2
        and "--scale 200: the 117 x 117 px image would pass 16,384 px a side; use --scale 140" in too_big.stderr
    )


def test_sample_of_a_2d_run_draws_samples_in_colour_over_the_real_points_with_axes(tmp_path):
    """As the window shows a 2D run: the real ring8 points in grey around the plot's centre, the
    samples in orange, in a framed plot with tick labels; 3x enlarged by default."""
    out, png = tmp_path / "run", tmp_path / "points.png"
    assert ganstudio("train", "--preset", "ring8", "--steps", "20", "--out", str(out)).returncode == 0
    result = ganstudio("sample", str(out), "-o", str(png))
    assert result.returncode == 0, result.stderr
    image = np.asarray(Image.open(png))
    assert image.ndim == 3 and f"samples: {png} ({image.shape[1]} x {image.shape[0]} px)" in result.stdout
    small = image[::3, ::3]  # the picture before its 3x enlargement
    assert np.array_equal(upscale(small, 3), image)
    grey, orange = (np.all(small == colour, axis=-1) for colour in (REAL_RGB, FAKE_RGB))
    assert grey.sum() > 100 and orange.sum() > 0
    frame = np.all(small == AXIS_RGB, axis=-1)
    rows, cols = np.flatnonzero(frame.sum(1) > 100), np.flatnonzero(frame.sum(0) > 100)  # the plot box's frame
    (top, bottom), (left, right) = rows[[0, -1]], cols[[0, -1]]
    assert bottom - top == right - left == 239
    ys, xs = np.nonzero(grey[top:bottom, left:right])  # inside the box (the legend says "real" in grey too)
    centre = ((bottom - top) / 2, (right - left) / 2)
    assert abs(ys.mean() - centre[0]) < 6 and abs(xs.mean() - centre[1]) < 6  # the ring about the origin
    radius = np.hypot(ys - centre[0], xs - centre[1])  # modes at radius 1 of the view's 1.5
    assert np.all(np.abs(radius - 240 / 3) < 8)
    text = np.all(small == TEXT_RGB, axis=-1)
    assert text[top:bottom, :left].any() and text[bottom + 1 :, left:right].any()  # tick labels on both axes


def test_sample_finds_a_run_by_its_name_or_its_folder(tmp_path):
    runs = tmp_path / "runs"
    assert ganstudio("train", *SMALL, "--steps", "5", "--runs-dir", str(runs)).returncode == 0
    (name,) = [p.name for p in runs.iterdir() if p.is_dir()]
    one_count = {"GANSTUDIO_BLAS_THREADS": "1"}
    by_file, by_name, by_folder = (tmp_path / f"{k}.npy" for k in ("file", "name", "folder"))
    ganstudio("sample", str(runs / name / "checkpoint.npz"), "-n", "6", "-o", str(by_file), **one_count)
    result = ganstudio("sample", name, "--runs-dir", str(runs), "-n", "6", "-o", str(by_name), **one_count)
    assert result.returncode == 0, result.stderr
    result = ganstudio("sample", str(runs / name), "-n", "6", "-o", str(by_folder), **one_count)
    assert result.returncode == 0, result.stderr
    assert np.array_equal(np.load(by_name), np.load(by_file)) and np.array_equal(np.load(by_folder), np.load(by_file))
    missing = ganstudio("sample", "no-such-run", "--runs-dir", str(runs), "-o", str(tmp_path / "x.npy"))
    assert missing.returncode == 2 and "no-such-run: no such run folder" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1, missing.stderr


def test_user_errors_exit_2_with_one_line_and_no_traceback(tmp_path):
    not_a_checkpoint = tmp_path / "x.npz"
    not_a_checkpoint.write_text("nope")
    cases = [
        (["train", "--preset", "nope"], "unknown preset"),
        (["train", "--set", "optimizer.lr=-1"], "optimizer.g.lr"),
        (["train", "--set", "oops"], "key=value"),
        (["train", "--set", "data.dataset=folder", "--set", f"data.folder={tmp_path}"], "no PNG or JPEG images"),
        (["sample", str(not_a_checkpoint), "-o", str(tmp_path / "s.npy")], "not a GAN Studio checkpoint"),
        (["sample", str(tmp_path / "missing.npz"), "-o", str(tmp_path / "s.npy")], "no such file"),
    ]
    for args, words in cases:
        result = ganstudio(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and words in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_absurd_numbers_on_the_command_line_are_refused_before_any_work(tmp_path):
    cases = [
        (["train", "--steps", "-3"], "--steps: must be a whole number from 1 to 1,000,000,000, not '-3'"),
        (["train", "--steps", "ten"], "--steps: must be a whole number from 1 to 1,000,000,000, not 'ten'"),
        (["train", "--seconds", "0"], "--seconds: must be a number of seconds above 0 and at most 2,592,000, not '0'"),
        (["train", "--seconds", "nan"], "--seconds: must be a number of seconds above 0 and at most 2,592,000, not 'nan'"),
        (["train", "--gif-scale", "0"], "--gif-scale: must be a whole number from 1 to 1,000"),
        (["train", "--gif-max-mb", "-1"], "--gif-max-mb: must be a size in MB, 0 or more (0 = no limit), not '-1'"),
        (["sample", "x.npz", "-o", "x.png", "--scale", "0"], "--scale: must be a whole number from 1 to 1,000"),
        (["sample", "x.npz", "-n", "-1"], "-n: must be a whole number from 1 to 100,000"),
        (["bench", "--config", "nope"], "invalid choice: 'nope' (choose from 'seed-mlp', 'large-mlp', 'dcgan')"),
        (["bench", "--gui", "--rounds", "0"], "--rounds: must be a whole number from 1 to 1,000"),
    ]
    for args, words in cases:
        result = ganstudio(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        error, hint = result.stderr.strip().splitlines()  # one line that matters, one pointing at --help
        assert error.startswith("ganstudio") and words in error, (args, result.stderr)
        assert hint.startswith("see 'ganstudio") and hint.endswith(" --help' for the options"), result.stderr
    assert list(tmp_path.iterdir()) == []  # no run folder was made


def test_offline_mnist_names_the_files_and_the_fallback_spelled_as_typed(tmp_path, monkeypatch):
    go_offline(monkeypatch, tmp_path)
    out = str(tmp_path / "run")
    result = ganstudio("train", "--steps", "2", "--out", out)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        "train-images-idx3-ubyte.gz" in result.stderr and str(tmp_path / "fresh-cache" / "ganstudio" / "mnist") in result.stderr
    )
    assert result.stderr.startswith("ganstudio: error: MNIST could not be downloaded: ")  # the one sentence first
    assert result.stderr.rstrip().endswith("To train on synthetic-digits instead, add --set data.dataset=synthetic-digits.")
    fallback = result.stderr.rstrip().rsplit("add ", 1)[1].rstrip(".").split()  # what the user copies
    again = ganstudio("train", "--steps", "2", "--out", out, *fallback)
    assert again.returncode == 0, again.stderr
