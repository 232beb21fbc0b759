"""``load_dataset``: every dataset by name, as a ready-to-train :class:`Dataset`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .errors import DatasetError
from .folder import load_folder
from .images import HeldOut, image_dataset
from .mnist import FAMILIES, load_family, load_held_out
from .synthetic_digits import generate_digits
from .toys import TOY_NAMES, sample_toy, toy_spec

# The one list of dataset names: config, the window's pickers and insight import these.
DATASET_NAMES = (*FAMILIES, "synthetic-digits", *TOY_NAMES, "folder")
DIGIT_DATASETS = ("mnist", "synthetic-digits")  # handwritten digits 0-9: what the shipped classifier reads
DEFAULT_SIZES = {"synthetic-digits": 10_000, **{name: 20_000 for name in TOY_NAMES}}
# Held-out samples of the generated datasets: fresh draws from a stream of their own, so they are
# never training samples. Enough for insight's reference (1,000 digits, 2,500 points) twice over.
HELD_OUT_DRAWS = {"synthetic-digits": 2_000, **{name: 5_000 for name in TOY_NAMES}}
HELD_OUT_STREAM = 1  # the held-out draws' generator is seeded by (seed, HELD_OUT_STREAM)

# Class names of the labelled datasets, for pickers and legends.
CLASS_NAMES: dict[str, tuple[str, ...]] = {
    **{name: family.class_names for name, family in FAMILIES.items()},
    "synthetic-digits": tuple("0123456789"),
}


def load_dataset(
    name: str,
    *,
    classes: Sequence[int] | None = None,
    value_range: tuple[float, float] = (-1.0, 1.0),
    data_dir: str | Path | None = None,
    folder: str | Path | None = None,
    image_size: int = 28,
    seed: int = 0,
    download: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
    size: int | None = None,
) -> Dataset:
    """Load the dataset ``name`` (one of :data:`DATASET_NAMES`).

    Args:
        classes: labels to keep (e.g. ``[3]`` or ``[0, 1, 7]``); None keeps all. Only for the
            labelled datasets (MNIST family, synthetic-digits); an empty subset is an error.
        value_range: ``(low, high)`` that pixel values 0..255 are mapped onto: ``(-1, 1)`` for
            a tanh generator, ``(0, 1)`` for sigmoid. 2D toys are not scaled.
        data_dir: where the MNIST family is looked for and downloaded to (see
            :mod:`ganstudio.data.mnist`); None means :func:`default_data_dir`.
        folder: the image folder, for ``name == "folder"``.
        image_size: side of the square images; MNIST-family and synthetic images (28x28) are
            resized if it differs.
        seed: seed of the generator that draws synthetic-digits and the 2D toy points.
        download: whether a missing MNIST-family dataset may be downloaded.
        progress: ``progress(bytes_done, bytes_total_or_None)`` during a download.
        size: number of samples: how many synthetic digits (default 10,000) or toy points
            (default 20,000) to draw; for MNIST-family and folders, keep only the first ``size``.

    The dataset's held-out samples (see :class:`Dataset`) are the MNIST family's test split, a
    folder's held-out tenth (:mod:`ganstudio.data.folder`), or ``HELD_OUT_DRAWS`` fresh draws of
    synthetic-digits or a toy. A held-out set that cannot be had leaves ``held_out`` None and
    says why in ``held_out_note``; it never fails the load.

    Raises:
        DatasetError: unknown name, bad arguments, missing or malformed files, empty subset.
        OfflineError: an MNIST-family dataset is missing and could not be downloaded.
    """
    if name not in DATASET_NAMES:
        raise DatasetError(f"unknown dataset '{name}'; choose one of {', '.join(DATASET_NAMES)}")
    if size is not None and size < 1:
        raise DatasetError(f"{name}: size must be at least 1, got {size}")
    rng = np.random.default_rng(seed)
    held_rng = np.random.default_rng((seed, HELD_OUT_STREAM))
    if name in TOY_NAMES:
        if classes is not None:
            raise DatasetError(f"{name}: a 2D toy has no classes to select")
        modes, std = toy_spec(name)
        x = sample_toy(name, size or DEFAULT_SIZES[name], rng)
        return Dataset(name, x, None, None, modes, std, held_out=sample_toy(name, HELD_OUT_DRAWS[name], held_rng))
    if image_size < 1:
        raise DatasetError(f"{name}: image size must be at least 1, got {image_size}")
    if name in FAMILIES:
        images, labels = load_family(name, data_dir, download_missing=download, progress=progress)
        held_out = family_held_out(name, data_dir, download, progress)
    elif name == "synthetic-digits":
        images, labels = generate_digits(size or DEFAULT_SIZES[name], rng)
        held_out = HeldOut(*generate_digits(HELD_OUT_DRAWS[name], held_rng))
    else:
        if folder is None:
            raise DatasetError("folder: no image folder given")
        split = load_folder(folder, image_size)
        images, labels, held_out = split.train, None, HeldOut(split.held_out, None, split.held_out_note)
    return image_dataset(
        name,
        images,
        labels,
        classes=classes,
        value_range=value_range,
        image_size=image_size,
        size=size,
        held_out=held_out,
    )


def family_held_out(
    name: str, data_dir: str | Path | None, download: bool, progress: Callable[[int, int | None], None] | None
) -> HeldOut:
    """The MNIST-family member's test split as held-out images, or none and why."""
    try:
        return HeldOut(*load_held_out(name, data_dir, download_missing=download, progress=progress))
    except DatasetError as exc:
        return HeldOut(None, None, str(exc))
