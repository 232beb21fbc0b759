"""A sweep's folder and manifest: what makes rerunning the same command resume the sweep.

The sweep named NAME keeps ``<runs folder>/sweeps/NAME/``:

- ``sweep.json``: the plan (each run's folder name, the values it sets and its whole config),
  how long each run trains (``steps`` or ``seconds``) and each run's status: ``planned`` (not
  started or not finished: resumed from its checkpoint next time), ``finished``, ``diverged``,
  ``early-stopped`` (by Ray Tune's ASHA) or ``failed``. Only the sweep's own process writes it,
  atomically, after each run ends, holding the sweep folder's lock (ganstudio.runs.lock).
- ``results.csv``: the ranked table (ganstudio.sweep.results).

Its runs are ordinary run folders in the runs folder, named NAME-01, NAME-02, ... and tagged
with the sweep's name in run.toml and summary.json, so `ganstudio runs list --sweep NAME` lists
them. A rerun whose plan differs from the manifest's (another grid, base config or length) is
refused with a message saying so, not mixed into the old sweep.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganstudio.config.model import ConfigError, to_dict
from ganstudio.files.atomic import atomic_file
from ganstudio.runs.library import RunsError
from ganstudio.runs.lock import FolderLock
from ganstudio.sweep.plan import Planned

FORMAT = 1
MANIFEST = "sweep.json"
RESULTS = "results.csv"
DONE = ("finished", "diverged", "early-stopped")  # statuses a rerun skips
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise ConfigError(f"--name {name!r}: use letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit)")
    return name


def default_name(label: str, plan: list[Planned], length: dict[str, float]) -> str:
    """`label` and a short hash of the plan, e.g. "recommended-3f9a2c": the same command gets the
    same name (so a rerun resumes it), another grid another name."""
    text = json.dumps([[p.values, to_dict(p.config)] for p in plan] + [length], sort_keys=True, default=str)
    return f"{label}-{hashlib.sha1(text.encode()).hexdigest()[:6]}"


@dataclass
class Entry:
    """One planned run: its folder name in the runs folder, the values it sets, its status."""

    folder: str
    values: dict[str, Any]
    config: dict[str, Any]
    status: str = "planned"


@dataclass
class Manifest:
    name: str
    folder: Path  # the sweep folder
    preset: str  # the base config's label (preset name or config file stem)
    length: dict[str, float]  # {"steps": N} or {"seconds": S}
    entries: list[Entry] = field(default_factory=list)

    @classmethod
    def plan(cls, runs: Path, name: str, preset: str, plan: list[Planned], length: dict[str, float]) -> Manifest:
        width = max(2, len(str(len(plan))))
        entries = [Entry(f"{name}-{i + 1:0{width}d}", dict(p.values), to_dict(p.config)) for i, p in enumerate(plan)]
        return cls(name, runs / "sweeps" / name, preset, length, entries)

    @property
    def path(self) -> Path:
        return self.folder / MANIFEST

    def same_plan(self, other: Manifest) -> bool:
        ours = [(e.folder, e.config) for e in self.entries]
        return ours == [(e.folder, e.config) for e in other.entries] and self.length == other.length

    def save(self) -> None:
        data = {
            "format": FORMAT,
            "name": self.name,
            "preset": self.preset,
            "length": self.length,
            "runs": [{"folder": e.folder, "values": e.values, "status": e.status, "config": e.config} for e in self.entries],
        }
        self._make_folder()
        with atomic_file(self.path) as fh:
            fh.write(json.dumps(data, indent=2).encode("utf-8"))

    def lock(self) -> FolderLock:
        """The sweep folder (created if need be), locked for this process: one sweep process at a
        time writes the manifest and trains its runs (FolderBusy naming the other one)."""
        self._make_folder()
        return FolderLock(self.folder)

    def _make_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunsError(f"{self.folder}: cannot create the sweep folder ({exc.strerror or exc})") from None


def load(folder: Path) -> Manifest | None:
    """The manifest in the sweep folder `folder` (None when there is none); RunsError naming
    the file when it cannot be used."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RunsError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise RunsError(f"{path}: corrupt sweep manifest, not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RunsError(f"{path}: not a sweep manifest of format {FORMAT}")
    try:
        entries = [Entry(r["folder"], r["values"], r["config"], r["status"]) for r in data["runs"]]
        return Manifest(data["name"], folder, data["preset"], data["length"], entries)
    except (KeyError, TypeError) as exc:
        raise RunsError(f"{path}: corrupt sweep manifest ({exc!r} missing or wrong)") from None


def prepare(planned: Manifest) -> Manifest:
    """The sweep to run: `planned` when it is new, else the one on disk with its runs' statuses
    (ConfigError when its plan differs from `planned`, or a new sweep's run folder names are
    taken). Nothing is written: the caller saves the manifest once everything else is checked."""
    existing = load(planned.folder)
    if existing is None:
        runs = planned.folder.parent.parent
        taken = [e.folder for e in planned.entries if (runs / e.folder).exists()]
        if taken:
            raise ConfigError(f"sweep {planned.name}: the runs folder {runs} already holds {taken[0]}; give another --name")
        return planned
    if not existing.same_plan(planned):
        raise ConfigError(
            f"sweep {planned.name} already exists ({existing.path}) with another plan (grid, ranges, base config or "
            f"length differ); rerun it with its own options to resume it, or give another --name"
        )
    return existing
