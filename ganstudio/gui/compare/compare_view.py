"""The compare view: 2 to 8 kept runs side by side. Their curves overlaid (ComparePlots), a
legend naming each run by what differs, a notes line for what cannot be compared, their sample
grids at one step with one timeline slider scrubbing all of them, and exports: a GIF of the grids
side by side (what `ganstudio compare --gif` writes) and the plots as PNG or SVG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenuBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.compare.compare_plots import ComparePlots
from ganstudio.gui.export.plot_export import export_plots
from ganstudio.gui.icon import app_icon
from ganstudio.gui.pixel_grid import PixelGrid
from ganstudio.gui.screen_fit import fitted_size
from ganstudio.gui.theme import Theme, follow_theme, theme_menu
from ganstudio.media.gif_budget import DEFAULT_MAX_MB
from ganstudio.run.user_errors import USER_ERRORS
from ganstudio.runs.compare import Comparison, export_gif

WINDOW_SIZE = QSize(1500, 900)  # at most: a smaller screen gets a window that fits it (fitted_size)


class RunGrid(QWidget):
    """One run's sample grid under its label (in run number `run`'s colour) and a caption."""

    def __init__(self, label: str, run: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.run = run
        self.label = QLabel(label)
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # long labels wrap, not widen
        self.caption = QLabel("")
        self.pixels = PixelGrid()
        layout.addWidget(self.label)
        layout.addWidget(self.caption)
        layout.addWidget(self.pixels, 1)
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        self.label.setStyleSheet(f"color: {theme.runs[self.run]}; font-weight: bold;")


class CompareWindow(QWidget):
    """A window comparing the runs in `folders` (2 to 8 run folders; RunsError otherwise, or
    for a run whose run.toml cannot be read). slider: the timeline over `comparison.steps`.
    `settings` keep a theme chosen in its View menu (None: the user's)."""

    def __init__(self, folders: list[Path], parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setWindowIcon(app_icon())
        self.comparison = Comparison.load([Path(f) for f in folders])
        runs = self.comparison.runs
        self.setWindowTitle(f"GAN Studio — compare {len(runs)} runs: {', '.join(d.name for d in runs)}")
        layout = QVBoxLayout(self)
        self.notes = QLabel("\n".join(self.comparison.notes))
        self.notes.setWordWrap(True)
        self.notes.setVisible(bool(self.comparison.notes))
        layout.addWidget(self.notes)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        layout.addWidget(splitter, 1)
        self.plots = ComparePlots(self.comparison)
        splitter.addWidget(self.plots)
        splitter.addWidget(self._grids_side())
        layout.setMenuBar(self._menu_bar(settings))
        size = fitted_size(WINDOW_SIZE, self.screen().availableGeometry().size())
        self.resize(size)
        splitter.setSizes([size.width() // 2] * 2)
        self._scrub(self.slider.value())
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        self.notes.setStyleSheet(f"color: {theme.marker};")  # the plots' marker colour: what to read with care

    def _menu_bar(self, settings: QSettings | None) -> QMenuBar:
        """File: the two exports (as the buttons) and Close (Ctrl+W); View: the theme."""
        bar = QMenuBar(self)
        file_menu = bar.addMenu("&File")
        self.gif_action = file_menu.addAction("Export GIF…", self.export_gif)
        self.gif_action.setEnabled(self.gif_button.isEnabled())
        self.plots_action = file_menu.addAction("Export plots…", self.export_plots)
        file_menu.addSeparator()
        self.close_action = file_menu.addAction("Close", self.close)
        self.close_action.setShortcut(QKeySequence("Ctrl+W"))
        self.addAction(self.close_action)
        bar.addMenu("&View").addMenu(theme_menu(self, settings))
        return bar

    def _grids_side(self) -> QWidget:
        """The runs' grids (in ceil(sqrt(n)) equal columns), the timeline and the exports."""
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        runs = self.comparison.runs
        columns = math.ceil(math.sqrt(len(runs)))
        grids = QGridLayout()
        self.grids = [RunGrid(d.label, i) for i, d in enumerate(runs)]
        for i, grid in enumerate(self.grids):
            grids.addWidget(grid, i // columns, i % columns)
        for column in range(columns):
            grids.setColumnStretch(column, 1)
        for row in range(math.ceil(len(runs) / columns)):
            grids.setRowStretch(row, 1)
        layout.addLayout(grids, 1)
        timeline = QHBoxLayout()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, max(0, len(self.comparison.steps) - 1))
        self.slider.setValue(self.slider.maximum())
        self.slider.setEnabled(len(self.comparison.steps) > 1)
        self.slider.setToolTip("Scrub every run's recorded sample grids together.")
        self.slider.valueChanged.connect(self._scrub)
        self.step_label = QLabel("")
        timeline.addWidget(QLabel("Step"))
        timeline.addWidget(self.slider, 1)
        timeline.addWidget(self.step_label)
        layout.addLayout(timeline)
        exports = QHBoxLayout()
        self.gif_button = QPushButton("Export GIF…")
        self.gif_button.setToolTip("The grids side by side with each run's label and the step, as an animated GIF.")
        self.gif_button.setEnabled(len(self.comparison.steps) > 0)
        self.gif_button.clicked.connect(self.export_gif)
        self.plots_button = QPushButton("Export plots…")
        self.plots_button.setToolTip("The overlaid plots and their legend as a PNG image or an SVG drawing.")
        self.plots_button.clicked.connect(self.export_plots)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        exports.addWidget(self.gif_button)
        exports.addWidget(self.plots_button)
        exports.addWidget(self.status, 1)
        layout.addLayout(exports)
        return side

    @property
    def step(self) -> int | None:
        """The step the slider is at (None when no run has recorded frames)."""
        steps = self.comparison.steps
        return int(steps[self.slider.value()]) if len(steps) else None

    def _scrub(self, _position: int) -> None:
        """Show every run's frame nearest at or before the slider's step."""
        step = self.step
        self.step_label.setText("no recorded frames" if step is None else f"{step:,}")
        self.plots.show_step(step)
        for grid, data, (frame, frame_step) in zip(self.grids, self.comparison.runs, self.comparison.frames_at(step or 0)):
            if frame is not None:
                grid.pixels.show_array(frame)
                grid.caption.setText(f"step {frame_step:,}")
            elif grid.pixels.array is not None:
                grid.pixels.show_array(np.zeros_like(grid.pixels.array))
            if frame is None:
                grid.caption.setText("no recorded frames" if not data.frames else "no frame yet")

    def export_gif(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the grids as a GIF", "compare.gif", "GIF images (*.gif)")
        if path:
            path = path if path.lower().endswith(".gif") else path + ".gif"
            self._export(lambda: f"{Path(path).name}: {export_gif(self.comparison, path, max_mb=DEFAULT_MAX_MB).describe()}")

    def export_plots(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export the plots", "compare.png", "PNG images (*.png);;SVG drawings (*.svg)"
        )
        if path:
            if Path(path).suffix.lower() not in (".png", ".svg"):
                path += ".svg" if "svg" in chosen.lower() else ".png"
            self._export(lambda: export_plots(self.plots.graphics.ci, path).name)

    def _export(self, write) -> None:
        """Run `write` (returns what it wrote, in words) with a busy cursor; the outcome in the status line."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.status.setText(f"Wrote {write()}")
        except USER_ERRORS as exc:
            self.status.setText(f"Not written: {exc}")
        finally:
            QApplication.restoreOverrideCursor()
