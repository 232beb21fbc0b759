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
from ganstudio.run.change_plan import BOTH, ChangePlan, Outcome, Preview, applies, apply_order, plan, preview
from ganstudio.run.changelog import Change, changed_settings, setting
from ganstudio.run.memory import check_memory
from ganstudio.run.snapshot import BestGrid, Snapshot, render_samples, take_snapshot
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


def _check_batch_fits(config: RunConfig, dataset: Dataset) -> None:
    """ConfigError when `config`'s batch is larger than `dataset`."""
    if config.data.batch_size > len(dataset):
        raise ConfigError(f"data.batch_size: {config.data.batch_size} is larger than the dataset ({len(dataset)} samples)")


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
        self._reverts: deque[tuple[State, Change]] = deque(maxlen=revert_depth)  # and the change each undoes
        self._good: State | None = None  # None: take one before the next step
        self.pending: dict[str, Any] = {}
        self.stop = cmd.StopCondition()
        self.paused = True
        self.message = ""
        self.divergence: Divergence | None = None
        self._step_time = 0.0
        self._previewed: tuple[RunConfig, dict[str, Any], Preview] | None = None  # the last preview, and what it was of
        self._best_grid = BestGrid()
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
    changes = property(lambda self: self.state.journal)  # what run.toml keeps and replay applies

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
        _check_batch_fits(config, dataset)
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
    def preview(self, key: str, value: Any) -> Preview:
        """What `apply(SetParam(key, value))` does now: live, pending, needs reset or refused (see
        ganstudio.run.change_plan.preview). The apply that follows takes this very preview, so
        an edit asked about and then applied builds its config once."""
        if self._previewed is not None:
            config, pending, p = self._previewed
            if config is self.config and pending == self.pending and p.key == key and repr(p.value) == repr(value):
                return p  # repr tells 1 from 1.0 and true, as the config does
        p = preview(self.config, self.pending, key, value)
        self._previewed = (self.config, dict(self.pending), p)
        return p

    def apply(self, command: Any) -> None:
        """Apply a command from ganstudio.run.commands. Raises ConfigError / DatasetError for a
        setting that cannot be used; the run is then unchanged."""
        match command:
            case cmd.SetParam(key=key, value=value):
                self._set_param(self.preview(key, value))
            case cmd.SetParams(values=values):
                for key, value in values.items():
                    self.apply(cmd.SetParam(key, value))
            case cmd.Rebuild(network=network):
                self._rebuild(network)
            case cmd.Reset(config=config):
                self._reset(config)
            case cmd.RevertLastChange():
                self._revert()
            case cmd.Pause():
                self.paused = True
            case cmd.Resume():
                self.paused = False
                self.message = ""
                self.divergence = None
            case cmd.StepOnce(part=part):
                # A step of both is a training step like any other; a single network's step is
                # journaled unless the guard undid it.
                step = self.step_count
                if self.step(part) is not None and part != "both":
                    self._record(Change(step, cmd.StepOnce(part)))
            case cmd.SetStopCondition(condition=c):
                after = None if c.after_seconds is None else self.elapsed + c.after_seconds
                self.stop = cmd.StopCondition(at_step=c.at_step, after_seconds=after)
            case _:
                raise TypeError(f"unknown command {command!r}")

    def apply_pending(self) -> list[str]:
        """Apply every architecture edit waiting for Apply, as the window's Apply buttons would:
        one Rebuild per network that needs one (both when a shared setting changed), each network
        rebuilt afresh while the other keeps its weights. Returns each rebuild's marker label."""
        p = plan(self.config, self.config.with_values(self.pending))
        labels = []
        for network in apply_order(p.rebuild, p.changed):
            self.apply(cmd.Rebuild(network))
            labels.append(self.history.events[-1].label)
        return labels

    def _record(self, change: Change) -> None:
        """Journal `change`, show its plot markers and move the guard's restore point after it: a
        divergence never goes back past a journaled change, so the journal stays the path the
        weights took."""
        self.changes.record(change)
        for event in change.events():
            self.history.add_event(event.step, event.kind, event.key, event.old, event.new)
        self._good = None

    def _set_param(self, p: Preview) -> None:
        """Take the edit `p` previews: refused or needing a reset, ConfigError with its reason;
        pending, it waits; live, the run's parts it touches change now."""
        if p.outcome in (Outcome.REFUSED, Outcome.NEEDS_RESET):
            raise ConfigError(p.reason)
        old, plan_ = self.config, p.plan
        command = cmd.SetParam(p.key, p.edited.get(p.key))
        if p.outcome is Outcome.PENDING:
            if p.pending != self.pending:  # an edit to the value already waiting changes nothing
                before = {k: self.pending.get(k, old.get(k)) for k in plan_.changed}
                self._record(Change(self.step_count, command, before, {k: p.pending[k] for k in plan_.changed}, Outcome.PENDING))
            self.pending = dict(p.pending)
            return
        if not plan_.changed:
            return
        new = p.live
        check_memory(new, current=old)
        dataset = self._load_data(new) if plan_.new_data else self.dataset
        _check_batch_fits(new, dataset)
        change = Change(self.step_count, command, {k: old.get(k) for k in plan_.changed}, {k: new.get(k) for k in plan_.changed})
        if plan_.tracked:
            self._reverts.append((self.state.state_dict(), change))
        self._take_live(new, plan_, dataset)
        if plan_.tracked:
            self._record(change)

    def _take_live(self, new: RunConfig, p: ChangePlan, dataset: Dataset) -> None:
        """Move the run's parts to config `new` as plan `p` says, `dataset` being its data."""
        state = self.state
        if p.new_data:
            state.dataset = dataset
            state.batches = BatchIterator(dataset, new.data.batch_size, state.rng)
            state.insight.forget_best()
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
        change = Change(
            self.step_count, cmd.Rebuild(network), {k: old.get(k) for k in p.changed}, {k: new.get(k) for k in p.changed}
        )
        self._reverts.append((self.state.state_dict(), change))
        state = self.state
        if p.new_data:  # the same samples in G's new output range: the data order goes on
            position = state.batches.state_dict()
            state.dataset = dataset
            state.batches = BatchIterator(dataset, new.data.batch_size, state.rng)
            state.batches.load_state_dict(position)
        if network in ("g", BOTH):
            state.insight.forget_best()
        for net in ("g", "d") if network == BOTH else (network,):
            spec = new.generator_spec() if net == "g" else new.discriminator_spec()
            state.gan.rebuild(net, spec, getattr(new.optimizer, net), state.rng)
        if network == BOTH:
            state.gan.set_training(new.training)
            state.gan.set_conditioning(new.conditioning())
        state.config = new
        if new.generator.latent_size != old.generator.latent_size:
            state.fixed_noise = fixed_noise(new)
        self.pending = {k: v for k, v in self.pending.items() if k not in changes}
        self._record(change)

    def _reset(self, config: RunConfig | None) -> None:
        """Start over from the seed with `config` (None: the current one with the pending edits);
        journaled with the tracked settings the new config changes."""
        step, before = self.step_count, self.config.with_values(self.pending)
        if config is None:
            config = before
        self.state.start(config)
        changed = {k: config.get(k) for k in changed_settings(before, config)}
        self._record(Change(step, cmd.Reset(config), {k: before.get(k) for k in changed}, changed))
        self._reverts.clear()
        self._step_time = 0.0
        self.pending = {}
        self.paused = True
        self.divergence = None
        self.message = f"Reset from seed {config.seed}."

    def _revert(self) -> None:
        """Go back to the state before the latest revert point's change; journaled with the step
        it went back to, and a plot marker naming the change undone."""
        if not self._reverts:
            self.message = "Nothing to revert."
            return
        state, undone = self._reverts.pop()
        step = self.step_count
        self._restore(state)
        self._record(Change(step, cmd.RevertLastChange(), to=self.step_count))
        self.history.add_event(self.step_count, EventKind.REVERT, new=undone.label)
        self.message = f"Reverted to step {self.step_count}."

    # -- what the GUI sees ----------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """An immutable copy of what the GUI shows now."""
        return take_snapshot(
            self.state,
            paused=self.paused,
            message=self.message,
            pending=self.pending,
            can_revert=self.can_revert,
            best_grid=self._best_grid,
        )
