"""Image folders: "train a GAN on your own images".

A folder of at least ``HOLD_OUT_FROM`` images holds out about a tenth of them, which training
never sees: the held-out real images the memorisation figure and precision/recall compare with.
Which files are held out depends on each file's path inside the folder alone (a hash with a
fixed salt), so a file stays on its side when others are added or removed, and every run of the
folder splits it the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from .errors import DatasetError
from .images import resize_square

EXTENSIONS = (".png", ".jpg", ".jpeg")
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as Pillow's "L" mode
HOLD_OUT_FROM = 50  # images a folder needs before a tenth is held out: fewer leave too few to train on
HOLD_OUT_BUCKETS = 10  # a file is held out when its hash falls in one of 10 buckets: about 10%
_HOLD_OUT_SALT = b"ganstudio-held-out"


@dataclass(frozen=True)
class FolderImages:
    """train: (N, size, size) uint8 images to train on; held_out: (M, size, size) uint8 images
    training never sees, or None; held_out_note: why there are none ("" when there are)."""

    train: np.ndarray
    held_out: np.ndarray | None
    held_out_note: str = ""


def image_files(folder: Path) -> list[Path]:
    """The PNG and JPEG files under ``folder`` (subfolders included, hidden files skipped),
    sorted by path so the dataset's order does not depend on the file system."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in EXTENSIONS
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.is_file()
    )


def is_held_out(relative: Path) -> bool:
    """Whether the file at path `relative` (inside its folder) is held out from training."""
    digest = hashlib.blake2b(relative.as_posix().encode(), digest_size=8, key=_HOLD_OUT_SALT).digest()
    return int.from_bytes(digest, "little") % HOLD_OUT_BUCKETS == 0


def load_folder(folder: str | Path, size: int) -> FolderImages:
    """Every image under ``folder`` as grayscale, centre-cropped to a square and resized to
    ``(size, size)`` uint8, split into the images to train on and the held-out ones."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such folder")
    files = image_files(folder)
    if not files:
        raise DatasetError(f"{folder}: no PNG or JPEG images in this folder")
    images = np.stack([resize_square(read_gray(path), size) for path in files])
    if len(files) < HOLD_OUT_FROM:
        note = f"{folder} has {len(files)} images; from {HOLD_OUT_FROM} on, a tenth is held out from training"
        return FolderImages(images, None, note)
    held = np.array([is_held_out(path.relative_to(folder)) for path in files])
    if not held.any():
        return FolderImages(images, None, f"no image of {folder} falls in the held-out tenth")
    return FolderImages(images[~held], images[held])


def read_gray(path: Path) -> np.ndarray:
    """The image at ``path`` (its first frame) as ``(h, w)`` uint8 grayscale. Colour becomes
    luminance; transparent pixels become black (the colour is weighted by the alpha channel)."""
    try:
        image = np.asarray(iio.imread(path, index=0))
    except Exception as exc:  # the image plugins raise many kinds (OSError, ValueError, ...)
        raise DatasetError(f"{path}: cannot read this image ({exc})") from exc
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 2, 3, 4)):
        raise DatasetError(f"{path}: unsupported image layout {image.shape}")
    if image.dtype == np.bool_:
        peak = 1.0
    elif image.dtype.kind in "ui":
        peak = float(np.iinfo(image.dtype).max)
    else:
        peak = 1.0  # floating point images are taken to be in 0..1
    pixels = image.astype(np.float32) / peak
    if pixels.ndim == 3:
        colour, alpha = pixels, None
        if pixels.shape[2] in (2, 4):
            colour, alpha = pixels[..., :-1], pixels[..., -1]
        gray = colour @ _LUMA if colour.shape[2] == 3 else colour[..., 0]
        pixels = gray if alpha is None else gray * alpha
    return np.rint(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8)
