"""GIF and MP4 export, read back from real files."""

import sys

import imageio.v3 as iio
import numpy as np
import pytest

from ganstudio.files.atomic import WriteError
from ganstudio.media import LossPanel, draw_text, upscale, write_gif, write_mp4
from ganstudio.media.compose import LABEL_STRIP
from ganstudio.media.losspanel import D_SHADE, LINE_H
from ganstudio.render.font import text_size

from support import read_gif


def numbered_frames(n: int, shape=(24, 40)) -> list[np.ndarray]:
    """n grids that all differ: a shifted gradient with the frame's number written on it."""
    ramp = np.add.outer(np.arange(shape[0]), np.arange(shape[1])) * 3
    frames = []
    for k in range(n):
        frame = ((ramp + 17 * k) % 200).astype(np.uint8)
        draw_text(frame, str(k), shape[1] - 14, shape[0] - 10, value=255, background=None)
        frames.append(frame)
    return frames


def test_gif_round_trip_frames_size_durations_and_loop(tmp_path):
    frames = numbered_frames(12)
    result = write_gif(tmp_path / "run.gif", frames, np.arange(12) * 100, fps=10, scale=2)
    assert result.path == tmp_path / "run.gif" and result.size == result.path.stat().st_size
    assert (result.plan.levels, result.plan.stride, result.plan.max_error) == (256, 1, 0)  # no limit: exact
    got, durations, loop = read_gif(result.path)
    assert got.shape == (12, 48, 80) and got.dtype == np.uint8
    assert durations == [100] * 12 and loop == 0
    for k in range(12):
        assert np.array_equal(got[k], upscale(frames[k], 2))
    assert all((got[k] != got[k + 1]).any() for k in range(11))
    assert iio.immeta(result.path)["mode"] == "L"  # grayscale: one gray palette, no flicker
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.gif"]


def test_identical_consecutive_frames_are_not_merged(tmp_path):
    a, b, c = numbered_frames(3)
    frames = [a, a, b, b, b, c]
    got, durations, _ = read_gif(write_gif(tmp_path / "dup.gif", frames, scale=1, fps=5).path)
    assert len(got) == 6 and durations == [200] * 6
    assert all(np.array_equal(g, f) for g, f in zip(got, frames))


def test_gif_delays_keep_the_total_time_at_fractional_frame_rates(tmp_path):
    _, durations, _ = read_gif(write_gif(tmp_path / "r.gif", numbered_frames(30), fps=30, scale=1).path)
    assert set(durations) <= {30, 40} and sum(durations) == 1000


def test_gif_loop_count_is_written(tmp_path):
    _, _, loop = read_gif(write_gif(tmp_path / "l.gif", numbered_frames(2), loop=3, scale=1).path)
    assert loop == 3


def test_gif_frame_range_is_honoured(tmp_path):
    frames, steps = numbered_frames(10), np.arange(10) * 50
    got, _, _ = read_gif(write_gif(tmp_path / "r.gif", frames, steps, start=3, stop=7, scale=1).path)
    assert len(got) == 4
    assert all(np.array_equal(g, f) for g, f in zip(got, frames[3:7]))
    got, _, _ = read_gif(write_gif(tmp_path / "tail.gif", frames, steps, start=8, scale=1).path)
    assert len(got) == 2 and np.array_equal(got[-1], frames[-1])


def test_label_sits_in_a_strip_above_the_grid_and_covers_no_sample(tmp_path):
    frames, steps = numbered_frames(4), [0, 950, 12345, 1000000]
    plain, _, _ = read_gif(write_gif(tmp_path / "plain.gif", frames, steps, scale=2).path)
    labelled, _, _ = read_gif(write_gif(tmp_path / "label.gif", frames, steps, scale=2, label=True).path)
    strip = 2 * LABEL_STRIP
    assert labelled.shape == (4, plain.shape[1] + strip, plain.shape[2])
    assert np.array_equal(labelled[:, strip:], plain)  # every grid pixel as without the label
    for k, step in enumerate(steps):
        assert text_size(f"step {step:,}", 2)[1] == strip  # drawn at scale 1, then upscaled x2
        expected = np.zeros((strip, plain.shape[2]), np.uint8)  # a long label is cut at the edge
        draw_text(expected, f"step {step:,}", 0, 0, scale=2)
        assert np.array_equal(labelled[k, :strip], expected)


def test_label_counts_frames_when_no_steps_are_given(tmp_path):
    frames = numbered_frames(3, shape=(20, 60))
    got, _, _ = read_gif(write_gif(tmp_path / "f.gif", frames, scale=1, label=True, start=1).path)
    w, h = text_size("frame 1")
    expected = np.zeros((h, w), np.uint8)
    draw_text(expected, "frame 1", 0, 0)
    assert np.array_equal(got[0][:h, :w], expected) and np.array_equal(got[0][h:], frames[1])


def test_loss_panel_sits_beside_the_grid_and_its_curves_grow_with_the_frames(tmp_path):
    frames, steps = numbered_frames(6, shape=(60, 60)), np.arange(6) * 200
    history = np.arange(0, 1001, 10)
    panel = LossPanel(history, 0.7 + np.exp(-history / 300), 2.0 - history / 1000)
    plain, _, _ = read_gif(write_gif(tmp_path / "p.gif", frames, steps, scale=2).path)
    got, _, _ = read_gif(write_gif(tmp_path / "lp.gif", frames, steps, scale=2, loss_panel=panel).path)
    assert got.shape == (6, 120, 240)  # a square panel, as tall as the grid
    assert np.array_equal(got[:, :, :120], plain)
    plot = got[:, 4 * LINE_H :, 120:]  # below the legend's two lines (in D's shade too)
    rightmost_d = [np.flatnonzero((f == D_SHADE).any(axis=0)).max() for f in plot]
    assert rightmost_d[0] < 10 and rightmost_d[-1] > 100
    assert rightmost_d == sorted(rightmost_d)
    assert all((got[k, :, 120:] != got[k + 1, :, 120:]).any() for k in range(5))
    wide, _, _ = read_gif(
        write_gif(
            tmp_path / "w.gif",
            frames,
            steps,
            scale=1,
            loss_panel=LossPanel(history, history * 0.0 + 1, history * 0.0 + 2, width=90),
        ).path
    )
    assert wide.shape == (6, 60, 150)


def test_frames_of_different_sizes_are_centred_on_the_largest_canvas(tmp_path):
    small, large = numbered_frames(1, (10, 12))[0], numbered_frames(2, (16, 20))[1]
    got, _, _ = read_gif(write_gif(tmp_path / "mix.gif", [small, large], scale=1).path)
    assert got.shape == (2, 16, 20)
    assert np.array_equal(got[0][3:13, 4:16], small) and (got[0][:3] == 0).all()
    assert np.array_equal(got[1], large)


def test_progress_reports_every_frame(tmp_path):
    calls = []
    write_gif(tmp_path / "p.gif", numbered_frames(5), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_cancelling_from_progress_leaves_the_old_file_and_no_debris(tmp_path):
    class Cancelled(Exception):
        pass

    def cancel(done, total):
        if done == 3:
            raise Cancelled

    target = tmp_path / "keep.gif"
    target.write_bytes(b"old")
    with pytest.raises(Cancelled):
        write_gif(target, numbered_frames(6), progress=cancel)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.gif"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fps": 0},
        {"fps": 60},
        {"loop": -1},
        {"start": 4, "stop": 4},
        {"stop": 9},
        {"steps": [1, 2]},
        {"scale": 0},
        {"loss_panel": LossPanel([0, 1], [1, 1], [2, 2])},
    ],
)
def test_invalid_arguments_raise_value_error_and_write_nothing(tmp_path, kwargs):
    with pytest.raises(ValueError):
        write_gif(tmp_path / "bad.gif", numbered_frames(5), **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_frames_must_be_uint8_images(tmp_path):
    with pytest.raises(ValueError):
        write_gif(tmp_path / "bad.gif", [np.zeros((4, 4), np.float32)])
    assert list(tmp_path.iterdir()) == []


def test_mp4_round_trip_pads_to_macro_blocks(tmp_path):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    frames, steps = numbered_frames(8, shape=(30, 50)), np.arange(8) * 10
    path = write_mp4(tmp_path / "run.mp4", frames, steps, fps=8, scale=2, label=True)
    same_as_gif, _, _ = read_gif(write_gif(tmp_path / "run.gif", frames, steps, label=True).path)
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="gray", bpp=1)
    meta = next(reader)
    width, height = meta["size"]
    decoded = [np.frombuffer(b, np.uint8).reshape(height, width) for b in reader]
    height = 2 * (30 + LABEL_STRIP)
    assert meta["size"] == (112, 80) and same_as_gif.shape[1:] == (height, 100)  # padded up to multiples of 16
    assert len(decoded) == 8 and meta["fps"] == 8
    for k in (0, 5):  # lossy but faithful to the GIF's frames, padded with black
        error = np.abs(decoded[k][:height, :100].astype(int) - same_as_gif[k]).mean()
        assert error < 4 and (decoded[k][height:] < 16).all() and (decoded[k][:, 100:] < 16).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.gif", "run.mp4"]


def test_mp4_without_imageio_ffmpeg_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # makes the import fail
    with pytest.raises(WriteError) as info:
        write_mp4(tmp_path / "run.mp4", numbered_frames(3))
    assert str(info.value) == "MP4 export needs the optional extra: pip install 'ganstudio[mp4]'"
    assert list(tmp_path.iterdir()) == []
