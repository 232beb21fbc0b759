"""`ganstudio sample --report` and the warnings of `ganstudio train`, as real processes."""

import re
import shutil
import subprocess
import sys

from support import go_offline, random_digits, write_idx_pair


def ganstudio(*args):
    return subprocess.run([sys.executable, "-m", "ganstudio", *args], capture_output=True, text=True, timeout=300)


def test_sample_report_prints_coverage_and_fid_of_an_mnist_checkpoint(digits_dir, tmp_path):
    out = tmp_path / "run"
    small = ["--set", "generator.hidden=16", "--set", "discriminator.hidden=16"]
    trained = ganstudio("train", "--data-dir", str(digits_dir), *small, "--steps", "20", "--out", str(out))
    assert trained.returncode == 0, trained.stderr
    result = ganstudio("sample", str(out / "checkpoint.npz"), "--report", "--data-dir", str(digits_dir))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"classes covered: \d+/10", next(line for line in lines if line.startswith("classes covered")))
    fid = float(next(line for line in lines if line.startswith("fid: ")).split(": ")[1])
    assert fid > 0.0
    assert any(re.fullmatch(r"mean confidence: 0\.\d+", line) for line in lines)
    histogram = next(line for line in lines if line.startswith("histogram: "))
    shares = [float(share) for share in re.findall(r"\d:(\d+\.\d)%", histogram)]
    recognisable = next(line for line in lines if line.startswith("recognisable: "))
    assert re.fullmatch(r"recognisable: \d+\.\d% of samples", recognisable)
    assert len(shares) == 10 and abs(sum(shares) - float(recognisable.split()[1][:-1])) < 0.6  # each share rounded to 0.1%
    for name in ("precision", "recall", "density", "coverage (prdc)"):
        assert re.fullmatch(rf"{re.escape(name)}: \d+\.\d{{3}}", next(line for line in lines if line.startswith(name + ":")))
    assert "prdc measured on: 1,000 samples against 1,000 held-out real ones, k = 5" in lines
    memorisation = next(line for line in lines if line.startswith("memorisation: "))
    assert re.match(r"memorisation: \d+\.\d\d \(.*1,000 samples over 1,000 held-out real images", memorisation)
    assert re.fullmatch(r"nearest training image: samples median .*, held-out real images median .*", lines[-1])


def test_a_run_without_held_out_digits_says_so_once(tmp_path):
    data = write_idx_pair(tmp_path / "train-only", *random_digits(300))  # no t10k files beside them
    out = tmp_path / "run"
    small = ["--set", "generator.hidden=16", "--set", "discriminator.hidden=16", "--set", "data.batch_size=32"]
    small += ["--set", "run.insight_every=10"]
    trained = ganstudio("train", "--data-dir", str(data), *small, "--steps", "30", "--out", str(out))
    assert trained.returncode == 0, trained.stderr
    missing = f"MNIST's test set (t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz) is not in {data}"
    assert trained.stderr.count("not measured") == 1
    assert (
        f"ganstudio: precision, recall, density and coverage not measured: no held-out real samples: {missing}" in trained.stderr
    )
    result = ganstudio("sample", str(out / "checkpoint.npz"), "--report", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"precision, recall, density, coverage and memorisation: n/a (no held-out real images: {missing})"
    assert re.match(r"fid: \d", next(line for line in lines if line.startswith("fid: ")))  # the rest is measured


def test_sample_report_without_mnist_prints_what_needs_no_data_and_says_the_fid_needs_it(tmp_path, monkeypatch):
    go_offline(monkeypatch, tmp_path)
    data = write_idx_pair(tmp_path / "mnist-elsewhere", *random_digits(300))
    out = tmp_path / "run"
    small = ["--set", "generator.hidden=16", "--set", "discriminator.hidden=16", "--set", "data.batch_size=32"]
    assert ganstudio("train", "--data-dir", str(data), *small, "--steps", "20", "--out", str(out)).returncode == 0
    shutil.rmtree(data)  # the data went away (another machine, a cleaned disk)
    result = ganstudio("sample", str(out / "checkpoint.npz"), "--report")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"classes covered: \d+/10", next(line for line in lines if line.startswith("classes covered")))
    assert len(re.findall(r"\d:\d+\.\d%", next(line for line in lines if line.startswith("histogram: ")))) == 10
    assert any(re.fullmatch(r"mean confidence: 0\.\d+", line) for line in lines)
    assert "fid: n/a (needs the training data)" in lines and "diversity: n/a (needs the training data)" in lines
    assert "precision, recall, density, coverage and memorisation: n/a (needs the training data)" in lines
    why = result.stderr.strip()
    assert why.startswith("ganstudio: fid and diversity not computed: their reference is the run's training images")
    assert "MNIST is not on this computer" in why and why.endswith("with --data-dir DIR.")


def test_sample_report_of_a_2d_run_prints_modes_and_quality(tmp_path):
    out = tmp_path / "run"
    small = ["--set", "generator.hidden=16", "--set", "discriminator.hidden=16"]
    assert ganstudio("train", "--preset", "ring8", *small, "--steps", "50", "--out", str(out)).returncode == 0
    png = tmp_path / "s.png"
    result = ganstudio("sample", str(out / "checkpoint.npz"), "--report", "-o", str(png))
    assert result.returncode == 0, result.stderr
    assert re.search(r"^modes covered: \d/8$", result.stdout, re.M)
    assert re.search(r"^high-quality: \d+\.\d%$", result.stdout, re.M)
    assert "classes covered" not in result.stdout and png.exists()


def test_sample_needs_an_output_or_the_report(tmp_path):
    out = tmp_path / "run"
    assert ganstudio("train", "--preset", "ring8", "--steps", "5", "--out", str(out)).returncode == 0
    result = ganstudio("sample", str(out / "checkpoint.npz"))
    assert result.returncode == 2 and "--report" in result.stderr and "Traceback" not in result.stderr


def test_train_prints_a_warning_once_when_it_starts(tmp_path):
    # A frozen G with ~0 weights draws the same point for every noise: collapse, after the
    # 1,000-step warm-up, confirmed at the second check.
    result = ganstudio(
        "train",
        "--preset",
        "ring8",
        "--steps",
        "2100",
        "--out",
        str(tmp_path / "run"),
        "--set",
        "generator.init=normal",
        "--set",
        "generator.init_std=1e-6",
        "--set",
        "optimizer.g.lr=1e-30",
        "--set",
        "generator.hidden=8",
        "--set",
        "discriminator.hidden=8",
        "--set",
        "data.batch_size=16",
        "--set",
        "view.insight_every=300",
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning at step" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("ganstudio: warning at step 1500: Mode collapse")
    assert "near-identical" in warnings[0] and "Try: " in warnings[0]
