"""Looking inside the generator in the window: cells picked on the sample grid with real mouse
clicks, the latent walk between them (strip, stop count, animation, GIF export), a conditional
run's class row, and one cell followed through the recorded frames."""

import numpy as np
from PySide6.QtCore import QPointF, Qt

from ganstudio.config.model import RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.render import GridLayout

from support import SMALL_RUN, click, read_gif, running_window

SIDE = 28 + 2  # a walk's frame: one 28 x 28 digit inside its 1 px border
GIF_SCALE = 4


def click_cell(qtbot, window, cell, adding=False):
    """A left click at the centre of `cell` of the grid on screen (Ctrl held when `adding`)."""
    pixels = window.samples.pixels
    top, left = window.samples.cell_layout().origin(cell)
    h, w = window.samples.cell_layout().image
    at = pixels.mapFromScene(QPointF(left + w / 2, top + h / 2))
    modifier = Qt.KeyboardModifier.ControlModifier if adding else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(pixels.viewport(), Qt.MouseButton.LeftButton, modifier, at)


def shown_cell(window, cell):
    """uint8 (28, 28): `cell` of the sample grid on screen."""
    return window.samples.cell_layout().crop(window.samples.shown_grid, cell)


def strip_images(walk):
    """uint8 (n, 28, 28): the stops of the walk's strip."""
    n = len(walk.frames)
    layout = GridLayout((28, 28), 1, n)
    assert walk.strip.shape == layout.shape
    return np.stack([layout.crop(walk.strip, i) for i in range(n)])


def wait_for_walk(qtbot, window, stops):
    qtbot.waitUntil(lambda: window.walk.walk is not None and len(window.walk.walk.frames) == stops, timeout=10_000)
    return window.walk.walk


def test_picked_cells_walk_between_them_and_the_walk_exports_as_a_gif(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, RunConfig().with_values(SMALL_RUN)) as window:
        panel = window.walk
        assert panel.isVisible() and not panel.stops.isEnabled() and "Ctrl-click" in panel.hint.text()

        click_cell(qtbot, window, 1)  # one cell: followed, but no walk yet
        assert panel.picks == [1] and [mark[4] for mark in window.samples.pixels.marks] == ["1"]
        assert not panel.stops.isEnabled() and not panel.play.isEnabled() and not panel.export_button.isEnabled()
        assert panel.hint.text() == "Cell 1 picked: Ctrl-click another cell to walk from it to that one."

        click_cell(qtbot, window, 14, adding=True)
        walk = wait_for_walk(qtbot, window, panel.stops.value())
        assert panel.picks == [1, 14] and [mark[4] for mark in window.samples.pixels.marks] == ["1", "2"]
        images = strip_images(walk)
        np.testing.assert_array_equal(images[0], shown_cell(window, 1))
        np.testing.assert_array_equal(images[-1], shown_cell(window, 14))
        assert walk.request.weights == window.samples.weights_shown(window.snapshot)
        assert panel.strip.isVisible() and np.array_equal(panel.strip.array, walk.strip)

        panel.stops.setValue(5)
        walk = wait_for_walk(qtbot, window, 5)
        assert len(strip_images(walk)) == 5
        np.testing.assert_array_equal(strip_images(walk)[-1], shown_cell(window, 14))

        click(qtbot, panel.play)  # the animation plays in the strip's viewer
        qtbot.waitUntil(lambda: panel.strip.array.shape == (SIDE, SIDE), timeout=5_000)
        seen = set()
        qtbot.waitUntil(lambda: seen.add(panel.strip.array.tobytes()) or len(seen) == 5, timeout=5_000)
        assert seen == {frame.tobytes() for frame in walk.frames}

        gif = tmp_path / "walk.gif"
        assert window.exports.export_walk(gif) == gif
        frames, _, loop = read_gif(gif)
        assert frames.shape == (5, SIDE * GIF_SCALE, SIDE * GIF_SCALE) and loop == 0
        np.testing.assert_array_equal(frames[0, ::GIF_SCALE, ::GIF_SCALE][1:-1, 1:-1], shown_cell(window, 1))
        np.testing.assert_array_equal(frames[-1, ::GIF_SCALE, ::GIF_SCALE][1:-1, 1:-1], shown_cell(window, 14))

        qtbot.keyClick(window.samples.pixels, Qt.Key.Key_Escape)
        assert panel.picks == [] and panel.walk is None and window.samples.pixels.marks == ()
        assert not panel.strip.isVisible() and not panel.export_button.isEnabled()


def test_a_conditional_run_walks_between_classes_and_draws_one_noise_as_every_class(qtbot, tmp_path):
    config = RunConfig().with_values({**SMALL_RUN, "training.conditional": True})
    with running_window(qtbot, tmp_path, config) as window:
        panel = window.walk
        side = config.view.grid
        click_cell(qtbot, window, 3 * side + 2)  # class 3, column 2
        click_cell(qtbot, window, 8 * side + 2, adding=True)  # class 8, the same noise
        walk = wait_for_walk(qtbot, window, panel.stops.value())
        np.testing.assert_array_equal(strip_images(walk)[0], shown_cell(window, 3 * side + 2))
        np.testing.assert_array_equal(strip_images(walk)[-1], shown_cell(window, 8 * side + 2))

        menu = panel.open_menu(side + 1, None)  # class 1, column 1
        next(action for action in menu.actions() if action.text() == "This noise as every class").trigger()
        walk = wait_for_walk(qtbot, window, 10)
        assert not panel.stops.isEnabled()
        for digit, image in enumerate(strip_images(walk)):
            np.testing.assert_array_equal(image, shown_cell(window, digit * side + 1))


def test_a_followed_cell_shows_its_image_at_every_recorded_frame_and_follows_new_ones(qtbot, tmp_path):
    config = RunConfig().with_values({**SMALL_RUN, "run.record_every": 5})
    with running_window(qtbot, tmp_path, config) as window:
        panel, cell = window.walk, 6

        def follows_every_frame():
            snap = window.snapshot
            layout = window.samples.cell_layout()
            assert panel.follow.steps == snap.frame_steps.tolist()
            for image, frame in zip(panel.follow.images, snap.frames):
                np.testing.assert_array_equal(image, layout.crop(frame, cell))
            assert [panel.follow.item(i).text() for i in range(panel.follow.count())] == [f"{s:,}" for s in snap.frame_steps]

        click(qtbot, window.run_controls.start_button)
        qtbot.waitUntil(lambda: len(window.snapshot.frames) >= 3, timeout=20_000)
        click(qtbot, window.run_controls.pause_button)
        qtbot.waitUntil(lambda: window.snapshot.paused, timeout=5_000)
        window.timeline.go_live()
        click_cell(qtbot, window, cell)
        assert panel.followed == cell and panel.follow.isVisible()
        follows_every_frame()
        recorded = len(panel.follow.steps)

        click(qtbot, window.run_controls.start_button)
        qtbot.waitUntil(lambda: len(window.snapshot.frames) > recorded + 2, timeout=20_000)
        click(qtbot, window.run_controls.pause_button)
        qtbot.waitUntil(lambda: window.snapshot.paused, timeout=5_000)
        follows_every_frame()
        assert len(panel.follow.steps) > recorded


def test_a_2d_run_has_no_walk(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, load_preset("ring8")) as window:
        assert not window.walk.isVisible()
        assert not window.walk.stops.isEnabled() and not window.walk.export_button.isEnabled()
        assert window.samples.cell_layout() is None


def test_the_walk_is_drawn_from_the_weights_the_grid_shows(qtbot, tmp_path):
    config = RunConfig().with_values({**SMALL_RUN, "training.ema": True, "training.ema_decay": 0.9})
    with running_window(qtbot, tmp_path, config) as window:
        click(qtbot, window.run_controls.start_button)
        qtbot.waitUntil(lambda: window.snapshot.step >= 50, timeout=20_000)
        click(qtbot, window.run_controls.pause_button)
        qtbot.waitUntil(lambda: window.snapshot.paused, timeout=5_000)
        click_cell(qtbot, window, 0)
        click_cell(qtbot, window, 5, adding=True)
        ema = wait_for_walk(qtbot, window, window.walk.stops.value())
        assert ema.weights == "EMA"
        np.testing.assert_array_equal(strip_images(ema)[-1], shown_cell(window, 5))

        click(qtbot, window.samples.use_ema)  # the live weights' grid
        qtbot.waitUntil(lambda: window.walk.walk is not None and window.walk.walk.weights == "live", timeout=10_000)
        live = strip_images(window.walk.walk)
        np.testing.assert_array_equal(live[0], shown_cell(window, 0))
        np.testing.assert_array_equal(live[-1], shown_cell(window, 5))
        assert not np.array_equal(live, strip_images(ema))
