"""The package's public surface: names, argument errors, and no Qt."""

import subprocess
import sys

import numpy as np
import pytest

import ganstudio.data as data
from ganstudio.data import (
    DATASET_NAMES,
    Dataset,
    DatasetError,
    OfflineError,
    load_dataset,
)


def test_dataset_names():
    assert DATASET_NAMES == (
        "mnist",
        "fashion-mnist",
        "kmnist",
        "synthetic-digits",
        "ring8",
        "grid25",
        "spiral",
        "moons",
        "folder",
    )
    assert issubclass(OfflineError, DatasetError)
    assert set(data.CLASS_NAMES) == {"mnist", "fashion-mnist", "kmnist", "synthetic-digits"}
    assert all(len(names) == 10 for names in data.CLASS_NAMES.values())


def test_unknown_name_lists_the_choices():
    with pytest.raises(DatasetError, match="unknown dataset 'cifar'; choose one of mnist, fashion-mnist"):
        load_dataset("cifar")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "ring8", "classes": [1]}, "ring8: a 2D toy has no classes"),
        ({"name": "synthetic-digits", "size": 0}, "size must be at least 1"),
        ({"name": "synthetic-digits", "image_size": 0}, "image size must be at least 1"),
        ({"name": "synthetic-digits", "value_range": (1.0, -1.0)}, "low < high"),
        ({"name": "synthetic-digits", "classes": []}, "class subset is empty"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(DatasetError, match=message):
        load_dataset(**kwargs)


def test_messages_are_one_line(tmp_path):
    with pytest.raises(DatasetError) as caught:
        load_dataset("mnist", data_dir=tmp_path, download=False)
    assert "\n" not in str(caught.value)


def test_dataset_validates_its_arrays():
    with pytest.raises(ValueError):
        Dataset("x", np.zeros((3, 4)), None, None)  # float64
    with pytest.raises(ValueError):
        Dataset("x", np.zeros((3, 4), np.float32), None, (3, 3))
    toy = Dataset("ring8", np.zeros((3, 2), np.float32), None, None, np.zeros((8, 2), np.float32), 0.01)
    assert toy.is_2d and len(toy) == 3


def test_synthetic_digits_resized():
    dataset = load_dataset("synthetic-digits", size=20, image_size=32)
    assert dataset.x.shape == (20, 1024) and dataset.image_shape == (32, 32)


def test_no_qt_import():
    code = "import sys, ganstudio.data; print(sorted(m for m in sys.modules if 'PySide' in m or 'Qt' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["synthetic-digits", "ring8"])
def test_generated_datasets_hold_out_fresh_draws(name):
    dataset = data.load_dataset(name, seed=3, size=500)
    assert dataset.held_out is not None and dataset.held_out.shape[1] == dataset.x.shape[1]
    assert len(dataset.held_out) >= 2000 and dataset.held_out_note == ""
    training = {row.tobytes() for row in dataset.x}
    assert not any(row.tobytes() in training for row in dataset.held_out)
    again = data.load_dataset(name, seed=3, size=500)
    np.testing.assert_array_equal(again.held_out, dataset.held_out)  # the same seed holds out the same draws
