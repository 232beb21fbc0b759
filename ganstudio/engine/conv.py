"""2D convolution and transposed convolution on BLAS, channels-last (NHWC).

Activations are (N, H, W, C) float32, C-contiguous. A :class:`Conv2d` weight is stored
(k, k, C_in, C_out) and used as one (k k C_in, C_out) matrix; a :class:`ConvTranspose2d` weight is
stored (C_in, k, k, C_out) and used as one (C_in, k k C_out) matrix. Each pass is one matrix
product plus a rearrangement:

- im2col (kernels.im2col): every output pixel's k x k window of the zero-padded input, channels
  contiguous, (N, H_out, W_out, k, k, C) in a reused buffer, which the weight matrix multiplies
  in one GEMM;
- col2im, its adjoint: k*k strided adds into a zeroed padded buffer, one per kernel position,
  each over the whole batch (no loop over pixels, no ``np.add.at``).

A convolution's forward is im2col + GEMM and its input gradient GEMM + col2im; a transposed
convolution is the other way round (it *is* the convolution's backward pass). An
:class:`UpsampleConv2d` (nearest-neighbour upsampling, then a convolution) is a transposed
convolution whose k x k kernel is built from (k-1) x (k-1) stored taps. See docs/DESIGN.md for why
channels-last.
"""

from __future__ import annotations

import numpy as np

from ganstudio.engine import kernels
from ganstudio.engine.buffers import BufferPool
from ganstudio.engine.initializers import initialize
from ganstudio.engine.layers import WeightBias
from ganstudio.engine.norm import SpectralNorm
from ganstudio.engine.params import ParamBlock

CHUNK_FLOATS = 1 << 19  # columns per chunk of :func:`transposed_product` on one thread (2 MB: stays in cache)


def transposed_product(
    a: np.ndarray,
    w: np.ndarray,
    grid: tuple[int, int],
    geometry: tuple[int, int, int],
    out: np.ndarray,
    pool: BufferPool,
    bias: np.ndarray | None = None,
) -> np.ndarray:
    """out (N, H, W, C) = col2im(a @ w) on the padded image, cropped, + bias (C,) when given: a
    (N h w, K), rows of N samples on an h x w `grid`; w (K, k k C); `geometry` (k, stride,
    padding). A convolution's input gradient and a transposed convolution's forward.

    A few samples at a time: the product's columns never exist for the whole batch (25 MB for
    D's second layer at batch 128), only a 2 MB chunk of them, scattered while in cache
    (kernels.scatter_crop). On t threads a chunk is t^2 times larger: a product of a few rows
    leaves BLAS's second thread idle (docs/performance.md, the dcgan step at 2 threads)."""
    k, stride, padding = geometry
    n, (h, wd) = out.shape[0], grid
    c = w.shape[1] // (k * k)
    chunk = max(1, min(n, CHUNK_FLOATS * kernels.threads() ** 2 // (h * wd * w.shape[1])))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        cols = pool.get("chunk", (stop - start, h, wd, k, k, c))
        np.matmul(a[start * h * wd : stop * h * wd], w, out=cols.reshape(-1, w.shape[1]))
        kernels.scatter_crop(cols, out[start:stop], stride, padding, bias, pool)
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
        self._w_shape = w_shape
        self._w_index = block.add(w_shape)
        self._b_index = block.add((self.out_channels,))
        self._matrix = matrix
        self.sn = SpectralNorm(*matrix, spectral) if spectral is not None else None
        self._pool = BufferPool(block.dtype)
        self._x: np.ndarray | None = None

    def initialize(self, kind: str, rng: np.random.Generator, std: float) -> None:
        """Weights from the initializer with fans (t t C_in, t t C_out) for the stored t x t
        taps, biases zero."""
        taps = self.taps**2
        initialize(self.w, kind, rng, std, fans=(taps * self.in_channels, taps * self.out_channels))
        self.b[...] = 0.0
        if self.sn is not None:
            self.sn.initialize(rng, self.w.reshape(self._matrix))

    @property
    def taps(self) -> int:
        """Side of the kernel the layer stores and learns."""
        return self.kernel

    def parameter_count(self) -> int:
        return int(np.prod(self._w_shape)) + self.out_channels

    def release_buffers(self) -> None:
        self._pool.clear()
        self._x = None

    def _weight(self, flat: np.ndarray | None = None) -> np.ndarray:
        """The weight matrix used by a pass: live (spectral-normalised when asked, with a power
        iteration), or from `flat` for inference."""
        if flat is None:
            w = self.w.reshape(self._matrix)
            return self.sn.weight(w) if self.sn is not None else w
        w = self.weight_and_bias(flat)[0].reshape(self._matrix)
        return self.sn.predict_weight(w) if self.sn is not None else w

    def _weight_grad(self, dw_used: np.ndarray) -> None:
        """dL/d(the weight matrix used) -> dL/dW in the block's grads."""
        dw = self._block.view(self._w_index)[1].reshape(self._matrix)
        if self.sn is None:
            dw[...] = dw_used
        else:
            self.sn.backward(self.w.reshape(self._matrix), dw_used, dw)

    def _bias(self, flat: np.ndarray | None) -> np.ndarray:
        return self.b if flat is None else self.weight_and_bias(flat)[1]

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
        cols = kernels.im2col(x, s, p, pool.get("cols", (n, ho, wo, k, k, c)), pool)
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
        dx = self._pool.get("dx", self._x.shape)
        geometry = (self.kernel, self.stride, self.padding)
        return transposed_product(dy2, self._used.T, dy.shape[1:3], geometry, dx, self._pool)


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

    def _pass(self, x: np.ndarray, w: np.ndarray, b: np.ndarray, pool: BufferPool) -> np.ndarray:
        n, h, wd, _ = x.shape
        out = pool.get("out", (n, self.output_size(h), self.output_size(wd), self.out_channels))
        geometry = (self.kernel, self.stride, self.padding)
        return transposed_product(x.reshape(-1, self.in_channels), w, (h, wd), geometry, out, pool, b)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, H, W, C_in) contiguous -> (N, H_out, W_out, C_out), a reused buffer. Keeps x."""
        self._x = x
        self._used = self._weight()
        return self._pass(x, self._used, self.b, self._pool)

    def predict(self, x: np.ndarray, flat: np.ndarray) -> np.ndarray:
        """Inference with the weights in `flat`; a new array."""
        return self._pass(np.ascontiguousarray(x), self._weight(flat), self._bias(flat), BufferPool(x.dtype))

    def backward(self, dy: np.ndarray, need_dx: bool, need_param_grads: bool) -> np.ndarray | None:
        """dy: (N, H_out, W_out, C_out). Writes dL/dW, dL/db when `need_param_grads`; returns
        dL/dx (N, H, W, C_in), a reused buffer, when `need_dx`."""
        x = self._x
        n, h, wd, ci = x.shape
        p, k, co = self.padding, self.kernel, self.out_channels
        # the forward's stamps on the padding were cropped away: their gradient is 0
        dcols = kernels.im2col(dy, self.stride, p, self._pool.get("dcols", (n, h, wd, k, k, co)), self._pool)
        dcols2 = dcols.reshape(n * h * wd, -1)
        if need_param_grads:
            dw = self._pool.get("dw", self._matrix)
            np.matmul(x.reshape(-1, ci).T, dcols2, out=dw)
            self._weight_grad(dw)
            self._bias_grad(dy.reshape(-1, co))
        if not need_dx:
            return None
        dx = self._pool.get("dx", x.shape)
        np.matmul(dcols2, self._used.T, out=dx.reshape(-1, ci))
        return dx

    def transposed_kernel(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (C_in, k, k, C_out) kernel and (C_out,) bias the layer computes with, for the
        weights in `flat` (n_params,): what an exported ConvTranspose needs."""
        shape = (self.in_channels, self.kernel, self.kernel, self.out_channels)
        return self._weight(flat).reshape(shape), self._bias(flat)


def nearest_upsampling_taps(kernel: int) -> np.ndarray:
    """M (kernel, kernel - 1) of 0s and 1s: nearest-neighbour 2x upsampling followed by a
    convolution of kernel - 1 taps (stride 1, padding kernel / 2 - 1) is, along one axis, the
    stride-2 transposed convolution of `kernel` taps M @ w (padding kernel / 2 - 1). Output row
    2a + d (d = 0, 1) reads upsampled rows 2a + d + u - r (r = kernel / 2 - 1), i.e. input row
    floor((d + u - r) / 2), which the transposed convolution reaches with its tap
    t = d + r - 2 floor((d + u - r) / 2). For kernel 4: rows [w2], [w1 + w2], [w0 + w1], [w0]."""
    r = kernel // 2 - 1
    m = np.zeros((kernel, kernel - 1), np.float32)
    for d in (0, 1):
        for u in range(kernel - 1):
            m[d + r - 2 * ((d + u - r) // 2), u] = 1.0
    return m


class UpsampleConv2d(ConvTranspose2d):
    """Nearest-neighbour 2x upsampling, then a (k-1) x (k-1) convolution (stride 1, padding
    k / 2 - 1): x (N, H, W, C_in) -> (N, 2H, 2W, C_out), the "resize-convolution" of Odena et
    al. 2016, whose four output phases share their taps, so it draws no checkerboard.

    It is computed as the k x k stride-2 transposed convolution it equals, with the kernel
    K = M w M^T per channel pair (M: :func:`nearest_upsampling_taps`): the cost of the transposed
    convolution, not of a convolution over the upsampled image (9/4 of the multiply-adds and an
    im2col four times as large). The weight w is stored (C_in, k-1, k-1, C_out)."""

    def __init__(self, in_channels, out_channels, kernel, block) -> None:
        k, ci, co = int(kernel), int(in_channels), int(out_channels)
        _Kernel.__init__(self, ci, co, k, 2, k // 2 - 1, block, (ci, k - 1, k - 1, co), (ci, k * k * co))
        self._taps = nearest_upsampling_taps(k).astype(block.dtype)

    @property
    def taps(self) -> int:
        return self.kernel - 1

    def _weight(self, flat: np.ndarray | None = None) -> np.ndarray:
        """K (C_in, k k C_out) = M w M^T of the live weights (in reused buffers) or of those in
        `flat` (new arrays: inference must not overwrite the K a training pass keeps)."""
        w = self.w if flat is None else self.weight_and_bias(flat)[0]
        ci, k, t, co = self.in_channels, self.kernel, self.taps, self.out_channels
        pool = self._pool if flat is None else BufferPool(w.dtype)
        rows = np.einsum("ti,cijo->ctjo", self._taps, w, out=pool.get("taps rows", (ci, k, t, co)))
        kernel = np.einsum("sj,ctjo->ctso", self._taps, rows, out=pool.get("kernel", (ci, k, k, co)))
        return kernel.reshape(self._matrix)

    def _weight_grad(self, dw_used: np.ndarray) -> None:
        """dL/dK (C_in, k k C_out) -> dL/dw = M^T dL/dK M in the block's grads."""
        ci, k, t, co = self.in_channels, self.kernel, self.taps, self.out_channels
        rows = np.einsum(
            "ti,ctso->ciso", self._taps, dw_used.reshape(ci, k, k, co), out=self._pool.get("grad rows", (ci, t, k, co))
        )
        np.einsum("sj,ciso->cijo", self._taps, rows, out=self._block.view(self._w_index)[1])
