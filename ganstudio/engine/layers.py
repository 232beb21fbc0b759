"""Dense layer with its backward beside its forward, and inverted dropout.

Output and input-gradient buffers are preallocated per batch size and reused every step
(``np.matmul(..., out=...)``), so the hot path allocates almost nothing.
"""

from __future__ import annotations

import numpy as np

from ganstudio.engine.initializers import initialize
from ganstudio.engine.norm import SpectralNorm
from ganstudio.engine.params import ParamBlock


class WeightBias:
    """A layer whose weight and bias live in a ParamBlock at `_w_index` / `_b_index`."""

    _block: ParamBlock
    _w_index: int
    _b_index: int

    @property
    def w(self) -> np.ndarray:
        return self._block.view(self._w_index)[0]

    @property
    def b(self) -> np.ndarray:
        return self._block.view(self._b_index)[0]

    def weight_and_bias(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(W, b) of the weights in `flat` (n_params,), laid out like the block: views of the
        shapes the layer stores (e.g. the live weights or their EMA)."""
        views = self._block.unflatten(flat)
        return views[self._w_index], views[self._b_index]


class Dense(WeightBias):
    """y = x @ W + b with W: (in_features, out_features), b: (out_features,).

    Parameters live in a :class:`ParamBlock`; gradients are *written* (not accumulated) into its
    grad buffer by :meth:`backward`, so one backward pass over a stacked real+fake batch gives
    the whole gradient. `spectral`: the buffer block for a spectral norm of W (D's layers in a
    conv net), None for none.
    """

    def __init__(self, in_features: int, out_features: int, block: ParamBlock, spectral: ParamBlock | None = None) -> None:
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self._block = block
        self._w_index = block.add((self.in_features, self.out_features))
        self._b_index = block.add((self.out_features,))
        self.sn = SpectralNorm(self.in_features, self.out_features, spectral) if spectral is not None else None
        self._used: np.ndarray | None = None  # the weight of the last forward (W, or W / sigma)
        self._x: np.ndarray | None = None
        self._out: dict[int, np.ndarray] = {}
        self._dx: dict[int, np.ndarray] = {}
        self._ones: dict[int, np.ndarray] = {}

    def initialize(self, kind: str, rng: np.random.Generator, std: float) -> None:
        """Weights from the initializer, biases zero."""
        initialize(self.w, kind, rng, std)
        self.b[...] = 0.0
        if self.sn is not None:
            self.sn.initialize(rng, self.w)

    def parameter_count(self) -> int:
        return self.in_features * self.out_features + self.out_features

    def release_buffers(self) -> None:
        """Forget per-batch-size buffers (after a batch-size change)."""
        self._out.clear()
        self._dx.clear()
        self._ones.clear()
        self._x = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (batch, in_features) -> (batch, out_features), a buffer reused by the next call
        with the same batch size. Keeps x for backward."""
        n = x.shape[0]
        out = self._out.get(n)
        if out is None:
            out = self._out[n] = np.empty((n, self.out_features), self._block.dtype)
        self._used = self.w if self.sn is None else self.sn.weight(self.w)
        np.matmul(x, self._used, out=out)
        out += self.b
        self._x = x
        return out

    def predict(self, x: np.ndarray, flat: np.ndarray) -> np.ndarray:
        """Forward without touching the training caches, with weights taken from `flat` (a
        (n_params,) array laid out like the block: the live weights or e.g. their EMA).
        Returns a fresh (batch, out_features) array."""
        w, b = self.weight_and_bias(flat)
        out = x @ (w if self.sn is None else self.sn.predict_weight(w))
        out += b
        return out

    def backward(self, dy: np.ndarray, need_dx: bool, need_param_grads: bool) -> np.ndarray | None:
        """dy: dL/dy (batch, out_features). Writes dL/dW and dL/db when `need_param_grads`;
        returns dL/dx (batch, in_features) when `need_dx`, else None."""
        x = self._x
        if need_param_grads:
            dw = self._block.view(self._w_index)[1]
            db = self._block.view(self._b_index)[1]
            if self.sn is None:
                np.matmul(x.T, dy, out=dw)
            else:
                self.sn.backward(self.w, x.T @ dy, dw)
            ones = self._ones.get(dy.shape[0])
            if ones is None:
                ones = self._ones[dy.shape[0]] = np.ones(dy.shape[0], dy.dtype)
            np.dot(ones, dy, out=db)  # column sums as a BLAS gemv, faster than np.sum (docs/DESIGN.md)
        if not need_dx:
            return None
        n = dy.shape[0]
        dx = self._dx.get(n)
        if dx is None:
            dx = self._dx[n] = np.empty((n, self.in_features), self._block.dtype)
        if self.out_features == 1:
            # An outer product: a broadcast multiply beats a k=1 GEMM by 4x.
            np.multiply(dy, self._used.T, out=dx)
        else:
            np.matmul(dy, self._used.T, out=dx)
        return dx


class Dropout:
    """Inverted dropout: keeps each unit with probability 1 - rate and scales by 1 / (1 - rate).

    The masked copy goes to a buffer of its own: the activation before keeps its output
    unmasked, which its backward needs (tanh's slope 1 - y^2 is wrong on a scaled y)."""

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)
        self._mask: np.ndarray | None = None
        self._buffers: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}  # shape -> (mask, output)

    def release_buffers(self) -> None:
        """Forget per-shape buffers (after a batch-size change)."""
        self._buffers.clear()
        self._mask = None

    def forward(self, h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """h (batch, ...) -> h times a mask drawn from `rng` (0 or 1 / (1 - rate)), a buffer reused
        by the next call with the same shape; h is left as it is."""
        keep = 1.0 - self.rate
        buffers = self._buffers.get(h.shape)
        if buffers is None:
            buffers = self._buffers[h.shape] = (np.empty(h.shape, h.dtype), np.empty(h.shape, h.dtype))
        mask, out = buffers
        uniform = out if out.dtype == np.float32 else np.empty(h.shape, np.float32)  # out is written last
        rng.random(dtype=np.float32, out=uniform)
        np.less(uniform, keep, out=mask)
        mask *= h.dtype.type(1.0 / keep)
        self._mask = mask
        return np.multiply(h, mask, out=out)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dy (the forward's shape), masked in place with the forward pass's mask."""
        dy *= self._mask
        return dy
