"""`ganstudio export-onnx`: the generators of small trained runs (an MLP, a conv net with batch norm
and an EMA, one with nearest upsampling, a conditional MLP with best weights, a 2D toy) written as ONNX models, checked by
onnx.checker, run by onnxruntime and compared with the NumPy generator on the same inputs; and
each bad input refused in one line (exit 2) before anything is written."""

import subprocess
import sys

import numpy as np
import onnx
import onnxruntime
import pytest

from ganstudio.cli.main import main
from ganstudio.cli.sample import saved_best
from ganstudio.config.model import RunConfig
from ganstudio.run.checkpoint import Checkpoint, save_checkpoint
from ganstudio.run.session import Session

TOLERANCE = 1e-5  # float32 rounding: products summed in another order (measured up to 1e-6); outputs lie in [-1, 1]
SMALL = {"data.dataset": "synthetic-digits", "data.batch_size": 16, "run.insight_every": 0, "run.record_every": 100}
RUNS = {
    "mlp": {
        **SMALL,
        **{"generator.hidden": "[32, 16]", "generator.activation": "elu", "generator.output": "sigmoid"},
        **{"discriminator.hidden": "32", "training.ema": True},
    },
    "conv": {
        **SMALL,
        **{"generator.kind": "conv", "generator.channels": "[8, 4]", "generator.activation": "leaky_relu"},
        **{"discriminator.kind": "conv", "discriminator.channels": "[4, 8]", "training.ema": True},
    },
    "conv-nearest": {  # nearest upsampling + conv, exported as the ConvTranspose it equals
        **SMALL,
        **{"generator.kind": "conv", "generator.channels": "[8, 4]", "generator.upsample": "nearest"},
        **{"discriminator.hidden": "32", "training.ema": True},
    },
    "conditional": {
        **SMALL,
        **{"generator.hidden": "32", "discriminator.hidden": "32", "training.conditional": True, "data.classes": "3,5,8"},
        "run.insight_every": 4,  # keeps best weights, which the export takes by default, as `sample` does
    },
    "2d": {"data.dataset": "ring8", "generator.hidden": "16", "discriminator.hidden": "16", "run.insight_every": 0},
}


def trained_checkpoint(folder, values, steps=8):
    """The checkpoint of a run of `values` trained `steps` steps."""
    session = Session(RunConfig().with_values(values))
    for _ in range(steps):
        session.step()
    return save_checkpoint(session, folder / "checkpoint.npz")


def export(checkpoint, output, *options):
    """`ganstudio export-onnx` in this process: (exit status, output line)."""
    return main(["export-onnx", str(checkpoint), "-o", str(output), *options])


def numpy_samples(checkpoint, z, labels, best):
    """The NumPy generator's samples (n, data_size) of z: from the run's best weights when `best`,
    else from the EMA's when the run keeps one (sample's default)."""
    gan = Checkpoint(checkpoint).build_gan()
    if best:
        return gan.sample(z, labels=labels, weights=saved_best(Checkpoint(checkpoint, sections=("insight",))).weights)
    return gan.sample(z, use_ema=True, labels=labels)


@pytest.mark.parametrize("kind", list(RUNS))
def test_the_onnx_generator_draws_what_the_numpy_generator_draws(kind, tmp_path, capsys):
    checkpoint = trained_checkpoint(tmp_path, RUNS[kind])
    config = Checkpoint(checkpoint, sections=()).config
    path = tmp_path / "generator.onnx"
    assert export(checkpoint, path) == 0
    said = capsys.readouterr().out
    conditional, image = kind == "conditional", kind != "2d"
    latent = config.generator.latent_size
    inputs = f"z (N, {latent})" + (", class (N,)" if conditional else "")
    output = "(N, 2)" if not image else f"(N, 1, 28, 28) in [{'0' if kind == 'mlp' else '-1'}, 1]"
    assert said.startswith(f"onnx: {path}, {inputs} -> images {output}; weights: ")
    assert ("weights: best, step 8 (FID" if conditional else "weights: last, step 8") in said
    assert ("(EMA weights)" in said) == (kind in ("mlp", "conv", "conv-nearest"))

    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert [(i.name, i.type.tensor_type.elem_type) for i in model.graph.input] == [("z", onnx.TensorProto.FLOAT)] + (
        [("class", onnx.TensorProto.INT64)] if conditional else []
    )
    assert [o.name for o in model.graph.output] == ["images"]
    runtime = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.shape for i in runtime.get_inputs()] == [["N", latent]] + ([["N"]] if conditional else [])
    assert runtime.get_outputs()[0].shape == (["N", 1, 28, 28] if image else ["N", 2])
    for rows in (1, 7):  # one batch dimension, any size
        z = np.random.default_rng(rows).standard_normal((rows, latent), dtype=np.float32)
        labels = np.resize(np.array([3, 5, 8]), rows) if conditional else None
        feeds = {"z": z, "class": labels.astype(np.int64)} if conditional else {"z": z}
        images = runtime.run(["images"], feeds)[0]
        assert images.dtype == np.float32 and images.shape == ((rows, 1, 28, 28) if image else (rows, 2))
        expected = numpy_samples(checkpoint, z, labels, best=conditional)
        difference = float(np.abs(images.reshape(rows, -1) - expected).max())
        print(f"{kind}, {rows} rows: max difference {difference:.1e}")
        assert difference < TOLERANCE


def test_last_live_weights_are_exported_when_asked(tmp_path):
    """--weights last --no-ema: G's live weights with its running statistics, not the EMA's."""
    checkpoint = trained_checkpoint(tmp_path, RUNS["conv"])
    path = tmp_path / "live.onnx"
    assert export(checkpoint, path, "--weights", "last", "--no-ema") == 0
    gan = Checkpoint(checkpoint).build_gan()
    z = np.random.default_rng(0).standard_normal((5, gan.latent_size), dtype=np.float32)
    images = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(["images"], {"z": z})[0]
    live, ema = gan.sample(z), gan.sample(z, use_ema=True)
    assert np.abs(images.reshape(5, -1) - live).max() < TOLERANCE < np.abs(images.reshape(5, -1) - ema).max()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return trained_checkpoint(tmp_path_factory.mktemp("onnx"), RUNS["2d"], steps=2)


def refused(capsys, status, *parts):
    """The command exited 2 with one line on stderr holding every part."""
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    for part in parts:
        assert part in err, err


def test_a_run_without_a_checkpoint_is_refused_in_one_line(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    refused(capsys, export(tmp_path / "run", tmp_path / "g.onnx"), "the run has no checkpoint yet")
    assert not (tmp_path / "g.onnx").exists()


@pytest.mark.parametrize("where", ["/proc/g.onnx", "missing/g.onnx", "."])
def test_an_unwritable_output_is_refused_in_one_line_before_the_run_is_read(where, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(capsys, export(tmp_path / "no-such-run", where), f"-o {where}")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_onnx_extra_is_one_line_with_the_install_command(checkpoint, tmp_path):
    """A real process in which `import onnx` fails, as where the extra is not installed."""
    code = (
        "import sys; sys.modules['onnx'] = None; from ganstudio.cli.main import main; "
        f"sys.exit(main(['export-onnx', {str(checkpoint)!r}, '-o', {str(tmp_path / 'g.onnx')!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == "ganstudio: error: ONNX export needs the optional extra: pip install 'ganstudio[onnx]'\n"
    assert not (tmp_path / "g.onnx").exists()


def test_importing_the_command_line_does_not_import_onnx():
    code = "import sys, ganstudio.cli.main; print('onnx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout == "False\n", result.stderr
