"""From uint8 grayscale images to a :class:`Dataset`: class subset, size cap, resize, scale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .dataset import Dataset
from .errors import DatasetError


@dataclass(frozen=True)
class HeldOut:
    """Real images training never sees: images (M, h, w) uint8 and labels (M,) or None; or
    none (images None) and `note`, why."""

    images: np.ndarray | None
    labels: np.ndarray | None = None
    note: str = ""


def image_dataset(
    name: str,
    images: np.ndarray,
    labels: np.ndarray | None,
    *,
    classes: Sequence[int] | None,
    value_range: tuple[float, float],
    image_size: int,
    size: int | None,
    held_out: HeldOut = HeldOut(None),
) -> Dataset:
    """Build the dataset from ``images`` ``(N, h, w)`` uint8 and ``labels`` ``(N,)`` or None.

    Keeps the samples whose label is in ``classes`` (None keeps all), then the first ``size`` of
    them (None keeps all), resizes them to ``image_size`` squared where needed and scales the
    pixel values 0..255 linearly onto ``value_range``. The result's ``x`` is
    ``(N', image_size**2)`` float32. The `held_out` images get the same class selection, size
    and scale (all of them: ``size`` caps the training images only).
    """
    if classes is not None:
        images, labels = select_classes(name, images, labels, classes)
    if size is not None:
        images = images[:size]
        labels = None if labels is None else labels[:size]
    x = flat_pixels(images, image_size, value_range)
    labels = None if labels is None else labels.astype(np.int64)
    held_x, note = held_out_pixels(name, held_out, classes, image_size, value_range)
    return Dataset(name, x, labels, (image_size, image_size), held_out=held_x, held_out_note=note)


def held_out_pixels(
    name: str, held_out: HeldOut, classes: Sequence[int] | None, image_size: int, value_range: tuple[float, float]
) -> tuple[np.ndarray | None, str]:
    """The held-out images as (M, image_size**2) float32 of the run's classes, or None, and
    the note saying why there are none."""
    images, labels = held_out.images, held_out.labels
    if images is None:
        return None, held_out.note
    if classes is not None and labels is not None:
        images = images[np.isin(labels, list(classes))]
        if not len(images):
            return None, f"{name}'s held-out images hold none of the classes {sorted(classes)}"
    return flat_pixels(images, image_size, value_range), ""


def flat_pixels(images: np.ndarray, image_size: int, value_range: tuple[float, float]) -> np.ndarray:
    """images (N, h, w) uint8 -> (N, image_size**2) float32 in `value_range`, resized where needed."""
    if images.shape[1:] != (image_size, image_size):
        images = np.stack([resize_square(image, image_size) for image in images])
    return scale_pixels(images.reshape(len(images), -1), value_range)


def select_classes(
    name: str, images: np.ndarray, labels: np.ndarray | None, classes: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The images ``(N', h, w)`` and labels ``(N',)`` whose label is one of ``classes``."""
    if labels is None:
        raise DatasetError(f"{name}: this dataset has no labels, so no classes can be selected")
    wanted = np.asarray(list(classes), dtype=np.int64)
    if wanted.size == 0:
        raise DatasetError(f"{name}: the class subset is empty; pick at least one class")
    keep = np.isin(labels, wanted)
    if not keep.any():
        raise DatasetError(f"{name}: no samples of class {sorted(set(wanted.tolist()))}")
    return images[keep], labels[keep]


def scale_pixels(pixels: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """uint8 ``pixels`` (any shape) mapped linearly, 0 -> low and 255 -> high, as float32."""
    low, high = (float(v) for v in value_range)
    if not low < high:
        raise DatasetError(f"value range must be (low, high) with low < high, got {value_range}")
    table = (low + (high - low) * np.arange(256, dtype=np.float64) / 255.0).astype(np.float32)
    return table[pixels]


def resize_square(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` ``(h, w)`` uint8, centre-cropped to a square, resized to ``(size, size)`` uint8."""
    h, w = image.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = Image.fromarray(np.ascontiguousarray(image[top : top + side, left : left + side]))
    if side == size:
        return np.asarray(square)
    return np.asarray(square.resize((size, size), Image.Resampling.BICUBIC))
