"""`ganstudio sweep`: a grid of configs trained as headless runs on a local process pool (real
worker processes), tagged in the runs library, ranked into results.csv; stopped by Ctrl-C and
resumed by rerunning the same command; bad grids refused before any run starts; the same sweep
on a local Ray instance with ASHA early stopping; the install hint when Ray is missing.

The runs are the ring8 toy (a run of tens of steps takes well under a second) with insight every
20 steps, so each run has its figures (modes covered, high-quality share).
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import tomllib
from test_cli_runs import needs_sigint

from ganstudio.cli import main as cli
from ganstudio.config.presets import load_preset
from ganstudio.runs.library import read_summary
from ganstudio.sweep.plan import grid_plan, random_plan

RAY_MISSING = 'needs Ray Tune, which the test extra leaves out: pip install -e ".[test,ray]"'
TOY = ["--preset", "ring8", "--set", "run.insight_every=20", "--set", "data.batch_size=64"]
GRID = ["--grid", "optimizer.lr=1e-4,1e-3", "--grid", "training.loss=non_saturating,hinge"]


def environment(**extra):
    return {**os.environ, "GANSTUDIO_BLAS_THREADS": "1", **extra}


def sweep(*args, env=None, timeout=600):
    command = [sys.executable, "-m", "ganstudio", "sweep", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env or environment(), timeout=timeout)


def results(runs, name):
    with open(runs / "sweeps" / name / "results.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def quality(summary):
    return summary["modes_covered"] + summary["high_quality_share"]


def test_a_grid_sweep_trains_every_combination_as_tagged_runs_ranked_by_quality(tmp_path):
    runs = tmp_path / "runs"
    result = sweep(*TOY, *GRID, "--steps", "60", "--workers", "2", "--name", "grid", "--runs-dir", str(runs))
    assert result.returncode == 0, result.stderr
    folders = sorted(p.name for p in runs.iterdir() if (p / "run.toml").exists())
    assert folders == ["grid-01", "grid-02", "grid-03", "grid-04"]
    combos = set()
    for name in folders:
        toml = tomllib.loads((runs / name / "run.toml").read_text())
        assert toml["sweep"] == "grid" and read_summary(runs / name)["sweep"] == "grid"
        combos.add((toml["config"]["optimizer"]["g"]["lr"], toml["config"]["training"]["loss"]))
    assert combos == {(lr, loss) for lr in (1e-4, 1e-3) for loss in ("non_saturating", "hinge")}
    # one line per finished run on stderr; the ranked table on stdout and in results.csv
    assert sum(line.startswith("grid-0") and " finished at step 60 " in line for line in result.stderr.splitlines()) == 4
    rows = results(runs, "grid")
    assert [row["rank"] for row in rows] == ["1", "2", "3", "4"] and {row["run"] for row in rows} == set(folders)
    for row in rows:
        summary = read_summary(runs / row["run"])
        assert row["status"] == "finished" and int(row["steps"]) == summary["last_step"] == 60
        assert float(row["modes_covered"]) == summary["modes_covered"]
        assert float(row["high_quality_share"]) == summary["high_quality_share"]
        assert (
            float(row["optimizer.lr"])
            == tomllib.loads((runs / row["run"] / "run.toml").read_text())["config"]["optimizer"]["d"]["lr"]
        )
    figures = [quality(read_summary(runs / row["run"])) for row in rows]
    assert figures == sorted(figures, reverse=True)  # best first: more modes, then more high-quality samples
    table = result.stdout.splitlines()
    assert table[1].split()[:5] == ["rank", "run", "status", "optimizer.lr", "training.loss"]
    assert [line.split()[1] for line in table[2:6]] == [row["run"] for row in rows]
    for line, row in zip(table[2:6], rows):  # figures written as `runs show` writes them
        summary = read_summary(runs / row["run"])
        assert f"{summary['wall_time_s']:.1f} s" in line and f"{summary['high_quality_share']:.0%}" in line, line
    assert table[6] == f"results: {runs / 'sweeps' / 'grid' / 'results.csv'}"
    # the library lists them, tagged; --sweep picks them out
    other = subprocess.run(
        [sys.executable, "-m", "ganstudio", "train", "--preset", "ring8", "--steps", "2", "--runs-dir", str(runs)],
        capture_output=True,
        env=environment(),
        timeout=600,
    )
    assert other.returncode == 0
    listed = subprocess.run(
        [sys.executable, "-m", "ganstudio", "runs", "--runs-dir", str(runs), "list", "--sweep", "grid", "--json"],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=600,
    )
    assert sorted(r["name"] for r in json.loads(listed.stdout)) == folders
    # the sweep opens in the compare view by its name: its four runs, labelled by what differs
    compared = subprocess.run(
        [sys.executable, "-m", "ganstudio", "compare", "grid", "--runs-dir", str(runs)],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=600,
    )
    assert compared.returncode == 0, compared.stderr
    for lr in ("0.0001", "0.001"):
        for loss in ("non_saturating", "hinge"):
            assert (
                sum(f"optimizer.lr={lr}" in line and f"training.loss={loss}" in line for line in compared.stdout.splitlines())
                == 1
            )


@needs_sigint
def test_ctrl_c_stops_the_sweep_and_the_same_command_resumes_it(tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while the second of
    three runs trains: it stops between steps and saves, the third never starts (exit 130).
    The same command again skips the finished run (its files untouched), resumes the stopped
    one from its checkpoint and trains the third."""
    runs = tmp_path / "runs"
    args = [
        *TOY,
        "--grid",
        "optimizer.lr=1e-4,2e-4,5e-4",
        "--seconds",
        "3",
        "--workers",
        "1",
        "--name",
        "r",
        "--runs-dir",
        str(runs),
    ]
    command = [sys.executable, "-m", "ganstudio", "sweep", *args]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(), start_new_session=True
    )
    stderr = ""
    while line := proc.stderr.readline():
        stderr += line
        if line.startswith("r-1 finished") or line.startswith("r-01 finished"):
            break
    time.sleep(1.5)  # r-02 trains
    os.killpg(proc.pid, signal.SIGINT)
    out, rest = proc.communicate(timeout=600)
    assert proc.returncode == 130, stderr + rest
    assert "r-02 stopped (resumable)" in rest and "SIGINT: the sweep stopped" in rest
    assert not (runs / "r-03" / "run.toml").exists()
    stopped = read_summary(runs / "r-02")
    assert 0 < stopped["last_step"] and stopped["wall_time_s"] < 3
    created = tomllib.loads((runs / "r-02" / "run.toml").read_text())["created"]
    finished = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (runs / "r-01").iterdir()}

    again = sweep(*args)
    assert again.returncode == 0, again.stderr
    assert "skip r-01: finished" in again.stderr
    assert f"r-02 resumes from its checkpoint at step {stopped['last_step']}" in again.stderr
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (runs / "r-01").iterdir()} == finished
    resumed = read_summary(runs / "r-02")
    assert resumed["last_step"] > stopped["last_step"] and resumed["wall_time_s"] >= 3
    assert tomllib.loads((runs / "r-02" / "run.toml").read_text())["created"] == created  # the same run, continued
    assert [row["status"] for row in results(runs, "r")] == ["finished"] * 3


@pytest.mark.parametrize(
    "grid, message",
    [
        ("optimizer.lr=1e-4,-1", "--grid optimizer.lr=-1: optimizer.g.lr: -1.0 is outside the allowed range (0, 10]"),
        ("training.loss=hinge,bogus", "--grid training.loss=bogus: training.loss: 'bogus' is not one of"),
        ("optimizer.rate=1,2", "--grid optimizer.rate=1: unknown setting 'optimizer.rate'"),
        ("optimizer.lr", "--grid optimizer.lr: expected key=value"),
    ],
)
def test_an_invalid_grid_is_refused_before_any_run_starts(tmp_path, capsys, grid, message):
    runs = tmp_path / "runs"
    assert cli.main(["sweep", *TOY, "--grid", grid, "--runs-dir", str(runs)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ganstudio: error: {message}") and err.count("\n") == 1
    assert not runs.exists()


def test_a_changed_grid_under_the_same_name_is_refused(tmp_path, capsys):
    runs = tmp_path / "runs"
    first = sweep(*TOY, "--grid", "optimizer.lr=1e-4,1e-3", "--steps", "2", "--name", "s", "--runs-dir", str(runs))
    assert first.returncode == 0, first.stderr
    assert (
        cli.main(["sweep", *TOY, "--grid", "optimizer.lr=1e-4,5e-4", "--steps", "2", "--name", "s", "--runs-dir", str(runs)]) == 2
    )
    assert "ganstudio: error: sweep s already exists" in capsys.readouterr().err
    assert sorted(p.name for p in runs.iterdir()) == ["s-01", "s-02", "sweeps"]


def test_random_draws_are_seeded_within_their_ranges():
    base = load_preset("ring8")
    ranges = ["optimizer.lr=1e-5:1e-2:log", "training.d_steps=1:4"]
    plan = random_plan(base, 20, ranges, ["training.loss=hinge,non_saturating"], seed=3)
    assert [p.values for p in plan] == [
        p.values for p in random_plan(base, 20, ranges, ["training.loss=hinge,non_saturating"], 3)
    ]
    assert [p.values for p in plan] != [
        p.values for p in random_plan(base, 20, ranges, ["training.loss=hinge,non_saturating"], 4)
    ]
    lrs = [p.config.optimizer.d.lr for p in plan]
    assert all(1e-5 <= lr <= 1e-2 for lr in lrs) and min(lrs) < 1e-4 and max(lrs) > 1e-3  # spread in log space
    assert {p.config.training.d_steps for p in plan} <= {1, 2, 3, 4} and len({p.config.training.loss for p in plan}) == 2


def test_a_sweep_on_a_local_ray_instance_with_early_stopping(tmp_path):
    """`--ray local`: the CLI starts a local Ray instance (ray.init(num_cpus=--workers)), two
    trials of one CPU each, ASHA on the quality figure; both runs land in the runs library.
    Skipped, saying how to install it, without the optional Ray extra (CI installs it)."""
    pytest.importorskip("ray.tune", reason=RAY_MISSING)
    runs = tmp_path / "runs"
    result = sweep(
        *TOY,
        "--grid",
        "optimizer.lr=1e-4,1e-3",
        "--steps",
        "200",
        "--name",
        "ray",
        "--runs-dir",
        str(runs),
        "--ray",
        "local",
        "--workers",
        "2",
        "--early-stop",
    )
    assert result.returncode == 0, result.stderr
    rows = results(runs, "ray")
    assert sorted(row["run"] for row in rows) == ["ray-01", "ray-02"]
    assert "finished" in {row["status"] for row in rows} and {row["status"] for row in rows} <= {"finished", "early-stopped"}
    for row in rows:
        summary = read_summary(runs / row["run"])
        assert summary["sweep"] == "ray" and int(row["steps"]) == summary["last_step"] > 0
        assert (runs / row["run"] / "checkpoint.npz").exists()
    assert result.stdout.splitlines()[0].startswith("sweep ray: 2 runs ranked by quality")


RAYS_OWN = ["Started a local Ray instance", "╭", "tensorboard --logdir", "Traceback"]  # found in ray.log


def test_a_ray_sweep_shows_its_own_progress_and_table_with_rays_output_in_its_log(tmp_path):
    """`--ray local` prints what a local sweep prints: the progress lines, the ranked table, a
    failed run as one line with its reason and where Ray's log is; Ray's banners, Tune's boxed
    tables, its TensorBoard hint and the trial's traceback go to RUNS/sweeps/NAME/ray.log.
    The failing run: one whose checkpoint got damaged, resumed by a rerun of a local sweep."""
    pytest.importorskip("ray.tune", reason=RAY_MISSING)
    runs = tmp_path / "runs"
    command = [*TOY, "--grid", "optimizer.lr=1e-4,1e-3", "--steps", "40", "--name", "quiet", "--runs-dir", str(runs)]
    assert sweep(*command, "--workers", "2").returncode == 0
    manifest = runs / "sweeps" / "quiet" / "sweep.json"
    plan = json.loads(manifest.read_text())
    for run in plan["runs"]:
        run["status"] = "planned"  # as when the sweep was stopped: a rerun resumes both runs
    manifest.write_text(json.dumps(plan))
    (runs / "quiet-01" / "checkpoint.npz").write_bytes(b"damaged")

    result = sweep(*command, "--ray", "local", "--workers", "2")
    log = runs / "sweeps" / "quiet" / "ray.log"
    assert result.returncode == 1, result.stderr
    ranked = result.stdout.splitlines()
    assert ranked[0].startswith("sweep quiet: 2 runs ranked by quality") and ranked[1].startswith("rank  run")
    assert [line.split()[1:3] for line in ranked[2:4]] == [["quiet-02", "finished"], ["quiet-01", "failed"]]
    assert ranked[4:] == [f"results: {runs / 'sweeps' / 'quiet' / 'results.csv'}"]
    said = result.stderr.splitlines()
    assert said[1:3] == [f"Ray's own output goes to {log}", "sweep quiet: starting a local Ray instance"]
    assert any(line.startswith("quiet-02 finished at step 40") for line in said)
    failed = [line for line in said if "quiet-01 failed" in line]
    assert failed == [
        f"quiet-01 failed: {runs / 'quiet-01' / 'checkpoint.npz'}: not a GAN Studio checkpoint, or a damaged one "
        f"(expected an .npz archive); Ray's log: {log}"
    ]
    assert said[-1].startswith("sweep quiet: 2/2 done")
    shown, logged = result.stdout + result.stderr, log.read_text()
    for text in RAYS_OWN:
        assert text not in shown and text in logged, text
    assert "Tune" not in shown and "Ray cluster" not in shown and "RunFailed: " in logged


def without_ray(tmp_path):
    """The environment of a Python where `import ray` fails, as where Ray is not installed."""
    blocker = tmp_path / "blocker" / "ray"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    return environment(PYTHONPATH=os.pathsep.join([str(tmp_path / "blocker"), os.environ.get("PYTHONPATH", "")]))


def test_without_ray_the_ray_option_says_how_to_install_it(tmp_path):
    result = sweep(*TOY, *GRID, "--ray", "auto", "--runs-dir", str(tmp_path / "runs"), env=without_ray(tmp_path))
    assert result.returncode == 2
    assert result.stderr == 'ganstudio: error: --ray needs Ray Tune, which is not installed: pip install "ganstudio[ray]"\n'
    assert not (tmp_path / "runs").exists()


def test_without_ray_the_ray_sweep_test_skips_saying_how_to_install_it(tmp_path):
    """The test extra leaves Ray out: a developer without it sees the Ray test skipped with the
    command that installs it, and the rest of the suite passes."""
    tests = [
        f"{__file__}::test_a_sweep_on_a_local_ray_instance_with_early_stopping",
        f"{__file__}::test_a_ray_sweep_shows_its_own_progress_and_table_with_rays_output_in_its_log",
    ]
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *tests]
    result = subprocess.run(command, capture_output=True, text=True, env=without_ray(tmp_path), cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stdout
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 2 and all(line.endswith(RAY_MISSING) for line in skipped), result.stdout


def test_a_value_repeated_in_a_grid_is_trained_once_and_said():
    base = load_preset("ring8")
    notes = []
    plan = grid_plan(base, ["optimizer.lr=1e-3,1e-3,0.001,2e-3", "training.loss=hinge,hinge"], note=notes.append)
    assert [p.values for p in plan] == [
        {"optimizer.lr": "1e-3", "training.loss": "hinge"},
        {"optimizer.lr": "2e-3", "training.loss": "hinge"},
    ]
    assert notes == [
        "--grid optimizer.lr: 1e-3 is given twice; the sweep trains it once",
        "--grid optimizer.lr: 0.001 is the same setting as 1e-3; the sweep trains it once",
        "--grid training.loss: hinge is given twice; the sweep trains it once",
    ]


def test_a_grid_of_more_runs_than_a_sweep_takes_is_refused_before_any_run(tmp_path, capsys):
    lrs = ",".join(f"{n}e-5" for n in range(1, 101))
    code = cli.main(
        ["sweep", *TOY, "--grid", f"optimizer.lr={lrs}", "--grid", f"generator.hidden={lrs.replace('e-5', '')}"]
        + ["--grid", "training.loss=hinge,non_saturating", "--runs-dir", str(tmp_path / "runs")]
    )
    assert code == 2
    assert capsys.readouterr().err == "ganstudio: error: --grid: 20,000 combinations; a sweep trains at most 10,000 runs\n"
    assert not (tmp_path / "runs").exists()


def test_a_ray_address_where_nothing_answers_fails_in_seconds_with_one_line(tmp_path):
    """Ray retries an unreachable head for minutes; the sweep checks the address before it plans."""
    import socket

    from ganstudio.config.model import ConfigError
    from ganstudio.sweep.ray_tune import check_address

    with socket.socket() as closed:  # a port nothing listens on: bound, never listening
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        with pytest.raises(
            ConfigError, match=rf"^--ray 127\.0\.0\.1:{port}: no Ray cluster answers there \(connection refused\)"
        ):
            check_address(f"127.0.0.1:{port}")
    with pytest.raises(ConfigError, match=r"expected the head's HOST:PORT"):
        check_address("10.0.0.5")
    with socket.socket() as head:  # something listening: the check lets Ray take over
        head.bind(("127.0.0.1", 0))
        head.listen()
        check_address(f"127.0.0.1:{head.getsockname()[1]}")
        check_address(f"ray://127.0.0.1:{head.getsockname()[1]}")
    for name in ("local", "auto"):
        check_address(name)


def test_a_ray_sweep_to_an_unreachable_head_stops_before_planning(tmp_path):
    pytest.importorskip("ray.tune", reason=RAY_MISSING)
    started = time.monotonic()
    result = sweep(*TOY, *GRID, "--ray", "127.0.0.1:1", "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 2 and time.monotonic() - started < 60
    assert result.stderr.startswith("ganstudio: error: --ray 127.0.0.1:1: no Ray cluster answers there")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "runs").exists()
