"""Turning recorded grids into the frames of an animation (shared by the GIF and MP4 writers).

One place decides what an exported frame looks like: the frame range, a common canvas for
grids of different sizes, the "step N" label in a strip of its own above the grid (it never
covers a sample), the loss panel beside the grid, the nearest-neighbour upscaling, and (for
video codecs) padding to a block size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ganstudio.media.losspanel import LossPanel
from ganstudio.render.font import draw_text, text_size
from ganstudio.render.grid import upscale

LABEL_STRIP = text_size("0")[1]  # native height of the black strip above the grid that holds the label


class FrameComposer:
    """The exported frames of `frames[start:stop]`, composed one at a time on demand.

    frames: uint8 (H, W) grids; shapes may differ, each is centred on a black canvas of the
        largest height and width in the range.
    steps: the training step of each frame (for the label and the loss-panel cursor);
        None numbers the frames 0, 1, ... and labels them "frame N".
    scale: nearest-neighbour enlargement factor (>= 1).
    label: write "step 12,345" in a black strip of `LABEL_STRIP` rows added above the grid (and
        the panel), left-aligned with the grid; the grid itself is never drawn over.
    loss_panel: draw the loss curves up to each frame's step to the right of the grid.
    block: pad the output (bottom/right, black) to multiples of this (16 for video codecs).
    Output frames: uint8 (height, width) = `self.shape`; `native(i)` is frame i before the
    upscaling and padding, uint8 `self.native_shape`, and `grid_box` = (y, x, height, width) of
    the grid area (the canvas the grids are centred on) in it.
    """

    def __init__(
        self,
        frames: Sequence[np.ndarray],
        steps: Sequence[int] | np.ndarray | None = None,
        *,
        scale: int = 2,
        label: bool = False,
        start: int = 0,
        stop: int | None = None,
        loss_panel: LossPanel | None = None,
        block: int = 1,
    ) -> None:
        n = len(frames)
        stop = n if stop is None else stop
        if not 0 <= start < stop <= n:
            raise ValueError(f"frame range [{start}, {stop}) is empty or outside 0..{n}")
        if steps is not None and len(steps) != n:
            raise ValueError(f"{len(steps)} steps for {n} frames")
        if steps is None and loss_panel is not None:
            raise ValueError("a loss panel needs the frames' steps")
        if int(scale) < 1 or int(block) < 1:
            raise ValueError(f"scale and block must be >= 1, got {scale}, {block}")
        self._grids = [_check_frame(f) for f in frames[start:stop]]
        self._steps = np.arange(start, stop) if steps is None else np.asarray(steps[start:stop])
        self._word = "frame" if steps is None else "step"
        self._label = label
        self.scale = int(scale)
        height = max(g.shape[0] for g in self._grids)
        width = max(g.shape[1] for g in self._grids)
        self._top = LABEL_STRIP if label else 0
        self.grid_box = (self._top, 0, height, width)
        self._panel = None
        if loss_panel is not None:
            self._panel = loss_panel.renderer(height, int(self._steps[0]), int(self._steps[-1]))
            width += self._panel.shape[1]
        height += self._top
        self.native_shape = (height, width)
        block = int(block)
        self.shape = (
            -(-height * self.scale // block) * block,
            -(-width * self.scale // block) * block,
        )

    def __len__(self) -> int:
        return len(self._grids)

    def native(self, i: int) -> np.ndarray:
        """Frame `i` (0 = the range's first) before upscaling: uint8 `self.native_shape`, fresh."""
        grid, step = self._grids[i], int(self._steps[i])
        native = np.zeros(self.native_shape, dtype=np.uint8)
        _, _, height, width = self.grid_box
        y = self._top + (height - grid.shape[0]) // 2
        x = (width - grid.shape[1]) // 2
        native[y : y + grid.shape[0], x : x + grid.shape[1]] = grid
        if self._label:
            draw_text(native, f"{self._word} {step:,}", x, 0)
        if self._panel is not None:
            native[self._top :, width:] = self._panel(step)
        return native

    def __getitem__(self, i: int) -> np.ndarray:
        """Exported frame `i` (0 = the range's first): uint8 `self.shape`, freshly allocated."""
        big = upscale(self.native(i), self.scale)
        if big.shape == self.shape:
            return big
        out = np.zeros(self.shape, dtype=np.uint8)
        out[: big.shape[0], : big.shape[1]] = big
        return out


def _check_frame(frame: np.ndarray) -> np.ndarray:
    """`frame` as uint8 (H, W), or ValueError."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 2 or frame.size == 0:
        raise ValueError(f"frames must be uint8 (H, W) grids, got {frame.dtype} {frame.shape}")
    return frame
