"""Names a user gives for runs to compare: run folders, run names in the runs folder, or the
name of a sweep there (its runs). Here, above both runs/ and sweep/, because a sweep's name is
resolved through its manifest."""

from __future__ import annotations

from pathlib import Path

from ganstudio.runs.compare import MAX_RUNS, check_count
from ganstudio.runs.layout import RUN_TOML
from ganstudio.runs.library import RunsError, find_run
from ganstudio.sweep import manifest


def resolve(names: list[str], runs: Path) -> list[Path]:
    """The run folders `names` name: run folders, run names in the runs folder `runs`, or the
    name of a sweep there (its runs that have started, in plan order). RunsError for a name that
    is none of these, or unless MIN_RUNS to MAX_RUNS runs result."""
    if len(names) > MAX_RUNS:
        check_count(len(names))  # before any lookup
    folders = named_folders(names, runs)
    check_count(len(folders))
    return folders


def named_folders(names: list[str], runs: Path) -> list[Path]:
    """The run folders `names` name, as :func:`resolve` finds them, however many."""
    return [folder for name in names for folder in _named(name, runs)]


def _named(name: str, runs: Path) -> list[Path]:
    """The run folder `name` names, or the started runs of the sweep called `name`."""
    try:
        return [find_run(name, runs)]
    except RunsError:
        sweep = manifest.load(runs / "sweeps" / name) if manifest.NAME_PATTERN.fullmatch(name) else None
        if sweep is None:
            raise
    return [runs / entry.folder for entry in sweep.entries if (runs / entry.folder / RUN_TOML).is_file()]
