"""Single-image export: one sample grid or screenshot as a PNG."""

from __future__ import annotations

import os
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from ganstudio.files.atomic import atomic_file


def write_png(path: str | os.PathLike[str], img: np.ndarray) -> Path:
    """Write `img` (uint8 (H, W) grayscale or (H, W, 3) RGB) as a PNG at `path`; return the path.

    The file appears complete or not at all; I/O failures raise WriteError.
    """
    img = np.asarray(img)
    if img.dtype != np.uint8 or not (img.ndim == 2 or (img.ndim == 3 and img.shape[2] == 3)):
        raise ValueError(f"write_png needs uint8 (H, W) or (H, W, 3), got {img.dtype} {img.shape}")
    target = Path(path)
    with atomic_file(target) as fh:
        iio.imwrite(fh, img, extension=".png")
    return target
