"""The MNIST digit classifier behind the coverage monitor: a small NumPy MLP, shipped trained.

Architecture: 784 -> 256 -> 128 -> 10, ReLU, built from the engine's :class:`MLP`. Its 128
penultimate ReLU activations are the features of the MNIST-specific Frechet distance.

Input scaling: the classifier was trained on pixels mapped linearly from 0..255 onto [-1, 1]
(a tanh generator's range). Every method takes the `value_range` its input is in and maps it
onto [-1, 1] first, so samples of a sigmoid generator (value range (0, 1)) are classified as
they are meant. Values are clipped to [-1, 1] after rescaling.

The weights are stored as float16 in ``resources/classifier/mnist.npz`` (shipped inside the
package, read through :mod:`ganstudio.config.shipped`) with their metadata (test accuracy, how many
images trained and tested it); ``scripts/train_classifier.py`` writes that file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ganstudio.config.shipped import CLASSIFIER_WEIGHTS
from ganstudio.engine.network import MLP, NetworkSpec

SPEC = NetworkSpec(784, (256, 128), 10, "relu", "linear", init="he_normal")
INPUT_RANGE = (-1.0, 1.0)
_CHUNK = 2000  # rows per forward pass: bounds the memory of one call


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, k) logits -> (n, k) probabilities, overflow-free."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy of (n, k) logits against (n,) int labels, and its gradient
    with respect to the logits, (n, k) float32."""
    n = len(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1))
    loss = float((log_z - shifted[np.arange(n), labels]).mean())
    grad = softmax(logits)
    grad[np.arange(n), labels] -= 1.0
    grad *= 1.0 / n
    return loss, grad.astype(np.float32, copy=False)


def to_input_range(x: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """(n, 784) images in `value_range` -> float32 (n, 784) in [-1, 1], clipped."""
    low, high = (float(v) for v in value_range)
    y = np.asarray(x, np.float32)
    if (low, high) != INPUT_RANGE:
        y = (y - low) * (2.0 / (high - low)) - 1.0
    return np.clip(y, -1.0, 1.0, dtype=np.float32)


class Classifier:
    """A trained digit classifier. `net` holds the weights; `accuracy` is its recorded test
    accuracy (a fraction) and `meta` the rest of the stored metadata."""

    def __init__(self, net: MLP, accuracy: float = float("nan"), meta: dict | None = None) -> None:
        self.net = net
        self.accuracy = float(accuracy)
        self.meta = dict(meta or {})

    @property
    def feature_size(self) -> int:
        return self.net.spec.hidden[-1]

    def classify(self, x: np.ndarray, value_range: tuple[float, float] = INPUT_RANGE) -> tuple[np.ndarray, np.ndarray]:
        """x: (n, 784) images in `value_range` -> (probabilities (n, 10), penultimate features
        (n, feature_size)), both float32."""
        x = to_input_range(x, value_range)
        probs = np.empty((len(x), 10), np.float32)
        feats = np.empty((len(x), self.feature_size), np.float32)
        net, flat = self.net, self.net.params.values
        last = len(net.layers) - 1
        for start in range(0, len(x), _CHUNK):
            h = x[start : start + _CHUNK]
            for layer, act in zip(net.layers[:last], net.activations[:last]):
                h = act.forward(layer.predict(h, flat))
            feats[start : start + len(h)] = h
            probs[start : start + len(h)] = softmax(net.layers[last].predict(h, flat))
        return probs, feats

    def predict_proba(self, x: np.ndarray, value_range: tuple[float, float] = INPUT_RANGE) -> np.ndarray:
        """x: (n, 784) in `value_range` -> class probabilities (n, 10) float32."""
        return self.classify(x, value_range)[0]

    def features(self, x: np.ndarray, value_range: tuple[float, float] = INPUT_RANGE) -> np.ndarray:
        """x: (n, 784) in `value_range` -> penultimate ReLU features (n, feature_size) float32."""
        return self.classify(x, value_range)[1]

    def save(self, path: str | Path) -> Path:
        """Write the weights (float16) and metadata to an .npz; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {**self.meta, "test_accuracy": self.accuracy, "sizes": list(self.net.spec.sizes)}
        np.savez_compressed(path, params=self.net.params.values.astype(np.float16), meta=np.array(json.dumps(meta)))
        return path


def new_classifier(rng: np.random.Generator) -> Classifier:
    """An untrained classifier of the shipped architecture, initialised from `rng`."""
    return Classifier(MLP(SPEC, rng))


def load_classifier(path: str | Path | None = None) -> Classifier:
    """The trained classifier from `path` (default: the weights shipped in the package)."""
    with open(path, "rb") if path is not None else CLASSIFIER_WEIGHTS.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        params = npz["params"]
        meta = json.loads(str(npz["meta"]))
    if tuple(meta.get("sizes", ())) != SPEC.sizes:
        raise ValueError(f"{path}: classifier of sizes {meta.get('sizes')}, expected {list(SPEC.sizes)}")
    classifier = new_classifier(np.random.default_rng(0))
    classifier.net.params.values[...] = params.astype(np.float32)
    classifier.accuracy = float(meta.pop("test_accuracy"))
    meta.pop("sizes")
    classifier.meta = meta
    return classifier
