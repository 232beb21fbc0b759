"""2D convolution and transposed convolution on BLAS, channels-last (NHWC).

Activations are (N, H, W, C) float32, C-contiguous. A :class:`Conv2d` weight is stored
(k, k, C_in, C_out) and used as one (k k C_in, C_out) matrix; a :class:`ConvTranspose2d` weight is
stored (C_in, k, k, C_out) and used as one (C_in, k k C_out) matrix. Each pass is one matrix
product plus a rearrangement:

- im2col: an ``as_strided`` view (N, H_out, W_out, k, k, C) of the zero-padded input (every
  output pixel's k x k window, channels contiguous), copied once into a reused buffer, which the
  weight matrix multiplies in one GEMM;
- col2im, its adjoint: k*k strided adds into a zeroed padded buffer, one per kernel position,
  each over the whole batch (no loop over pixels, no ``np.add.at``).

A convolution's forward is im2col + GEMM and its input gradient GEMM + col2im; a transposed
convolution is the other way round (it *is* the convolution's backward pass). See docs/DESIGN.md
for why channels-last.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ganstudio.engine.buffers import BufferPool
from ganstudio.engine.initializers import initialize
from ganstudio.engine.layers import WeightBias
from ganstudio.engine.norm import SpectralNorm
from ganstudio.engine.params import ParamBlock


def windows(xp: np.ndarray, k: int, stride: int, h_out: int, w_out: int) -> np.ndarray:
    """Read-only view (N, h_out, w_out, k, k, C) of a padded NHWC array: [n, a, b, i, j, c] =
    xp[n, stride a + i, stride b + j, c]."""
    n, _, _, c = xp.shape
    sn, sh, sw, sc = xp.strides
    return as_strided(xp, (n, h_out, w_out, k, k, c), (sn, sh * stride, sw * stride, sh, sw, sc), writeable=False)


def col2im(cols: np.ndarray, out: np.ndarray, stride: int) -> np.ndarray:
    """The adjoint of :func:`windows`: out[n, stride a + i, stride b + j, c] += cols[n, a, b, i, j, c],
    summed over every (a, b, i, j); `out` (N, Hp, Wp, C) is zeroed first.

    k*k strided adds, one per kernel position; when the stride divides the kernel and the padded
    side (4x4 stride 2) and there are channels enough, (k / stride)^2 adds of stride x stride tap
    blocks instead, each onto the output viewed as (N, Hp/s, s, Wp/s, s, C): the dcgan step 4%
    faster (5 alternating rounds, 1 thread); with one channel the per-tap adds are faster."""
    out.fill(0.0)
    n, h, w, k, _, c = cols.shape
    if k % stride == 0 and out.shape[1] % stride == 0 and out.shape[2] % stride == 0 and c >= BLOCK_MIN_CHANNELS:
        m, s = k // stride, stride
        blocks = out.reshape(n, out.shape[1] // s, s, out.shape[2] // s, s, c)
        for di in range(m):
            for dj in range(m):
                tap = cols[:, :, :, di * s : (di + 1) * s, dj * s : (dj + 1) * s]  # (N, h, w, s, s, C)
                blocks[:, di : di + h, :, dj : dj + w] += tap.transpose(0, 1, 3, 2, 4, 5)
        return out
    for i in range(k):
        for j in range(k):
            out[:, i : i + stride * (h - 1) + 1 : stride, j : j + stride * (w - 1) + 1 : stride] += cols[:, :, :, i, j]
    return out


BLOCK_MIN_CHANNELS = 8  # below it col2im adds per tap (measured: 1 channel 0.4 ms per tap vs 1.3 ms in blocks)
CHUNK_FLOATS = 1 << 19  # im2col columns per chunk of :func:`product_col2im` (2 MB: stays in cache)


def product_col2im(
    a: np.ndarray, w: np.ndarray, out: np.ndarray, grid: tuple[int, int], k: int, stride: int, pool: BufferPool
) -> np.ndarray:
    """col2im(a @ w) into `out` (N, Hp, Wp, C), a few samples at a time: a (N H W, K) rows of N
    samples on an H x W `grid`, w (K, k k C). The product's columns never exist for the whole
    batch (25 MB for D's second layer at batch 128), only a 2 MB chunk of them, scattered while
    in cache. (Step time: no measurable change, see docs/DESIGN.md.)"""
    n, (h, wd) = out.shape[0], grid
    c = w.shape[1] // (k * k)
    chunk = max(1, min(n, CHUNK_FLOATS // (h * wd * w.shape[1])))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        cols = pool.get("chunk", (stop - start, h, wd, k, k, c))
        np.matmul(a[start * h * wd : stop * h * wd], w, out=cols.reshape(-1, w.shape[1]))
        col2im(cols, out[start:stop], stride)
    return out


class _Kernel(WeightBias):
    """What a convolution and a transposed convolution share: a k x k kernel with stride and
    padding, weight and bias in the block, reused buffers, an optional spectral norm."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int,
        stride: int,
        padding: int,
        block: ParamBlock,
        w_shape: tuple[int, ...],
        matrix: tuple[int, int],
        spectral: ParamBlock | None = None,
    ) -> None:
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel, self.stride, self.padding = int(kernel), int(stride), int(padding)
        self._block = block
        self._w_index = block.add(w_shape)
        self._b_index = block.add((self.out_channels,))
        self._matrix = matrix
        self.sn = SpectralNorm(*matrix, spectral) if spectral is not None else None
        self._pool = BufferPool(block.dtype)
        self._x: np.ndarray | None = None

    def initialize(self, kind: str, rng: np.random.Generator, std: float) -> None:
        """Weights from the initializer with fans (k k C_in, k k C_out), biases zero."""
        k2 = self.kernel * self.kernel
        initialize(self.w, kind, rng, std, fans=(k2 * self.in_channels, k2 * self.out_channels))
        self.b[...] = 0.0
        if self.sn is not None:
            self.sn.initialize(rng, self.w.reshape(self._matrix))

    def parameter_count(self) -> int:
        return int(np.prod(self._matrix)) + self.out_channels

    def release_buffers(self) -> None:
        self._pool.clear()
        self._x = None

    def _weight(self, flat: np.ndarray | None = None) -> np.ndarray:
        """The weight matrix used by a pass: live (spectral-normalised when asked, with a power
        iteration), or from `flat` for inference."""
        if flat is None:
            w = self.w.reshape(self._matrix)
            return self.sn.weight(w) if self.sn is not None else w
        w = self._block.unflatten(flat)[self._w_index].reshape(self._matrix)
        return self.sn.predict_weight(w) if self.sn is not None else w

    def _weight_grad(self, dw_used: np.ndarray) -> None:
        """dL/d(the weight matrix used) -> dL/dW in the block's grads."""
        dw = self._block.view(self._w_index)[1].reshape(self._matrix)
        if self.sn is None:
            dw[...] = dw_used
        else:
            self.sn.backward(self.w.reshape(self._matrix), dw_used, dw)

    def _bias(self, flat: np.ndarray | None) -> np.ndarray:
        return self.b if flat is None else self._block.unflatten(flat)[self._b_index]

    def _bias_grad(self, dy2: np.ndarray) -> None:
        np.dot(self._pool.ones(dy2.shape[0]), dy2, out=self._block.view(self._b_index)[1])


class Conv2d(_Kernel):
    """y = conv(x, W) + b: x (N, H, W, C_in) -> (N, H_out, W_out, C_out), H_out =
    (H + 2 padding - k) // stride + 1. `spectral`: the buffer block for a spectral norm of W."""

    def __init__(self, in_channels, out_channels, kernel, stride, padding, block, spectral=None) -> None:
        k = int(kernel)
        shape = (k, k, int(in_channels), int(out_channels))
        super().__init__(in_channels, out_channels, k, stride, padding, block, shape, (k * k * shape[2], shape[3]), spectral)

    def output_size(self, h: int) -> int:
        return (h + 2 * self.padding - self.kernel) // self.stride + 1

    def _pass(self, x: np.ndarray, w: np.ndarray, b: np.ndarray, pool: BufferPool) -> tuple[np.ndarray, np.ndarray]:
        """(output, im2col columns) of x with weight matrix w, buffers from `pool`."""
        n, h, wd, c = x.shape
        p, k, s = self.padding, self.kernel, self.stride
        ho, wo = self.output_size(h), self.output_size(wd)
        xp = pool.get("xp", (n, h + 2 * p, wd + 2 * p, c))
        xp[:, p : p + h, p : p + wd] = x
        cols = pool.get("cols", (n, ho, wo, k, k, c))
        np.copyto(cols, windows(xp, k, s, ho, wo))
        out = pool.get("out", (n, ho, wo, self.out_channels))
        np.matmul(cols.reshape(-1, w.shape[0]), w, out=out.reshape(-1, self.out_channels))
        out += b
        return out, cols

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, H, W, C_in) -> (N, H_out, W_out, C_out), a reused buffer. Keeps the columns."""
        self._used = self._weight()
        out, self._cols = self._pass(x, self._used, self.b, self._pool)
        self._x = x
        return out

    def predict(self, x: np.ndarray, flat: np.ndarray) -> np.ndarray:
        """Inference with the weights in `flat`; a new array."""
        return self._pass(x, self._weight(flat), self._bias(flat), BufferPool(x.dtype))[0]

    def backward(self, dy: np.ndarray, need_dx: bool, need_param_grads: bool) -> np.ndarray | None:
        """dy: (N, H_out, W_out, C_out). Writes dL/dW, dL/db when `need_param_grads`; returns
        dL/dx (N, H, W, C_in), a reused buffer, when `need_dx`."""
        dy2 = dy.reshape(-1, self.out_channels)
        cols = self._cols
        cols2 = cols.reshape(dy2.shape[0], -1)
        if need_param_grads:
            dw = self._pool.get("dw", self._matrix)
            np.matmul(cols2.T, dy2, out=dw)
            self._weight_grad(dw)
            self._bias_grad(dy2)
        if not need_dx:
            return None
        n, h, w, c = self._x.shape
        p = self.padding
        dxp = self._pool.get("dxp", (n, h + 2 * p, w + 2 * p, c))
        product_col2im(dy2, self._used.T, dxp, dy.shape[1:3], self.kernel, self.stride, self._pool)
        dx = self._pool.get("dx", (n, h, w, c))
        np.copyto(dx, dxp[:, p : p + h, p : p + w])
        return dx


class ConvTranspose2d(_Kernel):
    """The adjoint of a convolution (a "deconvolution"): x (N, H, W, C_in) -> (N, H_out, W_out,
    C_out), H_out = (H - 1) stride - 2 padding + k; each input pixel adds its k x k stamp
    x[n, a, b] @ W (C_in -> k k C_out) at (stride a, stride b) of the padded output."""

    def __init__(self, in_channels, out_channels, kernel, stride, padding, block) -> None:
        k = int(kernel)
        shape = (int(in_channels), k, k, int(out_channels))
        super().__init__(in_channels, out_channels, k, stride, padding, block, shape, (shape[0], k * k * shape[3]))

    def output_size(self, h: int) -> int:
        return (h - 1) * self.stride - 2 * self.padding + self.kernel

    def _padded_size(self, h: int) -> int:
        return (h - 1) * self.stride + self.kernel

    def _pass(self, x: np.ndarray, w: np.ndarray, b: np.ndarray, pool: BufferPool) -> np.ndarray:
        n, h, wd, _ = x.shape
        p, k, co = self.padding, self.kernel, self.out_channels
        outp = pool.get("outp", (n, self._padded_size(h), self._padded_size(wd), co))
        product_col2im(x.reshape(-1, self.in_channels), w, outp, (h, wd), k, self.stride, pool)
        ho, wo = self.output_size(h), self.output_size(wd)
        out = pool.get("out", (n, ho, wo, co))
        np.copyto(out, outp[:, p : p + ho, p : p + wo])
        out += b
        return out

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, H, W, C_in) contiguous -> (N, H_out, W_out, C_out), a reused buffer. Keeps x."""
        self._x = x
        return self._pass(x, self._weight(), self.b, self._pool)

    def predict(self, x: np.ndarray, flat: np.ndarray) -> np.ndarray:
        """Inference with the weights in `flat`; a new array."""
        return self._pass(np.ascontiguousarray(x), self._weight(flat), self._bias(flat), BufferPool(x.dtype))

    def backward(self, dy: np.ndarray, need_dx: bool, need_param_grads: bool) -> np.ndarray | None:
        """dy: (N, H_out, W_out, C_out). Writes dL/dW, dL/db when `need_param_grads`; returns
        dL/dx (N, H, W, C_in), a reused buffer, when `need_dx`."""
        x = self._x
        n, h, wd, ci = x.shape
        p, k, co = self.padding, self.kernel, self.out_channels
        _, ho, wo, _ = dy.shape
        dyp = self._pool.get("dyp", (n, self._padded_size(h), self._padded_size(wd), co))
        dyp[:, p : p + ho, p : p + wo] = dy  # the border stays zero: the forward cropped it away
        dcols = self._pool.get("dcols", (n, h, wd, k, k, co))
        np.copyto(dcols, windows(dyp, k, self.stride, h, wd))
        dcols2 = dcols.reshape(n * h * wd, -1)
        if need_param_grads:
            dw = self._pool.get("dw", self._matrix)
            np.matmul(x.reshape(-1, ci).T, dcols2, out=dw)
            self._weight_grad(dw)
            self._bias_grad(dy.reshape(-1, co))
        if not need_dx:
            return None
        dx = self._pool.get("dx", x.shape)
        np.matmul(dcols2, self.w.reshape(self._matrix).T, out=dx.reshape(-1, ci))
        return dx
