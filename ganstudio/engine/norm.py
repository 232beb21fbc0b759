"""Normalisation: batch normalization (a layer) and spectral normalization (of a weight).

Both keep state that is not trained by the optimizer (running mean and variance; the power
iteration's vectors u and v). It lives in the network's *buffer* block, a second
:class:`ParamBlock` beside the parameters, saved in checkpoints and revert points with them.
"""

from __future__ import annotations

import numpy as np

from ganstudio.engine import kernels
from ganstudio.engine.buffers import BufferPool
from ganstudio.engine.params import ParamBlock

SN_EPS = 1e-12  # PyTorch's floor for the power iteration's norms
SN_WARMUP = 15  # power iterations on the initial weight (PyTorch's)


class SpectralNorm:
    """W_sn = W / sigma(W) for a weight used as a (rows, cols) matrix: sigma is its largest
    singular value, estimated by power iteration (Miyato et al. 2018; PyTorch's spectral_norm).

    PyTorch's power iteration, so that the two train alike step for step
    (scripts/torch_dynamics.py): SN_WARMUP iterations on the initial weight, then one per
    training forward (`update`), each u = W^T v / |W^T v| then v = W u / |W u| (the input-side
    v is the newer), and sigma = v^T W u. The gradient treats u and v as constants (as PyTorch
    does): dL/dW = dL/dW_sn / sigma - (<dL/dW_sn, W> / sigma^2) v u^T.
    u: (cols,), the output side; v: (rows,), the input side; both in the network's buffer block.
    """

    def __init__(self, rows: int, cols: int, buffers: ParamBlock) -> None:
        self.shape = (int(rows), int(cols))
        self._buffers = buffers
        self._u_index = buffers.add((self.shape[1],))
        self._v_index = buffers.add((self.shape[0],))
        self.update = True  # False freezes u and v (gradient checks)
        self.sigma = 1.0
        self._wsn: np.ndarray | None = None
        self._outer: np.ndarray | None = None

    @property
    def u(self) -> np.ndarray:
        return self._buffers.view(self._u_index)[0]

    @property
    def v(self) -> np.ndarray:
        return self._buffers.view(self._v_index)[0]

    def initialize(self, rng: np.random.Generator, w: np.ndarray) -> None:
        """Random unit u and v, then SN_WARMUP power iterations on the initial weight w (rows,
        cols): without them the first training passes divide by a sigma well below the largest
        singular value, and D starts unnormalised (docs/DESIGN.md)."""
        for vec in (self.u, self.v):
            rng.standard_normal(out=vec, dtype=vec.dtype)
            vec /= max(float(np.linalg.norm(vec)), SN_EPS)
        for _ in range(SN_WARMUP):
            self._iterate(w)

    def _iterate(self, w: np.ndarray) -> None:
        """One power iteration on w (rows, cols), in PyTorch's order: u from v, then v from u."""
        u, v = self.u, self.v
        np.matmul(v, w, out=u)
        u /= max(float(np.linalg.norm(u)), SN_EPS)
        np.matmul(w, u, out=v)
        v /= max(float(np.linalg.norm(v)), SN_EPS)

    def _sigma(self, w: np.ndarray) -> float:
        return float(np.dot(self.v, w @ self.u))

    def weight(self, w: np.ndarray) -> np.ndarray:
        """w: (rows, cols) -> W / sigma in a reused buffer; one power iteration first when `update`."""
        if self.update:
            self._iterate(w)
        self.sigma = self._sigma(w)
        if self._wsn is None or self._wsn.shape != w.shape:
            self._wsn = np.empty_like(w)
            self._outer = np.empty_like(w)
        np.multiply(w, 1.0 / self.sigma, out=self._wsn)
        return self._wsn

    def backward(self, w: np.ndarray, dwsn: np.ndarray, dw: np.ndarray) -> None:
        """dwsn: dL/dW_sn (rows, cols) -> writes dL/dW into dw (same shape)."""
        c = float(np.vdot(dwsn, w)) / self.sigma**2
        np.multiply(dwsn, 1.0 / self.sigma, out=dw)
        np.outer(self.v, self.u, out=self._outer)
        self._outer *= c
        dw -= self._outer

    def predict_weight(self, w: np.ndarray) -> np.ndarray:
        """W / sigma for weights `w` (rows, cols) with the stored u and v: no iteration; a new array."""
        return w / self._sigma(w)


class BatchNorm:
    """Per-channel batch normalization over every axis but the last: x (..., C), e.g. (N, C) or
    NHWC (N, H, W, C). gamma, beta: (C,) parameters; running mean and (unbiased) variance: (C,)
    buffers, updated by every training forward with `momentum` (PyTorch's convention).

    forward: batch statistics (training); predict: running statistics (inference).
    """

    def __init__(self, channels: int, block: ParamBlock, buffers: ParamBlock, momentum: float = 0.1, eps: float = 1e-5) -> None:
        self.channels = int(channels)
        self.momentum, self.eps = float(momentum), float(eps)
        self._block, self._buffers = block, buffers
        self._gamma = block.add((self.channels,))
        self._beta = block.add((self.channels,))
        self._mean = buffers.add((self.channels,))
        self._var = buffers.add((self.channels,))
        self._pool = BufferPool(block.dtype)
        self._xhat: np.ndarray | None = None
        self._inv_std: np.ndarray | None = None

    def initialize(self) -> None:
        """gamma 1, beta 0, running mean 0, running variance 1."""
        self._block.view(self._gamma)[0][...] = 1.0
        self._block.view(self._beta)[0][...] = 0.0
        self._buffers.view(self._mean)[0][...] = 0.0
        self._buffers.view(self._var)[0][...] = 1.0

    def release_buffers(self) -> None:
        self._pool.clear()
        self._xhat = self._inv_std = None

    def forward(self, x: np.ndarray, groups: int = 1) -> np.ndarray:
        """x: (..., C) contiguous -> gamma * x_hat + beta, same shape, a reused buffer. `groups`:
        the batch is that many equal parts normalised each with its own statistics (D's stacked
        real + fake batch: as if each went through D alone, as in G's step)."""
        pool, c = self._pool, self.channels
        x3 = x.reshape(groups, -1, c)
        m = x3.shape[1]
        ones = pool.ones(m)
        mean = (ones @ x3) / m  # (groups, C)
        xhat, sq = pool.get("xhat", x3.shape), pool.get("sq", x3.shape)
        kernels.batch_norm_center(x3, mean, xhat, sq)
        var = (ones @ sq) / m
        inv_std = 1.0 / np.sqrt(var + self.eps)
        out = pool.get("out", x.shape)
        gamma, beta = self._block.view(self._gamma)[0], self._block.view(self._beta)[0]
        kernels.batch_norm_scale(xhat, inv_std, gamma, beta, out.reshape(x3.shape))
        running_mean, running_var = self._buffers.view(self._mean)[0], self._buffers.view(self._var)[0]
        running_mean *= 1.0 - self.momentum
        running_mean += self.momentum * mean.mean(axis=0)
        running_var *= 1.0 - self.momentum
        running_var += (self.momentum * m / max(m - 1, 1)) * var.mean(axis=0)
        self._xhat, self._inv_std = xhat, inv_std
        return out

    def backward(self, dy: np.ndarray, need_dx: bool, need_param_grads: bool) -> np.ndarray | None:
        """dy: (..., C). Writes dL/dgamma, dL/dbeta when `need_param_grads`; returns dL/dx when
        `need_dx`: (gamma / std) (dy - mean(dy) - x_hat mean(dy x_hat)) per group, a reused buffer."""
        pool, xhat = self._pool, self._xhat
        dy3 = dy.reshape(xhat.shape)
        m = dy3.shape[1]
        ones = pool.ones(m)
        tmp = pool.get("sq", dy3.shape)
        np.multiply(dy3, xhat, out=tmp)
        dgamma = ones @ tmp  # (groups, C)
        dbeta = ones @ dy3
        if need_param_grads:
            self._block.view(self._gamma)[1][...] = dgamma.sum(axis=0)
            self._block.view(self._beta)[1][...] = dbeta.sum(axis=0)
        if not need_dx:
            return None
        dx = pool.get("dx", dy.shape)
        scale = self._block.view(self._gamma)[0] * self._inv_std
        kernels.batch_norm_backward(dy3, xhat, dgamma / m, dbeta / m, scale, dx.reshape(dy3.shape))
        return dx

    def predict(self, x: np.ndarray, flat: np.ndarray, statistics: np.ndarray | None = None) -> np.ndarray:
        """Inference with the parameters in `flat` (the block's layout) and the running
        statistics, or those in `statistics` (the buffer block's layout); a new array."""
        gamma, beta, mean, var = self.inference_terms(flat, statistics)
        scale = gamma / np.sqrt(var + self.eps)
        out = x - mean
        out *= scale
        out += beta
        return out

    def inference_terms(self, flat: np.ndarray, statistics: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """(gamma, beta, mean, variance), each (C,): the parameters in `flat` (the block's
        layout) and the running statistics, or those in `statistics` (the buffer block's layout).
        Inference computes gamma (x - mean) / sqrt(variance + eps) + beta."""
        views = self._block.unflatten(flat)
        stats = self._buffers.unflatten(self._buffers.values if statistics is None else statistics)
        return views[self._gamma], views[self._beta], stats[self._mean], stats[self._var]

    def measure(self, x: np.ndarray, statistics: np.ndarray) -> None:
        """Write x's per-channel mean and unbiased variance (x: (..., C), every axis but the last
        averaged) as this layer's statistics into `statistics` (the buffer block's layout)."""
        rows = x.reshape(-1, self.channels).astype(np.float64)
        stats = self._buffers.unflatten(statistics)
        stats[self._mean][...] = rows.mean(axis=0)
        stats[self._var][...] = rows.var(axis=0, ddof=1) if len(rows) > 1 else 1.0

    def parameter_count(self) -> int:
        return 2 * self.channels
