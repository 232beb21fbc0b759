"""The class picker in the window: checked boxes are the subset, no box checked says "all"
(an empty class list is refused by the config, so the window never sends one)."""

from test_gui import SMALL

from ganstudio.config import ALL_CLASSES, RunConfig

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
        assert not any(box.isChecked() for box in picker.boxes)
