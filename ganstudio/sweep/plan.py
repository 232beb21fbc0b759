"""A sweep's plan: the configs it trains, from `--grid` lists or `--random` draws from `--range`s,
each checked by the config's own validation before any run starts.

- ``--grid KEY=V1,V2,...``: the values of one setting; the plan is the cartesian product of all
  grids, in the order given (the last grid varies fastest).
- ``--random N`` with ``--range KEY=LOW:HIGH[:log]``: N configs, each setting drawn uniformly
  from [LOW, HIGH] (``log``: uniformly in log space; whole-number settings draw whole numbers);
  with ``--random``, a ``--grid`` list is drawn from uniformly too. The draws come from
  ``--random-seed`` (default 0), so the same command draws the same configs.

A value that is not allowed is a ConfigError naming the option, key and value
("--grid optimizer.lr=-1: optimizer.lr: -1.0 is outside the allowed range (0, 10]").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ganstudio.config.model import ConfigError, RunConfig, field_kind, parse_assignment

SCALES = ("lin", "log")
MAX_RUNS = 10_000  # runs of one sweep (--random N, the --grid combinations): a plan beyond it is a mistake


@dataclass(frozen=True)
class Range:
    """One `--range KEY=LOW:HIGH[:SCALE]`."""

    key: str
    low: float
    high: float
    scale: str = "lin"

    def draw(self, rng: np.random.Generator, kind: str) -> int | float:
        if self.scale == "log":
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            value = rng.uniform(self.low, self.high)
        return int(round(value)) if kind == "int" else float(f"{value:.4g}")  # 4 significant digits: readable labels


@dataclass(frozen=True)
class Planned:
    """One run of the sweep: `values` {key: value} it sets on the base config, and the config."""

    values: dict[str, Any]
    config: RunConfig

    def label(self) -> str:
        """E.g. "optimizer.lr=0.0002 training.loss=hinge"."""
        return " ".join(f"{key}={value}" for key, value in self.values.items())


def _assignment(option: str, text: str, example: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise ConfigError(f"{option} {text}: expected key=value, e.g. {example}")
    return parse_assignment(text)


def parse_grid(text: str) -> tuple[str, list[str]]:
    """`KEY=V1,V2,...` -> (key, [values]); ConfigError for a malformed option."""
    key, values = _assignment("--grid", text, "optimizer.lr=1e-4,2e-4")
    items = [v.strip() for v in values.split(",")]
    if any(not v for v in items):
        raise ConfigError(f"--grid {text}: expected KEY=V1,V2,... e.g. optimizer.lr=1e-4,2e-4")
    return key, items


def parse_range(text: str) -> Range:
    """`KEY=LOW:HIGH[:lin|log]` -> Range; ConfigError for a malformed option."""
    key, spec = _assignment("--range", text, "optimizer.lr=1e-5:1e-3:log")
    parts = spec.split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise ConfigError(f"--range {text}: expected KEY=LOW:HIGH or KEY=LOW:HIGH:log, e.g. optimizer.lr=1e-5:1e-3:log") from None
    scale = parts[2] if len(parts) == 3 else "lin"
    if scale not in SCALES:
        raise ConfigError(f"--range {text}: the scale is lin or log, not {scale!r}")
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ConfigError(f"--range {text}: LOW must be below HIGH")
    if scale == "log" and low <= 0:
        raise ConfigError(f"--range {text}: a log range needs LOW above 0")
    return Range(key, low, high, scale)


def _silent(line: str) -> None:
    """The default `note`: say nothing."""


def _setting(base: RunConfig, option: str, key: str, value: Any) -> Any:
    """`key`'s value on `base` once set to `value` (the config's own reading of it, e.g. 0.001
    for "1e-3"); ConfigError naming `option`, key and value unless `base` takes it."""
    try:
        return base.with_values({key: value}).get(key)
    except ConfigError as exc:
        raise ConfigError(f"{option} {key}={value}: {exc}") from None


def _distinct_values(base: RunConfig, key: str, values: list[str], note: Callable[[str], None]) -> list[str]:
    """`values` of one --grid, each checked on `base`, without those that set what an earlier one
    sets (training the same config twice teaches nothing); `note` gets one line per value left out."""
    first: dict[Any, str] = {}
    for value in values:
        meaning = _setting(base, "--grid", key, value)
        if meaning in first:
            again = "given twice" if value == first[meaning] else f"the same setting as {first[meaning]}"
            note(f"--grid {key}: {value} is {again}; the sweep trains it once")
        else:
            first[meaning] = value
    return list(first.values())


def grid_plan(base: RunConfig, grids: list[str], note: Callable[[str], None] = _silent) -> list[Planned]:
    """Every combination of the `--grid` options (no grid: the base config alone); a value
    repeated within a grid is trained once (`note` says so). ConfigError for more than MAX_RUNS runs."""
    parsed = [parse_grid(text) for text in grids]
    _no_repeats([key for key, _ in parsed])
    distinct = [(key, _distinct_values(base, key, values, note)) for key, values in parsed]
    total = math.prod(len(values) for _, values in distinct)
    if total > MAX_RUNS:
        raise ConfigError(f"--grid: {total:,} combinations; a sweep trains at most {MAX_RUNS:,} runs")
    keys = [key for key, _ in distinct]
    return [_planned(base, dict(zip(keys, combo))) for combo in itertools.product(*(values for _, values in distinct))]


def random_plan(
    base: RunConfig, count: int, ranges: list[str], grids: list[str], seed: int, note: Callable[[str], None] = _silent
) -> list[Planned]:
    """`count` configs: each `--range` drawn from, each `--grid` list chosen from (a repeated value
    once, as in grid_plan), with `seed`."""
    parsed_ranges = [parse_range(text) for text in ranges]
    parsed_grids = [parse_grid(text) for text in grids]
    _no_repeats([r.key for r in parsed_ranges] + [key for key, _ in parsed_grids])
    if not parsed_ranges and not parsed_grids:
        raise ConfigError("--random: give the settings to draw, e.g. --range optimizer.lr=1e-5:1e-3:log")
    kinds = {}
    for r in parsed_ranges:
        _setting(base, "--range", r.key, r.low)  # an unknown key is named here
        kinds[r.key] = field_kind(r.key)
        if kinds[r.key] not in ("int", "float"):
            raise ConfigError(f"--range {r.key}: a range needs a number setting; give the values with --grid {r.key}=A,B")
        for end in (r.low, r.high):
            _setting(base, "--range", r.key, int(round(end)) if kinds[r.key] == "int" else end)
    parsed_grids = [(key, _distinct_values(base, key, values, note)) for key, values in parsed_grids]
    rng = np.random.default_rng(seed)
    plan = []
    for _ in range(count):
        values: dict[str, Any] = {r.key: r.draw(rng, kinds[r.key]) for r in parsed_ranges}
        values |= {key: choices[int(rng.integers(len(choices)))] for key, choices in parsed_grids}
        plan.append(_planned(base, values))
    return plan


def _planned(base: RunConfig, values: dict[str, Any]) -> Planned:
    """The combination `values` on `base`; ConfigError naming it when the settings clash
    (each alone was allowed, e.g. a cosine schedule's total below its warmup)."""
    try:
        return Planned(values, base.with_values(values))
    except ConfigError as exc:
        combo = " ".join(f"{k}={v}" for k, v in values.items())
        raise ConfigError(f"the combination {combo}: {exc}") from None


def _no_repeats(keys: list[str]) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            raise ConfigError(f"{key}: given twice; give all its values in one --grid {key}=A,B,... or one --range")
        seen.add(key)
