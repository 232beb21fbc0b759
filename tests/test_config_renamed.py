"""Run behaviour lives in `[run]` (record_every, insight_every), not in `[view]`; the old keys
`view.record_every` / `view.insight_every` still load from files, --set, code and checkpoints,
and only the new ones are written."""

import re
import subprocess
import sys

import numpy as np
import pytest

from ganstudio.config.model import ConfigError, RunConfig, from_toml, keys, to_toml
from ganstudio.run import commands as cmd
from ganstudio.run.checkpoint import load_session, save_checkpoint
from ganstudio.run.session import Session

SMALL = {"data.dataset": "ring8", "generator.hidden": "8", "discriminator.hidden": "8", "data.batch_size": "16"}


def old_layout(toml: str, record_every: int, insight_every: int) -> str:
    """A config's TOML as written before `[run]` existed: the two settings under `[view]`."""
    head, run_and_view = toml.split("[run]\n")
    _, view = run_and_view.split("[view]\n")
    return f"{head}[view]\n{view}record_every = {record_every}\ninsight_every = {insight_every}\n"


def test_run_settings_have_their_own_section_and_only_the_new_keys_are_written():
    config = RunConfig()
    assert (config.run.record_every, config.run.insight_every, config.view.grid) == (100, 500, 8)
    assert "run.record_every" in keys() and "view.record_every" not in keys()
    text = to_toml(config.with_values({"run.record_every": 7}))
    assert "[run]\nrecord_every = 7\ninsight_every = 500\n" in text
    assert text.split("[view]\n")[1] == 'grid = 8\nclasses = "all"\n'


def test_the_old_keys_still_load_from_a_file_and_from_set():
    from_file = from_toml("[view]\ngrid = 5\nrecord_every = 9\ninsight_every = 0\n")
    assert (from_file.run.record_every, from_file.run.insight_every, from_file.view.grid) == (9, 0, 5)
    from_set = RunConfig().with_values({"view.record_every": "7", "view.insight_every": "40"})
    assert (from_set.run.record_every, from_set.run.insight_every) == (7, 40)
    assert from_set.get("view.record_every") == 7
    with pytest.raises(ConfigError, match="run.insight_every"):
        RunConfig().with_values({"view.insight_every": -1})
    with pytest.raises(ConfigError, match="view.record_every is the old name of run.record_every"):
        from_toml("[view]\nrecord_every = 9\n[run]\nrecord_every = 3\n")


def test_a_checkpoint_with_the_old_keys_resumes_with_them_and_is_saved_with_the_new(tmp_path):
    session = Session(RunConfig().with_values(SMALL))
    session.apply(cmd.StepOnce())
    path = save_checkpoint(session, tmp_path / "new.npz")
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["config"] = np.array(old_layout(str(arrays["config"]), record_every=3, insight_every=0))
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    resumed = load_session(old)
    assert (resumed.config.run.record_every, resumed.config.run.insight_every) == (3, 0)
    assert resumed.recorder.every == 3 and resumed.step_count == 1
    with np.load(save_checkpoint(resumed, tmp_path / "again.npz")) as npz:
        written = str(npz["config"])
    assert "[run]\nrecord_every = 3\ninsight_every = 0\n" in written and written.count("record_every") == 1


def test_changing_a_run_setting_is_live_and_leaves_no_revert_point():
    session = Session(RunConfig().with_values(SMALL))
    session.apply(cmd.SetParam("view.record_every", "4"))  # the old key, as an old script sends it
    session.apply(cmd.SetParam("run.insight_every", "0"))
    assert session.recorder.every == 4 and session.config.run.insight_every == 0
    assert not session.can_revert and not session.history.events


def test_ganstudio_config_prints_the_new_section_for_an_old_key():
    result = subprocess.run(
        [sys.executable, "-m", "ganstudio", "config", "--set", "view.record_every=7"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    body = "".join(
        line for line in result.stdout.splitlines(keepends=True) if not line.startswith("#")
    )  # the header echoes --set
    assert re.search(r"^\[run\]\nrecord_every = 7 ", body, re.M) and body.count("record_every") == 1
