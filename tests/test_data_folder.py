"""Image folders: any PNG/JPEG images, to grayscale, centre-cropped and resized."""

from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from ganstudio.data import DatasetError, load_dataset
from ganstudio.data.folder import HOLD_OUT_FROM, is_held_out, load_folder, read_gray


def test_png_and_jpeg_grayscale_resized(tmp_path):
    gray = np.zeros((56, 56), np.uint8)
    gray[10:46, 26:30] = 255  # a vertical bar
    iio.imwrite(tmp_path / "a.png", gray)
    rgb = np.zeros((40, 40, 3), np.uint8)
    rgb[..., 1] = 200  # pure green
    iio.imwrite(tmp_path / "b.JPG", rgb)
    (tmp_path / "notes.txt").write_text("not an image")

    dataset = load_dataset("folder", folder=tmp_path, value_range=(0.0, 1.0))
    assert dataset.name == "folder" and dataset.labels is None
    assert dataset.x.shape == (2, 784) and dataset.image_shape == (28, 28)
    bar = dataset.x[0].reshape(28, 28)  # files in sorted order: a.png first
    assert bar[14, 13:15].min() > 0.9 and bar[14, :8].max() < 0.05
    green = dataset.x[1].reshape(28, 28)
    np.testing.assert_allclose(green, 0.587 * 200 / 255, atol=0.03)  # luminance of the green


def test_rgba_transparent_is_black_and_16_bit_is_scaled(tmp_path):
    rgba = np.full((8, 8, 4), 255, np.uint8)
    rgba[:, :4, 3] = 0  # left half transparent
    iio.imwrite(tmp_path / "rgba.png", rgba)
    gray = read_gray(tmp_path / "rgba.png")
    assert gray[:, :4].max() == 0 and gray[:, 4:].min() == 255

    iio.imwrite(tmp_path / "deep.png", np.full((4, 4), 200 * 257, np.uint16))
    assert read_gray(tmp_path / "deep.png").tolist() == [[200] * 4] * 4


def test_centre_crop_subfolders_hidden_files_and_size(tmp_path):
    wide = np.zeros((20, 60), np.uint8)
    wide[:, 20:40] = 255  # only the centre square is white
    (tmp_path / "sub").mkdir()
    iio.imwrite(tmp_path / "sub" / "wide.png", wide)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.png").write_bytes(b"junk")
    (tmp_path / "._wide.png").write_bytes(b"resource fork junk")
    images = load_folder(tmp_path, 16).train
    assert images.shape == (1, 16, 16) and images.min() >= 250


def test_unreadable_image_names_the_file(tmp_path):
    iio.imwrite(tmp_path / "good.png", np.zeros((5, 5), np.uint8))
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DatasetError, match=r"broken.png: cannot read this image"):
        load_dataset("folder", folder=tmp_path)


def test_folder_without_images(tmp_path):
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(DatasetError, match=f"{tmp_path}: no PNG or JPEG images in this folder"):
        load_dataset("folder", folder=tmp_path)


def test_missing_folder_and_no_folder_given(tmp_path):
    with pytest.raises(DatasetError, match="nowhere: no such folder"):
        load_dataset("folder", folder=tmp_path / "nowhere")
    with pytest.raises(DatasetError, match="no image folder given"):
        load_dataset("folder")


def test_folder_has_no_classes(tmp_path):
    iio.imwrite(tmp_path / "a.png", np.zeros((5, 5), np.uint8))
    with pytest.raises(DatasetError, match="folder: this dataset has no labels"):
        load_dataset("folder", folder=tmp_path, classes=[1])


def write_numbered_images(folder, names, first=0):
    """A 6 x 6 PNG per name, each a different gray level (first + its index), so images tell their file."""
    for i, name in enumerate(names):
        iio.imwrite(folder / name, np.full((6, 6), first + i, np.uint8))


def levels(x):
    return set(x[:, 0].round().astype(int).tolist())


def test_a_tenth_of_a_folder_is_held_out_by_file_name(tmp_path):
    names = [f"img{i:03d}.png" for i in range(200)]
    write_numbered_images(tmp_path, names)
    dataset = load_dataset("folder", folder=tmp_path, image_size=6, value_range=(0.0, 255.0))
    held = {i for i, name in enumerate(names) if is_held_out(Path(name))}
    assert 10 <= len(held) <= 30  # about a tenth
    assert levels(dataset.held_out) == held and levels(dataset.x).isdisjoint(held)  # training never sees them
    assert len(dataset) + len(held) == 200

    write_numbered_images(tmp_path, [f"more{i:03d}.png" for i in range(50)], first=200)
    again = load_dataset("folder", folder=tmp_path, image_size=6, value_range=(0.0, 255.0))
    assert levels(again.held_out) & set(range(200)) == held  # each old file kept its side


def test_a_small_folder_holds_nothing_out_and_says_why(tmp_path):
    write_numbered_images(tmp_path, [f"img{i:03d}.png" for i in range(HOLD_OUT_FROM - 1)])
    dataset = load_dataset("folder", folder=tmp_path, image_size=6)
    assert len(dataset) == HOLD_OUT_FROM - 1 and dataset.held_out is None
    assert (
        dataset.held_out_note
        == f"{tmp_path} has {HOLD_OUT_FROM - 1} images; from {HOLD_OUT_FROM} on, a tenth is held out from training"
    )
