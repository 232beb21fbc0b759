"""GIF size limits on a real recording, read back frame by frame: the limit is met, frames decode
within the error the plan states, gray levels give way down to 31 before frames do, and a limit
that cannot be met is one clear error."""

import numpy as np
import pytest
from PIL import Image

from ganstudio.config.model import RunConfig
from ganstudio.files.atomic import WriteError
from ganstudio.media import plan_gif, upscale, write_gif
from ganstudio.media.compose import FrameComposer
from ganstudio.media.gif_budget import GRAY_LEVELS, THIN_BELOW, thinned, to_bytes
from ganstudio.media.gif_encoder import GifEncoder, GrayPalette
from ganstudio.run.session import Session

from support import read_gif

FRAMES = 60


@pytest.fixture(scope="module")
def recording():
    """A short real training run's film: FRAMES grids of 8x8 synthetic digits (233x233), and their steps."""
    config = RunConfig().with_values(
        {
            "data.dataset": "synthetic-digits",
            "generator.hidden": "32",
            "discriminator.hidden": "32",
            "data.batch_size": "32",
            "view.record_every": 2,
            "view.insight_every": 0,
        }
    )
    session = Session(config)
    while len(session.recorder) < FRAMES:
        session.step()
    steps, frames = session.recorder.snapshot()
    assert frames[0].shape == (233, 233)
    return frames, steps


def actual_size(frames, steps, levels, stride=1):
    """Bytes of the labelled scale-2 GIF of every `stride`-th frame at `levels` gray levels."""
    encoder = GifEncoder(FrameComposer(frames, steps, label=True))
    data, size = encoder.encode(levels, thinned(len(frames), stride))
    return size


def check_frames(result, frames, steps):
    """The GIF holds the plan's frames at 10 fps, each within the plan's error of the composed
    frame, the grid area within that error of the recorded grid (no label over it)."""
    got, durations, loop = read_gif(result.path)
    composer = FrameComposer(frames, steps, label=True)
    keep = result.plan.keep
    assert keep[0] == 0 and keep[-1] == len(frames) - 1 and len(got) == len(keep)
    assert durations == [100] * len(keep) and loop == 0
    y, x, height, width = (2 * v for v in composer.grid_box)
    assert y > 0  # the label strip is above the grid
    errors, grid_errors = [], []
    for shown, i in zip(got, keep):
        errors.append(np.abs(shown.astype(int) - composer[int(i)]).max())
        grid_errors.append(np.abs(shown[y : y + height, x : x + width].astype(int) - upscale(frames[i], 2)).max())
    assert max(errors) <= result.plan.max_error and max(grid_errors) <= result.plan.max_error
    return max(errors)


def test_without_a_limit_every_frame_is_exact_and_the_grid_untouched(tmp_path, recording):
    frames, steps = recording
    result = write_gif(tmp_path / "exact.gif", frames, steps, label=True)
    assert (result.plan.levels, result.plan.stride, result.plan.max_error) == (256, 1, 0)
    assert check_frames(result, frames, steps) == 0
    assert result.describe() == f"{result.size / 1e6:.1f} MB: exact grays, all {FRAMES} frames"


def test_a_limit_takes_the_most_gray_levels_that_fit(tmp_path, recording):
    frames, steps = recording
    sizes = {levels: actual_size(frames, steps, levels) for levels in (63, 31)}
    assert sizes[63] > 1.3 * sizes[31]
    limit = round((sizes[63] * sizes[31]) ** 0.5 / 1e6, 3)  # 63 levels do not fit, 31 do; in MB as a user types it
    result = write_gif(tmp_path / "limited.gif", frames, steps, label=True, max_mb=limit)
    assert result.size == result.path.stat().st_size <= limit * 1e6
    assert (result.plan.levels, result.plan.stride) == (31, 1)
    assert 0 < check_frames(result, frames, steps) <= 4 == result.plan.max_error
    assert (
        result.describe()
        == f"{result.size / 1e6:.1f} MB (limit {limit:g} MB): 31 gray levels (each pixel within 4), all {FRAMES} frames"
    )


def test_frames_are_thinned_before_the_gray_levels_drop_below_31(tmp_path, recording):
    """A limit between what 15 and 31 levels take with every frame keeps at least 31 levels and
    every other frame or fewer, the last frame the run's last; the GIF read back uses more grays
    than 15 levels could show."""
    frames, steps = recording
    sizes = {levels: actual_size(frames, steps, levels) for levels in (31, 15)}
    limit = round((sizes[31] * sizes[15]) ** 0.5 / 1e6, 3)
    result = write_gif(tmp_path / "thin.gif", frames, steps, label=True, max_mb=limit)
    plan = result.plan
    assert result.size == result.path.stat().st_size <= limit * 1e6
    assert plan.levels >= THIN_BELOW == 31 and plan.stride >= 2
    check_frames(result, frames, steps)
    got, _, _ = read_gif(result.path)
    assert len(np.unique(got)) > 15


def test_fewer_than_31_gray_levels_only_when_the_first_and_last_frame_do_not_fit(tmp_path, recording):
    frames, steps = recording
    two_frames = actual_size(frames, steps, THIN_BELOW, stride=FRAMES - 1)
    limit = 0.9 * two_frames / 1e6
    result = write_gif(tmp_path / "two.gif", frames, steps, label=True, max_mb=limit)
    assert result.size <= limit * 1e6 and result.plan.levels < THIN_BELOW and list(result.plan.keep) == [0, FRAMES - 1]
    check_frames(result, frames, steps)


def test_frames_are_thinned_evenly_keeping_the_last(tmp_path, recording):
    frames, steps = recording
    fewest = actual_size(frames, steps, GRAY_LEVELS[-1])
    limit = 0.6 * fewest / 1e6
    result = write_gif(tmp_path / "thin.gif", frames, steps, label=True, max_mb=limit)
    plan = result.plan
    assert result.size <= limit * 1e6 and plan.stride >= 2
    assert np.array_equal(plan.keep, np.unique([*range(0, FRAMES, plan.stride), FRAMES - 1]))  # evenly spread, last kept
    check_frames(result, frames, steps)
    assert f"every {plan.stride}" in result.describe() and f"({len(plan.keep)} of {FRAMES})" in result.describe()


def test_a_limit_that_cannot_be_met_is_one_clear_error_and_writes_nothing(tmp_path, recording):
    frames, steps = recording
    target = tmp_path / "tiny.gif"
    target.write_bytes(b"old")
    with pytest.raises(WriteError) as info:
        write_gif(target, frames, steps, label=True, max_mb=0.001)
    message = str(info.value)
    assert message.startswith(
        f"Could not write {str(target)!r}: it cannot fit in 0.001 MB; even 7 gray levels and 2 of {FRAMES} frames"
    )
    assert len(message.splitlines()) == 1 and target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.gif"]
    assert plan_gif(frames, steps, label=True, max_mb=0.001) is None


def test_the_estimate_is_close_to_the_real_size(recording):
    frames, steps = recording
    plans = [plan_gif(frames, steps, label=True, max_mb=max_mb) for max_mb in (None, 1.0, 0.1)]
    assert len({(plan.levels, plan.stride) for plan in plans}) == 3
    for plan in plans:
        size = actual_size(frames, steps, plan.levels, plan.stride)
        assert abs(plan.estimate - size) <= 0.1 * size


def test_a_changed_rectangle_with_scattered_still_pixels_costs_no_more_than_written_opaque(tmp_path):
    """Transparent "unchanged" pixels scattered among changed ones break LZW's strings: such a
    frame is stored opaque when that is shorter, and decodes to the same picture."""
    rng = np.random.default_rng(0)
    first = np.where(rng.random((64, 64)) < 0.3, 100, 0).astype(np.uint8)
    second = np.full((64, 64), 100, np.uint8)  # 70% of the pixels changed, the still 30% scattered
    encoder = GifEncoder(FrameComposer([first, second], scale=2))
    palette = GrayPalette(63)
    indices = Image.fromarray(palette.indices(second)).resize((128, 128), Image.Resampling.NEAREST)
    opaque = len(indices.tobytes("gif", "L", palette.bits))
    control, descriptor, code_size, terminator = 8, 10, 1, 1
    assert encoder.frame_size(palette, 1, 0) <= control + descriptor + code_size + opaque + terminator
    data, _ = encoder.encode(63, np.arange(2))
    (tmp_path / "scattered.gif").write_bytes(data)
    got, _, _ = read_gif(tmp_path / "scattered.gif")
    assert np.array_equal(got[1], upscale(palette.grays[palette.indices(second)], 2))


@pytest.mark.parametrize("levels", GRAY_LEVELS)
def test_each_gray_level_decodes_to_its_palette_within_its_error(tmp_path, levels):
    ramp = np.tile(np.arange(256, dtype=np.uint8), (4, 1))
    frames = [ramp, np.roll(ramp, 7, axis=1), np.roll(ramp, 7, axis=1)]
    encoder = GifEncoder(FrameComposer(frames, scale=1))
    data, size = encoder.encode(levels, np.arange(3))
    (tmp_path / "ramp.gif").write_bytes(data)
    got, durations, _ = read_gif(tmp_path / "ramp.gif")
    palette = GrayPalette(levels)
    assert len(got) == 3 and size == len(data)
    for shown, frame in zip(got, frames):
        assert np.array_equal(shown, palette.grays[palette.indices(frame)])
        assert np.abs(shown.astype(int) - frame).max() == palette.max_error
    assert palette.bits == (8 if levels > 127 else (levels).bit_length())


def test_a_limit_in_mb_is_the_byte_count_the_user_typed():
    """1.001 MB is 1,001,000 bytes, though 1.001 * 1e6 is 1,000,999.99... in floating point."""
    assert [to_bytes(mb) for mb in (1.001, 10, 0.5)] == [1_001_000, 10_000_000, 500_000] and to_bytes(None) is None
