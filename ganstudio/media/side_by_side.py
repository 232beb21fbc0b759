"""Several runs' sample grids side by side in one picture, each under its label and a caption
(the compare GIF's frames), drawn with the built-in font; pure NumPy.

Each run has a panel: its label (wrapped after its commas to the grid's width), a caption ("at
step 1,200" when its frame is older than the picture's step, "no frame yet"), then its grid
centred in a box as large as the largest grid of all runs. Panels are as wide as their grid box
or their longest label line, whichever is wider, with a dim line between them.
"""

from __future__ import annotations

import numpy as np

from ganstudio.render.font import draw_text, text_size

LINE = text_size("")[1]  # height of one text line
GAP = 9  # pixels between panels; a dim line runs down the middle
GAP_SHADE = 70
CAPTION_SHADE = 170


class SideBySide:
    """The layout for `labels` (one per run) over grids up to `grid_shape` (H, W).

    shape: (height, width) of a composed picture; boxes: per run the (y, x, height, width) of
    its grid box (a grid smaller than the box is centred in it).
    """

    def __init__(self, labels: list[str], grid_shape: tuple[int, int]) -> None:
        height, width = (int(v) for v in grid_shape)
        self.lines = [wrap(label, width) for label in labels]
        self._top = LINE * (max(len(lines) for lines in self.lines) + 1)  # the label lines and a caption line
        self.boxes: list[tuple[int, int, int, int]] = []
        self._panels: list[int] = []  # each panel's left edge
        x = 0
        for lines in self.lines:
            panel = max(width, *(text_size(line)[0] for line in lines))
            self._panels.append(x)
            self.boxes.append((self._top, x + (panel - width) // 2, height, width))
            x += panel + GAP
        self.shape = (self._top + height, x - GAP)

    def compose(self, grids: list[np.ndarray | None], captions: list[str]) -> np.ndarray:
        """The picture of `grids` (uint8 (h, w) each, at most the layout's grid shape; None for
        an empty box) under their labels and `captions`: uint8 `self.shape`, fresh."""
        out = np.zeros(self.shape, np.uint8)
        for left, (y, x, height, width), lines, caption, grid in zip(self._panels, self.boxes, self.lines, captions, grids):
            for row, line in enumerate(lines):
                draw_text(out, line, left, row * LINE)
            if caption:
                draw_text(out, caption, left, self._top - LINE, value=CAPTION_SHADE)
            if grid is not None:
                gy, gx = y + (height - grid.shape[0]) // 2, x + (width - grid.shape[1]) // 2
                out[gy : gy + grid.shape[0], gx : gx + grid.shape[1]] = grid
        for left in self._panels[1:]:
            out[:, left - (GAP + 1) // 2] = GAP_SHADE
        return out


def wrap(label: str, width: int) -> list[str]:
    """`label` ("a=1, b=2, c=3") in lines no wider than `width` pixels where it can be, broken
    after the commas between its keys (a single key wider than `width` keeps its own line)."""
    lines: list[str] = []
    for part in label.split(", "):
        if lines and text_size(f"{lines[-1]}, {part}")[0] <= width:
            lines[-1] = f"{lines[-1]}, {part}"
        else:
            if lines:
                lines[-1] += ","
            lines.append(part)
    return lines
