"""A conditional run in the window: the sample grid has one labelled row per class, the Samples
dock's class picker chooses the rows, and the conditional switch waits for Apply to G and D."""

import numpy as np
from PySide6.QtCore import Qt

from ganstudio.config.model import RunConfig
from ganstudio.render import label_rows

from support import SMALL_RUN, click, running_window

CELL = 28 + 1  # a 28 x 28 sample and its 1 px separator


def label_column(names):
    """The label column the grid of rows `names` must show on its left."""
    blank = np.zeros((len(names) * CELL + 1, 4 * CELL + 1), np.uint8)
    labelled = label_rows(blank, names, 28)
    return labelled[:, : labelled.shape[1] - blank.shape[1]]


def test_the_grid_shows_one_labelled_row_per_class_and_the_picker_chooses_them(qtbot, tmp_path):
    config = RunConfig().with_values({**SMALL_RUN, "training.conditional": True})
    with running_window(qtbot, tmp_path, config) as window:
        samples = window.samples
        assert samples.class_row.isVisible()
        grid = samples.shown_grid
        expected = label_column(list("0123456789"))
        assert grid.shape == (10 * CELL + 1, expected.shape[1] + 4 * CELL + 1)
        np.testing.assert_array_equal(grid[:, : expected.shape[1]], expected)

        picker = samples.class_picker
        assert picker.all_box.isChecked() and not any(box.isChecked() for box in picker.boxes)
        click(qtbot, picker.all_box)  # unchecking "All" with no class chosen: it stays
        assert picker.all_box.isChecked()
        with qtbot.waitSignal(samples.classes_changed) as sent:
            click(qtbot, samples.class_picker.boxes[7])
        assert sent.args == [(7,)] and not picker.all_box.isChecked()
        click(qtbot, samples.class_picker.boxes[3])
        qtbot.waitUntil(lambda: window.snapshot.config.view.classes == (3, 7), timeout=10_000)
        qtbot.waitUntil(lambda: samples.shown_grid.shape[0] == 2 * CELL + 1, timeout=10_000)
        expected = label_column(["3", "7"])
        np.testing.assert_array_equal(samples.shown_grid[:, : expected.shape[1]], expected)
        assert [box.isChecked() for box in samples.class_picker.boxes] == [d in (3, 7) for d in range(10)]
        with qtbot.waitSignal(samples.classes_changed) as sent:
            click(qtbot, picker.all_box)
        assert sent.args == ["all"] and not any(box.isChecked() for box in picker.boxes)
        qtbot.waitUntil(lambda: samples.shown_grid.shape[0] == 10 * CELL + 1, timeout=10_000)
        assert not window.banner.isVisible()


def test_the_conditional_switch_is_pending_until_applied_to_both_networks(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, RunConfig().with_values(SMALL_RUN)) as window:
        assert not window.samples.class_row.isVisible()
        rows_before = window.samples.shown_grid.shape
        switch = window.controls.editors["training.conditional"]
        window.controls.ensureWidgetVisible(switch)
        switch.click()  # as a click on its box (a text-less check box's centre lies right of the box)
        button = window.controls.apply_buttons["both"]
        qtbot.waitUntil(button.isEnabled, timeout=5_000)
        assert window.snapshot.pending == {"training.conditional": True}
        assert "conditional" in window.controls.pending_labels["both"].text()
        assert not window.controls.apply_buttons["g"].isEnabled() and not window.controls.apply_buttons["d"].isEnabled()
        assert not window.snapshot.config.training.conditional
        click(qtbot, button)
        qtbot.waitUntil(lambda: window.snapshot.config.training.conditional, timeout=10_000)
        assert window.snapshot.pending == {} and not button.isEnabled()
        qtbot.waitUntil(window.samples.class_row.isVisible, timeout=10_000)
        assert window.samples.shown_grid.shape[0] == 10 * CELL + 1 != rows_before[0]


def test_a_conditional_run_refuses_a_dataset_without_labels_in_the_banner(qtbot, tmp_path):
    config = RunConfig().with_values({**SMALL_RUN, "training.conditional": True})
    with running_window(qtbot, tmp_path, config) as window:
        window.controls.editors["data.dataset"].setCurrentText("ring8")
        qtbot.waitUntil(window.banner.isVisible, timeout=5_000)
        assert (
            "training.conditional: the dataset 'ring8' has no class labels, so it cannot be conditioned" in window.banner.text()
        )
        assert window.snapshot.config.data.dataset == "synthetic-digits"
        assert window.controls.editors["data.dataset"].currentText() == "synthetic-digits"


def test_the_grid_box_reads_rows_by_columns_and_an_early_note_says_rows_differ_later(qtbot, tmp_path):
    config = RunConfig().with_values({**SMALL_RUN, "training.conditional": True, "view.grid": 8})
    with running_window(qtbot, tmp_path, config) as window:
        samples = window.samples
        assert samples.grid_size.text() == "10 x 8"  # ten rows, one per digit, of eight samples
        assert samples.shown_grid.shape[0] == 10 * CELL + 1
        assert samples.conditioning_note.isVisible() and "a few thousand steps" in samples.conditioning_note.text()
        samples.grid_size.lineEdit().selectAll()
        qtbot.keyClicks(samples.grid_size.lineEdit(), "10 x 6")  # the columns are what the box edits
        qtbot.keyClick(samples.grid_size.lineEdit(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.snapshot.config.view.grid == 6, timeout=10_000)
        assert samples.grid_size.text() == "10 x 6"
        click(qtbot, samples.class_picker.boxes[3])
        qtbot.waitUntil(lambda: samples.grid_size.text() == "1 x 6", timeout=10_000)
    plain = RunConfig().with_values({**SMALL_RUN, "view.grid": 8})
    with running_window(qtbot, tmp_path, plain) as window:
        assert window.samples.grid_size.text() == "8 x 8" and not window.samples.conditioning_note.isVisible()
