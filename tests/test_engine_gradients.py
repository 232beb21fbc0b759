"""Central finite-difference checks (float64) of every layer, activation, loss, and of whole
D and G updates through the real GAN step code."""

import numpy as np
import pytest

from ganstudio.engine.activations import ACTIVATIONS, make_activation
from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.layers import Dense, Dropout
from ganstudio.engine.losses import LOSSES, d_loss, g_loss
from ganstudio.engine.network import MLP, NetworkSpec
from ganstudio.engine.optimizers import OptimizerSpec
from ganstudio.engine.params import ParamBlock

EPS = 1e-6


def numeric_grad(f, x):
    """Central differences of scalar f() with respect to array x (modified in place, restored)."""
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + EPS
        up = f()
        flat[i] = old - EPS
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * EPS)
    return grad


def assert_close(analytic, numeric):
    scale = max(np.abs(numeric).max(), 1e-3)
    assert np.abs(analytic - numeric).max() / scale < 1e-5, (analytic, numeric)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_backward_matches_finite_differences(name):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (4, 5))
    x[np.abs(x) < 0.05] = 0.3  # keep away from the kinks of relu / leaky relu / elu
    dy = rng.standard_normal((4, 5))
    act = make_activation(name, alpha=0.3)
    y = act.forward(x.copy())
    analytic = act.backward(dy.copy(), y)
    numeric = numeric_grad(lambda: float((act.forward(x.copy()) * dy).sum()), x)
    assert_close(analytic, numeric)


def test_dense_layer_gradients():
    rng = np.random.default_rng(1)
    block = ParamBlock(np.float64)
    layer = Dense(6, 3, block)
    block.finalize()
    layer.initialize("normal", rng, 0.5)
    layer.b[...] = rng.standard_normal(3)
    x = rng.standard_normal((5, 6))
    dy = rng.standard_normal((5, 3))
    loss = lambda: float((layer.forward(x) * dy).sum())  # noqa: E731
    layer.forward(x)
    dx = layer.backward(dy, need_dx=True, need_param_grads=True).copy()
    dw, db = block.view(0)[1].copy(), block.view(1)[1].copy()
    assert_close(dw, numeric_grad(loss, layer.w))
    assert_close(db, numeric_grad(loss, layer.b))
    assert_close(dx, numeric_grad(loss, x))


def test_single_output_dense_uses_the_same_input_gradient():
    rng = np.random.default_rng(2)
    block = ParamBlock(np.float64)
    layer = Dense(7, 1, block)
    block.finalize()
    layer.initialize("xavier_normal", rng, 0.0)
    x = rng.standard_normal((4, 7))
    dy = rng.standard_normal((4, 1))
    layer.forward(x)
    dx = layer.backward(dy, need_dx=True, need_param_grads=False)
    np.testing.assert_allclose(dx, dy @ layer.w.T)


def test_dropout_gradient_uses_the_forward_mask():
    rng = np.random.default_rng(3)
    drop = Dropout(0.5)
    x = rng.standard_normal((6, 8))
    y = drop.forward(x.copy(), np.random.default_rng(7))
    assert 0 < (y == 0).sum() < y.size
    dy = rng.standard_normal((6, 8))
    analytic = drop.backward(dy.copy())
    numeric = numeric_grad(lambda: float((drop.forward(x.copy(), np.random.default_rng(7)) * dy).sum()), x)
    assert_close(analytic, numeric)


@pytest.mark.parametrize("hidden_activation", ["relu", "leaky_relu", "elu", "tanh"])
@pytest.mark.parametrize("output_activation", ["tanh", "sigmoid", "linear"])
def test_network_gradients(hidden_activation, output_activation):
    rng = np.random.default_rng(4)
    spec = NetworkSpec(5, (7, 6), 3, hidden_activation, output_activation, alpha=0.2, init="normal", init_std=0.5)
    net = MLP(spec, rng, np.float64)
    x = rng.standard_normal((4, 5))
    dy = rng.standard_normal((4, 3))
    loss = lambda: float((net.predict(x) * dy).sum())  # noqa: E731
    net.forward(x)
    dx = net.backward(dy.copy(), need_input_grad=True).copy()
    assert_close(net.params.grads.copy(), numeric_grad(loss, net.params.values))
    assert_close(dx, numeric_grad(loss, x))


@pytest.mark.parametrize("kind", LOSSES)
@pytest.mark.parametrize("target", [1.0, 0.9])
def test_discriminator_loss_gradients(kind, target):
    rng = np.random.default_rng(5)
    real, fake = rng.standard_normal((6, 1)) * 2, rng.standard_normal((5, 1)) * 2
    _, d_real, d_fake = d_loss(kind, real, fake, target)
    assert_close(d_real, numeric_grad(lambda: d_loss(kind, real, fake, target)[0], real))
    assert_close(d_fake, numeric_grad(lambda: d_loss(kind, real, fake, target)[0], fake))


@pytest.mark.parametrize("kind", LOSSES)
def test_generator_loss_gradients(kind):
    fake = np.random.default_rng(6).standard_normal((5, 1)) * 2
    _, grad = g_loss(kind, fake)
    assert_close(grad, numeric_grad(lambda: g_loss(kind, fake)[0], fake))


@pytest.mark.parametrize("kind", LOSSES)
def test_losses_are_finite_for_extreme_logits(kind):
    logits = np.array([[-1000.0], [1000.0], [0.0]], np.float32)
    loss, d_real, d_fake = d_loss(kind, logits, logits, 0.9)
    g, d_g = g_loss(kind, logits)
    for value in (loss, g):
        assert np.isfinite(value)
    for arr in (d_real, d_fake, d_g):
        assert np.isfinite(arr).all() and arr.dtype == np.float32


def test_non_saturating_loss_known_values():
    zero = np.zeros((4, 1), np.float32)
    loss, _, _ = d_loss("non_saturating", zero, zero, 1.0)
    assert loss == pytest.approx(2 * np.log(2), rel=1e-6)
    g, _ = g_loss("non_saturating", zero)
    assert g == pytest.approx(np.log(2), rel=1e-6)
    smoothed, _, _ = d_loss("non_saturating", zero, zero, 0.9)
    assert smoothed == pytest.approx(2 * np.log(2), rel=1e-6)  # BCE at p=0.5 is log 2 for any target


@pytest.mark.parametrize("hidden_activation", ["relu", "leaky_relu", "elu", "tanh", "sigmoid"])
def test_network_gradients_with_dropout_use_the_unmasked_activations(hidden_activation):
    """Training passes drawing the same masks (the same rng seed) differentiate to what backward
    gives, for every hidden activation: tanh's, sigmoid's and elu's slopes are read from the
    activation's output, which the mask must not scale."""
    rng = np.random.default_rng(4)
    spec = NetworkSpec(5, (7, 6), 1, hidden_activation, "linear", alpha=0.2, init="normal", init_std=0.5, dropout=0.5)
    net = MLP(spec, rng, np.float64)
    net.params.values[:] += rng.uniform(0.1, 0.3, net.params.size)  # no bias at 0: no pre-activation sits on relu's kink
    x = rng.standard_normal((4, 5))
    dy = rng.standard_normal((4, 1))
    loss = lambda: float((net.forward(x, np.random.default_rng(7)) * dy).sum())  # noqa: E731
    masked = net.forward(x, np.random.default_rng(7)).copy()
    assert not np.allclose(masked, net.predict(x))  # the masks act
    dx = net.backward(dy.copy(), need_input_grad=True).copy()
    assert_close(net.params.grads.copy(), numeric_grad(loss, net.params.values))
    assert_close(dx, numeric_grad(loss, x))


def small_gan(loss: str, rng_seed=8, dropout=0.0):
    g = NetworkSpec(3, (5,), 4, "leaky_relu", "tanh", init="normal", init_std=0.7)
    d = NetworkSpec(4, (6,), 1, "elu", "linear", init="normal", init_std=0.7, dropout=dropout)
    sgd = OptimizerSpec("sgd", 0.0)
    return GAN(g, d, sgd, sgd, TrainingSpec(loss, label_smoothing=0.1, clip=100.0), np.random.default_rng(rng_seed), np.float64)


@pytest.mark.parametrize("kind", LOSSES)
def test_d_step_gradient_through_the_stacked_batch(kind):
    gan = small_gan(kind)
    real = np.random.default_rng(9).standard_normal((5, 4))
    gan.d_step(real, np.random.default_rng(10), step=0, epoch=0)
    z = np.random.default_rng(10).standard_normal((5, 3))
    fake = gan.generator.predict(z)

    def loss():
        return d_loss(kind, gan.discriminator.predict(real), gan.discriminator.predict(fake), 0.9)[0]

    assert_close(gan.discriminator.params.grads.copy(), numeric_grad(loss, gan.discriminator.params.values))


@pytest.mark.parametrize("kind", LOSSES)
def test_g_step_gradient_through_the_discriminator(kind):
    gan = small_gan(kind)
    gan.g_step(5, np.random.default_rng(11), step=0, epoch=0)
    z = np.random.default_rng(11).standard_normal((5, 3))

    def loss():
        return g_loss(kind, gan.discriminator.predict(gan.generator.predict(z)))[0]

    assert_close(gan.generator.params.grads.copy(), numeric_grad(loss, gan.generator.params.values))
