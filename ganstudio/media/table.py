"""Table export: training history (or any named columns) as CSV."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ganstudio.files.atomic import atomic_file


def write_csv(path: str | os.PathLike[str], columns: Mapping[str, np.ndarray]) -> Path:
    """Write `columns` ({name: (n,) array}, in order) as a UTF-8 CSV with a header row.

    Integers are written as integers, floats in their shortest round-trip form (float32
    values as float32, so 0.1 stays '0.1'), NaN as 'nan'. Returns the path; the file appears
    complete or not at all; I/O failures raise WriteError.
    """
    if not columns:
        raise ValueError("write_csv needs at least one column")
    arrays = [np.asarray(v) for v in columns.values()]
    lengths = {a.shape for a in arrays}
    if len(lengths) != 1 or arrays[0].ndim != 1:
        raise ValueError(f"columns must be 1-D arrays of one length, got shapes {sorted(lengths)}")
    cells = [_as_text(a) for a in arrays]
    target = Path(path)
    with atomic_file(target) as fh, io.TextIOWrapper(fh, encoding="utf-8", newline="") as text:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(list(columns))
        writer.writerows(zip(*cells))
    return target


def _as_text(column: np.ndarray) -> list[str]:
    """The cells of one column as strings: (n,) -> n strings (NumPy's shortest repr)."""
    return [str(v) for v in column]
