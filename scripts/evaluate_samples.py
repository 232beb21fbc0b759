"""Score an MNIST GAN checkpoint: class coverage, sharpness and a Fréchet distance, in plain NumPy.

    python scripts/evaluate_samples.py RUN/checkpoint.npz [MORE.npz ...] \
        [--data-dir ../shared/data/mnist] [-n 2000] [--seed 0] [--json]

The reference is the real MNIST training set (60,000 images). Its first 50,000 images fit the
tools below; the last 10,000 are held out to state their accuracy and to give reference
figures for real digits ("real (held out)" row).

- Classifier: k-nearest neighbours (k = 10, Euclidean) on a 50-component PCA projection fitted
  on the 50,000 images (pixels scaled to 0..1). Held-out accuracy 97.57% (printed every time).
  Its "probability" of a class is the fraction of the 10 neighbours with that label.
- Coverage: the class histogram of n generated samples (EMA weights when the run keeps an EMA,
  and the live weights too for comparison), the classes holding >= 5% of the samples, and the
  smallest class share. Uniform is 10% each.
- Sharpness/realism proxies: `maxp`, the mean neighbour-vote share of the winning class (real
  digits 0.968; blotchy, ambiguous digits lower) and `conf`, the fraction of samples with
  >= 0.8 of the votes; `nn`, the mean Euclidean pixel distance (0..1 pixels, 784-d) from each
  sample to its nearest training image (real held-out digits 4.26; speckle noise and blotches
  raise it).
- `fd`: Fréchet distance between Gaussians fitted to the PCA-50 projections of the samples and
  of the 10,000 held-out real digits ("FID" in a PCA feature space rather than Inception's; it
  rises with both blur/noise and missing or over-represented modes). Real vs real (n samples
  from the training part) gives its floor.

Samples are drawn from N(0, I) noise with `--seed`, the same noise for every checkpoint.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganstudio.data import load_dataset  # noqa: E402
from ganstudio.run.checkpoint import Checkpoint  # noqa: E402

N_FIT = 50_000
PCA_DIMS = 50
K = 10
CONFIDENT = 0.8
COVERED = 0.05


class Reference:
    """Real MNIST in 0..1 pixels, its PCA and the k-NN classifier built on it."""

    def __init__(self, data_dir: str | None) -> None:
        ds = load_dataset("mnist", value_range=(0.0, 1.0), data_dir=data_dir, download=False)
        x, y = ds.x.astype(np.float32), ds.labels.astype(np.int64)
        self.x_fit, self.y_fit = x[:N_FIT], y[:N_FIT]
        self.x_test, self.y_test = x[N_FIT:], y[N_FIT:]
        self.mean = self.x_fit.mean(axis=0)
        centred = (self.x_fit - self.mean).astype(np.float64)
        cov = centred.T @ centred / len(centred)
        vals, vecs = np.linalg.eigh(cov)
        self.components = vecs[:, ::-1][:, :PCA_DIMS].astype(np.float32)  # (784, 50)
        self.z_fit = self.project(self.x_fit)
        self.z_fit_sq = np.einsum("ij,ij->i", self.z_fit, self.z_fit)
        self.x_fit_sq = np.einsum("ij,ij->i", self.x_fit, self.x_fit)
        z_test = self.project(self.x_test)
        self.test_mu, self.test_cov = z_test.mean(axis=0), np.cov(z_test, rowvar=False)

    def project(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) @ self.components

    def knn_probs(self, x: np.ndarray, chunk: int = 500) -> np.ndarray:
        """x: (n, 784) in 0..1 -> (n, 10) neighbour-vote shares."""
        z = self.project(x)
        probs = np.zeros((len(x), 10), np.float32)
        for s in range(0, len(x), chunk):
            zc = z[s : s + chunk]
            d2 = self.z_fit_sq[None, :] - 2.0 * zc @ self.z_fit.T + np.einsum("ij,ij->i", zc, zc)[:, None]
            idx = np.argpartition(d2, K, axis=1)[:, :K]
            labels = self.y_fit[idx]
            for c in range(10):
                probs[s : s + chunk, c] = (labels == c).mean(axis=1)
        return probs

    def nn_distance(self, x: np.ndarray, chunk: int = 250) -> np.ndarray:
        """x: (n, 784) in 0..1 -> (n,) Euclidean pixel distance to the nearest training image."""
        out = np.empty(len(x), np.float32)
        for s in range(0, len(x), chunk):
            xc = x[s : s + chunk]
            d2 = self.x_fit_sq[None, :] - 2.0 * xc @ self.x_fit.T + np.einsum("ij,ij->i", xc, xc)[:, None]
            out[s : s + chunk] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
        return out

    def frechet(self, x: np.ndarray) -> float:
        """Fréchet distance between the PCA-50 Gaussians of x and of the held-out real digits."""
        z = self.project(x).astype(np.float64)
        mu, cov = z.mean(axis=0), np.cov(z, rowvar=False)
        # trace sqrt(C1 C2) from the eigenvalues of C1^1/2 C2 C1^1/2 (symmetric PSD).
        w, v = np.linalg.eigh(self.test_cov)
        root = (v * np.sqrt(np.maximum(w, 0.0))) @ v.T
        m = root @ cov @ root
        tr_sqrt = np.sqrt(np.maximum(np.linalg.eigvalsh((m + m.T) / 2.0), 0.0)).sum()
        return float(((mu - self.test_mu) ** 2).sum() + np.trace(cov) + np.trace(self.test_cov) - 2.0 * tr_sqrt)

    def accuracy(self) -> float:
        return float((self.knn_probs(self.x_test).argmax(axis=1) == self.y_test).mean())


def score(ref: Reference, x: np.ndarray) -> dict:
    """Figures for samples x: (n, 784) in 0..1."""
    probs = ref.knn_probs(x)
    pred, maxp = probs.argmax(axis=1), probs.max(axis=1)
    hist = np.bincount(pred, minlength=10) / len(x)
    return {
        "hist": [round(float(h), 4) for h in hist],
        "classes_ge5": int((hist >= COVERED).sum()),
        "min_share": float(hist.min()),
        "maxp": float(maxp.mean()),
        "conf": float((maxp >= CONFIDENT).mean()),
        "nn": float(ref.nn_distance(x).mean()),
        "fd": ref.frechet(x),
    }


def checkpoint_samples(path: str, n: int, seed: int, use_ema: bool) -> tuple[np.ndarray, dict]:
    ckpt = Checkpoint(path)
    gan = ckpt.build_gan()
    config = ckpt.config
    z = np.random.default_rng(seed).standard_normal((n, config.generator.latent_size), dtype=np.float32)
    x = gan.sample(z, use_ema=use_ema)
    low, high = config.value_range
    x = np.clip((x - low) / (high - low), 0.0, 1.0).astype(np.float32)
    info = {"step": ckpt.step, "elapsed": ckpt.elapsed, "ema": gan.ema is not None}
    return x, info


def fmt_row(name: str, s: dict) -> str:
    hist = " ".join(f"{100 * h:4.1f}" for h in s["hist"])
    return (
        f"{name:<34} {s['classes_ge5']:>3} {100 * s['min_share']:5.1f}% {s['maxp']:6.3f} {s['conf']:6.3f} "
        f"{s['nn']:6.2f} {s['fd']:7.2f}   [{hist}]"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoints", nargs="*", help="checkpoint.npz files (or run folders holding one)")
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"))
    parser.add_argument("-n", type=int, default=2000, help="samples per checkpoint (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    parser.add_argument("--live", action="store_true", help="also score the live weights of runs that keep an EMA")
    parser.add_argument("--json", action="store_true", help="print one JSON object per line instead of the table")
    args = parser.parse_args(argv)

    ref = Reference(args.data_dir)
    rows: list[tuple[str, dict]] = []
    acc = ref.accuracy()
    real_idx = np.random.default_rng(args.seed).choice(N_FIT, size=args.n, replace=False)
    real = score(ref, ref.x_test[: args.n])
    real_fit = ref.frechet(ref.x_fit[real_idx])
    real["fd"] = real_fit  # n training images vs the held-out set: the floor of fd at this n
    rows.append(("real (held out; fd: train subset)", {**real, "accuracy": acc}))
    for item in args.checkpoints:
        path = Path(item)
        if path.is_dir():
            path = path / "checkpoint.npz"
        x, info = checkpoint_samples(str(path), args.n, args.seed, use_ema=True)
        name = path.parent.name if path.name == "checkpoint.npz" else path.stem
        rows.append((name + (" [ema]" if info["ema"] else ""), {**score(ref, x), **info, "path": str(path)}))
        if info["ema"] and args.live:
            x, info = checkpoint_samples(str(path), args.n, args.seed, use_ema=False)
            rows.append((name + " [live]", {**score(ref, x), **info, "path": str(path)}))
    if args.json:
        for name, s in rows:
            print(json.dumps({"name": name, **s}))
        return 0
    print(f"classifier: k-NN (k={K}) on PCA-{PCA_DIMS}, fitted on {N_FIT} MNIST images; held-out accuracy {100 * acc:.2f}%")
    print(f"n = {args.n} samples each, noise seed {args.seed}; hist = class shares in % (0..9)")
    print(f"{'':<34} >=5%   min   maxp   conf     nn      fd   class histogram")
    for name, s in rows:
        print(fmt_row(name, s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
