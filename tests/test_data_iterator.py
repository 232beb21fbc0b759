"""BatchIterator: full reshuffled batches from the session's generator, resumable bit for bit."""

import numpy as np
import pytest

from ganstudio.data import BatchIterator, Dataset, DatasetError


def numbered(n, d=3):
    """Sample i is the row (i, i, ..., i): batches show which samples they hold."""
    return Dataset("ring8", np.repeat(np.arange(n, dtype=np.float32)[:, None], d, axis=1), None, None)


def ids(batch):
    return batch[:, 0].astype(int).tolist()


def test_epochs_are_permutations_drawn_from_the_given_rng():
    it = BatchIterator(numbered(10), 3, np.random.default_rng(42))
    twin = np.random.default_rng(42)
    assert it.batches_per_epoch == 3
    for epoch in range(4):
        order = twin.permutation(10)
        assert it.epoch == epoch and it.step_in_epoch == 0
        for step in range(3):
            batch = it.next()
            assert batch.shape == (3, 3) and batch.dtype == np.float32
            assert ids(batch) == order[3 * step : 3 * step + 3].tolist()
        # the sample left over (10 = 3 * 3 + 1) is skipped: full batches only
    assert it.epoch == 4


def test_the_returned_buffer_is_reused():
    it = BatchIterator(numbered(8), 4, np.random.default_rng(0))
    first = it.next()
    kept = first.copy()
    second = it.next()
    assert second is first and not np.array_equal(kept, second)


def test_set_batch_size_keeps_the_epoch():
    it = BatchIterator(numbered(12), 4, np.random.default_rng(1))
    twin_order = np.random.default_rng(1).permutation(12)
    it.next()
    it.set_batch_size(2)
    assert it.batch_size == 2 and it.batches_per_epoch == 6 and it.epoch == 0
    assert ids(it.next()) == twin_order[4:6].tolist()
    it.set_batch_size(5)  # 6 samples left: one more batch of 5 in this epoch
    assert ids(it.next()) == twin_order[6:11].tolist()
    assert it.epoch == 1 and it.step_in_epoch == 0
    assert it.next().shape == (5, 3)


def test_set_batch_size_larger_than_the_rest_ends_the_epoch():
    it = BatchIterator(numbered(10), 4, np.random.default_rng(1))
    it.next()
    it.next()
    it.set_batch_size(3)  # 2 samples left
    assert it.epoch == 1 and it.step_in_epoch == 0


def test_state_dict_resumes_bit_exact():
    data = Dataset(
        "mnist",
        np.random.default_rng(0).random((50, 6), dtype=np.float32),
        np.zeros(50, np.int64),
        (2, 3),
    )
    rng = np.random.default_rng(7)
    it = BatchIterator(data, 8, rng)
    for _ in range(9):
        it.next()
    state, rng_state = it.state_dict(), rng.bit_generator.state
    assert set(state) >= {"permutation", "position", "epoch"}
    expected = [it.next().copy() for _ in range(20)]

    rng2 = np.random.default_rng()
    rng2.bit_generator.state = rng_state
    resumed = BatchIterator(data, 32, rng2)
    resumed.load_state_dict(state)
    assert (resumed.epoch, resumed.step_in_epoch, resumed.batch_size) == (1, 3, 8)
    for batch in expected:
        np.testing.assert_array_equal(resumed.next(), batch)


def test_state_between_epochs():
    it = BatchIterator(numbered(4), 2, np.random.default_rng(3))
    it.next()
    it.next()
    state = it.state_dict()
    assert state["permutation"].size == 0 and state["epoch"] == 1
    other = BatchIterator(numbered(4), 2, np.random.default_rng(3))
    other.load_state_dict(state)
    assert other.epoch == 1


def test_state_of_another_dataset_is_refused():
    state = BatchIterator(numbered(10), 2, np.random.default_rng(0))
    state.next()
    with pytest.raises(DatasetError, match="dataset of 10 samples, not this one of 12"):
        BatchIterator(numbered(12), 2, np.random.default_rng(0)).load_state_dict(state.state_dict())


def test_batch_size_must_fit():
    with pytest.raises(DatasetError, match="batch size 11 does not fit a dataset of 10 samples"):
        BatchIterator(numbered(10), 11, np.random.default_rng(0))
    it = BatchIterator(numbered(10), 10, np.random.default_rng(0))
    assert it.batches_per_epoch == 1 and sorted(ids(it.next())) == list(range(10))
    with pytest.raises(DatasetError):
        it.set_batch_size(0)
