"""Where the app keeps its settings: under one name on disk (`ganstudio`, as the data cache and
the runs folder), and found once where an older version kept them. Real processes, each with its
own $XDG_CONFIG_HOME (Qt reads the settings folder once per process)."""

import os
import subprocess
import sys

import tomllib

from ganstudio.config.model import to_toml
from ganstudio.config.presets import load_preset

# Writes the settings a window keeps (its last config, from stdin, and its geometry) under the
# organization and application name given as argv[1], as an older GAN Studio did.
WRITE = (
    "import sys; from PySide6.QtCore import QByteArray, QSettings; "
    "s = QSettings(sys.argv[1], sys.argv[1]); s.setValue('last_config', sys.stdin.read()); "
    "s.setValue('geometry', QByteArray(bytes(range(256)))); s.sync()"
)
READ_GEOMETRY = (
    "import sys; from ganstudio.gui.settings import app_settings; sys.stdout.write(bytes(app_settings().value('geometry')).hex())"
)


def python(code, *args, env, stdin=""):
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, capture_output=True, text=True, env=env, check=True)


def last_lr(env):
    """The G learning rate `ganstudio config --last` prints."""
    result = subprocess.run([sys.executable, "-m", "ganstudio", "config", "--last"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return str(tomllib.loads(result.stdout)["optimizer"]["g"]["lr"])


def test_settings_live_under_ganstudio_and_old_ones_are_found_once(tmp_path):
    home = tmp_path / "config-home"
    env = {**os.environ, "XDG_CONFIG_HOME": str(home)}
    python(WRITE, "GAN Studio", env=env, stdin=to_toml(load_preset("ring8").with_values({"optimizer.lr": "3e-4"})))
    old = home / "GAN Studio" / "GAN Studio.conf"
    assert old.exists()

    assert last_lr(env) == "0.0003"  # the old settings' config, found
    new = home / "ganstudio" / "ganstudio.conf"
    assert new.exists() and old.exists()  # copied to the one name; the old file left as it was
    assert python(READ_GEOMETRY, env=env).stdout == bytes(range(256)).hex()  # every value, bytes intact

    python(WRITE, "GAN Studio", env=env, stdin=to_toml(load_preset("ring8").with_values({"optimizer.lr": "5e-4"})))
    assert last_lr(env) == "0.0003"  # copied once: the settings under the new name are the user's now
    assert sorted(p.name for p in home.iterdir()) == ["GAN Studio", "ganstudio"]
