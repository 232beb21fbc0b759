"""2D toy distributions, the standard mode-collapse benchmarks, with their known modes.

- ``ring8``: 8 Gaussians at angles ``2*pi*k/8`` on the unit circle, std 0.01 (PacGAN's setting;
  not the often copied ``linspace(0, 2*pi, 8)`` version, whose first and last modes coincide).
- ``grid25``: 25 Gaussians at ``{-4, -2, 0, 2, 4}^2``, std 0.05 (PacGAN's setting).
- ``spiral``: an Archimedean spiral ``r = theta / (2*pi)``, ``theta`` in ``[pi, 4*pi]``
  (1.5 turns from radius 0.5 to 2), sampled uniformly along its length, Gaussian noise std 0.1.
- ``moons``: two interleaved half circles of radius 1 (scikit-learn's ``make_moons`` shape,
  centred on the origin), sampled uniformly along their length, Gaussian noise std 0.05.

Every toy has mode centres ``(K, 2)`` and a ``std``: the standard deviation of the samples around
them. For the two curves, whose samples have no discrete modes, the centres are placed along each
curve at equal arc-length steps of about ``4 * std`` (``spiral`` has 30, ``moons`` 2 x 16), so
that discs of radius ``3 * std`` around them overlap and tile the curve: a generator covering
the whole curve covers every mode, one collapsed onto a stretch of it covers a few.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from .curves import arc_length

TOY_NAMES = ("ring8", "grid25", "spiral", "moons")
_MODE_STEP_STDS = 4.0  # mode spacing along a curve, in noise standard deviations


@dataclass(frozen=True)
class _Toy:
    modes: np.ndarray  # (K, 2) float64 mode centres
    std: float  # noise standard deviation around them (or around the curves)
    curves: tuple[np.ndarray, ...] = ()  # dense polylines (M, 2); empty for a Gaussian mixture


def toy_spec(name: str) -> tuple[np.ndarray, float]:
    """Mode centres ``(K, 2)`` float32 and the std of the samples around them, for a toy."""
    toy = _toy(name)
    return toy.modes.astype(np.float32), toy.std


def sample_toy(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points ``(n, 2)`` float32 drawn from the toy distribution ``name`` with ``rng``."""
    toy = _toy(name)
    if not toy.curves:
        centres = toy.modes[rng.integers(len(toy.modes), size=n)]
    else:
        lengths = [arc_length(c)[-1] for c in toy.curves]
        which = rng.choice(len(toy.curves), size=n, p=np.divide(lengths, sum(lengths)))
        centres = np.empty((n, 2))
        for i, curve in enumerate(toy.curves):
            on = which == i
            centres[on] = _at_lengths(curve, rng.uniform(0.0, lengths[i], size=on.sum()))
    return (centres + rng.normal(0.0, toy.std, size=(n, 2))).astype(np.float32)


@cache
def _toy(name: str) -> _Toy:
    if name == "ring8":
        angles = 2 * np.pi * np.arange(8) / 8
        return _Toy(np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.01)
    if name == "grid25":
        xs, ys = np.meshgrid(np.arange(-4.0, 5.0, 2.0), np.arange(-4.0, 5.0, 2.0), indexing="ij")
        return _Toy(np.stack([xs.ravel(), ys.ravel()], axis=1), 0.05)
    t = np.linspace(0.0, 1.0, 4001)
    if name == "spiral":
        theta = np.pi + 3 * np.pi * t
        radius = theta / (2 * np.pi)
        return _along((np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1),), 0.1)
    if name == "moons":
        a = np.pi * t
        upper = np.stack([np.cos(a) - 0.5, np.sin(a) - 0.25], axis=1)
        lower = np.stack([0.5 - np.cos(a), 0.25 - np.sin(a)], axis=1)
        return _along((upper, lower), 0.05)
    raise KeyError(name)


def _along(curves: tuple[np.ndarray, ...], std: float) -> _Toy:
    """A toy of samples along ``curves`` with modes every ~``4 * std`` of arc length."""
    modes = []
    for curve in curves:
        length = arc_length(curve)[-1]
        k = max(1, round(length / (_MODE_STEP_STDS * std)))
        modes.append(_at_lengths(curve, (np.arange(k) + 0.5) * length / k))
    return _Toy(np.concatenate(modes), std, curves)


def _at_lengths(curve: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Points ``(len(s), 2)`` at arc lengths ``s`` along the polyline ``curve``."""
    cum = arc_length(curve)
    return np.stack([np.interp(s, cum, curve[:, 0]), np.interp(s, cum, curve[:, 1])], axis=1)
