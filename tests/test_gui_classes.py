"""The class picker in the window: checked boxes are the subset, "All" (checked exactly when
no class is) says every class (an empty class list is refused by the config, so the window
never sends one)."""

from test_gui import SMALL

from ganstudio.config.model import ALL_CLASSES, RunConfig

from support import click, running_window


def test_unchecking_the_last_class_trains_on_every_class_again(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, RunConfig().with_values(SMALL)) as window:
        picker = window.controls.editors["data.classes"]
        with qtbot.waitSignal(window.controls.edited) as sent:
            click(qtbot, picker.boxes[3])
        assert sent.args == ["data.classes", (3,)]
        qtbot.waitUntil(lambda: window.snapshot.config.data.classes == (3,), timeout=10_000)
        with qtbot.waitSignal(window.controls.edited) as sent:
            click(qtbot, picker.boxes[3])
        assert sent.args == ["data.classes", ALL_CLASSES]
        qtbot.waitUntil(lambda: window.snapshot.config.data.classes == (), timeout=10_000)
        assert not window.banner.isVisible()
        assert not any(box.isChecked() for box in picker.boxes) and picker.all_box.isChecked()


def test_checking_all_clears_the_chosen_classes(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, RunConfig().with_values(SMALL)) as window:
        picker = window.controls.editors["data.classes"]
        click(qtbot, picker.boxes[3])
        click(qtbot, picker.boxes[5])
        qtbot.waitUntil(lambda: window.snapshot.config.data.classes == (3, 5), timeout=10_000)
        assert not picker.all_box.isChecked()
        with qtbot.waitSignal(window.controls.edited) as sent:
            click(qtbot, picker.all_box)
        assert sent.args == ["data.classes", ALL_CLASSES]
        qtbot.waitUntil(lambda: window.snapshot.config.data.classes == (), timeout=10_000)
        assert not any(box.isChecked() for box in picker.boxes)
