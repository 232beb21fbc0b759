"""The config file `ganstudio config` writes: a TOML file a person reads and edits.

Each setting is on its own line with a comment saying what it is (config.descriptions); the
settings this config does not use (config.applicability: momentum for Adam, conv channels for an
MLP) are left out while they hold their defaults, so the file shows what matters and still
loads to the same config. A top-level `preset` line names the preset it started from
(config.model.ORIGIN_KEY).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import tomli_w

from ganstudio.config.applicability import applies
from ganstudio.config.descriptions import describe
from ganstudio.config.model import ORIGIN_KEY, SECTIONS, RunConfig, to_dict

ORIGIN_COMMENT = "the preset this config started from: runs trained on it record it and are named after it"


def commented_toml(config: RunConfig, preset: str | None = None) -> str:
    """`config` as commented TOML, with a `preset = "NAME"` line first unless `preset` is None."""
    data = to_dict(config)
    top = [(ORIGIN_KEY, preset, ORIGIN_COMMENT)] if preset is not None else []
    blocks = [_block([*top, ("seed", data["seed"], describe("seed"))])]
    for section in SECTIONS:
        table = sorted(_at(data, section).items(), key=lambda item: item[0] != "kind")  # the choice the others follow first
        rows = [
            (name, value, describe(f"{section}.{name}")) for name, value in table if _kept(f"{section}.{name}", value, config)
        ]
        blocks.append(f"[{section}]\n" + _block(rows))
    return "\n".join(blocks)


def _kept(key: str, value: Any, config: RunConfig) -> bool:
    """Whether the setting goes into the file: it applies, or it holds other than its default
    (left out, it would load as the default)."""
    return applies(key, config) or value != _at(_defaults(), key)


def _block(rows: list[tuple[str, Any, str]]) -> str:
    """`name = value  # comment` lines, the comments aligned."""
    assignments = [f"{name} = {_toml_value(value)}" for name, value, _ in rows]
    width = max((len(a) for a in assignments), default=0)
    return "".join(f"{a.ljust(width)}  # {comment}\n" for a, (_, _, comment) in zip(assignments, rows))


def _toml_value(value: Any) -> str:
    """A TOML value on one line (tomli_w spreads arrays over several)."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")


def _at(data: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted path of a nested dict."""
    for part in dotted.split("."):
        data = data[part]
    return data


@cache
def _defaults() -> dict[str, Any]:
    """Every setting's default, as to_dict writes it."""
    return to_dict(RunConfig())
