"""The live plots as one picture: PNG or SVG through pyqtgraph's exporters, written atomically.

pyqtgraph 0.14.0's SVG exporter cannot read closed paths: Qt 6.11's SVG generator writes
"M0,0 L10,0 L10,5 Z", and `correctCoordinates` expects every token to be an "x,y" pair
(ValueError: not enough values to unpack). Every ViewBox produces such paths (its border and
the clip path of its curves), so no plot exports without help (pyqtgraph issue #3495, fix
proposed in PR #3458). While exporting, `_closed_paths_kept` lets `correctCoordinates` see the
paths without their "Z" tokens and puts the tokens back in place afterwards; with a fixed
pyqtgraph it changes nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QBuffer, QIODevice

from ganstudio.files.atomic import WriteError, atomic_file

CLOSE = "Z"


def export_plots(item: pg.GraphicsLayout, path: str | Path) -> Path:
    """Write `item` (e.g. a GraphicsLayoutWidget's `ci`) as SVG for a .svg name, else as PNG,
    at the size it has on screen. Returns the path; I/O failures raise WriteError."""
    path = Path(path)
    if path.suffix.lower() == ".svg":
        with _closed_paths_kept():
            data = pyqtgraph.exporters.SVGExporter(item).export(toBytes=True)
    else:
        image = pyqtgraph.exporters.ImageExporter(item).export(toBytes=True)
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise WriteError(f"Could not write {str(path)!r}: the plots could not be encoded as PNG")
        data = bytes(buffer.data())
    with atomic_file(path) as fh:
        fh.write(data)
    return path


@contextmanager
def _closed_paths_kept() -> Iterator[None]:
    """Within the block, pyqtgraph's SVG coordinate correction handles closed paths."""
    module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = module.correctCoordinates
    module.correctCoordinates = _keeping_closes(original)
    try:
        yield
    finally:
        module.correctCoordinates = original


def _keeping_closes(correct: Callable) -> Callable:
    """`correct(node, defs, item, options)` run on paths without "Z" tokens, which are then
    put back at their positions (the correction rewrites each coordinate token in place)."""

    def wrapper(node, defs, item, options) -> None:
        closes = {}
        for element in node.getElementsByTagName("path"):
            tokens = element.getAttribute("d").split()
            if CLOSE in tokens:
                closes[element] = [i for i, token in enumerate(tokens) if token == CLOSE]
                element.setAttribute("d", " ".join(t for t in tokens if t != CLOSE))
        correct(node, defs, item, options)
        for element, positions in closes.items():
            tokens = element.getAttribute("d").split()
            for i in positions:
                tokens.insert(i, CLOSE)
            element.setAttribute("d", " ".join(tokens))

    return wrapper
