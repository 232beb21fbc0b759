"""Helpers shared by the test modules (pytest puts this folder on sys.path)."""

from contextlib import contextmanager

import imageio.v3 as iio
from PIL import Image
from PySide6.QtCore import QSettings, Qt

from ganstudio.gui.app import configure_pyqtgraph
from ganstudio.gui.main_window import MainWindow


def read_gif(path):
    """(frames (n, H, W) uint8, per-frame durations in ms, loop count) of a GIF file.

    The frames are as a viewer shows them (a GIF with a transparent index decodes to RGB,
    its transparent pixels showing the frame before); they must be gray (R = G = B).
    """
    frames = iio.imread(path, index=None)
    if frames.ndim == 4:
        assert (frames == frames[..., :1]).all(), "a GIF frame is not gray"
        frames = frames[..., 0]
    with Image.open(path) as im:
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
        loop = im.info.get("loop")
    return frames, durations, loop


def shown(qtbot, widget, width, height):
    """`widget` resized to width x height, shown and exposed, closed with the test."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def open_window(qtbot, tmp_path, config, **kwargs):
    """A shown MainWindow on `config` with throw-away settings, once its first snapshot is in."""
    configure_pyqtgraph()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(config, settings=settings, **kwargs)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=10_000)
    return window


@contextmanager
def running_window(qtbot, tmp_path, config):
    """`open_window`, closed on exit, asserting that closing ended the training thread."""
    window = open_window(qtbot, tmp_path, config)
    yield window
    window.close()
    assert window.host.thread.isFinished()


def click(qtbot, widget):
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
