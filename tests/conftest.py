"""Shared test set-up: Qt runs offscreen, and the real MNIST training set is found in ../shared."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


@pytest.fixture
def mnist_dir():
    """The folder holding the real MNIST training set; tests that need it skip without it."""
    if not (SHARED_MNIST / "train-images-idx3-ubyte.gz").exists():
        pytest.skip("the MNIST training set is not at ../shared/data/mnist")
    return SHARED_MNIST
