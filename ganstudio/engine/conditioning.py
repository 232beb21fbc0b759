"""Class conditioning: how a label joins G's noise and D's image, in one place.

Every network reads a flat float32 (B, n_in) input. A conditional GAN feeds the label y (an int
class) to both networks as a one-hot code of width K = ``n_classes`` (every class of the
dataset, 10 for the MNIST family, whatever class subset the run trains on, so a live change of
the subset needs no new network):

- G: ``concat(z (B, latent), onehot(y) (B, K))`` -> (B, latent + K).
- D, ``layout = "flat"`` (an MLP): ``concat(x (B, D), onehot(y) (B, K))`` -> (B, D + K).
- D, ``layout = ("image", C, H, W)`` (a conv net, which reads its flat input as NCHW flattened
  row-major and has C + K input channels): the one-hot code as K constant planes,
  ``concat(x (B, C*H*W), onehot(y) repeated to (B, K*H*W))`` -> (B, (C + K)*H*W); plane k of
  sample b is all ones where y[b] == k, all zeros elsewhere.

In both layouts the sample comes first, so D's gradient with respect to the sample (what G's
backward pass needs) is the first D columns of D's input gradient (:func:`sample_gradient`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Layout = str | tuple[str, int, int, int]  # "flat" | ("image", C, H, W)


@dataclass(frozen=True)
class Conditioning:
    """n_classes: K, the width of the one-hot code; classes: the labels fake batches draw from,
    uniformly (the run's classes); layout: how D reads its input ("flat" or ("image", C, H, W))."""

    n_classes: int
    classes: tuple[int, ...]
    layout: Layout = "flat"

    def __post_init__(self) -> None:
        if not self.classes or any(not 0 <= c < self.n_classes for c in self.classes):
            raise ValueError(f"classes {list(self.classes)} must be non-empty and within 0..{self.n_classes - 1}")
        _check_layout(self.layout)


def _check_layout(layout: Layout) -> None:
    if layout == "flat":
        return
    if not (isinstance(layout, tuple) and len(layout) == 4 and layout[0] == "image" and all(int(v) >= 1 for v in layout[1:])):
        raise ValueError(f"layout must be 'flat' or ('image', C, H, W), got {layout!r}")


def label_size(n_classes: int, layout: Layout = "flat") -> int:
    """Columns the label takes in D's input: K (flat) or K*H*W (image planes)."""
    _check_layout(layout)
    return n_classes if layout == "flat" else n_classes * int(layout[2]) * int(layout[3])


def discriminator_input_size(data_size: int, n_classes: int, layout: Layout = "flat") -> int:
    """D's input width for samples of `data_size` values: D + K (flat) or (C + K)*H*W (image)."""
    if layout != "flat" and int(layout[1]) * int(layout[2]) * int(layout[3]) != data_size:
        raise ValueError(f"layout {layout} does not hold samples of {data_size} values")
    return data_size + label_size(n_classes, layout)


def one_hot(labels: np.ndarray, n_classes: int, out: np.ndarray | None = None) -> np.ndarray:
    """labels (B,) ints in 0..K-1 -> (B, K) float32 (or `out`'s dtype), 1 at each label."""
    labels = np.asarray(labels)
    if out is None:
        out = np.empty((len(labels), n_classes), np.float32)
    out[...] = 0.0
    out[np.arange(len(labels)), labels] = 1.0
    return out


def generator_input(z: np.ndarray, labels: np.ndarray, n_classes: int, out: np.ndarray | None = None) -> np.ndarray:
    """z (B, latent), labels (B,) -> G's input (B, latent + K): the noise, then the one-hot code.
    Written into `out` when given (a reused buffer)."""
    b, latent = z.shape
    if out is None:
        out = np.empty((b, latent + n_classes), z.dtype)
    out[:, :latent] = z
    one_hot(labels, n_classes, out[:, latent:])
    return out


def code_input(z: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """z (B, latent), codes (B, K) -> G's input (B, latent + K): the noise, then a class code
    given as numbers (a one-hot row, or a blend of one-hot rows between two classes)."""
    return np.concatenate([z, codes.astype(z.dtype, copy=False)], axis=1)


def discriminator_input(
    x: np.ndarray, labels: np.ndarray, n_classes: int, layout: Layout = "flat", out: np.ndarray | None = None
) -> np.ndarray:
    """x (B, D) samples, labels (B,) -> D's input (B, discriminator_input_size(D, K, layout)):
    the sample, then the one-hot code (flat) or K constant planes of H*W values each (image).
    Written into `out` when given (a reused buffer, or row slices of one)."""
    b, d = x.shape
    width = discriminator_input_size(d, n_classes, layout)
    if out is None:
        out = np.empty((b, width), x.dtype)
    out[:, :d] = x
    if layout == "flat":
        one_hot(labels, n_classes, out[:, d:])
    else:
        planes = out[:, d:].reshape(b, n_classes, int(layout[2]) * int(layout[3]))
        planes[...] = 0.0
        planes[np.arange(b), np.asarray(labels)] = 1.0
    return out


def sample_gradient(input_grad: np.ndarray, data_size: int) -> np.ndarray:
    """dL/d(D's input) (B, n_in) -> dL/dx (B, data_size): the sample's columns (a view)."""
    return input_grad[:, :data_size]


def draw_labels(rng: np.random.Generator, classes: tuple[int, ...], n: int) -> np.ndarray:
    """(n,) int64 labels drawn uniformly from `classes` with `rng`."""
    return np.asarray(classes, np.int64)[rng.integers(0, len(classes), n)]


def balanced_labels(classes: tuple[int, ...], n: int) -> np.ndarray:
    """(n,) int64: `classes` repeated in order (0, 1, ..., 9, 0, 1, ...): every class asked for
    equally often, no randomness (insight and sample reports)."""
    return np.resize(np.asarray(classes, np.int64), n)
