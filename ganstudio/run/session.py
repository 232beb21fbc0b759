"""One training run, headless: the coordinator of a run's state, commands and guards.

The session is the single source of truth about a run. The GUI's worker thread and the CLI own
one each; they change it only through :meth:`Session.apply` (between steps) and read it through
:meth:`Session.snapshot` (immutable copies). What the run *is* lives in a
:class:`~ganstudio.run.state.RunState` (one ``state_dict`` for revert points, the divergence
guard and checkpoints); what a change of settings asks of it is decided by
:func:`ganstudio.run.change_plan.plan`; what the GUI sees is rendered by :mod:`ganstudio.run.snapshot`.
No Qt here.
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ganstudio.config.model import ConfigError, RunConfig, from_toml
from ganstudio.data import BatchIterator, Dataset, load_dataset
from ganstudio.engine.gan import StepMetrics
from ganstudio.record.history import FIELDS, EventKind
from ganstudio.run import commands as cmd
from ganstudio.run.change_plan import BOTH, applies, plan
from ganstudio.run.changelog import ChangeLog, changed_settings, setting
from ganstudio.run.memory import check_memory
from ganstudio.run.snapshot import Snapshot, render_samples, take_snapshot
from ganstudio.run.state import RunState, State, fixed_noise

STEP_TIME_SMOOTHING = 0.02  # weight of the newest step in the steps/s estimate (~50 steps)


@dataclass(frozen=True)
class Divergence:
    """The divergence guard fired: the step that blew up, what was not finite, the step the
    run went back to."""

    bad_step: int
    what: str
    restored_step: int


def _not_finite(m: StepMetrics) -> str | None:
    """What in a step's metrics is not finite ("D loss is nan"), or None when all of it is."""
    for name, value in (
        ("D loss", m.d_loss),
        ("G loss", m.g_loss),
        ("D gradient norm", m.d_grad_norm),
        ("G gradient norm", m.g_grad_norm),
    ):
        if not math.isfinite(value):
            return f"{name} is {value}"
    return None


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "all"
    return str(value)


class Session:
    """A training run. `data_dir` is where the MNIST family is looked for (see ganstudio.data);
    `progress(bytes_done, bytes_total)` reports a dataset download.

    Guards: before each tracked live change the state is kept as a revert point (the last
    `revert_depth`); the divergence guard's restore point is the state after the latest change
    and is refreshed every `guard_every` steps while the weights are finite."""

    def __init__(
        self,
        config: RunConfig,
        *,
        data_dir: str | None = None,
        progress: Callable[[int, int | None], None] | None = None,
        guard_every: int = 200,
        revert_depth: int = 5,
        history_window: int = 20_000,
    ) -> None:
        self.data_dir = data_dir
        self._progress = progress
        self.guard_every = int(guard_every)
        self._reverts: deque[State] = deque(maxlen=revert_depth)
        self._good: State | None = None  # None: take one before the next step
        self.pending: dict[str, Any] = {}
        self.stop = cmd.StopCondition()
        self.paused = True
        self.message = ""
        self.divergence: Divergence | None = None
        self._step_time = 0.0
        self.changes = ChangeLog()  # every live change, at its step: what run.toml keeps and replay applies
        self.state = RunState(config, self._load_data, history_window=history_window)

    # -- the run's parts, read-only (the state owns them) ---------------------------------------
    config = property(lambda self: self.state.config)
    dataset = property(lambda self: self.state.dataset)
    gan = property(lambda self: self.state.gan)
    rng = property(lambda self: self.state.rng)
    batches = property(lambda self: self.state.batches)
    history = property(lambda self: self.state.history)
    recorder = property(lambda self: self.state.recorder)
    insight = property(lambda self: self.state.insight)
    step_count = property(lambda self: self.state.step)
    elapsed = property(lambda self: self.state.elapsed)
    epoch = property(lambda self: self.state.epoch)

    @property
    def can_revert(self) -> bool:
        return bool(self._reverts)

    def _load_data(self, config: RunConfig) -> Dataset:
        d = config.data
        dataset = load_dataset(
            d.dataset,
            classes=d.classes or None,
            value_range=config.value_range,
            data_dir=self.data_dir,
            folder=d.folder or None,
            image_size=d.image_size,
            seed=config.seed,
            progress=self._progress,
        )
        if d.batch_size > len(dataset):
            raise ConfigError(f"data.batch_size: {d.batch_size} is larger than the dataset ({len(dataset)} samples)")
        return dataset

    # -- saved states ---------------------------------------------------------------------------
    def state_dict(self) -> State:
        """What checkpoints hold: the run's whole state (see RunState.state_dict) and, as JSON
        under "pending", the architecture edits waiting for Apply (they are in the change log,
        so a reopened run must still be waiting for them)."""
        state = self.state.state_dict()
        state["pending"] = np.array(json.dumps({k: setting(k, v) for k, v in self.pending.items()}))
        return state

    def load_state_dict(self, state: State) -> None:
        """Continue from a saved state (a checkpoint's; one without "pending" waits for none);
        revert points are dropped. ValueError for pending edits that do not fit the saved config."""
        pending = json.loads(str(state["pending"])) if "pending" in state else {}
        if not isinstance(pending, dict):
            raise ValueError("the pending edits are not a table of settings")
        waiting = from_toml(str(state["config"]), "saved config").with_values(pending)  # ConfigError is a ValueError
        self.state.load_state_dict(state)
        self.pending = {k: waiting.get(k) for k in pending}
        self._reverts.clear()
        self._good = None

    def _restore(self, state: State) -> None:
        self.state.load_state_dict(state)
        self._step_time = 0.0

    # -- training -------------------------------------------------------------------------------
    def step(self, part: str = "both") -> StepMetrics | None:
        """One iteration ("both"), or a discriminator-only ("d") / generator-only ("g") update.
        Returns the metrics, or None when the divergence guard fired (the run is then paused)."""
        if self._good is None:
            self._good = self.state.state_dict()
        start = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is caught below
            m = self._run_step(part)
        dt = time.perf_counter() - start
        what = _not_finite(m)
        if what is None and part != "both" and not self._weights_finite():
            what = "a weight is not finite"  # a single update may overflow the weights while its loss is still finite
        if what is not None:
            self._diverged(what)
            return None
        state = self.state
        state.step += 1
        state.elapsed += dt
        self._step_time = dt if self._step_time == 0.0 else (1 - STEP_TIME_SMOOTHING) * self._step_time + STEP_TIME_SMOOTHING * dt
        state.history.append(state.step, m, 1.0 / self._step_time)
        if state.step % self.guard_every == 0 and self._weights_finite():
            self._good = state.state_dict()
        state.recorder.maybe_record(state.step, lambda: render_samples(state))
        self._maybe_insight()
        self._check_stop()
        return m

    def _run_step(self, part: str) -> StepMetrics:
        """One iteration or one network's update at the run's step and epoch as it starts; a
        single network's update reports the other network's last figures."""
        gan, state = self.gan, self.state
        step, epoch = state.step, state.epoch
        next_real = state.batches.next_labelled if gan.conditional else state.batches.next
        if part == "both":
            return gan.train_step(next_real, state.rng, step, epoch)
        last = state.history.latest() or dict.fromkeys(FIELDS, 0.0)
        lr_g, lr_d = gan.learning_rates(step, epoch)
        if part == "d":
            real, labels = next_real() if gan.conditional else (next_real(), None)
            dl, dr, df, dn = gan.d_step(real, state.rng, step, epoch, labels)
            return StepMetrics(dl, last["g_loss"], dr, df, dn, last["g_grad_norm"], lr_d, lr_g)
        if part == "g":
            gl, gn = gan.g_step(state.batches.batch_size, state.rng, step, epoch)
            return StepMetrics(last["d_loss"], gl, last["d_real"], last["d_fake"], last["d_grad_norm"], gn, lr_d, lr_g)
        raise ValueError(f"unknown step part {part!r}")

    def _maybe_insight(self) -> None:
        """Every run.insight_every steps: an insight report, its series and the warnings; a
        warning that starts becomes a history event. Insight only measures the run: when it
        fails (say the classifier's weights cannot be read) it is off for the rest of this run
        (``insight.error`` says why, until the next build), the message says so, and training
        goes on."""
        every, s = self.config.run.insight_every, self.state
        if not every or s.step % every or s.insight.error:
            return
        try:
            started = s.insight.update(s.step, s.gan, s.dataset, s.config, s.history)
        except Exception as exc:  # any failure: a measurement must never stop the run it measures
            s.insight.error = f"Insight is off for this run: it failed at step {s.step:,} ({type(exc).__name__}: {exc})"
            self.message = f"{s.insight.error}. Training goes on without coverage, FID and warnings."
            return
        for w in started:
            s.history.add_event(s.step, EventKind.WARNING, w.title)

    def _weights_finite(self) -> bool:
        with np.errstate(over="ignore"):  # a squared norm past float32's range counts as diverged
            return all(
                np.isfinite(np.dot(p, p)) for p in (self.gan.generator.params.values, self.gan.discriminator.params.values)
            )

    def _diverged(self, what: str) -> None:
        """Go back to the guard's restore point (the state after the latest logged change, or the
        last finite one since), pause and explain. `what` names what was not finite."""
        bad = self.step_count + 1
        self._restore(self._good)
        self.history.add_event(self.step_count, EventKind.DIVERGED, old=str(bad), new=what)
        self.divergence = Divergence(bad, what, self.step_count)
        self.paused = True
        lr_g, lr_d = self.gan.learning_rates(self.step_count, self.epoch)
        self.message = (
            f"Training diverged at step {bad} ({what}). Restored the weights of step {self.step_count}; "
            f"lower the learning rates (G {lr_g:g}, D {lr_d:g}) and resume."
        )

    def _check_stop(self) -> None:
        s, reason = self.stop, ""
        if s.at_step is not None and self.step_count >= s.at_step:
            reason, self.stop = f"reached step {s.at_step}", cmd.StopCondition(after_seconds=s.after_seconds)
        elif s.after_seconds is not None and self.elapsed >= s.after_seconds:
            reason, self.stop = "the time limit", cmd.StopCondition(at_step=s.at_step)
        if reason:
            self.paused = True
            self.message = f"Paused at step {self.step_count}: {reason}."

    # -- commands -------------------------------------------------------------------------------
    def apply(self, command: Any) -> None:
        """Apply a command from ganstudio.run.commands. Raises ConfigError / DatasetError for a
        setting that cannot be used; the run is then unchanged."""
        step = self.step_count
        match command:
            case cmd.SetParam(key=key, value=value):
                before = self.config.with_values(self.pending)
                self._set_param(key, value)
                after = self.config.with_values(self.pending)
                if changed_settings(before, after):  # as given: `optimizer.lr` is one change of G's and D's lr
                    self._log(step, set={key: setting(key, after.get(key))})
            case cmd.Rebuild(network=network):
                self._rebuild(network)
                self._log(step, apply=network)
            case cmd.Reset(config=config):
                before = self.config.with_values(self.pending)
                self._reset(config)
                changed = changed_settings(before, self.config)
                self._log(step, reset=True, **({"set": changed} if changed else {}))
            case cmd.RevertLastChange():
                if self.can_revert:
                    self._log(step, revert=True, to=self._reverts[-1]["step"].item())
                self._revert()
            case cmd.Pause():
                self.paused = True
            case cmd.Resume():
                self.paused = False
                self.message = ""
                self.divergence = None
            case cmd.StepOnce(part=part):
                # A step of both is a training step like any other; a single network's step is
                # logged unless the guard undid it.
                if self.step(part) is not None and part != "both":
                    self._log(step, **{f"{part}_step": True})
            case cmd.SetStopCondition(condition=c):
                after = None if c.after_seconds is None else self.elapsed + c.after_seconds
                self.stop = cmd.StopCondition(at_step=c.at_step, after_seconds=after)
            case _:
                raise TypeError(f"unknown command {command!r}")

    def _log(self, step: int, **action: Any) -> None:
        """Log a change taken at `step` and move the guard's restore point after it: a divergence
        never goes back past a logged change, so the log stays the path the weights took."""
        self.changes.add(step, **action)
        self._good = None

    def _set_param(self, key: str, value: Any) -> None:
        old = self.config
        old.with_values({**self.pending, key: value})  # refused when it does not fit the pending architecture edits
        new = old.with_values({key: value})
        p = plan(old, new)
        if not p.changed:
            return
        if p.deferred:  # architecture waits for Apply, the seed for Reset
            for k in p.changed:
                self.pending[k] = new.get(k)
                if self.pending[k] == old.get(k):
                    del self.pending[k]
            return
        if p.needs_reset:
            raise ConfigError(
                f"data.dataset: {new.data.dataset} has another sample shape than {old.data.dataset}; "
                "press Reset to start over with it"
            )
        check_memory(new, current=old)
        dataset = self._load_data(new) if p.new_data else self.dataset
        if new.data.batch_size > len(dataset):
            raise ConfigError(f"data.batch_size: {new.data.batch_size} is larger than the dataset ({len(dataset)} samples)")
        if p.tracked:
            self._reverts.append(self.state.state_dict())
        state = self.state
        if p.new_data:
            state.dataset = dataset
            state.batches = BatchIterator(dataset, new.data.batch_size, state.rng)
            if state.gan.conditional:  # fake labels from the new class subset
                state.gan.set_conditioning(new.conditioning())
        elif p.new_batch_size:
            state.batches.set_batch_size(new.data.batch_size)
            state.gan.release_buffers()
        for network in p.optimizers:
            state.gan.set_optimizer(network, getattr(new.optimizer, network))
        if p.training:
            state.gan.set_training(new.training)
        if p.schedule:
            state.gan.set_schedule(new.schedule)
        state.recorder.every = new.run.record_every
        state.config = new
        if p.tracked:
            for k in p.changed:
                state.history.add_event(state.step, EventKind.CHANGE, k, _fmt(old.get(k)), _fmt(new.get(k)))
            self._good = None

    def _rebuild(self, network: str) -> None:
        """Apply the pending architecture edits of one network ("g", "d"): a fresh network of the
        new shape (and the dataset again when G's output range changed); the other keeps its
        weights. BOTH applies every pending architecture edit, training.conditional included,
        and rebuilds both networks."""
        changes = {k: v for k, v in self.pending.items() if applies(network, k)}
        old = self.config
        new = old.with_values(changes)
        p = plan(old, new)
        check_memory(new, current=old)
        dataset = self._load_data(new) if p.new_data else self.dataset
        self._reverts.append(self.state.state_dict())
        state = self.state
        if p.new_data:  # the same samples in G's new output range: the data order goes on
            position = state.batches.state_dict()
            state.dataset = dataset
            state.batches = BatchIterator(dataset, new.data.batch_size, state.rng)
            state.batches.load_state_dict(position)
        for net in ("g", "d") if network == BOTH else (network,):
            spec = new.generator_spec() if net == "g" else new.discriminator_spec()
            state.gan.rebuild(net, spec, getattr(new.optimizer, net), state.rng)
        if network == BOTH:
            state.gan.set_training(new.training)
            state.gan.set_conditioning(new.conditioning())
        state.config = new
        if new.generator.latent_size != old.generator.latent_size:
            state.fixed_noise = fixed_noise(new)
        for k in changes:
            del self.pending[k]
        detail = ", ".join(f"{k.split('.', 1)[1]} {_fmt(old.get(k))} -> {_fmt(new.get(k))}" for k in p.changed)
        state.history.add_event(state.step, EventKind.REBUILD, network, new=detail)
        self._good = None

    def _reset(self, config: RunConfig | None) -> None:
        if config is None:
            config = self.config.with_values(self.pending)
        self.state.start(config)
        self._reverts.clear()
        self._good = None
        self._step_time = 0.0
        self.pending = {}
        self.paused = True
        self.divergence = None
        self.message = f"Reset from seed {config.seed}."

    def _revert(self) -> None:
        if not self._reverts:
            self.message = "Nothing to revert."
            return
        state = self._reverts.pop()
        undone = [
            e for e in self.history.events if e.step >= int(state["step"]) and e.kind in (EventKind.CHANGE, EventKind.REBUILD)
        ]
        self._restore(state)
        self.history.add_event(self.step_count, EventKind.REVERT, new=undone[-1].label if undone else "")
        self._good = None
        self.message = f"Reverted to step {self.step_count}."

    # -- what the GUI sees ----------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """An immutable copy of what the GUI shows now."""
        return take_snapshot(
            self.state, paused=self.paused, message=self.message, pending=self.pending, can_revert=self.can_revert
        )
