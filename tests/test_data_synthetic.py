"""synthetic-digits: the embedded offline dataset."""

import numpy as np
import pytest

from ganstudio.data import load_dataset
from ganstudio.data.synthetic_digits import generate_digits


def test_shape_labels_and_balance():
    images, labels = generate_digits(1000, np.random.default_rng(0))
    assert images.shape == (1000, 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.int64 and np.bincount(labels).tolist() == [100] * 10


def test_deterministic_per_seed():
    a = load_dataset("synthetic-digits", seed=4, size=300)
    b = load_dataset("synthetic-digits", seed=4, size=300)
    c = load_dataset("synthetic-digits", seed=5, size=300)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.x, c.x)


def test_default_size_and_scaling():
    dataset = load_dataset("synthetic-digits", value_range=(0.0, 1.0))
    assert dataset.x.shape == (10000, 784) and dataset.image_shape == (28, 28)
    assert dataset.x.min() == 0.0 and dataset.x.max() == 1.0


def test_looks_like_ink_on_a_blank_page():
    images, _ = generate_digits(500, np.random.default_rng(1))
    ink = images > 127
    # MNIST-like: dark background, an empty outer ring, saturated strokes, a sane amount of ink.
    ring = np.concatenate([images[:, [0, -1], :], images[:, :, [0, -1]].transpose(0, 2, 1)], axis=1)
    assert ring.max() < 32
    assert (images.max(axis=(1, 2)) == 255).all()
    assert 0.06 < ink.mean() < 0.25
    # Every image has anti-aliased (grey) edge pixels.
    assert (((images > 30) & (images < 220)).sum(axis=(1, 2)) > 10).all()


def test_class_subset_and_distinct_digits():
    dataset = load_dataset("synthetic-digits", classes=[1, 8], size=2000, value_range=(0, 1))
    assert set(dataset.labels.tolist()) == {1, 8} and len(dataset) == 400
    ones = dataset.x[dataset.labels == 1].mean()
    eights = dataset.x[dataset.labels == 8].mean()
    assert eights > 1.5 * ones  # an eight takes far more ink than a one


@pytest.mark.real_mnist("synthetic digits name real ones by nearest neighbour")
def test_a_person_would_read_them_as_mnist_digits(mnist_dir):
    """Nearest neighbour among synthetic digits labels real MNIST digits far above chance."""
    synthetic = load_dataset("synthetic-digits", value_range=(0, 1))
    real = load_dataset("mnist", data_dir=mnist_dir, value_range=(0, 1), size=1000, download=False)
    distances = (synthetic.x**2).sum(1)[None, :] - 2 * real.x @ synthetic.x.T
    predicted = synthetic.labels[distances.argmin(axis=1)]
    assert (predicted == real.labels).mean() > 0.45  # chance is 0.1; measured about 0.6
