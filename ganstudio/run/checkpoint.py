"""Checkpoints: one .npz file with weights, optimizer state, RNG state, step, epoch, config,
history and recorded frames. Resuming is bit-exact.

Layout: `format` (a version string), `data_dir` (the absolute folder the MNIST family was
looked for in; absent from older checkpoints) and the run's state as `RunState.state_dict`
gives it (the one serialiser, shared with revert points and the divergence guard): `config`
(the TOML text), `rng` (the generator's state as JSON), `step`, `elapsed`, and arrays under
prefixes `gan/`, `batches/`, `history/`, `recorder/`, `insight/`. Older checkpoints (no
`insight/`, frames as `shapes` + `pixels`, events without kinds) still load. Written
atomically (temporary file + rename).

Format 2 (conv networks): the config has `generator.kind` and the conv settings, and a conv
net's buffers are saved as `gan/g/buffers`, `gan/d/buffers`. Format 1 files load unchanged (their
configs take the defaults: kind "mlp"). A GAN Studio that reads only format 1 refuses a format 2
file with "not a GAN Studio checkpoint (no 'ganstudio-checkpoint-1' marker)"; this one names a
newer format as such.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ganstudio.config.model import ConfigError, RunConfig, from_toml
from ganstudio.data import DatasetError
from ganstudio.data.mnist import FAMILIES, data_root, on_disk
from ganstudio.engine.gan import GAN
from ganstudio.files.atomic import atomic_file
from ganstudio.run.memory import check_memory
from ganstudio.run.state import build_gan, section

FORMAT_PREFIX = "ganstudio-checkpoint-"
VERSION = 2
FORMAT = f"{FORMAT_PREFIX}{VERSION}"
READABLE = {f"{FORMAT_PREFIX}{v}" for v in range(1, VERSION + 1)}


class CheckpointError(Exception):
    """A checkpoint file that cannot be used; the message names the file and the problem."""


def save_checkpoint(session, path: str | Path) -> Path:
    """Write `session`'s state (a ganstudio.run.session.Session) to `path`; WriteError on I/O failure."""
    path = Path(path)
    with atomic_file(path) as fh:
        np.savez(
            fh, format=np.array(FORMAT), data_dir=np.array(str(data_root(session.data_dir).resolve())), **session.state_dict()
        )
    return path


HEADER = ("format", "data_dir", "config", "rng", "step", "elapsed")


class Checkpoint:
    """A checkpoint read from disk: its config and arrays, checked for the right format.
    sections: read only the arrays under these prefixes (e.g. ("history", "recorder")) beside
    the header, not the weights; None reads everything."""

    def __init__(self, path: str | Path, sections: tuple[str, ...] | None = None) -> None:
        self.path = Path(path)
        wanted = None if sections is None else (*HEADER, *(f"{s}/" for s in sections))
        try:
            loaded = np.load(self.path, mmap_mode="r", allow_pickle=False)  # a .npy is mapped, not read
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise CheckpointError(
                    f"{self.path}: not a GAN Studio checkpoint but a single NumPy array (.npy); "
                    "a checkpoint is the .npz file train writes"
                )
            with loaded as npz:
                self.arrays = {k: npz[k] for k in npz.files if wanted is None or k.startswith(wanted)}
        except FileNotFoundError:
            raise CheckpointError(f"{self.path}: no such file") from None
        except OSError as exc:
            raise CheckpointError(f"{self.path}: cannot read the checkpoint ({exc.strerror or exc})") from None
        except (ValueError, zipfile.BadZipFile, zlib.error, EOFError):
            raise CheckpointError(
                f"{self.path}: not a GAN Studio checkpoint, or a damaged one (expected an .npz archive)"
            ) from None
        marker = str(self.arrays.get("format", ""))
        if marker not in READABLE:
            version = marker.removeprefix(FORMAT_PREFIX)
            if marker.startswith(FORMAT_PREFIX) and version.isdigit() and int(version) > VERSION:
                raise CheckpointError(
                    f"{self.path}: written by a newer GAN Studio (checkpoint format {version}); "
                    f"this version reads formats 1 to {VERSION}: update GAN Studio to open it"
                )
            raise CheckpointError(f"{self.path}: not a GAN Studio checkpoint (no '{FORMAT}' marker)")
        try:
            self.config: RunConfig = from_toml(str(self.arrays["config"]), f"{self.path} config")
            self.rng_state = json.loads(str(self.arrays["rng"]))
            self.step = int(self.arrays["step"])
            self.elapsed = float(self.arrays["elapsed"])
            self.data_dir: str | None = str(self.arrays["data_dir"]) if "data_dir" in self.arrays else None
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise CheckpointError(f"{self.path}: damaged checkpoint ({exc})") from None

    def section(self, prefix: str) -> dict[str, np.ndarray]:
        return section(self.arrays, prefix)

    def build_gan(self) -> GAN:
        """The GAN with the saved weights (no dataset needed), e.g. for sampling."""
        check_memory(self.config)
        gan = build_gan(self.config, np.random.default_rng(0))
        try:
            gan.load_state_dict(self.section("gan"))
        except (KeyError, ValueError) as exc:
            raise CheckpointError(f"{self.path}: damaged checkpoint, the weights do not fit its config ({exc})") from None
        return gan


def load_session(path: str | Path, data_dir: str | None = None, progress=None):
    """A Session resumed exactly where the checkpoint at `path` left off. Its MNIST-family data
    is looked for in `data_dir` if given, else where the run found it while that folder still
    holds it (:func:`remembered_data_dir`), else by the normal lookup."""
    from ganstudio.run.session import Session

    ckpt = Checkpoint(path)
    if data_dir is None:
        data_dir = remembered_data_dir(ckpt)
    session = Session(ckpt.config, data_dir=data_dir, progress=progress)
    try:
        session.load_state_dict(ckpt.arrays)
    except (KeyError, ValueError, DatasetError) as exc:
        raise CheckpointError(f"{ckpt.path}: damaged checkpoint ({exc})") from None
    return session


def remembered_data_dir(ckpt: Checkpoint) -> str | None:
    """The folder the run's MNIST-family dataset came from, if the checkpoint names one and it
    still holds that dataset (no download into a stale folder); else None."""
    name = ckpt.config.data.dataset
    if ckpt.data_dir is None or name not in FAMILIES or not on_disk(name, ckpt.data_dir):
        return None
    return ckpt.data_dir
