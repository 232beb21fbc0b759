"""Where a run's data comes from, in words for the status bar, and whether a folder the user
picks holds a dataset (checked before the run is opened on it). Needs no Qt."""

from __future__ import annotations

from pathlib import Path

from ganstudio.config.model import RunConfig
from ganstudio.data.mnist import FAMILIES, data_root, local_source


def data_source(config: RunConfig, data_dir: str | None) -> str:
    """Where the data of a run on `config` comes from when MNIST-family datasets are looked for
    in `data_dir` (None: the default cache): "mnist from /data/mnist", "synthetic-digits, drawn
    by GAN Studio", "folder from ~/pictures"."""
    name = config.data.dataset
    if name in FAMILIES:
        found = local_source(FAMILIES[name], data_root(data_dir))
        if found is None:
            return f"{name} from {data_root(data_dir)}"
        return f"{name} from {found[0].parent if isinstance(found, tuple) else found}"
    if name == "folder":
        return f"folder from {config.data.folder}"
    return f"{name}, drawn by GAN Studio"


def missing_from(dataset: str, folder: str) -> str | None:
    """Why `folder` cannot serve the MNIST-family `dataset`, or None when it holds its training
    set (as the loader finds it: the IDX pair or a Keras .npz, flat or in a `dataset` folder)."""
    family = FAMILIES[dataset]
    if local_source(family, Path(folder)) is not None:
        return None
    return (
        f"{folder}: no {family.title} there (looked for {family.images.name} and {family.labels.name}, "
        f"or {dataset}.npz, in it and in its {dataset}/ folder)"
    )
