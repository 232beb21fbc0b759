"""Where `ganstudio train` writes, settled before any training so that no run is lost or overwritten.

- :func:`output_folder`: `--out` if given; with `--resume`, the checkpoint's own folder; else
  None: a new run folder in the runs folder (ganstudio.runs.library).
- :func:`check_writable`: the output folder (or the nearest existing folder above it, which it
  will be created in) and the GIF's folder must take a new file (:func:`check_file_target`, for
  any output file). Probed by creating one and
  removing it: permission bits do not tell (root writes into read-only folders; a read-only
  mount refuses everyone).
- :func:`refuse_another_run`: a folder holding another run's outputs is not written into
  without `--force`. The outputs belong to the run whose checkpoint is there; only a resume
  from that very file continues it in place (see docs/DESIGN.md, "Run folders").
- :func:`create_folder` and :func:`remove_created`: once every check has passed the folder is
  made; a start that fails after that removes the folders it made while they are still empty.
- :func:`remove_staging`: a run folder about to be written holds no live writer's staging file,
  so those of killed writes (a SIGKILL during a checkpoint) go at once.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from ganstudio.config.model import ConfigError
from ganstudio.files.atomic import sweep_stale
from ganstudio.run.checkpoint import Checkpoint, CheckpointError
from ganstudio.runs.layout import CHECKPOINT, OUTPUT_NAMES


def output_folder(out: str | None, resume: str | None) -> Path | None:
    """The folder a run writes into: `out`, else the folder of the checkpoint it resumes, else
    None (a new run folder in the runs folder)."""
    if out is not None:
        return Path(out)
    if resume is not None:
        return Path(resume).parent
    return None


def check_writable(out: Path, gif: str | None, option: str = "--out") -> None:
    """ConfigError naming `option` unless `out` is (or can be created as) a folder that takes a
    new file, and the GIF file `gif` (if given) can be created in its existing folder."""
    if out.exists():
        _probe(out, option, out)
    else:
        existing = next(p for p in out.parents if p.exists())
        _probe(existing, option, out, creating=True)
    if gif is not None:
        check_file_target(gif, "--gif", "run.gif")


def check_file_target(given: str, option: str, example: str) -> None:
    """ConfigError naming `option` unless the file `given` can be created in its existing folder
    (`example`: a file name to suggest when `given` is a folder)."""
    path = Path(given)
    if path.is_dir():
        raise ConfigError(f"{option} {given}: that is a folder; give a file name such as {path / example}")
    folder = path.parent
    if not folder.exists():
        raise ConfigError(f"{option} {given}: the folder {folder} does not exist")
    _probe(folder, option, path)


def _probe(folder: Path, option: str, given: Path, creating: bool = False) -> None:
    """Create and remove a file (or, when `creating`, a folder) in `folder`; ConfigError if that fails."""
    if not folder.is_dir():
        raise ConfigError(f"{option} {given}: {folder} is a file, not a folder")
    try:
        if creating:
            os.rmdir(tempfile.mkdtemp(prefix=".ganstudio-probe.", dir=folder))
        else:
            probe = folder / f".ganstudio-probe.{secrets.token_hex(4)}"
            open(probe, "xb").close()
            probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"{option} {given}: cannot write into {folder} ({reason})") from None


def refuse_another_run(out: Path, resume: str | None, given: bool) -> None:
    """ConfigError unless `out` holds none of a run's outputs, or its checkpoint is the file
    `resume` names (the run continues in place). `given`: whether `out` came from --out (the
    message names where the folder came from)."""
    found = [name for name in OUTPUT_NAMES if (out / name).exists()]
    if not found:
        return
    checkpoint = out / CHECKPOINT
    if checkpoint.exists():
        if resume is not None and _same_file(checkpoint, Path(resume)):
            return
        found[0] = f"{CHECKPOINT} {_describe(checkpoint)}"
    where = f"--out {out}" if given else f"{out} (the folder of --resume)"
    advice = f"continue that run with --resume {checkpoint}, " if checkpoint.exists() else ""
    raise ConfigError(
        f"{where} already holds a run's outputs ({', '.join(found)}); "
        f"{advice}choose another --out, or add --force to overwrite them"
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _describe(path: Path) -> str:
    try:
        ckpt = Checkpoint(path)
    except CheckpointError:
        return "(unreadable)"
    return f"at step {ckpt.step} on {ckpt.config.data.dataset}"


def create_folder(out: Path) -> list[Path]:
    """Create `out` and any missing folder above it; returns the folders this made, deepest
    first (empty when `out` existed). ConfigError naming --out when that fails."""
    made = [p for p in (out, *out.parents) if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    return made


def remove_created(made: list[Path]) -> None:
    """Remove the folders `made` (deepest first) that are still empty: a failed start leaves
    nothing behind, and a folder holding anything (outputs saved while training) stays."""
    for folder in made:
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone: what is left stays
            return


def remove_staging(out: Path) -> None:
    """Remove every staging file (`.NAME.RANDOM.part.SUFFIX`) in the run folder `out`: this run
    is the folder's one writer, so they are what killed writes left (see export/atomic.py)."""
    sweep_stale(out, stale_after=0)
