"""The conv GAN step against PyTorch's, without PyTorch: a trace that scripts/torch_dynamics.py
--write-fixture recorded (tests/fixtures/README.md) of a tiny DCGAN (conv G with batch norm, conv
D with spectral norm, Adam, the non-saturating loss) trained in PyTorch from GAN Studio's initial
weights and buffers on real MNIST batches and recorded noise. GAN Studio, from the same start on
the same batches and noise, must report the same losses and D outputs step for step."""

from pathlib import Path

import numpy as np

from ganstudio.config.model import from_toml
from ganstudio.data.images import scale_pixels
from ganstudio.run.state import build_gan

TRACE = Path(__file__).parent / "fixtures" / "torch-dcgan-trace.npz"
METRICS = ("d_loss", "g_loss", "d_real", "d_fake")
# Relative. Over the trace's 40 steps PyTorch float32 and float64 differ by up to 2.3e-7 (float32's
# own noise) and GAN Studio by up to 3.8e-7 from PyTorch float32; another BLAS sums in another
# order, hence the margin. A spectral norm iterating in the other order parts by 8e-4.
TOLERANCE = 1e-5
FLOAT64_TOLERANCE = 1e-12


class RecordedNoise:
    """The trace's noise, one (n, latent) draw per step, for a GAN of any dtype."""

    def __init__(self, noise: np.ndarray) -> None:
        self._draws = iter(noise)

    def standard_normal(self, *args, out: np.ndarray, **kwargs) -> np.ndarray:
        out[...] = next(self._draws)
        return out


def trained_metrics(dtype: type) -> tuple[dict[str, list[float]], np.lib.npyio.NpzFile]:
    """GAN Studio's metrics per step, in `dtype`, from the trace's start on its batches and noise."""
    trace = np.load(TRACE)
    config = from_toml(str(trace["config"]), str(TRACE))
    gan = build_gan(config, np.random.default_rng(0), dtype)
    for net, key in ((gan.generator, "g"), (gan.discriminator, "d")):
        net.params.values[...] = trace[f"initial/{key}/params"]
        net.buffers.values[...] = trace[f"initial/{key}/buffers"]
    batches = scale_pixels(trace["pixels"], config.value_range).astype(dtype)  # (steps, n, 784)
    noise = trace["noise"]  # (steps, n, latent): one draw per step from default_rng(noise_seed)
    seed = int(trace["noise_seed"])
    assert np.array_equal(np.random.default_rng(seed).standard_normal(noise.shape, np.float32), noise), (
        "NumPy's normal stream is not the one recorded: write the trace again"
    )
    rng = RecordedNoise(noise)
    ours = {m: [] for m in METRICS}
    for step, batch in enumerate(batches):
        metrics = gan.train_step(lambda batch=batch: batch, rng, step, 0)
        for m in METRICS:
            ours[m].append(getattr(metrics, m))
    return ours, trace


def test_the_conv_gan_trains_as_pytorch_does_step_for_step():
    ours, trace = trained_metrics(np.float32)
    for m in METRICS:
        theirs = trace[f"torch32/{m}"]
        np.testing.assert_allclose(ours[m], theirs, rtol=TOLERANCE, err_msg=f"{m} parts from PyTorch's")


def test_in_float64_the_conv_gan_does_pytorchs_arithmetic():
    """Float64 leaves no room for rounding to explain a difference: over the trace's 40 steps
    GAN Studio and PyTorch agree to 1e-12 (measured: 8e-16), where a wrong term in any layer's
    forward, backward or update shows from the first step."""
    ours, trace = trained_metrics(np.float64)
    for m in METRICS:
        np.testing.assert_allclose(ours[m], trace[f"torch64/{m}"], rtol=FLOAT64_TOLERANCE, err_msg=f"{m} parts from PyTorch's")
