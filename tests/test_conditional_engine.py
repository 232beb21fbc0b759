"""Class conditioning in the engine: the input assembly of G and D in both layouts (flat for an
MLP, constant label planes for a conv D), and the gradients of a conditional GAN's D and G
updates, checked by central finite differences in float64 through the real step code."""

import numpy as np
import pytest
from test_engine_gradients import assert_close, numeric_grad

from ganstudio.engine.conditioning import (
    Conditioning,
    balanced_labels,
    discriminator_input,
    discriminator_input_size,
    draw_labels,
    generator_input,
    one_hot,
    sample_gradient,
)
from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.losses import LOSSES, d_loss, g_loss
from ganstudio.engine.network import NetworkSpec
from ganstudio.engine.optimizers import OptimizerSpec


def test_one_hot_and_generator_input_put_the_label_after_the_noise():
    z = np.arange(6, dtype=np.float32).reshape(2, 3)
    g_in = generator_input(z, np.array([2, 0]), 4)
    assert g_in.shape == (2, 3 + 4) and g_in.dtype == np.float32
    np.testing.assert_array_equal(g_in[:, :3], z)
    np.testing.assert_array_equal(g_in[:, 3:], [[0, 0, 1, 0], [1, 0, 0, 0]])
    np.testing.assert_array_equal(one_hot(np.array([1]), 3), [[0, 1, 0]])


def test_flat_discriminator_input_is_the_sample_then_the_one_hot_code():
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    d_in = discriminator_input(x, np.array([1, 3, 0]), 4)
    assert d_in.shape == (3, 5 + 4) == (3, discriminator_input_size(5, 4))
    np.testing.assert_array_equal(d_in[:, :5], x)
    np.testing.assert_array_equal(d_in[:, 5:], np.eye(4)[[1, 3, 0]])


def test_image_discriminator_input_appends_one_constant_plane_per_class():
    """The conv D's contract: its flat input read as NCHW row-major has C + K channels; channel
    C + k of sample b is all ones where b's label is k, all zeros elsewhere."""
    c, h, w, k = 2, 3, 4, 5
    x = np.random.default_rng(1).standard_normal((3, c * h * w)).astype(np.float32)
    labels = np.array([4, 0, 2])
    d_in = discriminator_input(x, labels, k, ("image", c, h, w))
    assert d_in.shape == (3, (c + k) * h * w) == (3, discriminator_input_size(c * h * w, k, ("image", c, h, w)))
    nchw = d_in.reshape(3, c + k, h, w)
    np.testing.assert_array_equal(nchw[:, :c], x.reshape(3, c, h, w))
    for b, label in enumerate(labels):
        for plane in range(k):
            np.testing.assert_array_equal(nchw[b, c + plane], np.full((h, w), float(plane == label)))
    with pytest.raises(ValueError, match="does not hold"):
        discriminator_input_size(7, k, ("image", c, h, w))


def test_assembly_writes_into_row_slices_of_a_reused_buffer():
    out = np.full((4, 6), 9.0, np.float32)
    discriminator_input(np.ones((2, 2), np.float32), np.array([0, 3]), 4, out=out[2:])
    np.testing.assert_array_equal(out[2:], [[1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 1]])
    assert (out[:2] == 9.0).all()


def test_the_sample_gradient_is_the_first_columns_in_both_layouts():
    grad = np.arange(2 * 12, dtype=np.float32).reshape(2, 12)
    np.testing.assert_array_equal(sample_gradient(grad, 4), grad[:, :4])


def test_labels_are_drawn_from_the_run_classes_and_balanced_ones_take_turns():
    labels = draw_labels(np.random.default_rng(0), (3, 7), 1000)
    assert set(labels.tolist()) == {3, 7} and 400 < (labels == 3).sum() < 600
    np.testing.assert_array_equal(balanced_labels((1, 4, 6), 7), [1, 4, 6, 1, 4, 6, 1])
    with pytest.raises(ValueError):
        Conditioning(10, (3, 10))


LAYOUTS = {"flat": "flat", "image": ("image", 1, 2, 2)}


def conditional_gan(loss: str, layout, k=3) -> GAN:
    """G 2+K -> 5 -> 4 (a 2x2 image), D (4 + K or (1 + K)*4) -> 6 -> 1, float64."""
    conditioning = Conditioning(k, tuple(range(k)), layout)
    g = NetworkSpec(2 + k, (5,), 4, "leaky_relu", "tanh", init="normal", init_std=0.7)
    d = NetworkSpec(discriminator_input_size(4, k, layout), (6,), 1, "elu", "linear", init="normal", init_std=0.7)
    sgd = OptimizerSpec("sgd", 0.0)
    training = TrainingSpec(loss, label_smoothing=0.1, clip=100.0, conditional=True)
    return GAN(g, d, sgd, sgd, training, np.random.default_rng(8), np.float64, conditioning)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", LOSSES)
def test_conditional_d_step_gradient(kind, layout):
    gan = conditional_gan(kind, LAYOUTS[layout])
    data = np.random.default_rng(9)
    real, labels = data.standard_normal((5, 4)), data.integers(0, 3, 5)
    gan.d_step(real, np.random.default_rng(10), step=0, epoch=0, labels=labels)
    rng = np.random.default_rng(10)  # the fake batch: its noise, then its labels
    z = rng.standard_normal((5, 2))
    fake_labels = draw_labels(rng, (0, 1, 2), 5)
    fake = gan.sample(z, labels=fake_labels)

    def loss():
        return d_loss(kind, gan.discriminate(real, labels), gan.discriminate(fake, fake_labels), 0.9)[0]

    assert_close(gan.discriminator.params.grads.copy(), numeric_grad(loss, gan.discriminator.params.values))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", LOSSES)
def test_conditional_g_step_gradient_through_the_discriminator_with_labels(kind, layout):
    gan = conditional_gan(kind, LAYOUTS[layout])
    gan.g_step(5, np.random.default_rng(11), step=0, epoch=0)
    rng = np.random.default_rng(11)
    z = rng.standard_normal((5, 2))
    labels = draw_labels(rng, (0, 1, 2), 5)

    def loss():
        return g_loss(kind, gan.discriminate(gan.sample(z, labels=labels), labels))[0]

    assert_close(gan.generator.params.grads.copy(), numeric_grad(loss, gan.generator.params.values))


def test_a_conditional_gan_refuses_a_batch_without_labels():
    gan = conditional_gan("non_saturating", "flat")
    with pytest.raises(ValueError, match="labels"):
        gan.d_step(np.zeros((2, 4)), np.random.default_rng(0), 0, 0)
    with pytest.raises(ValueError, match="labels"):
        gan.sample(np.zeros((2, 2)))
