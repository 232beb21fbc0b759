"""Time a latent walk: 60 stops through three grid cells, drawn and rendered as strip and frames.

For each preset (default: `recommended`, an MLP generator, and `dcgan`, a conv one) the walk is
what `ganstudio walk RUN --cells 3,17,40 --frames 60` computes once the checkpoint is read: the
path, G on its 60 stops (the EMA generator when the preset keeps one), the grid batch its
endpoint cells are taken from, the strip and the 60 frames. The weights are the preset's
initial ones: the time does not depend on their values. The first walk also loads the compiled
kernels (numba, once per process) and measures the EMA generator's batch-norm statistics (kept
for later walks); the median of the next rounds is what dragging the stop count in the window
costs. Targets (docs/performance.md): `recommended` under 0.5 s, a conv generator under 1 s.
Prints wall seconds, the BLAS threads used and the load average (OpenBLAS's second thread
spins, so on a busy machine two threads are far slower than one: compare with --threads 1).

    python scripts/bench_walk.py [--preset recommended --preset dcgan] [--rounds 5] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info

from ganstudio.config.presets import load_preset
from ganstudio.machine.blas import set_blas_threads
from ganstudio.run.state import build_gan
from ganstudio.run.walk import cell_endpoints, walk_frames, walk_samples, walk_strip

STOPS = 60
CELLS = (3, 17, 40)


def walk_once(gan, config) -> float:
    """Wall seconds of one walk of STOPS stops through CELLS, drawn and rendered."""
    start = time.perf_counter()
    samples = walk_samples(gan, config, cell_endpoints(config, CELLS), STOPS, use_ema=True)
    walk_strip(samples, config)
    walk_frames(samples, config)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", action="append", help="preset to time (repeat; default recommended and dcgan)")
    parser.add_argument("--rounds", type=int, default=5, help="walks timed after the first (default 5)")
    parser.add_argument("--threads", type=int, help="BLAS threads (default: the library's own count)")
    args = parser.parse_args()
    if args.threads:
        set_blas_threads(args.threads)
    threads = max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{STOPS}-stop walk through cells {', '.join(map(str, CELLS))}, BLAS threads {threads}, load average {load}")
    for preset in args.preset or ["recommended", "dcgan"]:
        config = load_preset(preset)
        gan = build_gan(config, np.random.default_rng(0))
        first = walk_once(gan, config)
        times = [walk_once(gan, config) for _ in range(args.rounds)]
        kind = config.generator.kind
        ema = "EMA" if gan.ema is not None else "live"
        print(
            f"{preset:<12} {kind:<4} G, {ema} weights: first {first:.3f} s, then median {statistics.median(times):.3f} s "
            f"(min {min(times):.3f}, max {max(times):.3f})"
        )


if __name__ == "__main__":
    main()
