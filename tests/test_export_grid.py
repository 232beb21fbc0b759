"""Sample grids, upscaling and the built-in bitmap font."""

import string
import subprocess
import sys

import numpy as np
import pytest

from ganstudio.media import draw_text, make_grid, upscale
from ganstudio.render.font import text_mask, text_size


def test_grid_of_64_mnist_sized_samples_is_233_square_with_samples_in_place():
    rng = np.random.default_rng(0)
    samples = rng.uniform(-1, 1, (64, 28 * 28)).astype(np.float32)
    grid = make_grid(samples, (28, 28))
    assert grid.shape == (233, 233) and grid.dtype == np.uint8
    expected = np.round((samples + 1) * 127.5).astype(np.uint8).reshape(64, 28, 28)
    # sample 10 sits in row 1, column 2 (8 per row), after 1-pixel separators
    assert np.array_equal(grid[1 + 29 : 1 + 29 + 28, 1 + 58 : 1 + 58 + 28], expected[10])
    assert (grid[0, :] == 0).all() and (grid[:, 29] == 0).all() and (grid[-1, :] == 0).all()


def test_grid_columns_empty_cells_padding_and_value_range():
    samples = np.arange(5, dtype=np.float32)[:, None].repeat(6, axis=1)  # five 2x3 images
    grid = make_grid(samples, (2, 3), ncols=2, value_range=(0, 4), pad=2, pad_value=7)
    assert grid.shape == (3 * 4 + 2, 2 * 5 + 2)
    assert grid[2, 2] == 0 and grid[2, 7] == 64 and grid[6, 2] == 128  # 0, 1, 2 of 4
    assert (grid[10:12, 7:10] == 7).all()  # the sixth cell is empty: pad_value
    assert (grid[:2] == 7).all() and (grid[:, -2:] == 7).all()


def test_grid_clips_out_of_range_and_nan_values():
    samples = np.array([[-5.0, 5.0, np.nan, 0.0]], dtype=np.float32)
    grid = make_grid(samples, (2, 2), pad=0)
    assert grid.tolist() == [[0, 255], [0, 128]]


@pytest.mark.parametrize("shape", [(64, 100), (0, 784)])
def test_grid_rejects_samples_of_the_wrong_size(shape):
    with pytest.raises(ValueError):
        make_grid(np.zeros(shape, np.float32), (28, 28))


def test_upscale_repeats_each_pixel_into_a_block():
    img = np.array([[1, 2], [3, 4]], dtype=np.uint8)
    assert upscale(img, 2).tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    rgb = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    assert upscale(rgb, 3).shape == (6, 6, 3) and (upscale(rgb, 3)[5, 5] == rgb[1, 1]).all()
    assert np.array_equal(upscale(img, 1), img)
    with pytest.raises(ValueError):
        upscale(img, 0)


def test_every_printable_character_has_its_own_glyph():
    masks = {c: text_mask(c).tobytes() for c in string.printable[:95]}
    assert len(set(masks.values())) == 95
    assert not text_mask(" ").any() and text_mask("8").sum() > text_mask("1").sum()
    assert np.array_equal(text_mask("é"), text_mask("?"))


def test_draw_text_fills_a_box_and_writes_glyphs_inside_it():
    img = np.full((20, 80), 200, dtype=np.uint8)
    box = draw_text(img, "step 1,234", 3, 4, value=255, background=0)
    w, h = text_size("step 1,234")
    assert box == (3, 4, 3 + w, 4 + h) and (w, h) == (61, 9)
    inside = img[4 : 4 + h, 3 : 3 + w]
    assert set(np.unique(inside)) == {0, 255}
    assert (inside[0] == 0).all() and (inside[:, 0] == 0).all()  # a one-pixel margin
    assert np.array_equal(inside[1:-1, 1:-1] == 255, text_mask("step 1,234"))
    img[4 : 4 + h, 3 : 3 + w] = 200
    assert (img == 200).all()  # nothing drawn outside the box


def test_draw_text_scales_clips_and_can_skip_the_background():
    img = np.full((10, 30), 9, dtype=np.uint8)
    box = draw_text(img, "12", 20, 5, scale=2, value=255, background=None)
    assert box == (20, 5, 30, 10)
    assert set(np.unique(img)) == {9, 255}
    assert img[:5].max() == 9 and img[:, :20].max() == 9
    assert draw_text(img, "x", 40, 0) == (40, 0, 40, 0)


def test_export_and_recording_never_import_qt():
    code = (
        "import sys, ganstudio.media, ganstudio.record.frames;"
        "sys.exit(any(m.split('.')[0] in ('PySide6', 'pyqtgraph') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
