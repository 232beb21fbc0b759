"""IDX reading and writing: gzip and raw files, and the errors for malformed ones."""

import gzip

import numpy as np
import pytest

from ganstudio.data import DatasetError
from ganstudio.data.idx import encode_idx, parse_idx, read_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_encode_then_parse_round_trips(dtype):
    array = (np.arange(60) - 20).astype(dtype).reshape(3, 4, 5)
    back = parse_idx(encode_idx(array), "mem")
    assert back.dtype == np.dtype(dtype) and back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)


def test_mnist_style_header():
    payload = encode_idx(np.zeros((2, 28, 28), np.uint8))
    assert payload[:16].hex() == "00000803000000020000001c0000001c"


def test_reads_gzip_and_raw_files(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "raw-idx3-ubyte").write_bytes(encode_idx(array))
    (tmp_path / "zipped-idx3-ubyte.gz").write_bytes(gzip.compress(encode_idx(array)))
    np.testing.assert_array_equal(read_idx(tmp_path / "raw-idx3-ubyte"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "zipped-idx3-ubyte.gz"), array)


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    data = gzip.compress(encode_idx(np.arange(1000, dtype=np.uint8)))
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz.*truncated or corrupt"):
        read_idx(path)


def test_wrong_magic_names_the_file(tmp_path):
    path = tmp_path / "labels.idx"
    path.write_bytes(b"\x12\x34\x08\x01" + bytes(8))
    with pytest.raises(DatasetError, match=r"labels.idx: not an IDX file \(wrong magic number 12340801\)"):
        read_idx(path)


def test_payload_shorter_than_header_announces(tmp_path):
    path = tmp_path / "short.idx"
    path.write_bytes(encode_idx(np.zeros((10, 4), np.uint8))[:-3])
    with pytest.raises(DatasetError, match=r"short.idx: the IDX header announces \(10, 4\)"):
        read_idx(path)


def test_missing_file_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="nothing.gz: cannot read the file"):
        read_idx(tmp_path / "nothing.gz")
