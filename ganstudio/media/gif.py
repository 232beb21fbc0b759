"""Animated GIF export of recorded training frames, optionally within a size budget.

Frames are grayscale under one global gray palette: no per-frame quantisation, no flicker.
The bytes come from `gif_encoder` (every frame kept, only changed rectangles stored); with a
budget, `gif_budget` picks the least lossy settings that fit: fewer gray levels first, fewer
frames only when even the fewest levels do not fit.

GIF delays are whole centiseconds: each frame gets the rounded share of the cumulative time,
so the total running time matches `fps` exactly (at 30 fps the delays alternate 30 and
40 ms). Browsers slow delays under 20 ms down, so fps is at most 50. Thinned films keep the
fps: they play shorter, at the same pace per frame.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganstudio.files.atomic import WriteError, atomic_file
from ganstudio.media.compose import FrameComposer
from ganstudio.media.gif_budget import MB, GifPlan, GifPlanner, smallest_film, to_bytes
from ganstudio.media.gif_encoder import GifEncoder
from ganstudio.media.losspanel import LossPanel

MAX_FPS = 50.0
MAX_SIDE = 8192  # px a side: GIF stores 16-bit sizes (65,535), and a frame this large is already 64 MB to compose and view


def oversize(native_shape: tuple[int, int], scale: int) -> str | None:
    """Why frames of `native_shape` (height, width) enlarged `scale` times are too large for a
    GIF (naming the largest scale that fits), or None when they fit within MAX_SIDE a side."""
    height, width = native_shape
    if max(height, width) * scale <= MAX_SIDE:
        return None
    fits = MAX_SIDE // max(height, width)
    advice = f"a scale of at most {fits} fits" if fits else "even scale 1 is too large"
    return f"its frames would be {width * scale:,} x {height * scale:,} px, more than {MAX_SIDE:,} px a side; {advice}"


@dataclass(frozen=True)
class GifResult:
    """A written GIF: its `path`, its `size` in bytes and the `plan` it was written with
    (gray levels, frames kept, the budget)."""

    path: Path
    size: int
    plan: GifPlan

    def describe(self) -> str:
        """One line for the user, e.g. '9.4 MB (limit 10 MB): 31 gray levels (each pixel within 4), all 300 frames'."""
        limit = f" (limit {self.plan.max_bytes / MB:g} MB)" if self.plan.max_bytes is not None else ""
        return f"{self.size / MB:.1f} MB{limit}: {self.plan.describe()}"


def write_gif(
    path: str | os.PathLike[str],
    frames: Sequence[np.ndarray],
    steps: Sequence[int] | np.ndarray | None = None,
    *,
    fps: float = 10.0,
    scale: int = 2,
    loop: int = 0,
    label: bool = False,
    start: int = 0,
    stop: int | None = None,
    loss_panel: LossPanel | None = None,
    max_mb: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GifResult:
    """Write `frames[start:stop]` as an animated grayscale GIF at `path`.

    frames: uint8 (H, W) sample grids (e.g. `FrameRecorder.frames`); steps: their training
    steps (n,), used by `label` ("step 12,345" in a strip above each grid) and by
    `loss_panel` (curves up to each frame's step beside the grid). scale: nearest-neighbour
    enlargement. loop: the GIF loop count as in Pillow, 0 = forever. max_mb: the size limit
    in MB (1,000,000 bytes); None writes every frame with exact grays. progress(done, total)
    is called after each frame written; an exception raised from it cancels the export and
    propagates unchanged.

    Returns a `GifResult` (path, size, plan). The file appears complete or not at all.
    Invalid arguments raise ValueError before anything is written; I/O failures, frames larger
    than MAX_SIDE a side, and a limit that even the fewest gray levels with only the first and
    last frame exceed, raise WriteError naming the file and the reason.
    """
    if not 0 < fps <= MAX_FPS or 100.0 / fps > 0xFFFF:
        raise ValueError(f"GIF fps must be in (0, {MAX_FPS:g}], got {fps}")
    if not 0 <= loop <= 0xFFFF:
        raise ValueError(f"loop must be in 0..65535, got {loop}")
    if max_mb is not None and not (math.isfinite(max_mb) and max_mb > 0):
        raise ValueError(f"max_mb must be a number above 0, got {max_mb}")
    composer = FrameComposer(frames, steps, scale=scale, label=label, start=start, stop=stop, loss_panel=loss_panel)
    target = Path(path)
    too_large = oversize(composer.native_shape, composer.scale)
    if too_large:
        raise WriteError(f"Could not write {str(target)!r}: {too_large}")
    encoder = GifEncoder(composer, fps=fps, loop=loop)
    planner = GifPlanner(encoder, to_bytes(max_mb))
    plan = planner.first()
    while plan is not None:
        data, size = encoder.encode(plan.levels, plan.keep, progress, stop_above=planner.max_bytes)
        if data is not None:
            break
        plan = planner.after_miss(plan, size)
    else:
        raise WriteError(
            f"Could not write {str(target)!r}: it cannot fit in {max_mb:g} MB; even {smallest_film(planner.total)} "
            f"take about {max(planner.smallest(), planner.max_bytes + 1) / MB:.2g} MB (allow more MB, or a lower scale)"
        )
    with atomic_file(target) as fh:
        fh.write(data)
    return GifResult(target, len(data), plan)
