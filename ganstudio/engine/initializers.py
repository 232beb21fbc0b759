"""Weight initializers. Each fills a float32 weight array in place from the RNG: a Dense weight
(fan_in, fan_out), or a convolution kernel of any shape with its fans given."""

from __future__ import annotations

import math

import numpy as np

INITIALIZERS = ("xavier_normal", "xavier_uniform", "he_normal", "normal")


def initialize(
    w: np.ndarray, kind: str, rng: np.random.Generator, std: float = 0.02, fans: tuple[int, int] | None = None
) -> None:
    """Fill `w` in place: a (fan_in, fan_out) matrix, or any shape with `fans` = (fan_in, fan_out)
    (a k x k convolution from C_in to C_out channels: (k k C_in, k k C_out), PyTorch's convention).

    xavier_normal: N(0, 2/(fan_in+fan_out)); xavier_uniform: U(+-sqrt(6/(fan_in+fan_out)));
    he_normal: N(0, 2/fan_in); normal: N(0, std^2).
    """
    fan_in, fan_out = w.shape if fans is None else fans
    if kind == "xavier_normal":
        scale = math.sqrt(2.0 / (fan_in + fan_out))
    elif kind == "he_normal":
        scale = math.sqrt(2.0 / fan_in)
    elif kind == "normal":
        scale = float(std)
    elif kind == "xavier_uniform":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        rng.random(out=w, dtype=w.dtype)
        w *= 2.0 * limit
        w -= limit
        return
    else:
        raise ValueError(f"unknown initializer {kind!r}; choose one of {', '.join(INITIALIZERS)}")
    rng.standard_normal(out=w, dtype=w.dtype)
    w *= scale
