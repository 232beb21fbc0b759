"""The sample view: the fixed-noise grid of G's samples (crisp nearest-neighbour scaling, painted
by Qt without Python: gui/pixel_grid.py), or for 2D data a scatter of real vs generated points
over D's output (pyqtgraph). A click or a context-menu request on the grid names its cell, and
the cells picked for a latent walk are outlined and numbered on it (gui/window/walk_panel.py)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ganstudio.config.model import range_for
from ganstudio.engine.losses import PROBABILISTIC
from ganstudio.gui.pixel_grid import Mark, PixelGrid
from ganstudio.gui.theme import Theme, follow_theme, style_plot
from ganstudio.gui.widgets import ClassPicker, GridSideSpinBox
from ganstudio.render import GridLayout
from ganstudio.render.scatter import Extent
from ganstudio.run.snapshot import Snapshot, grid_classes
from ganstudio.run.walk import grid_layout


def d_colors(theme: Theme) -> pg.ColorMap:
    """D's output behind 2D points, as GAN Lab colours it: purple where D says fake, green where
    it says real, the plot background where it cannot tell; faint, so the points stay readable."""
    return pg.ColorMap(pos=[0.0, 0.5, 1.0], color=list(theme.heatmap))


LEGEND_2D = "Grey: real points. Orange: generated. Behind them, D's output: green where D says real, purple where it says fake."
# A conditional G first learns digits and only then to tell classes apart: until a few thousand
# steps in, its rows look alike, which reads as a bug unless said.
CONDITIONING_STEPS = 3000
CONDITIONING_NOTE = (
    "One row per class, the same noise in every column. The rows look alike at first: "
    "G learns to follow the class a few thousand steps in."
)
# Text keeps this far from the dock's edges (px): flush against the right edge, the last glyph
# of a caption was cut off.
TEXT_MARGIN = 4


class SampleView(QWidget):
    """Signals: grid_changed(side) when the user picks another grid size; classes_changed(value)
    when the user picks the classes a conditional run's grid shows (a tuple, or "all");
    cell_clicked(cell, adding) on a left click on a cell of the grid shown, adding when Ctrl or
    Shift was held; cell_menu(cell, global QPoint) on a context-menu request on a cell."""

    grid_changed = Signal(int)
    classes_changed = Signal(object)
    cell_clicked = Signal(int, bool)
    cell_menu = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setContentsMargins(TEXT_MARGIN, 0, TEXT_MARGIN, 0)
        self.grid_label = QLabel("Grid")
        bar.addWidget(self.grid_label)
        self.grid_size = GridSideSpinBox()
        low, high, _, _ = range_for("view.grid")
        self.grid_size.setRange(int(low), int(high))
        self.grid_size.setToolTip(f"Samples per row and column ({low}x{low} to {high}x{high}), always from the same fixed noise.")
        self.grid_size.valueChanged.connect(self._grid_edited)
        self.use_ema = QCheckBox("EMA generator")
        self.use_ema.setChecked(True)
        self.use_ema.setToolTip("Show samples of the exponential moving average of G's weights (turn EMA on under Training).")
        self.use_best = QCheckBox("Best so far")
        self.use_best.setToolTip(
            "Show samples of the weights of the run's best FID so far, kept at the insight checks (digit runs). "
            "Sample them with: ganstudio sample RUN --weights best."
        )
        self.caption = QLabel("")
        bar.addWidget(self.grid_size)
        bar.addWidget(self.use_ema)
        bar.addWidget(self.use_best)
        bar.addStretch(1)
        bar.addWidget(self.caption)
        layout.addLayout(bar)
        self.class_row = QWidget()  # conditional runs: which classes the grid's rows show
        row = QHBoxLayout(self.class_row)
        row.setContentsMargins(TEXT_MARGIN, 0, TEXT_MARGIN, 0)
        row.addWidget(QLabel("Rows"))
        self.class_picker = ClassPicker()
        self.class_picker.setToolTip("The classes the grid shows, one row each (All: every class of the run).")
        self.class_picker.changed.connect(self.classes_changed.emit)
        row.addWidget(self.class_picker)
        row.addStretch(1)
        self.class_row.setVisible(False)
        layout.addWidget(self.class_row)
        self.conditioning_note = QLabel(CONDITIONING_NOTE)  # early in a conditional run
        self.conditioning_note.setWordWrap(True)
        self.conditioning_note.setContentsMargins(TEXT_MARGIN, 0, TEXT_MARGIN, 0)
        self.conditioning_note.setVisible(False)
        layout.addWidget(self.conditioning_note)
        self.pixels = PixelGrid()
        self.pixels.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # so Esc after a click reaches the dock
        self.pixels.clicked.connect(self._clicked)
        self.pixels.menu_requested.connect(self._menu_requested)
        layout.addWidget(self.pixels, 1)
        self.graphics = pg.GraphicsLayoutWidget()  # the 2D view, shown instead of the grid
        self.graphics.setVisible(False)
        layout.addWidget(self.graphics, 1)
        self.legend = QLabel(LEGEND_2D)  # under the 2D view, wrapped to the dock's width
        self.legend.setWordWrap(True)
        self.legend.setContentsMargins(TEXT_MARGIN, 0, TEXT_MARGIN, 0)
        self.legend.setVisible(False)
        layout.addWidget(self.legend)
        self.plot = None  # created on first 2D snapshot
        self.config = None  # the RunConfig of the latest snapshot
        self._marked: list[tuple[int, str]] = []  # the (cell, label) pairs outlined on the grid
        self._quiet = False
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        """The 2D view in `theme`'s colours (the grid's pane follows by itself)."""
        self.theme = theme
        self.graphics.setBackground(theme.plot_background)
        if self.plot is not None:
            style_plot(self.plot, theme)
            self.heatmap.setLookupTable(d_colors(theme).getLookupTable(nPts=256))
            self.real_scatter.setBrush(pg.mkBrush(*theme.real_points))
            self.fake_scatter.setBrush(pg.mkBrush(*theme.fake_points))

    def _grid_edited(self, side: int) -> None:
        if not self._quiet:
            self.grid_changed.emit(side)

    def show_grid_side(self, side: int) -> None:
        """Show `side` (the config's view.grid) in the grid size box without sending it back."""
        self._quiet = True
        self.grid_size.setValue(side)
        self._quiet = False

    def show_snapshot(self, snap: Snapshot) -> None:
        self.config = snap.config
        self.show_grid_side(snap.config.view.grid)
        has_best = snap.best_grid is not None
        self.use_best.setEnabled(has_best)
        self.use_ema.setEnabled(snap.ema_grid is not None and not (has_best and self.use_best.isChecked()))
        for widget in (self.grid_label, self.grid_size, self.use_ema, self.use_best):
            widget.setVisible(snap.grid is not None)
        conditional = snap.grid is not None and snap.config.training.conditional
        self.class_row.setVisible(conditional)
        self.class_picker.set_classes(snap.config.view.classes)
        self.grid_size.set_rows(len(grid_classes(snap.config)) if conditional else None)
        self.conditioning_note.setVisible(conditional and snap.step < CONDITIONING_STEPS)
        if snap.grid is not None:
            grid, caption = self.grid_of(snap)
            self._show_grid(grid)
            self.caption.setText(caption)
        else:
            levels = (0.0, 1.0) if snap.config.training.loss in PROBABILISTIC else None
            self._show_points(snap.real_points, snap.points, snap.heatmap, snap.heatmap_extent, levels)
            self.caption.setText(f"step {snap.step:,}")

    def weights_shown(self, snap: Snapshot) -> str:
        """Whose grid of `snap` the choices above show: "best" (the best weights so far) when
        chosen and kept, else "ema" when chosen and kept, else "live"."""
        if snap.best_grid is not None and self.use_best.isChecked():
            return "best"
        if snap.ema_grid is not None and self.use_ema.isChecked():
            return "ema"
        return "live"

    def grid_of(self, snap: Snapshot) -> tuple[np.ndarray, str]:
        """The uint8 (H, W) grid of `snap` (an image run's) that the choices above ask for
        (:meth:`weights_shown`), and its caption."""
        match self.weights_shown(snap):
            case "best":
                return snap.best_grid, f"best so far: step {snap.best_step:,}, FID {snap.best_fid:.2f}"
            case "ema":
                return snap.ema_grid, f"step {snap.step:,} (EMA)"
        return snap.grid, f"step {snap.step:,}"

    def show_frame(self, frame: np.ndarray, step: int) -> None:
        """Show a recorded frame (uint8 (H, W), from the timeline) instead of the live samples."""
        self._show_grid(frame)
        self.caption.setText(f"recorded at step {step:,}")

    @property
    def shown_grid(self) -> np.ndarray | None:
        """The uint8 (H, W) sample grid on screen (the last one shown)."""
        return self.pixels.array

    def cell_layout(self) -> GridLayout | None:
        """Where the cells of the grid on screen lie in its picture; None when none is shown (a
        2D run, a recorded frame of another grid size)."""
        if self.config is None or self.pixels.array is None:
            return None
        return grid_layout(self.config, self.pixels.array.shape)

    def show_marks(self, picked: list[int], followed: int | None) -> None:
        """Outline the `picked` cells numbered 1, 2, ... in order, and the `followed` cell."""
        cells = [(cell, str(i + 1)) for i, cell in enumerate(picked)]
        if followed is not None and followed not in picked:
            cells.append((followed, ""))
        self._marked = cells
        self.pixels.set_marks(self._marks(cells))

    def _marks(self, cells: list[tuple[int, str]]) -> list[Mark]:
        """The outline of each (cell, label) around its image in the grid on screen."""
        layout = self.cell_layout()
        if layout is None:
            return []
        h, w = layout.image
        return [(left, top, w, h, label) for cell, label in cells for top, left in [layout.origin(cell)]]

    def _cell_at(self, x: float, y: float) -> int | None:
        layout = self.cell_layout()
        return None if layout is None else layout.cell_at(x, y)

    def _clicked(self, x: float, y: float, modifiers) -> None:
        cell = self._cell_at(x, y)
        if cell is not None:
            adding = bool(modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
            self.cell_clicked.emit(cell, adding)

    def _menu_requested(self, x: float, y: float, at) -> None:
        cell = self._cell_at(x, y)
        if cell is not None:
            self.cell_menu.emit(cell, at)

    def _show_grid(self, grid: np.ndarray) -> None:
        self.graphics.setVisible(False)
        self.legend.setVisible(False)
        self.pixels.setVisible(True)
        reshaped = self.pixels.array is None or self.pixels.array.shape != grid.shape
        self.pixels.show_array(grid)
        if reshaped:  # the cells moved (or left the picture)
            self.pixels.set_marks(self._marks(self._marked))

    def _show_points(self, real: np.ndarray, fake: np.ndarray, heatmap: np.ndarray, extent: Extent, levels) -> None:
        """GAN Lab's view: real (m, 2) and generated (n, 2) points over D's output on the plane
        (heatmap (g, g) over `extent`, the snapshot's fixed view; row 0 at the extent's y_min;
        bright = D says real). `levels`: the heatmap's fixed range (0, 1) for probabilities, None
        to fit raw scores."""
        if self.plot is None:
            self.plot = self.graphics.addPlot()
            self.plot.setAspectLocked(True)
            self.plot.showGrid(x=True, y=True, alpha=0.15)
            self.heatmap = pg.ImageItem(axisOrder="row-major")
            self.plot.addItem(self.heatmap)
            self.real_scatter = pg.ScatterPlotItem(size=3, pen=None)
            self.fake_scatter = pg.ScatterPlotItem(size=3, pen=None)
            self.plot.addItem(self.real_scatter)
            self.plot.addItem(self.fake_scatter)
            self.restyle(self.theme)
            self.plot.setRange(xRange=extent[:2], yRange=extent[2:], padding=0)
        self.pixels.setVisible(False)
        self.graphics.setVisible(True)
        self.legend.setVisible(True)
        x_min, x_max, y_min, y_max = extent
        if levels is None:
            self.heatmap.setImage(heatmap, autoLevels=True)
        else:
            self.heatmap.setImage(heatmap, autoLevels=False, levels=levels)
        self.heatmap.setRect(QRectF(x_min, y_min, x_max - x_min, y_max - y_min))
        self.real_scatter.setData(real[:, 0], real[:, 1])
        finite = np.isfinite(fake).all(1)
        self.fake_scatter.setData(fake[finite, 0], fake[finite, 1])
