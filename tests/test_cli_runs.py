"""No run is lost or overwritten: `ganstudio train` as real processes, stopped by real signals.

SIGINT and SIGTERM stop a run between whole steps and its outputs are written (exit 130 / 143);
resuming then is bit-exact. `--resume` continues in the checkpoint's folder and finds the data
where the run found it; a folder holding another run's outputs is refused without `--force`;
unwritable outputs are refused before any training. Every process runs with one BLAS thread
(GANSTUDIO_BLAS_THREADS=1), so runs compared bit for bit cannot differ in their thread counts.
"""

import os
import random
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image
from threadpoolctl import threadpool_limits

from ganstudio.config.presets import load_preset
from ganstudio.run.checkpoint import Checkpoint, load_session, save_checkpoint
from ganstudio.run.session import Session

SYNTHETIC = ["--preset", "vanilla", "--set", "data.dataset=synthetic-digits"]  # data that needs no download
OUTPUTS = ("checkpoint.npz", "history.csv", "samples.png", "run.toml", "summary.json")
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}
SIGINT_IGNORED = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
needs_sigint = pytest.mark.skipif(
    SIGINT_IGNORED, reason="this test process ignores SIGINT (a background job), so would ganstudio"
)


def environment(**extra):
    return {**os.environ, "GANSTUDIO_BLAS_THREADS": "1", "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1", **extra}


def ganstudio(*args, cwd=None, env=None):
    command = [sys.executable, "-m", "ganstudio", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env or environment(), timeout=600)


class Training:
    """A `ganstudio train` process whose stderr is read as it comes."""

    def __init__(self, *args, cwd=None, env=None):
        command = [sys.executable, "-m", "ganstudio", "train", *args]
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env or environment()
        )
        self.stderr = ""

    def wait_for(self, prefix):
        """Read stderr until a line starts with `prefix` (e.g. "step": training is under way)."""
        while line := self.proc.stderr.readline():
            self.stderr += line
            if line.startswith(prefix):
                return
        self.proc.wait()
        raise AssertionError(f"the process ended (exit {self.proc.returncode}) before a {prefix!r} line:\n{self.stderr}")

    def stop(self, sig):
        """Send `sig`, wait for the process; its exit status (stdout and stderr are then read)."""
        self.proc.send_signal(sig)
        status = self.proc.wait(timeout=600)
        self.stderr += self.proc.stderr.read()
        self.stdout = self.proc.stdout.read()
        return status


def training_state(source):
    """What decides the rest of a run: weights and optimizer state, data order, RNG and step,
    from a checkpoint path or a live Session."""
    if isinstance(source, Session):
        gan, batches, rng, step = (
            source.gan.state_dict(),
            source.batches.state_dict(),
            source.rng.bit_generator.state,
            source.step_count,
        )
    else:
        ckpt = Checkpoint(source)
        gan, batches, rng, step = ckpt.section("gan"), ckpt.section("batches"), ckpt.rng_state, ckpt.step
    return {
        "step": step,
        "rng": rng,
        **{f"gan/{k}": np.asarray(v) for k, v in gan.items()},
        **{f"batches/{k}": np.asarray(v) for k, v in batches.items()},
    }


def assert_same_state(actual, expected):
    assert actual["step"] == expected["step"] and actual.keys() == expected.keys()
    assert actual["rng"] == expected["rng"], f"RNG state differs at step {actual['step']}"
    different = [k for k in expected if k not in ("step", "rng") and not np.array_equal(actual[k], expected[k])]
    assert not different, f"at step {actual['step']} these differ from the uninterrupted run: {different}"


# -- signals ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("sig", [pytest.param(signal.SIGINT, marks=needs_sigint), signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_between_steps_writes_the_outputs_and_the_run_resumes_bit_exact(tmp_path, sig):
    out = tmp_path / "run"
    run = Training(*SYNTHETIC, "--steps", "1000000", "--out", str(out))
    run.wait_for("step")
    status = run.stop(sig)
    assert status == STATUS[sig], run.stderr
    assert "Traceback" not in run.stderr and f"{sig.name}: stopped after step" in run.stderr
    for name in OUTPUTS:
        assert str(out / name) in run.stdout
    step = Checkpoint(out / "checkpoint.npz").step
    assert step >= 1 and len((out / "history.csv").read_text().splitlines()) == step + 1

    total = str(step + 40)
    resumed = ganstudio(
        "train", "--resume", str(out / "checkpoint.npz"), "--steps", total, cwd=tmp_path
    )  # continues in its own folder
    assert resumed.returncode == 0, resumed.stderr
    straight = ganstudio("train", *SYNTHETIC, "--steps", total, "--out", str(tmp_path / "straight"))
    assert straight.returncode == 0, straight.stderr
    assert_same_state(training_state(out / "checkpoint.npz"), training_state(tmp_path / "straight" / "checkpoint.npz"))


def test_a_second_signal_while_the_outputs_are_written_waits_for_them(tmp_path):
    out, gif = tmp_path / "run", tmp_path / "run.gif"
    big_gif = ["--gif-every", "1", "--gif-scale", "8", "--gif", str(gif)]  # writing takes a while: frames of 1864 x 1864 px
    run = Training(*SYNTHETIC, "--steps", "1000000", *big_gif, "--out", str(out))
    run.wait_for("step")
    run.proc.send_signal(signal.SIGTERM)
    run.wait_for("ganstudio: SIGTERM: stopped after step")
    status = run.stop(signal.SIGINT)
    assert status == 143 and "Traceback" not in run.stderr, run.stderr
    lines = run.stdout.splitlines()
    assert lines[:5] == [
        f"{what}: {out / name}" for what, name in zip(("checkpoint", "history", "samples", "run", "summary"), OUTPUTS)
    ]
    assert len(lines) == 6 and lines[5].startswith(f"gif: {gif}, ")
    step = Checkpoint(out / "checkpoint.npz").step
    with Image.open(gif) as im:
        assert im.n_frames == step
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["run", "run.gif", *OUTPUTS])  # no staging file left


def test_every_stop_at_a_random_moment_saves_a_state_the_uninterrupted_run_had(tmp_path):
    """Signals land anywhere, also inside a step; what is saved must be a whole step. The run is
    stopped and resumed six times, each stop at a random moment, and every checkpoint is
    compared with the same run trained straight through (in this process, one BLAS thread)."""
    moments = random.Random(13)
    signals = [signal.SIGTERM, signal.SIGINT] if not SIGINT_IGNORED else [signal.SIGTERM]
    ckpt = tmp_path / "run" / "checkpoint.npz"
    saved = []
    for trial in range(6):
        source = ["--resume", str(ckpt)] if trial else SYNTHETIC
        run = Training(*source, "--steps", "1000000", "--out", str(ckpt.parent))
        run.wait_for("step")
        threading.Event().wait(moments.uniform(0.0, 0.4))  # a random moment during training (not a synchronisation)
        sig = signals[trial % len(signals)]
        assert run.stop(sig) == STATUS[sig], run.stderr
        saved.append(training_state(ckpt))
    assert [s["step"] for s in saved] == sorted({s["step"] for s in saved})  # each resume trained on

    with threadpool_limits(limits=1, user_api="blas"):
        session = Session(load_preset("vanilla").with_values({"data.dataset": "synthetic-digits"}))
        for state in saved:
            while session.step_count < state["step"]:
                session.step()
            assert_same_state(state, training_state(session))


@pytest.mark.parametrize("sig", [pytest.param(signal.SIGINT, marks=needs_sigint), signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_the_dataset_download_exits_cleanly_and_leaves_no_partial_file(tmp_path, sig):
    started, release = threading.Event(), threading.Event()

    class Stalling(BaseHTTPRequestHandler):
        """Promises 10 MB, sends 64 KiB, then waits: a download in progress."""

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(10_000_000))
            self.end_headers()
            self.wfile.write(bytes(65536))
            self.wfile.flush()
            started.set()
            release.wait(60)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        data = tmp_path / "data"
        data.mkdir()  # a --data-dir must exist; the download goes into it
        env = environment(GANSTUDIO_MIRRORS=f"http://127.0.0.1:{server.server_address[1]}/")
        run = Training("--data-dir", str(data), "--steps", "5", "--out", str(tmp_path / "run"), env=env)
        assert started.wait(300), "the download never started"
        run.wait_for("downloading")
        status = run.stop(sig)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join()
    assert status == STATUS[sig], run.stderr
    assert "Traceback" not in run.stderr
    assert (
        run.stderr.strip().splitlines()[-1]
        == f"ganstudio: interrupted by {sig.name} before training started; nothing was written"
    )
    assert [p.name for p in data.rglob("*") if p.is_file()] == []  # the staged download was removed
    assert not (tmp_path / "run").exists()


# -- run folders ------------------------------------------------------------------------------------
def test_resume_continues_in_the_checkpoints_folder_and_leaves_the_other_folder_alone(tmp_path):
    assert (
        ganstudio("train", *SYNTHETIC, "--steps", "5", "--out", "ganstudio-run", cwd=tmp_path).returncode == 0
    )  # an unrelated run
    unrelated = {name: (tmp_path / "ganstudio-run" / name).read_bytes() for name in OUTPUTS}
    run = tmp_path / "runs" / "a"
    assert ganstudio("train", *SYNTHETIC, "--seed", "3", "--steps", "10", "--out", str(run)).returncode == 0

    resumed = ganstudio("train", "--resume", str(run / "checkpoint.npz"), "--steps", "20", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert Checkpoint(run / "checkpoint.npz").step == 20 and f"checkpoint: {run / 'checkpoint.npz'}" in resumed.stdout
    assert {name: (tmp_path / "ganstudio-run" / name).read_bytes() for name in OUTPUTS} == unrelated


def test_a_folder_holding_another_runs_outputs_is_refused_before_training_unless_forced(tmp_path):
    first = tmp_path / "ganstudio-run"
    assert ganstudio("train", *SYNTHETIC, "--steps", "5", "--out", "ganstudio-run", cwd=tmp_path).returncode == 0
    before = {name: (first / name).read_bytes() for name in OUTPUTS}
    snapshot = tmp_path / "snapshot.npz"
    snapshot.write_bytes(before["checkpoint.npz"])
    cases = [
        (["train", *SYNTHETIC, "--steps", "5", "--out", "ganstudio-run"], "--out ganstudio-run"),
        (["train", "--resume", "snapshot.npz", "--steps", "9", "--out", "ganstudio-run"], "--out ganstudio-run"),  # an older copy
    ]
    for args, where in cases:
        result = ganstudio(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip() == (
            f"ganstudio: error: {where} already holds a run's outputs "
            "(checkpoint.npz at step 5 on synthetic-digits, history.csv, "
            "samples.png, run.toml, summary.json); continue that run with --resume ganstudio-run/checkpoint.npz, "
            "choose another --out, or add --force to overwrite them"
        ), args
        assert {name: (first / name).read_bytes() for name in OUTPUTS} == before

    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "history.csv").write_text("step\n")
    result = ganstudio("train", *SYNTHETIC, "--steps", "5", "--out", str(stray))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"ganstudio: error: --out {stray} already holds a run's outputs (history.csv); "
        "choose another --out, or add --force to overwrite them"
    )

    forced = ganstudio("train", *SYNTHETIC, "--seed", "4", "--steps", "7", "--out", "ganstudio-run", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert Checkpoint(first / "checkpoint.npz").step == 7 and Checkpoint(first / "checkpoint.npz").config.seed == 4


# -- the data folder --------------------------------------------------------------------------------
def small_mnist(folder):
    """A Keras-style mnist.npz of 200 noise images: what the MNIST lookup accepts on disk."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    np.savez(
        folder / "mnist.npz",
        x_train=rng.integers(0, 256, (200, 28, 28), dtype=np.uint8),
        y_train=np.arange(200, dtype=np.uint8) % 10,
    )
    return folder


def test_a_resumed_run_finds_its_data_where_it_found_it_before(tmp_path):
    data = small_mnist(tmp_path / "my-data")
    env = environment(
        GANSTUDIO_DATA_DIR=str(tmp_path / "cache"), GANSTUDIO_MIRRORS="http://127.0.0.1:9/"
    )  # nothing there, offline
    ckpt = tmp_path / "run" / "checkpoint.npz"
    assert (
        ganstudio(
            "train", "--preset", "vanilla", "--data-dir", str(data), "--steps", "5", "--out", str(ckpt.parent), env=env
        ).returncode
        == 0
    )

    resumed = ganstudio("train", "--resume", str(ckpt), "--steps", "8", cwd=tmp_path, env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert Checkpoint(ckpt).step == 8 and Checkpoint(ckpt).data_dir == str(data.resolve())

    (tmp_path / "elsewhere").mkdir()
    explicit = ganstudio(
        "train", "--resume", str(ckpt), "--steps", "9", "--data-dir", str(tmp_path / "elsewhere"), cwd=tmp_path, env=env
    )
    assert explicit.returncode == 2 and str(tmp_path / "elsewhere" / "mnist") in explicit.stderr  # an explicit --data-dir wins

    data.rename(tmp_path / "moved")
    gone = ganstudio("train", "--resume", str(ckpt), "--steps", "9", cwd=tmp_path, env=env)
    assert (
        gone.returncode == 2 and str(tmp_path / "cache" / "mnist") in gone.stderr
    )  # the normal lookup, no download into the old folder
    assert not data.exists()


def test_a_checkpoint_without_a_remembered_data_folder_still_loads(tmp_path):
    data = small_mnist(tmp_path / "data")
    session = Session(load_preset("vanilla"), data_dir=str(data))
    session.step()
    path = save_checkpoint(session, tmp_path / "new.npz")
    with np.load(path) as npz:
        older = {k: npz[k] for k in npz.files if k != "data_dir"}
    np.savez(tmp_path / "old.npz", **older)
    assert Checkpoint(tmp_path / "old.npz").data_dir is None
    resumed = load_session(tmp_path / "old.npz", data_dir=str(data))
    assert_same_state(training_state(resumed), training_state(session))


# -- checks before training -------------------------------------------------------------------------
def test_unwritable_outputs_are_refused_before_any_training(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    cases = [
        (["--out", str(a_file / "run")], f"--out {a_file / 'run'}: {a_file} is a file, not a folder"),
        (["--out", str(a_file)], f"--out {a_file}: {a_file} is a file, not a folder"),
        (
            ["--gif", str(tmp_path / "missing" / "run.gif")],
            f"--gif {tmp_path / 'missing' / 'run.gif'}: the folder {tmp_path / 'missing'} does not exist",
        ),
        (["--gif", str(a_file / "run.gif")], f"--gif {a_file / 'run.gif'}: {a_file} is a file, not a folder"),
        (["--gif", str(tmp_path)], f"--gif {tmp_path}: that is a folder; give a file name such as {tmp_path / 'run.gif'}"),
    ]
    for args, message in cases:
        result = ganstudio("train", *SYNTHETIC, "--steps", "3", "--gif-every", "1", "--out", str(tmp_path / "run"), *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip().splitlines() == [f"ganstudio: error: {message}"], args  # no step line: nothing trained
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders (the cases above hold for root too)")
def test_a_read_only_output_folder_is_refused_before_any_training(tmp_path):
    out = tmp_path / "read-only"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = ganstudio("train", *SYNTHETIC, "--steps", "3", "--out", str(out))
        gif = ganstudio("train", *SYNTHETIC, "--steps", "3", "--out", str(tmp_path / "run"), "--gif", str(out / "run.gif"))
        runs = ganstudio(
            "train", *SYNTHETIC, "--steps", "3", "--runs-dir", str(out / "runs")
        )  # a new run's folder would go there
    finally:
        out.chmod(0o755)
    assert (
        runs.returncode == 2
        and runs.stderr.strip() == f"ganstudio: error: runs folder {out / 'runs'}: cannot write into {out} (Permission denied)"
    )
    assert (
        result.returncode == 2
        and result.stderr.strip() == f"ganstudio: error: --out {out}: cannot write into {out} (Permission denied)"
    )
    assert (
        gif.returncode == 2
        and gif.stderr.strip() == f"ganstudio: error: --gif {out / 'run.gif'}: cannot write into {out} (Permission denied)"
    )
    assert list(out.iterdir()) == [] and not (tmp_path / "run").exists()


def test_resume_applies_architecture_settings_and_refuses_a_new_seed(tmp_path):
    """`--resume --set generator.*` rebuilds G (as Apply does) instead of leaving the setting
    pending and unused; the seed of a resumed run cannot change."""
    out = tmp_path / "run"
    assert ganstudio("train", *SYNTHETIC, "--steps", "20", "--out", str(out)).returncode == 0
    d_before = Checkpoint(out / "checkpoint.npz").section("gan")["d/params"]
    resumed = ganstudio("train", "--resume", str(out / "checkpoint.npz"), "--set", "generator.hidden=[64]", "--steps", "30")
    assert resumed.returncode == 0, resumed.stderr
    assert "rebuilt G: hidden [128] -> [64]" in resumed.stderr
    ckpt = Checkpoint(out / "checkpoint.npz")
    assert ckpt.step == 30 and ckpt.config.generator.hidden == (64,)
    assert ckpt.build_gan().generator.spec.hidden == (64,)
    assert not np.array_equal(ckpt.section("gan")["d/params"], d_before)  # D kept training from its weights
    for seed in (["--seed", "3"], ["--set", "seed=3"]):
        refused = ganstudio("train", "--resume", str(out / "checkpoint.npz"), *seed, "--steps", "40")
        assert refused.returncode == 2 and refused.stderr.startswith("ganstudio: error: --seed: a resumed run keeps its seed")
    assert Checkpoint(out / "checkpoint.npz").step == 30
