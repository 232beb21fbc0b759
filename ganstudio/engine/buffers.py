"""Preallocated work arrays of a layer, reused across steps.

A conv layer needs several arrays whose shapes depend on the batch size (padded input, im2col
columns, output, gradients), and D sees two batch sizes every step (the stacked 2n batch in its
own step, the n fakes in G's step). A pool keyed by (name, shape) keeps one array of each, so
alternating sizes never reallocates.
"""

from __future__ import annotations

import numpy as np


class BufferPool:
    """Arrays by (name, shape), allocated zeroed on first use and reused afterwards.

    Zeroed matters for padded buffers: a layer writes only the interior each step, so the
    border stays zero without being cleared again. Inference uses a throw-away pool, so that it
    never touches the training buffers.
    """

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self._arrays: dict[tuple[str, tuple[int, ...]], np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        key = (name, tuple(int(s) for s in shape))
        arr = self._arrays.get(key)
        if arr is None:
            arr = self._arrays[key] = np.zeros(key[1], self.dtype)
        return arr

    def ones(self, n: int) -> np.ndarray:
        """A (n,) array of ones: column sums as a BLAS gemv ``ones @ a``, faster than ``a.sum(0)``."""
        key = ("ones", (int(n),))
        arr = self._arrays.get(key)
        if arr is None:
            arr = self._arrays[key] = np.ones(int(n), self.dtype)
        return arr

    def clear(self) -> None:
        self._arrays.clear()
