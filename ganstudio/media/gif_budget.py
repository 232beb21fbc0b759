"""Fitting a GIF into a size budget: fewer gray levels down to `THIN_BELOW`, then fewer frames.

Two knobs. Gray levels (`GRAY_LEVELS`: 256 = exact, then fewer, each pixel rounded to the
nearest) cost a bounded error per pixel. Thinning (every 2nd, 3rd, ... frame, the last frame
always kept too, so the kept frames stay evenly spaced in training steps and the film keeps an
even pace) costs moments of the run. Down to `THIN_BELOW` levels (each pixel within 4) the
grays lose nothing the eye sees in a sample grid; below it they band visibly, and they save
little: LZW pays for the samples' own texture, so 15 levels are only ~25% smaller than 31. So
the plan is the most gray levels down to `THIN_BELOW` that fit with every frame; else the
smallest stride at which `THIN_BELOW` levels fit, and at that stride again the most levels that
fit; only when even the first and last frame do not fit, fewer levels than `THIN_BELOW`. Size
falls with fewer levels and with a larger stride, so each choice is a bisection over
estimates. An estimate encodes the first frame and `SAMPLES` later ones (the middles of
equal strata, each against the kept frame before it), which lands within a few percent of the
real size. The writer checks the real size; after a miss, the next candidates are planned
with the estimates scaled by the miss (and `MISS_MARGIN`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ganstudio.media.compose import FrameComposer
from ganstudio.media.gif_encoder import TRAILER, GifEncoder, GrayPalette

MB = 1_000_000  # sizes are given and shown in decimal megabytes
DEFAULT_MAX_MB = 10.0  # the size limit `ganstudio train --gif` and the Export dialog start from
# Each pixel within 0, 1, 2, 4, 6, 9, 13 and 21 gray values of the original. Below 256, the
# levels plus the "unchanged" index fill (or nearly fill) 2**k palette entries.
GRAY_LEVELS = (256, 127, 63, 31, 23, 15, 11, 7)
THIN_BELOW = 31  # frames are thinned before the gray levels drop below this
SAMPLES = 12  # later frames encoded per estimate
MISS_MARGIN = 1.02  # after a file came out over its estimate, plan 2% smaller still


@dataclass(frozen=True)
class GifPlan:
    """How a GIF is written: `levels` gray levels (256 = exact) and every `stride`-th frame.

    total: frames in the exported range; keep: int (k,) indices of the frames written
    (0, stride, 2*stride, ... and the last); estimate: expected size in bytes; max_bytes:
    the budget it was planned for (None = no budget).
    """

    levels: int
    stride: int
    total: int
    estimate: int
    max_bytes: int | None = None

    @property
    def keep(self) -> np.ndarray:
        return thinned(self.total, self.stride)

    @property
    def max_error(self) -> int:
        """The largest difference, in gray values 0..255, between a written and a composed pixel."""
        return GrayPalette(self.levels).max_error

    def describe(self) -> str:
        """What the settings do, e.g. '31 gray levels (each pixel within 4), all 300 frames'."""
        quality = "exact grays" if self.levels == 256 else f"{self.levels} gray levels (each pixel within {self.max_error})"
        if self.stride == 1:
            frames = f"all {self.total} frames" if self.total != 1 else "1 frame"
        else:
            frames = f"every {_ordinal(self.stride)} frame ({len(self.keep)} of {self.total})"
        return f"{quality}, {frames}"


class GifPlanner:
    """Chooses the least lossy `GifPlan` for `encoder`'s frames whose size fits `max_bytes`.

    `first()` is the plan to try; when its file comes out over the budget, `after_miss(plan,
    size)` gives the next one. Both return None when nothing fits. Without a budget the only
    plan is exact grays, every frame.
    """

    def __init__(self, encoder: GifEncoder, max_bytes: int | None) -> None:
        self.encoder = encoder
        self.max_bytes = max_bytes
        self.total = len(encoder.composer)
        self.max_stride = max(1, self.total - 1)  # the largest stride keeps the first and the last frame
        self._estimates: dict[tuple[int, int], int] = {}
        self._correction = 1.0

    def first(self) -> GifPlan | None:
        if self.max_bytes is None:
            return self._plan(0, 1)
        return self._first_fitting(1, 0)

    def after_miss(self, plan: GifPlan, size: int) -> GifPlan | None:
        """The next plan after `plan`, whose file took (or would take) `size` bytes."""
        self._correction = MISS_MARGIN * size / plan.estimate
        return self._first_fitting(plan.stride, GRAY_LEVELS.index(plan.levels) + 1)

    def smallest(self) -> int:
        """The (corrected) estimate of the smallest film: the fewest levels, the largest stride."""
        return round(self._estimate(len(GRAY_LEVELS) - 1, self.max_stride) * self._correction)

    def _first_fitting(self, stride: int, rung: int) -> GifPlan | None:
        """The first plan, from `rung` at `stride` on, whose estimate fits: the levels down to
        `THIN_BELOW` at `stride`, then larger strides, then fewer levels at the largest stride."""
        floor = max(rung, GRAY_LEVELS.index(THIN_BELOW))
        rung = _first_true(lambda r: self._fits(r, stride), rung, floor + 1)
        if rung <= floor:
            return self._plan(rung, stride)
        stride = self._smallest_stride(floor, stride + 1)
        if stride <= self.max_stride:
            return self._plan(_first_true(lambda r: self._fits(r, stride), 0, floor), stride)
        rung = _first_true(lambda r: self._fits(r, self.max_stride), floor + 1, len(GRAY_LEVELS))
        return self._plan(rung, self.max_stride) if rung < len(GRAY_LEVELS) else None

    def _smallest_stride(self, rung: int, low: int) -> int:
        """The smallest stride from `low` on at which `rung` fits; above max_stride when none does."""
        high = low  # gallop (low, 2 low - 1, ...), then bisect
        while high <= self.max_stride and not self._fits(rung, high):
            low, high = high + 1, 2 * high - 1
        return _first_true(lambda s: self._fits(rung, s), low, min(high, self.max_stride + 1))

    def _fits(self, rung: int, stride: int) -> bool:
        return self._estimate(rung, stride) * self._correction <= self.max_bytes

    def _plan(self, rung: int, stride: int) -> GifPlan:
        return GifPlan(GRAY_LEVELS[rung], stride, self.total, self._estimate(rung, stride), self.max_bytes)

    def _estimate(self, rung: int, stride: int) -> int:
        if (rung, stride) not in self._estimates:
            self._estimates[rung, stride] = estimate_size(self.encoder, GRAY_LEVELS[rung], stride)
        return self._estimates[rung, stride]


def estimate_size(encoder: GifEncoder, levels: int, stride: int) -> int:
    """Expected bytes of the GIF of every `stride`-th frame at `levels` gray levels: header,
    first frame, and the mean of up to `SAMPLES` later frames times their number."""
    palette = GrayPalette(levels)
    keep = thinned(len(encoder.composer), stride)
    size = len(encoder.header(palette)) + encoder.frame_size(palette, int(keep[0]), None) + len(TRAILER)
    later = len(keep) - 1
    if later:
        strata = min(SAMPLES, later)
        picks = np.unique(1 + ((np.arange(strata) + 0.5) * later / strata).astype(int))
        sizes = [encoder.frame_size(palette, int(keep[j]), int(keep[j - 1])) for j in picks]
        size += round(float(np.mean(sizes)) * later)
    return size


def plan_gif(
    frames: Sequence[np.ndarray], steps: Sequence[int] | np.ndarray | None = None, *, max_mb: float | None = None, **composition
) -> GifPlan | None:
    """The plan `write_gif` would start from for these frames, options (`composition`: scale,
    label, start, stop, loss_panel) and budget, with its estimated size; None when no
    candidate fits. Costs a few dozen frame encodings (tens of milliseconds at scale 2)."""
    composer = FrameComposer(frames, steps, **composition)
    return GifPlanner(GifEncoder(composer), to_bytes(max_mb)).first()


def smallest_film(total: int) -> str:
    """The most lossy plan for `total` frames in words, e.g. '7 gray levels and 2 of 300 frames'."""
    return f"{GRAY_LEVELS[-1]} gray levels and {min(total, 2)} of {total} frames"


def to_bytes(max_mb: float | None) -> int | None:
    return None if max_mb is None else round(max_mb * MB)


def thinned(n: int, stride: int) -> np.ndarray:
    """Indices 0, stride, 2*stride, ... of 0..n-1, and n-1: int (k,)."""
    return np.unique(np.append(np.arange(0, n, stride), n - 1))


def _first_true(predicate: Callable[[int], bool], low: int, high: int) -> int:
    """The first i in [low, high) with predicate(i), for a predicate that turns true and stays
    true (bisection); high when there is none."""
    while low < high:
        middle = (low + high) // 2
        if predicate(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"
