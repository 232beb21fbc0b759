"""`ganstudio config`: where a my.toml comes from, as a user runs it (real processes)."""

import os
import subprocess
import sys

from ganstudio.config.model import load_toml, to_toml
from ganstudio.config.presets import DEFAULT_PRESET, load_preset, preset_names
from ganstudio.run.checkpoint import Checkpoint

SMALL = ["--set", "data.dataset=synthetic-digits", "--set", "generator.hidden=16", "--set", "discriminator.hidden=16"]


def ganstudio(*args, env=None):
    return subprocess.run([sys.executable, "-m", "ganstudio", *args], capture_output=True, text=True, timeout=300, env=env)


def test_config_of_a_preset_then_train_config_trains_what_the_preset_would(tmp_path):
    same = ["--preset", "vanilla", *SMALL, "--set", "optimizer.lr=1e-3", "--seed", "7"]
    printed = ganstudio("config", *same)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("# GAN Studio config: preset vanilla with data.dataset=synthetic-digits,")
    my_toml = tmp_path / "my.toml"
    my_toml.write_text(printed.stdout)  # what `ganstudio config ... > my.toml` leaves
    via_file = ganstudio("train", "--config", str(my_toml), "--steps", "1", "--out", str(tmp_path / "a"))
    direct = ganstudio("train", *same, "--steps", "1", "--out", str(tmp_path / "b"))
    assert via_file.returncode == 0 and direct.returncode == 0, via_file.stderr + direct.stderr
    trained = Checkpoint(tmp_path / "a" / "checkpoint.npz").config
    assert trained == Checkpoint(tmp_path / "b" / "checkpoint.npz").config
    assert trained.optimizer.g.lr == trained.optimizer.d.lr == 1e-3 and trained.seed == 7


def test_config_defaults_to_trains_default_preset_and_writes_a_file_with_o(tmp_path):
    out = tmp_path / "default.toml"
    result = ganstudio("config", "-o", str(out))
    assert result.returncode == 0 and result.stdout == f"config: {out}\n", result.stderr
    assert load_toml(out) == load_preset(DEFAULT_PRESET)
    assert f'preset = "{DEFAULT_PRESET}"' in out.read_text()


def test_config_of_a_checkpoint_and_of_a_config_file(tmp_path):
    run = tmp_path / "run"
    assert (
        ganstudio("train", "--preset", "ring8", "--set", "generator.hidden=8", "--steps", "1", "--out", str(run)).returncode == 0
    )
    result = ganstudio("config", "--checkpoint", str(run / "checkpoint.npz"), "-o", str(tmp_path / "ring8.toml"))
    assert result.returncode == 0, result.stderr
    assert load_toml(tmp_path / "ring8.toml") == Checkpoint(run / "checkpoint.npz").config
    again = ganstudio("config", "--config", str(tmp_path / "ring8.toml"), "--set", "data.batch_size=64")
    assert again.returncode == 0 and "batch_size = 64" in again.stdout and "hidden = [8]" in again.stdout


def test_config_last_prints_what_the_window_saved(tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config-home")}
    missing = ganstudio("config", "--last", env=env)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.startswith("ganstudio: error: --last: the window has not saved a config yet")
    saved = load_preset("ring8").with_values({"optimizer.lr": "3e-4"})
    save = (
        "from ganstudio.gui.settings import LAST_CONFIG, app_settings; import sys; "
        "s = app_settings(); s.setValue(LAST_CONFIG, sys.stdin.read()); s.sync()"
    )  # what the window does when it opens a run and when it closes
    subprocess.run([sys.executable, "-c", save], input=to_toml(saved), text=True, env=env, check=True)
    result = ganstudio("config", "--last", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# GAN Studio config: the config the window was last closed with.")
    path = tmp_path / "last.toml"
    path.write_text(result.stdout)
    assert load_toml(path) == saved


def test_config_mistakes_are_one_line_and_exit_2(tmp_path):
    for args, words in (
        (["config", "--preset", "nope"], f"unknown preset 'nope'; presets are: {', '.join(preset_names())}"),
        (["config", "--set", "optimizer.lr=-1"], "optimizer.g.lr: -1.0 is outside the allowed range"),
        (["config", "--config", str(tmp_path / "none.toml")], "cannot read the config"),
        (["config", "-o", str(tmp_path / "no-such-folder" / "x.toml")], "Could not write"),
    ):
        result = ganstudio(*args)
        assert result.returncode == 2 and result.stdout == "", (args, result.stdout)
        assert result.stderr.startswith("ganstudio: error: ") and words in result.stderr, (args, result.stderr)
        assert len(result.stderr.splitlines()) == 1, result.stderr
