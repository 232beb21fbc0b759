"""PyTorch on the same training step as `ganstudio bench`, for comparison on this machine.

For each bench configuration, the same GAN in PyTorch (G and D as nn.Sequential built from the
bench's NetworkSpecs: the MLPs, or dcgan's conv nets with the same layers, batch norm, dropout and
spectral norm, NCHW as PyTorch prefers; the non-saturating loss on one stacked real + fake
batch through D, Adam 2e-4 beta1 0.5, the G step reusing the D step's fake batch and
back-propagating through D without D's weight gradients, a real MNIST batch gathered every
step): the same FLOPs as ganstudio.machine.bench.matmul_shapes. Its Adam is the fastest of PyTorch's
three implementations (for-loop, foreach, fused), chosen per config.

Rounds alternate `ganstudio bench --json --config NAME` (in a subprocess, so that the two BLAS
thread pools never spin against each other) with PyTorch's step in this process; each figure
is the median over rounds. PyTorch's roofline fraction uses the roofline that `ganstudio bench`
measured in the same round (NumPy's OpenBLAS, per shape), so the two fractions compare.

Needs torch in the environment that has ganstudio (`pip install torch` CPU build):

    python scripts/torch_reference.py [--rounds 5] [--seconds 3] [--data-dir DIR] [--config dcgan] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

from ganstudio.engine.convnet import conv_padding
from ganstudio.engine.network import NetworkSpec
from ganstudio.machine.bench import CONFIGS, BenchConfig, training_data

ADAM_VARIANTS = {"for-loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def activation(name: str, alpha: float) -> nn.Module:
    return {"relu": nn.ReLU(), "leaky_relu": nn.LeakyReLU(alpha), "tanh": nn.Tanh(), "linear": nn.Identity()}[name]


def torch_network(spec: NetworkSpec) -> nn.Sequential:
    """The engine's network of `spec` (MLP or conv, see engine/convnet.py) as nn.Sequential."""
    act = lambda i, last: activation(spec.output_activation if last else spec.hidden_activation, spec.alpha)  # noqa: E731
    drop = [nn.Dropout(spec.dropout)] if spec.dropout else []  # after each hidden activation, as the engine's
    if spec.kind == "mlp":
        sizes, layers = spec.sizes, []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = i == len(sizes) - 2
            layers += [nn.Linear(a, b), act(i, last)] + ([] if last else drop)
        return nn.Sequential(*layers)
    c, h, _ = spec.image_shape
    k, pad, chans = spec.kernel, conv_padding(spec.kernel), spec.channels
    sn = nn.utils.parametrizations.spectral_norm if spec.spectral_norm else (lambda m: m)
    if spec.output_size == 1:  # D
        layers, prev = [nn.Unflatten(1, (c, h, h))], c
        for i, ch in enumerate(chans):
            layers += (
                [sn(nn.Conv2d(prev, ch, k, 2, pad))]
                + ([nn.BatchNorm2d(ch)] if spec.batch_norm and i else [])
                + [act(i, False)]
                + drop
            )
            prev, h = ch, h // 2
        return nn.Sequential(*layers, nn.Flatten(), sn(nn.Linear(prev * h * h, 1)))
    h0 = h >> len(chans)
    layers = [nn.Linear(spec.input_size, chans[0] * h0 * h0), nn.Unflatten(1, (chans[0], h0, h0))]
    layers += ([nn.BatchNorm2d(chans[0])] if spec.batch_norm else []) + [act(0, False)]
    outs = (*chans[1:], c)
    for i, (a, b) in enumerate(zip(chans, outs)):
        last = i == len(outs) - 1
        if spec.upsample == "nearest":  # as a PyTorch user writes it: upsample, then convolve the larger image
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(a, b, k - 1, 1, pad)]
        else:
            layers.append(nn.ConvTranspose2d(a, b, k, 2, pad))
        layers += [nn.BatchNorm2d(b)] if spec.batch_norm and not last else []
        layers.append(act(i, last))
    return nn.Sequential(*layers, nn.Flatten())


class TorchGAN:
    """The bench GAN in PyTorch; :meth:`step` is one D update and one G update."""

    def __init__(self, config: BenchConfig, images: torch.Tensor, adam: dict) -> None:
        g_spec, d_spec = config.specs()
        self.latent = g_spec.input_size
        self.g, self.d = torch_network(g_spec), torch_network(d_spec)
        self.g_opt = torch.optim.Adam(self.g.parameters(), 2e-4, betas=(0.5, 0.999), **adam)
        self.d_opt = torch.optim.Adam(self.d.parameters(), 2e-4, betas=(0.5, 0.999), **adam)
        self.images = images  # (N, 784) float32 in [-1, 1]
        self.batch = config.batch
        self.bce = nn.BCEWithLogitsLoss(reduction="sum")
        self.real_target = torch.ones(config.batch, 1)
        self.stacked_targets = torch.cat([self.real_target, torch.zeros(config.batch, 1)])

    def step(self) -> None:
        n = self.batch
        real = self.images[torch.randint(0, len(self.images), (n,))]
        fake = self.g(torch.randn(n, self.latent))
        self.d_opt.zero_grad(set_to_none=True)
        (self.bce(self.d(torch.cat([real, fake.detach()])), self.stacked_targets) / n).backward()
        self.d_opt.step()
        self.d.requires_grad_(False)
        self.g_opt.zero_grad(set_to_none=True)
        (self.bce(self.d(fake), self.real_target) / n).backward()
        self.g_opt.step()
        self.d.requires_grad_(True)


def seconds_per_step(gan: TorchGAN, seconds: float) -> float:
    """Mean seconds per step over about `seconds` of steps (after a warm-up)."""
    for _ in range(10):
        gan.step()
    start, count = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        gan.step()
        count += 1
    return (time.perf_counter() - start) / count


def ganstudio_round(name: str, seconds: float, data_dir: str | None) -> dict:
    cmd = [sys.executable, "-m", "ganstudio", "bench", "--json", "--config", name, "--seconds", str(seconds)]
    if data_dir:
        cmd += ["--data-dir", data_dir]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ).stdout
    return json.loads(out)["configs"][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--data-dir")
    parser.add_argument(
        "--threads",
        type=int,
        help="both sides on N threads (torch.set_num_threads, GANSTUDIO_BLAS_THREADS); default: each its own",
    )
    parser.add_argument("--config", action="append", choices=[c.name for c in CONFIGS], help="only these (repeatable)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
        os.environ["GANSTUDIO_BLAS_THREADS"] = str(args.threads)
    images = torch.from_numpy(training_data(args.data_dir).x)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for config in [c for c in CONFIGS if not args.config or c.name in args.config]:
        variant = min(ADAM_VARIANTS, key=lambda v: seconds_per_step(TorchGAN(config, images, ADAM_VARIANTS[v]), 1.0))
        gan = TorchGAN(config, images, ADAM_VARIANTS[variant])
        ours, theirs, our_fraction, their_fraction = [], [], [], []
        for _ in range(args.rounds):
            row = ganstudio_round(config.name, args.seconds, args.data_dir)
            torch_step = seconds_per_step(gan, args.seconds)
            ours.append(row["steps_per_s"])
            theirs.append(1.0 / torch_step)
            our_fraction.append(row["roofline_fraction"])
            their_fraction.append(row["roofline_ms"] / 1e3 / torch_step)
        speedups = [a / b for a, b in zip(ours, theirs)]
        print(
            f"{config.name:<10} ganstudio {statistics.median(ours):7.1f} steps/s (roofline {statistics.median(our_fraction):.2f})"
            f" | torch, Adam {variant}: {statistics.median(theirs):7.1f} steps/s"
            f" (roofline {statistics.median(their_fraction):.2f})"
            f" | ganstudio / torch {statistics.median(speedups):.2f} (rounds {min(speedups):.2f}-{max(speedups):.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
