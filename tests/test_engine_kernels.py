"""engine/kernels.py: each compiled kernel gives the bits of its NumPy version, so a run's
results do not depend on whether numba is installed; GANSTUDIO_NUMBA=0 turns numba off."""

import os
import subprocess
import sys

import numpy as np
import pytest

from ganstudio.engine import kernels
from ganstudio.engine.buffers import BufferPool
from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.network import NetworkSpec
from ganstudio.engine.optimizers import OptimizerSpec

compiled = pytest.mark.skipif(not kernels.COMPILED, reason="numba is not installed (or GANSTUDIO_NUMBA=0)")


def awkward(rng, shape, dtype):
    """Normal values with exact zeros, negative zeros and tiny values sprinkled in."""
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[::7], flat[3::11], flat[5::13] = 0.0, -0.0, dtype(-1e-39)
    return x


@compiled
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(
    ("grid", "kernel", "stride", "padding", "out_side"),
    [((7, 7), 4, 2, 1, 14), ((3, 3), 4, 2, 1, 7), ((6, 6), 3, 1, 1, 6), ((3, 4), 6, 2, 2, 6)],
)
def test_scatter_crop_gives_the_bits_of_col2im_and_the_crop(dtype, bias, grid, kernel, stride, padding, out_side):
    """The gather against col2im + crop (+ bias): 4x4 stride 2 on even and odd sides (where the
    padded image has a row no window reaches), stride 1, a 6x6 kernel on a non-square grid."""
    rng = np.random.default_rng(5)
    cols = awkward(rng, (3, *grid, kernel, kernel, 8), dtype)
    b = rng.standard_normal(8).astype(dtype) if bias else None
    out_w = out_side if grid[0] == grid[1] else (grid[1] - 1) * stride + kernel - 2 * padding
    want = kernels.scatter_crop_numpy(cols, np.empty((3, out_side, out_w, 8), dtype), stride, padding, b, BufferPool(dtype))
    got = kernels.scatter_crop(cols, np.full((3, out_side, out_w, 8), 7.0, dtype), stride, padding, b, BufferPool(dtype))
    assert got.tobytes() == want.tobytes()


@compiled
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha", [0.2, 0.01, 0.3, 0.7])
def test_leaky_relu_gives_the_bits_of_numpy(dtype, alpha):
    rng = np.random.default_rng(6)
    h = awkward(rng, (16, 5, 5, 8), dtype)
    y_numpy = kernels.leaky_relu_forward_numpy(h.copy(), alpha)
    y = kernels.leaky_relu_forward(h.copy(), alpha)
    assert y.tobytes() == y_numpy.tobytes()
    dy = awkward(rng, h.shape, dtype)
    assert kernels.leaky_relu_backward(dy.copy(), y, alpha).tobytes() == kernels.leaky_relu_backward_numpy(dy, y, alpha).tobytes()


@compiled
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_update_gives_the_bits_of_numpy(dtype):
    rng = np.random.default_rng(7)
    n = 1000
    arrays = [rng.standard_normal(n).astype(dtype), np.zeros(n, dtype), np.zeros(n, dtype)]  # params, m_sum, v_sum
    twins = [a.copy() for a in arrays]
    for t in range(1, 4):
        grads = awkward(rng, (n,), dtype)
        coefficients = (0.5, 0.999, 1e-8 / np.sqrt(0.001 / (1 - 0.999**t)), 2e-4 * 0.5 / t)
        kernels.adam_update(*arrays[:1], grads, *arrays[1:], np.empty(n, dtype), coefficients)
        kernels.adam_update_numpy(*twins[:1], grads, *twins[1:], np.empty(n, dtype), coefficients)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(arrays, twins))


@compiled
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_passes_give_the_bits_of_numpy(dtype):
    rng = np.random.default_rng(9)
    x3, dy3 = awkward(rng, (2, 30, 8), dtype), awkward(rng, (2, 30, 8), dtype)
    per_group = [rng.standard_normal((2, 8)).astype(dtype) for _ in range(4)]  # mean, inv_std, dgamma / m, dbeta / m
    gamma, beta = rng.standard_normal(8).astype(dtype), rng.standard_normal(8).astype(dtype)
    results = []
    for center, scale, backward in [
        (kernels.batch_norm_center, kernels.batch_norm_scale, kernels.batch_norm_backward),
        (kernels.batch_norm_center_numpy, kernels.batch_norm_scale_numpy, kernels.batch_norm_backward_numpy),
    ]:
        xhat, sq, out, dx = (np.empty_like(x3) for _ in range(4))
        center(x3, per_group[0], xhat, sq)
        scale(xhat, per_group[1], gamma, beta, out)
        backward(dy3, xhat, per_group[2], per_group[3], per_group[1] * gamma, dx)
        results.append(b"".join(a.tobytes() for a in (xhat, sq, out, dx)))
    assert results[0] == results[1]


def conv_gan_after_steps(steps):
    """The weights of a small conv GAN (batch norm in G, spectral norm and LeakyReLU in D,
    Adam) after `steps` training steps."""
    rng = np.random.default_rng(8)
    g = NetworkSpec(
        16, (), 64, "relu", "tanh", init="normal", init_std=0.2, kind="conv", channels=(16, 8), image_shape=(1, 8, 8),
        batch_norm=True,
    )  # fmt: skip
    d = NetworkSpec(
        64, (), 1, "leaky_relu", "linear", alpha=0.2, init="normal", init_std=0.2, kind="conv", channels=(8, 16),
        image_shape=(1, 8, 8), batch_norm=False, spectral_norm=True,
    )  # fmt: skip
    opt = OptimizerSpec("adam", 1e-3, beta1=0.5)
    gan = GAN(g, d, opt, opt, TrainingSpec("non_saturating"), rng)
    real = rng.uniform(-1, 1, (12, 64)).astype(np.float32)
    for step in range(steps):
        gan.train_step(lambda: real, rng, step, 0)
    return np.concatenate([gan.generator.params.values, gan.discriminator.params.values])


@compiled
def test_a_conv_gan_trains_to_the_same_bits_without_numba(monkeypatch):
    with_numba = conv_gan_after_steps(3)
    names = ("im2col", "scatter_crop", "leaky_relu_forward", "leaky_relu_backward", "adam_update", "batch_norm_center")
    for name in (*names, "batch_norm_scale", "batch_norm_backward"):
        monkeypatch.setattr(kernels, name, getattr(kernels, f"{name}_numpy"))
    assert conv_gan_after_steps(3).tobytes() == with_numba.tobytes()


def test_ganstudio_numba_0_runs_the_numpy_kernels():
    code = "from ganstudio.engine import kernels; print(kernels.COMPILED, kernels.adam_update is kernels.adam_update_numpy)"
    env = {**os.environ, "GANSTUDIO_NUMBA": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


@compiled
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("side", "kernel", "stride", "padding"), [(14, 4, 2, 1), (7, 4, 2, 1), (6, 3, 1, 1), (9, 6, 2, 2), (5, 3, 1, 0)]
)
def test_im2col_gives_the_bits_of_the_padded_windows(dtype, side, kernel, stride, padding):
    """The one-pass loop against NumPy's padded copy and strided view, zeros on the padding
    included, into a buffer that held other values."""
    rng = np.random.default_rng(8)
    x = awkward(rng, (3, side, side + 1, 8), dtype)
    ho, wo = ((s + 2 * padding - kernel) // stride + 1 for s in (side, side + 1))
    want = kernels.im2col_numpy(x, stride, padding, np.empty((3, ho, wo, kernel, kernel, 8), dtype), BufferPool(dtype))
    got = kernels.im2col(x, stride, padding, np.full((3, ho, wo, kernel, kernel, 8), 7.0, dtype), BufferPool(dtype))
    assert got.tobytes() == want.tobytes()


@compiled
def test_a_command_that_compiled_the_loops_leaves_the_terminal_without_a_colour_reset():
    """numba with colorama installed wrote ESC[0m to the terminal at exit, after the last line."""
    import pty

    code = "import numpy as np; from ganstudio.engine import kernels; kernels.leaky_relu_forward(np.ones(4, np.float32), 0.2)"
    pid, fd = pty.fork()
    if pid == 0:  # the child: Python on the pseudo-terminal
        os.execv(sys.executable, [sys.executable, "-c", code])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"\x1b[" not in out
