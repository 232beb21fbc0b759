"""The conv step's elementwise kernels, compiled by numba when it is installed.

Each kernel here is written twice: in NumPy (whole-array passes) and as a loop that numba
compiles into one pass over memory. Both compute the same floats in the same order, so a run
gives the same bits with numba or without it (tests/test_engine_kernels.py holds them to it);
numba only makes the conv step faster (docs/performance.md). The loops are compiled
single-threaded: OpenBLAS's threads keep spinning on the other cores between products, and a
second pool of threads beside them made the dcgan step slower (docs/performance.md). Without
numba, or with GANSTUDIO_NUMBA=0 in the environment, the NumPy versions run. ``COMPILED`` says
which.

- :func:`im2col`: a convolution's columns, padding included, in one pass (no padded copy).
- :func:`scatter_crop`: col2im's scatter of a product's columns into the padded image and the crop
  to the unpadded one (+ bias), the input gradient of a convolution and the forward of a
  transposed one; the compiled loop gathers each output pixel's taps straight into the output.
- :func:`leaky_relu_forward`, :func:`leaky_relu_backward`: in place, with no temporaries.
- :func:`adam_update`: Adam's update in one pass over its four arrays instead of ten.
- :func:`batch_norm_center`, :func:`batch_norm_scale`, :func:`batch_norm_backward`: batch norm's
  elementwise passes, fused (its sums stay BLAS products, whose order a loop could not repeat).
"""

from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np

from ganstudio.engine.buffers import BufferPool

_threads = 1  # the run's BLAS thread count (set_threads)


def set_threads(threads: int) -> None:
    """Record the run's BLAS thread count (machine/blas.py calls it whenever it sets BLAS's)."""
    global _threads
    _threads = max(1, int(threads))


def threads() -> int:
    """The run's BLAS thread count, as set_threads recorded it (1 until then)."""
    return _threads


BLOCK_MIN_CHANNELS = 8  # below it col2im adds per tap (measured: 1 channel 0.4 ms per tap vs 1.3 ms in blocks)


def windows(xp: np.ndarray, k: int, stride: int, h_out: int, w_out: int) -> np.ndarray:
    """Read-only view (N, h_out, w_out, k, k, C) of a padded NHWC array: [n, a, b, i, j, c] =
    xp[n, stride a + i, stride b + j, c]."""
    n, _, _, c = xp.shape
    sn, sh, sw, sc = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp, (n, h_out, w_out, k, k, c), (sn, sh * stride, sw * stride, sh, sw, sc), writeable=False
    )


def im2col_numpy(x: np.ndarray, stride: int, padding: int, cols: np.ndarray, pool: BufferPool) -> np.ndarray:
    """cols (N, h, w, k, k, C)[n, a, b, i, j, c] = x[n, stride a + i - padding, stride b + j -
    padding, c], 0 outside x (N, H, W, C): x copied into the middle of a zero-bordered buffer of
    `pool`, then its windows copied out."""
    n, h, w, c = x.shape
    _, ho, wo, k, _, _ = cols.shape
    xp = pool.get("xp", (n, h + 2 * padding, w + 2 * padding, c))  # the border is never written: it stays 0
    xp[:, padding : padding + h, padding : padding + w] = x
    np.copyto(cols, windows(xp, k, stride, ho, wo))
    return cols


def _im2col_loop(x, stride, padding, cols):
    """im2col_numpy in one pass: taps read straight from x, or set to 0 where they fall on the
    padding."""
    n, h, w, c = x.shape
    _, ho, wo, k, _, _ = cols.shape
    for s in range(n):
        for a in range(ho):
            for b in range(wo):
                for i in range(k):
                    r = stride * a + i - padding
                    for j in range(k):
                        q = stride * b + j - padding
                        if 0 <= r < h and 0 <= q < w:
                            for ch in range(c):
                                cols[s, a, b, i, j, ch] = x[s, r, q, ch]
                        else:
                            for ch in range(c):
                                cols[s, a, b, i, j, ch] = 0.0


def col2im(cols: np.ndarray, out: np.ndarray, stride: int) -> np.ndarray:
    """The adjoint of windows: out[n, stride a + i, stride b + j, c] += cols[n, a, b, i, j, c],
    summed over every (a, b, i, j), each pixel's taps in the order of (i, j); `out` (N, Hp, Wp, C)
    is zeroed first.

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


def scatter_crop_numpy(
    cols: np.ndarray, out: np.ndarray, stride: int, padding: int, bias: np.ndarray | None, pool: BufferPool
) -> np.ndarray:
    """out (N, H, W, C) = col2im(cols) on the padded (N, H + 2 padding, W + 2 padding, C) image
    (a buffer of `pool`), cropped, + bias (C,) when given. cols: (N, h, w, k, k, C)."""
    n, ho, wo, c = out.shape
    padded = pool.get("padded", (n, ho + 2 * padding, wo + 2 * padding, c))
    col2im(cols, padded, stride)
    crop = padded[:, padding : padding + ho, padding : padding + wo]
    if bias is None:
        np.copyto(out, crop)
    else:
        np.add(crop, bias, out=out)
    return out


@functools.lru_cache(maxsize=64)
def tap_table(size: int, windows: int, k: int, stride: int, padding: int) -> np.ndarray:
    """(size, ceil(k / stride), 2) int64: for output row r (row r + padding of the padded image),
    the (tap i, window row a) pairs with stride a + i = r + padding, i ascending, padded with -1."""
    table = np.full((size, -(-k // stride), 2), -1, np.int64)
    for r in range(size):
        pairs = [(i, (r + padding - i) // stride) for i in range((r + padding) % stride, k, stride)]
        pairs = [(i, a) for i, a in pairs if 0 <= a < windows]
        table[r, : len(pairs)] = pairs
    return table


def _gather_loop(cols, out, rows, columns, bias):
    """scatter_crop as a gather: each output pixel sums its taps from zero in the order of (i, j)
    (col2im's order), then adds the bias; `rows`, `columns`: the tap tables (tap_table)."""
    n, _, _, _, _, c = cols.shape
    _, ho, wo, _ = out.shape
    for s in range(n):
        for r in range(ho):
            for q in range(wo):
                for ch in range(c):
                    out[s, r, q, ch] = 0.0
                for ti in range(rows.shape[1]):
                    i, a = rows[r, ti, 0], rows[r, ti, 1]
                    if i < 0:
                        break
                    for tj in range(columns.shape[1]):
                        j, b = columns[q, tj, 0], columns[q, tj, 1]
                        if j < 0:
                            break
                        for ch in range(c):
                            out[s, r, q, ch] += cols[s, a, b, i, j, ch]
                if bias is not None:
                    for ch in range(c):
                        out[s, r, q, ch] += bias[ch]


def leaky_relu_forward_numpy(h: np.ndarray, alpha: float) -> np.ndarray:
    """h (any shape) overwritten with max(h, alpha h) (0 <= alpha < 1)."""
    return np.maximum(h, h * alpha, out=h)


def _leaky_forward_loop(flat, alpha):
    for q in range(flat.size):
        if flat[q] < 0.0:
            flat[q] *= alpha


def leaky_relu_backward_numpy(dy: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """dy (any shape) overwritten with dy * slope, slope = 1 where the output y > 0, else alpha,
    formed as (y > 0) (1 - alpha) + alpha in y's dtype."""
    slope = (y > 0.0).astype(y.dtype)
    slope *= 1.0 - alpha
    slope += alpha
    return np.multiply(dy, slope, out=dy)


def _leaky_backward_loop(dy, y, positive, negative):
    for q in range(dy.size):
        dy[q] *= positive if y[q] > 0.0 else negative


def adam_update_numpy(
    params: np.ndarray, grads: np.ndarray, m: np.ndarray, v: np.ndarray, tmp: np.ndarray, coefficients: tuple[float, ...]
) -> None:
    """One Adam update on flat arrays (n,) in place, in 10 passes: m = beta1 m + g, v = beta2 v +
    g^2, params -= step * m / (sqrt(v) + eps_r); `coefficients` (beta1, beta2, eps_r, step),
    Python floats (optimizers.Adam derives them); tmp: scratch (n,)."""
    b1, b2, eps_r, step = coefficients
    m *= b1
    m += grads
    np.multiply(grads, grads, out=tmp)
    v *= b2
    v += tmp
    np.sqrt(v, out=tmp)
    tmp += eps_r
    np.divide(m, tmp, out=tmp)
    tmp *= step
    params -= tmp


def _adam_loop(params, grads, m, v, b1, b2, eps_r, step):
    for q in range(params.size):
        g = grads[q]
        mq = m[q] * b1
        mq += g
        m[q] = mq
        vq = v[q] * b2
        vq += g * g
        v[q] = vq
        t = np.sqrt(vq)
        t += eps_r
        t = mq / t
        t *= step
        params[q] -= t


def batch_norm_center_numpy(x3: np.ndarray, mean: np.ndarray, xhat: np.ndarray, sq: np.ndarray) -> None:
    """xhat = x3 - mean, sq = xhat^2: x3, xhat, sq (groups, m, C); mean (groups, C)."""
    np.subtract(x3, mean[:, None], out=xhat)
    np.multiply(xhat, xhat, out=sq)


def _batch_norm_center_loop(x3, mean, xhat, sq):
    groups, m, c = x3.shape
    for g in range(groups):
        for r in range(m):
            for ch in range(c):
                d = x3[g, r, ch] - mean[g, ch]
                xhat[g, r, ch] = d
                sq[g, r, ch] = d * d


def batch_norm_scale_numpy(xhat: np.ndarray, inv_std: np.ndarray, gamma: np.ndarray, beta: np.ndarray, out3: np.ndarray) -> None:
    """xhat *= inv_std, then out3 = xhat gamma + beta: xhat, out3 (groups, m, C); inv_std
    (groups, C); gamma, beta (C,)."""
    xhat *= inv_std[:, None]
    np.multiply(xhat, gamma, out=out3)
    out3 += beta


def _batch_norm_scale_loop(xhat, inv_std, gamma, beta, out3):
    groups, m, c = xhat.shape
    for g in range(groups):
        for r in range(m):
            for ch in range(c):
                t = xhat[g, r, ch] * inv_std[g, ch]
                xhat[g, r, ch] = t
                t = t * gamma[ch]
                t += beta[ch]
                out3[g, r, ch] = t


def batch_norm_backward_numpy(
    dy3: np.ndarray, xhat: np.ndarray, dgamma_m: np.ndarray, dbeta_m: np.ndarray, scale: np.ndarray, dx3: np.ndarray
) -> None:
    """dx3 = (dy3 - xhat dgamma_m - dbeta_m) scale: dy3, xhat, dx3 (groups, m, C); dgamma_m,
    dbeta_m, scale (groups, C)."""
    np.multiply(xhat, dgamma_m[:, None], out=dx3)
    np.subtract(dy3, dx3, out=dx3)
    dx3 -= dbeta_m[:, None]
    dx3 *= scale[:, None]


def _batch_norm_backward_loop(dy3, xhat, dgamma_m, dbeta_m, scale, dx3):
    groups, m, c = dy3.shape
    for g in range(groups):
        for r in range(m):
            for ch in range(c):
                t = xhat[g, r, ch] * dgamma_m[g, ch]
                t = dy3[g, r, ch] - t
                t -= dbeta_m[g, ch]
                dx3[g, r, ch] = t * scale[g, ch]


def _slopes(dtype: np.dtype, alpha: float) -> tuple[np.floating, np.floating]:
    """The slopes leaky_relu_backward_numpy multiplies by, rounded as it rounds them in `dtype`."""
    t = np.dtype(dtype).type
    return t(t(1.0 - alpha) + t(alpha)), t(alpha)


COMPILED = os.environ.get("GANSTUDIO_NUMBA", "1") != "0" and importlib.util.find_spec("numba") is not None


def pads(channels: int) -> bool:
    """Whether im2col and scatter_crop on `channels` channels run their NumPy versions, through a
    padded copy: without numba, or below BLOCK_MIN_CHANNELS, where a pixel's few floats make the
    loops' bookkeeping cost more than NumPy's strided passes. The memory estimate asks too."""
    return not COMPILED or channels < BLOCK_MIN_CHANNELS


@functools.cache
def _compiled(loop):
    """`loop` compiled by numba, imported at the first call (a command that trains nothing never
    loads it) and cached on disk (the first conv step after an install compiles for a few
    seconds). nogil: the window's training thread leaves the GUI thread free. error_model "numpy":
    a division by zero gives inf as in NumPy, without a check per division (which would keep the
    loops from vectorizing). Without colour in numba's error messages: numba would load colorama,
    whose exit handler writes a colour reset to the terminal after the command's last line."""
    os.environ.setdefault("NUMBA_DISABLE_ERROR_MESSAGE_HIGHLIGHTING", "1")
    import numba

    return numba.njit(cache=True, nogil=True, error_model="numpy")(loop)


if COMPILED:

    def im2col(x, stride, padding, cols, pool):
        if pads(cols.shape[-1]):
            return im2col_numpy(x, stride, padding, cols, pool)
        _compiled(_im2col_loop)(x, stride, padding, cols)
        return cols

    def scatter_crop(cols, out, stride, padding, bias, pool):
        _, h, w, k, _, c = cols.shape
        if pads(c):
            return scatter_crop_numpy(cols, out, stride, padding, bias, pool)
        rows = tap_table(out.shape[1], h, k, stride, padding)
        columns = tap_table(out.shape[2], w, k, stride, padding)
        _compiled(_gather_loop)(cols, out, rows, columns, bias)
        return out

    def leaky_relu_forward(h, alpha):
        if not h.flags.c_contiguous:  # the loop runs over a flat view
            return leaky_relu_forward_numpy(h, alpha)
        _compiled(_leaky_forward_loop)(h.reshape(-1), h.dtype.type(alpha))
        return h

    def leaky_relu_backward(dy, y, alpha):
        if not (dy.flags.c_contiguous and y.flags.c_contiguous):
            return leaky_relu_backward_numpy(dy, y, alpha)
        _compiled(_leaky_backward_loop)(dy.reshape(-1), y.reshape(-1), *_slopes(y.dtype, alpha))
        return dy

    def adam_update(params, grads, m, v, tmp, coefficients):
        t = params.dtype.type
        _compiled(_adam_loop)(params, grads, m, v, *(t(c) for c in coefficients))

    def batch_norm_center(x3, mean, xhat, sq):
        _compiled(_batch_norm_center_loop)(x3, mean, xhat, sq)

    def batch_norm_scale(xhat, inv_std, gamma, beta, out3):
        _compiled(_batch_norm_scale_loop)(xhat, inv_std, gamma, beta, out3)

    def batch_norm_backward(dy3, xhat, dgamma_m, dbeta_m, scale, dx3):
        _compiled(_batch_norm_backward_loop)(dy3, xhat, dgamma_m, dbeta_m, scale, dx3)

else:
    im2col = im2col_numpy
    scatter_crop = scatter_crop_numpy
    adam_update = adam_update_numpy
    batch_norm_center = batch_norm_center_numpy
    batch_norm_scale = batch_norm_scale_numpy
    batch_norm_backward = batch_norm_backward_numpy
    leaky_relu_forward = leaky_relu_forward_numpy
    leaky_relu_backward = leaky_relu_backward_numpy
