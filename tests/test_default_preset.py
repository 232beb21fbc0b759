"""A new user's first run is one recipe, whether it starts in the window or on the command line."""

import tomllib
from PySide6.QtCore import QSettings
from test_cli import ganstudio

from ganstudio.config.model import from_dict
from ganstudio.config.presets import DEFAULT_PRESET, load_preset
from ganstudio.gui.app import first_window
from ganstudio.gui.theme import configure_pyqtgraph


def test_the_windows_first_launch_opens_the_default_preset(qtbot, tmp_path, digits_dir):
    configure_pyqtgraph()
    fresh = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = first_window(None, str(digits_dir), False, None, runs_dir=str(tmp_path / "runs"), settings=fresh)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=20_000)
    assert window.snapshot.config == load_preset(DEFAULT_PRESET)


def test_train_without_a_preset_starts_from_the_default_preset(tmp_path, digits_dir):
    runs = tmp_path / "runs"
    result = ganstudio("train", "--steps", "2", "--data-dir", str(digits_dir), "--runs-dir", str(runs))
    assert result.returncode == 0, result.stderr
    (folder,) = runs.iterdir()
    run = tomllib.loads((folder / "run.toml").read_text())
    assert run["preset"] == DEFAULT_PRESET and folder.name.endswith(f"-{DEFAULT_PRESET}")
    assert from_dict(run["config"]) == load_preset(DEFAULT_PRESET)
