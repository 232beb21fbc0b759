"""The compared runs' curves overlaid on one step axis: the main plots' groups (losses, D output,
learning rates, gradient norms) and the quality figures of each kind of data among the runs,
each run in its own colour, with the main plots' smoothing. `render_plots` draws the same
widget offscreen for `ganstudio compare --png/--svg`."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ganstudio.gui.export.plot_export import export_plots
from ganstudio.gui.plots import (
    INSIGHT_SERIES,
    INSIGHT_SHARES,
    LEARNING_RATES,
    PLOTS,
    PRDC_CURVES,
    SMOOTHED,
    TITLE_SIZE,
    nearest_index,
    scale_lr_axis,
    show_opaque_grid,
    smooth,
    smoothing_slider,
    spaced_axes,
)
from ganstudio.gui.theme import DARK, Theme, apply_theme, follow_theme, style_plot, translucent
from ganstudio.runs.compare import Comparison

# The two series of a group: the first solid, the second dashed (the run's colour says which run).
STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine)
PLOTS_SIZE = (1000, 1150)  # width, height of the headless picture (render_plots)


def plot_rows(comparison: Comparison) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(name, title, ((field, label), ...)) of every plot row: PLOTS, then the insight rows of
    each kind of data among the runs (INSIGHT_SERIES, then INSIGHT_SHARES), then, when a run
    has them, precision with recall and density with coverage (PRDC_CURVES, two a row)."""
    rows = [paired_row(name, title, series) for name, title, series in PLOTS]
    for kind in comparison.kinds:
        rows += [(field, title, ((field, title),)) for field, title in INSIGHT_SERIES[kind] if field]
        if kind in INSIGHT_SHARES:
            field, title = INSIGHT_SHARES[kind]
            rows.append((field, title, ((field, title),)))
    if any(field in data.series for data in comparison.runs for field, _, _ in PRDC_CURVES):
        for pair in (PRDC_CURVES[:2], PRDC_CURVES[2:]):
            title = " and ".join(label for _, label, _ in pair)
            rows.append(paired_row(pair[0][0], title[0].upper() + title[1:], pair))
    return rows


def paired_row(name: str, title: str, series) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A row of two series (((field, label, colour role), ...)), the first solid, the second
    dashed, as the title says: ("loss", "Losses (D loss solid, G loss dashed)", ...)."""
    key = ", ".join(f"{label} {style}" for (_, label, _), style in zip(series, ("solid", "dashed")))
    return name, f"{title} ({key})", tuple((field, label) for field, label, _ in series)


class ComparePlots(QWidget):
    """The runs' curves, each run in its colour of the theme (Theme.runs). plots: {row name:
    PlotItem}; curves: {row name: [PlotDataItem]} in run order (a run without the row's series
    has none there); legend: one entry per run, its label."""

    def __init__(self, comparison: Comparison, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison = comparison
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Smoothing"))
        self.smoothing = smoothing_slider()
        bar.addWidget(self.smoothing)
        self.readout = QLabel("")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setWordWrap(True)  # 8 runs' labels must not widen the window
        bar.addWidget(self.readout, 1)
        layout.addLayout(bar)
        self.graphics = pg.GraphicsLayoutWidget()
        layout.addWidget(self.graphics, 1)
        self.legend = pg.LegendItem(colCount=min(len(comparison.runs), 2), labelTextSize="9pt")
        self.graphics.addItem(self.legend, row=0, col=0)
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, list[pg.PlotDataItem]] = {}
        self._drawn: list[tuple[pg.PlotDataItem, str, tuple[np.ndarray, np.ndarray]]] = []  # (curve, field, series)
        self._runs_of: dict[pg.PlotDataItem, tuple[int, Qt.PenStyle, bool]] = {}  # curve -> (run, style, insight)
        self.cursors: list[pg.InfiniteLine] = []
        self._fields: dict[str, tuple[tuple[str, str], ...]] = {}  # {row name: ((field, label), ...)}
        for name, title, series in plot_rows(comparison):
            self._add_row(name, title, series)
            self._fields[name] = series
        self.plots["lr"].setLogMode(y=True)
        lrs = [d.series[f][1] for d in comparison.runs if d.series for f in LEARNING_RATES]
        scale_lr_axis(self.plots["lr"], np.concatenate([np.zeros(0), *lrs]))
        for name in list(self.plots)[:-1]:
            self.plots[name].hideAxis("bottom")
        list(self.plots.values())[-1].setLabel("bottom", "step")
        self.legend_samples = [pg.PlotDataItem() for _ in comparison.runs]
        for sample, data in zip(self.legend_samples, comparison.runs):
            self.legend.addItem(sample, data.label)
        self.smoothing.valueChanged.connect(lambda _: self._draw())
        self._draw()
        self._mouse = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._hover)
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        """Draw everything in `theme`'s colours: background, axes, grids, legend, curves, cursors."""
        self.graphics.setBackground(theme.plot_background)
        self.legend.setBrush(translucent(theme.plot_background))
        self.legend.setLabelTextColor(theme.plot_foreground)
        for _, label in self.legend.items:
            label.setText(label.text)  # pyqtgraph keeps the new colour for the next text set
        for sample, color in zip(self.legend_samples, theme.runs):
            sample.setPen(pg.mkPen(color, width=2))
        for plot in self.plots.values():
            style_plot(plot, theme)
            show_opaque_grid(plot, theme)
        for curve, (run, style, insight) in self._runs_of.items():
            curve.setPen(pg.mkPen(theme.runs[run], width=1, style=style))
            if insight:
                curve.setSymbolBrush(theme.runs[run])
        for cursor in self.cursors:
            cursor.setPen(pg.mkPen(theme.frame_cursor, width=1))

    def _add_row(self, name: str, title: str, series: tuple[tuple[str, str], ...]) -> None:
        plot = self.graphics.addPlot(row=len(self.plots) + 1, col=0, axisItems=spaced_axes())
        plot.hideAxis("right")
        plot.setTitle(title, size=TITLE_SIZE)
        if self.plots:
            plot.setXLink(next(iter(self.plots.values())))
        insight = name not in {row for row, _, _ in PLOTS}
        self.curves[name] = []
        for i, data in enumerate(self.comparison.runs):
            for (field, _), style in zip(series, STYLES):
                if field not in data.series:
                    continue
                symbol = {"symbol": "o", "symbolSize": 4, "symbolPen": None} if insight else {}
                curve = plot.plot(**symbol)
                self._runs_of[curve] = (i, style, insight)
                self.curves[name].append(curve)
                self._drawn.append((curve, field, data.series[field]))
        cursor = pg.InfiniteLine(angle=90, movable=False)
        cursor.setVisible(False)
        plot.addItem(cursor, ignoreBounds=True)
        self.cursors.append(cursor)
        self.plots[name] = plot

    def _draw(self) -> None:
        """Every curve from its series: SMOOTHED ones smoothed, lrs without zeros (log axis)."""
        weight = self.smoothing.value() / 100.0
        for curve, field, (steps, values) in self._drawn:
            if field in SMOOTHED:
                values = smooth(values, weight)
            elif field in LEARNING_RATES:
                values = np.where(values > 0, values, np.nan)
            curve.setData(steps, values)

    def _hover(self, event) -> None:
        pos = event[0]
        name = next((n for n, plot in self.plots.items() if plot.sceneBoundingRect().contains(pos)), None)
        if name is not None:
            step = self.plots[name].vb.mapSceneToView(pos).x()
            self.readout.setText(self.describe(name, step))
            self.show_step(round(step))

    def describe(self, name: str, step: float) -> str:
        """Each run's exact (unsmoothed) values of plot row `name` at its recorded step nearest
        `step`, as shown under the mouse: "step 1200 · <label>: D loss 0.61 G loss 1.2 (1200) · ..."."""
        parts = [f"step {round(step)}"]
        for data in self.comparison.runs:
            values, at = [], None
            for field, label in self._fields[name]:
                steps, series = data.series.get(field, (np.zeros(0), np.zeros(0)))
                if len(steps):
                    i = nearest_index(steps, step)
                    values.append(f"{label.split(' (')[0]} {series[i]:.4g}")  # "FID (classifier ...)" -> "FID"
                    at = int(steps[i])
            if values:
                parts.append(f"{data.label}: {' '.join(values)} ({at})")
        return " · ".join(parts)

    def legend_texts(self) -> list[str]:
        """The legend's labels, in run order (what the user reads)."""
        return [label.text for _, label in self.legend.items]

    def show_step(self, step: int | None) -> None:
        """A cursor at `step` on every plot (None hides it)."""
        for cursor in self.cursors:
            if step is not None:
                cursor.setPos(step)
            cursor.setVisible(step is not None)


def render_plots(comparison: Comparison, paths: list[str | Path], size: tuple[int, int] = PLOTS_SIZE) -> list[Path]:
    """Write the overlaid plots of `comparison` to each of `paths` (.svg as SVG, else PNG), drawn
    by ComparePlots at `size` (width, height) in the dark theme without showing a window;
    returns the paths."""
    app = QApplication.instance() or QApplication(["ganstudio"])
    apply_theme(DARK.name)
    previous = qInstallMessageHandler(_quiet_offscreen)
    plots = ComparePlots(comparison)
    plots.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    plots.resize(*size)
    plots.show()
    app.processEvents()
    try:
        return [export_plots(plots.graphics.ci, path) for path in paths]
    finally:
        plots.close()
        plots.deleteLater()
        qInstallMessageHandler(previous)


def _quiet_offscreen(mode, context, message: str) -> None:
    """Qt's messages on stderr, but for the offscreen platform's notice that it cannot size
    windows (every headless picture would print it)."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)
