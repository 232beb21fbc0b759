"""The Export dialog: the recorded film of a run as an animated GIF or an MP4.

It works on the film of the run when it was opened (`Snapshot.film`: the recorded frames, shared
and read-only, so training goes on untouched, and the samples at the snapshot's step when they
are newer, so the film ends on the run's step). The options are the export layer's: format, frame
range, frames per second, nearest-neighbour scale, GIF loop count, the step label and the
loss panel beside the grid, and the GIF's size limit. The first and last frame of the range
are previewed exactly as they will be written (the writers' own `FrameComposer`); the GIF's
size is estimated in the background as the options change (`plan_gif`: gray levels and
frames kept to fit the limit). Export writes in a background thread with a progress bar;
Cancel stops it and, as any failure, leaves no file behind.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.export.export_job import ExportJob, Progress
from ganstudio.gui.theme import current_theme, error_style
from ganstudio.media import GifPlan, LossPanel, plan_gif, write_gif, write_mp4
from ganstudio.media.compose import FrameComposer
from ganstudio.media.gif import MAX_FPS
from ganstudio.media.gif_budget import DEFAULT_MAX_MB, MB, smallest_film
from ganstudio.media.video import MACRO_BLOCK
from ganstudio.run.snapshot import Snapshot

SUFFIXES = {"GIF": ".gif", "MP4": ".mp4"}
PREVIEW_MIN = (320, 180)  # the smallest preview box, in pixels; previews grow with the dialog
ESTIMATE_DELAY_MS = 150  # estimate once the options have stood still this long


class FramePreview(QWidget):
    """One composed frame (uint8 (H, W)) drawn as large as the widget allows, centred: enlarged
    by a whole factor (nearest neighbour) when it fits, shrunk smoothly when it does not.
    `frame` is the array shown, `image` its QImage (None when there is nothing to show)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(*PREVIEW_MIN)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.frame: np.ndarray | None = None
        self.image: QImage | None = None

    def set_frame(self, frame: np.ndarray | None) -> None:
        self.frame = frame
        if frame is None:
            self.image = None
        else:
            h, w = frame.shape
            self.image = QImage(np.ascontiguousarray(frame).data, w, h, w, QImage.Format.Format_Grayscale8).copy()
        self.update()

    def target(self) -> QRect:
        """Where the image is drawn inside the widget."""
        w, h = self.image.width(), self.image.height()
        zoom = min(self.width() / w, self.height() / h)
        zoom = float(int(zoom)) if zoom >= 1 else zoom
        size = QSize(max(1, round(w * zoom)), max(1, round(h * zoom)))
        return QRect(QPoint((self.width() - size.width()) // 2, (self.height() - size.height()) // 2), size)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(current_theme().plot_background))  # as the sample grid's pane
        if self.image is not None:
            target = self.target()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, target.width() < self.image.width())
            painter.drawImage(target, self.image)


class ExportDialog(QDialog):
    """Export the film of `snapshot` (its recorded frames and its step's samples, as of opening).

    `state` is "idle", "exporting", "written", "failed" or "cancelled" (tests wait on it);
    `status` shows the outcome: the written file, or the writer's one-line error.
    """

    def __init__(self, snapshot: Snapshot, default_path: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export the training as GIF / MP4")
        self.steps, self.frames = snapshot.film()
        self.loss_panel = _loss_panel(snapshot.series)
        self.state = "idle"
        self.job: ExportJob | None = None
        self._started = 0.0
        n = len(self.frames)

        self.format = QComboBox()
        self.format.addItems(list(SUFFIXES))
        self.first = self._spin(0, max(n - 1, 0), 0, "First exported frame (0 = the oldest recorded).")
        self.last = self._spin(0, max(n - 1, 0), max(n - 1, 0), "Last exported frame (included).")
        self.range_info = QLabel("")
        self.fps = self._spin(1, int(MAX_FPS), 10, "Frames per second of the animation.")
        self.scale = self._spin(1, 8, 2, "Nearest-neighbour enlargement: every pixel becomes scale x scale pixels.")
        self.scale.setSuffix(" x")
        self.loop = self._spin(0, 100, 0, "GIF loop count, as in Pillow: 0 loops forever. Videos do not loop.")
        self.loop.setSpecialValueText("forever")
        self.label = QCheckBox("Step label")
        self.label.setChecked(True)
        self.label.setToolTip('Write "step 12,345" at the top-left of each grid.')
        self.panel = QCheckBox("Loss panel")
        self.panel.setChecked(self.loss_panel is not None)
        self.panel.setEnabled(self.loss_panel is not None)
        self.panel.setToolTip("Draw D's loss (white) and G's loss (gray) up to each frame's step beside the grid.")
        self.size_info = QLabel("")
        self.max_mb = QDoubleSpinBox()
        self.max_mb.setRange(0.0, 1000.0)
        self.max_mb.setDecimals(2)
        self.max_mb.setValue(DEFAULT_MAX_MB)
        self.max_mb.setSuffix(" MB")
        self.max_mb.setSpecialValueText("no limit")
        self.max_mb.setToolTip(
            "Size limit of the GIF: fewer gray levels first, then fewer frames, only as needed. "
            "0 = no limit: exact grays, every frame."
        )
        self.estimate = QLabel("")
        self.plan: GifPlan | None = None  # the latest estimate (None: none yet, or the limit cannot be met)
        self.estimating = False  # an estimate is due or running (tests wait on it)
        self._estimate_job: ExportJob | None = None
        self._estimate_due = False  # the timer fired while an estimate was running
        self._generation = 0  # counts option changes
        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self._start_estimate)
        self.path = QLineEdit(str(default_path))
        self.browse = QPushButton("Browse…")
        self.first_preview, self.last_preview = FramePreview(), FramePreview()
        self.first_caption, self.last_caption = QLabel(""), QLabel("")
        self.progress = QProgressBar()
        self.progress.setRange(0, max(n, 1))
        self.progress.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton("Export")
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setEnabled(False)
        self.close_button = QPushButton("Close")
        for button in (self.browse, self.export_button, self.cancel_button, self.close_button):
            button.setAutoDefault(False)  # Enter in a spin box must not start (or end) anything
        self.options = QWidget()
        self._lay_out(n)
        self.resize(1000, 640)

        # Keep first <= last before the preview sees the new range.
        self.first.valueChanged.connect(lambda v: self.last.setValue(max(v, self.last.value())))
        self.last.valueChanged.connect(lambda v: self.first.setValue(min(v, self.first.value())))
        for spin in (self.first, self.last, self.fps, self.scale, self.loop, self.max_mb):
            spin.valueChanged.connect(self.update_preview)
        for box in (self.label, self.panel):
            box.toggled.connect(self.update_preview)
        self.format.currentTextChanged.connect(self._format_changed)
        self.path.textChanged.connect(self._check_ready)
        self.browse.clicked.connect(self._browse)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.close_button.clicked.connect(self.reject)
        self.update_preview()

    # -- layout ---------------------------------------------------------------------------------
    @staticmethod
    def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

    def _lay_out(self, n: int) -> None:
        layout = QVBoxLayout(self)
        if n:
            summary = f"{n} frames, steps {int(self.steps[0]):,} to {int(self.steps[-1]):,} (as of opening this dialog)."
        else:
            summary = "Nothing to export yet: the run has not trained a step."
        layout.addWidget(QLabel(summary))
        previews = QHBoxLayout()
        for preview, caption in ((self.first_preview, self.first_caption), (self.last_preview, self.last_caption)):
            column = QVBoxLayout()
            column.addWidget(preview, 1)
            column.addWidget(caption, 0, Qt.AlignmentFlag.AlignHCenter)
            previews.addLayout(column)
        layout.addLayout(previews, 1)

        form = QFormLayout(self.options)
        form.setContentsMargins(0, 0, 0, 0)
        kind = QHBoxLayout()
        kind.addWidget(self.format)
        kind.addStretch(1)
        form.addRow("Format", kind)
        frames = QHBoxLayout()
        for widget in (self.first, QLabel("to"), self.last, self.range_info):
            frames.addWidget(widget)
        frames.addStretch(1)
        form.addRow("Frames", frames)
        timing = QHBoxLayout()
        for widget in (self.fps, QLabel("Scale"), self.scale, QLabel("Loop"), self.loop):
            timing.addWidget(widget)
        timing.addStretch(1)
        form.addRow("Frames/s", timing)
        extras = QHBoxLayout()
        for widget in (self.label, self.panel, self.size_info):
            extras.addWidget(widget)
        extras.addStretch(1)
        form.addRow("Draw", extras)
        size = QHBoxLayout()
        size.addWidget(self.max_mb)
        size.addWidget(self.estimate, 1)
        form.addRow("Size limit", size)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(self.browse)
        form.addRow("File", where)
        layout.addWidget(self.options)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.export_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.options.setEnabled(n > 0)

    # -- options and preview --------------------------------------------------------------------
    def _composition(self) -> dict[str, Any]:
        """The frame composition chosen (FrameComposer / writer keyword arguments)."""
        return {
            "scale": self.scale.value(),
            "label": self.label.isChecked(),
            "start": self.first.value(),
            "stop": self.last.value() + 1,
            "loss_panel": self.loss_panel if self.panel.isChecked() else None,
        }

    def composer(self) -> FrameComposer:
        """The frames as the chosen writer will write them (MP4 pads to macro blocks)."""
        block = MACRO_BLOCK if self.format.currentText() == "MP4" else 1
        return FrameComposer(self.frames, self.steps, block=block, **self._composition())

    def update_preview(self) -> None:
        """Compose the first and last frame of the range and show them, with the output size;
        schedule a new size estimate."""
        gif = self.format.currentText() == "GIF"
        self.loop.setEnabled(gif)
        self.max_mb.setEnabled(gif)
        self._schedule_estimate(gif and bool(self.frames))
        if not self.frames:
            self._check_ready()
            return
        first, last = self.first.value(), self.last.value()
        count = last - first + 1
        self.range_info.setText(f"steps {int(self.steps[first]):,} to {int(self.steps[last]):,} · {count} frames")
        try:
            composer = self.composer()
        except ValueError as exc:  # e.g. grids too small to carry a loss panel
            self.first_preview.set_frame(None)
            self.last_preview.set_frame(None)
            self._show_status(str(exc), error=True)
            self.export_button.setEnabled(False)
            self._schedule_estimate(False)
            return
        self.first_preview.set_frame(composer[0])
        self.last_preview.set_frame(composer[len(composer) - 1])
        self.first_caption.setText(f"first: step {int(self.steps[first]):,}")
        self.last_caption.setText(f"last: step {int(self.steps[last]):,}")
        height, width = composer.shape
        self.size_info.setText(f"{width} x {height} px · {count / self.fps.value():.1f} s")
        if self.state == "idle":
            self._show_status("")
        self._check_ready()

    # -- size estimate (GIF) --------------------------------------------------------------------
    def _max_mb(self) -> float | None:
        return self.max_mb.value() or None

    def _schedule_estimate(self, wanted: bool) -> None:
        """Estimate the GIF's size once the options stand still (or clear the estimate)."""
        self._generation += 1  # results of earlier options are dropped
        self.plan = None
        self.estimating = wanted
        self._estimate_timer.stop()
        self._set_estimate("estimating…" if wanted else "")
        if wanted:
            self._estimate_timer.start()

    def _start_estimate(self) -> None:
        if self._estimate_job is not None:  # one at a time: this one starts when the running one ends
            self._estimate_due = True
            return
        frames, steps, composition, max_mb = self.frames, self.steps, self._composition(), self._max_mb()
        generation = self._generation
        self._estimate_due = False
        self._estimate_job = ExportJob(lambda progress: (generation, plan_gif(frames, steps, max_mb=max_mb, **composition)), self)
        self._estimate_job.written.connect(self._estimated)
        self._estimate_job.failed.connect(lambda message: self._estimated((generation, None), message))
        self._estimate_job.start()

    def _estimated(self, result: tuple[int, GifPlan | None], failure: str = "") -> None:
        generation, plan = result
        self._estimate_job.wait()
        self._estimate_job = None
        if self._estimate_due:
            self._start_estimate()
        if generation != self._generation:
            return
        self.plan, self.estimating = plan, False
        if failure:
            self._set_estimate(failure, error=True)
        elif plan is None:
            least = smallest_film(self.last.value() - self.first.value() + 1)
            self._set_estimate(f"cannot fit in {self._max_mb():g} MB, not even with {least}", error=True)
        else:
            self._set_estimate(f"≈ {plan.estimate / MB:.1f} MB: {plan.describe()}")

    def _set_estimate(self, text: str, error: bool = False) -> None:
        self.estimate.setText(text)
        self.estimate.setStyleSheet(error_style() if error else "")

    def _format_changed(self, name: str) -> None:
        path = Path(self.path.text())
        if path.suffix.lower() in SUFFIXES.values():
            self.path.setText(str(path.with_suffix(SUFFIXES[name])))
        self.update_preview()

    def _check_ready(self) -> None:
        ready = (
            bool(self.frames)
            and bool(self.path.text().strip())
            and self.state != "exporting"
            and self.first_preview.frame is not None
        )
        self.export_button.setEnabled(ready)

    def _browse(self) -> None:
        name = self.format.currentText()
        path, _ = QFileDialog.getSaveFileName(self, f"Export {name}", self.path.text(), f"{name} (*{SUFFIXES[name]})")
        if path:
            self.path.setText(path)

    # -- exporting ------------------------------------------------------------------------------
    def start_export(self) -> None:
        """Write the chosen range to the chosen file in a background thread."""
        path = Path(self.path.text().strip()).expanduser()
        options = {**self._composition(), "fps": self.fps.value()}
        gif = self.format.currentText() == "GIF"
        if gif:
            options.update(loop=self.loop.value(), max_mb=self._max_mb())
        frames, steps = self.frames, self.steps

        def write(progress: Progress) -> tuple[Path, str]:
            """(the written file, what it holds in words)."""
            if gif:
                result = write_gif(path, frames, steps, progress=progress, **options)
                return result.path, result.describe()
            written = write_mp4(path, frames, steps, progress=progress, **options)
            return written, f"{options['stop'] - options['start']} frames, {written.stat().st_size / MB:.1f} MB"

        self.job = ExportJob(write, self)
        self.job.progress.connect(self._progress)
        self.job.written.connect(self._written)
        self.job.failed.connect(lambda message: self._finished("failed", message, error=True))
        self.job.cancelled.connect(lambda: self._finished("cancelled", "Export cancelled; nothing was written."))
        self.state = "exporting"
        self.progress.setRange(0, len(self.composer()))
        self.progress.setValue(0)
        self._show_status(f"Writing {path.name}…")
        self.options.setEnabled(False)
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._started = time.monotonic()
        self.job.start()

    def cancel_export(self) -> None:
        if self.job is not None and self.state == "exporting":
            self.cancel_button.setEnabled(False)
            self._show_status("Cancelling…")
            self.job.cancel()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _written(self, written: tuple[Path, str]) -> None:
        path, what = written
        seconds = time.monotonic() - self._started
        self._finished("written", f"Wrote {path} in {seconds:.1f} s: {what}.")

    def _finished(self, state: str, message: str, error: bool = False) -> None:
        self.state = state
        self.job.wait()
        self.job = None
        if state != "written":
            self.progress.setValue(0)
        self._show_status(message, error)
        self.options.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self._check_ready()

    def _show_status(self, message: str, error: bool = False) -> None:
        self.status.setText(message)
        self.status.setStyleSheet(error_style() if error else "")

    def done(self, result: int) -> None:
        """Closing the dialog cancels a running export and waits for its thread (and an estimate's)."""
        self._estimate_timer.stop()
        for job in (self.job, self._estimate_job):
            if job is not None:
                job.cancel()
                job.wait()
        super().done(result)


def _loss_panel(series: dict[str, tuple[np.ndarray, np.ndarray]]) -> LossPanel | None:
    """The loss panel from a snapshot's history, or None before the first step."""
    steps, d_loss = series["d_loss"]
    _, g_loss = series["g_loss"]
    return LossPanel(steps, d_loss, g_loss) if len(steps) else None
