"""Recording the fixed-noise sample grid during training, in bounded memory.

`FrameRecorder` keeps at most `budget` frames (uint8 grids) with the step each was taken at.
It records every `every` steps until the budget is reached; then it thins: it drops every
other frame (always keeping the first and the newest) and doubles its stride, so the frames
stay evenly spaced across the whole run however long it trains. Thinning runs when the count
goes past the largest even number <= budget (an odd budget holds one frame fewer), so the
count is odd then and keeping every second frame keeps both ends: recording from a multiple
of the stride (e.g. step 0), the spacing is exactly uniform.

Frames keep the shape they were recorded with. When the user changes the grid size mid-run,
old and new frames differ in shape; nothing is lost, and the exporters centre every frame on
a canvas of the largest shape in the exported range.

Stored frames are read-only arrays, so snapshots and saved states share them without copies;
only the thread that owns the run touches the recorder (the GUI gets frames through snapshots).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


class FrameRecorder:
    """Sample grids taken every `stride` steps, thinned to stay within `budget` frames.

    every: base interval in steps (settable while training); the effective interval is
        `stride = every * 2**thinnings`.
    budget: the most frames ever held (>= 2).
    """

    def __init__(self, every: int = 100, budget: int = 300) -> None:
        self._every = _positive_int("every", every)
        self._budget = _positive_int("budget", budget, minimum=2)
        self._level = 0
        self._steps: list[int] = []
        self._frames: list[np.ndarray] = []

    # ----- settings
    @property
    def every(self) -> int:
        """Base recording interval in steps (an int >= 1); changing it keeps the frames."""
        return self._every

    @every.setter
    def every(self, value: int) -> None:
        self._every = _positive_int("every", value)

    @property
    def budget(self) -> int:
        """The most frames kept."""
        return self._budget

    @property
    def stride(self) -> int:
        """The current interval between recordings: `every` doubled once per thinning."""
        return self._every << self._level

    # ----- recording
    def maybe_record(self, step: int, render: Callable[[], np.ndarray]) -> bool:
        """Record `render()` at `step` if it is due; return whether a frame was kept.

        A step is due when `step % every == 0` and it is at least `stride` steps after the
        newest frame (so after thinning, recordings follow the doubled stride). Steps at or
        before the newest frame are ignored. `render` is called only when the step is due and
        must return the grid as uint8 (H, W); it is copied.
        """
        step = int(step)
        last = self._steps[-1] if self._steps else None
        if step % self._every or (last is not None and step - last < self.stride):
            return False
        frame = np.array(render(), copy=True)
        if frame.dtype != np.uint8 or frame.ndim != 2:
            raise ValueError(f"render() must return uint8 (H, W), got {frame.dtype} {frame.shape}")
        frame.flags.writeable = False
        self._steps.append(step)
        self._frames.append(frame)
        if len(self._frames) > self._budget // 2 * 2:
            self._thin()
        return True

    def _thin(self) -> None:
        """Drop every other frame (the count is odd: the first and the newest stay)."""
        self._steps = self._steps[::2]
        self._frames = self._frames[::2]
        self._level += 1

    def records_by(self, start: int, stop: int) -> bool:
        """Whether frames will be held once a run training from step `start` reaches step `stop`:
        some are held now, or a step in (start, stop] is a multiple of `every`."""
        return bool(self._frames) or stop // self._every > start // self._every

    # ----- access
    def __len__(self) -> int:
        return len(self._frames)

    @property
    def steps(self) -> np.ndarray:
        """Steps of the kept frames, oldest first: int64 (n,)."""
        return np.array(self._steps, dtype=np.int64)

    @property
    def frames(self) -> list[np.ndarray]:
        """The kept frames, oldest first: a new list of read-only uint8 (H, W) arrays."""
        return list(self._frames)

    def frame(self, i: int) -> np.ndarray:
        """Frame `i` (negative counts from the newest): read-only uint8 (H, W)."""
        return self._frames[i]

    def snapshot(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """(steps int64 (n,), frames): copies of the lists, the frames shared (read-only)."""
        return np.array(self._steps, dtype=np.int64), list(self._frames)

    def clear(self) -> None:
        """Forget all frames and start again at stride `every`."""
        self._steps, self._frames, self._level = [], [], 0

    # ----- checkpoints
    def state_dict(self) -> dict[str, np.ndarray]:
        """The recorder as plain numpy arrays (for an .npz checkpoint or an in-memory state).

        every, budget, level: int64 scalars; steps: int64 (n,); frame/0000, frame/0001, ...:
        the frames themselves (read-only uint8 (H, W), shared, not copied).
        """
        state = {
            "every": np.int64(self._every),
            "budget": np.int64(self._budget),
            "level": np.int64(self._level),
            "steps": np.array(self._steps, dtype=np.int64),
        }
        state.update({f"frame/{i:04d}": frame for i, frame in enumerate(self._frames)})
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore what `state_dict` returned (or an older checkpoint's `shapes` + `pixels`);
        raises ValueError, leaving the recorder as it was, if the arrays disagree."""
        steps = np.asarray(state["steps"], dtype=np.int64).reshape(-1)
        frames = _saved_frames(state)
        if len(frames) != len(steps) or any(f.ndim != 2 or 0 in f.shape for f in frames):
            raise ValueError("recorder state is inconsistent: steps and frames disagree")
        every = _positive_int("every", int(state["every"]))
        budget = _positive_int("budget", int(state["budget"]), minimum=2)
        if len(steps) > budget or (np.diff(steps) <= 0).any():
            raise ValueError("recorder state is inconsistent: too many or unordered steps")
        for frame in frames:
            frame.flags.writeable = False
        self._every, self._budget = every, budget
        self._level = int(state["level"])
        self._steps, self._frames = steps.tolist(), frames


def film_to(
    steps: np.ndarray, frames: Sequence[np.ndarray], step: int, render: Callable[[], np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The film of a run at `step`: its recorded frames (steps int64 (n,), uint8 (H, W) frames)
    and, when the run has trained past the newest of them (or past step 0 with none recorded),
    `render()` at `step` after them. Frames are recorded every `stride` steps only, so without
    it a film would end up to a stride before the run's last step."""
    newest = int(steps[-1]) if len(steps) else 0
    if step <= newest:
        return np.asarray(steps, np.int64), list(frames)
    return np.append(np.asarray(steps, np.int64), np.int64(step)), [*frames, render()]


def _saved_frames(state: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The frames of a saved state: uint8 (H, W) arrays, read-only ones shared as they are."""
    if "pixels" not in state:  # frame/NNNN entries, as state_dict writes them
        names = sorted((k for k in state if k.startswith("frame/")), key=lambda k: int(k.split("/")[1]))
        return [np.asarray(state[k], np.uint8) for k in names]
    # The older layout, still read: every frame's pixels in one flat array, their shapes beside it.
    shapes = np.asarray(state["shapes"], dtype=np.int64).reshape(-1, 2)
    pixels = np.asarray(state["pixels"], dtype=np.uint8).reshape(-1)
    sizes = shapes.prod(axis=1)
    if int(sizes.sum()) != pixels.size or (shapes < 1).any():
        raise ValueError("recorder state is inconsistent: shapes and pixels disagree")
    return [chunk.reshape(tuple(shape)).copy() for chunk, shape in zip(np.split(pixels, np.cumsum(sizes)[:-1]), shapes)]


def _positive_int(name: str, value: int, minimum: int = 1) -> int:
    """`value` as an int >= minimum, or ValueError naming `name`."""
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)
