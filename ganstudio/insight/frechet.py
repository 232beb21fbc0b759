"""The Frechet distance between two Gaussians fitted to feature sets (the FID's formula).

    d^2 = |mu_1 - mu_2|^2 + tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))

NumPy only: tr((S_1 S_2)^(1/2)) = tr((A S_2 A)^(1/2)) with A = S_1^(1/2), and both square
roots are of symmetric positive semi-definite matrices, taken through ``eigh`` (negative
eigenvalues from rounding are clipped to zero). Statistics are float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FeatureStats:
    """mean (f,) and covariance (f, f) of a feature set, float64, plus the symmetric square root
    of the covariance (f, f), kept for the distance's reference side."""

    mean: np.ndarray
    cov: np.ndarray
    sqrt_cov: np.ndarray


def psd_sqrt(m: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric positive semi-definite (f, f) matrix."""
    w, v = np.linalg.eigh((m + m.T) * 0.5)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def feature_stats(features: np.ndarray) -> FeatureStats:
    """features: (n, f), n >= 2 -> their mean and (unbiased) covariance."""
    f = np.asarray(features, np.float64)
    cov = np.cov(f, rowvar=False)
    return FeatureStats(f.mean(axis=0), cov, psd_sqrt(cov))


def frechet_distance(reference: FeatureStats, other: FeatureStats) -> float:
    """The squared Frechet distance between the Gaussians of `reference` and `other` (>= 0)."""
    diff = reference.mean - other.mean
    a = reference.sqrt_cov
    w = np.linalg.eigvalsh(a @ other.cov @ a)
    cross = float(np.sqrt(np.clip(w, 0.0, None)).sum())
    return max(0.0, float(diff @ diff + np.trace(reference.cov) + np.trace(other.cov) - 2.0 * cross))
