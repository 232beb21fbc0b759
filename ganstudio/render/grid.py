"""Sample grids: many small images tiled into one grayscale picture, and pixel upscaling."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganstudio.render.font import draw_text, text_size


def make_grid(
    samples: np.ndarray,
    image_shape: tuple[int, int],
    ncols: int | None = None,
    value_range: tuple[float, float] = (-1.0, 1.0),
    pad: int = 1,
    pad_value: int = 0,
) -> np.ndarray:
    """Tile `samples` into one grayscale grid image.

    samples: (n, h*w) or (n, h, w) floats, nominally within `value_range` (the generator's tanh
        output is (-1, 1)); values outside are clipped, NaN shows as the low end.
    image_shape: (h, w) of one sample.
    ncols: samples per row; default ceil(sqrt(n)). Rows are filled left to right, top to bottom.
    pad: separator width in pixels, also drawn around the border.
    pad_value: gray level of separators and of the empty cells after the last sample.
    Returns uint8 (rows*(h+pad)+pad, ncols*(w+pad)+pad); e.g. 64 samples of 28x28 with pad 1
    give a 233x233 image.
    """
    h, w = (int(v) for v in image_shape)
    x = np.asarray(samples, dtype=np.float32)
    n = x.shape[0] if x.ndim else 0
    if n == 0 or x.size != n * h * w:
        raise ValueError(f"samples of shape {x.shape} do not hold n images of shape {(h, w)}")
    lo, hi = (float(v) for v in value_range)
    if not hi > lo:
        raise ValueError(f"value_range must be increasing, got {value_range}")
    ncols = math.ceil(math.sqrt(n)) if ncols is None else int(ncols)
    if ncols < 1 or pad < 0:
        raise ValueError(f"need ncols >= 1 and pad >= 0, got ncols={ncols}, pad={pad}")
    nrows = math.ceil(n / ncols)

    x = np.nan_to_num(x.reshape(n, h, w), nan=lo, posinf=hi, neginf=lo)
    pixels = np.clip((x - lo) * (255.0 / (hi - lo)) + 0.5, 0.0, 255.0).astype(np.uint8)

    # Cells of (pad + h) x (pad + w) with the separator on their top/left edge; the grid's
    # bottom/right border is one extra separator strip.
    cells = np.full((nrows * ncols, pad + h, pad + w), pad_value, dtype=np.uint8)
    cells[:n, pad:, pad:] = pixels
    body = cells.reshape(nrows, ncols, pad + h, pad + w).transpose(0, 2, 1, 3)
    grid = np.full((nrows * (pad + h) + pad, ncols * (pad + w) + pad), pad_value, np.uint8)
    grid[: nrows * (pad + h), : ncols * (pad + w)] = body.reshape(nrows * (pad + h), -1)
    return grid


def upscale(img: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour enlargement: img (H, W) or (H, W, C) -> (H*scale, W*scale[, C])."""
    scale = int(scale)
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    if scale == 1:
        return img.copy()
    return img.repeat(scale, axis=0).repeat(scale, axis=1)  # faster than a broadcast view reshaped (docs/DESIGN.md)


def label_rows(grid: np.ndarray, labels: list[str], cell_height: int, pad: int = 1, pad_value: int = 0) -> np.ndarray:
    """A label column left of `grid` (uint8, rows of `cell_height` px cells with `pad` px
    separators, as :func:`make_grid` draws them): row i's label, white on the separator colour,
    centred on the row. Returns uint8 (H, label width + W); labels of every row the same width."""
    width = max(text_size(text)[0] for text in labels) + pad + 2  # 2 px more before the labels: off the picture's edge
    column = np.full((grid.shape[0], width), pad_value, np.uint8)
    text_h = text_size("0")[1]
    for i, text in enumerate(labels):
        top = pad + i * (cell_height + pad) + (cell_height - text_h) // 2
        draw_text(column, text, width - pad - text_size(text)[0], top, background=pad_value)
    return np.concatenate([column, grid], axis=1)


@dataclass(frozen=True)
class GridLayout:
    """Where the cells of a grid :func:`make_grid` drew lie in its picture: `rows` x `cols`
    cells of `image` (h, w) pixels, each behind a `pad` px separator, the grid starting `left` px
    from the picture's left edge (the label column :func:`label_rows` adds). Cells are numbered
    from 0, row by row from the top left."""

    image: tuple[int, int]
    rows: int
    cols: int
    left: int = 0
    pad: int = 1

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the whole picture."""
        h, w = self.image
        return self.rows * (h + self.pad) + self.pad, self.left + self.cols * (w + self.pad) + self.pad

    def origin(self, cell: int) -> tuple[int, int]:
        """(top, left) pixel of cell `cell`'s image (inside its separators)."""
        row, col = divmod(cell, self.cols)
        h, w = self.image
        return self.pad + row * (h + self.pad), self.left + self.pad + col * (w + self.pad)

    def cell_at(self, x: float, y: float) -> int | None:
        """The cell whose image or top-left separators hold the picture's point (x, y), None
        outside the cells (the label column, the right and bottom border)."""
        h, w = self.image
        col, row = math.floor((x - self.left) / (w + self.pad)), math.floor(y / (h + self.pad))
        return row * self.cols + col if 0 <= col < self.cols and 0 <= row < self.rows else None

    def crop(self, picture: np.ndarray, cell: int) -> np.ndarray:
        """uint8 (h, w): the image of cell `cell` in `picture` (of this layout's shape)."""
        top, left = self.origin(cell)
        h, w = self.image
        return picture[top : top + h, left : left + w]
