"""IDX files, the format of MNIST and its siblings: read (gzip-compressed or raw) and encode.

An IDX file is a 4-byte magic number ``00 00 <dtype code> <ndim>``, then ``ndim`` big-endian
uint32 dimensions, then the values in row-major order.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from .errors import DatasetError

# IDX type codes and the big-endian NumPy dtypes they stand for.
_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in _DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def read_payload(path: Path) -> bytes:
    """The file's content, gunzipped if it starts with the gzip magic bytes (whatever its name)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:
        raise DatasetError(f"{path}: the gzip data is truncated or corrupt ({exc})") from exc


def parse_idx(payload: bytes, source: Path | str) -> np.ndarray:
    """Decode an (uncompressed) IDX payload into an array of its shape, in native byte order.

    ``source`` names the file in error messages. uint8 data is returned without a copy, as a
    read-only view of ``payload``.
    """
    if len(payload) < 4 or payload[0] != 0 or payload[1] != 0 or payload[2] not in _DTYPES:
        raise DatasetError(f"{source}: not an IDX file (wrong magic number {payload[:4].hex()})")
    dtype, ndim = _DTYPES[payload[2]], payload[3]
    header = 4 + 4 * ndim
    if len(payload) < header:
        raise DatasetError(f"{source}: the IDX header is truncated")
    shape = tuple(int(d) for d in np.frombuffer(payload, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(payload) != expected:
        raise DatasetError(
            f"{source}: the IDX header announces {shape} values ({expected} bytes) but the file holds {len(payload)} bytes"
        )
    array = np.frombuffer(payload, dtype, offset=header).reshape(shape)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw, into an array of its shape."""
    return parse_idx(read_payload(path), path)


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX payload (uncompressed) holding ``array``; inverse of :func:`parse_idx`."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX cannot hold dtype {array.dtype}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + np.ascontiguousarray(array, _DTYPES[code]).tobytes()
