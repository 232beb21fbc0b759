"""2D mode-collapse metrics, as the literature defines them (VEEGAN, PacGAN, Unrolled GAN).

A sample is *high-quality* when it lies within 3 standard deviations (Euclidean distance
``<= 3 * std``) of its nearest mode centre; a mode is *covered* when it is the nearest mode of
at least one high-quality sample. Published figures use 2,500 samples (``REPORT_SAMPLES``) and
PacGAN's distributions: a ring of 8 modes on radius 1 with std 0.01, a grid of 25 modes at
{-4, -2, 0, 2, 4}^2 with std 0.05 (``ganstudio.data.toy_spec`` gives both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REPORT_SAMPLES = 2500
HQ_STDS = 3.0


@dataclass(frozen=True)
class ModeReport:
    """modes_covered of n_modes; high_quality: fraction of samples in [0, 1]; mode_shares:
    (n_modes,) fraction of all samples that are high-quality samples of each mode."""

    modes_covered: int
    n_modes: int
    high_quality: float
    mode_shares: np.ndarray


def mode_report(samples: np.ndarray, modes: np.ndarray, std: float) -> ModeReport:
    """samples: (n, 2), modes: (K, 2) centres, std: the data's std around each centre."""
    samples = np.asarray(samples, np.float64)
    d2 = ((samples[:, None, :] - np.asarray(modes, np.float64)[None, :, :]) ** 2).sum(axis=2)
    nearest = d2.argmin(axis=1)
    good = np.sqrt(d2[np.arange(len(samples)), nearest]) <= HQ_STDS * float(std)
    counts = np.bincount(nearest[good], minlength=len(modes))
    return ModeReport(int((counts > 0).sum()), len(modes), float(good.mean()), counts / len(samples))
