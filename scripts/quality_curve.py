"""Quality per CPU-minute: train a recipe for fixed step budgets and score each with FID on 10,000 samples.

    python scripts/quality_curve.py --preset recommended --steps-per-s 28.3 \
        [--config FILE] [--set KEY=VALUE ...] [--seed 0] [--budgets 20,60,300,900] \
        [--data-dir ../shared/data/mnist] [--out results.jsonl] [--grids DIR] [--label NAME]

A budget is given in idle-machine seconds and trained as `round(seconds * steps_per_s)` steps,
`--steps-per-s` being the recipe's idle-machine rate (a short `ganstudio train --seconds 60` on
the idle machine tells it). The answer then does not depend on how busy the machine is while the
experiment runs; only its duration does.

At each budget the run (the same session the window and `ganstudio train` drive, insight included)
draws 10,000 samples (the EMA generator when the run keeps one, as the window shows, and the live
generator too) and scores them against MNIST's held-out test set (`t10k-*`, 10,000 digits):

- `fid`: the Frechet distance between Gaussians fitted to the insight classifier's penultimate
  features (128 ReLU units) of the samples and of the test digits; `floor` is the same figure
  for 10,000 real training digits against the test digits.
- `classes`: classes covered (a class's recognisable samples, top probability >= 0.7, are at
  least 5% of all samples), as insight counts them.

Each result is one JSON line (printed, and appended to `--out`); `--grids DIR` writes the first
64 samples of each budget as a PNG to look at.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from ganstudio.config.model import load_toml, parse_assignment
from ganstudio.config.presets import load_preset
from ganstudio.data.idx import read_idx
from ganstudio.insight.classifier import load_classifier
from ganstudio.insight.coverage import CoverageMonitor
from ganstudio.machine.blas import set_blas_threads
from ganstudio.media.images import write_png
from ganstudio.render.grid import make_grid
from ganstudio.run.session import Session

N_SAMPLES = 10_000
SAMPLE_SEED = 1234


def test_digits(data_dir: Path) -> np.ndarray:
    """MNIST's held-out test images (10000, 784) in 0..1."""
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"):
        if (data_dir / name).exists():
            return read_idx(data_dir / name).reshape(-1, 784).astype(np.float32) / 255.0
    sys.exit(f"quality_curve: no t10k-images-idx3-ubyte(.gz) in {data_dir}")


def scorer(data_dir: Path, value_range: tuple[float, float]) -> CoverageMonitor:
    """Insight's coverage monitor with MNIST's test digits as its reference: FID in the insight
    classifier's features against them, and classes covered, of samples in `value_range`."""
    lo, hi = value_range
    return CoverageMonitor(load_classifier(), lo + test_digits(data_dir) * (hi - lo), value_range)


def score(monitor: CoverageMonitor, x: np.ndarray) -> tuple[float, int]:
    """x: (n, 784) samples -> (FID against the test digits, classes covered)."""
    report = monitor.report(np.nan_to_num(x, nan=0.0, posinf=1e6, neginf=-1e6))
    return report.fid, report.classes_covered


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--preset")
    src.add_argument("--config", type=Path)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps-per-s", type=float, required=True, help="the recipe's idle-machine steps per second")
    p.add_argument("--budgets", default="20,60,300,900", help="idle-machine seconds, comma-separated")
    p.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/mnist")
    p.add_argument("--out", type=Path)
    p.add_argument("--grids", type=Path)
    p.add_argument("--label", help="the recipe's name in the results (default: the preset or config file)")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1: several experiments side by side)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    set_blas_threads(args.threads)
    if args.preset:
        config = load_preset(args.preset)
    else:
        config = load_toml(args.config)
    config = config.with_values({**dict(parse_assignment(a) for a in args.set), "seed": args.seed})
    label = args.label or args.preset or args.config.stem
    budgets = sorted(float(b) for b in args.budgets.split(","))

    session = Session(config, data_dir=str(args.data_dir))
    gan = session.gan
    monitor = scorer(args.data_dir, config.value_range)
    floor = score(monitor, session.dataset.x[:N_SAMPLES])[0]
    z = np.random.default_rng(SAMPLE_SEED).standard_normal((N_SAMPLES, gan.latent_size)).astype(gan.dtype)
    labels = np.arange(N_SAMPLES) % 10 if gan.conditional else None
    start = time.perf_counter()
    for seconds in budgets:
        target = round(seconds * args.steps_per_s)
        while session.step_count < target:
            if session.step() is None:
                sys.exit(f"quality_curve: {label} diverged at step {session.step_count}: {session.message}")
        shown = gan.sample(z, use_ema=True, labels=labels)
        fid, classes = score(monitor, shown)
        live_fid, live_classes = score(monitor, gan.sample(z, labels=labels)) if gan.ema is not None else (fid, classes)
        row = {
            "label": label,
            "seed": args.seed,
            "seconds": seconds,
            "steps": target,
            "fid": round(fid, 3),
            "classes": classes,
            "live_fid": round(live_fid, 3),
            "live_classes": live_classes,
            "floor": round(floor, 3),
            "wall_s": round(time.perf_counter() - start, 1),
        }
        line = json.dumps(row)
        print(line, flush=True)
        if args.out:
            with args.out.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        if args.grids:
            args.grids.mkdir(parents=True, exist_ok=True)
            grid = make_grid(shown[:64], (28, 28), 8, config.value_range)
            write_png(args.grids / f"{label}-s{args.seed}-{int(seconds)}s.png", grid)


if __name__ == "__main__":
    main()
