"""The conv engine: central finite differences (float64) for every new layer (input and
parameter gradients), for whole conv networks and for a conv GAN's D and G steps; forward
passes against a direct loop; batch-norm and spectral-norm behaviour."""

import dataclasses

import numpy as np
import pytest
from test_engine_gradients import assert_close, numeric_grad

from ganstudio.config.presets import load_preset
from ganstudio.engine.conditioning import Conditioning, draw_labels
from ganstudio.engine.conv import Conv2d, ConvTranspose2d, UpsampleConv2d
from ganstudio.engine.convnet import ConvNet
from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.kernels import col2im, windows
from ganstudio.engine.layers import Dense
from ganstudio.engine.losses import d_loss_stacked, g_loss
from ganstudio.engine.network import MLP, NetworkSpec, build_network, describe
from ganstudio.engine.norm import BatchNorm
from ganstudio.engine.optimizers import OptimizerSpec
from ganstudio.engine.params import ParamBlock
from ganstudio.run.state import build_gan


def loop_conv(x, w, b, stride, pad):
    """The textbook convolution, one output pixel at a time: x (N, H, W, C), w (k, k, C, O)."""
    k = w.shape[0]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    ho = (x.shape[1] + 2 * pad - k) // stride + 1
    wo = (x.shape[2] + 2 * pad - k) // stride + 1
    out = np.zeros((x.shape[0], ho, wo, w.shape[3]))
    for a in range(ho):
        for c in range(wo):
            out[:, a, c] = np.einsum("nijc,ijco->no", xp[:, stride * a : stride * a + k, stride * c : stride * c + k], w)
    return out + b


def layer_in(cls, *args, spectral=False):
    block, buffers = ParamBlock(np.float64), ParamBlock(np.float64)
    layer = cls(*args, block, buffers) if spectral else cls(*args, block)
    block.finalize()
    buffers.finalize()
    rng = np.random.default_rng(0)
    layer.initialize("normal", rng, 0.5)
    layer.b[...] = rng.standard_normal(layer.b.shape)
    return layer, block


def check_layer(layer, block, x, dy):
    """Analytic input and parameter gradients of sum(layer(x) * dy) against central differences."""
    loss = lambda: float((layer.forward(x) * dy).sum())  # noqa: E731
    layer.forward(x)
    dx = layer.backward(dy, need_dx=True, need_param_grads=True).copy()
    for sn in [layer.sn] if getattr(layer, "sn", None) is not None else []:
        sn.update = False  # the gradient treats the power iteration's u and v as constants
    assert_close(block.grads.copy(), numeric_grad(loss, block.values))
    assert_close(dx, numeric_grad(loss, x))


@pytest.mark.parametrize(("kernel", "stride", "pad", "channels"), [(4, 2, 1, 3), (3, 1, 1, 3), (2, 2, 0, 3), (4, 2, 1, 8)])
def test_conv_forward_matches_a_loop_and_gradients_match_finite_differences(kernel, stride, pad, channels):
    conv, block = layer_in(Conv2d, channels, 4, kernel, stride, pad)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 6, channels))
    np.testing.assert_allclose(conv.forward(x), loop_conv(x, conv.w, conv.b, stride, pad), atol=1e-12)
    dy = rng.standard_normal(conv.forward(x).shape)
    check_layer(conv, block, x, dy)


@pytest.mark.parametrize(("channels", "kernel", "stride"), [(1, 4, 2), (8, 4, 2), (8, 6, 2), (8, 3, 2), (9, 2, 2)])
def test_col2im_is_the_adjoint_of_the_im2col_windows(channels, kernel, stride):
    """<windows(x), cols> = <x, col2im(cols)>, on both of col2im's paths (per tap, and in
    stride x stride blocks from 8 channels when the stride divides the kernel)."""
    rng = np.random.default_rng(18)
    side = stride * 3 + kernel - stride  # a padded side the windows fill exactly
    xp = rng.standard_normal((2, side, side, channels))
    cols = rng.standard_normal((2, 3, 3, kernel, kernel, channels))
    out = col2im(cols, np.full_like(xp, 7.0), stride)  # filled first: col2im must zero it
    assert np.vdot(windows(xp, kernel, stride, 3, 3), cols) == pytest.approx(np.vdot(xp, out), rel=1e-12)


def test_a_transposed_conv_on_more_threads_takes_larger_chunks_and_gives_the_same_values(monkeypatch):
    """On t BLAS threads the product is scattered in chunks t^2 times larger (a product of few
    rows leaves BLAS's second thread idle); chunking must not change the result."""
    from ganstudio.engine import conv as conv_module
    from ganstudio.engine import kernels

    monkeypatch.setattr(conv_module, "CHUNK_FLOATS", 1 << 11)  # 1 sample per chunk on one thread, 4 on two
    convt, _ = layer_in(ConvTranspose2d, 8, 8, 4, 2, 1)
    x = np.random.default_rng(3).standard_normal((8, 4, 4, 8)).astype(np.float32)
    monkeypatch.setattr(kernels, "_threads", 1)
    chunks = []
    real_scatter = kernels.scatter_crop
    monkeypatch.setattr(kernels, "scatter_crop", lambda cols, *a: chunks.append(len(cols)) or real_scatter(cols, *a))
    one = convt.forward(x).copy()
    monkeypatch.setattr(kernels, "_threads", 2)
    two = convt.forward(x)
    assert chunks == [1] * 8 + [4, 4]
    np.testing.assert_allclose(two, one, rtol=1e-6, atol=1e-6)


def test_transposed_conv_is_the_adjoint_of_conv_and_doubles_the_side():
    convt, _ = layer_in(ConvTranspose2d, 4, 3, 4, 2, 1)
    rng = np.random.default_rng(2)
    y = rng.standard_normal((2, 3, 3, 4))
    x = rng.standard_normal((2, 6, 6, 3))
    out = convt.forward(y) - convt.b  # without the bias, a linear map
    assert out.shape == (2, 6, 6, 3)
    conv_w = convt.w.transpose(1, 2, 3, 0)  # (C_in, k, k, C_out) -> the conv's (k, k, C_out, C_in)
    assert np.vdot(out, x) == pytest.approx(np.vdot(y, loop_conv(x, conv_w, 0.0, 2, 1)), rel=1e-12)


@pytest.mark.parametrize(("kernel", "pad", "channels"), [(4, 1, 2), (2, 0, 2), (6, 2, 2), (4, 1, 8)])
def test_transposed_conv_gradients(kernel, pad, channels):
    """From 8 output channels the forward's scatter runs as kernels.scatter_crop's compiled gather."""
    convt, block = layer_in(ConvTranspose2d, 3, channels, kernel, 2, pad)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 3, 3))
    dy = rng.standard_normal(convt.forward(x).shape)
    check_layer(convt, block, x, dy)


@pytest.mark.parametrize(("kernel", "channels"), [(4, 2), (4, 8), (2, 3), (6, 8)])
def test_nearest_upsampling_is_upsampling_then_a_convolution_at_a_transposed_convs_cost(kernel, channels):
    """An UpsampleConv2d of kernel k computes x repeated 2x2, then convolved with its stored
    (k-1) x (k-1) taps at stride 1 and padding k/2 - 1 (the textbook loop); its gradients match
    finite differences."""
    layer, block = layer_in(UpsampleConv2d, 3, channels, kernel)
    assert layer.w.shape == (3, kernel - 1, kernel - 1, channels)
    assert layer.parameter_count() == block.values.size == 3 * (kernel - 1) ** 2 * channels + channels
    rng = np.random.default_rng(19)
    x = rng.standard_normal((2, 3, 4, 3))
    upsampled = x.repeat(2, axis=1).repeat(2, axis=2)
    textbook = loop_conv(upsampled, layer.w.transpose(1, 2, 0, 3), layer.b, 1, kernel // 2 - 1)
    out = layer.forward(x)
    assert out.shape == (2, 6, 8, channels)
    np.testing.assert_allclose(out, textbook, atol=1e-12)
    check_layer(layer, block, x, rng.standard_normal(out.shape))


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 4, 5)])
def test_batch_norm_gradients_in_training_mode(shape):
    block, buffers = ParamBlock(np.float64), ParamBlock(np.float64)
    bn = BatchNorm(shape[-1], block, buffers)
    block.finalize()
    buffers.finalize()
    rng = np.random.default_rng(4)
    block.values[...] = rng.standard_normal(block.size)  # gamma, beta away from 1 and 0
    x = rng.standard_normal(shape) * 3 + 1
    dy = rng.standard_normal(shape)
    loss = lambda: float((bn.forward(x) * dy).sum())  # noqa: E731
    bn.forward(x)
    dx = bn.backward(dy, True, True).copy()
    assert_close(block.grads.copy(), numeric_grad(loss, block.values))
    assert_close(dx, numeric_grad(loss, x))


def test_batch_norm_groups_normalise_each_part_as_if_alone():
    """D's stacked real + fake batch with groups=2 gives what two separate passes give: the
    fakes are judged by the same statistics in D's step as in G's step."""
    block, buffers = ParamBlock(np.float64), ParamBlock(np.float64)
    bn = BatchNorm(3, block, buffers)
    block.finalize()
    buffers.finalize()
    rng = np.random.default_rng(17)
    block.values[...] = rng.standard_normal(block.size)
    real, fake = rng.standard_normal((6, 3)) + 2, rng.standard_normal((6, 3)) * 3
    dy = rng.standard_normal((12, 3))
    stacked = bn.forward(np.concatenate([real, fake]), groups=2).copy()
    dx = bn.backward(dy, True, True).copy()
    grads = block.grads.copy()
    alone = [bn.forward(part).copy() for part in (real, fake)]
    np.testing.assert_allclose(stacked, np.concatenate(alone))
    bn.forward(fake)
    dx_fake = bn.backward(dy[6:], True, True).copy()
    grads_fake = block.grads.copy()
    bn.forward(real)
    np.testing.assert_allclose(dx, np.concatenate([bn.backward(dy[:6], True, True), dx_fake]))
    np.testing.assert_allclose(grads, block.grads + grads_fake)


def test_batch_norm_normalises_in_training_and_uses_running_statistics_in_inference():
    block, buffers = ParamBlock(np.float32), ParamBlock(np.float32)
    bn = BatchNorm(3, block, buffers, momentum=0.5)
    block.finalize()
    buffers.finalize()
    bn.initialize()
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((50, 3)) * [1, 2, 3] + [4, 5, 6]).astype(np.float32)
    y = bn.forward(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(0), 1, atol=1e-3)
    mean, var = buffers.values[:3], buffers.values[3:]
    np.testing.assert_allclose(mean, 0.5 * x.mean(0), rtol=1e-5)  # momentum 0.5 from 0
    np.testing.assert_allclose(var, 0.5 + 0.5 * x.var(0, ddof=1), rtol=1e-5)  # unbiased, from 1
    expected = (x - mean) / np.sqrt(var + bn.eps)
    np.testing.assert_allclose(bn.predict(x, block.values), expected, rtol=1e-5)


def test_spectral_norm_scales_the_weight_to_unit_largest_singular_value():
    dense, _ = layer_in(Dense, 7, 5, spectral=True)
    x = np.eye(7)
    for _ in range(50):  # power iterations converge; each forward does one
        dense.forward(x)
    w_used = dense.forward(x) - dense.b
    assert np.linalg.svd(w_used, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-6)


def test_dcgans_discriminator_is_normalised_from_its_first_training_pass():
    """Spectral norm starts with PyTorch's power iterations on the initial weights, so the first
    pass divides each weight by about its largest singular value (one iteration from random
    vectors gives a sigma 21-27% low: D would start unnormalised)."""
    d = build_gan(load_preset("dcgan"), np.random.default_rng(0)).discriminator
    d.forward(np.zeros((2, d.spec.input_size), np.float32))
    for layer in [layer for layer in d.layers if getattr(layer, "sn", None) is not None]:
        largest = np.linalg.svd(layer.w.reshape(layer.sn.shape).astype(np.float64), compute_uv=False)[0]
        assert layer.sn.sigma == pytest.approx(largest, rel=0.05)


@pytest.mark.parametrize("cls", ["dense", "conv"])
def test_spectral_norm_gradients(cls):
    rng = np.random.default_rng(6)
    if cls == "dense":
        layer, block = layer_in(Dense, 6, 3, spectral=True)
        x = rng.standard_normal((4, 6))
    else:
        layer, block = layer_in(Conv2d, 2, 3, 4, 2, 1, spectral=True)
        x = rng.standard_normal((2, 4, 4, 2))
    dy = rng.standard_normal(layer.forward(x).shape)
    check_layer(layer, block, x, dy)


def conv_spec(role, batch_norm=True, spectral_norm=False, **kw):
    if role == "g":
        return NetworkSpec(3, (), 64, "leaky_relu", "tanh", 0.2, "normal", 0.4, kind="conv", channels=(4, 3), kernel=4,
                           batch_norm=batch_norm, image_shape=(1, 8, 8), **kw)  # fmt: skip
    return NetworkSpec(2 * 64, (), 1, "leaky_relu", "linear", 0.2, "normal", 0.4, kind="conv", channels=(3, 4), kernel=4,
                       batch_norm=batch_norm, spectral_norm=spectral_norm, image_shape=(2, 8, 8), **kw)  # fmt: skip


@pytest.mark.parametrize(
    ("role", "batch_norm", "spectral_norm", "upsample"),
    [("g", True, False, "transposed"), ("g", False, False, "transposed"), ("g", True, False, "nearest"),
     ("d", True, True, "transposed"), ("d", False, False, "transposed")],
)  # fmt: skip
def test_conv_network_gradients(role, batch_norm, spectral_norm, upsample):
    spec = conv_spec(role, batch_norm, spectral_norm, upsample=upsample)
    net = ConvNet(spec, np.random.default_rng(7), np.float64)
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, spec.input_size))
    dy = rng.standard_normal((4, spec.output_size))
    loss = lambda: float((net.forward(x) * dy).sum())  # noqa: E731
    net.forward(x)
    dx = net.backward(dy.copy(), need_input_grad=True).copy()
    for sn in net.spectral_norms:
        sn.update = False
    assert_close(net.params.grads.copy(), numeric_grad(loss, net.params.values))
    assert_close(dx, numeric_grad(loss, x))


@pytest.mark.parametrize("hidden_activation", ["leaky_relu", "tanh"])
def test_a_conv_discriminator_with_dropout_masks_its_conv_layers_in_training_only(hidden_activation):
    spec = dataclasses.replace(conv_spec("d", dropout=0.5), hidden_activation=hidden_activation)
    net = ConvNet(spec, np.random.default_rng(7), np.float64)
    assert [row.name.endswith("dropout 0.5") for row in net.rows] == [True, True, False]  # not on the logit
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, spec.input_size))
    dy = rng.standard_normal((4, 1))
    loss = lambda: float((net.forward(x, np.random.default_rng(5)) * dy).sum())  # noqa: E731
    masked = net.forward(x, np.random.default_rng(5)).copy()
    dx = net.backward(dy.copy(), need_input_grad=True).copy()
    assert_close(net.params.grads.copy(), numeric_grad(loss, net.params.values))
    assert_close(dx, numeric_grad(loss, x))
    other_masks = net.forward(x, np.random.default_rng(6)).copy()
    assert not np.allclose(masked, other_masks)
    np.testing.assert_array_equal(net.predict(x), net.predict(x))  # inference: no masks
    unmasked = ConvNet(dataclasses.replace(spec, dropout=0.0), np.random.default_rng(7), np.float64)
    unmasked.buffers.values[:] = net.buffers.values  # the same running statistics
    np.testing.assert_allclose(net.predict(x), unmasked.predict(x))


def test_a_two_channel_discriminator_reads_its_flat_input_as_nchw():
    """The conditioning contract: plane c of a sample is x[c * H * W : (c + 1) * H * W]. Zero
    weights on channel 1 make D blind to that plane, whatever is in it."""
    spec = conv_spec("d", batch_norm=False)
    net = ConvNet(spec, np.random.default_rng(9), np.float64)
    first = net.layers[1]
    first.w[:, :, 1, :] = 0.0
    x = np.random.default_rng(10).standard_normal((3, 128))
    other = x.copy()
    other[:, 64:] = 5.0  # a different second plane
    np.testing.assert_allclose(net.predict(x), net.predict(other))
    changed = x.copy()
    changed[:, :64] += 1.0  # a different first plane
    assert not np.allclose(net.predict(x), net.predict(changed))


def small_conv_gan(kind, batch_norm=True, spectral_norm=True):
    g = conv_spec("g", batch_norm)
    d = NetworkSpec(64, (), 1, "leaky_relu", "linear", 0.2, "normal", 0.4, kind="conv", channels=(3, 4), kernel=4,
                    batch_norm=batch_norm, spectral_norm=spectral_norm, image_shape=(1, 8, 8))  # fmt: skip
    sgd = OptimizerSpec("sgd", 0.0)
    return GAN(g, d, sgd, sgd, TrainingSpec(kind, label_smoothing=0.1, clip=100.0), np.random.default_rng(11), np.float64)


@pytest.mark.parametrize("kind", ["non_saturating", "hinge"])
def test_conv_d_step_gradient_through_the_stacked_batch(kind):
    gan = small_conv_gan(kind)
    real = np.random.default_rng(12).standard_normal((4, 64))
    gan.d_step(real, np.random.default_rng(13), step=0, epoch=0)
    for sn in gan.discriminator.spectral_norms:
        sn.update = False
    z = np.random.default_rng(13).standard_normal((4, 3))
    stacked = np.concatenate([real, gan.generator.forward(z).copy()])
    analytic = gan.discriminator.params.grads.copy()

    def loss():
        return d_loss_stacked(kind, gan.discriminator.forward(stacked, groups=2), 4, 0.9)[0]

    assert_close(analytic, numeric_grad(loss, gan.discriminator.params.values))


@pytest.mark.parametrize("kind", ["non_saturating", "least_squares"])
def test_conv_g_step_gradient_through_the_discriminator(kind):
    gan = small_conv_gan(kind)
    gan.g_step(4, np.random.default_rng(14), step=0, epoch=0)
    for sn in gan.discriminator.spectral_norms:
        sn.update = False
    z = np.random.default_rng(14).standard_normal((4, 3))
    analytic = gan.generator.params.grads.copy()

    def loss():
        return g_loss(kind, gan.discriminator.forward(gan.generator.forward(z)))[0]

    assert_close(analytic, numeric_grad(loss, gan.generator.params.values))


def test_predict_matches_forward_without_batch_statistics_across_chunks():
    spec = conv_spec("g", batch_norm=False)
    net = ConvNet(spec, np.random.default_rng(15))
    z = np.random.default_rng(16).standard_normal((300, 3)).astype(np.float32)  # more than one chunk
    np.testing.assert_allclose(net.predict(z), net.forward(z), rtol=1e-5, atol=1e-6)
    assert net.predict(z).dtype == np.float32


def test_build_network_and_describe_agree_with_the_built_network():
    g = NetworkSpec(100, (), 784, "relu", "tanh", kind="conv", channels=(128, 64), batch_norm=True, image_shape=(1, 28, 28))
    d = NetworkSpec(
        784, (), 1, "leaky_relu", "linear", kind="conv", channels=(64, 128), spectral_norm=True, image_shape=(1, 28, 28)
    )
    rows = describe(g)
    assert [r.shape for r in rows] == [(128, 7, 7), (64, 14, 14), (1, 28, 28)]
    assert [r.shape for r in describe(d)] == [(64, 14, 14), (128, 7, 7), (1,)]
    for spec in (g, d, NetworkSpec(100, (128,), 784)):
        net = build_network(spec, np.random.default_rng(0))
        assert sum(r.params for r in describe(spec)) == net.params.size
        assert isinstance(net, ConvNet if spec.kind == "conv" else MLP)
    assert rows[0].params == 100 * 128 * 49 + 128 * 49 + 2 * 128


def test_conditional_conv_g_step_gradient_through_a_discriminator_reading_label_planes():
    """A conditional conv GAN: G reads noise + one-hot (3 + 2), D reads the 8x8 image and two
    constant label planes (3 channels). G's gradient through D, labels included, matches
    central differences."""
    k = 2
    g = NetworkSpec(3 + k, (), 64, "leaky_relu", "tanh", 0.2, "normal", 0.4, kind="conv", channels=(4, 3), kernel=4,
                    batch_norm=False, image_shape=(1, 8, 8))  # fmt: skip
    d = NetworkSpec((1 + k) * 64, (), 1, "leaky_relu", "linear", 0.2, "normal", 0.4, kind="conv", channels=(3, 4), kernel=4,
                    batch_norm=False, spectral_norm=False, image_shape=(1 + k, 8, 8))  # fmt: skip
    sgd = OptimizerSpec("sgd", 0.0)
    training = TrainingSpec("non_saturating", conditional=True)
    conditioning = Conditioning(k, (0, 1), ("image", 1, 8, 8))
    gan = GAN(g, d, sgd, sgd, training, np.random.default_rng(15), np.float64, conditioning)
    gan.g_step(4, np.random.default_rng(16), step=0, epoch=0)
    rng = np.random.default_rng(16)
    z = rng.standard_normal((4, 3))
    labels = draw_labels(rng, (0, 1), 4)
    analytic = gan.generator.params.grads.copy()

    def loss():
        return g_loss("non_saturating", gan.discriminate(gan.sample(z, labels=labels), labels))[0]

    assert_close(analytic, numeric_grad(loss, gan.generator.params.values))


def test_ema_samples_use_the_ema_generators_own_batch_statistics():
    """The live G's running statistics belong to other weights than the EMA's: EMA samples are
    normalised by the statistics of the EMA weights themselves, measured on fixed noise (a
    training-mode pass of a network holding the EMA weights gives the same numbers)."""
    from ganstudio.engine import gan as gan_module

    g = conv_spec("g")
    d = NetworkSpec(64, (), 1, "leaky_relu", "linear", 0.2, "normal", 0.4, kind="conv", channels=(3, 4), kernel=4,
                    image_shape=(1, 8, 8))  # fmt: skip
    adam = OptimizerSpec("adam", 1e-2, beta1=0.5)
    gan = GAN(g, d, adam, adam, TrainingSpec("non_saturating", ema=True, ema_decay=0.9), np.random.default_rng(3))
    rng = np.random.default_rng(4)
    real = np.tanh(rng.standard_normal((16, 64))).astype(np.float32)
    for _ in range(20):
        gan.train_step(lambda: real, rng, 0, 0)
    z = np.random.default_rng(5).standard_normal((10, 3)).astype(np.float32)

    twin = ConvNet(g, np.random.default_rng(0))
    twin.params.values[...] = gan.ema.shadow
    for layer in twin.layers:
        if isinstance(layer, BatchNorm):
            layer.momentum = 1.0  # the running statistics become this batch's
    standing = gan_module.STANDING_SAMPLES
    twin.forward(np.random.default_rng(gan_module.STANDING_SEED).standard_normal((standing, 3), dtype=np.float32))
    expected = twin.predict(z)
    np.testing.assert_allclose(gan.sample(z, use_ema=True), expected, rtol=1e-3, atol=1e-3)
    assert np.abs(gan.generator.predict(z, gan.ema.shadow) - expected).max() > 0.05  # the live statistics differ

    for _ in range(gan_module.STANDING_EVERY):  # the EMA moved on: its statistics are measured again
        gan.train_step(lambda: real, rng, 0, 0)
    twin.params.values[...] = gan.ema.shadow
    twin.forward(np.random.default_rng(gan_module.STANDING_SEED).standard_normal((standing, 3), dtype=np.float32))
    np.testing.assert_allclose(gan.sample(z, use_ema=True), twin.predict(z), rtol=1e-3, atol=1e-3)
