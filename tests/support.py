"""Helpers shared by the test modules (pytest puts this folder on sys.path)."""

import csv
import gzip
import io
import socket
import struct
from contextlib import contextmanager

import imageio.v3 as iio
import numpy as np
from PIL import Image
from PySide6.QtCore import QSettings, Qt

from ganstudio.data.idx import encode_idx
from ganstudio.gui.theme import configure_pyqtgraph
from ganstudio.gui.window.main_window import MainWindow


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


def open_window(qtbot, tmp_path, config, size=(1500, 900), **kwargs):
    """A shown MainWindow on `config` with throw-away settings, once its first snapshot is in;
    `size` as on a screen that fits its first-launch size (this bare display's 800 x 800 would
    shrink it), None: the size it chose."""
    configure_pyqtgraph()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(config, settings=settings, **kwargs)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
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


MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")


def write_idx_pair(folder, images, labels, gz=True):
    """An MNIST-layout training set in `folder`: images (n, h, w) uint8 and labels (n,) as the
    two IDX files (gzipped, or raw without the .gz suffix); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in zip(MNIST_FILES, (images, labels)):
        payload = encode_idx(array)
        if gz:
            (folder / name).write_bytes(gzip.compress(payload))
        else:
            (folder / name.removesuffix(".gz")).write_bytes(payload)
    return folder


def random_digits(n=50, seed=0):
    """n random 28x28 uint8 images and labels 0..9 in turn: a stand-in MNIST for tests that
    only need the files to exist."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n, dtype=np.uint8) % 10


def go_offline(monkeypatch, tmp_path):
    """A first launch offline, for this process and the CLI processes it starts: a fresh cache
    folder, no GANSTUDIO_DATA_DIR, and the only mirror a 127.0.0.1 port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("GANSTUDIO_MIRRORS", f"http://127.0.0.1:{port}/")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh-cache"))
    monkeypatch.delenv("GANSTUDIO_DATA_DIR", raising=False)


SMALL_CLI = [
    *("--preset", "vanilla", "--set", "data.dataset=synthetic-digits"),
    *("--set", "generator.hidden=32", "--set", "discriminator.hidden=32"),
]  # `train` options for a run small enough for CLI tests, on data that needs no download

SMALL_RUN = {
    "data.dataset": "synthetic-digits",
    "generator.hidden": "32",
    "discriminator.hidden": "32",
    "data.batch_size": "32",
    "view.grid": 4,
}  # a run small enough for window tests: trains fast, needs no download


def read_events(folder):
    """Every Event of the TensorBoard event files directly in `folder`, file by file: TFRecord framing
    (length, masked CRC-32C of the length, the Event protobuf, masked CRC-32C of it) parsed here,
    each record's CRCs checked, the Events decoded with tensorboardX's own protobuf classes."""
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.record_writer import masked_crc32c

    events = []
    for path in sorted(folder.glob("events.out.tfevents.*")):
        data = path.read_bytes()
        at = 0
        while at < len(data):
            header = data[at : at + 8]
            (length,) = struct.unpack("<Q", header)
            assert struct.unpack("<I", data[at + 8 : at + 12])[0] == masked_crc32c(header)
            record = data[at + 12 : at + 12 + length]
            assert struct.unpack("<I", data[at + 12 + length : at + 16 + length])[0] == masked_crc32c(record)
            events.append(Event.FromString(record))
            at += 16 + length
    return events


def logged(folder):
    """(scalars {tag: {step: value}}, images {step: uint8 (H, W)}, texts [(tag, step, text)]) of a run's log."""
    scalars, images, texts = {}, {}, []
    for event in read_events(folder):
        for value in event.summary.value:
            if value.HasField("simple_value"):
                scalars.setdefault(value.tag, {})[event.step] = value.simple_value
            elif value.HasField("image"):
                assert value.tag == "samples"
                images[event.step] = np.asarray(Image.open(io.BytesIO(value.image.encoded_image_string)).convert("L"))
            elif value.metadata.plugin_data.plugin_name == "text":
                texts.append((value.tag, event.step, value.tensor.string_val[0].decode()))
    return scalars, images, sorted(texts)


def hparams_of(folder):
    """({hyperparameter: value}, {metric tag: value}) of a run's log."""
    from tensorboardX.proto.plugin_hparams_pb2 import HParamsPluginData

    hparams, metrics = {}, {}
    for event in read_events(folder / "hparams"):
        for value in event.summary.value:
            if value.metadata.plugin_data.plugin_name == "hparams":
                data = HParamsPluginData.FromString(value.metadata.plugin_data.content)
                if data.HasField("session_start_info"):
                    for key, v in data.session_start_info.hparams.items():
                        hparams[key] = getattr(v, v.WhichOneof("kind"))
            elif value.HasField("simple_value"):
                metrics[value.tag] = value.simple_value
    return hparams, metrics


def history_csv(folder):
    """{step: row {field: text}} of a run folder's history.csv."""
    with open(folder / "history.csv", newline="") as f:
        return {int(row["step"]): row for row in csv.DictReader(f)}
