"""Checkpoints: one .npz file with weights, optimizer state, RNG state, step, epoch, config,
history and recorded frames. Resuming is bit-exact.

Layout: `format` (a version string), `config` (the TOML text), `rng` (the generator's state as
JSON), `step`, `elapsed`, and arrays under prefixes `gan/`, `batches/`, `history/`,
`recorder/`, `insight/` (series, latest histogram, warnings; absent from older checkpoints,
which load with an empty insight history). Written atomically (temporary file + rename).
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.config import ConfigError, RunConfig, from_toml, to_toml
from ganstudio.data import DatasetError
from ganstudio.engine.gan import GAN
from ganstudio.export.atomic import atomic_file
from ganstudio.memory import check_memory

FORMAT = "ganstudio-checkpoint-1"


class CheckpointError(Exception):
    """A checkpoint file that cannot be used; the message names the file and the problem."""


def _flatten(prefix: str, d: dict[str, Any]) -> dict[str, np.ndarray]:
    return {f"{prefix}/{k}": np.asarray(v) for k, v in d.items()}


def _section(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    p = prefix + "/"
    return {k[len(p):]: v for k, v in arrays.items() if k.startswith(p)}


def save_checkpoint(session, path: str | Path) -> Path:
    """Write `session` (a ganstudio.session.Session) to `path`; ExportError on I/O failure."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT),
        "config": np.array(to_toml(session.config)),
        "rng": np.array(json.dumps(session.rng.bit_generator.state)),
        "step": np.array(session.step_count, np.int64),
        "elapsed": np.array(session.elapsed, np.float64),
    }
    arrays.update(_flatten("gan", session.gan.state_dict()))
    arrays.update(_flatten("batches", session.batches.state_dict()))
    arrays.update(_flatten("history", session.history.state_dict()))
    arrays.update(_flatten("recorder", session.recorder.state_dict()))
    arrays.update(_flatten("insight", session.insight.state_dict()))
    with atomic_file(path) as fh:
        np.savez(fh, **arrays)
    return path


class Checkpoint:
    """A checkpoint read from disk: its config and arrays, checked for the right format."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            loaded = np.load(self.path, mmap_mode="r", allow_pickle=False)  # a .npy is mapped, not read
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise CheckpointError(f"{self.path}: not a GAN Studio checkpoint but a single NumPy array (.npy); a checkpoint is the .npz file train writes")
            with loaded as npz:
                self.arrays = {k: npz[k] for k in npz.files}
        except FileNotFoundError:
            raise CheckpointError(f"{self.path}: no such file") from None
        except OSError as exc:
            raise CheckpointError(f"{self.path}: cannot read the checkpoint ({exc.strerror or exc})") from None
        except (ValueError, zipfile.BadZipFile, zlib.error, EOFError):
            raise CheckpointError(f"{self.path}: not a GAN Studio checkpoint, or a damaged one (expected an .npz archive)") from None
        if str(self.arrays.get("format", "")) != FORMAT:
            raise CheckpointError(f"{self.path}: not a GAN Studio checkpoint (no '{FORMAT}' marker)")
        try:
            self.config: RunConfig = from_toml(str(self.arrays["config"]), f"{self.path} config")
            self.rng_state = json.loads(str(self.arrays["rng"]))
            self.step = int(self.arrays["step"])
            self.elapsed = float(self.arrays["elapsed"])
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise CheckpointError(f"{self.path}: damaged checkpoint ({exc})") from None

    def section(self, prefix: str) -> dict[str, np.ndarray]:
        return _section(self.arrays, prefix)

    def build_gan(self) -> GAN:
        """The GAN with the saved weights (no dataset needed), e.g. for sampling."""
        c = self.config
        check_memory(c)
        gan = GAN(c.generator_spec(), c.discriminator_spec(), c.optimizer.g, c.optimizer.d, c.training, np.random.default_rng(0))
        try:
            gan.load_state_dict(self.section("gan"))
        except (KeyError, ValueError) as exc:
            raise CheckpointError(f"{self.path}: damaged checkpoint, the weights do not fit its config ({exc})") from None
        return gan


def load_session(path: str | Path, data_dir: str | None = None, progress=None):
    """A Session resumed exactly where the checkpoint at `path` left off."""
    from ganstudio.session import Session

    ckpt = Checkpoint(path)
    session = Session(ckpt.config, data_dir=data_dir, progress=progress)
    try:
        session.gan.load_state_dict(ckpt.section("gan"))
        session.batches.load_state_dict(ckpt.section("batches"))
        session.history.load_state_dict(ckpt.section("history"))
        session.recorder.load_state_dict(ckpt.section("recorder"))
        session.insight.load_state_dict(ckpt.section("insight"))
        session.rng.bit_generator.state = ckpt.rng_state
    except (KeyError, ValueError, DatasetError) as exc:
        raise CheckpointError(f"{ckpt.path}: damaged checkpoint ({exc})") from None
    session.step_count = ckpt.step
    session.elapsed = ckpt.elapsed
    session.mark_good()
    return session
