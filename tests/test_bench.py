"""`ganstudio bench --json` prints what the issue promises (figures are not asserted: speed is
measured, never tested)."""

import json
import os
import subprocess
import sys

import pytest


def bench(*args, **env):
    """`ganstudio bench ARGS` in a subprocess, Qt offscreen, `env` added to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "ganstudio", "bench", *args],
        capture_output=True, text=True, timeout=600, env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
    )


def test_bench_json_names_both_configurations(digits_dir):
    result = bench("--json", "--seconds", "0.2", "--data-dir", str(digits_dir))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rows = {row["name"]: row for row in report["configs"]}
    assert set(rows) == {"seed-mlp", "large-mlp"}
    assert rows["seed-mlp"]["batch"] == 64 and rows["large-mlp"]["batch"] == 256
    for row in rows.values():
        assert row["data"] == "mnist"
        assert row["steps_per_s"] > 0 and row["roofline_fraction"] > 0 and row["peak_fraction"] > 0
    assert rows["large-mlp"]["gflop_per_step"] > rows["seed-mlp"]["gflop_per_step"]


def test_bench_gui_compares_window_and_headless(digits_dir):
    result = bench("--gui", "--json", "--seconds", "1", "--rounds", "2", "--data-dir", str(digits_dir))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["preset"] == "vanilla" and report["dataset"] == "mnist" and report["rounds"] == 2
    assert report["headless_steps_per_s"] > 0 and report["window_steps_per_s"] > 0
    assert report["ratio"] == pytest.approx(report["window_steps_per_s"] / report["headless_steps_per_s"], rel=0.5)
    assert report["snapshots_per_s"] > 0  # the window painted while training
    assert 0 <= report["timer_late_p50_ms"] <= report["timer_late_p99_ms"] <= report["timer_late_max_ms"]


def test_bench_gui_never_downloads_it_trains_on_synthetic_digits_without_mnist(tmp_path):
    result = bench("--gui", "--seconds", "1", "--rounds", "1", "--data-dir", str(tmp_path), GANSTUDIO_MIRRORS="http://127.0.0.1:9/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("preset vanilla on synthetic-digits:")
    assert list(tmp_path.iterdir()) == []  # nothing fetched into the data folder
