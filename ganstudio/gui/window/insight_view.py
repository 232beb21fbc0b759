"""Insight views beside the samples: the latest figures and the class/mode histogram as bars,
and the active warnings in plain words (coverage and quality over time are rows of the plots)."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ganstudio.gui.plots import MeteredPlotWidget
from ganstudio.gui.theme import Theme, follow_theme, label_style, style_plot
from ganstudio.insight.coverage import RECOGNISABLE_PROBABILITY
from ganstudio.insight.warnings import TrainingWarning
from ganstudio.run.snapshot import Snapshot

WAITING = "Insight: the first report comes after run.insight_every steps."


def describe(snap: Snapshot) -> str:
    """One line with the latest insight figures."""
    latest = {name: float(values[-1]) for name, (_, values) in snap.insight_series.items() if len(values)}
    if not latest:
        return WAITING
    if snap.insight_kind == "digits":
        accuracy = latest.get("class_accuracy", np.nan)
        return (
            f"classes covered {latest['classes_covered']:.0f}/10{recognisable_text(latest)}   FID {latest['fid']:.1f}   "
            f"confidence {latest['mean_confidence']:.2f}   diversity {latest['diversity']:.2f}"
            + (f"   class accuracy {accuracy:.0%}" if np.isfinite(accuracy) else "")
            + precision_text(latest)
        )
    if snap.insight_kind == "modes":
        modes = len(snap.histogram) if snap.histogram is not None else 0
        return (
            f"modes covered {latest['modes_covered']:.0f}/{modes}   high-quality {latest['high_quality']:.0f}%   "
            f"diversity {latest['diversity']:.2f}" + precision_text(latest)
        )
    return f"diversity {latest['diversity']:.2f}"


def precision_text(latest: dict[str, float]) -> str:
    """ "   precision 0.71  recall 0.45" after the other figures; empty where they are not
    measured (no held-out data; NaN)."""
    precision, recall = latest.get("precision", np.nan), latest.get("recall", np.nan)
    return f"   precision {precision:.2f}  recall {recall:.2f}" if np.isfinite(precision) else ""


def recognisable_text(latest: dict[str, float]) -> str:
    """ " (recognisable 49%)" after the classes covered; empty for points of a checkpoint saved
    before the share was measured (NaN)."""
    share = latest.get("recognisable", np.nan)
    return f" (recognisable {share:.0f}%)" if np.isfinite(share) else ""


class HistogramView(QWidget):
    """The latest report: a summary line and the share of all samples recognised as each digit
    (or high-quality on each mode) as bars, with the 5% line that counts a class as covered. For a conditional run the bars are
    the class accuracy instead: per digit asked for, the share of its samples the classifier
    reads as that digit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(WAITING)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.plot = MeteredPlotWidget()
        self.plot.setFixedHeight(130)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setYRange(0, 0.5)
        self.covered_line = self.plot.addLine(y=0.05)
        self.plot.setToolTip(
            "Share of all generated samples the classifier recognises as each digit (top probability >= "
            f"{RECOGNISABLE_PROBABILITY:g}), or "
            "high-quality samples per mode (2D); dashed: the 5% that counts as covered."
        )
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.8)
        self.plot.addItem(self.bars)
        layout.addWidget(self.plot)
        self._shown: np.ndarray | None = None
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        self.plot.setBackground(theme.plot_background)
        style_plot(self.plot.getPlotItem(), theme)
        self.covered_line.setPen(pg.mkPen(theme.marker, style=Qt.PenStyle.DashLine))
        self.bars.setOpts(brush=theme.bar)

    def show_snapshot(self, snap: Snapshot) -> None:
        self.summary.setText(snap.insight_error or describe(snap))
        accuracy = snap.class_accuracy is not None
        shares = np.nan_to_num(snap.class_accuracy) if accuracy else snap.histogram
        self.plot.setVisible(shares is not None)
        if shares is None or (self._shown is not None and np.array_equal(shares, self._shown)):
            return
        self._shown = shares
        self.bars.setOpts(x=np.arange(len(shares)), height=shares)
        self.plot.setXRange(-0.6, len(shares) - 0.4, padding=0)
        self.plot.setYRange(0, 1.05 if accuracy else max(0.25, float(shares.max()) * 1.1), padding=0)
        label = "digit asked for (share read as it)" if accuracy else "digit" if snap.insight_kind == "digits" else "mode"
        self.plot.getPlotItem().setLabel("bottom", label)


class WarningsBox(QLabel):
    """The active warnings, each with what was seen and what usually helps; hidden when none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVisible(False)
        self._shown: tuple[TrainingWarning, ...] = ()
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        self.setStyleSheet(label_style(*theme.warning_box))

    def show_warnings(self, warnings: tuple[TrainingWarning, ...]) -> None:
        if warnings == self._shown:
            return
        self._shown = warnings
        self.setVisible(bool(warnings))
        self.setText(
            "<br>".join(
                f"<b>&#9888; {html.escape(w.title)}</b> (since step {w.since:,}): {html.escape(w.message)} "
                f"<i>Try: {html.escape('; '.join(w.remedies))}.</i>"
                for w in warnings
            )
        )
