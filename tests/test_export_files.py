"""PNG and CSV writers, and what every writer does when the disk says no."""

import csv
import errno
import io
import os

import imageio.v3 as iio
import numpy as np
import pytest

import ganstudio.files.atomic as atomic
from ganstudio.files.atomic import WriteError
from ganstudio.media import write_csv, write_gif, write_mp4, write_png


def gradient(h=20, w=30) -> np.ndarray:
    return (np.add.outer(np.arange(h), np.arange(w)) * 4 % 256).astype(np.uint8)


def test_png_round_trips_gray_and_rgb(tmp_path):
    gray = gradient()
    rgb = np.stack([gray, 255 - gray, gray // 2], axis=-1)
    assert np.array_equal(iio.imread(write_png(tmp_path / "g.png", gray)), gray)
    assert np.array_equal(iio.imread(write_png(tmp_path / "c.png", rgb)), rgb)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.png", "g.png"]


def test_png_rejects_other_images(tmp_path):
    with pytest.raises(ValueError):
        write_png(tmp_path / "f.png", np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError):
        write_png(tmp_path / "a.png", np.zeros((4, 4, 4), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_csv_has_a_header_and_exact_values(tmp_path):
    steps = np.arange(0, 500, 100, dtype=np.int64)
    d_loss = np.array([0.1, 0.25, np.nan, 1e-7, 3.0], dtype=np.float32)
    lr = np.full(5, 2e-4)
    path = write_csv(tmp_path / "history.csv", {"step": steps, "d_loss": d_loss, "lr": lr})
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["step", "d_loss", "lr"] and len(rows) == 6
    assert rows[1] == ["0", "0.1", "0.0002"] and rows[3][1] == "nan"
    assert np.array_equal(np.array([r[1] for r in rows[1:]], dtype=np.float32), d_loss, equal_nan=True)
    assert "\r" not in text


def test_csv_rejects_columns_of_different_lengths(tmp_path):
    with pytest.raises(ValueError):
        write_csv(tmp_path / "x.csv", {"a": np.arange(3), "b": np.arange(4)})
    with pytest.raises(ValueError):
        write_csv(tmp_path / "x.csv", {})
    assert list(tmp_path.iterdir()) == []


def _gif(path):
    frames = [gradient() + k for k in range(4)]
    return write_gif(path, frames, [0, 10, 20, 30], label=True).path


WRITERS = {
    "gif": _gif,
    "png": lambda path: write_png(path, gradient(200, 300)),
    "csv": lambda path: write_csv(path, {"step": np.arange(500), "loss": np.linspace(0, 1, 500)}),
}


def mp4(path):
    pytest.importorskip("imageio_ffmpeg")
    return write_mp4(path, [gradient() + k for k in range(4)], fps=4)


ALL_WRITERS = [*WRITERS.items(), ("mp4", mp4)]


@pytest.mark.parametrize("name, write", ALL_WRITERS)
def test_writing_below_a_file_raises_export_error_naming_the_file(tmp_path, name, write):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    target = blocker / f"out.{name}"
    with pytest.raises(WriteError) as info:
        write(target)
    assert str(target) in str(info.value) and "Not a directory" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not_a_folder"]


@pytest.mark.parametrize("name, write", ALL_WRITERS)
def test_writing_into_a_missing_folder_raises_export_error(tmp_path, name, write):
    with pytest.raises(WriteError, match="No such file or directory"):
        write(tmp_path / "missing" / f"out.{name}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
@pytest.mark.parametrize("name, write", WRITERS.items())
def test_writing_into_a_read_only_folder_raises_export_error(tmp_path, name, write):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="Permission denied"):
            write(folder / f"out.{name}")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("name, write", ALL_WRITERS)
def test_a_folder_in_the_way_of_the_target_raises_export_error(tmp_path, name, write):
    (tmp_path / f"out.{name}").mkdir()
    with pytest.raises(WriteError, match="directory"):
        write(tmp_path / f"out.{name}")
    assert [p.name for p in tmp_path.iterdir()] == [f"out.{name}"]


@pytest.mark.parametrize("name, write", WRITERS.items())
@pytest.mark.parametrize("bad", ["", "bad\0name"])
def test_an_unusable_path_raises_export_error(tmp_path, monkeypatch, name, write, bad):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WriteError, match="Could not write"):
        write(bad)
    assert list(tmp_path.iterdir()) == []


def test_a_very_long_file_name_still_gets_a_staging_file(tmp_path):
    target = tmp_path / ("x" * 250 + ".png")
    assert write_png(target, gradient()) == target
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


class _FullDisk(io.FileIO):
    """A file whose device fills up after its first 100 bytes."""

    def write(self, data):
        if self.tell() + len(data) > 100:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


@pytest.mark.parametrize("name, write", WRITERS.items())
def test_a_full_disk_leaves_the_previous_file_and_no_partial_file(tmp_path, monkeypatch, name, write):
    def open_on_full_disk(file, mode="r", *args, **kwargs):
        if mode == "wb":
            return io.BufferedWriter(_FullDisk(file, "w"))
        return open(file, mode, *args, **kwargs)

    monkeypatch.setattr(atomic, "open", open_on_full_disk, raising=False)
    target = tmp_path / f"out.{name}"
    target.write_bytes(b"previous export")
    with pytest.raises(WriteError) as info:
        write(target)
    assert str(info.value) == f"Could not write {str(target)!r}: No space left on device"
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == [f"out.{name}"]


@pytest.mark.parametrize("name, write", ALL_WRITERS)
def test_a_successful_write_replaces_the_previous_file(tmp_path, name, write):
    target = tmp_path / f"out.{name}"
    target.write_bytes(b"previous export")
    assert write(target) == target
    assert target.stat().st_size > 100
    assert [p.name for p in tmp_path.iterdir()] == [f"out.{name}"]
