"""Full, reshuffled mini-batches over a dataset, resumable bit for bit."""

from __future__ import annotations

import numpy as np

from .dataset import Dataset
from .errors import DatasetError


class BatchIterator:
    """Endless full batches ``(batch_size, D)`` float32 from ``dataset.x``.

    Each epoch visits the samples in a fresh random order, a permutation drawn from ``rng``
    (the session's generator; no other randomness is used) when the epoch's first batch is
    taken. An epoch is ``N // batch_size`` full batches; the ``N % batch_size`` samples left
    over at its end are skipped for that epoch (they come up in other epochs' orders).

    The array ``next()`` returns is a buffer reused by the following call: copy it to keep it.
    ``next_labelled()`` gives the same batches with their labels (a conditional run's), taken in
    the same order: labels use no randomness of their own.
    """

    def __init__(self, dataset: Dataset, batch_size: int, rng: np.random.Generator) -> None:
        self._x = dataset.x
        self._labels = dataset.labels
        self._rng = rng
        self._perm: np.ndarray | None = None  # order of the current epoch; None: draw at next()
        self._pos = 0  # index in _perm of the next batch's first sample
        self.epoch = 0  # completed epochs
        self.step_in_epoch = 0  # batches taken in the current epoch
        self.set_batch_size(batch_size)

    @property
    def batch_size(self) -> int:
        return len(self._out)

    @property
    def batches_per_epoch(self) -> int:
        """Full batches in one epoch at the current batch size."""
        return len(self._x) // self.batch_size

    def next(self) -> np.ndarray:
        """The next batch ``(batch_size, D)`` float32 (overwritten by the following call)."""
        return self._take(with_labels=False)

    def next_labelled(self) -> tuple[np.ndarray, np.ndarray]:
        """The next batch and its labels: ``(batch_size, D)`` float32, ``(batch_size,)`` int64,
        both overwritten by the following call. DatasetError for a dataset without labels."""
        if self._labels is None:
            raise DatasetError("this dataset has no labels, so a conditional run cannot be trained on it")
        x = self._take(with_labels=True)
        return x, self._out_labels

    def _take(self, with_labels: bool) -> np.ndarray:
        if self._perm is None:
            self._perm = self._rng.permutation(len(self._x))
            self._pos = 0
        end = self._pos + self.batch_size
        rows = self._perm[self._pos : end]
        np.take(self._x, rows, axis=0, out=self._out)
        if with_labels:
            np.take(self._labels, rows, out=self._out_labels)
        self._pos = end
        self.step_in_epoch += 1
        self._end_epoch_if_exhausted()
        return self._out

    def set_batch_size(self, batch_size: int) -> None:
        """Use ``batch_size`` from the next batch on; the epoch goes on (it ends at once if
        fewer samples than that are left in it)."""
        n = len(self._x)
        if not 1 <= batch_size <= n:
            raise DatasetError(f"batch size {batch_size} does not fit a dataset of {n} samples")
        self._out = np.empty((batch_size, self._x.shape[1]), dtype=self._x.dtype)
        self._out_labels = np.empty(batch_size, np.int64)
        self._end_epoch_if_exhausted()

    def state_dict(self) -> dict:
        """The position in the data order, to resume exactly: ``permutation`` ``(N,)`` int64
        (empty between epochs), ``position``, ``epoch``, ``step_in_epoch``, ``batch_size``."""
        perm = np.empty(0, np.int64) if self._perm is None else self._perm.astype(np.int64)
        return {
            "permutation": perm,
            "position": self._pos,
            "epoch": self.epoch,
            "step_in_epoch": self.step_in_epoch,
            "batch_size": self.batch_size,
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue exactly where the iterator that made ``state`` (:meth:`state_dict`) was."""
        perm = np.asarray(state["permutation"], dtype=np.int64)
        n = len(self._x)
        if perm.size and not np.array_equal(np.sort(perm), np.arange(n)):
            raise DatasetError(f"the saved data order is for a dataset of {perm.size} samples, not this one of {n}")
        self.set_batch_size(int(state["batch_size"]))
        self._perm = perm.copy() if perm.size else None
        self._pos = int(state["position"])
        self.epoch = int(state["epoch"])
        self.step_in_epoch = int(state["step_in_epoch"])

    def _end_epoch_if_exhausted(self) -> None:
        if self._perm is not None and self._pos + self.batch_size > len(self._perm):
            self._perm = None
            self._pos = 0
            self.epoch += 1
            self.step_in_epoch = 0
