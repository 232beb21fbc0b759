"""The layer table under the Generator and Discriminator groups: what the user has built.

One row per weight layer (with its batch norm and activation): its output shape per sample and
its parameter count, then the total, from :func:`ganstudio.engine.network.describe` (nothing is
allocated). When the edited settings do not fit the images, it shows the config's message instead.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ganstudio.engine.convnet import LayerRow
from ganstudio.gui.theme import current_theme


def shape_text(shape: tuple[int, ...]) -> str:
    """(64, 14, 14) -> '64×14×14', (128,) -> '128'."""
    return "×".join(str(s) for s in shape)


class LayerTable(QLabel):
    """A compact read-only table (rich text) of a network's layers, or an error message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.setStyleSheet("font-size: 11px;")
        self.rows: list[LayerRow] = []
        self.error = ""

    def show_rows(self, rows: list[LayerRow]) -> None:
        self.rows, self.error = list(rows), ""
        cells = "".join(
            f"<tr><td>{escape(r.name)}</td><td align='right'>&nbsp;{shape_text(r.shape)}</td>"
            f"<td align='right'>&nbsp;{r.params:,}</td></tr>"
            for r in rows
        )
        total = sum(r.params for r in rows)
        self.setText(
            "<table cellspacing='0' cellpadding='1' width='100%'>"
            "<tr><th align='left'>layer</th><th align='right'>output</th><th align='right'>params</th></tr>"
            f"{cells}<tr><td><b>total</b></td><td></td><td align='right'><b>{total:,}</b></td></tr></table>"
        )
        self.setToolTip("Each layer's output shape per sample (channels×height×width) and its trainable parameters.")

    def show_error(self, message: str) -> None:
        self.rows, self.error = [], message
        self.setText(f"<span style='color: {current_theme().error_text};'>{escape(message)}</span>")
        self.setToolTip(message)
