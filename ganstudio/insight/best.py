"""The generator weights of a run's best FID so far.

At each insight check whose FID is the lowest yet, the tracker keeps a copy of the weights that
were measured (:meth:`BestWeights.measured`): the EMA's with their own batch-norm statistics when
the run keeps an EMA, else the live weights with the running statistics, as ``GAN.sample`` draws
from them. One copy of G's flat parameters, in memory; it is part of the run's state (the
checkpoint's ``insight/best/``), so revert, the divergence guard and resume treat it like the
rest of the run. Runs without an FID (2D toys, folders the classifier cannot read) keep none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganstudio.engine.gan import GAN, GeneratorWeights


@dataclass(frozen=True, eq=False)
class BestWeights:
    """step and fid: the check that measured them; weights: read-only copies (shared by every
    state_dict, never written); ema: whether they are the EMA's (else G's live weights)."""

    step: int
    fid: float
    weights: GeneratorWeights
    ema: bool

    @classmethod
    def measured(cls, gan: GAN, step: int, fid: float) -> BestWeights:
        """The weights insight has just measured on `gan` (the ones ``tracker.generate`` used)."""
        use_ema = gan.ema is not None
        return cls(int(step), float(fid), gan.sampling_weights(use_ema).copy(), use_ema)

    def describe(self) -> str:
        """ "step 3,000 (FID 12.34, EMA weights)": where they came from, for an output line."""
        return f"step {self.step:,} (FID {self.fid:.2f}, {'EMA' if self.ema else 'live'} weights)"

    def check_fits(self, gan: GAN) -> None:
        """ValueError when the weights are not of `gan`'s generator layout."""
        g = gan.generator
        statistics = 0 if self.weights.statistics is None else self.weights.statistics.size
        if self.weights.params.shape != g.params.values.shape or statistics != (g.buffers.size if g.has_batch_norm else 0):
            raise ValueError(
                f"the best weights ({self.weights.params.size} parameters, {statistics} statistics) "
                f"do not fit the generator ({g.params.size} parameters)"
            )

    def state_dict(self) -> dict[str, np.ndarray]:
        d = {
            "step": np.array(self.step, np.int64),
            "fid": np.array(self.fid, np.float64),
            "ema": np.array(self.ema),
            "params": self.weights.params,
        }
        if self.weights.statistics is not None:
            d["statistics"] = self.weights.statistics
        return d

    @classmethod
    def from_state(cls, d: dict[str, np.ndarray]) -> BestWeights | None:
        """The weights :meth:`state_dict` gave; None for an empty dict (none kept, or a
        checkpoint written before runs kept them)."""
        if not d:
            return None
        statistics = np.asarray(d["statistics"], np.float32) if "statistics" in d else None
        weights = GeneratorWeights(np.asarray(d["params"], np.float32), statistics)
        return cls(int(d["step"]), float(d["fid"]), weights, bool(d["ema"]))


def drawn_weights(gan: GAN, best: BestWeights | None, use_ema: bool, step: int) -> tuple[GeneratorWeights, str]:
    """The generator weights to draw from: `best` when given, else the EMA's (with their standing
    statistics) when `use_ema` and the GAN keeps an EMA, else the live ones; with their words for
    an output line: "best, step 3,000 (FID 12.34, EMA weights)" or "last, step 3,050 (live
    weights)", `step` being the run's."""
    if best is not None:
        return best.weights, f"best, {best.describe()}"
    ema = use_ema and gan.ema is not None
    return chosen_weights(gan, None, ema), f"last, step {step:,} ({'EMA' if ema else 'live'} weights)"


def chosen_weights(gan: GAN, best: BestWeights | None, use_ema: bool) -> GeneratorWeights:
    """The generator weights to draw from: `best` when given, else the EMA's (with their standing
    statistics) when `use_ema` and the GAN keeps an EMA, else the live ones."""
    return best.weights if best is not None else gan.sampling_weights(use_ema)
