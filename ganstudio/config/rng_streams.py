"""The run's independent random streams, derived from its seed.

Training draws (initial weights, data order, noise, dropout) come from `default_rng(seed)`, owned
by the run state. Everything that only *looks* at a run draws from a stream of its own, so that
looking never changes the run: the same seed gives the same run, bit for bit, whatever is shown.
"""

from __future__ import annotations

import numpy as np

FIXED_NOISE = 1  # the noise batch behind the sample grid and the recorded frames
INSIGHT = 2  # the insight checks' samples, one stream per step: (seed, INSIGHT, step)


def stream(seed: int, stream_id: int, *more: int) -> np.random.Generator:
    """The generator of stream `stream_id` of a run with `seed` (with `more` ids, e.g. a step)."""
    return np.random.default_rng([seed, stream_id, *more])
