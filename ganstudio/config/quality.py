"""How good each digit preset's samples are after a time budget: the measured curves behind the
Presets menu's tooltips and docs/quality.png.

`resources/quality.toml` holds, for each preset, the FID of its samples (10,000 samples, the insight
classifier's features, against MNIST's test set) after each budget of idle-machine seconds on the
2-core reference machine, measured by scripts/quality_curve.py; docs/EXPERIMENTS.md tells how.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ganstudio.config.model import parse_toml
from ganstudio.config.shipped import QUALITY_CURVES


@dataclass(frozen=True)
class QualityCurves:
    """seconds: the budgets (b,); fid: preset name -> its FID at each budget (b,), NaN (`nan` in
    the file) where not measured; floor: real training digits against the test digits, the best an FID can be."""

    seconds: tuple[float, ...]
    fid: dict[str, tuple[float, ...]]
    floor: float

    def best_for(self, name: str) -> list[float]:
        """The budgets at which preset `name` has the lowest FID of all presets."""
        if name not in self.fid:
            return []
        best = []
        for i, seconds in enumerate(self.seconds):
            measured = {n: f[i] for n, f in self.fid.items() if math.isfinite(f[i])}
            if measured and min(measured, key=measured.get) == name:
                best.append(seconds)
        return best

    def summary(self, name: str) -> str | None:
        """ "Best for 1 minute and 5 minutes. FID after 20 s 31, 1 minute 9.8, ..." for the
        Presets menu; None for a preset without a measured curve (2D toys, the bench seeds)."""
        if name not in self.fid:
            return None
        figures = ", ".join(
            f"{budget_name(s)} {f:.3g}" for s, f in zip(self.seconds, self.fid[name], strict=True) if math.isfinite(f)
        )
        best = self.best_for(name)
        lead = f"Best for {' and '.join(budget_name(s) for s in best)}. " if best else ""
        return f"{lead}FID after {figures} (real digits: {self.floor:.2g}; lower is better)"


def budget_name(seconds: float) -> str:
    """20 -> "20 s", 60 -> "1 minute", 900 -> "15 minutes"."""
    if seconds < 60 or seconds % 60:
        return f"{seconds:g} s"
    minutes = int(seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def load_quality() -> QualityCurves:
    """The curves shipped in the package."""
    data = parse_toml(QUALITY_CURVES.read_text(encoding="utf-8"), "quality.toml")
    seconds = tuple(float(s) for s in data["seconds"])
    fid = {name: tuple(float(v) for v in values) for name, values in data["fid"].items()}
    return QualityCurves(seconds, fid, float(data["floor"]))
