"""A sweep's quality figure, its ranked table and results.csv.

The quality figure of a run is read from its summary.json (the latest insight measurement,
taken every run.insight_every steps): FID for digit datasets (lower is better); for the 2D toys
modes covered, then the high-quality share (higher is better), folded into one number for Ray
Tune as ``quality = modes_covered + high_quality_share`` (the share is at most 1, so modes
decide first). Finished runs rank first; a run without the figure (not measured yet, failed)
ranks last among its kind.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganstudio.config.model import RunConfig
from ganstudio.data import TOY_NAMES
from ganstudio.files.atomic import atomic_file
from ganstudio.runs.formatting import FIGURES, aligned, figure_text
from ganstudio.sweep.manifest import RESULTS, Entry, Manifest


@dataclass(frozen=True)
class Figure:
    """What a sweep ranks by: `metric` (a summary.json key, or "quality" for the 2D toys) and
    `mode` ("min": lower is better, or "max")."""

    metric: str
    mode: str

    def of(self, summary: dict[str, Any]) -> float | None:
        """The figure in a run's summary (None when not measured)."""
        if self.metric == "quality":
            modes = summary.get("modes_covered")
            return None if modes is None else float(modes) + float(summary.get("high_quality_share") or 0.0)
        value = summary.get(self.metric)
        return None if value is None else float(value)

    def describe(self, summary: dict[str, Any]) -> str:
        """E.g. "FID 41.2" or "8 modes, 93.1% high-quality"; "not measured" when not."""
        if self.metric == "quality":
            modes, share = summary.get("modes_covered"), summary.get("high_quality_share")
            return "modes not measured" if modes is None else f"{modes:g} modes, {100 * (share or 0):.1f}% high-quality"
        value = summary.get(self.metric)
        return f"{self.metric.upper()} not measured" if value is None else f"{self.metric.upper()} {value:.4g}"

    def sort_key(self, value: float | None) -> float:
        if value is None or not math.isfinite(value):
            return math.inf
        return value if self.mode == "min" else -value


def figure_for(config: RunConfig) -> Figure:
    return Figure("quality", "max") if config.data.dataset in TOY_NAMES else Figure("fid", "min")


@dataclass(frozen=True)
class Row:
    entry: Entry
    summary: dict[str, Any]
    value: float | None


def ranked(manifest: Manifest, summaries: dict[str, dict[str, Any]], figure: Figure) -> list[Row]:
    """The sweep's runs, best first (`summaries`: {run folder name: its summary.json}): the
    finished runs by their figure, then the others (early-stopped, unfinished...) by theirs,
    which were measured earlier in training."""
    rows = [Row(e, summaries.get(e.folder, {}), figure.of(summaries.get(e.folder, {}))) for e in manifest.entries]
    return sorted(rows, key=lambda r: (r.entry.status != "finished", figure.sort_key(r.value)))


def columns(manifest: Manifest, figure: Figure) -> list[str]:
    keys = list(dict.fromkeys(k for e in manifest.entries for k in e.values))
    digits = ["fid", "classes_covered", "recognisable_share"]
    quality = ["modes_covered", "high_quality_share"] if figure.metric == "quality" else digits
    return ["rank", "run", "status", *keys, "steps", "wall_time_s", *quality, "folder"]


def _cells(rank: int, row: Row, header: list[str], runs: Path) -> dict[str, Any]:
    s = row.summary
    cells = {"rank": rank, "run": row.entry.folder, "status": row.entry.status, "steps": s.get("last_step")}
    cells |= {"wall_time_s": s.get("wall_time_s"), "folder": str(runs / row.entry.folder)}
    cells |= {k: s.get(k) for k in ("fid", "classes_covered", "recognisable_share", "modes_covered", "high_quality_share")}
    cells |= row.entry.values
    return {name: cells.get(name) for name in header}


def write_results(manifest: Manifest, rows: list[Row], figure: Figure, runs: Path) -> Path:
    """results.csv in the sweep folder: one line per run, best first; empty cells where not measured."""
    header = columns(manifest, figure)
    text = io.StringIO()
    writer = csv.DictWriter(text, header, lineterminator="\n")
    writer.writeheader()
    for rank, row in enumerate(rows, 1):
        writer.writerow({k: "" if v is None else v for k, v in _cells(rank, row, header, runs).items()})
    path = manifest.folder / RESULTS
    with atomic_file(path) as fh:
        fh.write(text.getvalue().encode("utf-8"))
    return path


def table(manifest: Manifest, rows: list[Row], figure: Figure, runs: Path) -> str:
    """The ranked table as aligned text (no folder column: the run names are in the runs folder)."""
    header = [c for c in columns(manifest, figure) if c != "folder"]
    lines = [header]
    for rank, row in enumerate(rows, 1):
        cells = _cells(rank, row, header, runs)
        lines.append([_text(c, cells[c]) for c in header])
    return aligned(lines)


def _text(column: str, value: Any) -> str:
    """A cell as `runs show` writes the figure `column` (counts whole, shares as percents, FIDs
    with 2 decimals, seconds with 1); other numbers with 4 significant digits."""
    if value is None:
        return "-"
    if column in FIGURES:
        return figure_text(column, value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
