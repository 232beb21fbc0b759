"""The MNIST family (MNIST, Fashion-MNIST, KMNIST): find the training set, or download it.

Where the files are looked for, under a root folder (``data_dir``, else
:func:`default_data_dir`):

1. the root itself, holding the standard names directly (a "flat" folder such as
   ``../shared/data/mnist/``): ``train-images-idx3-ubyte.gz`` and ``train-labels-idx1-ubyte.gz``
   (or the same names without ``.gz``, uncompressed), or a Keras-style ``mnist.npz``;
2. the cache layout, ``<root>/<dataset name>/`` holding the same names.

If neither has the pair, the missing files are downloaded into ``<root>/<dataset name>/``.

The test split (``t10k-*``, 10,000 images) is the run's held-out set, never trained on: it is
looked for beside the training set (or in a Keras archive's ``x_test``/``y_test``), then in the
cache, and downloaded into the cache when the training set is there too. A user's own folder
is never written to: a test split missing there is named, not fetched (:func:`load_held_out`).

Loading checks structure (IDX magic numbers, shapes, matching counts, labels 0-9); downloads are
checked strictly before they enter the cache: the decompressed payload's MD5 where a reliable one
is published (MNIST), else the exact expected structure (Fashion-MNIST and KMNIST publish MD5s
of their .gz archives only, which no longer match once a mirror re-compresses them).
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

from .download import Progress, download, mirrors_from_env
from .errors import DatasetError, OfflineError
from .idx import parse_idx, read_idx, read_payload

DATA_DIR_ENV = "GANSTUDIO_DATA_DIR"
N_TRAIN = 60_000
N_TEST = 10_000


@dataclass(frozen=True)
class IdxFile:
    """One file of a training set: its standard name, exact shape and, if known, the MD5 of its
    decompressed payload."""

    name: str
    shape: tuple[int, ...]
    md5: str | None = None


@dataclass(frozen=True)
class Family:
    """A member of the MNIST family: where to download it and what its files must hold."""

    name: str
    title: str
    mirrors: tuple[str, ...]
    images: IdxFile
    labels: IdxFile
    test_images: IdxFile
    test_labels: IdxFile
    class_names: tuple[str, ...]


def _files(md5s: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None)) -> dict:
    """The four IdxFiles of a family; `md5s`: of the training images, training labels, test
    images and test labels, in that order."""
    return {
        "images": IdxFile("train-images-idx3-ubyte.gz", (N_TRAIN, 28, 28), md5s[0]),
        "labels": IdxFile("train-labels-idx1-ubyte.gz", (N_TRAIN,), md5s[1]),
        "test_images": IdxFile("t10k-images-idx3-ubyte.gz", (N_TEST, 28, 28), md5s[2]),
        "test_labels": IdxFile("t10k-labels-idx1-ubyte.gz", (N_TEST,), md5s[3]),
    }


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "mnist",
            "MNIST",
            (
                "https://ossci-datasets.s3.amazonaws.com/mnist/",
                "https://storage.googleapis.com/cvdf-datasets/mnist/",
                "http://yann.lecun.com/exdb/mnist/",
            ),
            class_names=tuple("0123456789"),
            **_files(
                (
                    "6bbc9ace898e44ae57da46a324031adb",
                    "a25bea736e30d166cdddb491f175f624",
                    "2646ac647ad5339dbf082846283269ea",
                    "27ae3e4e09519cfbb04c329615203637",
                )
            ),
        ),
        Family(
            "fashion-mnist",
            "Fashion-MNIST",
            (
                "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
            ),
            class_names=(
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ),
            **_files(),
        ),
        Family(
            "kmnist",
            "KMNIST",
            (
                "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
                "https://codh.rois.ac.jp/kmnist/dataset/kmnist/",
            ),
            class_names=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
            **_files(),
        ),
    )
}


def default_data_dir() -> Path:
    """Root of the dataset cache: ``$GANSTUDIO_DATA_DIR`` if set, else the user cache folder
    (e.g. ``~/.cache/ganstudio`` on Linux). Each dataset has its own subfolder there."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("ganstudio", appauthor=False))


def load_family(
    name: str,
    data_dir: str | Path | None = None,
    *,
    download_missing: bool = True,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The training set of family member ``name``: images ``(N, h, w)`` uint8, labels ``(N,)``.

    Looks in ``data_dir`` (see the module docstring); downloads what is missing into
    ``<data_dir>/<name>/`` when ``download_missing``, else raises :class:`OfflineError`.
    ``progress(done, total)`` reports the bytes of each file being downloaded.
    """
    family = FAMILIES[name]
    root = data_root(data_dir)
    cache = root / family.name
    found = local_source(family, root)
    if isinstance(found, tuple):
        return _read_pair(family, *found)
    if found is not None:
        return _read_npz(family, found)
    missing = [spec for spec in (family.images, family.labels) if not _find(cache, spec)]
    mirrors = mirrors_from_env(family.mirrors)
    if not download_missing:
        raise _offline(family, cache, mirrors, "downloading is turned off", f"{family.title} is not on this computer.")
    for spec in missing:
        try:
            download(spec.name, cache, mirrors, _strict_check(family, spec), progress)
        except OfflineError as exc:
            raise _offline(family, cache, mirrors, str(exc), f"{family.title} could not be downloaded: {exc.cause}.") from exc
    return _read_pair(family, _find(cache, family.images), _find(cache, family.labels))


def load_held_out(
    name: str,
    data_dir: str | Path | None = None,
    *,
    download_missing: bool = True,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The test split of family member ``name``, whose training set :func:`load_family` found:
    images ``(M, h, w)`` uint8, labels ``(M,)``.

    Looked for beside the training files (a Keras archive's ``x_test``/``y_test``), then in the
    cache ``<data_dir>/<name>/``; downloaded there only when the training set is in the cache
    too and ``download_missing``. Raises :class:`DatasetError` (:class:`OfflineError` for a
    failed download) saying which files are missing where.
    """
    family = FAMILIES[name]
    root = data_root(data_dir)
    cache = root / family.name
    found = local_source(family, root)
    if isinstance(found, Path):
        return _read_npz(family, found, "test")
    specs = (family.test_images, family.test_labels)
    training_folder = cache if found is None else found[0].parent
    for folder in dict.fromkeys((training_folder, cache)):
        pair = [_find(folder, spec) for spec in specs]
        if all(pair):
            return _read_pair(family, *pair)
    files = f"{family.test_images.name} and {family.test_labels.name}"
    if training_folder != cache or not download_missing:
        raise DatasetError(f"{family.title}'s test set ({files}) is not in {training_folder}")
    mirrors = mirrors_from_env(family.mirrors)
    for spec in specs:
        if not _find(cache, spec):
            try:
                download(spec.name, cache, mirrors, _strict_check(family, spec), progress)
            except OfflineError as exc:
                raise OfflineError(f"{family.title}'s test set could not be downloaded ({exc.cause or exc})") from exc
    return _read_pair(family, *(_find(cache, spec) for spec in specs))


def on_disk(name: str, data_dir: str | Path | None = None) -> bool:
    """Whether family member ``name``'s training set is in ``data_dir`` (as :func:`load_family`
    looks for it), so that loading it needs no download. Reads no file."""
    return local_source(FAMILIES[name], data_root(data_dir)) is not None


def data_root(data_dir: str | Path | None = None) -> Path:
    """The folder datasets are looked for in: ``data_dir`` if given, else :func:`default_data_dir`."""
    return Path(data_dir).expanduser() if data_dir is not None else default_data_dir()


def local_source(family: Family, root: Path) -> tuple[Path, Path] | Path | None:
    """Where :func:`load_family` finds ``family``'s training set without downloading: the
    (images, labels) IDX pair or a Keras-style .npz, in ``root`` or else ``root/<name>``; None
    when neither holds it."""
    for folder in (root, root / family.name):
        images, labels = _find(folder, family.images), _find(folder, family.labels)
        if images and labels:
            return images, labels
        npz = folder / f"{family.name}.npz"
        if npz.is_file():
            return npz
    return None


def _find(folder: Path, spec: IdxFile) -> Path | None:
    """The file ``spec`` in ``folder``, gzipped or not, or None."""
    for candidate in (folder / spec.name, folder / spec.name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _read_pair(family: Family, images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    _check_pair(family, images, labels, f"{images_path} and {labels_path}")
    return images, labels


def _read_npz(family: Family, path: Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """``x_<split>`` and ``y_<split>`` of a Keras-style ``.npz`` (split: "train" or "test")."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = sorted({f"x_{split}", f"y_{split}"} - set(archive.files))
            if missing:
                raise DatasetError(f"{path}: not a Keras-style archive (no {' or '.join(missing)})")
            images, labels = archive[f"x_{split}"], archive[f"y_{split}"]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"{path}: cannot read the archive ({exc})") from exc
    _check_pair(family, images, labels, str(path))
    return images, labels


def _check_pair(family: Family, images: np.ndarray, labels: np.ndarray, source: str) -> None:
    """Raise :class:`DatasetError` unless images are ``(N, h, w)`` uint8 and labels ``(N,)``
    integers 0..9."""
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetError(f"{source}: expected {family.title} images as (N, h, w) uint8, found {images.shape} {images.dtype}")
    if labels.ndim != 1 or labels.dtype.kind not in "ui":
        raise DatasetError(f"{source}: expected labels as (N,) integers, found {labels.shape} {labels.dtype}")
    if len(images) != len(labels):
        raise DatasetError(f"{source}: {len(images)} images but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(family.class_names)):
        raise DatasetError(f"{source}: labels must be 0..{len(family.class_names) - 1}")


def _strict_check(family: Family, spec: IdxFile):
    """A check for a downloaded copy of ``spec``: the published MD5 of the decompressed payload
    if known, and always the exact expected shape."""

    def check(path: Path) -> None:
        payload = read_payload(path)
        if spec.md5 is not None:
            digest = hashlib.md5(payload).hexdigest()
            if digest != spec.md5:
                raise DatasetError(f"{spec.name}: checksum mismatch (decompressed MD5 {digest}, {family.title} has {spec.md5})")
        array = parse_idx(payload, spec.name)
        if array.shape != spec.shape or array.dtype != np.uint8:
            raise DatasetError(f"{spec.name}: expected {spec.shape} uint8 for {family.title}, found {array.shape} {array.dtype}")
        if array.ndim == 1 and array.max(initial=0) >= len(family.class_names):
            raise DatasetError(f"{spec.name}: labels must be 0..{len(family.class_names) - 1}")

    return check


def _offline(family: Family, cache: Path, mirrors: tuple[str, ...], reason: str, headline: str) -> OfflineError:
    """The error for a missing `family`: `headline` in one sentence, and the message: the
    headline, which files to put where, the offline dataset, then the mirrors' failures
    (`reason`) as details."""
    where = f" from {mirrors[0]}" if mirrors else ""
    return OfflineError(
        f"{headline} Download {family.images.name} and {family.labels.name}{where} "
        f"into {cache} (or any folder given as --data-dir or GANSTUDIO_DATA_DIR), "
        f"or train on the built-in 'synthetic-digits' dataset, which needs no network. "
        f"Details: {reason}.",
        headline=headline,
    )
