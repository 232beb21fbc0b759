"""Is the generator copying? Two windows over the main one: a cell's nearest training images
(the sample grid's context menu) and the memorisation figure of the whole generator (Insight >
Is it copying?).

Each sends a question to the training worker (cmd.FindNearest, cmd.MeasureCopying) and shows
its answer (run/copying.py) when it comes: the GUI never touches weights, and the work runs
between training steps, off the GUI thread, so the window stays responsive meanwhile.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ganstudio.config.model import RunConfig
from ganstudio.gui.theme import Theme, follow_theme, style_plot, translucent
from ganstudio.gui.window.follow_strip import ImageRow
from ganstudio.insight.coverage import REPORT_SAMPLES
from ganstudio.run import commands as cmd
from ganstudio.run.copying import NOT_IMAGES, CopyingFigure, NearestImages

NEAREST_K = 5  # training images shown per space: enough to see whether a cell sits on one of them
SPACE_TITLES = {
    "pixels": "In pixels: Euclidean distance between the images",
    "features": "In the digit classifier's features (those the FID reads): Euclidean distance",
}
HISTOGRAM_BINS = 40
MEANING = (
    "Around 1 (or above, while samples are still rough) the generator draws new images; "
    "well below 1 its samples sit on training images: it memorises."
)


def copying_reason(config: RunConfig | None) -> str:
    """Why a run cannot be asked whether it copies ("" when it can): a 2D run has no images."""
    if config is None:
        return "no run is open"
    return NOT_IMAGES if config.image_shape is None else ""


class NearestDialog(QDialog):
    """A cell's image beside its NEAREST_K nearest training images, in each space searched, with
    each one's distance under it. Signal: request(cmd.FindNearest) when a cell is asked about
    (the window sends it to the worker). `asked`: the question shown; `answer`: its NearestImages
    (None while searching); `rows`: {space: ImageRow}, the cell first, then its neighbours."""

    request = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Nearest training images")
        self.asked: cmd.FindNearest | None = None
        self.answer: NearestImages | None = None
        layout = QVBoxLayout(self)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.titles: dict[str, QLabel] = {}
        self.rows: dict[str, ImageRow] = {}
        for space, title in SPACE_TITLES.items():
            self.titles[space] = QLabel(title)
            self.rows[space] = ImageRow()
            layout.addWidget(self.titles[space])
            layout.addWidget(self.rows[space])
        self._show_rows(())

    def ask(self, cell: int, weights: str) -> None:
        """Ask for `cell`'s nearest training images, drawn from `weights` (as the grid shows)."""
        self.asked, self.answer = cmd.FindNearest(cell, NEAREST_K, weights), None
        self.caption.setText(f"Cell {cell}: searching the training images…")
        self._show_rows(())
        self.request.emit(self.asked)
        self.show()
        self.raise_()

    def show_answer(self, answer: NearestImages) -> None:
        """The worker's answer: shown if it answers the question asked last."""
        if answer.request != self.asked:
            return
        self.answer = answer
        cell = answer.request.cell
        self.caption.setText(
            f"Cell {cell} at step {answer.step:,} ({answer.weights} weights) and its {answer.request.k} nearest "
            f"of the {answer.training_images:,} training images, distance under each. A distance near 0 is a copy."
        )
        for found in answer.found:
            row = self.rows[found.space]
            row.clear()
            row.images = []
            row.size_icons(answer.image.shape, caption_lines=2)
            row.add_image(answer.image, f"cell {cell}\n(G)", f"cell {cell} of the sample grid at step {answer.step:,}")
            for index, distance, image in zip(found.indices, found.distances, found.images):
                tip = f"training image {index:,}: distance {distance:.2f} in {found.space}"
                row.add_image(image, f"#{index:,}\n{distance:.2f}", tip)
        self._show_rows(tuple(found.space for found in answer.found))

    def refuse(self, question, message: str) -> None:
        """The worker could not answer `question`: say why, if it is the one asked last."""
        if question == self.asked:
            self.caption.setText(message[0].upper() + message[1:])
            self._show_rows(())

    def _show_rows(self, spaces: tuple[str, ...]) -> None:
        for space in SPACE_TITLES:
            self.titles[space].setVisible(space in spaces)
            self.rows[space].setVisible(space in spaces)
        self.adjustSize()


class CopyingDialog(QDialog):
    """The memorisation figure: each sample's distance to its nearest training image against the
    same for held-out real images, as two histograms overlaid (each the share of its own set),
    the ratio of their medians in the title and what it means under it. Signal:
    request(cmd.MeasureCopying). `asked`, `answer`: the question and its CopyingFigure (None
    while measuring); `counts`: {"samples", "held_out"} the histograms' counts (n_bins,)."""

    request = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Is it copying?")
        self.asked: cmd.MeasureCopying | None = None
        self.answer: CopyingFigure | None = None
        self.counts: dict[str, np.ndarray] = {}
        self._weights = "ema"
        layout = QVBoxLayout(self)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the figure's two searches report no progress of their own
        layout.addWidget(self.progress)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumSize(520, 300)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "pixel distance to the nearest training image")
        self.plot.setLabel("left", "share of each set (%)")
        self.plot.getPlotItem().setContentsMargins(0, 0, 12, 0)  # room for the last tick label of the distances
        self.curves = {name: self.plot.plot(stepMode="center", fillLevel=0) for name in ("samples", "held_out")}
        layout.addWidget(self.plot, 1)
        self.meaning = QLabel("")
        self.meaning.setWordWrap(True)
        layout.addWidget(self.meaning)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.again = QPushButton("Measure again")
        self.again.setToolTip("Measure the weights the grid shows now (training moves them on).")
        self.again.clicked.connect(lambda: self.ask(self._weights))
        buttons.addWidget(self.again)
        layout.addLayout(buttons)
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        self.theme = theme
        self.plot.setBackground(theme.plot_background)
        style_plot(self.plot.getPlotItem(), theme)
        for name, role in (("samples", "fake"), ("held_out", "real")):
            color = theme.curves[role]
            self.curves[name].setPen(pg.mkPen(color, width=1.5))
            self.curves[name].setBrush(translucent(color, 70))
        if self.answer is not None:
            self._title(self.answer)

    def ask(self, weights: str) -> None:
        """Measure the weights `weights` names (as the grid shows them)."""
        self._weights = weights
        self.asked, self.answer = cmd.MeasureCopying(weights), None
        self.status.setText(
            f"Measuring… {REPORT_SAMPLES:,} samples and as many held-out real images, each against every "
            "training image (a few seconds; training waits meanwhile)."
        )
        self.plot.setTitle("Measuring…", size="10pt")
        self.meaning.setText("")
        self.progress.setVisible(True)
        self.again.setEnabled(False)
        self.request.emit(self.asked)
        self.show()
        self.raise_()

    def show_answer(self, answer: CopyingFigure) -> None:
        """The worker's answer: drawn if it answers the question asked last."""
        if answer.request != self.asked:
            return
        self.answer = answer
        report = answer.report
        sets = {"samples": report.samples, "held_out": report.held_out}
        edges = np.histogram_bin_edges(np.concatenate([report.samples, report.held_out]), bins=HISTOGRAM_BINS)
        self.counts = {}
        for name, distances in sets.items():
            self.curves[name].setVisible(len(distances) > 0)
            if len(distances):
                self.counts[name] = np.histogram(distances, edges)[0]
                self.curves[name].setData(edges, 100.0 * self.counts[name] / len(distances))
        self._title(answer)
        n, m = len(report.samples), len(report.held_out)
        drawn = f"{n:,} samples of the {answer.weights} weights at step {answer.step:,} (noise seed 0, as sample --report)"
        among = f"among the {answer.training_images:,} training images"
        if math.isfinite(report.ratio):
            self.status.setText(f"{drawn} and {m:,} held-out real images, each measured to its nearest {among}.")
            self.meaning.setText(f"Ratio of the medians: {report.ratio:.2f}. {MEANING}")
        else:
            self.status.setText(f"{drawn}, each measured to its nearest {among}.")
            self.meaning.setText(f"No ratio: {report.note}. It compares the samples with real images training never saw.")
        self.progress.setVisible(False)
        self.again.setEnabled(True)

    def refuse(self, question, message: str) -> None:
        """The worker could not answer `question`: say why, if it is the one asked last."""
        if question == self.asked:
            self.status.setText(message[0].upper() + message[1:])
            self.progress.setVisible(False)
            self.again.setEnabled(True)

    def _title(self, answer: CopyingFigure) -> None:
        """The ratio of the medians and the histograms' key, in their colours."""
        report, curves = answer.report, self.theme.curves
        ratio = f"Median ratio {report.ratio:.2f}" if math.isfinite(report.ratio) else "No held-out real images"
        keys = [("fake", f"{len(report.samples):,} samples")]
        if len(report.held_out):
            keys.append(("real", f"{len(report.held_out):,} held-out real images"))
        key = "&nbsp;&nbsp;".join(f"<span style='color:{curves[role]}'>&#9632; {text}</span>" for role, text in keys)
        self.plot.setTitle(f"{ratio}&nbsp;&nbsp;&nbsp;{key}", size="10pt")
