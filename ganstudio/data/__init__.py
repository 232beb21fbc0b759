"""Datasets: the MNIST family with a download cache, the embedded synthetic-digits, 2D toy
distributions and image folders. No Qt here.

Typical use::

    dataset = load_dataset("mnist", classes=[3], value_range=(-1.0, 1.0), progress=report)
    batches = BatchIterator(dataset, batch_size=64, rng=session_rng)
    x = batches.next()  # (64, 784) float32, reused by the following next()
"""

from .dataset import Dataset
from .errors import DatasetError, OfflineError
from .iterator import BatchIterator
from .load import CLASS_NAMES, DATASET_NAMES, DIGIT_DATASETS, load_dataset
from .mnist import default_data_dir
from .toys import TOY_NAMES, toy_spec

__all__ = [
    "BatchIterator",
    "CLASS_NAMES",
    "DATASET_NAMES",
    "DIGIT_DATASETS",
    "Dataset",
    "DatasetError",
    "OfflineError",
    "TOY_NAMES",
    "default_data_dir",
    "load_dataset",
    "toy_spec",
]
