"""The runs library: one folder per run under one runs folder, and what each run folder holds.

The runs folder is `--runs-dir`, else ``$GANSTUDIO_RUNS_DIR``, else ``runs`` in the user data
folder (platformdirs). A run folder holds, each written atomically (ganstudio.files.atomic):

- ``run.toml``: format, GAN Studio version, name, preset, created, the step the log starts at
  (0 unless the run was resumed from a checkpoint that had no run.toml), the last step, the star,
  the sweep that made the run (``sweep``, only for a sweep's runs), the starting config as
  ``[config]`` (its seed included) and the change log as ``[[changes]]``
  (ganstudio.run.changelog);
- ``checkpoint.npz`` (weights, optimizer, RNG, the full history with its events, the recorded
  frames), ``history.csv`` and ``samples.png``, written by `ganstudio train`;
- ``summary.json``: name, preset, sweep (null for none), created, last step, wall time, steps/s, the latest insight figures
  and the best FID with its step (null where not measured), for listing runs without opening their checkpoints.

Reading a run that cannot be used (a corrupt or unreadable run.toml or summary.json, a run from
a newer GAN Studio) raises RunsError naming the file; :func:`list_runs` collects those and goes
on with the other runs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from ganstudio import __version__
from ganstudio.config.model import ConfigError, RunConfig, from_dict, parse_toml, read_toml_text, to_dict
from ganstudio.files.atomic import atomic_file
from ganstudio.insight.tracker import PRDC_SERIES
from ganstudio.run.changelog import Change, check_sample_shapes, parse, split_log
from ganstudio.runs.layout import CHECKPOINT, RUN_TOML, SUMMARY
from ganstudio.runs.lock import writer

ENV = "GANSTUDIO_RUNS_DIR"
FORMAT = 1  # run.toml's layout; a newer one is refused, not misread


class RunsError(ConfigError):
    """A runs folder or run folder that cannot be used; the message names the file."""


def runs_folder(given: str | None = None) -> Path:
    """Where runs live: `given` (--runs-dir), else $GANSTUDIO_RUNS_DIR, else the user data folder's runs/."""
    if given:
        return Path(given)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    return Path(platformdirs.user_data_dir("ganstudio")) / "runs"


def new_run_folder(runs: Path, label: str) -> Path:
    """Create and return a new, empty run folder in `runs` named by the local time and `label`
    (e.g. 20261201-080512-vanilla; -2, -3, ... when that name is taken)."""
    stem = f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{label}"
    try:
        runs.mkdir(parents=True, exist_ok=True)
        for n in range(1, 1000):
            folder = runs / (stem if n == 1 else f"{stem}-{n}")
            try:
                folder.mkdir()
                return folder
            except FileExistsError:
                continue
    except OSError as exc:
        raise RunsError(f"runs folder {runs}: cannot create a run folder in it ({exc.strerror or exc})") from None
    raise RunsError(f"runs folder {runs}: too many runs named {stem}")


def check_new_name(name: str, runs: Path) -> None:
    """RunsError unless `name` can name a new run in `runs`: a plain folder name (no path, no
    leading dot, which marks GAN Studio's own files) that no run folder or run.toml there has,
    so the name finds this run alone."""
    if not name.strip() or name != name.strip() or os.sep in name or name.startswith("."):
        raise RunsError(f"run name {name!r}: give a plain folder name (no '{os.sep}', no leading dot or spaces)")
    taken = runs_named(name, runs)
    if taken or (runs / name).exists():
        where = taken[0] if taken else runs / name
        raise RunsError(f"run name {name!r}: {where} already has it; continue that run, or choose another name")


def named_run_folder(runs: Path, name: str) -> Path:
    """Create and return the new, empty run folder `runs`/`name` (see :func:`check_new_name`);
    RunsError when it exists by now or cannot be made."""
    check_new_name(name, runs)
    folder = runs / name
    try:
        runs.mkdir(parents=True, exist_ok=True)
        folder.mkdir()
    except FileExistsError:
        raise RunsError(f"run name {name!r}: {folder} already exists; choose another name") from None
    except OSError as exc:
        raise RunsError(f"runs folder {runs}: cannot create a run folder in it ({exc.strerror or exc})") from None
    return folder


@dataclass
class Run:
    """A run folder's run.toml, read or about to be written. `changes`: the log (a session
    appends to the same list while it trains)."""

    folder: Path
    name: str
    preset: str
    created: str
    config: RunConfig
    start_step: int = 0
    last_step: int = 0
    starred: bool = False
    sweep: str = ""  # the name of the `ganstudio sweep` that made this run ("" for none)
    version: str = __version__
    changes: list[Change] = field(default_factory=list)

    @classmethod
    def new(cls, folder: Path, preset: str, config: RunConfig, start_step: int = 0, sweep: str = "") -> Run:
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(folder, folder.name, preset, created, config, start_step=start_step, last_step=start_step, sweep=sweep)

    def continued(self, folder: Path) -> Run:
        """This run, going on in `folder` (its own, or another --out)."""
        return dataclasses.replace(self, folder=folder, name=self.name if folder == self.folder else folder.name)

    def toml(self) -> str:
        head = {
            "format": FORMAT,
            "ganstudio_version": __version__,
            "name": self.name,
            "preset": self.preset,
            "created": self.created,
            "start_step": self.start_step,
            "last_step": self.last_step,
            "starred": self.starred,
            **({"sweep": self.sweep} if self.sweep else {}),
            "config": to_dict(self.config),
        }
        intro = (
            "# A GAN Studio run: its starting config and every live change, at its step.\n"
            "# Replay it with: ganstudio train --replay FILE\n"
        )
        return intro + tomli_w.dumps(head) + "".join("\n" + c.toml() for c in self.changes)

    def save(self, session) -> tuple[Path, Path]:
        """Write summary.json and then run.toml for `session` (a ganstudio.run.session.Session training
        this run); returns their paths (run.toml's first). run.toml comes last because it makes a
        folder a run for the listing: a new run is listed only once its summary is there too."""
        self.changes = session.changes.entries
        self.last_step = session.step_count
        self.starred, self.name = _marks_on_disk(self.folder, self.starred, self.name)  # set meanwhile by `runs star`, a rename
        with atomic_file(self.folder / SUMMARY) as fh:
            fh.write(json.dumps(summary(self, session), indent=2).encode("utf-8"))
        with atomic_file(self.folder / RUN_TOML) as fh:
            fh.write(self.toml().encode("utf-8"))
        return self.folder / RUN_TOML, self.folder / SUMMARY


def _marks_on_disk(folder: Path, starred: bool, name: str) -> tuple[bool, str]:
    """The star and name run.toml in `folder` holds now (the given ones when it cannot be read):
    the file is where they live, so a run's own rewrites keep a star or a name set meanwhile
    (`runs star`, the window's Runs panel)."""
    data = _head(folder)
    if data is None:
        return starred, name
    return bool(data.get("starred", starred)), str(data.get("name", name))


def _head(folder: Path) -> dict[str, Any] | None:
    """The tables above the change log of `folder`'s run.toml (name, star, config...), read
    without its log when the log is as written; None when the file cannot be read."""
    path = folder / RUN_TOML
    try:
        return parse_toml(split_log(read_toml_text(path))[0], str(path))
    except (OSError, ConfigError):
        return None


def set_starred(folder: Path, starred: bool) -> Run:
    """Star (or unstar) the run in `folder`: its run.toml is written again with the star."""
    run = read_run(folder)
    run.starred = starred
    with atomic_file(folder / RUN_TOML) as fh:
        fh.write(run.toml().encode("utf-8"))
    return run


def rename_run(folder: Path, name: str) -> Run:
    """Give the run in `folder` the name `name` (what `runs list` and the Runs panel show; the
    folder keeps its own name): run.toml and summary.json are written again with it."""
    name = name.strip()
    if not name:
        raise RunsError(f"{folder / RUN_TOML}: a run's name cannot be empty")
    run = read_run(folder)
    run.name = name
    with atomic_file(folder / RUN_TOML) as fh:
        fh.write(run.toml().encode("utf-8"))
    figures = read_summary(folder)
    if figures:
        with atomic_file(folder / SUMMARY) as fh:
            fh.write(json.dumps({**figures, "name": name}, indent=2).encode("utf-8"))
    return run


def summary(run: Run, session) -> dict[str, Any]:
    """summary.json's content: the run's figures now (null where not measured)."""
    elapsed, steps = session.elapsed, session.step_count
    latest = {
        name: _latest(session.insight.values.get(name))
        for name in ("classes_covered", "recognisable", "fid", "modes_covered", "high_quality", "class_accuracy", *PRDC_SERIES)
    }
    share, recognisable = latest.pop("high_quality"), latest.pop("recognisable")
    latest |= {name: None if latest[name] is None else round(latest[name], 4) for name in PRDC_SERIES}
    best = session.insight.best
    return {
        "name": run.name,
        "preset": run.preset,
        "sweep": run.sweep or None,
        "created": run.created,
        "last_step": steps,
        "wall_time_s": round(elapsed, 3),
        "steps_per_s": round(steps / elapsed, 2)
        if elapsed > 0
        else None,  # elapsed: the training time of all steps, resumes included
        **latest,
        "high_quality_share": None if share is None else round(share / 100.0, 4),
        "recognisable_share": None if recognisable is None else round(recognisable / 100.0, 4),
        "best_fid": None if best is None else best.fid,
        "best_step": None if best is None else best.step,
    }


def _latest(values) -> float | None:
    if values is None or not len(values) or not math.isfinite(float(values[-1])):
        return None
    return float(values[-1])


def _run_toml(text: str, source: str) -> dict[str, Any]:
    """run.toml's tables: the change log read apart when it is as GAN Studio writes it (fast for
    long logs), everything else by the TOML reader."""
    head, changes = split_log(text)
    data = parse_toml(head, source)
    if changes is None:
        return data
    if "changes" in data:  # a hand-made file with changes above the log too: read it whole
        return parse_toml(text, source)
    return {**data, "changes": changes}


def read_run(folder: Path, source: Path | None = None) -> Run:
    """The run in `folder` (its run.toml, or the file `source`); RunsError naming the file
    when it is missing, unreadable, corrupt or from a newer GAN Studio."""
    path = source or folder / RUN_TOML
    try:
        text = read_toml_text(path)
        data = _run_toml(text, str(path))
    except FileNotFoundError:
        raise RunsError(f"{path}: no such file (not a run folder?)") from None
    except OSError as exc:
        raise RunsError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ConfigError as exc:  # not UTF-8, not TOML, too large or nested too deeply
        raise RunsError(str(exc)) from None
    fmt = data.get("format")
    if isinstance(fmt, int) and fmt > FORMAT:
        raise RunsError(
            f"{path}: written by a newer GAN Studio ({data.get('ganstudio_version', '?')}, run format {fmt}); "
            f"this is {__version__}, which reads format {FORMAT}"
        )
    if fmt != FORMAT or not isinstance(data.get("config"), dict):
        raise RunsError(f"{path}: corrupt run file (no 'format = {FORMAT}' or no [config] section)")
    try:
        config = from_dict(data["config"])
        start_step = int(data.get("start_step", 0))
        run = Run(
            folder,
            str(data.get("name", folder.name)),
            str(data.get("preset", "")),
            str(data.get("created", "")),
            config,
            start_step=start_step,
            last_step=int(data.get("last_step", start_step)),
            starred=bool(data.get("starred", False)),
            sweep=str(data.get("sweep", "")),
            version=str(data.get("ganstudio_version", "")),
        )
    except ConfigError as exc:
        raise RunsError(f"{path}: [config]: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise RunsError(f"{path}: corrupt run file ({exc})") from None
    run.changes = parse(data.get("changes", []), text, str(path), config, start_step, run.last_step)
    check_sample_shapes(run.changes, text, str(path), config)
    return run


def read_summary(folder: Path) -> dict[str, Any]:
    """A run folder's summary.json ({} when there is none yet); RunsError when it is corrupt."""
    path = folder / SUMMARY
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise RunsError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise RunsError(f"{path}: corrupt summary, not JSON ({exc})") from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise RunsError(f"{path}: corrupt summary, nested too deeply to read") from None
    if not isinstance(data, dict):
        raise RunsError(f"{path}: corrupt summary (not a JSON object)")
    return data


def list_runs(runs: Path) -> tuple[list[tuple[Run, dict[str, Any]]], list[str]]:
    """Every run in `runs` (by folder name) with its summary, and one message per run folder
    that cannot be read (the others still list). RunsError when `runs` itself cannot be read."""
    try:
        folders = sorted(p for p in runs.iterdir() if p.is_dir() and (p / RUN_TOML).exists())
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        raise RunsError(f"runs folder {runs}: cannot read it ({exc.strerror or exc})") from None
    found, problems = [], []
    for folder in folders:
        try:
            found.append((read_run(folder), read_summary(folder)))
        except ConfigError as exc:  # RunsError, or a change log that does not parse
            problems.append(str(exc))
    return found, problems


def check_deletable(folder: Path) -> None:
    """RunsError unless `folder` is a run folder (holds a run.toml or checkpoint.npz): nothing else
    is deleted; nor a run that a living process writes (it would write into a deleted folder)."""
    pid = writer(folder)
    if pid is not None:
        raise RunsError(f"{folder}: process {pid or '(unknown)'} is writing this run; not deleting it (stop that process first)")
    if not (folder / RUN_TOML).exists() and not (folder / CHECKPOINT).exists():
        raise RunsError(f"{folder}: not a run folder (no {RUN_TOML} or {CHECKPOINT}); not deleting it")


def delete_run(folder: Path) -> None:
    """Delete the run folder `folder` and everything in it; RunsError when it is not a run folder
    or cannot be deleted."""
    check_deletable(folder)
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        raise RunsError(f"{folder}: cannot delete it ({exc.strerror or exc})") from None


def find_run(text: str, runs: Path) -> Path:
    """The run folder `text` names: a folder path, else the one run in `runs` whose folder or
    run.toml name is `text`. RunsError when no run has that name, or more than one (a copied
    run folder keeps its run's name): the message names their folders."""
    path = Path(text)
    if path.is_dir():
        return path
    named = runs_named(text, runs) if os.sep not in text else []
    if len(named) == 1:
        return named[0]
    if named:
        folders = ", ".join(str(folder) for folder in named)
        raise RunsError(f"{text}: {len(named)} runs have this name ({folders}); give the folder of the one you mean")
    raise RunsError(f"{text}: no such run folder, and no run of that name in the runs folder {runs}")


def runs_named(name: str, runs: Path) -> list[Path]:
    """The folders in `runs` whose own name or run.toml name is `name`, sorted."""
    try:
        folders = sorted(p for p in runs.iterdir() if p.is_dir())
    except OSError:  # no runs folder (yet), or not readable: no run has the name
        return []
    return [folder for folder in folders if folder.name == name or _toml_name(folder) == name]


def _toml_name(folder: Path) -> str | None:
    """The name in `folder`'s run.toml (None when there is none or it cannot be read)."""
    data = _head(folder)
    return None if data is None else str(data.get("name"))


def run_checkpoint(text: str, runs: Path) -> Path:
    """The checkpoint `text` names: a checkpoint file (an .npz path), else the checkpoint of the
    run folder or run name `text` (see :func:`find_run`)."""
    path = Path(text)
    if path.is_file() or path.suffix.lower() == ".npz":
        return path
    checkpoint = find_run(text, runs) / CHECKPOINT
    if not checkpoint.is_file():
        raise RunsError(f"{checkpoint.parent}: the run has no checkpoint yet (it is written after its first trained steps)")
    return checkpoint


def row(run: Run, summary: dict[str, Any]) -> dict[str, Any]:
    """One run's line of `runs list` and the Runs panel: its name, folder, preset, sweep, creation
    time, steps and figures (from its summary.json's `summary`)."""
    return {
        "name": run.name,
        "folder": str(run.folder),
        "preset": run.preset,
        "sweep": run.sweep or None,
        "created": run.created,
        "steps": summary.get("last_step", run.last_step),
        "fid": summary.get("fid"),
        "modes_covered": summary.get("modes_covered"),
        "classes_covered": summary.get("classes_covered"),
        "recognisable_share": summary.get("recognisable_share"),
        **{name: summary.get(name) for name in PRDC_SERIES},
        "starred": run.starred,
    }
