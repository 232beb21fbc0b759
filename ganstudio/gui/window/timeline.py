"""The timeline under the sample view: a slider that scrubs through the recorded grids.

Slider positions 0 .. n-1 are the recorded frames (oldest first); the rightmost position n is
the live grid. While a recorded frame is shown, the sample view keeps it (snapshots still
arrive, they only move the slider's end), its step is written beside the slider and marked
on the loss plot. "Live" or dragging to the end returns to the live grid.

Per snapshot the timeline only sets the slider's maximum (and, while scrubbing, keeps the
shown step selected when the recorder thins its frames), so it costs next to nothing.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from ganstudio.gui.plots import PlotsPanel
from ganstudio.gui.window.samples import SampleView
from ganstudio.run.snapshot import Snapshot


class Timeline(QWidget):
    """Decides whether `samples` shows the live grid or a recorded frame; `plots` gets the mark."""

    def __init__(self, samples: SampleView, plots: PlotsPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._samples, self._plots = samples, plots
        self._snapshot: Snapshot | None = None
        self.shown_step: int | None = None  # step of the recorded frame on show; None = live
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.live_button = QPushButton("Live")
        self.live_button.setToolTip("Back to the live samples (or drag the slider to its right end).")
        self.live_button.setEnabled(False)
        self.live_button.clicked.connect(self.go_live)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.slider.setToolTip(
            "Scrub through the recorded sample grids (one every run.record_every steps);\n"
            "the right end is the live grid. The frame's step is marked on the loss plot."
        )
        self.slider.valueChanged.connect(self._moved)
        self.label = QLabel("no frames recorded yet")
        self.label.setMinimumWidth(190)
        layout.addWidget(self.live_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)

    @property
    def is_live(self) -> bool:
        return self.shown_step is None

    def show_snapshot(self, snap: Snapshot) -> None:
        """Take a new snapshot: the live grid goes to the sample view unless a frame is shown."""
        self._snapshot = snap
        n = len(snap.frames)
        if self.shown_step is not None and n == 0:  # the run was reset or replaced
            self._forget_frame()
        with QSignalBlocker(self.slider):
            self.slider.setMaximum(n)
            self.slider.setEnabled(n > 0)
            if self.shown_step is None:
                self.slider.setValue(n)
            else:
                self.slider.setValue(self._index_of(self.shown_step))
        if self.shown_step is None:
            self._samples.show_snapshot(snap)
        elif int(snap.frame_steps[self.slider.value()]) != self.shown_step:
            self._show_frame(self.slider.value())  # the recorder thinned the shown frame away
        self._describe()

    def go_live(self) -> None:
        """Show the live grid again (the slider moves to its end)."""
        self.slider.setValue(self.slider.maximum())

    def _moved(self, position: int) -> None:
        snap = self._snapshot
        if snap is None:
            return
        if position < len(snap.frames):
            self._show_frame(position)
            return
        self._forget_frame()
        self.show_snapshot(snap)

    def _forget_frame(self) -> None:
        self.shown_step = None
        self.live_button.setEnabled(False)
        self._plots.show_frame_step(None)

    def _show_frame(self, i: int) -> None:
        snap = self._snapshot
        step = int(snap.frame_steps[i])
        self.shown_step = step
        self._samples.show_frame(snap.frames[i], step)
        self._plots.show_frame_step(step)
        self.live_button.setEnabled(True)
        self._describe()

    def _describe(self) -> None:
        n = len(self._snapshot.frames)
        if self.shown_step is not None:
            self.label.setText(f"frame {self.slider.value() + 1} of {n} · step {self.shown_step:,}")
        else:
            self.label.setText(f"live · {n} frames" if n else "no frames recorded yet")

    def _index_of(self, step: int) -> int:
        """Index of the recorded frame nearest to `step` (frames exist)."""
        steps = self._snapshot.frame_steps
        i = int(np.clip(np.searchsorted(steps, step), 0, len(steps) - 1))
        return i - 1 if i > 0 and step - steps[i - 1] < steps[i] - step else i
