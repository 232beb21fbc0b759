"""The run toolbar: Start, Pause/Resume, Step (both, D only, G only), Reset, Revert, and the
stop condition (pause at step N or after T minutes)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from ganstudio.run import commands as cmd


class RunControls(QWidget):
    """Emits `command(obj)` with a ganstudio.run.commands value for every click."""

    command = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)

        def button(text: str, tip: str, command) -> QPushButton:
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(lambda: self.command.emit(command() if callable(command) else command))
            layout.addWidget(b)
            return b

        self.start_button = button("Start", "Start training (Space pauses and resumes).", cmd.Resume())
        self.pause_button = button("Pause", "Pause training (Space).", cmd.Pause())
        self.step_button = button("Step", "One training iteration (D then G) while paused.", cmd.StepOnce("both"))
        self.d_step_button = button("D only", "One discriminator update while paused.", cmd.StepOnce("d"))
        self.g_step_button = button("G only", "One generator update while paused.", cmd.StepOnce("g"))
        self.reset_button = button("Reset", "Start over from the seed (applies pending settings).", cmd.Reset())
        self.revert_button = button(
            "Revert last change",
            "Restore weights, optimizer state and randomness to just before the last live change.",
            cmd.RevertLastChange(),
        )
        layout.addSpacing(16)
        layout.addWidget(QLabel("Pause at step"))
        self.stop_step = QSpinBox()
        self.stop_step.setRange(0, 2**31 - 1)
        self.stop_step.setSpecialValueText("off")
        self.stop_step.setSingleStep(1000)
        self.stop_step.setToolTip("Pause when the run reaches this step (off = never).")
        layout.addWidget(self.stop_step)
        layout.addWidget(QLabel("or after"))
        self.stop_minutes = QDoubleSpinBox()
        self.stop_minutes.setRange(0, 10_000)
        self.stop_minutes.setDecimals(1)
        self.stop_minutes.setSuffix(" min")
        self.stop_minutes.setSpecialValueText("off")
        self.stop_minutes.setToolTip("Pause after this many more minutes of training (off = never).")
        layout.addWidget(self.stop_minutes)
        layout.addStretch(1)
        for spin in (self.stop_step, self.stop_minutes):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._stop_condition)

    def _stop_condition(self) -> None:
        step = self.stop_step.value() or None
        minutes = self.stop_minutes.value()
        self.command.emit(cmd.SetStopCondition(cmd.StopCondition(at_step=step, after_seconds=minutes * 60 if minutes else None)))

    def show_state(self, paused: bool, step: int, can_revert: bool) -> None:
        self.start_button.setEnabled(paused)
        self.start_button.setText("Resume" if step else "Start")
        self.pause_button.setEnabled(not paused)
        for b in (self.step_button, self.d_step_button, self.g_step_button):
            b.setEnabled(paused)
        self.revert_button.setEnabled(can_revert)
