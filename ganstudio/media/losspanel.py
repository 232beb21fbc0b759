"""The loss-curve panel shown beside each exported frame, drawn with NumPy alone.

The panel is grayscale like the grids: D's loss in white, G's loss in mid gray, a dim cursor
at the frame's step, a legend with both losses at that step, and the y range written dimly
under the curves. The axes are fixed for a
whole export: x from the first history step to the last exported step, y over the 0.5th to
99.5th percentile of the drawn curves (so one early spike does not flatten the rest). Each
frame reveals the curves up to its own step. Where many history points share one pixel
column the curve shows their mean, so per-step noise reads as a line, not a solid band.
"""

from __future__ import annotations

import numpy as np

from ganstudio.render.font import draw_text, text_size

D_SHADE, G_SHADE = 255, 150
BORDER_SHADE, CURSOR_SHADE, SCALE_SHADE = 70, 90, 110
MIN_HEIGHT, MIN_WIDTH = 40, 40
LINE_H = text_size("")[1]  # height of one line of labels


class LossPanel:
    """Loss history to draw beside the frames.

    steps: (m,) training steps, non-decreasing; d_loss, g_loss: (m,) losses at those steps
    (NaN/inf points are skipped). width: panel width in pixels before upscaling; default
    the frame height (a square panel).
    """

    def __init__(
        self,
        steps: np.ndarray,
        d_loss: np.ndarray,
        g_loss: np.ndarray,
        *,
        width: int | None = None,
    ) -> None:
        self.steps = np.asarray(steps, dtype=np.float64).reshape(-1)
        self.d_loss = np.asarray(d_loss, dtype=np.float64).reshape(-1)
        self.g_loss = np.asarray(g_loss, dtype=np.float64).reshape(-1)
        m = self.steps.size
        if m == 0 or self.d_loss.size != m or self.g_loss.size != m:
            raise ValueError("loss history needs steps, d_loss, g_loss of one non-zero length")
        if (np.diff(self.steps) < 0).any():
            raise ValueError("loss history steps must be non-decreasing")
        if width is not None and width < MIN_WIDTH:
            raise ValueError(f"loss panel width must be >= {MIN_WIDTH}, got {width}")
        self.width = width

    def renderer(self, height: int, first_step: int, last_step: int) -> PanelRenderer:
        """A renderer of this panel at `height` for frames from `first_step` to `last_step`."""
        return PanelRenderer(self, height, first_step, last_step)


class PanelRenderer:
    """Draws a `LossPanel` for one export: fixed axes, one picture per frame step.

    Everything that does not depend on the frame is drawn once here; `__call__` copies it
    and reveals the curves up to the frame's step.
    """

    def __init__(self, panel: LossPanel, height: int, first_step: int, last_step: int) -> None:
        width = panel.width or max(int(height), MIN_WIDTH)
        if height < MIN_HEIGHT:
            raise ValueError(f"frames of height {height} are too small for a loss panel")
        self.shape = (int(height), int(width))
        self._panel = panel
        # x axis first: the curves' per-column values depend only on it.
        self._left, self._n_cols = 2, width - 4  # inside the border columns 1 and width - 2
        self._x0 = min(float(panel.steps[0]), float(first_step))
        self._dx = max(float(last_step) - self._x0, 1.0) / max(self._n_cols - 1, 1)
        curves = [
            ("D", self._column_values(panel.d_loss), D_SHADE),
            ("G", self._column_values(panel.g_loss), G_SHADE),
        ]
        self._legend = self._layout_legend(curves, width)
        # Plot box: border rows top and bottom (inclusive), curves in the rows between.
        top = max(y for *_, y in self._legend) + LINE_H + 1
        bottom = height - 2
        self._rows = slice(top + 1, bottom)
        self._y_lo, self._y_hi = _value_range(np.concatenate([v for _, v, _ in curves]))

        base = np.zeros(self.shape, dtype=np.uint8)
        base[[top, bottom], 1 : width - 1] = BORDER_SHADE
        base[top : bottom + 1, [1, width - 2]] = BORDER_SHADE
        for value, y in ((self._y_hi, top + 1), (self._y_lo, bottom - LINE_H)):
            text = f"{value:.3g}"
            x = width - 2 - text_size(text)[0]
            draw_text(base, text, x, y, value=SCALE_SHADE, background=None)
        full = base.copy()
        inner = full[self._rows, self._left : self._left + self._n_cols]
        for _, column_values, shade in reversed(curves):  # D drawn over G
            inner[self._curve_mask(column_values)] = shade
        self._base, self._full = base, full

    def __call__(self, step: int) -> np.ndarray:
        """The panel at `step`: uint8 (height, width), curves drawn up to the cursor.

        The legend shows each loss as drawn at the cursor's column ('-' before the history).
        """
        out = self._base.copy()
        col = int(np.clip(self._column(np.array([step]))[0], 0, self._n_cols - 1))
        cx = self._left + col
        out[:, : cx + 1] = self._full[:, : cx + 1]
        cursor = out[self._rows, cx]
        np.maximum(cursor, CURSOR_SHADE, out=cursor)
        for name, column_values, shade, x, y in self._legend:
            draw_text(out, f"{name} {_short(column_values[col])}", x, y, value=shade)
        return out

    @staticmethod
    def _layout_legend(curves, width: int) -> list[tuple[str, np.ndarray, int, int, int]]:
        """(name, column values, shade, x, y) per curve: side by side if the widest values
        fit in `width`, else one line each; fixed places, so labels do not jitter."""
        widths = [text_size(f"{name} " + max((_short(v) for v in values), key=len, default="-"))[0] for name, values, _ in curves]
        gap = 4
        one_line = 1 + sum(widths) + gap * (len(widths) - 1) <= width
        placed, x, y = [], 1, 0
        for (name, values, shade), w in zip(curves, widths):
            placed.append((name, values, shade, x, y))
            x, y = (x + w + gap, y) if one_line else (1, y + LINE_H)
        return placed

    def _column(self, steps: np.ndarray) -> np.ndarray:
        """Plot column (0 = leftmost inside the box) of each step: int64, may be off-plot."""
        return np.rint((steps - self._x0) / self._dx).astype(np.int64)

    def _row(self, values: np.ndarray) -> np.ndarray:
        """Plot row (0 = top inside the box) of each loss value, clipped into the plot.

        Returns float64 whole numbers; NaN stays NaN.
        """
        n_rows = self._rows.stop - self._rows.start
        frac = (self._y_hi - values) / (self._y_hi - self._y_lo)
        return np.clip(np.rint(frac * (n_rows - 1)), 0, n_rows - 1)

    def _column_values(self, values: np.ndarray) -> np.ndarray:
        """One loss value per plot column: float64 (n_cols,), NaN where there is no data.

        A column holding history points gets their mean (a moving average one pixel wide, so
        per-step noise does not paint a solid band); an empty column inside the history's
        step range gets the curve interpolated at its centre.
        """
        ok = np.isfinite(values)
        steps, values = self._panel.steps[ok], values[ok]
        out = np.full(self._n_cols, np.nan)
        if steps.size == 0:
            return out
        cols = self._column(steps)
        on = (cols >= 0) & (cols < self._n_cols)
        counts = np.bincount(cols[on], minlength=self._n_cols)
        sums = np.bincount(cols[on], weights=values[on], minlength=self._n_cols)
        centres = self._x0 + np.arange(self._n_cols) * self._dx
        inside = (centres >= steps[0]) & (centres <= steps[-1])
        out[inside] = np.interp(centres[inside], steps, values)
        np.divide(sums, counts, out=out, where=counts > 0)
        return out

    def _curve_mask(self, column_values: np.ndarray) -> np.ndarray:
        """Pixels of one curve inside the plot: bool (n_rows, n_cols).

        A polyline through the columns' values (NaN = none): each column spans from its own
        row halfway to each neighbour's, so neighbouring spans touch.
        """
        rows = self._row(column_values)
        before = np.concatenate([rows[:1], rows[:-1]])
        after = np.concatenate([rows[1:], rows[-1:]])
        ends = np.stack([rows, (rows + before) / 2, (rows + after) / 2])
        lo, hi = np.floor(np.fmin.reduce(ends)), np.ceil(np.fmax.reduce(ends))
        row_ids = np.arange(self._rows.stop - self._rows.start)[:, None]
        return (row_ids >= lo) & (row_ids <= hi)


def _value_range(values: np.ndarray) -> tuple[float, float]:
    """(low, high) of the y axis: 0.5th..99.5th percentile of `values` (NaN ignored) + 5%.
    One axis, robust to a loss spike; not the square 2D view of `square_extent` (scatter.py)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    lo, hi = np.percentile(values, [0.5, 99.5])
    pad = max(hi - lo, 1e-3) * 0.05
    return float(lo - pad), float(hi + pad)


def _short(value: float) -> str:
    """A loss as legend text: three significant digits, '-' for no value."""
    return f"{value:.3g}" if np.isfinite(value) else "-"
