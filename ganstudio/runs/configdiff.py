"""What differs between runs' starting configs, in words: `runs diff`'s rows and the compare
view's legend ("optimizer.lr=0.001 · training.loss=hinge") come from here."""

from __future__ import annotations

from ganstudio.config.model import RunConfig, keys, value_text

MAX_KEYS = 3  # a legend names at most this many keys, then "+N more"
SEPARATOR = " · "


def differing_keys(configs: list[RunConfig]) -> list[str]:
    """The dotted keys (in `keys()` order) whose values are not the same in all `configs`."""
    return [k for k in keys() if any(c.get(k) != configs[0].get(k) for c in configs[1:])]


def legend_keys(configs: list[RunConfig]) -> list[str]:
    """`differing_keys`, with each optimizer.g.X / optimizer.d.X pair that is equal within every
    run (both networks' lr set together) named once, as optimizer.X; the keys that tell the runs
    apart first, so that a label cut at MAX_KEYS still does."""
    found = differing_keys(configs)
    out: list[str] = []
    for key in found:
        if key.startswith(("optimizer.g.", "optimizer.d.")):
            name = key.split(".")[-1]
            g, d = f"optimizer.g.{name}", f"optimizer.d.{name}"
            if g in found and d in found and all(c.get(g) == c.get(d) for c in configs):
                key = f"optimizer.{name}"  # config.get reads G's for optimizer.X
        if key not in out:
            out.append(key)
    return _telling_apart_first(out, configs)


def _telling_apart_first(found: list[str], configs: list[RunConfig]) -> list[str]:
    """`found` reordered for short labels: first the keys that tell apart runs the keys before
    them left alike (in `keys()` order), then the others; the keys of what a run does besides
    training (run.*, view.*) last."""
    ordered = sorted(found, key=lambda k: k.startswith(("run.", "view.")))
    first: list[str] = []
    for key in ordered:
        before = {tuple(c.get(k) for k in first) for c in configs}
        after = {tuple(c.get(k) for k in (*first, key)) for c in configs}
        if len(after) > len(before):
            first.append(key)
    return first + [k for k in ordered if k not in first]


def labels(names: list[str], configs: list[RunConfig]) -> list[str]:
    """One short label per run naming what differs, e.g. "optimizer.lr=0.001 · training.loss=hinge";
    at most MAX_KEYS keys, then "+N more". A run's name when nothing differs, and its name added
    where two runs share a label (the same starting config)."""
    shown = legend_keys(configs)
    more = f"{SEPARATOR}+{len(shown) - MAX_KEYS} more" if len(shown) > MAX_KEYS else ""
    out = [SEPARATOR.join(f"{k}={value_text(c.get(k))}" for k in shown[:MAX_KEYS]) + more if shown else "" for c in configs]
    return [
        name if not label else f"{label}{SEPARATOR}{name}" if out.count(label) > 1 else label for name, label in zip(names, out)
    ]
