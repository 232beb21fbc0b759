"""What a change of settings asks of a running session: the one place that answers it.

`plan(old, new)` compares two configs and says which parts of a run must change: the dataset,
the batch iterator, a network, an optimizer, the schedule, the training settings; and whether the change can
happen live at all. The session (live edits, Apply, revert, restoring a saved state), the
training worker (a Reset that needs a new dataset is built before the old run is dropped) and
the window (a dataset of another sample shape starts over) all consult it, so the rule is
decided once. Pure: no session, no Qt.

`preview(config, pending, key, value)` answers, for one edit, what the session will do with it
(live, pending, needs reset, refused, with the reason) and holds the configs it validated, so
the window and the session ask once and an edit builds its config once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ganstudio.config.model import ConfigError, RunConfig, keys

NETWORK_SECTIONS = {"g": "generator.", "d": "discriminator."}
BOTH = "both"  # Apply to G and D: what a change of both networks' inputs (training.conditional) needs
SHARED_ARCHITECTURE_KEYS = ("training.conditional",)  # architecture of both networks: waits for Apply to both
DATA_KEYS = ("data.dataset", "data.classes", "data.folder", "data.image_size")
RESTART_KEYS = ("seed",)
UNTRACKED_SECTIONS = ("view.", "run.")  # display, recording and insight: they never change training


@dataclass(frozen=True)
class ChangePlan:
    """changed: the dotted keys whose values differ, in config order.
    rebuild: networks ("g", "d") whose architecture changed; such edits wait for Apply.
        training.conditional changes both networks' inputs: both, applied together (BOTH).
    reseed: the seed changed; it waits for Reset.
    needs_reset: the samples change shape (image <-> 2D data): only a Reset can take it.
    new_data: the dataset must be loaded again (another dataset, class subset, folder or image
        size, or G's output range, which is the range the real data is scaled to).
    new_batch_size: the batch iterator must hand out batches of another size.
    optimizers: networks whose optimizer settings changed.
    training: the training settings (loss, k, smoothing, clip, EMA) changed.
    schedule: the lr schedule changed (both optimizers follow it).
    tracked: the change is one a user may want to revert (not only `view.*` and `run.*`)."""

    changed: tuple[str, ...]
    rebuild: tuple[str, ...]
    reseed: bool
    needs_reset: bool
    new_data: bool
    new_batch_size: bool
    optimizers: tuple[str, ...]
    training: bool
    schedule: bool
    tracked: bool

    @property
    def deferred(self) -> bool:
        """True when the change waits (architecture until Apply, the seed until Reset)."""
        return bool(self.rebuild) or self.reseed


def plan(old: RunConfig, new: RunConfig) -> ChangePlan:
    """What going from config `old` to config `new` asks of a run."""
    changed = tuple(k for k in keys() if new.get(k) != old.get(k))
    return ChangePlan(
        changed=changed,
        rebuild=tuple(
            net
            for net, section in NETWORK_SECTIONS.items()
            if any(k.startswith(section) or k in SHARED_ARCHITECTURE_KEYS for k in changed)
        ),
        reseed=any(k in RESTART_KEYS for k in changed),
        needs_reset=new.data_size != old.data_size,
        new_data=any(k in DATA_KEYS for k in changed) or new.value_range != old.value_range,
        new_batch_size=new.data.batch_size != old.data.batch_size,
        optimizers=tuple(net for net in NETWORK_SECTIONS if getattr(new.optimizer, net) != getattr(old.optimizer, net)),
        training=new.training != old.training,
        schedule=new.schedule != old.schedule,
        tracked=any(not k.startswith(UNTRACKED_SECTIONS) for k in changed),
    )


def waits(key: str) -> bool:
    """Whether an edit of `key` waits (for Apply: a network's architecture; for Reset: the seed)
    instead of taking effect at the next step."""
    return key.startswith(tuple(NETWORK_SECTIONS.values())) or key in SHARED_ARCHITECTURE_KEYS or key in RESTART_KEYS


def applies(network: str, key: str) -> bool:
    """Whether Apply to `network` ("g", "d" or BOTH) applies the pending edit of `key`: a
    network's own section; BOTH also the settings shared by both networks' architecture."""
    if network == BOTH:
        return key.startswith(tuple(NETWORK_SECTIONS.values())) or key in SHARED_ARCHITECTURE_KEYS
    return key.startswith(NETWORK_SECTIONS[network])


def apply_order(rebuild: tuple[str, ...], changed: tuple[str, ...]) -> tuple[str, ...]:
    """The Apply commands that take pending edits of `changed` keys needing `rebuild`: BOTH when
    a shared setting changed (it rebuilds both, with all their edits), else each network."""
    return (BOTH,) if any(k in SHARED_ARCHITECTURE_KEYS for k in changed) else rebuild


class Outcome(Enum):
    """What the session does with an edit: takes it at the next step (LIVE), keeps it waiting for
    Apply or Reset (PENDING), takes it only with a Reset (NEEDS_RESET: the samples change shape),
    or not at all (REFUSED: the config does not validate, or does not fit the pending edits)."""

    LIVE = "live"
    PENDING = "pending"
    NEEDS_RESET = "needs reset"
    REFUSED = "refused"


@dataclass(frozen=True)
class Preview:
    """One edit `key = value` of a run at `config` with `pending` edits waiting, decided.

    outcome, and reason: why it is refused or needs a reset ("" otherwise);
    edited: `config` with this edit alone (None when refused);
    live: the config the run trains with once the edit is taken (`config` itself for a pending
        edit; None when refused);
    pending: the edits waiting for Apply or Reset once it is taken ({dotted key: value});
    waiting: `config` with the pending edits and this one, the config the controls show (None
        when refused);
    plan: what going from `config` to `live` asks of the run; for a pending edit, what the edit
        changes once applied (plan.changed empty: the edit changes nothing)."""

    key: str
    value: Any
    outcome: Outcome
    reason: str = ""
    edited: RunConfig | None = None
    live: RunConfig | None = None
    pending: dict[str, Any] = field(default_factory=dict)
    waiting: RunConfig | None = None
    plan: ChangePlan | None = None


def preview(config: RunConfig, pending: dict[str, Any], key: str, value: Any) -> Preview:
    """What a run at `config` with `pending` edits does with the edit `key = value`. Builds (and
    so validates) one config; two when edits are pending (the edit must fit them, and the run
    trains without them)."""
    try:
        with_pending = config.with_values({**pending, key: value})  # refused when it does not fit the pending edits
        new = config.with_values({key: value}) if pending else with_pending
    except ConfigError as exc:
        return Preview(key, value, Outcome.REFUSED, str(exc))
    p = plan(config, new)
    if p.changed and p.deferred:  # architecture waits for Apply, the seed for Reset
        waits = {**pending, **{k: new.get(k) for k in p.changed}}
        return Preview(key, value, Outcome.PENDING, "", new, config, waits, with_pending, p)
    if p.needs_reset:
        reason = (
            f"data.dataset: {new.data.dataset} has another sample shape than {config.data.dataset}; "
            "press Reset to start over with it"
        )
        return Preview(key, value, Outcome.NEEDS_RESET, reason, new, new, dict(pending), with_pending, p)
    return Preview(key, value, Outcome.LIVE, "", new, new, dict(pending), with_pending, p)
