"""GAN Studio against PyTorch on training dynamics: the same GAN, the same start, the same batches.

For each preset, the GAN a run builds from it (run/state.py: the run's seed, its random
generator, its batch iterator over MNIST) trains for N steps; an identical PyTorch GAN (G and D
from scripts/torch_reference.py, NCHW) starts from a copy of its initial weights (batch norm's
running statistics and spectral norm's power-iteration vectors included) and takes the same
steps on the same real batches and the same noise (what GAN Studio's generator drew, recorded).
The PyTorch step is GAN Studio's (engine/gan.py): per iteration `d_steps` D updates, each on
G(fresh noise) stacked under a fresh real batch, then one G update on the last D update's fakes
through the updated D; the non-saturating loss as batch means, one-sided label smoothing; Adam
(torch.optim.Adam, whose bias correction and eps are GAN Studio's); batch norm in training mode
with momentum 0.1 and eps 1e-5; spectral norm iterating once per training forward; the EMA of G's
weights with GAN Studio's warm-up. A preset's dropout in D is left out (compare_preset).

A third copy trains in float64 from the same start: |torch float32 - torch float64| is what
float32 rounding alone does to the run. It grows to O(1) within about 100 steps (Adam turns
rounding in near-zero gradients into full-size steps, and the two networks amplify any change),
so no float32 implementation can match another for hundreds of steps. Two float32 engines part
about when float32 meets float64, but not exactly then: gradients of the size of Adam's eps
(1e-8) come out of differently ordered sums with different rounding, and Adam's step there
follows the rounding. So GAN Studio also trains in float64 beside PyTorch float64: the same
arithmetic agrees there to float64 rounding, 1e-15 at first, and stays within EXACT_TOLERANCE
for many times the steps float32 takes to pass it. That is the check a bug would fail.

    python scripts/torch_dynamics.py [--steps 500] [--preset dcgan ...] [--data-dir DIR] [--json]
    python scripts/torch_dynamics.py --write-fixture tests/fixtures/torch-dcgan-trace.npz

`--write-fixture` records a short trace of a tiny DCGAN (FIXTURE_SETTINGS, FIXTURE_STEPS steps)
for tests/test_engine_torch_trace.py, which checks it without PyTorch. Needs torch (CPU build)
and the MNIST training set.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch_reference import torch_network

from ganstudio.config.model import RunConfig, to_toml
from ganstudio.config.presets import load_preset
from ganstudio.data import load_dataset
from ganstudio.data.images import scale_pixels
from ganstudio.engine.conv import Conv2d, ConvTranspose2d, UpsampleConv2d
from ganstudio.engine.convnet import Reshape
from ganstudio.engine.gan import GAN, STANDING_SAMPLES, STANDING_SEED
from ganstudio.engine.layers import Dense
from ganstudio.engine.norm import BatchNorm
from ganstudio.run.state import RunState, build_gan

PRESETS = ("dcgan", "dcgan-mlp-d", "recommended")
METRICS = ("d_loss", "g_loss", "d_real", "d_fake")
WINDOWS = (100, 300, 500)
THRESHOLDS = (1e-4, 1e-3, 1e-2, 1e-1)  # relative differences whose first crossing is reported
NOISE_FACTOR = 10.0  # GAN Studio parts from PyTorch when its difference exceeds this many times float32's own
NOISE_FLOOR = 1e-5  # ... and this relative difference (float32 resolves ~1e-7; sums of a batch lose a little more)
EXACT_TOLERANCE = 1e-6  # float64 GAN Studio against float64 PyTorch: the same arithmetic stays within this
SCALE_FLOOR = 1e-3  # relative differences are taken against max(|PyTorch's value|, this)
EMA_SAMPLES = 64  # noise vectors the EMA generators are compared on
EMA_SEED = 123

FIXTURE_SETTINGS = {
    "data.batch_size": 8,
    "generator.latent_size": 16,
    "generator.channels": [16, 8],
    "discriminator.channels": [8, 16],
}
FIXTURE_STEPS = 40
FIXTURE_NOISE_SEED = 7


# -- what GAN Studio draws ----------------------------------------------------------------------------
class RecordingRng:
    """The run's generator, recording every standard-normal draw (G's noise) as it is made."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self.draws: list[np.ndarray] = []

    def standard_normal(self, *args, **kwargs):
        out = self._rng.standard_normal(*args, **kwargs)
        self.draws.append(np.array(kwargs.get("out", out), copy=True))
        return out

    def __getattr__(self, name):
        return getattr(self._rng, name)

    def take(self) -> list[np.ndarray]:
        """The draws since the last call, oldest first."""
        draws, self.draws = self.draws, []
        return draws


class ReplayedNoise:
    """Gives a float64 GAN the noise recorded from the float32 run, draw by draw."""

    def __init__(self, draws: list[np.ndarray]) -> None:
        self._draws = list(draws)

    def standard_normal(self, *args, out: np.ndarray, **kwargs) -> np.ndarray:
        out[...] = self._draws.pop(0)
        return out


class RecordingBatches:
    """The run's batch iterator, keeping a copy of every real batch it gives."""

    def __init__(self, batches) -> None:
        self._batches = batches
        self.taken: list[np.ndarray] = []

    def next(self) -> np.ndarray:
        self.taken.append(self._batches.next().copy())
        return self.taken[-1]

    def take(self) -> list[np.ndarray]:
        """The batches since the last call, oldest first."""
        taken, self.taken = self.taken, []
        return taken


# -- GAN Studio's arrays in PyTorch's layouts --------------------------------------------------------
def nchw_order(c: int, h: int, w: int) -> np.ndarray:
    """Indices (c h w,) such that flat_nchw = flat_nhwc[order] for one (c, h, w) image."""
    return np.arange(c * h * w).reshape(h, w, c).transpose(2, 0, 1).ravel()


def weight_layers(net) -> list:
    """GAN Studio's layers holding parameters or buffers, input side first."""
    layers = getattr(net, "layers", [])
    return [layer for layer in layers if isinstance(layer, (Dense, Conv2d, ConvTranspose2d, BatchNorm))]


def torch_weight_layers(seq: nn.Sequential) -> list[nn.Module]:
    kinds = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d)
    return [m for m in seq if isinstance(m, kinds)]


def dense_order(net, layer: Dense) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(row order, column order) taking a conv net's dense weight (in, out) from NHWC to NCHW
    flattening where a reshape to or from images sits beside it; None where nothing moves."""
    layers = net.layers
    i = next(j for j, item in enumerate(layers) if item is layer)
    after = layers[i + 1] if i + 1 < len(layers) else None
    before = layers[i - 1] if i > 0 else None
    cols = nchw_order(after.c, after.h, after.w) if isinstance(after, Reshape) else None
    rows = nchw_order(before.c, before.h, before.w) if isinstance(before, Reshape) else None
    return rows, cols


def torch_arrays(net, layer) -> dict[str, np.ndarray]:
    """One GAN Studio layer's parameters and buffers by PyTorch name, in PyTorch's layout
    ("u", "v": spectral norm's vectors, u on the output side)."""
    if isinstance(layer, BatchNorm):
        gamma, beta = (layer._block.view(i)[0] for i in (layer._gamma, layer._beta))
        mean, var = (layer._buffers.view(i)[0] for i in (layer._mean, layer._var))
        return {"weight": gamma, "bias": beta, "running_mean": mean, "running_var": var}
    w, b = layer.w, layer.b
    if isinstance(layer, Dense):
        rows, cols = dense_order(net, layer)
        w = w if rows is None else w[rows]
        w, b = (w, b) if cols is None else (w[:, cols], b[cols])
        out = {"weight": w.T, "bias": b}
        if layer.sn is not None:
            out |= {"u": layer.sn.u, "v": layer.sn.v if rows is None else layer.sn.v[rows]}
        return out
    if isinstance(layer, Conv2d):  # (k, k, C_in, C_out) -> (C_out, C_in, k, k)
        out = {"weight": w.transpose(3, 2, 0, 1), "bias": b}
        if layer.sn is not None:  # v runs over the matrix rows (k, k, C_in); PyTorch's over (C_in, k, k)
            k, ci = layer.kernel, layer.in_channels
            out |= {"u": layer.sn.u, "v": layer.sn.v.reshape(k, k, ci).transpose(2, 0, 1).ravel()}
        return out
    if isinstance(layer, UpsampleConv2d):  # (C_in, k-1, k-1, C_out) -> (C_out, C_in, k-1, k-1): the Conv2d after nn.Upsample
        return {"weight": w.transpose(3, 0, 1, 2), "bias": b}
    return {"weight": w.transpose(0, 3, 1, 2), "bias": b}  # transposed: (C_in, k, k, C_out) -> (C_in, C_out, k, k)


def torch_tensor(module: nn.Module, name: str) -> torch.Tensor:
    """The tensor behind a PyTorch name of `module` (see :func:`torch_arrays`)."""
    sn = getattr(module, "parametrizations", None)
    if sn is not None and name in ("weight", "u", "v"):
        return sn.weight.original if name == "weight" else getattr(sn.weight[0], "_" + name)
    return getattr(module, name)


def pairs(net, seq: nn.Sequential) -> list[tuple[object, nn.Module]]:
    ours, theirs = weight_layers(net), torch_weight_layers(seq)
    assert len(ours) == len(theirs), f"{len(ours)} GAN Studio layers against {len(theirs)} PyTorch layers"
    return list(zip(ours, theirs))


def copy_into_torch(net, seq: nn.Sequential) -> None:
    """GAN Studio network `net`'s weights and buffers into its PyTorch twin `seq`."""
    with torch.no_grad():
        for layer, module in pairs(net, seq):
            for name, array in torch_arrays(net, layer).items():
                tensor = torch_tensor(module, name)
                tensor.copy_(torch.from_numpy(np.ascontiguousarray(array)).to(tensor.dtype).reshape(tensor.shape))


def max_weight_difference(net, seq: nn.Sequential) -> float:
    """Largest |GAN Studio - PyTorch| over the two networks' parameters."""
    worst = 0.0
    for layer, module in pairs(net, seq):
        arrays = torch_arrays(net, layer)
        for name in ("weight", "bias"):
            theirs = torch_tensor(module, name).detach().double().numpy()
            worst = max(worst, float(np.abs(arrays[name].reshape(theirs.shape) - theirs).max()))
    return worst


def refuse_unsupported(gan: GAN) -> None:
    """The PyTorch twin covers what the compared presets use: unconditional, Adam, the
    non-saturating loss, no dropout, no batch norm in D (GAN Studio's normalises real and fake
    apart, engine/norm.py)."""
    d, t = gan.discriminator.spec, gan.training
    kinds = {gan.g_optimizer.spec.kind, gan.d_optimizer.spec.kind}
    if gan.conditional or d.batch_norm or d.dropout or kinds != {"adam"} or t.loss != "non_saturating":
        raise SystemExit("torch_dynamics: only unconditional Adam non-saturating GANs without D batch norm or dropout")


# -- the PyTorch side --------------------------------------------------------------------------------
class TorchGAN:
    """G and D of `gan`'s specs in PyTorch with `gan`'s current weights, trained by GAN Studio's step."""

    def __init__(self, gan: GAN, dtype: torch.dtype) -> None:
        refuse_unsupported(gan)
        self.g, self.d = torch_network(gan.generator.spec), torch_network(gan.discriminator.spec)
        copy_into_torch(gan.generator, self.g)
        copy_into_torch(gan.discriminator, self.d)
        self.g.to(dtype).train()
        self.d.to(dtype).train()
        self.dtype = dtype
        self.opts = {
            net: torch.optim.Adam(module.parameters(), spec.lr, betas=(spec.beta1, spec.beta2), eps=spec.eps)
            for net, module, spec in (("g", self.g, gan.g_optimizer.spec), ("d", self.d, gan.d_optimizer.spec))
        }
        training = gan.training
        self.real_target = 1.0 - training.label_smoothing
        self.ema_decay = training.ema_decay if training.ema else None
        self.ema = [p.detach().clone() for p in self.g.parameters()]
        self.ema_t = 0

    def tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array).to(self.dtype)

    def step(self, reals: list[np.ndarray], noises: list[np.ndarray]) -> dict[str, float]:
        """One iteration: a D update per (real (n, D), noise (n, latent)) pair, then G's update."""
        for real, noise in zip(reals, noises):
            fake = self.g(self.tensor(noise))
            n = fake.shape[0]
            logits = self.d(torch.cat([self.tensor(real), fake.detach()]))
            real_logits, fake_logits = logits[:n], logits[n:]
            d_loss = F.binary_cross_entropy_with_logits(
                real_logits, torch.full_like(real_logits, self.real_target)
            ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
            self.opts["d"].zero_grad(set_to_none=True)
            d_loss.backward()
            self.opts["d"].step()
        self.d.requires_grad_(False)
        g_logits = self.d(fake)
        g_loss = F.binary_cross_entropy_with_logits(g_logits, torch.ones_like(g_logits))
        self.opts["g"].zero_grad(set_to_none=True)
        g_loss.backward()
        self.opts["g"].step()
        self.d.requires_grad_(True)
        self.update_ema()
        return {
            "d_loss": d_loss.item(),
            "g_loss": g_loss.item(),
            "d_real": torch.sigmoid(real_logits).mean().item(),
            "d_fake": torch.sigmoid(fake_logits).mean().item(),
        }

    @torch.no_grad()
    def update_ema(self) -> None:
        """GAN Studio's EMA (engine/optimizers.EMA): decay min(decay, (1 + t) / (10 + t))."""
        if self.ema_decay is None:
            return
        self.ema_t += 1
        d = min(self.ema_decay, (1.0 + self.ema_t) / (10.0 + self.ema_t))
        for shadow, p in zip(self.ema, self.g.parameters()):
            shadow += (1.0 - d) * (p - shadow)

    @torch.no_grad()
    def ema_samples(self, z: np.ndarray, standing: np.ndarray) -> np.ndarray:
        """The EMA generator's samples (n, data_size) for z (n, latent), with batch-norm statistics
        measured on `standing` (m, latent) layer by layer, as GAN Studio's standing statistics
        (unbiased variance)."""
        live = [p.detach().clone() for p in self.g.parameters()]
        for p, shadow in zip(self.g.parameters(), self.ema):
            p.copy_(shadow)
        self.g.eval()
        h = self.tensor(standing)
        saved = []
        for module in self.g:
            if isinstance(module, nn.BatchNorm2d):
                saved.append((module, module.running_mean.clone(), module.running_var.clone()))
                module.running_mean.copy_(h.mean(dim=(0, 2, 3)))
                module.running_var.copy_(h.var(dim=(0, 2, 3), unbiased=True))
            h = module(h)
        samples = self.g(self.tensor(z))
        for module, mean, var in saved:
            module.running_mean.copy_(mean)
            module.running_var.copy_(var)
        for p, value in zip(self.g.parameters(), live):
            p.copy_(value)
        self.g.train()
        return samples.double().numpy()


# -- the comparison ----------------------------------------------------------------------------------
@dataclass
class Trace:
    """Per step, each metric of GAN Studio (float32 and float64) and PyTorch (float32 and float64)."""

    ours: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METRICS})
    ours64: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METRICS})
    torch32: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METRICS})
    torch64: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METRICS})

    def add(self, ours: dict, ours64: dict, t32: dict, t64: dict) -> None:
        for m in METRICS:
            self.ours[m].append(ours[m])
            self.ours64[m].append(ours64[m])
            self.torch32[m].append(t32[m])
            self.torch64[m].append(t64[m])


def relative(a: list[float], b: list[float]) -> np.ndarray:
    """|a - b| / max(|b|, SCALE_FLOOR), per step."""
    a, b = np.asarray(a), np.asarray(b)
    return np.abs(a - b) / np.maximum(np.abs(b), SCALE_FLOOR)


def summarise(trace: Trace) -> dict:
    """Per metric and window: the largest relative difference of GAN Studio from PyTorch float32,
    of PyTorch float32 from float64 (float32's noise) and of GAN Studio float64 from PyTorch
    float64; the first step where GAN Studio float32 parts from PyTorch beyond NOISE_FACTOR times
    the noise seen so far (and NOISE_FLOOR); per threshold, the first step beyond it."""
    steps = len(trace.ours["d_loss"])
    ours = np.stack([relative(trace.ours[m], trace.torch32[m]) for m in METRICS])  # (metrics, steps)
    noise = np.stack([relative(trace.torch32[m], trace.torch64[m]) for m in METRICS])
    exact = np.stack([relative(trace.ours64[m], trace.torch64[m]) for m in METRICS])
    envelope = np.maximum.accumulate(noise.max(axis=0))
    apart = np.nonzero(ours.max(axis=0) > np.maximum(NOISE_FACTOR * envelope, NOISE_FLOOR))[0]
    windows = [w for w in WINDOWS if w < steps] + [steps]
    return {
        "steps": steps,
        "windows": {
            str(w): {
                "ganstudio_vs_torch": {m: float(ours[i, :w].max()) for i, m in enumerate(METRICS)},
                "torch32_vs_torch64": {m: float(noise[i, :w].max()) for i, m in enumerate(METRICS)},
                "ganstudio64_vs_torch64": {m: float(exact[i, :w].max()) for i, m in enumerate(METRICS)},
            }
            for w in windows
        },
        "first_apart": int(apart[0]) if apart.size else None,
        "first_step_beyond": {
            f"{t:g}": {"ganstudio_vs_torch": first_beyond(ours, t), "torch32_vs_torch64": first_beyond(noise, t)}
            for t in THRESHOLDS
        },
        "float64_first_beyond_exact": first_beyond(exact, EXACT_TOLERANCE),
        "float32_first_beyond_exact": first_beyond(noise, EXACT_TOLERANCE),
    }


def first_beyond(differences: np.ndarray, threshold: float) -> int | None:
    """The first step where any metric's difference (metrics, steps) exceeds `threshold`."""
    beyond = np.nonzero(differences.max(axis=0) > threshold)[0]
    return int(beyond[0]) if beyond.size else None


def load_mnist(config: RunConfig, data_dir: str | None):
    d = config.data
    return load_dataset(
        d.dataset, value_range=config.value_range, data_dir=data_dir, image_size=d.image_size, seed=config.seed, download=False
    )


def trace_run(
    config: RunConfig, steps: int, data_dir: str | None, noise_rng: np.random.Generator | None = None
) -> tuple[GAN, dict, Trace, list, list, TorchGAN]:
    """Train the run's GAN of `config`, its float64 twin and its two PyTorch twins for `steps`
    iterations. Noise is drawn by the run's generator, or by `noise_rng` when given. Returns (the
    GAN, its initial state, the trace, the real batches and the noise batches per step, the
    PyTorch float32 twin)."""
    dataset = load_mnist(config, data_dir)
    state = RunState(config, lambda _config: dataset)
    gan = state.gan
    initial = gan.state_dict()
    gan64 = build_gan(config, np.random.default_rng(0), np.float64)
    gan64.load_state_dict(initial)
    twins = TorchGAN(gan, torch.float32), TorchGAN(gan, torch.float64)
    rng = RecordingRng(noise_rng if noise_rng is not None else state.rng)
    batches = RecordingBatches(state.batches)
    trace, reals_per_step, noises_per_step = Trace(), [], []
    for _ in range(steps):
        m = gan.train_step(batches.next, rng, state.step, state.epoch)
        reals, noises = batches.take(), rng.take()
        next_real64 = iter([r.astype(np.float64) for r in reals]).__next__
        m64 = gan64.train_step(next_real64, ReplayedNoise(noises), state.step, state.epoch)
        state.step += 1
        t32, t64 = (twin.step(reals, noises) for twin in twins)
        trace.add({k: getattr(m, k) for k in METRICS}, {k: getattr(m64, k) for k in METRICS}, t32, t64)
        reals_per_step.append(reals)
        noises_per_step.append(noises)
    return gan, initial, trace, reals_per_step, noises_per_step, twins[0]


def compare_preset(name: str, steps: int, data_dir: str | None) -> dict:
    """The preset's run against its PyTorch twins, without dropout in D: PyTorch cannot draw
    GAN Studio's masks, and dropout only zeroes and rescales what the compared layers compute."""
    config = load_preset(name)
    dropout = config.discriminator.dropout
    if dropout:
        config = config.with_values({"discriminator.dropout": 0.0})
    gan, _, trace, _, _, twin = trace_run(config, steps, data_dir)
    result = {"preset": name, "dropout_left_out": dropout, "summary": summarise(trace), "trace": trace.__dict__}
    result["final_weights_max_abs_diff"] = {
        "g": max_weight_difference(gan.generator, twin.g),
        "d": max_weight_difference(gan.discriminator, twin.d),
    }
    if gan.ema is not None:
        z = np.random.default_rng(EMA_SEED).standard_normal((EMA_SAMPLES, gan.latent_size), dtype=np.float32)
        ours = gan.sample(z, use_ema=True).astype(np.float64)
        standing = np.random.default_rng(STANDING_SEED).standard_normal((STANDING_SAMPLES, gan.latent_size), dtype=np.float32)
        result["ema_samples_max_abs_diff"] = float(np.abs(ours - twin.ema_samples(z, standing)).max())
    return result


def write_fixture(path: Path, data_dir: str | None) -> None:
    """A tiny DCGAN's trace for tests/test_engine_torch_trace.py: its config, initial weights and
    buffers, the real batches as uint8 pixels, the noise (default_rng(noise_seed), one
    (n, latent) draw per step) and PyTorch float32's and float64's metrics per step."""
    config = load_preset("dcgan").with_values(FIXTURE_SETTINGS)
    assert config.training.d_steps == 1
    noise_rng = np.random.default_rng(FIXTURE_NOISE_SEED)
    _, initial, trace, reals, noises, _ = trace_run(config, FIXTURE_STEPS, data_dir, noise_rng)
    batches = np.stack([r[0] for r in reals])
    pixels = np.rint((batches + 1.0) * 127.5).astype(np.uint8)
    assert np.array_equal(scale_pixels(pixels, config.value_range), batches), "the batches are not MNIST's pixels"
    np.savez_compressed(
        path,
        config=np.array(to_toml(config)),
        **{f"initial/{k}": initial[k] for k in ("g/params", "d/params", "g/buffers", "d/buffers") if k in initial},
        pixels=pixels,
        noise_seed=np.array(FIXTURE_NOISE_SEED),
        noise=np.stack([n[0] for n in noises]),
        **{f"torch32/{m}": np.asarray(trace.torch32[m], np.float64) for m in METRICS},
        **{f"torch64/{m}": np.asarray(trace.torch64[m], np.float64) for m in METRICS},
        **{f"ganstudio/{m}": np.asarray(trace.ours[m], np.float64) for m in METRICS},
    )
    summary = summarise(trace)["windows"][str(FIXTURE_STEPS)]
    print(f"wrote {path} ({path.stat().st_size // 1024} KB), torch {torch.__version__}")
    print_windows({str(FIXTURE_STEPS): summary})


# -- output ------------------------------------------------------------------------------------------
def print_windows(windows: dict) -> None:
    print(f"  {'steps':>5}  {'max rel. diff':<14}" + "".join(f"{m:>10}" for m in METRICS))
    for w, figures in windows.items():
        for label, key in (
            ("ganstudio-torch", "ganstudio_vs_torch"),
            ("torch32-torch64", "torch32_vs_torch64"),
            ("float64 both", "ganstudio64_vs_torch64"),
        ):
            print(f"  {w:>5}  {label:<14}" + "".join(f"{figures[key][m]:10.1e}" for m in METRICS))


def print_result(result: dict) -> None:
    s = result["summary"]
    apart = s["first_apart"]
    verdict = "float32 within float32 noise" if apart is None else f"float32 apart from step {apart}"
    without = f" (its D's dropout {result['dropout_left_out']:g} left out)" if result["dropout_left_out"] else ""
    print(f"{result['preset']}{without}: {s['steps']} steps, {verdict}")
    print_windows(s["windows"])
    crossings = s["first_step_beyond"]
    print("  first step beyond " + ", ".join(crossings) + " (ganstudio-torch / torch32-torch64): ", end="")
    print(", ".join(f"{c['ganstudio_vs_torch']}/{c['torch32_vs_torch64']}" for c in crossings.values()))
    exact, noise = s["float64_first_beyond_exact"], s["float32_first_beyond_exact"]
    held = f"until step {exact}" if exact is not None else f"for all {s['steps']} steps"
    print(f"  float64, GAN Studio against PyTorch: within {EXACT_TOLERANCE:g} {held}", end="")
    print(f" (float32 against float64: until step {noise})")
    w = result["final_weights_max_abs_diff"]
    line = f"  final weights max |diff|: G {w['g']:.1e}, D {w['d']:.1e}"
    if "ema_samples_max_abs_diff" in result:
        line += f"; EMA samples max |diff| {result['ema_samples_max_abs_diff']:.1e}"
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--preset", action="append", choices=PRESETS, help="only these (repeatable)")
    parser.add_argument("--data-dir", default="/work/shared/data/mnist", help="the folder holding MNIST")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch's threads")
    parser.add_argument("--json", action="store_true", help="print the results, per-step traces included, as JSON")
    parser.add_argument("--write-fixture", type=Path, metavar="NPZ", help="write the tiny DCGAN's trace for the tests")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.write_fixture:
        write_fixture(args.write_fixture, args.data_dir)
        return 0
    results = []
    for name in args.preset or PRESETS:
        results.append(compare_preset(name, args.steps, args.data_dir))
        if not args.json:
            print_result(results[-1])
            sys.stdout.flush()
    if args.json:
        print(json.dumps({"torch": torch.__version__, "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
