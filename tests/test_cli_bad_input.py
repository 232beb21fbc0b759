"""Bad files and impossible runs on the command line: one line on stderr, exit status 2, no
traceback, nothing trained and nothing written."""

import re
import resource
import subprocess
import sys

import numpy as np
import pytest
from test_cli import ganstudio

from ganstudio.checkpoint import Checkpoint, CheckpointError, load_session


def assert_one_line_error(result, words):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and words in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    "content, words",
    [
        ("# caf\u00e9\nseed = 1\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 5)"),
        (b"data = 5\n", "data: 5 is not a section of settings"),
        (b"[optimizer]\ng = 5\n", "optimizer.g: 5 is not a section of settings"),
        (b"[generator]\nhidden = [true]\n", "generator.hidden: [True] is not a list of whole numbers"),
        (b"[data]\nclasses = []\n", "data.classes: an empty list selects no class"),
        (b"x = " + b"[" * 5000 + b"]" * 5000, "bad.toml: tables or arrays nested more than 32 deep"),  # a RecursionError
    ],
    ids=["latin-1", "section-value", "optimizer-value", "bool-widths", "no-class", "nested-5000"],
)
def test_a_bad_config_file_is_one_line(tmp_path, content, words):
    config = tmp_path / "bad.toml"
    config.write_bytes(content)
    result = ganstudio("train", "--config", str(config), "--set", "data.dataset=synthetic-digits", "--out", str(tmp_path / "run"))
    assert_one_line_error(result, words)
    assert not (tmp_path / "run").exists()


def test_a_npy_array_is_not_taken_for_a_checkpoint(tmp_path):
    array = tmp_path / "samples.npy"
    np.save(array, np.zeros((10, 28, 28), np.uint8))
    words = "samples.npy: not a GAN Studio checkpoint but a single NumPy array (.npy)"
    with pytest.raises(CheckpointError, match=re.escape(words)):
        Checkpoint(array)
    with pytest.raises(CheckpointError, match="not a GAN Studio checkpoint"):
        load_session(array)
    for args in (
        ["train", "--resume", str(array), "--out", str(tmp_path / "run")],
        ["sample", str(array), "-o", str(tmp_path / "s.png")],
        ["sample", str(array), "--report"],
    ):
        assert_one_line_error(ganstudio(*args), words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["samples.npy"]


def test_a_network_too_large_for_the_machine_is_refused_before_any_allocation(tmp_path):
    """About 11 TB of weights and optimizer state: refused from the estimate. The process may
    not map more than 2 GiB, so building the network would fail with a MemoryError instead."""
    config = tmp_path / "absurd.toml"
    config.write_text("[generator]\nhidden = [" + ", ".join(["4096"] * 20_000) + "]\n")

    def at_most_2_gib():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    args = [
        sys.executable,
        "-m",
        "ganstudio",
        "train",
        "--config",
        str(config),
        "--set",
        "data.dataset=synthetic-digits",
        "--out",
        str(tmp_path / "run"),
    ]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, preexec_fn=at_most_2_gib)
    assert_one_line_error(result, "not enough memory: this run needs about 10.8 TB")
    assert "is available; use fewer or narrower hidden layers" in result.stderr
    assert not (tmp_path / "run").exists()
