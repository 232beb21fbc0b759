"""Live training plots: losses, D outputs, learning rates and gradient norms, with markers at
every live change and a read-out of exact values under the mouse."""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from ganstudio.gui.theme import Theme, follow_theme, style_plot, translucent
from ganstudio.record.history import Event, EventKind

# (row name, title, ((field, label, colour role), ...)); the roles are keys of Theme.curves
PLOTS = (
    ("loss", "Losses", (("d_loss", "D loss", "D"), ("g_loss", "G loss", "G"))),
    ("dout", "Mean D output", (("d_real", "D(x)", "real"), ("d_fake", "D(G(z))", "fake"))),
    ("lr", "Learning rates", (("lr_g", "G lr", "G"), ("lr_d", "D lr", "D"))),
    ("grad", "Gradient norms", (("g_grad_norm", "G", "G"), ("d_grad_norm", "D", "D"))),
)
SMOOTHED = ("d_loss", "g_loss", "d_real", "d_fake")
LEARNING_RATES = ("lr_g", "lr_d")  # on a log axis
# Marker labels take these heights in turn (fractions of the plot's height from the bottom), so
# that labels of changes made close together stand one under another instead of on top.
MARKER_LABEL_HEIGHTS = (0.96, 0.72, 0.48)
INSIGHT_PLOTS = (("coverage", "Coverage", "coverage"), ("quality", "Quality", "quality"))  # (row, title, colour role)
# insight kind -> ((coverage series, title), (quality series, title))
INSIGHT_SERIES = {
    "digits": (("classes_covered", "Classes covered (of 10)"), ("fid", "FID (classifier features; lower is better)")),
    "modes": (("modes_covered", "Modes covered"), ("high_quality", "High-quality samples (%)")),
    None: (("", ""), ("diversity", "Sample diversity (1 = as diverse as the data)")),
}
# insight kind -> (series, title): a percent drawn dashed on the coverage row, read on a right axis
INSIGHT_SHARES = {"digits": ("recognisable", "Recognisable samples (%)")}
# The fidelity / diversity row, between coverage and quality (digits and 2D toys with held-out
# data, insight/prdc.py): ((series, label, colour role), ...), keyed in the row's title.
PRDC_TITLE = "Fidelity / diversity"
PRDC_CURVES = (
    ("precision", "precision", "precision"),
    ("recall", "recall", "recall"),
    ("density", "density", "density"),
    ("prdc_coverage", "coverage", "prdc_coverage"),
)


def insight_curve(plot: pg.PlotItem) -> pg.PlotDataItem:
    """A curve of insight figures on `plot`: a dot at each check (a single check shows)."""
    return plot.plot(symbol="o", symbolSize=4, symbolPen=None)


def nearest_index(steps: np.ndarray, step: float) -> int:
    """The index of the recorded step nearest `step`; steps: (n,) ascending, n >= 1."""
    i = int(np.clip(np.searchsorted(steps, step), 0, len(steps) - 1))
    return i - 1 if i > 0 and abs(steps[i - 1] - step) < abs(steps[i] - step) else i


def smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """Debiased exponential moving average, as TensorBoard's smoothing slider:
    y_t = sum_j w^(t-j) (1-w) x_j / (1 - w^(t+1)), weight w in [0, 1). Vectorised in blocks
    short enough that w^-j stays finite in float64."""
    x = np.asarray(values, np.float64)
    if weight <= 0.0 or len(x) < 2:
        return values
    log_w = np.log(weight)
    block = max(1, min(len(x), int(600.0 / -log_w)))
    out = np.empty_like(x)
    carry = 0.0  # the undebiased average before the block
    for start in range(0, len(x), block):
        chunk = x[start : start + block]
        k = np.arange(len(chunk))
        powers = np.exp(log_w * k)  # w^k
        acc = np.cumsum(chunk / powers) * powers * (1.0 - weight)  # sum_j w^(k-j) (1-w) x_j
        out[start : start + len(chunk)] = carry * powers * weight + acc
        carry = out[start + len(chunk) - 1]
    out /= 1.0 - np.exp(log_w * (np.arange(len(x)) + 1.0))
    return out.astype(np.float32)


TITLE_SIZE = "9pt"  # plot titles: six rows share the height, and the curves need it more


class PaintMeter:
    """Mixin for a pyqtgraph view: adds up the seconds its paint events take. pyqtgraph paints in
    Python, holding the GIL the training thread needs, and one refresh of the curves sets off
    follow-up paints (linked axes, clip-to-view) after the first: the window's plot budget counts
    them all."""

    paint_seconds = 0.0

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        start = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - start

    def take_paint_seconds(self) -> float:
        """Seconds spent painting since the last call."""
        seconds, self.paint_seconds = self.paint_seconds, 0.0
        return seconds


class MeteredLayoutWidget(PaintMeter, pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that meters its painting (PaintMeter)."""


class MeteredPlotWidget(PaintMeter, pg.PlotWidget):
    """A PlotWidget that meters its painting (PaintMeter)."""


def show_opaque_grid(plot: pg.PlotItem, theme: Theme) -> None:
    """Grid lines at the major ticks in `theme`'s opaque grid colour, behind the curves. pyqtgraph
    draws the grid as the axes' tick lines: translucent ones take Qt's slow blending path (about
    30x the opaque cost, docs/DESIGN.md), and the axes repaint with every plot refresh. Opaque
    lines must stay under the curves (the axes sit above the view by default) and leave out the
    minor levels, which would be as bright as the major ones without translucency."""
    plot.showGrid(x=True, y=True, alpha=1.0)
    for name in ("left", "bottom", "right"):  # a right axis (a second scale) draws its grid lines too
        axis = plot.getAxis(name)
        axis.setTickPen(pg.mkPen(theme.grid))
        axis.setStyle(tickAlpha=255, maxTickLevel=0)
        axis.setZValue(plot.vb.zValue() - 1)


def spaced_labels(texts: list, gap: float = 2.0) -> list:
    """The tick labels of `texts` ((QRectF, flags, text) as pyqtgraph's AxisItem draws them, the
    coarsest level first) that keep `gap` px clear of every label kept before them."""
    kept: list = []
    for spec in texts:
        rect = spec[0].adjusted(-gap / 2, -gap / 2, gap / 2, gap / 2)
        if not any(rect.intersects(other[0]) for other in kept):
            kept.append(spec)
    return kept


class SpacedAxis(pg.AxisItem):
    """An axis whose tick labels never overlap: pyqtgraph always labels every tick of the
    coarsest level, so in a plot a few dozen pixels tall they pile up ("137.6" over "137.4");
    here a label that would touch one already placed is left out."""

    def generateDrawSpecs(self, p):  # noqa: N802 (pyqtgraph override)
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis, ticks, texts = specs
        return axis, ticks, spaced_labels(texts)


def spaced_axes() -> dict[str, SpacedAxis]:
    """SpacedAxis items for a new PlotItem's left, bottom and right sides (pass as `axisItems`;
    pyqtgraph shows every axis given: hide the right one until it is needed)."""
    return {side: SpacedAxis(side) for side in ("left", "bottom", "right")}


def keyed_title(title: str, series, theme: Theme) -> str:
    """`title` followed by a key of its curves in their colours ("Losses  ━ D loss  ━ G loss"):
    the legend sits in the title row, off the data. series: ((field, label, colour role), ...)."""
    keys = "&nbsp;&nbsp;".join(f"<span style='color:{theme.curves[role]}'>&#9473; {label}</span>" for _, label, role in series)
    return f"{title}&nbsp;&nbsp;&nbsp;{keys}"


def event_labels(events: tuple[Event, ...]) -> list[tuple[int, str]]:
    """(step, label) per marker: G/D pairs of the same change merge ("lr 0.0002 -> 0.001"); a
    warning shows its headline ("\u26a0 Mode collapse")."""
    out: list[tuple[int, str]] = []
    seen: dict[tuple[int, str, str, str], int] = {}
    for e in events:
        if e.kind is EventKind.CHANGE and e.key.startswith("optimizer.") and e.key.count(".") == 2:
            _, net, name = e.key.split(".")
            merge = (e.step, name, e.old, e.new)
            if merge in seen:
                out[seen[merge]] = (e.step, f"{name} {e.old} -> {e.new}")
                continue
            seen[merge] = len(out)
            label = f"{net.upper()} {name} {e.old} -> {e.new}"
        elif e.kind is EventKind.CHANGE:
            label = f"{e.key.rsplit('.', 1)[-1]} {e.old} -> {e.new}"
        elif e.kind is EventKind.WARNING:
            label = "\u26a0 " + e.key.split(":")[0]  # the headline; the banner has the rest
        else:
            label = e.label
        out.append((e.step, label))
    return out


def lr_axis(low: float, high: float) -> tuple[float, float, list[tuple[float, str]]]:
    """The log lr axis for lrs spanning [low, high] (> 0): (bottom, top, ticks) in log10 units.
    A margin of 0.2 decade plus a tenth of the span keeps the end labels inside the axis (Qt
    drops a label that would stick out). Ticks: the two extremes as they are ("0.0002"), then
    1-2-5 values that keep clear of the labels already placed (a sixth of the shown span)."""
    lo, hi = math.log10(low), math.log10(high)
    margin = 0.2 + 0.1 * (hi - lo)
    gap = max(0.1, (hi - lo + 2 * margin) / 6)
    ticks = [(lo, f"{low:.3g}")] + ([(hi, f"{high:.3g}")] if hi - lo >= gap else [])
    for decade in range(math.floor(lo), math.ceil(hi) + 1):
        for mantissa in (1, 2, 5):
            position = decade + math.log10(mantissa)
            if lo < position < hi and all(abs(position - p) >= gap for p, _ in ticks):
                ticks.append((position, f"{mantissa * 10.0**decade:.3g}"))
    return lo - margin, hi + margin, sorted(ticks)


def scale_lr_axis(plot: pg.PlotItem, lrs: np.ndarray) -> None:
    """Scale and label `plot`'s log lr axis to span `lrs` (any shape; only values > 0 count;
    none: unchanged), with the ticks of :func:`lr_axis`."""
    lrs = np.asarray(lrs, np.float64)
    lrs = lrs[lrs > 0]
    if lrs.size:
        bottom, top, ticks = lr_axis(float(lrs.min()), float(lrs.max()))
        plot.setYRange(bottom, top, padding=0)
        plot.getAxis("left").setTicks([ticks, []])


def smoothing_slider() -> QSlider:
    """The smoothing control of the plots: the EMA weight of SMOOTHED curves in hundredths (0..99)."""
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(0, 99)
    slider.setValue(90)
    slider.setMaximumWidth(160)
    slider.setToolTip("Exponential moving-average smoothing of the loss and D-output curves (0 = raw, 0.99 = very smooth).")
    return slider


class PlotsPanel(QWidget):
    """Seven stacked plots sharing the step axis: the four of PLOTS (losses, D output, learning
    rates, gradient norms) and the insight rows: coverage, fidelity / diversity (PRDC_CURVES),
    quality (INSIGHT_PLOTS)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Smoothing"))
        self.smoothing = smoothing_slider()
        self.log_y = QCheckBox("log loss")
        self.log_y.setToolTip("Logarithmic loss axis (for positive losses).")
        self.readout = QLabel("")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.smoothing)
        bar.addWidget(self.log_y)
        bar.addSpacing(12)
        bar.addWidget(self.readout, 1)
        layout.addLayout(bar)
        self.graphics = MeteredLayoutWidget()
        layout.addWidget(self.graphics, 1)

        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.cursors: list[pg.InfiniteLine] = []
        for name, title, _ in PLOTS:
            plot = self._add_plot(name, title)
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
        self.curves = {field: self.plots[name].plot() for name, _, series in PLOTS for field, _, _ in series}
        # Insight rows: what the samples are worth, every run.insight_every steps.
        (coverage, coverage_title, _), (quality, quality_title, _) = INSIGHT_PLOTS
        self.insight_curves = {coverage: insight_curve(self._add_plot(coverage, coverage_title))}
        fidelity = self._add_plot("fidelity", PRDC_TITLE)
        fidelity.setVisible(False)  # until a run that measures them shows it (show_insight)
        self.prdc_curves = {field: insight_curve(fidelity) for field, _, _ in PRDC_CURVES}
        self._prdc_note = ""  # why the four figures are not measured ("" when they are)
        self.insight_curves[quality] = insight_curve(self._add_plot(quality, quality_title))
        self.share_curve = self.plots["coverage"].plot(symbol="t", symbolSize=5, symbolPen=None)  # a point shows the first
        last = list(self.plots)[-1]
        self.plots[last].setLabel("bottom", "step")
        for name in list(self.plots)[:-1]:
            self.plots[name].hideAxis("bottom")  # one step axis, at the bottom: axes are costly to repaint
        self.markers: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self._events: tuple[Event, ...] = ()
        self._series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.smoothing.valueChanged.connect(lambda _: self._redraw_smoothed())
        self.log_y.toggled.connect(lambda on: self.plots["loss"].setLogMode(y=on))
        self.plots["lr"].setLogMode(y=True)
        self.plots["lr"].getAxis("left").setTicks([[], []])  # no labels until an lr is known (show_lr_axis)
        self._mouse = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._hover)
        self.frame_cursor = pg.InfiniteLine(angle=90, movable=False, label="frame", labelOpts={"position": 0.06})
        self.frame_cursor.setVisible(False)
        self.plots["loss"].addItem(self.frame_cursor, ignoreBounds=True)
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        """Draw everything in `theme`'s colours: background, axes, grids, titles, curves, cursors, markers."""
        self.theme = theme
        self.graphics.setBackground(theme.plot_background)
        for plot in self.plots.values():
            style_plot(plot, theme)
            show_opaque_grid(plot, theme)
        for name, title, series in PLOTS:
            self.plots[name].setTitle(keyed_title(title, series, theme), size=TITLE_SIZE)
            for field, _, role in series:
                self.curves[field].setPen(pg.mkPen(theme.curves[role], width=1))
        for name, _, role in INSIGHT_PLOTS:
            self.insight_curves[name].setPen(pg.mkPen(theme.curves[role], width=1))
            self.insight_curves[name].setSymbolBrush(theme.curves[role])
        for field, _, role in PRDC_CURVES:
            self.prdc_curves[field].setPen(pg.mkPen(theme.curves[role], width=1))
            self.prdc_curves[field].setSymbolBrush(theme.curves[role])
        self._title_prdc()
        share = theme.curves["coverage"]
        self.share_curve.setPen(pg.mkPen(share, width=1, style=Qt.PenStyle.DashLine))
        self.share_curve.setSymbolBrush(share)
        for cursor in self.cursors:
            cursor.setPen(pg.mkPen(theme.hover_cursor, style=Qt.PenStyle.DotLine))
        self.frame_cursor.setPen(pg.mkPen(theme.frame_cursor, width=1.5))
        self.frame_cursor.label.setColor(theme.frame_cursor)
        self._show_events(self._events)

    def _add_plot(self, name: str, title: str) -> pg.PlotItem:
        """A new row sharing the step axis, with a hover cursor."""
        plot = self.graphics.addPlot(row=len(self.plots), col=0, axisItems=spaced_axes())
        plot.hideAxis("right")
        plot.setTitle(title, size=TITLE_SIZE)
        if self.plots:
            plot.setXLink(next(iter(self.plots.values())))
        cursor = pg.InfiniteLine(angle=90, movable=False)
        cursor.setVisible(False)
        plot.addItem(cursor, ignoreBounds=True)
        self.cursors.append(cursor)
        self.plots[name] = plot
        return plot

    def show_insight(
        self,
        kind: str | None,
        series: dict[str, tuple[np.ndarray, np.ndarray]],
        count: int | None = None,
        prdc_note: str = "",
    ) -> None:
        """Coverage, fidelity / diversity and quality over time from a snapshot's insight series
        (see INSIGHT_SERIES, PRDC_CURVES). count: how many classes (digits) or modes (2D) there
        are to cover, the coverage axis's top (0 to count, whole numbers), None before the first
        report; prdc_note: why precision and recall are not measured ("" when they are)."""
        self._show_prdc(series, prdc_note)
        for row, (name, label) in zip(("coverage", "quality"), INSIGHT_SERIES.get(kind, INSIGHT_SERIES[None])):
            visible = name in series
            self.plots[row].setVisible(visible)
            if visible:
                steps, values = series[name]
                self.insight_curves[row].setData(steps, values)
                self.plots[row].setTitle(label, size=TITLE_SIZE)
        # Fixed scales, with room beyond both ends for the tick labels, which Qt drops when they
        # stick out: coverage 0..count; the high-quality share of 2D samples 0..100 %.
        if count:
            self.plots["coverage"].setYRange(-0.12 * count, 1.12 * count, padding=0)
        if kind == "modes":
            self.plots["quality"].setYRange(-12, 112, padding=0)
        self._show_share(kind, series, count)

    def _show_prdc(self, series: dict[str, tuple[np.ndarray, np.ndarray]], note: str) -> None:
        """Precision, recall, density and coverage (steps (m,), values (m,) each) on one row, 0 to
        at least 1 (density can pass 1); the row is hidden for data they are not measured for."""
        plot = self.plots["fidelity"]
        shown = all(field in series for field, _, _ in PRDC_CURVES)
        plot.setVisible(shown)
        if not shown:
            return
        top = 1.0
        for field, curve in self.prdc_curves.items():
            steps, values = series[field]
            if np.isfinite(values).any():
                curve.setData(steps, values)
                top = max(top, float(np.nanmax(values)))
            else:  # not measured (no held-out data): the title says why
                curve.setData([], [])
        plot.setYRange(-0.1 * top, 1.1 * top, padding=0)
        if note != self._prdc_note:
            self._prdc_note = note
            self._title_prdc()

    def _title_prdc(self) -> None:
        """The fidelity row's title: its curves' key, or why they are not measured."""
        title = f"{PRDC_TITLE}: {self._prdc_note}" if self._prdc_note else keyed_title(PRDC_TITLE, PRDC_CURVES, self.theme)
        self.plots["fidelity"].setTitle(title, size=TITLE_SIZE)

    def _show_share(self, kind: str | None, series: dict[str, tuple[np.ndarray, np.ndarray]], count: int | None) -> None:
        """The kind's percent series of INSIGHT_SHARES (steps (m,), values (m,) in 0..100) dashed on
        the coverage row, 100% at `count`, read on a right axis; hidden when the kind has none or
        before the first report."""
        name, title = INSIGHT_SHARES.get(kind, ("", ""))
        plot, shown = self.plots["coverage"], name in series and bool(count)
        plot.showAxis("right", shown)
        if not shown:
            self.share_curve.setData([], [])
            return
        steps, values = series[name]
        self.share_curve.setData(steps, values * (count / 100.0))
        plot.getAxis("right").setTicks([[(count * f, f"{f:.0%}") for f in (0.0, 0.5, 1.0)], []])
        plot.setTitle(f"{INSIGHT_SERIES[kind][0][1]}; dashed: {title[0].lower()}{title[1:]}, right axis", size=TITLE_SIZE)

    def show_series(
        self, series: dict[str, tuple[np.ndarray, np.ndarray]], events: tuple[Event, ...], base_lrs: tuple[float, ...] = ()
    ) -> None:
        """series: {field: (steps (m,), values (m,))} from a snapshot; base_lrs: the run's
        (G, D) learning rates as set, which scale the lr axis before the first step."""
        self._series = series
        for field, curve in self.curves.items():
            if field not in SMOOTHED and field not in LEARNING_RATES:
                steps, values = series[field]
                curve.setData(steps, values, skipFiniteCheck=True)
        self._show_learning_rates(series, base_lrs)
        self._redraw_smoothed()
        if events != self._events:
            self._show_events(events)

    def _show_learning_rates(self, series: dict[str, tuple[np.ndarray, np.ndarray]], base_lrs: tuple[float, ...]) -> None:
        """Both lrs on the log axis, which keeps a 50x gap between G's and D's readable and a
        decay's shape visible. A zero lr (a schedule's floor) is a gap: it has no logarithm.
        Before the first step (or while every lr is zero) the axis spans `base_lrs`."""
        positive = []
        for field in LEARNING_RATES:
            steps, values = series[field]
            self.curves[field].setData(steps, np.where(values > 0, values, np.nan))
            positive.append(values[values > 0])
        lrs = np.concatenate(positive)
        self.show_lr_axis(lrs if lrs.size else np.asarray(base_lrs))

    def show_lr_axis(self, lrs: np.ndarray) -> None:
        """Scale and label the log lr axis to span `lrs` (any shape; only values > 0 count). A
        constant lr sits mid-plot, not on an edge. pyqtgraph's own log ticks, before any lr
        was shown, labelled every minor tick of one decade on top of each other."""
        scale_lr_axis(self.plots["lr"], lrs)

    def settle_ranges(self) -> None:
        """Let the auto-ranges follow new data now rather than while painting. pyqtgraph settles
        them when a paint begins, one link at a time (a plot's x range, then the plots linked to
        it, then their y ranges and clipped curves), and each step asked for another paint: a
        refresh cost two full repaints where one will do (docs/DESIGN.md, "Painting budget")."""
        for _ in range(3):
            self.graphics.scene().prepareForPaint()

    def _redraw_smoothed(self) -> None:
        amount = self.smoothing.value() / 100.0  # the EMA weight
        for field in SMOOTHED:
            if field in self._series:
                steps, values = self._series[field]
                self.curves[field].setData(steps, smooth(values, amount), skipFiniteCheck=True)

    def _show_events(self, events: tuple[Event, ...]) -> None:
        for plot, line in self.markers:
            plot.removeItem(line)
        self.markers = []
        label_fill = translucent(self.theme.plot_background)
        marker = self.theme.marker
        for index, (step, label) in enumerate(event_labels(events)):
            height = MARKER_LABEL_HEIGHTS[index % len(MARKER_LABEL_HEIGHTS)]
            for name, plot in self.plots.items():
                labelled = name in ("loss", "lr")
                line = pg.InfiniteLine(
                    pos=step,
                    angle=90,
                    movable=False,
                    pen=pg.mkPen(marker, width=1, style=Qt.PenStyle.DashLine),
                    label=label if labelled else None,
                    # Level text near the top, right of the marker, or left of it when the marker is in
                    # the right half of the view (pyqtgraph picks the anchor): never clipped.
                    labelOpts={"position": height, "color": marker, "anchors": [(0, 0), (1, 0)], "fill": label_fill},
                )
                if labelled:
                    line.label.textItem.document().setDocumentMargin(1)  # 15 px tall, not 22
                plot.addItem(line, ignoreBounds=True)
                self.markers.append((plot, line))
        self._events = events

    def clear_markers(self) -> None:
        self._show_events(())

    def marker_labels(self) -> list[str]:
        """Texts of the labelled markers on the loss plot (what the user reads)."""
        return [line.label.toPlainText() for plot, line in self.markers if plot is self.plots["loss"] and line.label is not None]

    def show_frame_step(self, step: int | None) -> None:
        """Mark the step of the recorded frame the timeline shows on the loss plot (None hides it)."""
        if step is not None:
            self.frame_cursor.setPos(step)
        self.frame_cursor.setVisible(step is not None)

    def _hover(self, event) -> None:
        pos = event[0]
        plot = next((p for p in self.plots.values() if p.sceneBoundingRect().contains(pos)), None)
        if plot is None or "d_loss" not in self._series:
            return
        step = plot.vb.mapSceneToView(pos).x()
        steps, _ = self._series["d_loss"]
        if not len(steps):
            return
        i = nearest_index(steps, step)
        self.readout.setText(self.describe(i))
        for cursor in self.cursors:
            cursor.setPos(float(steps[i]))
            cursor.setVisible(True)

    def describe(self, i: int) -> str:
        """Exact values at history index i, as shown under the mouse."""
        s = self._series
        v = {name: float(s[name][1][i]) for name in s}
        return (
            f"step {int(s['d_loss'][0][i])}:  D loss {v['d_loss']:.4f}  G loss {v['g_loss']:.4f}  "
            f"D(x) {v['d_real']:.3f}  D(G(z)) {v['d_fake']:.3f}  lr G {v['lr_g']:.3g} D {v['lr_d']:.3g}  "
            f"|grad| G {v['g_grad_norm']:.3g} D {v['d_grad_norm']:.3g}"
        )
