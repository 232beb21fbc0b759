"""Train the digit classifier of the coverage monitor and write resources/classifier/mnist.npz.

Trains on the first 50,000 images of the MNIST training set and reports the accuracy on the
last 10,000 (never seen in training), measured with the float16 weights as shipped. Plain NumPy:
Adam with a cosine learning-rate decay, dropout 0.1, and random shifts of up to 2 pixels (so that
a generated digit slightly off-centre is still recognised). About a minute on two cores.

    python scripts/train_classifier.py [--data-dir ../shared/data/mnist] [--epochs 12] [--out PATH]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ganstudio.data import load_dataset
from ganstudio.engine.network import MLP
from ganstudio.engine.optimizers import OptimizerSpec, make_optimizer
from ganstudio.engine.schedules import ScheduleSpec
from ganstudio.insight.classifier import SPEC, Classifier, cross_entropy, load_classifier

SOURCE_WEIGHTS = Path(__file__).resolve().parents[1] / "resources" / "classifier" / "mnist.npz"  # shipped in the package
N_TRAIN = 50_000
SHIFT = 2  # pixels of random translation each way


def shifted(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 784) images in [-1, 1], each moved by a random (dy, dx) in [-SHIFT, SHIFT]^2, the
    uncovered border filled with background (-1)."""
    n = len(images)
    padded = np.pad(images.reshape(n, 28, 28), ((0, 0), (SHIFT, SHIFT), (SHIFT, SHIFT)), constant_values=-1.0)
    dy, dx = rng.integers(0, 2 * SHIFT + 1, size=(2, n))
    rows = dy[:, None] + np.arange(28)
    cols = dx[:, None] + np.arange(28)
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]].reshape(n, 784)


def train(x: np.ndarray, labels: np.ndarray, epochs: int, batch: int, rng: np.random.Generator) -> MLP:
    """An MLP of the classifier's architecture trained on x (n, 784) in [-1, 1], labels (n,)."""
    net = MLP(replace(SPEC, dropout=0.1), rng)
    steps_per_epoch = len(x) // batch
    total = epochs * steps_per_epoch
    adam = OptimizerSpec("adam", lr=1e-3, beta1=0.9, beta2=0.999)
    opt = make_optimizer(adam, net.params.size, schedule=ScheduleSpec("cosine", total=total))
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        loss_sum = 0.0
        for i in range(steps_per_epoch):
            idx = order[i * batch : (i + 1) * batch]
            logits = net.forward(shifted(x[idx], rng), rng)
            loss, grad = cross_entropy(logits, labels[idx])
            net.backward(grad)
            t = epoch * steps_per_epoch + i
            opt.step(net.params.values, net.params.grads, t, epoch)
            loss_sum += loss
        print(f"epoch {epoch + 1}/{epochs}: loss {loss_sum / steps_per_epoch:.4f}", flush=True)
    return net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared/data/mnist"))
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(SOURCE_WEIGHTS))
    args = parser.parse_args()

    data = load_dataset("mnist", data_dir=args.data_dir, value_range=(-1.0, 1.0))
    x_train, y_train = data.x[:N_TRAIN], data.labels[:N_TRAIN]
    x_test, y_test = data.x[N_TRAIN:], data.labels[N_TRAIN:]
    start = time.perf_counter()
    net = train(x_train, y_train, args.epochs, args.batch, np.random.default_rng(args.seed))
    seconds = time.perf_counter() - start
    meta = {
        "trained_on": f"MNIST training set, images 0-{N_TRAIN - 1}",
        "tested_on": f"MNIST training set, images {N_TRAIN}-{len(data.x) - 1}",
        "epochs": args.epochs,
        "train_seconds": round(seconds, 1),
        "input_range": [-1.0, 1.0],
    }
    path = Classifier(net, float("nan"), meta).save(args.out)
    shipped = load_classifier(path)  # evaluate the float16 weights as shipped
    accuracy = float((shipped.predict_proba(x_test).argmax(axis=1) == y_test).mean())
    Classifier(shipped.net, accuracy, meta).save(path)
    print(
        f"test accuracy {accuracy:.4f} on {len(x_test)} held-out images; {seconds:.0f} s; "
        f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)"
    )


if __name__ == "__main__":
    main()
