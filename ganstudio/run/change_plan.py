"""What a change of settings asks of a running session: the one place that answers it.

`plan(old, new)` compares two configs and says which parts of a run must change: the dataset,
the batch iterator, a network, an optimizer, the schedule, the training settings; and whether the change can
happen live at all. The session (live edits, Apply, revert, restoring a saved state), the
training worker (a Reset that needs a new dataset is built before the old run is dropped) and
the window (a dataset of another sample shape starts over) all consult it, so the rule is
decided once. Pure: no session, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

from ganstudio.config.model import RunConfig, keys

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
