"""What the app remembers between launches (QSettings): window geometry, dock layout, the last
config, the folder chosen for each dataset, the theme and the TensorBoard choice. The window and `ganstudio config --last` read
it; this module needs only QtCore."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from ganstudio.config.model import ConfigError, RunConfig, from_toml
from ganstudio.data.mnist import FAMILIES, on_disk

LAST_CONFIG = "last_config"  # the TOML text of the config the window last opened or closed with
# One spelling on disk: the settings live beside the data cache (~/.cache/ganstudio) and the runs
# (~/.local/share/ganstudio) under the same name.
SETTINGS_NAME = "ganstudio"
OLD_SETTINGS_NAME = "GAN Studio"  # where the settings were kept before; read once, left in place
DATA_FOLDERS = "data_folders"  # group: dataset name -> the folder the user chose for it
THEME = "theme"  # the look chosen in View > Theme, one of THEME_CHOICES
THEME_CHOICES = ("system", "light", "dark")  # "system" follows the desktop (gui/theme.py)
THEME_ENV = "GANSTUDIO_THEME"  # a theme for one launch, over the one remembered
TENSORBOARD_ON = "tensorboard/on"  # Recording's "Log to TensorBoard" box
TENSORBOARD_FOLDER = "tensorboard/folder"  # the folder its logs go in (one sub-folder per run)
# Beside the user's own folders, so `tensorboard --logdir ~/ganstudio-tensorboard` is easy to type.
DEFAULT_TENSORBOARD_FOLDER = "~/ganstudio-tensorboard"


def app_settings() -> QSettings:
    """The user's settings (on Linux $XDG_CONFIG_HOME/ganstudio/ganstudio.conf, ~/.config by
    default). While they hold nothing, the values kept under the old name ("GAN Studio/GAN
    Studio.conf") are copied in, so a user's window layout and last config survive the rename."""
    settings = QSettings(SETTINGS_NAME, SETTINGS_NAME)
    if not settings.allKeys():
        copy_settings(QSettings(OLD_SETTINGS_NAME, OLD_SETTINGS_NAME), settings)
    return settings


def copy_settings(source: QSettings, target: QSettings) -> None:
    """Every value of `source` into `target`, written to disk at once (nothing when `source` is empty)."""
    keys = source.allKeys()
    for key in keys:
        target.setValue(key, source.value(key))
    if keys:
        target.sync()


def last_config(settings: QSettings) -> RunConfig | None:
    """The config the app was last closed with, if it is still valid."""
    text = settings.value(LAST_CONFIG)
    if not isinstance(text, str):
        return None
    try:
        return from_toml(text, "saved settings")
    except ConfigError:
        return None


def remember_data_folder(settings: QSettings, dataset: str, folder: str) -> None:
    """Look for `dataset` in `folder` at the next launches too."""
    settings.setValue(f"{DATA_FOLDERS}/{dataset}", folder)


def remembered_data_folders(settings: QSettings) -> dict[str, str]:
    """The folders chosen for MNIST-family datasets that still hold them (dataset name ->
    folder): a folder emptied or moved since is forgotten, so nothing is downloaded into it."""
    settings.beginGroup(DATA_FOLDERS)
    try:
        chosen = {name: settings.value(name) for name in settings.childKeys()}
    finally:
        settings.endGroup()
    return {
        name: folder for name, folder in chosen.items() if name in FAMILIES and isinstance(folder, str) and on_disk(name, folder)
    }


def theme_choice(settings: QSettings) -> str:
    """The theme chosen in View > Theme ("system" until one is, or for a value not understood)."""
    choice = settings.value(THEME)
    return choice if choice in THEME_CHOICES else "system"


def remember_theme(settings: QSettings, choice: str) -> None:
    """Open the next launches with `choice` (one of THEME_CHOICES)."""
    settings.setValue(THEME, choice)


def tensorboard_choice(settings: QSettings) -> tuple[bool, str]:
    """(whether the runs are logged to TensorBoard, the folder the logs go in): off, into
    DEFAULT_TENSORBOARD_FOLDER until the user chooses."""
    folder = settings.value(TENSORBOARD_FOLDER)
    if not isinstance(folder, str) or not folder:
        folder = str(Path(DEFAULT_TENSORBOARD_FOLDER).expanduser())
    return settings.value(TENSORBOARD_ON) in (True, "true"), folder


def remember_tensorboard(settings: QSettings, on: bool, folder: str) -> None:
    """Open the next launches with the "Log to TensorBoard" box `on`, logging into `folder`."""
    settings.setValue(TENSORBOARD_ON, bool(on))
    settings.setValue(TENSORBOARD_FOLDER, folder)
