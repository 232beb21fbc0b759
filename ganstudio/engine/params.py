"""One flat float32 buffer per network for all parameters, and one for their gradients.

Layers get *views* into these buffers, so optimizers, EMA, weight clipping and gradient norms
work on a single contiguous array per network: a handful of ufunc calls per step, whatever the
number of layers.
"""

from __future__ import annotations

import numpy as np


class ParamBlock:
    """Flat storage for a network's parameters (float32; float64 only for gradient checks).

    Usage: ``w, dw = block.add((in, out))`` for every parameter while building, then
    ``block.finalize()`` which allocates ``values`` and ``grads`` (both float32, shape (size,))
    and points every handed-out view into them.
    """

    def __init__(self, dtype: type = np.float32) -> None:
        self.dtype = np.dtype(dtype)
        self._shapes: list[tuple[int, ...]] = []
        self.values: np.ndarray = np.zeros(0, np.float32)
        self.grads: np.ndarray = np.zeros(0, np.float32)
        self._views: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, shape: tuple[int, ...]) -> int:
        """Reserve a parameter of `shape`; returns its index for :meth:`view`."""
        self._shapes.append(tuple(int(s) for s in shape))
        return len(self._shapes) - 1

    def finalize(self) -> None:
        """Allocate the flat buffers and the per-parameter views into them."""
        total = sum(int(np.prod(s)) for s in self._shapes)
        self.values = np.zeros(total, self.dtype)
        self.grads = np.zeros(total, self.dtype)
        self._views = list(zip(self.unflatten(self.values), self.unflatten(self.grads)))

    def unflatten(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of a (size,) array laid out like this block, one per parameter, in order."""
        views = []
        offset = 0
        for shape in self._shapes:
            size = int(np.prod(shape))
            views.append(flat[offset : offset + size].reshape(shape))
            offset += size
        return views

    def view(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(value, grad) views of parameter `index`, each of the shape it was added with."""
        return self._views[index]

    @property
    def size(self) -> int:
        return int(self.values.size)
