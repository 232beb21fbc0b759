"""Presets: TOML configs shipped in the package (resources/presets/ in the source tree), by name."""

from __future__ import annotations

from ganstudio.config.model import ConfigError, RunConfig, from_toml
from ganstudio.config.shipped import PRESETS

DEFAULT_PRESET = "recommended"  # what a new user gets: the window's first launch, `train`, `sweep` and `config` without a source


def preset_names() -> list[str]:
    """Names of the shipped presets, sorted ("recommended", "ring8", "vanilla", ...)."""
    return sorted(entry.name.removesuffix(".toml") for entry in PRESETS.iterdir() if entry.name.endswith(".toml"))


def load_preset(name: str) -> RunConfig:
    names = preset_names()
    if name not in names:
        raise ConfigError(f"unknown preset {name!r}; presets are: {', '.join(names)}")
    return from_toml((PRESETS / f"{name}.toml").read_text(encoding="utf-8"), f"preset {name}")
