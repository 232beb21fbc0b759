"""Commands: how the GUI and the CLI change a run. The session applies them between steps.

They are small immutable values, so the GUI thread can hand them to the worker thread through a
queue without sharing any state with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ganstudio.config.model import RunConfig


@dataclass(frozen=True)
class SetParam:
    """Change one setting by dotted key (see ganstudio.config.model). Live settings apply at the next
    step; architecture settings (generator.*, discriminator.*) wait as *pending* until
    :class:`Rebuild`; `seed` applies at the next :class:`Reset`."""

    key: str
    value: Any


@dataclass(frozen=True)
class SetParams:
    """Several settings ({dotted key: value}), each applied in order as its own SetParam (a
    hand-written run.toml table that sets several)."""

    values: dict[str, Any]


@dataclass(frozen=True)
class Rebuild:
    """Apply the pending architecture settings of one network ("g" or "d") by rebuilding it
    from scratch; the other network keeps its weights. "both" applies every pending
    architecture setting, training.conditional included, and rebuilds both networks."""

    network: str


@dataclass(frozen=True)
class Reset:
    """Start over from the seed, with `config` if given (else the current one plus pending)."""

    config: RunConfig | None = None


@dataclass(frozen=True)
class RevertLastChange:
    """Restore weights, optimizer state, RNG, data order and settings to just before the last
    live change."""


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class StepOnce:
    """One iteration while paused: part "both", or "d" (discriminator only) / "g" (generator
    only), as in GAN Lab."""

    part: str = "both"


@dataclass(frozen=True)
class StopCondition:
    """Pause at step `at_step`, or after `after_seconds` more seconds of training. Each
    condition clears itself when it fires."""

    at_step: int | None = None
    after_seconds: float | None = None


@dataclass(frozen=True)
class SetStopCondition:
    condition: StopCondition


@dataclass(frozen=True)
class Walk:
    """Ask for a latent walk of G: a question, answered with its images, that changes nothing.
    Through the sample grid's cells `cells` in order with `stops` stops in all; or, with
    `classes` (a conditional run), the noise of the one cell in `cells` through those classes,
    one stop each. Drawn from the weights the grid shows: `weights` is "best", "ema" or "live",
    each falling back as the grid does (best kept, else EMA kept, else live). No cells: no walk
    is wanted any more."""

    cells: tuple[int, ...] = ()
    stops: int = 2
    classes: tuple[int, ...] | None = None
    weights: str = "ema"


@dataclass(frozen=True)
class FindNearest:
    """Ask for the `k` training images nearest to cell `cell` of the sample grid (in pixels and,
    for digits, in the insight classifier's features): a question, answered with the images,
    that changes nothing. The cell is drawn from the weights the grid shows (`weights`, as in
    :class:`Walk`)."""

    cell: int
    k: int = 5
    weights: str = "ema"


@dataclass(frozen=True)
class MeasureCopying:
    """Ask for the memorisation figure of the weights the grid shows (`weights`, as in
    :class:`Walk`): each sample's distance to its nearest training image against the same for
    held-out real images. A question that changes nothing."""

    weights: str = "ema"
