"""Animated GIF export of recorded training frames.

Pillow's GIF saver merges identical consecutive frames and sums their delays, so an
animation can come out with fewer frames than asked for, and no option turns that off. This
writer therefore lays out the GIF container itself and uses Pillow only to LZW-encode each
frame (`GifImagePlugin.getheader` / `getdata`, Pillow's public frame-level helpers). Every
frame is kept; after the first, only the rectangle that changed is stored ("do not
dispose", so the previous frame shows through), and an unchanged frame is a 1x1 patch.

Frames are grayscale under one global gray palette, so there is no per-frame palette
quantisation and no flicker. GIF delays are whole centiseconds: each frame gets the rounded
share of the cumulative time, so the total running time matches `fps` exactly (at 30 fps the
delays alternate 30 and 40 ms). Browsers slow delays under 20 ms down, so fps is at most 50.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import GifImagePlugin, Image

from ganstudio.export.atomic import atomic_file
from ganstudio.export.compose import FrameComposer
from ganstudio.export.losspanel import LossPanel

MAX_FPS = 50.0
_TRAILER = b";"


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
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write `frames[start:stop]` as an animated grayscale GIF at `path`; return the path.

    frames: uint8 (H, W) sample grids (e.g. `FrameRecorder.frames`); steps: their training
    steps (n,), used by `label` ("step 12,345" on each frame) and by `loss_panel` (curves up
    to each frame's step beside the grid). scale: nearest-neighbour enlargement. loop: the
    GIF loop count as in Pillow, 0 = forever. progress(done, total) is called after each
    frame; an exception raised from it cancels the export and propagates unchanged.

    The file appears complete or not at all. Invalid arguments raise ValueError before
    anything is written; I/O failures raise ExportError naming the file and the reason.
    """
    if not 0 < fps <= MAX_FPS or 100.0 / fps > 0xFFFF:
        raise ValueError(f"GIF fps must be in (0, {MAX_FPS:g}], got {fps}")
    if not 0 <= loop <= 0xFFFF:
        raise ValueError(f"loop must be in 0..65535, got {loop}")
    composer = FrameComposer(
        frames, steps, scale=scale, label=label, start=start, stop=stop, loss_panel=loss_panel
    )
    total = len(composer)
    delays = np.diff(np.rint(np.arange(total + 1) * (100.0 / fps))).astype(int)
    target = Path(path)
    with atomic_file(target) as fh:
        previous = None
        for i in range(total):
            frame = composer[i]
            if previous is None:
                header, _ = GifImagePlugin.getheader(Image.fromarray(frame), info={"loop": loop})
                fh.write(b"".join(header))
            fh.write(_encode_frame(frame, previous, int(delays[i])))
            previous = frame
            if progress is not None:
                progress(i + 1, total)
        fh.write(_TRAILER)
    return target


def _encode_frame(frame: np.ndarray, previous: np.ndarray | None, delay_cs: int) -> bytes:
    """One GIF frame (control extension, descriptor, LZW data) drawing `frame` over `previous`.

    frame, previous: uint8 (H, W). Only the bounding box of the pixels that changed is stored.
    """
    x0 = y0 = 0
    patch = frame
    if previous is not None:
        changed = frame != previous
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if rows.size:
            y0, x0 = int(rows[0]), int(cols[0])
            patch = frame[y0 : rows[-1] + 1, x0 : cols[-1] + 1]
        else:
            patch = frame[:1, :1]
    image = Image.fromarray(np.ascontiguousarray(patch))
    chunks = GifImagePlugin.getdata(image, (x0, y0), duration=delay_cs * 10, disposal=1)
    return b"".join(chunks)
