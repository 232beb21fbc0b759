"""Shared test set-up: Qt runs offscreen; digits for every test that needs digits; the real MNIST
training set for the few tests that need MNIST itself.

- ``digits_dir``: a folder in MNIST's own format (``train-images-idx3-ubyte.gz`` and
  ``train-labels-idx1-ubyte.gz``) holding ``DIGITS`` synthetic digits, written by the tests, and
  a test split (``t10k-*``) of ``HELD_OUT_DIGITS`` others, the runs' held-out digits.
  Loading it as ``mnist`` with ``data_dir=digits_dir`` runs the real MNIST loading code, so every
  test of training, resume and insight runs in any clone, offline, with no download.
- ``mnist_dir``: the folder holding the real MNIST training set, found as the app finds it
  (``GANSTUDIO_DATA_DIR``, else the user cache where the app downloads it), then in
  ``../shared/data/mnist`` beside the project. Only tests of what real MNIST alone gives
  (checksums, exact class counts, figures measured on real digits) use it; they are marked
  ``@pytest.mark.real_mnist("why")`` and skip with that reason when the set is not found.
"""

import atexit
import gzip
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from ganstudio.data.idx import encode_idx
from ganstudio.data.mnist import DATA_DIR_ENV, FAMILIES, data_root, local_source
from ganstudio.data.synthetic_digits import generate_digits

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# runs that tests start without --out or --runs-dir go to a scratch runs folder, never the user's
os.environ["GANSTUDIO_RUNS_DIR"] = tempfile.mkdtemp(prefix="ganstudio-test-runs.")
atexit.register(shutil.rmtree, os.environ["GANSTUDIO_RUNS_DIR"], ignore_errors=True)

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
DIGITS = 1000  # images in the digits_dir fixture (100 of each class)
DIGITS_SEED = 0
HELD_OUT_DIGITS = 1000  # the digits_dir fixture's test split (drawn with seed DIGITS_SEED + 1)
MNIST = FAMILIES["mnist"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "real_mnist(why): the test needs the real MNIST training set (why: what only it gives); uses mnist_dir"
    )


@pytest.fixture(scope="session")
def digits_dir(tmp_path_factory) -> Path:
    """A flat MNIST-format folder of DIGITS synthetic digits (seed DIGITS_SEED) and a test split of
    HELD_OUT_DIGITS others: images (N, 28, 28) uint8 and labels (N,) uint8, gzipped under MNIST's
    standard names. Tests only read it."""
    folder = tmp_path_factory.mktemp("digits")
    images, labels = generate_digits(DIGITS, np.random.default_rng(DIGITS_SEED))
    test_images, test_labels = generate_digits(HELD_OUT_DIGITS, np.random.default_rng(DIGITS_SEED + 1))
    for spec, array in (
        (MNIST.images, images),
        (MNIST.labels, labels.astype(np.uint8)),
        (MNIST.test_images, test_images),
        (MNIST.test_labels, test_labels.astype(np.uint8)),
    ):
        (folder / spec.name).write_bytes(gzip.compress(encode_idx(array), mtime=0))
    return folder


@pytest.fixture(scope="session")
def real_mnist() -> tuple[Path | None, str]:
    """(the folder holding real MNIST's gzipped IDX pair or None, where it was looked for).
    Session-scoped so that the lookup sees the user's GANSTUDIO_DATA_DIR before a test module's
    own fixtures point it elsewhere."""
    roots = (data_root(), SHARED_MNIST)  # GANSTUDIO_DATA_DIR, else the user cache; then ../shared
    for root in roots:
        found = local_source(MNIST, root)
        if isinstance(found, tuple) and [path.name for path in found] == [MNIST.images.name, MNIST.labels.name]:
            return found[0].parent, ""
    return None, " nor ".join(str(root) for root in roots)


@pytest.fixture
def mnist_dir(request, real_mnist) -> Path:
    """The folder holding the real MNIST training set; the test skips, saying why it needs it and
    how to provide it, when the set is not found."""
    marker = request.node.get_closest_marker("real_mnist")
    assert marker is not None and marker.args, (
        "mark a test using mnist_dir with @pytest.mark.real_mnist('why it needs real MNIST')"
    )
    folder, searched = real_mnist
    if folder is None:
        pytest.skip(
            f"needs real MNIST ({marker.args[0]}), not found in {searched}: "
            f"set {DATA_DIR_ENV} to the folder holding {MNIST.images.name} to run it"
        )
    return folder
