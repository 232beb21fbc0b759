"""What the app remembers between launches (QSettings): window geometry, dock layout and the
last config. The window and `ganstudio config --last` read it; this module needs only QtCore."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from ganstudio.config.model import ConfigError, RunConfig, from_toml

LAST_CONFIG = "last_config"  # the TOML text of the config the window last opened or closed with


def app_settings() -> QSettings:
    """The user's settings (on Linux ~/.config/GAN Studio/GAN Studio.conf, after $XDG_CONFIG_HOME)."""
    return QSettings("GAN Studio", "GAN Studio")


def last_config(settings: QSettings) -> RunConfig | None:
    """The config the app was last closed with, if it is still valid."""
    text = settings.value(LAST_CONFIG)
    if not isinstance(text, str):
        return None
    try:
        return from_toml(text, "saved settings")
    except ConfigError:
        return None
