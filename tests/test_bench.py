"""`ganstudio bench --json` prints what the issue promises (figures are not asserted: speed is
measured, never tested)."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from ganstudio.config.presets import load_preset
from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.network import NetworkSpec
from ganstudio.engine.optimizers import OptimizerSpec
from ganstudio.gui.bench_gui import gui_disturbance, has_display
from ganstudio.machine.bench import CONFIGS, disturbance, format_report, layer_products, matmul_shapes


def bench(*args, **env):
    """`ganstudio bench ARGS` in a subprocess, Qt offscreen, `env` added to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "ganstudio", "bench", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
    )


def test_bench_json_names_every_configuration(digits_dir):
    result = bench("--json", "--seconds", "0.2", "--data-dir", str(digits_dir))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rows = {row["name"]: row for row in report["configs"]}
    assert set(rows) == {"seed-mlp", "large-mlp", "dcgan"}
    assert rows["seed-mlp"]["batch"] == 64 and rows["large-mlp"]["batch"] == 256
    assert rows["dcgan"]["batch"] == load_preset("dcgan").data.batch_size
    for row in rows.values():
        assert row["data"] == "mnist"
        assert row["steps_per_s"] > 0 and row["roofline_fraction"] > 0 and row["peak_fraction"] > 0
        assert row["blas_threads"] >= 1 and row["blas_threads_why"].startswith(f"{row['blas_threads']} thread")
        assert isinstance(row["disturbed"], bool) and (row["disturbance"] is not None) == row["disturbed"]
    assert "bench seed-mlp: round 1/5" in result.stderr  # progress while it measures
    assert rows["large-mlp"]["gflop_per_step"] > rows["seed-mlp"]["gflop_per_step"]
    assert rows["dcgan"]["gflop_per_step"] > rows["seed-mlp"]["gflop_per_step"]


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
    result = bench(
        "--gui", "--seconds", "1", "--rounds", "1", "--data-dir", str(tmp_path), GANSTUDIO_MIRRORS="http://127.0.0.1:9/"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("preset vanilla on synthetic-digits:")
    assert list(tmp_path.iterdir()) == []  # nothing fetched into the data folder


QUIET = {"the peak rate's timing": 0.0, "round 1 of 3": 0.1, "round 2 of 3": None, "round 3 of 3": 0.05}
STEADY = [2.0e-3, 2.1e-3, 1.9e-3]  # seconds per step, round by round


def test_a_clean_measurement_is_a_result():
    assert disturbance(QUIET, STEADY, roofline_fraction=0.45, peak_fraction=0.05) is None


def test_another_programs_load_during_a_round_makes_the_measurement_disturbed():
    busy = {**QUIET, "round 2 of 3": 0.9}
    assert disturbance(busy, STEADY, 0.45, 0.05) == "other programs used 0.9 core during round 2 of 3"
    everywhere = dict.fromkeys(QUIET, 1.7)
    assert disturbance(everywhere, STEADY, 0.45, 0.05) == "other programs used up to 1.7 core during 4 of its 4 timings"


def test_impossible_fractions_and_disagreeing_rounds_make_it_disturbed():
    assert disturbance(QUIET, STEADY, 2.89, 1.48) == "roofline fraction 2.89 is above 1; peak fraction 1.48 is above 1"
    assert disturbance(QUIET, [2e-3, 5e-3, 2e-3], 0.45, 0.05) == "rounds disagree: 200-500 steps/s"


def test_the_table_shows_a_busy_machines_figures_with_the_reason_and_no_figure_where_one_is_impossible():
    row = {
        "name": "seed-mlp",
        "batch": 64,
        "data": "mnist",
        "blas_threads": 1,
        "blas_threads_why": "1 thread: 2 threads gain only 4% for this network",
        "steps_per_s": 512.3,
        "ms_per_step": 1.95,
        "roofline_fraction": 0.45,
        "peak_gflops": 60.0,
        "peak_fraction": 0.05,
        "disturbed": False,
        "disturbance": None,
        "impossible": False,
    }
    bad = {
        **row,
        "name": "large-mlp",
        "blas_threads": 2,
        "blas_threads_why": "2 threads",
        "peak_gflops": 110.0,
        "steps_per_s": 9.9,
        "roofline_fraction": 2.89,
        "disturbed": True,
        "disturbance": "roofline fraction 2.89 is above 1",
        "impossible": True,
    }
    busy = {**row, "name": "dcgan", "disturbed": True, "disturbance": "other programs used 0.6 cores during round 2 of 5"}
    lines = format_report({"cores": 2, "configs": [row, bad, busy]}).splitlines()
    assert (
        lines[0]
        == "float32 matmul peak (2048^3): 60 GFLOP/s at 1 thread, 110 GFLOP/s at 2 threads; training data: mnist; 2 cores"
    )
    assert lines[2].split() == [
        "seed-mlp",
        "64",
        "512.3",
        "1.95",
        "0.45",
        "0.05",
        "1",
        "thread:",
        "2",
        "threads",
        "gain",
        "only",
        "4%",
        "for",
        "this",
        "network",
    ]
    assert lines[3].startswith("large-mlp") and "disturbed, no result: roofline fraction 2.89 is above 1 (2 threads)" in lines[3]
    assert "9.9" not in lines[3]
    assert lines[4].split()[:6] == ["dcgan", "64", "512.3", "1.95", "0.45", "0.05"]  # a busy machine's figures, said so
    assert lines[4].endswith("disturbed: other programs used 0.6 cores during round 2 of 5; rerun on an idle machine to compare")


def test_the_window_comparison_is_disturbed_by_load_an_impossible_ratio_or_a_thread_change():
    quiet = {"headless segment 1": 0.0, "window segment 1": 0.1}
    assert gui_disturbance(quiet, [0.91, 0.93], [2, 2, 2, 2]) is None
    assert (
        gui_disturbance({**quiet, "window segment 1": 0.8}, [0.91, 0.93], [2, 2])
        == "other programs used 0.8 core during window segment 1"
    )
    assert gui_disturbance(quiet, [7.17, 6.9], [1, 1]) == "the window trained 7.17x as fast as headless"
    assert gui_disturbance(quiet, [0.5, 0.93], [2, 2]) == "rounds disagree: 0.5-0.93 of headless"
    assert gui_disturbance(quiet, [0.91, 0.93], [2, 2, 1, 1]) == "the thread count changed (2 -> 1)"


def test_bench_gui_opens_a_real_window_wherever_there_is_a_display():
    assert has_display({"DISPLAY": ":0"}) and has_display({"WAYLAND_DISPLAY": "wayland-0"})
    assert not has_display({}) and not has_display({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"})
    assert has_display({"QT_QPA_PLATFORM": "xcb"})


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (apt-get install xvfb)")
def test_bench_gui_on_a_display_shows_its_window_on_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    result = subprocess.run(
        [
            "xvfb-run",
            "-a",
            sys.executable,
            "-m",
            "ganstudio",
            "bench",
            "--gui",
            "--json",
            "--seconds",
            "0.5",
            "--rounds",
            "1",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["platform"] == "xcb" and report["blas_threads"] >= 1
    assert "bench --gui: round 1/1, window open" in result.stderr


def test_matmul_shapes_count_the_step_flops():
    g = NetworkSpec(8, (16,), 12, "relu", "tanh")
    d = NetworkSpec(12, (16,), 1, "leaky_relu", "linear", alpha=0.2)
    gan = GAN(g, d, OptimizerSpec("adam"), OptimizerSpec("adam"), TrainingSpec("non_saturating"), np.random.default_rng(0))
    shapes = matmul_shapes(gan, 16)
    # G fwd 2, D fwd 2, D dW 2, D dx 1, then G step: D fwd 2, D dx 2, G dW 2, G dx 1.
    assert len(shapes) == 14
    assert (32, 12, 16) in shapes and (16, 16, 12) in shapes


def test_the_dcgan_bench_is_the_presets_networks_and_its_flops_count_every_conv_product():
    config = next(c for c in CONFIGS if c.name == "dcgan")
    preset = load_preset("dcgan")
    assert config.specs() == (preset.generator_spec(), preset.discriminator_spec())
    gan = config.build(np.random.default_rng(0))
    n = 8
    (g1, g2), (d1, d2) = preset.generator.channels, preset.discriminator.channels
    # multiply-adds per sample, layer by layer: output pixels x kernel taps x C_in x C_out
    d_macs = 14 * 14 * 16 * 1 * d1 + 7 * 7 * 16 * d1 * d2 + d2 * 7 * 7 * 1
    # a stride-2 transposed conv: a quarter of the k x k taps per output pixel
    g_macs = 100 * g1 * 7 * 7 + 14 * 14 * 16 * g1 * g2 // 4 + 28 * 28 * 16 * g2 * 1 // 4
    for net, macs in ((gan.discriminator, d_macs), (gan.generator, g_macs)):
        products = layer_products(net, n)
        for which in range(3):  # forward, weight gradient, input gradient: the same work
            assert sum(m * k * p for m, k, p in (triple[which] for triple in products)) == n * macs
    shapes = matmul_shapes(gan, n)
    # D step: G fwd, D fwd/dW/dx (no dx at D's first layer) on 2n; G step: D fwd and dx on n, G dW and dx (not its first)
    assert len(shapes) == 3 + 3 + 3 + 2 + 3 + 3 + 3 + 2
