"""Weight initializers. Each fills a (fan_in, fan_out) float32 array in place from the RNG."""

from __future__ import annotations

import math

import numpy as np

INITIALIZERS = ("xavier_normal", "xavier_uniform", "he_normal", "normal")


def initialize(w: np.ndarray, kind: str, rng: np.random.Generator, std: float = 0.02) -> None:
    """Fill `w` (fan_in, fan_out) in place.

    xavier_normal: N(0, 2/(fan_in+fan_out)); xavier_uniform: U(+-sqrt(6/(fan_in+fan_out)));
    he_normal: N(0, 2/fan_in); normal: N(0, std^2).
    """
    fan_in, fan_out = w.shape
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
