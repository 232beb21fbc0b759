"""Learning-rate schedules as pure functions of the step or the epoch.

A schedule gives a *factor* that multiplies each network's base learning rate:
``lr = base_lr * factor(spec, step, epoch)``, which each optimizer applies itself
(engine/optimizers.py, ``lr_in_effect``). `spec.unit` says explicitly whether the
schedule's clock `t` is the step count (generator updates so far) or the epoch count
(completed passes over the data). Being closed-form, a resumed run gets exactly the same lr;
every value is a Python float, so float32 parameters never get promoted to float64.

kinds (t = step or epoch, per `unit`):
- constant:      1
- step:          gamma ** floor(t / step_size)
- exponential:   gamma ** t
- inverse_time:  1 / (1 + decay * t)
- cosine:        linear warm-up (t + 1) / warmup for t < warmup, then
                 min_factor + (1 - min_factor) * (1 + cos(pi * p)) / 2, p = (t - warmup) / (total - warmup) capped at 1
- two_phase:     1 for t < boundary, then `factor` (the "drop by a factor after the first phase" trick)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SCHEDULES = ("constant", "step", "exponential", "inverse_time", "cosine", "two_phase")
UNITS = ("step", "epoch")


@dataclass(frozen=True)
class ScheduleSpec:
    kind: str = "constant"
    unit: str = "step"
    gamma: float = 0.5
    step_size: int = 1000
    decay: float = 1e-4
    warmup: int = 0
    total: int = 10000
    min_factor: float = 0.0
    boundary: int = 5000
    factor: float = 0.01


def lr_factor(spec: ScheduleSpec, step: int, epoch: int) -> float:
    """The multiplier of the base lr at this step/epoch (a Python float)."""
    t = int(step) if spec.unit == "step" else int(epoch)
    kind = spec.kind
    if kind == "constant":
        return 1.0
    if kind == "step":
        return float(spec.gamma) ** (t // int(spec.step_size))
    if kind == "exponential":
        return float(spec.gamma) ** t
    if kind == "inverse_time":
        return 1.0 / (1.0 + float(spec.decay) * t)
    if kind == "cosine":
        warmup = int(spec.warmup)
        if t < warmup:
            return (t + 1) / warmup
        span = max(int(spec.total) - warmup, 1)
        progress = min((t - warmup) / span, 1.0)
        return float(spec.min_factor) + (1.0 - float(spec.min_factor)) * 0.5 * (1.0 + math.cos(math.pi * progress))
    if kind == "two_phase":
        return 1.0 if t < int(spec.boundary) else float(spec.factor)
    raise ValueError(f"unknown schedule {kind!r}; choose one of {', '.join(SCHEDULES)}")
