"""Plain-words warnings about a failing run: mode collapse, a discriminator overpowering the
generator, divergence, each with the usual remedies.

:class:`Diagnoser` looks at each insight check's figures (:class:`Measures`) and at the loss
history over the window since the previous check. Every warning has an *onset* condition and a
looser *clear* condition (hysteresis), and a state changes only after its condition held at
`confirm` consecutive checks, so a warning neither flickers nor fires on one noisy batch.

Rules (window: the steps since the previous check; "median" over that window):
- mode collapse, from step 1,000 on (before, a generator that has not learned yet draws
  similar blobs): samples from different noise are near-identical (diversity ratio < 0.2,
  clears at >= 0.35); or coverage fell to at most half of the classes (modes) of the data while
  the samples look like data (classifier confidence >= 0.5, or >= 20% high-quality 2D
  samples), clearing at >= 80% of them. For digits the classes counted are those of at least
  5% of the recognisable samples (`CoverageReport.classes_drawn`), not of all samples: a
  generator still learning draws many unrecognisable samples, which is not collapse.
- D overpowers G: median D(G(z)) < 0.05 for the cross-entropy losses (clears at >= 0.15); or
  G's gradient norm fell below 1% of its largest window median (vanishing gradients; clears
  at >= 5%).
- divergence: the loss scale (median of max(|D loss|, |G loss|)) grew to more than 10x its
  reference and a gradient norm to more than 10x its smallest window median; or the loss scale
  alone grew more than 100x (a saturated D's gradients vanish while the losses explode), which
  starts the warning at once, with no second check to wait for. The loss reference is the
  smallest window median so far, or the level the run started from if lower: the losses of an
  untrained D (logits 0; 2 ln 2 for the cross-entropy losses, none for Wasserstein), so losses
  that explode before the first check still count as grown. Clears once the loss scale is
  within 10x and, unless within 3x, the gradient norm within 3x. References restart when the
  loss kind changes (another loss, another scale).
- quality falling (runs with an FID): the last 3 checks' FIDs are all at least 1.25x the best
  so far, and the best is at least 5 checks old, so a run that is still finding its way (FID
  up and down around its best) is not called falling. Starts at once (the 3 checks are its
  confirmation); clears once an FID is back within 1.1x the best. It names the best step and FID,
  whose weights the run keeps (ganstudio.insight.best).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from ganstudio.config.model import RunConfig
from ganstudio.engine.losses import PROBABILISTIC, d_loss_stacked, g_loss
from ganstudio.record.history import History

KINDS = ("mode_collapse", "d_overpowering", "divergence", "quality_falling")

COLLAPSE_WARMUP = 1000  # steps before the mode-collapse rules apply
NEAR_IDENTICAL, DIVERSE = 0.2, 0.35  # diversity ratio: onset below, clear at or above
FEW_COVERED, MOST_COVERED = 0.5, 0.8  # share of the data's classes/modes covered
CONFIDENT = 0.5  # digits: mean classifier confidence at which samples count as digits
LOOKS_LIKE_DATA = 0.2  # 2D: high-quality fraction at which samples count as on the modes
D_FAKE_LOW, D_FAKE_OK = 0.05, 0.15
G_GRAD_LOW, G_GRAD_OK = 0.01, 0.05  # share of the largest window median of G's gradient norm
EXPLODE, CALM = 10.0, 3.0  # growth over the reference: loss and gradient norm together
ORDERS = 100.0  # growth of the loss scale alone: two orders of magnitude
FALLING, RECOVERED = 1.25, 1.1  # FID over the best FID: onset at or above (every one of the last checks), clear below
FALLING_CHECKS = 3  # the latest checks that must all be that much worse
BEST_AGE = 5  # checks since the best, at least


@dataclass(frozen=True)
class Measures:
    """One insight check's figures. diversity: mean pairwise distance of samples over that of
    real data; covered/expected: classes (digits) or modes (2D) covered of those in the data,
    None where not measured (digits: classes of the recognisable samples); quality: mean
    classifier confidence (digits) or high-quality fraction (2D), None where not measured;
    fid: this check's FID and best: (step, FID) of the best check so far, None where not measured."""

    step: int
    diversity: float
    covered: int | None = None
    expected: int | None = None
    quality: float | None = None
    unit: str = "classes"
    fid: float | None = None
    best: tuple[int, float] | None = None


@dataclass(frozen=True)
class TrainingWarning:
    """kind: one of KINDS; title: a few words; message: what was seen, with figures; remedies:
    what usually helps, as settings to change; since: the step at which it started."""

    kind: str
    title: str
    message: str
    remedies: tuple[str, ...]
    since: int

    def line(self) -> str:
        """One plain-words line for a log."""
        return f"warning at step {self.since}: {self.title}. {self.message} Try: {'; '.join(self.remedies)}."


@dataclass(frozen=True)
class _Verdict:
    """onset: the condition to start the warning holds; clear: the one to end it; at_once: the
    onset is beyond doubt, start without waiting for `confirm` checks."""

    onset: bool
    clear: bool
    message: str = ""
    at_once: bool = False


def _window(history: History, name: str, start: int, end: int) -> np.ndarray:
    """The values of a history field at the steps in (start, end]."""
    steps, values = history.series(name)
    return values[(steps > start) & (steps <= end)]


@cache
def start_scale(loss: str) -> float:
    """max(|D loss|, |G loss|) of an untrained D, whose logits are about 0: where a run's losses
    begin (2 ln 2 for the cross-entropy losses, 2 for hinge, 0.5 least squares, 0 Wasserstein)."""
    zeros = np.zeros((2, 1), np.float32)
    return max(abs(d_loss_stacked(loss, zeros, 1)[0]), abs(g_loss(loss, zeros[:1])[0]))


def _exploding(loss_growth: float, grad_growth: float, together: float, alone: float) -> bool:
    return loss_growth > alone or (loss_growth > together and grad_growth > together)


class Diagnoser:
    """Turns insight checks into warnings. `confirm`: consecutive checks a condition must hold
    to start or to end a warning."""

    def __init__(self, confirm: int = 2) -> None:
        self.confirm = int(confirm)
        self.clear()

    def clear(self) -> None:
        self.active: dict[str, TrainingWarning] = {}
        self._streak = dict.fromkeys(KINDS, 0)  # consecutive checks pointing to a state change
        self._ref = {"g_grad_max": 0.0, "loss_min": math.inf, "grad_min": math.inf}
        self._last_step = 0
        self._loss = ""  # the loss kind the loss and gradient references were measured with
        self._fids: list[tuple[int, float]] = []  # (step, FID) of the latest BEST_AGE checks that measured one

    @property
    def warnings(self) -> tuple[TrainingWarning, ...]:
        """Active warnings, in KINDS order."""
        return tuple(self.active[k] for k in KINDS if k in self.active)

    def update(self, measures: Measures, history: History, config: RunConfig) -> list[TrainingWarning]:
        """Take one check into account; returns the warnings that started at it."""
        span = (self._last_step, measures.step)
        self._last_step = measures.step
        verdicts = {
            "mode_collapse": self._collapse(measures),
            "d_overpowering": self._overpowering(history, span, config),
            "divergence": self._divergence(history, span, config.training.loss),
            "quality_falling": self._falling(measures),
        }
        started = []
        for kind, v in verdicts.items():
            active = kind in self.active
            changing = v.clear if active else v.onset
            self._streak[kind] = self._streak[kind] + 1 if changing else 0
            if active and self._streak[kind] >= self.confirm:
                del self.active[kind]
                self._streak[kind] = 0
            elif active:
                self.active[kind] = replace(self.active[kind], message=v.message or self.active[kind].message)
            elif self._streak[kind] >= self.confirm or v.at_once:
                title, remedies = _ADVICE[kind](config)
                self.active[kind] = TrainingWarning(kind, title, v.message, remedies, measures.step)
                self._streak[kind] = 0
                started.append(self.active[kind])
        return started

    # -- rules ----------------------------------------------------------------------------------
    def _collapse(self, m: Measures) -> _Verdict:
        if m.step <= COLLAPSE_WARMUP:
            return _Verdict(False, True)
        reasons = []
        if m.diversity < NEAR_IDENTICAL:
            reasons.append(
                f"Samples from different noise are near-identical: they differ {m.diversity:.0%} as much as real samples do."
            )
        clear = m.diversity >= DIVERSE
        if m.covered is not None and m.expected:
            share = m.covered / m.expected
            looks_real = m.quality is not None and m.quality >= (CONFIDENT if m.unit == "classes" else LOOKS_LIKE_DATA)
            if looks_real and share <= FEW_COVERED:
                among = "the recognisable samples" if m.unit == "classes" else "the samples"
                reasons.append(f"Only {m.covered} of the {m.expected} {m.unit} of the data appear among {among}.")
            clear = clear and share >= MOST_COVERED
        return _Verdict(bool(reasons), clear, " ".join(reasons))

    def _overpowering(self, history: History, span: tuple[int, int], config: RunConfig) -> _Verdict:
        d_fake, g_grad = _window(history, "d_fake", *span), _window(history, "g_grad_norm", *span)
        if not len(g_grad):
            return _Verdict(False, False)
        reasons = []
        clear = True
        if config.training.loss in PROBABILISTIC:
            median = float(np.median(d_fake))
            if median < D_FAKE_LOW:
                reasons.append(
                    f"D(G(z)) has stayed near 0 (median {median:.3f} since step {span[0]}): D rejects every generated sample."
                )
            clear = median >= D_FAKE_OK
        grad = float(np.median(g_grad))
        ref = self._ref["g_grad_max"] = max(self._ref["g_grad_max"], grad)
        if grad < G_GRAD_LOW * ref:
            reasons.append(f"G's gradients have vanished (norm {grad:.2g}, down from {ref:.2g}): G has stopped learning.")
        clear = clear and grad >= G_GRAD_OK * ref
        return _Verdict(bool(reasons), clear, " ".join(reasons))

    def _divergence(self, history: History, span: tuple[int, int], loss_kind: str) -> _Verdict:
        d_loss, g_loss = _window(history, "d_loss", *span), _window(history, "g_loss", *span)
        if not len(d_loss):
            return _Verdict(False, False)
        if loss_kind != self._loss:
            self._ref.update(loss_min=math.inf, grad_min=math.inf)
            self._loss = loss_kind
        loss = float(np.median(np.maximum(np.abs(d_loss), np.abs(g_loss))))
        grad = max(float(np.median(_window(history, name, *span))) for name in ("d_grad_norm", "g_grad_norm"))
        self._ref["loss_min"] = min(self._ref["loss_min"], max(loss, 1e-3))
        ref_loss = min(self._ref["loss_min"], start_scale(loss_kind) or math.inf)
        ref_grad = self._ref["grad_min"] = min(self._ref["grad_min"], max(grad, 1e-6))
        growth, grad_growth = loss / ref_loss, grad / ref_grad
        onset = _exploding(growth, grad_growth, EXPLODE, ORDERS)
        message = ""
        if onset:
            grads = f"; gradient norms {grad:.3g} (lowest {ref_grad:.3g})" if grad_growth > EXPLODE else ""
            message = f"The losses are exploding: {loss:.3g}, {growth:,.0f} times their lowest level ({ref_loss:.3g}){grads}."
        return _Verdict(onset, not _exploding(growth, grad_growth, CALM, EXPLODE), message, at_once=growth > ORDERS)

    def _falling(self, m: Measures) -> _Verdict:
        if m.fid is None or not math.isfinite(m.fid):
            return _Verdict(False, True)
        self._fids = [*self._fids, (m.step, m.fid)][-BEST_AGE:]
        if m.best is None:
            return _Verdict(False, True)
        best_step, best = m.best
        latest = [fid for _, fid in self._fids[-FALLING_CHECKS:]]
        old_enough = len(self._fids) == BEST_AGE and self._fids[0][0] > best_step
        onset = old_enough and all(fid >= FALLING * best for fid in latest)
        message = ""
        if onset:
            message = (
                f"The FID has been {min(latest) / best:.2g}x its best or worse for the last {FALLING_CHECKS} checks "
                f"({', '.join(f'{fid:.2f}' for fid in latest)}); the best, {best:.2f} at step {best_step:,}, is kept."
            )
        return _Verdict(onset, m.fid < RECOVERED * best, message, at_once=onset)

    # -- checkpoints ----------------------------------------------------------------------------
    def truncate_after(self, step: int) -> None:
        """Forget warnings that started after `step` (the run went back to it)."""
        self.active = {k: w for k, w in self.active.items() if w.since <= step}
        self._fids = [(s, fid) for s, fid in self._fids if s <= step]
        self._streak = dict.fromkeys(KINDS, 0)
        self._last_step = min(self._last_step, step)

    def state_dict(self) -> dict[str, np.ndarray]:
        w = self.warnings
        return {
            "kinds": np.array([x.kind for x in w], dtype=str),
            "text": np.array([[x.title, x.message, "\n".join(x.remedies)] for x in w], dtype=str).reshape(-1, 3),
            "since": np.array([x.since for x in w], np.int64),
            "streak": np.array([self._streak[k] for k in KINDS], np.int64),
            "refs": np.array(list(self._ref.values()), np.float64),
            "last_step": np.array(self._last_step, np.int64),
            "loss_kind": np.array(self._loss),
            "fid_steps": np.array([s for s, _ in self._fids], np.int64),
            "fids": np.array([fid for _, fid in self._fids], np.float64),
        }

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        self.active = {
            str(k): TrainingWarning(str(k), str(t), str(m), tuple(str(r).split("\n")), int(s))
            for k, (t, m, r), s in zip(d["kinds"], d["text"], d["since"])
        }
        self._streak = dict.fromkeys(KINDS, 0) | dict(zip(KINDS, (int(v) for v in d["streak"])))  # older: fewer kinds
        self._ref = dict(zip(self._ref, (float(v) for v in d["refs"])))
        self._last_step = int(d["last_step"])
        self._loss = str(d.get("loss_kind", ""))  # older checkpoints: references restart at the next check
        self._fids = [(int(s), float(f)) for s, f in zip(d.get("fid_steps", ()), d.get("fids", ()))]


# -- advice ---------------------------------------------------------------------------------------
def _collapse_advice(c: RunConfig) -> tuple[str, tuple[str, ...]]:
    t = c.training
    remedies = [f"lower the learning rates (now G {c.optimizer.g.lr:g}, D {c.optimizer.d.lr:g})"]
    if c.optimizer.g.kind != "adam" or c.optimizer.d.kind != "adam":
        remedies.append("use Adam with beta1 = 0.5 (optimizer.kind = adam) instead of plain SGD")
    if t.label_smoothing == 0.0:
        remedies.append("one-sided label smoothing (training.label_smoothing = 0.1)")
    if not t.ema:
        remedies.append("sample from an average of G's weights (training.ema = true)")
    remedies.append(f"a larger batch (data.batch_size, now {c.data.batch_size})")
    return "Mode collapse: the generator draws only a few kinds of samples", tuple(remedies)


def _overpowering_advice(c: RunConfig) -> tuple[str, tuple[str, ...]]:
    t = c.training
    remedies = [f"lower D's learning rate (optimizer.d.lr, now {c.optimizer.d.lr:g}) or raise G's"]
    if t.loss == "minimax":
        remedies.append("the non-saturating G loss (training.loss = non_saturating), whose gradients survive a confident D")
    if t.label_smoothing == 0.0:
        remedies.append("one-sided label smoothing (training.label_smoothing = 0.1)")
    if t.d_steps > 1:
        remedies.append(f"fewer D steps per G step (training.d_steps, now {t.d_steps})")
    if c.discriminator.dropout == 0.0:
        remedies.append("dropout in D (discriminator.dropout = 0.3) or a smaller D")
    return "The discriminator overpowers the generator", tuple(remedies)


def _divergence_advice(c: RunConfig) -> tuple[str, tuple[str, ...]]:
    remedies = [f"lower both learning rates about 10x (now G {c.optimizer.g.lr:g}, D {c.optimizer.d.lr:g})"]
    if c.optimizer.g.kind != "adam" or c.optimizer.d.kind != "adam":
        remedies.append("Adam (optimizer.kind = adam, beta1 = 0.5) instead of SGD or momentum")
    if c.training.label_smoothing == 0.0:
        remedies.append("one-sided label smoothing (training.label_smoothing = 0.1)")
    remedies.append("revert the last change if it came right after one")
    return "Training is diverging", tuple(remedies)


def _falling_advice(c: RunConfig) -> tuple[str, tuple[str, ...]]:
    remedies = [
        'use the best weights: ganstudio sample RUN --weights best, or the sample view\'s "Best so far"',
        f"lower the learning rates (now G {c.optimizer.g.lr:g}, D {c.optimizer.d.lr:g})",
    ]
    if not c.training.ema:
        remedies.append("sample from an average of G's weights (training.ema = true)")
    remedies.append("revert the last change if the fall began after it")
    return "Quality has been falling", tuple(remedies)


_ADVICE = {
    "mode_collapse": _collapse_advice,
    "d_overpowering": _overpowering_advice,
    "divergence": _divergence_advice,
    "quality_falling": _falling_advice,
}
