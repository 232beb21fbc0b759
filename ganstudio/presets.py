"""Presets: TOML configs shipped in resources/presets/, by name."""

from __future__ import annotations

from ganstudio.config import ConfigError, RunConfig, load_toml
from ganstudio.paths import PRESETS_DIR


def preset_names() -> list[str]:
    """Names of the shipped presets, sorted ("recommended", "ring8", "vanilla", ...)."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def load_preset(name: str) -> RunConfig:
    path = PRESETS_DIR / f"{name}.toml"
    if not path.is_file():
        raise ConfigError(f"unknown preset {name!r}; presets are: {', '.join(preset_names())}")
    return load_toml(path)
