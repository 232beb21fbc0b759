"""Everything a run is at one moment, with one way to save and restore it.

`RunState` owns the parts of a run that change as it trains: config, dataset, random generator,
GAN (weights, optimizer state, EMA), batch iterator (data order), fixed noise, step count,
training time, history, recorded frames and insight. Its :meth:`state_dict` is the only
serialiser: revert points, the divergence guard's restore point and checkpoints all use it, so
a new stateful part is added in one place and revert, rollback and resume all get it.

The journal (:class:`~ganstudio.run.changelog.ChangeLog`, every change the run took) lives here
but is not in the state dict: a revert and a rollback are steps of the run's path, not a way
back along it, so restoring a state never shortens it; run.toml carries it.

State layout (flat, .npz-ready): `config` (TOML text), `rng` (the generator's state as JSON),
`step`, `elapsed`, and arrays under `gan/`, `batches/`, `history/`, `recorder/`, `insight/`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from ganstudio.config.model import RunConfig, from_toml, range_for, to_toml
from ganstudio.config.rng_streams import FIXED_NOISE, stream
from ganstudio.data import BatchIterator, Dataset
from ganstudio.engine.gan import GAN
from ganstudio.insight.best import BestWeights
from ganstudio.insight.tracker import InsightTracker
from ganstudio.record.frames import FrameRecorder
from ganstudio.record.history import History
from ganstudio.run.change_plan import plan
from ganstudio.run.changelog import ChangeLog
from ganstudio.run.memory import check_memory

MAX_GRID_SAMPLES = int(range_for("view.grid")[1]) ** 2  # the fixed noise batch of image runs: the largest grid (100)
POINTS_2D = 1000  # the fixed noise batch of 2D runs: the generated points shown

State = dict[str, np.ndarray]


def build_gan(config: RunConfig, rng: np.random.Generator, dtype: type = np.float32) -> GAN:
    """A GAN of `config`'s architecture, optimizers, schedule and training settings, initialised
    from `rng`; float32 as every run, float64 for the checks against PyTorch's arithmetic."""
    g, d = config.generator_spec(), config.discriminator_spec()
    opt = config.optimizer
    return GAN(g, d, opt.g, opt.d, config.training, rng, dtype, config.conditioning(), config.schedule)


def fixed_noise(config: RunConfig) -> np.ndarray:
    """(MAX_GRID_SAMPLES or POINTS_2D, latent) float32 from its own stream, so that drawing it
    never changes the training randomness."""
    count = POINTS_2D if config.image_shape is None else MAX_GRID_SAMPLES
    return stream(config.seed, FIXED_NOISE).standard_normal((count, config.generator.latent_size), dtype=np.float32)


def section(state: State, prefix: str) -> State:
    """The entries of `state` under `prefix/`, without the prefix."""
    p = prefix + "/"
    return {k[len(p) :]: v for k, v in state.items() if k.startswith(p)}


class RunState:
    """A run's state. `load_data(config)` loads the dataset a config names (downloads, data
    folder and progress are the caller's business)."""

    def __init__(self, config: RunConfig, load_data: Callable[[RunConfig], Dataset], *, history_window: int = 20_000) -> None:
        self._load_data = load_data
        self.history = History(window=history_window)
        self.recorder = FrameRecorder(every=config.run.record_every)
        self.insight = InsightTracker()
        self.journal = ChangeLog()
        self.start(config)

    def start(self, config: RunConfig) -> None:
        """Everything from the seed: data, random generator, networks, data order; no history.
        Refuses (ConfigError) a run that cannot fit in memory before loading anything."""
        check_memory(config)
        dataset = self._load_data(config)
        self.config = config
        self.dataset = dataset
        self.rng = np.random.default_rng(config.seed)
        self.gan = build_gan(config, self.rng)
        self.batches = BatchIterator(dataset, config.data.batch_size, self.rng)
        self.fixed_noise = fixed_noise(config)
        self.step = 0
        self.elapsed = 0.0
        self.history.clear()
        self.recorder.clear()
        self.recorder.every = config.run.record_every
        self.insight.clear()

    @property
    def epoch(self) -> int:
        return self.batches.epoch

    # -- the one serialiser ---------------------------------------------------------------------
    def state_dict(self) -> State:
        """The whole state as arrays (copies, or read-only arrays shared with the recorder)."""
        state: State = {
            "config": np.array(to_toml(self.config)),
            "rng": np.array(json.dumps(self.rng.bit_generator.state)),
            "step": np.array(self.step, np.int64),
            "elapsed": np.array(self.elapsed, np.float64),
        }
        for prefix, part in self._parts().items():
            state.update({f"{prefix}/{k}": np.asarray(v) for k, v in part.state_dict().items()})
        return state

    def load_state_dict(self, state: State) -> None:
        """Become the state :meth:`state_dict` gave, whatever has changed since (settings,
        architecture, dataset). Raises KeyError / ValueError for a state that does not fit its
        own config, and DatasetError when its dataset cannot be loaded; the run is then
        unchanged."""
        config = from_toml(str(state["config"]), "saved config")
        dataset = self._load_data(config) if plan(self.config, config).new_data else self.dataset
        rng = np.random.default_rng()
        rng.bit_generator.state = json.loads(str(state["rng"]))
        gan = build_gan(config, np.random.default_rng(0))
        gan.load_state_dict(section(state, "gan"))
        best = BestWeights.from_state(section(state, "insight/best"))
        if best is not None:
            best.check_fits(gan)
        batches = BatchIterator(dataset, config.data.batch_size, rng)
        batches.load_state_dict(section(state, "batches"))
        self.recorder.load_state_dict(section(state, "recorder"))  # checks before it changes anything
        self.history.load_state_dict(section(state, "history"))
        error = self.insight.error  # insight that failed stays off until the run is built again
        self.insight.load_state_dict(section(state, "insight"))  # keeps its cached real-data statistics
        self.insight.error = error
        self.recorder.every = config.run.record_every
        self.config, self.dataset, self.rng, self.gan, self.batches = config, dataset, rng, gan, batches
        self.fixed_noise = fixed_noise(config)
        self.step = int(state["step"])
        self.elapsed = float(state["elapsed"])

    def _parts(self) -> dict:
        """The stateful parts with their own state_dict, by state prefix."""
        return {
            "gan": self.gan,
            "batches": self.batches,
            "history": self.history,
            "recorder": self.recorder,
            "insight": self.insight,
        }
