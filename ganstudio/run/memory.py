"""The memory a run needs, estimated from its config alone, and the check that refuses a run
that cannot fit before anything is allocated.

A legal config can still be absurd for the machine (60 hidden layers of 4096 units: about 16 GB
of weights and gradients for one network before its optimizer), and allocating it ends in a
MemoryError or the kernel's OOM killer. The session calls :func:`check_memory` before it builds
a run, rebuilds a network or applies a live change, and `ganstudio sample` before it builds the
checkpoint's networks.

For a network of P parameters, in float32 (4 bytes a value), the estimate counts what lives as
long as the run: weights and gradients (2 P), the optimizer's state and scratch
(:func:`ganstudio.engine.optimizers.arrays_per_parameter`: sgd 1 P, momentum and rmsprop 2 P,
adam 3 P), G's EMA (shadow and scratch, 2 P_G) when kept, and the divergence guard's restore
point (a copy of weights, optimizer states and EMA shadow). Activations, for a batch of n with
G's widths latent -> h_1..h_k -> data and D's data -> d_1..d_m -> 1 (sums over hidden widths):
G on n noise rows, n (latent + 2 sum h + data) (noise, layer outputs, input gradients); D on the
stacked 2n batch, 2n (data + (2 + 2 dropout) sum d + 1) (the stacked input, layer outputs, input
gradients and, with dropout, masks and masked outputs); D again on G's n samples in G's step,
n (data + (2 + 2 dropout) sum d + 1) (dropout keeps its mask and output per batch shape).
A conv net (engine/convnet.py) counts, per sample, what each layer's training buffers hold
(`LayerRow.floats`: outputs, padded copies, im2col columns and their gradients, batch-norm
arrays): G on n rows, D on 2n and again on n (its buffers are kept per batch shape).
Left out: the dataset, the interpreter and short-lived temporaries, so the estimate is a floor:
a run it refuses cannot fit, a run it admits may still be tight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.engine.network import NetworkSpec, describe
from ganstudio.engine.optimizers import arrays_per_parameter

BYTES = np.dtype(np.float32).itemsize  # the engine trains in float32
MEMINFO = Path("/proc/meminfo")


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a run keeps, by part: weights and gradients, optimizer state, EMA, restore point,
    activations."""

    weights: int
    optimizer: int
    ema: int
    restore_point: int
    activations: int

    @property
    def total(self) -> int:
        return self.weights + self.optimizer + self.ema + self.restore_point + self.activations

    def parts(self) -> str:
        """'weights and gradients 1.2 GB, optimizer state ...' for a message."""
        named = (
            ("weights and gradients", self.weights),
            ("optimizer state", self.optimizer),
            ("EMA", self.ema),
            ("restore point", self.restore_point),
            ("activations", self.activations),
        )
        return ", ".join(f"{name} {human(size)}" for name, size in named if size)


def parameter_count(spec: NetworkSpec) -> int:
    """Trainable parameters of a network of `spec` (an MLP: sum over layers of in * out + out)."""
    return sum(row.params for row in describe(spec))


def conv_activations(spec: NetworkSpec) -> int:
    """Floats per sample a conv net's training buffers keep (see the module docstring)."""
    return sum(row.floats for row in describe(spec))


def estimate(config: RunConfig) -> MemoryEstimate:
    """What a run of `config` keeps in memory (see the module docstring), in bytes."""
    g_spec, d_spec = config.generator_spec(), config.discriminator_spec()
    p_g, p_d = parameter_count(g_spec), parameter_count(d_spec)
    a_g, a_d = arrays_per_parameter(config.optimizer.g.kind), arrays_per_parameter(config.optimizer.d.kind)
    ema = p_g if config.training.ema else 0
    n, data = config.data.batch_size, config.data_size
    sum_h, sum_d = sum(g_spec.hidden), sum(d_spec.hidden)
    drop = sum_d if d_spec.dropout > 0 else 0  # per row and per array (mask, masked output) of D's dropout
    g_act = g_spec.input_size + (conv_activations(g_spec) if g_spec.kind == "conv" else 2 * sum_h + data)
    if d_spec.kind == "conv":
        activations = n * g_act + 2 * n * data + 3 * n * conv_activations(d_spec)
    else:
        activations = n * g_act + 3 * n * (data + 2 * sum_d + 2 * drop + 1)  # D on 2n rows, then on n
    return MemoryEstimate(
        weights=BYTES * 2 * (p_g + p_d),
        optimizer=BYTES * (a_g * p_g + a_d * p_d),
        ema=BYTES * 2 * ema,
        restore_point=BYTES * (a_g * p_g + a_d * p_d + ema),  # weights and state, no scratch
        activations=BYTES * activations,
    )


def available_memory(meminfo: str | Path | None = None) -> int | None:
    """Bytes the kernel says can be allocated without swapping (MemAvailable in `meminfo`,
    default /proc/meminfo), None where unknown."""
    try:
        for line in Path(meminfo or MEMINFO).read_text().splitlines():
            name, _, value = line.partition(":")
            if name == "MemAvailable":
                number, unit = (value.split() + ["B"])[:2]
                return int(number) * (1024 if unit.lower() == "kb" else 1)
    except (OSError, ValueError):
        pass
    return None


def check_memory(config: RunConfig, *, current: RunConfig | None = None, available: int | None = None) -> None:
    """Raise ConfigError, giving the estimate and the limit, when a run of `config` cannot fit in
    `available` bytes (default: :func:`available_memory`; unknown: never refuse). With `current`
    (a live change of a run that already holds its memory), only the growth must fit."""
    need = estimate(config)
    held = estimate(current).total if current is not None else 0
    if need.total - held <= 0:
        return
    if available is None:
        available = available_memory()
    if available is None or need.total - held <= available:
        return
    what = (
        f"this run needs about {human(need.total)}"
        if current is None
        else f"this change needs about {human(need.total - held)} more"
    )
    raise ConfigError(
        f"not enough memory: {what} ({need.parts()}) and {human(available)} is available; "
        "use fewer or narrower hidden layers (generator.hidden, discriminator.hidden), fewer conv channels "
        "(generator.channels, discriminator.channels) or a smaller data.batch_size"
    )


def human(size: int) -> str:
    """1536 -> '1.5 kB', 3.2e9 -> '3.2 GB' (powers of 1000)."""
    units = ("B", "kB", "MB", "GB", "TB")
    exponent = min(len(units) - 1, int(math.log10(max(abs(size), 1)) // 3))
    return f"{size} B" if exponent == 0 else f"{size / 1000**exponent:.1f} {units[exponent]}"
