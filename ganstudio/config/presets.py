"""Presets: TOML configs shipped in the package (resources/presets/ in the source tree), by name."""

from __future__ import annotations

from pathlib import Path

from ganstudio.config.model import ConfigError, RunConfig, from_toml, load_config_file
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


def starting_config(preset: str | None, config_file: str | None) -> tuple[RunConfig, str]:
    """A new run's starting config and the preset it records (run.toml's `preset`, its folder's
    name): the preset `preset` (default DEFAULT_PRESET), or the config file `config_file` with the
    preset that file names as its origin, its stem when it names none."""
    if config_file:
        config, origin = load_config_file(config_file)
        return config, origin or Path(config_file).stem
    name = preset or DEFAULT_PRESET
    return load_preset(name), name
