"""The MNIST family on disk: the real training set, the folder layouts, subsets, scaling, errors."""

import hashlib

import numpy as np
import platformdirs
import pytest

from ganstudio.data import DatasetError, OfflineError, default_data_dir, load_dataset
from ganstudio.data.idx import read_payload
from ganstudio.data.mnist import FAMILIES, load_family, load_held_out

from support import random_digits as small_family
from support import write_idx_pair as write_pair

IMAGES, LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
MNIST = FAMILIES["mnist"]


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Never the user's real cache, never the network."""
    monkeypatch.setenv("GANSTUDIO_DATA_DIR", str(tmp_path / "default-cache"))
    monkeypatch.setenv("GANSTUDIO_MIRRORS", "http://127.0.0.1:9/")


# --- the real MNIST training set (../shared/data/mnist) -------------------------------------


@pytest.mark.real_mnist("its files' published MD5 checksums")
def test_real_mnist_checksums(mnist_dir):
    assert hashlib.md5(read_payload(mnist_dir / IMAGES)).hexdigest() == "6bbc9ace898e44ae57da46a324031adb"
    assert hashlib.md5(read_payload(mnist_dir / LABELS)).hexdigest() == "a25bea736e30d166cdddb491f175f624"


@pytest.mark.real_mnist("its exact labels and class counts")
def test_real_mnist_from_a_flat_folder(mnist_dir):
    images, labels = load_family("mnist", mnist_dir, download_missing=False)
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60000,)
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(labels).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]

    dataset = load_dataset("mnist", data_dir=mnist_dir, download=False)
    assert dataset.x.shape == (60000, 784) and dataset.x.dtype == np.float32
    assert dataset.labels.dtype == np.int64 and dataset.image_shape == (28, 28)
    assert not dataset.is_2d and dataset.modes is None and dataset.mode_std is None
    assert dataset.x.min() == -1.0 and dataset.x.max() == 1.0
    np.testing.assert_allclose(dataset.x[0], images[0].ravel() / 127.5 - 1.0, atol=1e-6)


@pytest.mark.real_mnist("its exact class counts")
def test_real_mnist_digit_subsets(mnist_dir):
    threes = load_dataset("mnist", data_dir=mnist_dir, classes=[3], download=False)
    assert len(threes) == 6131 and set(threes.labels.tolist()) == {3}
    some = load_dataset("mnist", data_dir=mnist_dir, classes=[0, 1, 7], value_range=(0, 1))
    assert len(some) == 5923 + 6742 + 6265 and set(some.labels.tolist()) == {0, 1, 7}
    assert some.x.min() == 0.0 and some.x.max() == 1.0


@pytest.mark.real_mnist("its test set's MD5 checksums and class counts")
def test_real_mnist_test_set_is_the_held_out_set(mnist_dir):
    assert hashlib.md5(read_payload(mnist_dir / TEST_IMAGES)).hexdigest() == MNIST.test_images.md5
    assert hashlib.md5(read_payload(mnist_dir / TEST_LABELS)).hexdigest() == MNIST.test_labels.md5
    images, labels = load_held_out("mnist", mnist_dir, download_missing=False)
    assert images.shape == (10000, 28, 28)
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    threes = load_dataset("mnist", data_dir=mnist_dir, classes=[3], value_range=(0, 1), download=False)
    assert threes.held_out.shape == (1010, 784) and threes.held_out_note == ""
    np.testing.assert_allclose(threes.held_out[0], images[labels == 3][0].ravel() / 255.0, atol=1e-6)


# --- layouts and formats ------------------------------------------------------------------


def test_the_test_split_beside_the_training_set_is_held_out(digits_dir):
    dataset = load_dataset("mnist", data_dir=digits_dir, classes=[1, 7], download=False)
    assert dataset.held_out.shape == (200, 784)  # the fixture's 1,000 test digits: 100 of each class
    training = {row.tobytes() for row in dataset.x}
    assert not any(row.tobytes() in training for row in dataset.held_out)


def test_a_test_split_missing_from_a_users_folder_is_named_not_fetched(tmp_path):
    images, labels = small_family()
    write_pair(tmp_path, images, labels)
    dataset = load_dataset("mnist", data_dir=tmp_path)  # downloads allowed: the training set is there
    assert len(dataset) == len(images) and dataset.held_out is None
    assert dataset.held_out_note == f"MNIST's test set ({TEST_IMAGES} and {TEST_LABELS}) is not in {tmp_path}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [IMAGES, LABELS]


def test_flat_folder_raw_files_and_cache_layout(tmp_path):
    images, labels = small_family()
    write_pair(tmp_path / "flat", images, labels, gz=False)
    write_pair(tmp_path / "root" / "kmnist", images, labels)
    for data_dir in (tmp_path / "flat", tmp_path / "root"):
        got_images, got_labels = load_family("kmnist", data_dir, download_missing=False)
        np.testing.assert_array_equal(got_images, images)
        np.testing.assert_array_equal(got_labels, labels)


def test_environment_variable_gives_the_default_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSTUDIO_DATA_DIR", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine"
    images, labels = small_family(seed=3)
    write_pair(tmp_path / "mine" / "fashion-mnist", images, labels)
    dataset = load_dataset("fashion-mnist", value_range=(0.0, 1.0))
    np.testing.assert_allclose(dataset.x, images.reshape(50, -1) / 255.0, atol=1e-7)


def test_default_folder_is_the_user_cache(monkeypatch):
    monkeypatch.delenv("GANSTUDIO_DATA_DIR")
    expected = platformdirs.user_cache_dir("ganstudio", appauthor=False)
    assert str(default_data_dir()) == expected


def test_keras_npz(tmp_path):
    images, labels = small_family(seed=5)
    np.savez(
        tmp_path / "mnist.npz",
        x_train=images,
        y_train=labels.astype(np.int64),
        x_test=images[:5],
        y_test=labels[:5],
    )
    dataset = load_dataset("mnist", data_dir=tmp_path, download=False)
    assert dataset.labels.tolist() == labels.tolist()
    np.testing.assert_allclose(dataset.x[7], images[7].ravel() / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_allclose(dataset.held_out, images[:5].reshape(5, -1) / 127.5 - 1.0, atol=1e-6)


def test_npz_without_training_arrays(tmp_path):
    np.savez(tmp_path / "mnist.npz", images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DatasetError, match=r"mnist.npz: not a Keras-style archive \(no x_train or y_train\)"):
        load_dataset("mnist", data_dir=tmp_path)


def test_resizing_and_size_cap(tmp_path):
    images, labels = small_family()
    write_pair(tmp_path, images, labels)
    dataset = load_dataset("mnist", data_dir=tmp_path, image_size=14, size=20)
    assert dataset.x.shape == (20, 196) and dataset.image_shape == (14, 14)
    assert dataset.labels.tolist() == labels[:20].tolist()


# --- bad input ----------------------------------------------------------------------------


def test_image_label_count_mismatch_names_both_files(tmp_path):
    images, labels = small_family()
    write_pair(tmp_path, images, labels[:-1])
    with pytest.raises(DatasetError, match=f"{IMAGES} and .*{LABELS}: 50 images but 49 labels"):
        load_dataset("mnist", data_dir=tmp_path)


def test_truncated_gzip_in_the_data_folder(tmp_path):
    images, labels = small_family()
    write_pair(tmp_path, images, labels)
    data = (tmp_path / IMAGES).read_bytes()
    (tmp_path / IMAGES).write_bytes(data[:-100])
    with pytest.raises(DatasetError, match=f"{IMAGES}: the gzip data is truncated or corrupt"):
        load_dataset("mnist", data_dir=tmp_path)


def test_images_and_labels_swapped(tmp_path):
    images, labels = small_family()
    write_pair(tmp_path, images, labels)
    (tmp_path / "swap").write_bytes((tmp_path / IMAGES).read_bytes())
    (tmp_path / IMAGES).write_bytes((tmp_path / LABELS).read_bytes())
    with pytest.raises(DatasetError, match=r"expected MNIST images as \(N, h, w\) uint8, found \(50,\)"):
        load_dataset("mnist", data_dir=tmp_path)


def test_labels_out_of_range(tmp_path):
    images, labels = small_family()
    labels[3] = 12
    write_pair(tmp_path, images, labels)
    with pytest.raises(DatasetError, match="labels must be 0..9"):
        load_dataset("mnist", data_dir=tmp_path)


@pytest.mark.parametrize(
    "classes, message",
    [([], "the class subset is empty"), ([42], r"no samples of class \[42\]")],
)
def test_empty_subset(tmp_path, classes, message):
    write_pair(tmp_path, *small_family())
    with pytest.raises(DatasetError, match=f"mnist: {message}"):
        load_dataset("mnist", data_dir=tmp_path, classes=classes)


def test_missing_without_download_says_what_to_get_and_where(tmp_path):
    with pytest.raises(OfflineError) as caught:
        load_dataset("fashion-mnist", data_dir=tmp_path, download=False)
    message = str(caught.value)
    assert "\n" not in message
    for part in (
        "Fashion-MNIST",
        IMAGES,
        LABELS,
        str(tmp_path / "fashion-mnist"),
        "synthetic-digits",
    ):
        assert part in message
    assert not (tmp_path / "fashion-mnist").exists()
