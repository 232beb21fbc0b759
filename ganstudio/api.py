"""GAN Studio from Python (notebooks and scripts): train, steer and look at the runs the window and
`ganstudio train` make, through the same :class:`~ganstudio.run.session.Session`.

A run made here is a run in the runs library like any other: its folder is written as `train`
writes one (ganstudio.runs.headless.write_outputs), its live changes go through `Session.apply`
and its change log, so it lists, opens in the window, compares and replays bit for bit. `import
ganstudio` imports this module only when one of its names is first used (ganstudio/__init__.py).
docs/api.md documents every public name.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from ganstudio.config.model import ConfigError, OptimizerSpec, RunConfig, keys, unknown_setting
from ganstudio.config.presets import DEFAULT_PRESET, load_preset
from ganstudio.data import DatasetError
from ganstudio.machine.progress_line import ProgressLine, download_progress
from ganstudio.machine.stop_signals import StopSignals, signal_name
from ganstudio.render import upscale
from ganstudio.run import commands as cmd
from ganstudio.run.change_plan import Outcome, Preview
from ganstudio.run.checkpoint import CheckpointError, load_session
from ganstudio.run.sampling import SampleReport, as_images, draw, labels_for, noise, run_classes, sample_report
from ganstudio.run.session import Session
from ganstudio.run.snapshot import render_samples
from ganstudio.runs.folder import check_writable
from ganstudio.runs.headless import HeadlessRun, write_outputs
from ganstudio.runs.layout import CHECKPOINT
from ganstudio.runs.library import Run as RunFolder
from ganstudio.runs.library import RunsError, check_new_name, find_run, named_run_folder, new_run_folder, read_run, runs_folder
from ganstudio.runs.lock import FolderBusy, FolderLock, writer

__all__ = [
    "CheckpointError",
    "ConfigError",
    "DatasetError",
    "History",
    "Run",
    "SampleReport",
    "new_run",
    "open_run",
]

Weights = Literal["last", "best"]
MAX_SAMPLES = 100_000  # samples(n), as `sample -n`


def new_run(
    preset: str = DEFAULT_PRESET,
    *,
    data_dir: str | Path | None = None,
    name: str | None = None,
    runs_dir: str | Path | None = None,
    set: Mapping[str, Any] | None = None,  # the CLI's --set
    **settings: Any,
) -> Run:
    """A new run of the preset `preset` with the settings `set` ({dotted key: value}) and
    `settings` (keywords, see :func:`setting_key`), its data loaded, not yet trained.
    `data_dir`: an existing folder where MNIST-family datasets are found (or downloaded to);
    `name`: the run's name and folder name (default: the local time and the preset);
    `runs_dir`: the runs folder (default: $GANSTUDIO_RUNS_DIR, else the user data folder).
    Everything is checked before the data is loaded: ConfigError (a ValueError) for an unknown
    preset or setting, a value out of range, a name already taken, a runs folder that takes no
    file; DatasetError when the data cannot be loaded. The run's folder is made when it is first
    trained or saved, so a run that is only looked at leaves none."""
    runs = runs_folder(None if runs_dir is None else str(runs_dir))
    check_writable(runs, None, option="runs folder")
    if name is not None:
        check_new_name(name, runs)
    config = load_preset(preset).with_values(_settings(set, settings))
    session = Session(config, data_dir=_data_dir(data_dir), progress=download_progress(ProgressLine()))
    return Run(session, preset, runs, name=name)


def open_run(name: str | Path, *, data_dir: str | Path | None = None, runs_dir: str | Path | None = None) -> Run:
    """The run `name` (a run's name or its folder) continued where its checkpoint left off, bit
    for bit as `ganstudio train --resume` continues it; its change log goes on. The run's folder
    is this process's to write until :meth:`Run.close`. RunsError (a ConfigError) when no run,
    or several, have the name, when it has no checkpoint yet or another process (or an open
    :class:`Run` of this one) writes it; CheckpointError for a damaged checkpoint."""
    runs = runs_folder(None if runs_dir is None else str(runs_dir))
    folder = find_run(str(name), runs)
    data = _data_dir(data_dir)
    lock = _claim(folder)
    try:
        origin = read_run(folder)
        if not (folder / CHECKPOINT).is_file():
            raise RunsError(f"{folder}: the run has no checkpoint yet, so it cannot be continued")
        session = load_session(folder / CHECKPOINT, data_dir=data, progress=download_progress(ProgressLine()))
        session.changes.entries = origin.changes  # its own log goes on
    except BaseException:
        lock.release()
        raise
    return Run(session, origin.preset, runs, folder=origin.continued(folder), lock=lock)


def _claim(folder: Path) -> FolderLock:
    """The lock of `folder`; RunsError saying so when this very process holds it already."""
    try:
        return FolderLock(folder)
    except FolderBusy:
        if writer(folder) == os.getpid():
            raise RunsError(
                f"{folder}: this Python process has the run open already; go on with that Run, or call its close() first"
            ) from None
        raise


def _data_dir(given: str | Path | None) -> str | None:
    """`given` as the data folder a Session takes; ConfigError unless it is an existing folder
    (a mistyped folder is a mistake, not a new place to download a dataset into)."""
    if given is None:
        return None
    path = Path(given).expanduser()
    if not path.is_dir():
        raise ConfigError(f"data_dir {str(given)!r}: {'not a folder' if path.exists() else 'no such folder'}")
    return str(path)


def setting_key(name: str) -> str:
    """The dotted key a keyword argument names: double underscores stand for dots
    (`optimizer__g__lr` is optimizer.g.lr); a plain name is a key (`seed`), an optimizer field for
    both networks (`lr` is optimizer.lr), or the last part of the one setting that ends so
    (`batch_size` is data.batch_size). ConfigError for an unknown name (naming the closest ones)
    or one that several settings end in (naming them)."""
    if "__" in name:
        return name.replace("__", ".")
    if name in keys():
        return name
    if name in {f.name for f in fields(OptimizerSpec)}:
        return f"optimizer.{name}"
    matches = [key for key in keys() if key.endswith("." + name)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ConfigError(unknown_setting(name, sorted({key.rpartition(".")[2] for key in keys()})))
    raise ConfigError(f"setting {name!r}: {' and '.join(matches)} are both called so; give its dotted key, e.g. {matches[0]!r}")


def _settings(given: Mapping[str, Any] | None, keywords: dict[str, Any]) -> dict[str, Any]:
    """{dotted key: value} from a mapping of dotted keys and keyword arguments (see :func:`setting_key`)."""
    if given is not None and not isinstance(given, Mapping):
        raise ConfigError(f"set: expected a dict of dotted keys and values, e.g. {{'optimizer.lr': 1e-3}}, not {given!r}")
    return {**(given or {}), **{setting_key(k): v for k, v in keywords.items()}}


def _positive(value: Any, what: str, whole: bool) -> None:
    """ConfigError naming `what` unless `value` is a positive (whole, when `whole`) finite number."""
    ok = isinstance(value, int) if whole else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not math.isfinite(value) or value <= 0:
        kind = "a positive whole number" if whole else "a positive number of seconds"
        raise ConfigError(f"{what}={value!r}: expected {kind}")


def _check_live(p: Preview) -> None:
    """ConfigError unless the edit `p` previews can change a running run: not the seed (the data
    order and noise come from it) nor another sample shape, which only a new run takes."""
    if p.outcome is Outcome.REFUSED:
        raise ConfigError(p.reason)
    if p.outcome is Outcome.NEEDS_RESET or p.plan.reseed:
        raise ConfigError(f"{p.key}={p.value!r}: a run keeps its seed and its sample shape; start a new run with it (new_run)")


class History(Sequence[dict[str, float]]):
    """A run's step history as records, one per step: {"step": s, "d_loss": ..., "g_loss": ...,
    "d_real", "d_fake", "d_grad_norm", "g_grad_norm", "lr_d", "lr_g", "steps_per_s"} (history.csv's
    columns; past the 20,000 most recent steps, one record per 100 steps with their means).
    `columns`: {name: (n,) array}, "step" int64, the others float32."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["step"])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return {name: values[index].item() for name, values in self.columns.items()}

    def as_dataframe(self):
        """The history as a pandas DataFrame, one row per record, indexed by step (needs pandas)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("History.as_dataframe needs pandas: pip install pandas") from None
        return pandas.DataFrame(self.columns).set_index("step")

    def __repr__(self) -> str:
        if not len(self):
            return "History(no steps yet)"
        last = self[-1]
        return (
            f"History({len(self):,} records to step {last['step']:,}; D loss {last['d_loss']:.3f}, G loss {last['g_loss']:.3f})"
        )


class Run:
    """One run of the runs library, driven from Python (made by :func:`new_run` or :func:`open_run`).

    Between calls the run waits; :meth:`train` trains it and writes its folder, :meth:`set`
    changes its settings live (logged in its change log as the window logs them). Its folder is
    this process's to write from when it is made (or the run opened) until :meth:`close`; use
    the run in a ``with`` block to close it at the end."""

    def __init__(
        self,
        session: Session,
        preset: str,
        runs: Path,
        *,
        name: str | None = None,
        folder: RunFolder | None = None,
        lock: FolderLock | None = None,
    ) -> None:
        self.session = session
        self._preset, self._runs, self._name = preset, runs, name
        self._start = (session.config, session.step_count)  # a new run's starting config and step, for its run.toml
        self._folder, self._lock = folder, lock
        self._headless: HeadlessRun | None = None
        self._saved_at = self._mark() if folder is not None else None
        self._closed = False

    # -- what it is -----------------------------------------------------------------------------
    @property
    def name(self) -> str | None:
        """The run's name in the library (None until its folder is made, unless `name` was given)."""
        return self._folder.name if self._folder is not None else self._name

    @property
    def folder(self) -> Path | None:
        """The run's folder (None until it is first trained or saved)."""
        return None if self._folder is None else self._folder.folder

    @property
    def step(self) -> int:
        """The steps trained."""
        return self.session.step_count

    @property
    def config(self) -> RunConfig:
        """The settings in effect (a frozen, validated RunConfig; `config.get("optimizer.g.lr")`)."""
        return self.session.config

    @property
    def message(self) -> str:
        """What the run last said (why training stopped, a divergence and what to lower), or ""."""
        return self.session.message

    def __repr__(self) -> str:
        where = f"folder {str(self.folder)!r}" if self.folder is not None else "not saved yet"
        return f"<ganstudio.Run {self.name or self._preset!r}: step {self.step:,}, {where}>"

    # -- training and steering ----------------------------------------------------------------------
    def train(self, steps: int | None = None, *, seconds: float | None = None, progress: bool = True) -> Run:
        """Train `steps` more steps, or for `seconds` more seconds of training (one of them), with
        a progress bar (tqdm's where tqdm is installed, else a status line on stderr) unless
        `progress` is False; then write the run's folder (it is also rewritten every minute while
        training). An interrupt (Ctrl-C, the notebook's stop button) or SIGTERM stops the run
        between whole steps; its folder is written and KeyboardInterrupt raised. A divergence
        pauses the run at its last good step and says so on stderr (:attr:`message`)."""
        self._check_open()
        if (steps is None) == (seconds is None):
            raise ConfigError("train: give steps=N or seconds=S (one of them)")
        _positive(steps if seconds is None else seconds, "steps" if seconds is None else "seconds", whole=seconds is None)
        headless = self._ensure_headless()
        line = _progress_line(self.session, steps, seconds) if progress else None
        headless.line = line
        with StopSignals() if threading.current_thread() is threading.main_thread() else nullcontext(None) as signals:
            if signals is not None:
                signals.defer()
            headless.should_stop = lambda: signals is not None and signals.signum is not None
            try:
                headless.train(steps=None if steps is None else self.step + steps, seconds=seconds)
            finally:
                if line is not None:
                    line.done()
                self.save()
        if self.session.divergence is not None or self.session.insight.error:
            print(f"ganstudio: {self.session.insight.error or self.session.message}", file=sys.stderr)
        if signals is not None and signals.signum is not None:
            raise KeyboardInterrupt(f"{signal_name(signals.signum)}: stopped after step {self.step:,}; the run is saved")
        return self

    def set(self, values: Mapping[str, Any] | None = None, /, **settings: Any) -> None:
        """Change settings live: `values` ({dotted key: value}, e.g. {"optimizer.lr": 1e-3}) and
        `settings` (keywords, see :func:`setting_key`, e.g. lr=1e-3), each a change in the run's
        change log at this step, as the window's controls make it. Architecture settings
        (generator.*, discriminator.*, training.conditional) are applied at once, as the window's
        Apply does: the network they change starts afresh, the other keeps its weights. Every
        value is checked before any is applied: ConfigError (unknown setting, value out of
        range, a change only a new run takes, such as the seed)."""
        self._check_open()
        changes = _settings(values, settings)
        self.session.config.with_values({**self.session.pending, **changes})  # every key and value, before any applies
        for key, value in changes.items():
            _check_live(self.session.preview(key, value))
        for key, value in changes.items():
            self.session.apply(cmd.SetParam(key, value))
        self.session.apply_pending()

    # -- looking at it ----------------------------------------------------------------------------
    def samples(self, n: int = 64, *, seed: int = 0, weights: Weights = "last") -> np.ndarray:
        """`n` fresh samples (noise seed `seed`): uint8 (n, H, W) images, or float32 (n, 2)
        points for 2D data; a conditional run's are asked for its classes in turn, grouped by
        class. weights: "last" (the latest, the EMA's when the run keeps them) or "best" (the
        weights of its best FID so far, `ganstudio sample`'s default)."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SAMPLES:
            raise ConfigError(f"samples: n={n!r}: expected a whole number from 1 to {MAX_SAMPLES:,}")
        config, gan = self.config, self.session.gan
        classes = run_classes(config) if config.training.conditional else None
        samples = draw(gan, noise(seed, n, gan.latent_size), labels_for(classes, n), self._best(weights), no_ema=False)
        return as_images(samples, config)

    def grid(self, *, scale: int = 2) -> Image.Image:
        """The run's sample grid as the window shows it (the fixed noise, the EMA's weights when
        kept; a 2D run's points over the real ones), enlarged `scale` times: a grayscale PIL image,
        shown inline by Jupyter. It is the picture the run folder's samples.png holds."""
        if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 16:
            raise ConfigError(f"grid: scale={scale!r}: expected a whole number from 1 to 16")
        return Image.fromarray(upscale(render_samples(self.session.state), scale))

    @property
    def history(self) -> History:
        """The step history now (a copy: it does not grow as the run trains on)."""
        return History(self.session.history.columns())

    def report(self, *, seed: int = 0, weights: Weights = "last") -> SampleReport:
        """The insight report of fresh samples (noise seed `seed`) as `ganstudio sample --report`
        prints it (its repr): classes covered, FID and the class histogram for digits, modes
        covered for 2D toys, diversity. weights: as :meth:`samples`."""
        config = self.config
        classes = run_classes(config) if config.training.conditional else None
        return sample_report(self.session, seed, classes, self._best(weights), no_ema=False)

    def _best(self, weights: Weights):
        """The BestWeights `weights` names (None: the last weights); ConfigError when there are none."""
        if weights == "last":
            return None
        if weights != "best":
            raise ConfigError(f"weights={weights!r}: expected 'last' or 'best'")
        best = self.session.insight.best
        if best is None:
            raise ConfigError(
                "weights='best': this run keeps no best weights yet (they are kept at insight checks that measure an FID, "
                "digit runs with run.insight_every > 0); use weights='last'"
            )
        return best

    # -- its folder -------------------------------------------------------------------------------
    def save(self) -> Path:
        """Write the run's folder now (made at the first save): checkpoint, history.csv,
        samples.png, run.toml and summary.json, each atomically, as `ganstudio train` writes
        them. Returns the folder. WriteError (or RunsError) naming the file when it cannot be written."""
        self._check_open()
        folder = self._ensure_folder()
        write_outputs(self.session, folder.folder, None, run=folder)
        self._saved_at = self._mark()
        return folder.folder

    def close(self) -> None:
        """Write what changed since the last save and give the folder up: the window, `train
        --resume` or :func:`open_run` may continue the run from here. Closing twice does nothing."""
        if self._closed:
            return
        try:
            if self._folder is not None and self._mark() != self._saved_at:
                self.save()
        finally:
            self._closed = True
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _mark(self) -> tuple[int, int]:
        """(step, change count): what a save writes changes when either does."""
        return self.session.step_count, len(self.session.changes.entries)

    def _check_open(self) -> None:
        if self._closed:
            raise RunsError(f"run {self.name!r} is closed; continue it with ganstudio.open_run({self.name!r})")

    def _ensure_folder(self) -> RunFolder:
        """The run's folder, made (and locked) now if it has none yet."""
        if self._folder is None:
            config, start = self._start
            made = named_run_folder(self._runs, self._name) if self._name else new_run_folder(self._runs, self._preset)
            self._lock = FolderLock(made)
            self._folder = RunFolder.new(made, self._preset, config, start_step=start)
        return self._folder

    def _ensure_headless(self) -> HeadlessRun:
        """The headless loop of this run (its BLAS thread policy is timed once, then kept up to date)."""
        if self._headless is None:
            self._headless = HeadlessRun(self.session, self._ensure_folder(), should_stop=lambda: False)
        return self._headless


class _BarLine:
    """The headless loop's progress line as a tqdm bar (a widget in Jupyter, text in a terminal):
    the bar counts the steps or seconds of one `train` call, the status line stands beside it,
    warnings above it."""

    def __init__(self, tqdm, session: Session, steps: int | None, seconds: float | None) -> None:
        self.session = session
        self._seconds = seconds is not None
        self._start = session.elapsed if self._seconds else session.step_count
        total = seconds if self._seconds else steps
        self.bar = tqdm(total=total, unit="s" if self._seconds else "step", leave=True, file=sys.stderr)

    def show(self, text: str, force: bool = False) -> None:
        """Move the bar to the run's progress; `text`, the command line's status, gives way to the losses."""
        done = (self.session.elapsed if self._seconds else self.session.step_count) - self._start
        self.bar.n = min(round(done, 1), self.bar.total) if self._seconds else done
        latest = self.session.history.latest()
        if latest:
            self.bar.set_postfix_str(f"D loss {latest['d_loss']:.3f}, G loss {latest['g_loss']:.3f}", refresh=False)
        if force:
            self.bar.refresh()
        else:
            self.bar.update(0)  # tqdm redraws at its own pace

    def message(self, text: str) -> None:
        self.bar.write(text, file=sys.stderr)

    def done(self) -> None:
        self.show("", force=True)
        self.bar.close()


def _progress_line(session: Session, steps: int | None, seconds: float | None):
    """A tqdm bar for one `train` call where tqdm is installed, else the command line's status line."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return ProgressLine()
    return _BarLine(tqdm, session, steps, seconds)
