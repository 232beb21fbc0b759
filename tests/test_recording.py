"""FrameRecorder: what it records, how it thins, and how it survives a checkpoint."""

import numpy as np
import pytest

from ganstudio.record.frames import FrameRecorder


def grid_for(step: int, shape=(6, 5)) -> np.ndarray:
    """A frame that encodes its own step, so frames can be told apart."""
    return np.full(shape, step % 251, dtype=np.uint8)


def run(rec: FrameRecorder, steps, calls=None) -> None:
    for step in steps:

        def render(step=step):
            if calls is not None:
                calls.append(step)
            return grid_for(step)

        rec.maybe_record(step, render)


def test_records_every_n_steps_and_renders_only_then():
    rec = FrameRecorder(every=10, budget=100)
    calls = []
    run(rec, range(0, 55), calls)
    assert calls == [0, 10, 20, 30, 40, 50]
    assert rec.steps.tolist() == calls and rec.steps.dtype == np.int64
    assert len(rec) == 6
    assert [int(f[0, 0]) for f in rec.frames] == calls
    assert rec.frame(-1)[0, 0] == 50


def test_a_step_is_never_recorded_twice_or_out_of_order():
    rec = FrameRecorder(every=10)
    run(rec, [0, 10, 10, 0, 20])
    assert rec.steps.tolist() == [0, 10, 20]


def test_thinning_respects_the_budget_keeps_first_and_newest_and_doubles_the_stride():
    rec = FrameRecorder(every=10, budget=8)
    seen_strides = [rec.stride]
    for step in range(0, 2001):
        rec.maybe_record(step, lambda step=step: grid_for(step))
        assert len(rec) <= 8
        if rec.stride != seen_strides[-1]:
            seen_strides.append(rec.stride)
            assert rec.steps[-1] == step  # the frame that triggered thinning is kept
        assert rec.steps[0] == 0
    assert seen_strides == [10, 20, 40, 80, 160, 320]
    steps = rec.steps
    assert steps[0] == 0 and steps[-1] == 1920
    assert set(np.diff(steps).tolist()) == {rec.stride}  # evenly spaced
    assert [int(f[0, 0]) for f in rec.frames] == [s % 251 for s in steps]


@pytest.mark.parametrize("budget", [2, 3, 7, 300])
def test_any_budget_stays_within_bounds_and_evenly_spaced(budget):
    rec = FrameRecorder(every=1, budget=budget)
    run(rec, range(0, 5000))
    assert 1 < len(rec) <= budget
    assert rec.steps[0] == 0
    assert set(np.diff(rec.steps).tolist()) == {rec.stride}


def test_changing_every_live_keeps_frames_and_the_thinning_level():
    rec = FrameRecorder(every=10, budget=4)
    run(rec, range(0, 41))  # 0..40 -> thinned once to [0, 20, 40], stride 20
    assert rec.steps.tolist() == [0, 20, 40] and rec.stride == 20
    rec.every = 5
    assert rec.every == 5 and rec.stride == 10
    run(rec, range(41, 61))
    assert rec.steps.tolist() == [0, 40, 60]  # 50 then 60 made five frames: thinned again
    for bad in (0, -3, 2.5, True, "10"):
        with pytest.raises(ValueError):
            rec.every = bad
    assert rec.every == 5


def test_frames_of_a_new_shape_are_kept_as_they_are():
    rec = FrameRecorder(every=1)
    rec.maybe_record(0, lambda: grid_for(0, (6, 5)))
    rec.maybe_record(1, lambda: grid_for(1, (9, 4)))
    assert [f.shape for f in rec.frames] == [(6, 5), (9, 4)]


def test_frames_are_private_read_only_copies():
    rec = FrameRecorder(every=1)
    buffer = grid_for(3)
    rec.maybe_record(0, lambda: buffer)
    buffer[:] = 99
    assert rec.frame(0)[0, 0] == 3
    with pytest.raises(ValueError):
        rec.frame(0)[0, 0] = 1


def test_render_must_return_a_uint8_image():
    rec = FrameRecorder(every=1)
    with pytest.raises(ValueError):
        rec.maybe_record(0, lambda: np.zeros((4, 4), np.float32))
    assert len(rec) == 0


def test_clear_forgets_frames_and_thinning():
    rec = FrameRecorder(every=1, budget=4)
    run(rec, range(10))
    assert rec.stride > 1
    rec.clear()
    assert len(rec) == 0 and rec.steps.shape == (0,) and rec.frames == [] and rec.stride == 1


def test_state_dict_round_trips_through_an_npz_checkpoint(tmp_path):
    rec = FrameRecorder(every=3, budget=6)
    run(rec, range(40))
    rec.maybe_record(42, lambda: grid_for(42, (2, 7)))
    state = rec.state_dict()
    assert all(isinstance(v, np.ndarray | np.generic) for v in state.values())
    np.savez(tmp_path / "ckpt.npz", **state)
    with np.load(tmp_path / "ckpt.npz") as data:
        restored = FrameRecorder()
        restored.load_state_dict(dict(data))
    assert (restored.every, restored.budget, restored.stride) == (3, 6, rec.stride)
    assert restored.steps.tolist() == rec.steps.tolist()
    assert all(np.array_equal(a, b) for a, b in zip(restored.frames, rec.frames))
    run(restored, range(43, 80))  # recording continues where it left off
    assert restored.steps[-1] > 42 and len(restored) <= 6


def test_empty_state_dict_round_trips():
    restored = FrameRecorder(every=7)
    restored.load_state_dict(FrameRecorder(every=4, budget=10).state_dict())
    assert (len(restored), restored.every, restored.budget) == (0, 4, 10)


def test_inconsistent_state_is_rejected_and_leaves_the_recorder_alone():
    rec = FrameRecorder(every=1)
    run(rec, range(3))
    state = rec.state_dict()
    del state["frame/0002"]
    fresh = FrameRecorder(every=5)
    with pytest.raises(ValueError):
        fresh.load_state_dict(state)
    assert len(fresh) == 0 and fresh.every == 5
