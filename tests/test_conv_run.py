"""Conv networks in the config, the session and checkpoints: settings that do not fit the image
size are refused naming the layer and the sizes; conv runs resume bit-exact; format-1 (MLP-only)
checkpoints still load; a newer format is named as such."""

import re
from pathlib import Path

import numpy as np
import pytest

from ganstudio.config.model import ConfigError, RunConfig, from_toml, to_toml
from ganstudio.config.presets import load_preset
from ganstudio.engine.convnet import ConvNet
from ganstudio.engine.network import MLP
from ganstudio.run import commands as cmd
from ganstudio.run.checkpoint import Checkpoint, CheckpointError, load_session, save_checkpoint
from ganstudio.run.session import Session

FIXTURES = Path(__file__).parent / "fixtures"
CONV = {
    "data.dataset": "synthetic-digits",
    "data.batch_size": 16,
    "generator.kind": "conv",
    "generator.channels": "[8, 4]",
    "discriminator.kind": "conv",
    "discriminator.channels": "[4, 8]",
    "discriminator.batch_norm": True,
    "discriminator.spectral_norm": True,
    "training.ema": True,
    "run.insight_every": 0,
    "run.record_every": 3,
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"discriminator.channels": "[8, 8, 8]"},
            "discriminator.channels: conv layer 3 cannot halve its 7x7 input with stride 2",
        ),
        ({"generator.channels": "[8, 8, 8]"}, "generator.channels: 3 conv-transpose layers would start from 28/8 = 3.5 pixels"),
        ({"generator.kernel": 8}, "generator.kernel: 8x8 is larger than conv-transpose layer 1's 7x7 input"),
        ({"generator.kernel": 8, "generator.upsample": "nearest"}, "generator.kernel: 8x8 is larger than upsampling layer 1's"),
        ({"generator.upsample": "bilinear"}, "generator.upsample: 'bilinear' is not one of transposed, nearest"),
        (
            {
                "data.image_size": 16,
                "data.dataset": "folder",
                "data.folder": "x",
                "discriminator.kernel": 6,
                "discriminator.channels": "[4, 4, 4]",
            },
            "discriminator.kernel: 6x6 is larger than conv layer 3's 4x4 input",
        ),  # fmt: skip
        ({"discriminator.kernel": 3}, "discriminator.kernel: 3 is odd"),
        ({"data.dataset": "ring8"}, "generator.kind: conv needs images; ring8 is 2D points"),
        ({"generator.channels": "[]"}, "generator.channels: needs at least one conv layer"),
        ({"discriminator.kind": "resnet"}, "discriminator.kind: 'resnet' is not one of mlp, conv"),
    ],
)
def test_conv_settings_that_do_not_fit_the_images_are_refused_naming_layer_and_sizes(changes, message):
    config = RunConfig().with_values(CONV)
    with pytest.raises(ConfigError, match=re.escape(message)):
        config.with_values(changes)


def test_conv_settings_round_trip_through_toml_and_a_file_that_does_not_fit_is_refused():
    config = RunConfig().with_values(CONV)
    text = to_toml(config)
    assert from_toml(text) == config
    d_section = text[text.index("[discriminator]") :]
    bad = text.replace(d_section, d_section.replace("channels = [\n    4,\n    8,\n]", "channels = [4, 8, 8]", 1))
    assert bad != text
    with pytest.raises(ConfigError, match="discriminator.channels: conv layer 3 cannot halve its 7x7 input"):
        from_toml(bad)


def test_the_kind_picks_the_network_and_mlp_settings_stay_as_they_were():
    config = RunConfig().with_values(CONV)
    session = Session(config)
    assert isinstance(session.gan.generator, ConvNet) and isinstance(session.gan.discriminator, ConvNet)
    assert session.gan.generator.buffers.size > 0 and session.gan.discriminator.spectral_norms
    mlp = RunConfig().with_values({"data.dataset": "synthetic-digits"})
    assert mlp.generator.kind == mlp.discriminator.kind == "mlp"
    assert isinstance(Session(mlp).gan.generator, MLP)


def weights_and_buffers(session):
    gan = session.gan
    return [
        *(net.params.values.copy() for net in (gan.generator, gan.discriminator)),
        *(net.buffers.values.copy() for net in (gan.generator, gan.discriminator)),
        gan.ema.shadow.copy(),
        gan.g_optimizer.state["m_sum"].copy(),
        gan.d_optimizer.state["v_sum"].copy(),
    ]


def test_a_conv_run_resumes_bit_exact_with_running_statistics_and_spectral_vectors(tmp_path):
    config = RunConfig().with_values(CONV)
    straight = Session(config)
    for _ in range(8):
        straight.step()
    first = Session(config)
    for _ in range(4):
        first.step()
    path = save_checkpoint(first, tmp_path / "conv.npz")
    assert str(np.load(path)["format"]) == "ganstudio-checkpoint-2"
    resumed = load_session(path)
    assert resumed.config == config and resumed.step_count == 4
    for _ in range(4):
        resumed.step()
    for a, b in zip(weights_and_buffers(resumed), weights_and_buffers(straight), strict=True):
        assert np.array_equal(a, b)
    assert len(resumed.recorder) == len(straight.recorder) > 0  # the sample grid renders from the conv G


def test_a_checkpoint_written_before_conv_networks_loads_and_resumes():
    path = FIXTURES / "checkpoint-format1.npz"
    assert str(np.load(path)["format"]) == "ganstudio-checkpoint-1"
    ckpt = Checkpoint(path)
    assert ckpt.config.generator.kind == "mlp" and ckpt.config.generator.hidden == (2,)
    gan = ckpt.build_gan()
    np.testing.assert_allclose(gan.generator.params.values[:2], [0.79112732, -0.98006803], rtol=1e-6)
    session = load_session(path)
    assert session.step_count == 4
    assert session.step() is not None and session.step_count == 5


def test_a_newer_checkpoint_format_is_named_as_such(tmp_path):
    arrays = dict(np.load(FIXTURES / "checkpoint-format1.npz"))
    arrays["format"] = np.array("ganstudio-checkpoint-9")
    np.savez(tmp_path / "future.npz", **arrays)
    with pytest.raises(
        CheckpointError, match="written by a newer GAN Studio \\(checkpoint format 9\\); this version reads formats 1 to 2"
    ):
        Checkpoint(tmp_path / "future.npz")


@pytest.mark.parametrize("preset, d_kind", [("dcgan", ConvNet), ("dcgan-mlp-d", MLP)])
def test_the_conv_presets_train_on_synthetic_digits(preset, d_kind):
    """A short sanity run of each shipped conv recipe (a conv G against a conv D, and against the
    MLP D): finite losses that move, a D that tells real from fake, and samples that differ from
    one another inside tanh's range."""
    config = load_preset(preset).with_values({"data.dataset": "synthetic-digits", "data.batch_size": 32, "run.insight_every": 0})
    session = Session(config)
    assert isinstance(session.gan.generator, ConvNet) and isinstance(session.gan.discriminator, d_kind)
    metrics = [session.step() for _ in range(40)]
    assert all(m is not None for m in metrics)
    d_losses = [m.d_loss for m in metrics]
    assert all(np.isfinite([m.d_loss, m.g_loss, m.d_grad_norm, m.g_grad_norm]).all() for m in metrics)
    assert min(d_losses[5:]) < np.mean(d_losses[:5]) - 0.3  # D learns (then G catches up: the losses swing)
    assert metrics[-1].d_real > metrics[-1].d_fake
    samples = session.gan.sample(session.state.fixed_noise[:16], use_ema=True)
    assert samples.shape == (16, 784) and np.abs(samples).max() <= 1.0
    assert samples.std(axis=0).mean() > 0.01  # not one sample repeated


def test_an_edit_that_does_not_fit_the_pending_architecture_is_refused():
    """kind conv waits for Apply; a kernel that fits the MLP now but not the pending conv G is
    refused at once, not at Apply."""
    session = Session(RunConfig().with_values({"data.dataset": "synthetic-digits", "run.insight_every": 0}))
    session.apply(cmd.SetParam("generator.kind", "conv"))
    assert session.pending == {"generator.kind": "conv"}
    with pytest.raises(ConfigError, match="generator.kernel: 8x8 is larger than conv-transpose layer 1's 7x7 input"):
        session.apply(cmd.SetParam("generator.kernel", 8))
    assert session.pending == {"generator.kind": "conv"}
    session.apply(cmd.Rebuild("g"))
    assert isinstance(session.gan.generator, ConvNet) and session.config.generator.kernel == 4


def test_a_conditional_conv_run_reads_the_label_as_planes_and_resumes_bit_exact(tmp_path):
    """Conv D + training.conditional: D is built for 1 + 10 input planes (the image, then one
    constant plane per class), G for latent + 10 inputs; the run trains and resumes bit-exact."""
    config = RunConfig().with_values({**CONV, "training.conditional": True})
    straight = Session(config)
    d, g = straight.gan.discriminator.spec, straight.gan.generator.spec
    assert d.image_shape == (11, 28, 28) and d.input_size == 11 * 784
    assert g.input_size == config.generator.latent_size + 10
    for _ in range(6):
        assert straight.step() is not None
    first = Session(config)
    for _ in range(3):
        first.step()
    resumed = load_session(save_checkpoint(first, tmp_path / "cconv.npz"))
    for _ in range(3):
        resumed.step()
    for a, b in zip(weights_and_buffers(resumed), weights_and_buffers(straight), strict=True):
        assert np.array_equal(a, b)
