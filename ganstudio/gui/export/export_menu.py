"""The File menu's export entries: GIF/MP4 (the Export dialog), the latent walk under the grid as
GIF/MP4, the sample grid as PNG, the history as CSV, the plots as PNG or SVG, the generator as ONNX.

Each entry asks for a file name, then calls a method that takes the path (tests call those
directly) and reports the outcome in the window's status bar, or an error in its banner.
Every file is written atomically: it appears complete or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu

from ganstudio.files.atomic import WriteError
from ganstudio.gui.export.export_dialog import ExportDialog
from ganstudio.gui.export.plot_export import export_plots
from ganstudio.gui.window.worker import ExportGenerator
from ganstudio.media import write_csv, write_gif, write_mp4, write_png
from ganstudio.media.gif_budget import DEFAULT_MAX_MB
from ganstudio.media.onnx_export import onnx_module
from ganstudio.record.history import csv_columns
from ganstudio.render.scatter import plot_points
from ganstudio.run.snapshot import Snapshot
from ganstudio.run.walk import FPS, GIF_SCALE

ONNX_FILTER = "ONNX model (*.onnx)"


class ExportMenu(QObject):
    """Export actions of `window`, a MainWindow: it reads `window.snapshot` (the last one
    shown), the weights `window.samples` shows and `window.plots.graphics`, and reports through
    `window.statusBar()` and `window.show_error`; the walk it exports is `window.walk.walk`. The
    generator's weights stay in the training thread: its export is a command to
    `window.host.worker`, which reports back."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: ExportDialog | None = None
        window.host.worker.exported.connect(lambda text: window.statusBar().showMessage(f"Generator exported: {text}", 8000))

    def add_to(self, menu: QMenu) -> None:
        """Add the five entries to `menu`."""
        for text, slot in (
            ("Export GIF/MP4…", self.open_export_dialog),
            ("Export latent walk as GIF/MP4…", self.ask_walk_export),
            (
                "Save sample grid as PNG…",
                lambda: self._ask_and_write("Save sample grid", "samples.png", "PNG image (*.png)", self.save_grid_png),
            ),
            (
                "Export history as CSV…",
                lambda: self._ask_and_write("Export history", "history.csv", "CSV table (*.csv)", self.export_history_csv),
            ),
            (
                "Export plots as PNG/SVG…",
                lambda: self._ask_and_write(
                    "Export plots", "plots.png", "PNG image (*.png);;SVG drawing (*.svg)", self.export_plots
                ),
            ),
            ("Export generator…", self.ask_export_generator),
        ):
            menu.addAction(text).triggered.connect(slot)

    # -- the entries, each taking a path ---------------------------------------------------------
    def open_export_dialog(self) -> ExportDialog | None:
        """Open the Export dialog on the run's film so far (non-modal: training goes on)."""
        snap = self.window.snapshot
        if snap is None:
            return None
        if self.dialog is not None and self.dialog.state == "exporting":
            self.dialog.raise_()  # one export at a time
            return self.dialog
        self.close_dialog()
        self.dialog = ExportDialog(snap, Path.home() / "ganstudio-run.gif", self.window)
        self.dialog.show()
        return self.dialog

    def close_dialog(self) -> None:
        """Close the Export dialog (cancelling a running export)."""
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def save_grid_png(self, path: str | Path) -> Path:
        """The current sample grid of the weights the view shows (live, EMA or best so far; the
        2D data's points in colour over the real ones, with axes, as `ganstudio sample` draws them) as PNG."""
        snap = self._snapshot()
        if snap.grid is not None:
            return write_png(path, self.window.samples.grid_of(snap)[0])
        caption = f"{snap.config.data.dataset}, step {snap.step:,}"
        return write_png(path, plot_points(snap.points, snap.real_points, snap.heatmap_extent, caption=caption))

    def ask_walk_export(self) -> None:
        """Ask for a file name and write the latent walk shown under the grid there."""
        self._ask_and_write("Export latent walk", "walk.gif", "GIF animation (*.gif);;MP4 video (*.mp4)", self.export_walk)

    def export_walk(self, path: str | Path) -> Path:
        """The latent walk shown under the grid (each stop a frame) as an MP4 for a .mp4 name,
        else a GIF, as `ganstudio walk` writes them: FPS frames a second, enlarged GIF_SCALE
        times, the GIF within the size limit of `train --gif`."""
        walk = self.window.walk.walk
        if walk is None:
            raise WriteError("No latent walk to export: Ctrl-click two cells of the sample grid first.")
        if Path(path).suffix.lower() == ".mp4":
            return write_mp4(path, walk.frames, fps=FPS, scale=GIF_SCALE)
        return write_gif(path, walk.frames, fps=FPS, scale=GIF_SCALE, max_mb=DEFAULT_MAX_MB).path

    def export_history_csv(self, path: str | Path) -> Path:
        """The training history as CSV: a step column, then one column per history field."""
        return write_csv(path, csv_columns(self._snapshot().series))

    def export_plots(self, path: str | Path) -> Path:
        """The plots (all six rows) as one picture: SVG for a .svg name, else PNG."""
        return export_plots(self.window.plots.graphics.ci, path)

    def ask_export_generator(self) -> None:
        """Ask for an .onnx file (a missing onnx extra is said first), then export the generator."""
        try:
            onnx_module()
        except WriteError as exc:
            self.window.show_error(str(exc))
            return
        path, _ = QFileDialog.getSaveFileName(self.window, "Export generator", str(Path.home() / "generator.onnx"), ONNX_FILTER)
        if path:
            self.export_generator(path)

    def export_generator(self, path: str | Path) -> None:
        """Have the training thread write the generator of the weights the sample view shows (best
        so far, EMA or live) as an ONNX model; it reports in the status bar, or in the banner."""
        samples = self.window.samples
        self.window.submit(ExportGenerator(str(path), samples.use_best.isChecked(), samples.use_ema.isChecked()))

    # -- helpers --------------------------------------------------------------------------------
    def _snapshot(self) -> Snapshot:
        if self.window.snapshot is None:
            raise WriteError("Nothing to export yet: the run is still opening.")
        return self.window.snapshot

    def _ask_and_write(self, title: str, name: str, filters: str, write: Callable[[str], Path]) -> None:
        path, chosen = QFileDialog.getSaveFileName(self.window, title, str(Path.home() / name), filters)
        if not path:
            return
        if not Path(path).suffix:  # "plots" with the SVG filter chosen -> "plots.svg"
            path += chosen[chosen.rfind("*.") + 1 : chosen.rfind(")")]
        try:
            written = write(path)
        except WriteError as exc:
            self.window.show_error(str(exc))
        else:
            self.window.statusBar().showMessage(f"Saved {written}", 8000)
