"""Time the "look inside the generator" figures against their targets (issue 26), on MNIST's
60,000 training and 10,000 test digits (../shared/data/mnist or the data folder), else on
synthetic digits (60,000 drawn, which takes a minute).

- nearest training images of one cell among the 60,000, in pixels (target 50 ms) and in the
  classifier's features (building that index, once, is timed apart), with the BLAS threads
  as they are and with one: one query is a memory-bound matrix-vector product, which a second
  OpenBLAS thread slows down when the other core is busy;
- the memorisation figure for 1,000 samples: their nearest training images, and the same for
  1,000 held-out digits (measured once per run), target 2 s;
- precision/recall/density/coverage of 5,000 samples against 5,000 held-out digits in the
  classifier's features (target 3 s), the reference's radii (once per run) timed apart; and
  of the 1,000 samples of an insight check against 1,000, what training pays each check.

Held-out digits stand in for generated samples: the timings do not depend on what the images
show. Each figure is the median of --repeats runs, with the spread and the load average.

    python scripts/bench_insight.py [--data-dir DIR] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ganstudio.data import load_dataset
from ganstudio.data.mnist import on_disk
from ganstudio.insight.classifier import load_classifier
from ganstudio.insight.memorisation import MemorisationProbe
from ganstudio.insight.neighbours import NeighbourIndex, TrainingNeighbours
from ganstudio.insight.prdc import PRDCReference

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared/data/mnist"


def timed(label: str, target_s: float | None, repeats: int, work) -> None:
    """Run `work()` `repeats` times and print the median, min and max seconds against the target."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    median = float(np.median(seconds))
    verdict = "" if target_s is None else f"  target {target_s * 1000:.0f} ms: {'met' if median <= target_s else 'MISSED'}"
    print(f"{label:<62} {median * 1000:8.1f} ms  (min {min(seconds) * 1000:.1f}, max {max(seconds) * 1000:.1f}){verdict}")


def digits(data_dir: str | None):
    """MNIST (training and test set) when on disk, else 60,000 + 2,000 synthetic digits."""
    for folder in (data_dir, SHARED_MNIST, None):
        if (folder is None or Path(folder).is_dir()) and on_disk("mnist", folder):
            return load_dataset("mnist", data_dir=folder, download=False)
    return load_dataset("synthetic-digits", size=60_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="the folder holding MNIST")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    dataset = digits(args.data_dir)
    held = dataset.held_out
    print(f"{dataset.name}: {len(dataset):,} training images, {len(held):,} held out; load average {os.getloadavg()[0]:.1f}")
    search = TrainingNeighbours(dataset, (-1.0, 1.0), digits=True)
    cell = held[:1]
    timed("nearest 5 training images of one cell, pixels", 0.05, args.repeats, lambda: search.nearest(cell, 5))
    timed("feature index of the training set (once per run)", None, 1, search.feature_index)
    timed("nearest 5 training images of one cell, features", 0.05, args.repeats, lambda: search.nearest(cell, 5, "features"))
    with threadpool_limits(1):
        timed("the same, pixels, 1 BLAS thread", 0.05, args.repeats, lambda: search.nearest(cell, 5))
        timed("the same, features, 1 BLAS thread", 0.05, args.repeats, lambda: search.nearest(cell, 5, "features"))

    samples, reference = held[:1000], held[1000:2000]
    probe = MemorisationProbe(NeighbourIndex(dataset.x), reference)
    timed("memorisation: 1,000 held-out images' side (once per run)", None, 1, probe.held_out_distances)
    timed("memorisation figure of 1,000 samples", 2.0, args.repeats, lambda: probe.report(samples))

    classifier = load_classifier()
    features = classifier.features(held[:10_000])
    real, fake = features[:5000], features[5000:10_000]
    timed("prdc reference radii, 5,000 real (once per run)", None, 1, lambda: PRDCReference(real))
    reference_5k = PRDCReference(real)
    timed("prdc of 5,000 samples against 5,000 real", 3.0, args.repeats, lambda: reference_5k.measure(fake))
    reference_1k = PRDCReference(real[:1000])
    timed(
        "prdc of an insight check: 1,000 samples against 1,000 real",
        None,
        args.repeats,
        lambda: reference_1k.measure(fake[:1000]),
    )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
