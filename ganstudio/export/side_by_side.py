"""Several runs' sample grids side by side in one picture, each under its label and a caption
(the compare GIF's frames), drawn with the built-in font; pure NumPy.

Each run has a panel: its label on the first text line, a caption on the second ("at step
1,200" when its frame is older than the picture's step, "no frame yet"), then its grid centred
in a box as large as the largest grid of all runs. Panels are as wide as their grid box or
their label, whichever is wider, with a dim line between them.
"""

from __future__ import annotations

import numpy as np

from ganstudio.render.font import draw_text, text_size

LINE = text_size("")[1]  # height of one text line
GAP = 5  # pixels between panels; a dim line runs down the middle
GAP_SHADE = 70
CAPTION_SHADE = 170


class SideBySide:
    """The layout for `labels` (one per run) over grids up to `grid_shape` (H, W).

    shape: (height, width) of a composed picture; boxes: per run the (y, x, height, width) of
    its grid box (a grid smaller than the box is centred in it).
    """

    def __init__(self, labels: list[str], grid_shape: tuple[int, int]) -> None:
        self.labels = list(labels)
        height, width = (int(v) for v in grid_shape)
        self.boxes: list[tuple[int, int, int, int]] = []
        self._panels: list[int] = []  # each panel's left edge
        x = 0
        for label in self.labels:
            panel = max(width, text_size(label)[0])
            self._panels.append(x)
            self.boxes.append((2 * LINE, x + (panel - width) // 2, height, width))
            x += panel + GAP
        self.shape = (2 * LINE + height, x - GAP)

    def compose(self, grids: list[np.ndarray | None], captions: list[str]) -> np.ndarray:
        """The picture of `grids` (uint8 (h, w) each, at most the layout's grid shape; None for
        an empty box) under their labels and `captions`: uint8 `self.shape`, fresh."""
        out = np.zeros(self.shape, np.uint8)
        for left, (y, x, height, width), label, caption, grid in zip(self._panels, self.boxes, self.labels, captions, grids):
            draw_text(out, label, left, 0)
            if caption:
                draw_text(out, caption, left, LINE, value=CAPTION_SHADE)
            if grid is not None:
                gy, gx = y + (height - grid.shape[0]) // 2, x + (width - grid.shape[1]) // 2
                out[gy : gy + grid.shape[0], gx : gx + grid.shape[1]] = grid
        for left in self._panels[1:]:
            out[:, left - (GAP + 1) // 2] = GAP_SHADE
        return out
