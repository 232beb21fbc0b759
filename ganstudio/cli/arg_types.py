"""argparse types of the `ganstudio` commands: every count and duration has a sane maximum.

A value outside its range is refused by argparse before any work, in one line naming the option
and the value (see `cli.OneLineParser`): `--steps 99999999999999999999999` would otherwise train
for ever, `sample --seed -1` would reach NumPy as a traceback.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from ganstudio.config.model import RANGES

MAX_STEPS = 1_000_000_000  # --steps: about 12 days at 1,000 steps/s
MAX_SECONDS = 30 * 24 * 3600.0  # --seconds: 30 days
MAX_SEED = 2**32 - 1  # the config's seed range; NumPy refuses negative seeds
MAX_SCALE = 1000  # pixel enlargements (--gif-scale, --scale); the picture's own size limit is checked where it is known
MAX_SAMPLES = 100_000  # sample -n
MAX_WORKERS = 1024  # sweep --workers
MAX_ROUNDS = 1000  # bench --rounds


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """argparse type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low:,} to {high:,}, not {text!r}")
        return value

    return parse


def count(high: int) -> Callable[[str], int]:
    """argparse type: a whole number from 1 to `high`."""
    return whole_number(1, high)


def duration(high: float) -> Callable[[str], float]:
    """argparse type: a number of seconds above 0, at most `high`."""

    def parse(text: str) -> float:
        value = _number(text)
        if not 0 < value <= high:  # NaN fails too
            raise argparse.ArgumentTypeError(f"must be a number of seconds above 0 and at most {high:,.0f}, not {text!r}")
        return value

    return parse


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = _number(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number above 0, not {text!r}")
    return value


def megabytes(text: str) -> float:
    """argparse type: a size in MB, a finite number >= 0 (0 = no limit)."""
    value = _number(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a size in MB, 0 or more (0 = no limit), not {text!r}")
    return value


steps = count(MAX_STEPS)
record_every = count(int(RANGES["run.record_every"][1]))  # --gif-every sets run.record_every
seconds = duration(MAX_SECONDS)
seed = whole_number(0, MAX_SEED)
scale = count(MAX_SCALE)


def cell_numbers(text: str) -> tuple[int, ...]:
    """argparse type: grid cell numbers separated by commas ("3,17,40"), each 0 or more; whether
    they are inside the run's grid is checked once the run is read."""
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isascii() and part.isdigit() for part in parts):  # no sign, no fraction, no empty part
        raise argparse.ArgumentTypeError(f"must be cell numbers separated by commas, such as 3,17,40, not {text!r}")
    return tuple(int(part) for part in parts)


def existing_folder(text: str) -> str:
    """argparse type: a folder that exists (`~` expanded for the check), returned as given. A
    mistyped --data-dir is a mistake, not a new place to download a dataset into."""
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{'not a folder' if path.exists() else 'no such folder'}: {text!r}")
    return text


def _number(text: str) -> float:
    """`text` as a float, NaN when it is not a number (every range check then fails on it)."""
    try:
        return float(text)
    except ValueError:
        return math.nan
