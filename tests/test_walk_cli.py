"""`ganstudio walk` as real processes on small trained runs: the GIF read back frame by frame,
the MP4 and the PNG strip, a conditional run's class walk, and each bad input refused in one line
(exit 2) before anything is written."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from support import SMALL_CLI, read_gif

CELL = 29  # a 28 x 28 digit and its 1 px separator in the sample grid


def ganstudio(*args):
    # One BLAS thread for every process: train's grid and walk's frames are then computed alike,
    # bit for bit (runs are bit-exact at the same thread count).
    env = {**os.environ, "GANSTUDIO_BLAS_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "ganstudio", *args], capture_output=True, text=True, timeout=300, env=env)


def trained(folder, *options):
    result = ganstudio("train", *SMALL_CLI, "--set", "run.insight_every=0", *options, "--steps", "30", "--out", str(folder))
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """An unconditional run with an EMA generator (the grid shows the EMA's samples)."""
    return trained(tmp_path_factory.mktemp("walk") / "run", "--set", "training.ema=true")


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    """A conditional run of classes 3, 5 and 8: its 8-wide grid has rows 3, 5, 8 (24 cells)."""
    return trained(tmp_path_factory.mktemp("walk") / "cond", "--set", "training.conditional=true", "--set", "data.classes=3,5,8")


def grid_cell(folder, cell, side=8):
    """uint8 (30, 30): cell `cell` of the run's samples.png with its border (a conditional grid's
    label column is left of its cells, so cells are counted from the right)."""
    grid = np.asarray(Image.open(folder / "samples.png"))
    grid = grid[:, grid.shape[1] - (side * CELL + 1) :]
    row, col = divmod(cell, side)
    return grid[row * CELL : row * CELL + CELL + 1, col * CELL : col * CELL + CELL + 1]


def test_a_walk_gif_goes_smoothly_from_the_first_cell_through_the_second_to_the_last(run, tmp_path):
    gif, png = tmp_path / "walk.gif", tmp_path / "strip.png"
    result = ganstudio(
        "walk", str(run), "--cells", "3,17,40", "--frames", "60", "--gif", str(gif), "--gif-scale", "1", "--png", str(png)
    )
    assert result.returncode == 0, result.stderr
    assert "walk: 60 frames through cells 3, 17, 40; weights: last, step 30 (EMA weights)" in result.stdout
    frames, durations, loop = read_gif(gif)
    assert frames.shape == (60, 30, 30) and loop == 0 and sum(durations) == 6000  # 10 fps
    np.testing.assert_array_equal(frames[0], grid_cell(run, 3))
    np.testing.assert_array_equal(frames[30], grid_cell(run, 17))  # 59 steps: 30 to cell 17, 29 on to cell 40
    np.testing.assert_array_equal(frames[-1], grid_cell(run, 40))
    pixels = frames.astype(np.float64)
    steps = np.abs(np.diff(pixels, axis=0)).mean(axis=(1, 2))
    apart = min(np.abs(pixels[0] - pixels[30]).mean(), np.abs(pixels[30] - pixels[-1]).mean())
    assert steps.max() < 0.25 * apart, (steps.max(), apart)
    strip = np.asarray(Image.open(png))
    assert strip.shape == (30 * 3, (60 * CELL + 1) * 3)  # the stops in one row, enlarged 3 times by default
    np.testing.assert_array_equal(strip[::3, ::3][:, 30 * CELL : 31 * CELL + 1], frames[30])


def test_a_walk_mp4_has_a_frame_per_stop(run, tmp_path):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    mp4 = tmp_path / "walk.mp4"
    result = ganstudio("walk", str(run), "--cells", "0,63", "--frames", "24", "--mp4", str(mp4))
    assert result.returncode == 0, result.stderr
    assert imageio_ffmpeg.count_frames_and_secs(str(mp4))[0] == 24


def test_random_endpoints_come_from_the_seed(run, tmp_path):
    gifs = {}
    for name, seed in (("first", "5"), ("again", "5"), ("other", "6")):
        gifs[name] = tmp_path / f"{name}.gif"
        result = ganstudio("walk", str(run), "--seed", seed, "--frames", "8", "--gif", str(gifs[name]))
        assert result.returncode == 0, result.stderr
        assert f"walk: 8 frames through 2 random endpoints of seed {seed};" in result.stdout
    first, again, other = (gifs[name].read_bytes() for name in ("first", "again", "other"))
    assert first == again and first != other


def test_a_conditional_walk_turns_one_cell_from_one_class_into_another(conditional_run, tmp_path):
    gif, row = tmp_path / "walk.gif", tmp_path / "row.png"
    cond = str(conditional_run)
    result = ganstudio("walk", cond, "--classes", "3,8", "--cells", "2", "--frames", "12", "--gif", str(gif), "--gif-scale", "1")
    assert result.returncode == 0, result.stderr
    assert "through classes 3, 8 at the noise of cell 2;" in result.stdout
    frames, _, _ = read_gif(gif)
    np.testing.assert_array_equal(frames[0], grid_cell(conditional_run, 2))  # row 0: class 3
    np.testing.assert_array_equal(frames[-1], grid_cell(conditional_run, 18))  # row 2: class 8, the same column
    result = ganstudio("walk", cond, "--classes", "all", "--cells", "13", "--frames", "3", "--png", str(row), "--scale", "1")
    assert result.returncode == 0, result.stderr
    strip = np.asarray(Image.open(row))
    for stop, cell in enumerate((5, 13, 21)):  # column 5 as each class of the run: 3, 5, 8
        np.testing.assert_array_equal(strip[:, stop * CELL : stop * CELL + CELL + 1], grid_cell(conditional_run, cell))


@pytest.mark.parametrize(
    ("options", "line"),
    [
        (["--cells", "17"], "--cells 17: a walk needs two cells or more"),
        (["--cells", "3,64"], "--cells 64: outside the run's 8 x 8 sample grid, whose cells are numbered 0 to 63"),
        (["--cells", "3,17", "--frames", "65"], "argument --frames: must be a whole number from 2 to 64, not '65'"),
        (["--cells", "1,2,3", "--frames", "2"], "--frames 2: a walk through 3 endpoints stops at each, so it needs 3 frames"),
        (["--classes", "3,8"], "--classes: this run is not conditional (training.conditional = false)"),
        (["--cells", "3,17", "--seed", "4"], "--cells and --seed: give one"),
        (["--cells", "3,x"], "argument --cells: must be cell numbers separated by commas, such as 3,17,40, not '3,x'"),
        (["--cells", "3,17", "--gif-scale", "300"], "--gif-scale 300: its frames would be 9,000 x 9,000 px"),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_written(run, tmp_path, options, line):
    gif = tmp_path / "walk.gif"
    result = ganstudio("walk", str(run), *options, "--gif", str(gif))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert line in result.stderr.splitlines()[0], result.stderr
    assert not gif.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "line"),
    [
        (["--classes", "3,4"], "--classes 4: the run has no such class; its classes are 3, 5, 8"),
        (["--classes", "3,12"], "--classes 12: the run has no such class; its classes are 3, 5, 8"),
        (["--classes", "8"], "--classes 8: a walk between classes needs two or more (or 'all')"),
        (["--classes", "3,8", "--cells", "1,2"], "--cells 1,2: --classes walks one noise vector; give one cell"),
        (["--cells", "0,24"], "--cells 24: outside the run's 3 x 8 sample grid, whose cells are numbered 0 to 23"),
    ],
)
def test_bad_classes_of_a_conditional_run_are_one_line(conditional_run, tmp_path, options, line):
    gif = tmp_path / "walk.gif"
    result = ganstudio("walk", str(conditional_run), *options, "--gif", str(gif))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert line in result.stderr.splitlines()[0], result.stderr
    assert not gif.exists()


def test_a_run_without_a_checkpoint_or_an_output_is_refused(tmp_path):
    empty = tmp_path / "empty-run"
    empty.mkdir()
    result = ganstudio("walk", str(empty), "--cells", "1,2", "--gif", str(tmp_path / "w.gif"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        == f"ganstudio: error: {empty}: the run has no checkpoint yet (it is written after its first trained steps)"
    )
    result = ganstudio("walk", str(empty), "--cells", "1,2")
    assert result.returncode == 2
    assert result.stderr.strip() == "ganstudio: error: give the walk's output: --gif FILE, --mp4 FILE or --png FILE"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-run"]
