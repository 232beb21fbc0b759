"""How a run's figures and dates read on the command line (`runs list`, `runs show`; the window's
Runs panel takes its classes cell from here): one rule per kind of number.

FIDs have 2 decimals, counts are whole numbers with thousands separators, shares are percents,
dates are local time to the minute, and what was not measured reads as the caller's `missing`;
tables are aligned text columns (`aligned`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

COUNTS = ("last_step", "steps", "classes_covered", "modes_covered", "best_step")
SHARES = ("recognisable_share", "high_quality_share")
FIDS = ("fid", "best_fid")
FIGURES = (*COUNTS, *SHARES, *FIDS, "wall_time_s", "steps_per_s")  # the names figure_text formats


def fid_text(fid: float) -> str:
    return f"{fid:.2f}"


def count_text(value: float) -> str:
    """A count (steps, classes, modes; JSON may hold it as 10.0) as a whole number: "12,500"."""
    return f"{round(value):,}"


def share_text(share: float) -> str:
    """A share in 0..1 as a percent: "49%"."""
    return f"{share:.0%}"


def date_text(iso: str) -> str:
    """An ISO 8601 time (run.toml's `created`) in local time to the minute, "2026-12-01 09:05";
    the text itself when it is not one."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return iso


def figure_text(name: str, value: Any, missing: str = "not measured") -> str:
    """summary.json's figure `name` as `runs show` prints it: counts whole, shares as percents,
    FIDs with 2 decimals, seconds and rates with 1 decimal."""
    if value is None:
        return missing
    if name in COUNTS:
        return count_text(value)
    if name in SHARES:
        return share_text(value)
    if name in FIDS:
        return fid_text(value)
    if name == "wall_time_s":
        return f"{value:,.1f} s"
    if name == "steps_per_s":
        return f"{value:,.1f}"
    return str(value)


def quality_text(fid: float | None, modes: float | None, missing: str) -> str:
    """A run's quality figure: "FID 15.78" for digits, "7 modes" for a 2D toy, else `missing`."""
    if fid is not None:
        return f"FID {fid_text(fid)}"
    if modes is not None:
        return f"{count_text(modes)} mode" + ("" if round(modes) == 1 else "s")
    return missing


def classes_text(classes: float | None, recognisable_share: float | None, missing: str) -> str:
    """A run's classes covered with the share of its samples that were recognisable, "3 (49%)";
    `missing` where not measured (the share is left out for runs measured before it existed)."""
    if classes is None:
        return missing
    return count_text(classes) + ("" if recognisable_share is None else f" ({share_text(recognisable_share)})")


def aligned(lines: Sequence[Sequence[str]]) -> str:
    """Rows of cells (the header first) as text columns, two spaces apart, left-aligned."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)
