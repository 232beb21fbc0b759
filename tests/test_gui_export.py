"""Recording and export in the desktop app: the timeline, the Export dialog and the File menu's
export entries, driven through real widgets (pytest-qt, offscreen) and checked on real files."""

import csv
import sys
import xml.dom.minidom
from dataclasses import replace

import imageio.v3 as iio
import numpy as np
import onnxruntime
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from ganstudio.config.model import RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.gui.theme import current_theme
from ganstudio.media import LossPanel
from ganstudio.media.compose import LABEL_STRIP, FrameComposer
from ganstudio.media.onnx_export import MISSING_ONNX
from ganstudio.media.video import MISSING_FFMPEG
from ganstudio.record.history import FIELDS
from ganstudio.render import make_grid
from ganstudio.render.scatter import AXIS_RGB, FAKE_RGB, REAL_RGB, TEXT_RGB, plot_points
from ganstudio.run.state import fixed_noise

from support import SMALL_RUN, click, read_gif, running_window

SMALL = {**SMALL_RUN, "view.record_every": 2}


@pytest.fixture
def window(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, RunConfig().with_values(SMALL)) as w:
        yield w


def type_into(qtbot, spin, value):
    """Replace a spin box's text the way a user does: select all, type, Enter."""
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), str(value))
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert spin.value() == value


def train_and_pause(qtbot, window, frames):
    """Train until at least `frames` grids are recorded, then pause (the frames stay put)."""
    click(qtbot, window.run_controls.start_button)
    qtbot.waitUntil(lambda: len(window.snapshot.frames) >= frames, timeout=20_000)
    click(qtbot, window.run_controls.pause_button)
    qtbot.waitUntil(lambda: window.snapshot.paused, timeout=5_000)
    return window.snapshot


def menu_action(window, text):
    file_menu = window.menuBar().actions()[0].menu()
    return next(a for a in file_menu.actions() if a.text() == text)


def open_dialog(window):
    menu_action(window, "Export GIF/MP4…").trigger()
    dialog = window.exports.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def expected_frames(snap, **options):
    """The frames the export layer composes for these options, independently of the dialog."""
    steps, d_loss = snap.series["d_loss"]
    panel = LossPanel(steps, d_loss, snap.series["g_loss"][1])
    return FrameComposer(*reversed(snap.film()), loss_panel=panel, **options)


# -- timeline -------------------------------------------------------------------------------------
def test_timeline_follows_live_training_at_its_right_end(qtbot, window):
    timeline = window.timeline
    click(qtbot, window.run_controls.start_button)
    qtbot.waitUntil(lambda: len(window.snapshot.frames) >= 6, timeout=20_000)
    qtbot.waitUntil(lambda: timeline.slider.maximum() == len(window.snapshot.frames), timeout=5_000)
    assert timeline.is_live and timeline.slider.value() == timeline.slider.maximum()
    assert timeline.label.text().startswith("live") and not timeline.live_button.isEnabled()
    assert f"frames {len(window.snapshot.frames)}" in window.status.text()


def test_timeline_scrubs_recorded_frames_marks_the_step_and_returns_to_live(qtbot, window):
    snap = train_and_pause(qtbot, window, 10)
    timeline, samples, plots = window.timeline, window.samples, window.plots
    slider = timeline.slider
    assert slider.maximum() == len(snap.frames) and slider.value() == slider.maximum()

    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    for _ in range(3):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    step = int(snap.frame_steps[3])
    assert not timeline.is_live and timeline.shown_step == step
    assert np.array_equal(samples.shown_grid, snap.frames[3])
    assert f"step {step:,}" in timeline.label.text() and "frame 4 of" in timeline.label.text()
    assert samples.caption.text() == f"recorded at step {step:,}"
    assert plots.frame_cursor.isVisible() and plots.frame_cursor.value() == step
    assert plots.frame_cursor.getViewBox() is plots.plots["loss"].vb

    # Training goes on: the slider's end grows, the recorded frame stays on show.
    click(qtbot, window.run_controls.start_button)
    qtbot.waitUntil(lambda: slider.maximum() > len(snap.frames) + 3, timeout=20_000)
    assert slider.value() == 3 and np.array_equal(samples.shown_grid, snap.frames[3])

    click(qtbot, timeline.live_button)
    assert timeline.is_live and slider.value() == slider.maximum()
    assert not plots.frame_cursor.isVisible() and not timeline.live_button.isEnabled()
    qtbot.waitUntil(lambda: np.array_equal(samples.shown_grid, window.snapshot.grid), timeout=5_000)

    qtbot.keyClick(slider, Qt.Key.Key_Home)  # scrub again, then drag to the end: live again
    assert not timeline.is_live
    qtbot.keyClick(slider, Qt.Key.Key_End)
    assert timeline.is_live and not plots.frame_cursor.isVisible()


def test_scrubbed_frame_stays_selected_when_the_recorder_thins(qtbot, window):
    snap = train_and_pause(qtbot, window, 9)
    timeline = window.timeline
    timeline.slider.setValue(4)
    step = timeline.shown_step
    # What the recorder does past its budget: keep every other frame (the first and the newest).
    thinned = replace(snap, frame_steps=snap.frame_steps[::2], frames=snap.frames[::2])
    timeline.show_snapshot(thinned)
    assert timeline.slider.value() == 2 and timeline.shown_step == step
    assert timeline.slider.maximum() == len(thinned.frames)
    assert f"frame 3 of {len(thinned.frames)}" in timeline.label.text()
    timeline.slider.setValue(3)  # a frame that the next thinning drops: the nearest one is shown
    step = timeline.shown_step
    twice = replace(thinned, frame_steps=thinned.frame_steps[::2], frames=thinned.frames[::2])
    timeline.show_snapshot(twice)
    i = timeline.slider.value()
    assert abs(int(twice.frame_steps[i]) - step) == np.abs(twice.frame_steps - step).min()
    assert timeline.shown_step == int(twice.frame_steps[i]) and np.array_equal(window.samples.shown_grid, twice.frames[i])
    assert window.plots.frame_cursor.value() == timeline.shown_step


def test_reset_while_scrubbing_returns_to_live(qtbot, window):
    train_and_pause(qtbot, window, 4)
    window.timeline.slider.setValue(1)
    assert not window.timeline.is_live
    click(qtbot, window.run_controls.reset_button)
    qtbot.waitUntil(lambda: window.snapshot.step == 0, timeout=5_000)
    assert window.timeline.is_live and not window.plots.frame_cursor.isVisible()
    assert window.timeline.label.text() == "no frames recorded yet" and not window.timeline.slider.isEnabled()
    assert not window.timeline.live_button.isEnabled()


# -- the Export dialog ----------------------------------------------------------------------------
def test_export_dialog_previews_and_writes_the_chosen_gif(qtbot, window, tmp_path):
    snap = train_and_pause(qtbot, window, 12)
    dialog = open_dialog(window)
    assert dialog.panel.isChecked() and dialog.label.isChecked() and dialog.format.currentText() == "GIF"
    assert dialog.last.value() == len(snap.film()[1]) - 1
    type_into(qtbot, dialog.first, 2)
    type_into(qtbot, dialog.last, 9)
    type_into(qtbot, dialog.fps, 20)
    type_into(qtbot, dialog.scale, 3)
    click(qtbot, dialog.label)  # no step label
    assert not dialog.label.isChecked()

    expected = expected_frames(snap, scale=3, label=False, start=2, stop=10)
    assert np.array_equal(dialog.first_preview.frame, expected[0])
    assert np.array_equal(dialog.last_preview.frame, expected[7])
    shown = dialog.first_preview.image  # what the preview paints is that very frame
    rows = np.frombuffer(shown.constBits(), np.uint8).reshape(shown.height(), shown.bytesPerLine())
    assert np.array_equal(rows[:, : shown.width()], expected[0])
    assert dialog.first_preview.rect().contains(dialog.first_preview.target())
    assert dialog.first_caption.text() == f"first: step {int(snap.frame_steps[2]):,}"
    assert dialog.last_caption.text() == f"last: step {int(snap.frame_steps[9]):,}"
    height, width = expected.shape
    assert dialog.size_info.text().startswith(f"{width} x {height} px")
    assert "8 frames" in dialog.range_info.text()
    qtbot.waitUntil(lambda: not dialog.estimating, timeout=10_000)  # well within the default 10 MB: exact
    assert dialog.estimate.text() == f"≈ {dialog.plan.estimate / 1e6:.1f} MB: exact grays, all 8 frames"

    click(qtbot, dialog.label)  # options change the preview: the label is back
    labelled = expected_frames(snap, scale=3, label=True, start=2, stop=10)
    assert np.array_equal(dialog.first_preview.frame, labelled[0])

    target = tmp_path / "run.gif"
    dialog.path.setText(str(target))
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.state != "exporting", timeout=20_000)
    assert dialog.state == "written", dialog.status.text()
    assert str(target) in dialog.status.text() and dialog.progress.value() == dialog.progress.maximum() == 8
    assert dialog.status.text().endswith("(limit 10 MB): exact grays, all 8 frames.")

    frames, durations, loop = read_gif(target)
    native_height = max(f.shape[0] for f in snap.frames)
    assert frames.shape == (8, *labelled.shape) and labelled.shape[0] == (LABEL_STRIP + native_height) * 3
    assert durations == [50] * 8 and loop == 0
    assert all(np.array_equal(frames[i], labelled[i]) for i in range(8))
    assert all((frames[i] != frames[i + 1]).any() for i in range(7))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.gif", "settings.ini"]


def test_the_exported_gif_ends_on_the_runs_step_with_the_samples_shown(qtbot, window, tmp_path):
    """Frames are recorded every 2 steps; paused on an odd step, the GIF still ends on it: the
    recorded frames, then the grid the window shows at that step."""
    snap = train_and_pause(qtbot, window, 3)
    if snap.step % 2 == 0:
        click(qtbot, window.run_controls.step_button)
        qtbot.waitUntil(lambda: window.snapshot.step == snap.step + 1, timeout=5_000)
        snap = window.snapshot
    assert int(snap.frame_steps[-1]) == snap.step - 1
    dialog = open_dialog(window)
    assert dialog.last_caption.text() == f"last: step {snap.step:,}"
    dialog.path.setText(str(tmp_path / "run.gif"))
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.state != "exporting", timeout=20_000)
    assert dialog.state == "written", dialog.status.text()
    frames, _, _ = read_gif(tmp_path / "run.gif")
    steps, d_loss = snap.series["d_loss"]
    panel = LossPanel(steps, d_loss, snap.series["g_loss"][1])
    film = FrameComposer(
        [*snap.frames, window.samples.shown_grid], [*snap.frame_steps, snap.step], scale=2, label=True, loss_panel=panel
    )
    assert len(frames) == len(snap.frames) + 1 and np.array_equal(frames[-1], film[len(film) - 1])


def test_size_limit_is_estimated_as_options_change_and_met_by_the_export(qtbot, window, tmp_path):
    snap = train_and_pause(qtbot, window, 30)
    dialog = open_dialog(window)
    dialog.max_mb.setValue(0)  # no limit: how many frames the run recorded before the pause depends on the machine
    qtbot.waitUntil(lambda: not dialog.estimating, timeout=10_000)
    exact = dialog.plan
    assert exact.levels == 256 and exact.stride == 1
    type_into(qtbot, dialog.scale, 3)  # a bigger picture, a bigger estimate
    assert dialog.estimating and dialog.estimate.text() == "estimating…"
    qtbot.waitUntil(lambda: not dialog.estimating, timeout=10_000)
    assert dialog.plan.levels == 256 and dialog.plan.estimate > 1.5 * exact.estimate
    limit = round(dialog.plan.estimate / 2e6, 2)  # half the exact size: fewer gray levels
    assert limit >= 0.05
    dialog.max_mb.setValue(limit)
    qtbot.waitUntil(lambda: not dialog.estimating, timeout=10_000)
    plan = dialog.plan
    assert plan.levels < 256 and plan.stride == 1 and plan.estimate <= limit * 1e6
    assert (
        dialog.estimate.text()
        == f"≈ {plan.estimate / 1e6:.1f} MB: {plan.levels} gray levels (each pixel within {plan.max_error}), "
        f"all {len(snap.film()[1])} frames"
    )

    target = tmp_path / "small.gif"
    dialog.path.setText(str(target))
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.state != "exporting", timeout=30_000)
    assert dialog.state == "written", dialog.status.text()
    assert target.stat().st_size <= limit * 1e6
    assert dialog.status.text().endswith(f"(limit {limit:g} MB): {plan.describe()}.")
    frames, _, _ = read_gif(target)
    expected = expected_frames(snap, scale=3, label=True)
    assert len(frames) == len(expected)
    assert max(int(np.abs(frames[i].astype(int) - expected[i]).max()) for i in range(len(frames))) <= plan.max_error

    dialog.max_mb.setValue(0.01)  # not even two frames fit: one clear message, and the export says why
    qtbot.waitUntil(lambda: not dialog.estimating, timeout=10_000)
    assert dialog.plan is None and dialog.estimate.text().startswith("cannot fit in 0.01 MB")
    assert current_theme().error_text in dialog.estimate.styleSheet()
    dialog.path.setText(str(tmp_path / "tiny.gif"))
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.state != "exporting", timeout=30_000)
    assert dialog.state == "failed" and "cannot fit in 0.01 MB" in dialog.status.text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.ini", "small.gif"]

    dialog.max_mb.setValue(0)  # no limit: exact
    assert dialog.max_mb.text() == "no limit"
    qtbot.waitUntil(lambda: not dialog.estimating, timeout=10_000)
    assert dialog.plan.levels == 256 and dialog.plan.max_bytes is None
    dialog.format.setCurrentText("MP4")  # no size limit for videos
    assert not dialog.max_mb.isEnabled() and dialog.estimate.text() == "" and not dialog.estimating


def start_big_export(qtbot, window, target):
    """Open the dialog on >= 40 frames and start an export at scale 8 (it takes a while)."""
    train_and_pause(qtbot, window, 40)
    dialog = open_dialog(window)
    type_into(qtbot, dialog.scale, 8)
    dialog.path.setText(str(target))
    click(qtbot, dialog.export_button)
    assert dialog.state == "exporting" and not dialog.export_button.isEnabled() and not dialog.options.isEnabled()
    return dialog


def test_training_continues_during_an_export(qtbot, window, tmp_path):
    seen = []  # (step, dialog state) of every snapshot the window shows
    window.snapshot_shown.connect(lambda snap: seen.append((snap.step, window.exports.dialog and window.exports.dialog.state)))
    click(qtbot, window.run_controls.start_button)
    qtbot.waitUntil(lambda: len(window.snapshot.frames) >= 40, timeout=20_000)
    dialog = open_dialog(window)
    type_into(qtbot, dialog.scale, 4)
    dialog.path.setText(str(tmp_path / "big.gif"))
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.state != "exporting", timeout=30_000)
    assert dialog.state == "written", dialog.status.text()
    during = [step for step, state in seen if state == "exporting"]
    assert len(during) >= 2 and during[-1] > during[0]  # trained and painted meanwhile
    assert len(read_gif(tmp_path / "big.gif")[0]) == len(dialog.frames)


def test_cancel_stops_the_export_and_leaves_no_file(qtbot, window, tmp_path):
    dialog = start_big_export(qtbot, window, tmp_path / "big.gif")
    qtbot.waitUntil(lambda: dialog.progress.value() >= 1, timeout=20_000)
    click(qtbot, dialog.cancel_button)
    qtbot.waitUntil(lambda: dialog.state != "exporting", timeout=20_000)
    assert dialog.state == "cancelled" and dialog.status.text() == "Export cancelled; nothing was written."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.ini"]
    assert dialog.export_button.isEnabled() and dialog.options.isEnabled()


@pytest.mark.parametrize("where", ["missing folder", "parent is a file"])
def test_a_failing_export_shows_one_clear_error_and_leaves_no_file(qtbot, window, tmp_path, where):
    train_and_pause(qtbot, window, 4)
    (tmp_path / "file").write_text("not a folder")
    target = tmp_path / ("no-such-folder" if where == "missing folder" else "file") / "run.gif"
    dialog = open_dialog(window)
    dialog.path.setText(str(target))
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.state != "exporting", timeout=10_000)
    assert dialog.state == "failed"
    reason = "No such file or directory" if where == "missing folder" else "Not a directory"
    assert dialog.status.text() == f"Could not write {str(target)!r}: {reason}"
    assert current_theme().error_text in dialog.status.styleSheet()  # shown as an error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "settings.ini"]
    assert dialog.export_button.isEnabled() and dialog.options.isEnabled()


def test_mp4_export_pads_to_macro_blocks(qtbot, window, tmp_path):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    snap = train_and_pause(qtbot, window, 6)
    dialog = open_dialog(window)
    dialog.path.setText(str(tmp_path / "run.gif"))
    dialog.format.setCurrentText("MP4")
    assert dialog.path.text() == str(tmp_path / "run.mp4") and not dialog.loop.isEnabled()
    expected = expected_frames(snap, scale=2, label=True, block=16)
    assert np.array_equal(dialog.first_preview.frame, expected[0]) and expected.shape[0] % 16 == 0
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.state != "exporting", timeout=30_000)
    assert dialog.state == "written", dialog.status.text()
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "run.mp4"))
    assert frames == len(snap.film()[1])


def test_mp4_without_imageio_ffmpeg_shows_the_install_hint(qtbot, window, tmp_path, monkeypatch):
    train_and_pause(qtbot, window, 3)
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails as if not installed
    dialog = open_dialog(window)
    dialog.format.setCurrentText("MP4")
    dialog.path.setText(str(tmp_path / "run.mp4"))
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.state != "exporting", timeout=10_000)
    assert dialog.state == "failed" and dialog.status.text() == MISSING_FFMPEG
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.ini"]


def test_dialog_before_any_frame_explains_and_cannot_export(qtbot, window):
    dialog = open_dialog(window)
    assert not dialog.export_button.isEnabled() and not dialog.options.isEnabled()
    assert dialog.first_preview.frame is None


def test_closing_the_window_cancels_a_running_export(qtbot, window, tmp_path):
    dialog = start_big_export(qtbot, window, tmp_path / "big.gif")
    qtbot.waitUntil(lambda: dialog.progress.value() >= 1, timeout=20_000)
    window.close()
    assert window.exports.dialog is None and window.host.thread.isFinished()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.ini"]


# -- File menu: grid PNG, history CSV, plots PNG/SVG ----------------------------------------------
def test_sample_grid_png_is_the_current_grid(qtbot, window, tmp_path):
    snap = train_and_pause(qtbot, window, 2)
    path = window.exports.save_grid_png(tmp_path / "grid.png")
    assert np.array_equal(iio.imread(path), snap.grid)


def test_a_2d_runs_png_is_the_samples_in_colour_over_the_real_points(qtbot, tmp_path):
    """As `ganstudio sample` draws a 2D run: grey real points, orange samples, a framed plot with
    tick labels and a caption naming the dataset and step."""
    with running_window(qtbot, tmp_path, load_preset("ring8")) as window:
        snap = window.snapshot
        image = iio.imread(window.exports.save_grid_png(tmp_path / "points.png"))
    caption = f"ring8, step {snap.step:,}"
    assert np.array_equal(image, plot_points(snap.points, snap.real_points, snap.heatmap_extent, caption=caption))
    for colour in (REAL_RGB, FAKE_RGB, AXIS_RGB, TEXT_RGB):
        assert np.all(image == colour, axis=-1).any(), colour


def test_history_csv_has_a_step_column_and_every_field(qtbot, window, tmp_path):
    snap = train_and_pause(qtbot, window, 2)
    path = window.exports.export_history_csv(tmp_path / "history.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    steps, d_loss = snap.series["d_loss"]
    assert rows[0] == ["step", *FIELDS] and len(rows) == len(steps) + 1
    assert [int(r[0]) for r in rows[1:]] == steps.tolist()
    assert np.allclose([float(r[1]) for r in rows[1:]], d_loss)


def test_plots_export_as_png_and_svg(qtbot, window, tmp_path):
    train_and_pause(qtbot, window, 2)
    window.timeline.slider.setValue(0)  # the frame cursor is part of the picture too
    png = iio.imread(window.exports.export_plots(tmp_path / "plots.png"))
    graphics = window.plots.graphics
    assert png.shape[:2] == (graphics.height(), graphics.width()) and png.std() > 0
    text = window.exports.export_plots(tmp_path / "plots.svg").read_text(encoding="utf-8")
    assert "<svg" in text and "Losses" in text
    xml.dom.minidom.parseString(text)  # well-formed


def test_menu_entries_ask_for_a_file_and_report(qtbot, window, tmp_path, monkeypatch):
    train_and_pause(qtbot, window, 2)
    chosen = {"path": str(tmp_path / "history"), "filter": "CSV table (*.csv)"}
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (chosen["path"], chosen["filter"])))
    menu_action(window, "Export history as CSV…").trigger()
    assert (tmp_path / "history.csv").exists()  # the chosen filter's suffix was added
    assert "Saved" in window.statusBar().currentMessage()

    chosen.update(path=str(tmp_path / "plots"), filter="SVG drawing (*.svg)")
    menu_action(window, "Export plots as PNG/SVG…").trigger()
    assert (tmp_path / "plots.svg").read_text().lstrip().startswith("<?xml")

    chosen.update(path=str(tmp_path / "missing" / "grid.png"), filter="PNG image (*.png)")
    menu_action(window, "Save sample grid as PNG…").trigger()
    assert window.banner.isVisible() and "No such file or directory" in window.banner.text()
    assert not (tmp_path / "missing").exists()


def test_export_generator_writes_the_generator_the_sample_view_shows_as_onnx(qtbot, window, tmp_path, monkeypatch):
    snap = train_and_pause(qtbot, window, 2)
    path = tmp_path / "generator.onnx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "ONNX model (*.onnx)")))
    menu_action(window, "Export generator…").trigger()
    qtbot.waitUntil(lambda: "Generator exported" in window.statusBar().currentMessage(), timeout=10_000)
    assert f"{path}, weights: last, step {snap.step:,}" in window.statusBar().currentMessage()
    config, side = snap.config, snap.config.view.grid
    runtime = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    images = runtime.run(["images"], {"z": fixed_noise(config)[: side * side]})[0]
    grid = make_grid(images.reshape(side * side, -1), config.image_shape, ncols=side, value_range=config.value_range)
    shown = window.samples.grid_of(snap)[0]
    assert np.abs(grid.astype(int) - shown).max() <= 1  # the same samples, but for rounding to gray levels


def test_export_generator_without_the_onnx_extra_says_how_to_install_it(qtbot, window, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import fails as if not installed
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: pytest.fail("no file is asked for")))
    menu_action(window, "Export generator…").trigger()
    assert window.banner.isVisible() and window.banner.text() == MISSING_ONNX
