"""How different samples from different noise are: the near-identical-samples detector's figure.

``mean_pairwise_distance`` is the mean Euclidean distance over all pairs of rows. Divided by the
same figure for real data it gives the *diversity ratio*: about 1 for a generator as varied as
the data, near 0 when different noise gives near-identical samples (mode collapse).
"""

from __future__ import annotations

import numpy as np

PAIRWISE_SAMPLES = 500  # rows used: 124,750 pairs, a (500, 500) Gram matrix


def mean_pairwise_distance(x: np.ndarray) -> float:
    """x: (n, d), n >= 2 -> mean distance over the n (n - 1) / 2 pairs of distinct rows."""
    x = np.asarray(x, np.float64)
    sq = np.einsum("ij,ij->i", x, x)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    n = len(x)
    upper = np.triu_indices(n, k=1)
    return float(np.sqrt(np.clip(d2[upper], 0.0, None)).mean())


def diversity_ratio(samples: np.ndarray, real_distance: float) -> float:
    """samples: (n, d) -> their mean pairwise distance over that of the real data (the first
    PAIRWISE_SAMPLES rows are used)."""
    return mean_pairwise_distance(samples[:PAIRWISE_SAMPLES]) / real_distance
