"""The control panel: every config setting as a widget, grouped, with tooltips.

Edits are emitted as ``edited(key, value)``; the window turns them into commands. The panel
shows the session's config (plus pending architecture edits) from snapshots, never its own
idea of the truth.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.config.applicability import applies
from ganstudio.config.model import CHOICES, SECTIONS, RunConfig, field_kind, range_for
from ganstudio.engine.network import describe
from ganstudio.engine.optimizers import lr_in_effect
from ganstudio.gui.theme import Theme, follow_theme, style_plot
from ganstudio.gui.widgets import ClassPicker, IntListEdit, ScientificSpinBox, is_close
from ganstudio.gui.window.edit_gestures import EditCoalescer
from ganstudio.gui.window.help_texts import help_for
from ganstudio.gui.window.layer_table import LayerTable
from ganstudio.gui.window.tensorboard_row import TensorBoardRow
from ganstudio.run.change_plan import BOTH, NETWORK_SECTIONS, SHARED_ARCHITECTURE_KEYS, Outcome, preview

SCIENTIFIC = ("lr", "eps", "decay")
STEP_COUNTS = ("run.record_every", "schedule.step_size", "schedule.total", "schedule.boundary", "schedule.warmup")
STEP_COUNT_STEP = 100  # the arrows of a step-count box move by this many steps
SPIN_BOX_MAX = 2**31 - 1  # a QSpinBox holds a C int
DECIMALS = 4  # of the plain number boxes; an open bound is kept one such digit away
SCIENTIFIC_FLOOR = 1e-12  # the smallest value of a scientific box whose range is open at 0 (lr, eps)

GROUPS: list[tuple[str, list[str]]] = [
    ("Data", ["data.dataset", "data.classes", "data.batch_size"]),
    (
        "Generator",
        [
            "generator.kind",
            "generator.latent_size",
            "generator.hidden",
            "generator.channels",
            "generator.kernel",
            "generator.upsample",
            "generator.batch_norm",
            "generator.activation",
            "generator.alpha",
            "generator.output",
            "generator.init",
            "generator.init_std",
        ],
    ),
    (
        "Discriminator",
        [
            "discriminator.kind",
            "discriminator.hidden",
            "discriminator.channels",
            "discriminator.kernel",
            "discriminator.batch_norm",
            "discriminator.spectral_norm",
            "discriminator.activation",
            "discriminator.alpha",
            "discriminator.dropout",
            "discriminator.init",
            "discriminator.init_std",
        ],
    ),
    ("Optimizer G", [f"optimizer.g.{f.name}" for f in fields(SECTIONS["optimizer.g"])]),
    ("Optimizer D", [f"optimizer.d.{f.name}" for f in fields(SECTIONS["optimizer.d"])]),
    ("Schedule", [f"schedule.{f.name}" for f in fields(SECTIONS["schedule"])]),
    (
        "Training",
        [
            "training.loss",
            "training.d_steps",
            "training.label_smoothing",
            "training.clip",
            "training.ema",
            "training.ema_decay",
            "training.conditional",
            "seed",
        ],
    ),
    ("Recording", ["view.grid", "run.record_every"]),
]


def _visible(key: str, config: RunConfig) -> bool:
    """Whether a control applies under the current choices (config.applicability: beta1 only for
    Adam, channels only for a conv network); `config` includes the pending architecture edits. A
    network's kind box is shown only where a conv net is possible (images) or already chosen."""
    section, _, name = key.rpartition(".")
    if section in ("generator", "discriminator") and name == "kind":
        return config.image_shape is not None or config.get(key) == "conv"  # 2D points have no conv nets
    return applies(key, config)


def _network_of(key: str) -> str | None:
    """ "g" for a generator setting, "d" for a discriminator one, else None."""
    return next((n for n, section in NETWORK_SECTIONS.items() if key.startswith(section)), None)


class ControlPanel(QScrollArea):
    """Grouped editors for every setting. Signals: edited(key, value), apply_network("g"|"d").
    A number box sends its value once the user has finished with it (EditCoalescer): holding
    its arrow is one edit, not one per tick."""

    edited = Signal(str, object)
    apply_network = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(340)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.editors: dict[str, QWidget] = {}
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        self.apply_buttons: dict[str, QPushButton] = {}
        self.pending_labels: dict[str, QLabel] = {}
        self.layer_tables: dict[str, LayerTable] = {}
        self._table_errors: dict[str, str] = {}  # a refused edit's message, shown until the settings change
        self._config: RunConfig | None = None
        self._pending: dict[str, Any] = {}
        self._quiet = False
        self.gestures = EditCoalescer(self)
        self.gestures.edited.connect(self.edited)
        for title, keys in GROUPS:
            layout.addWidget(self._group(title, keys))
        layout.addStretch(1)
        self.setWidget(body)
        follow_theme(self.restyle)

    def restyle(self, theme: Theme) -> None:
        """The schedule's preview plot and the "pending" notes in `theme`'s colours."""
        self.lr_plot.setBackground(theme.plot_background)
        style_plot(self.lr_plot.getPlotItem(), theme)
        self.lr_curve_g.setPen(pg.mkPen(theme.curves["G"], width=1.5))
        self.lr_curve_d.setPen(pg.mkPen(theme.curves["D"], width=1.5, style=Qt.PenStyle.DashLine))
        for pending in self.pending_labels.values():
            pending.setStyleSheet(f"color: {theme.marker};")

    # -- building -----------------------------------------------------------------------------
    def _group(self, title: str, keys: list[str]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(6, 4, 6, 4)
        form.setVerticalSpacing(3)
        for key in keys:
            editor = self._editor(key)
            editor.setToolTip(help_for(key))
            label = QLabel(key.rsplit(".", 1)[-1].replace("_", " "))
            label.setToolTip(help_for(key))
            form.addRow(label, editor)
            self.editors[key] = editor
            self.rows[key] = (label, editor)
        applies = {
            "Generator": (
                "g",
                "Apply to G",
                "Rebuild Generator from scratch with the pending settings; the other network keeps its weights.",
            ),
            "Discriminator": (
                "d",
                "Apply to D",
                "Rebuild Discriminator from scratch with the pending settings; the other network keeps its weights.",
            ),
            "Training": (
                BOTH,
                "Apply to G and D",
                "Rebuild both networks from scratch: conditioning changes both networks' inputs.",
            ),
        }
        if title in applies:
            network, text, tip = applies[title]
            if network != BOTH:
                table = LayerTable()
                form.addRow(table)
                self.layer_tables[network] = table
            row = QHBoxLayout()
            pending = QLabel("")
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, n=network: self.apply_network.emit(n))
            row.addWidget(pending, 1)
            row.addWidget(button)
            form.addRow(row)
            self.apply_buttons[network] = button
            self.pending_labels[network] = pending
        if title == "Recording":
            self.tensorboard = TensorBoardRow()
            form.addRow(self.tensorboard)
        if title == "Schedule":
            self.lr_plot = pg.PlotWidget()
            self.lr_plot.setFixedHeight(90)
            self.lr_plot.setMouseEnabled(False, False)
            self.lr_plot.hideButtons()
            self.lr_plot.getPlotItem().setLabel("bottom", "step")
            self.lr_plot.setToolTip("The learning rates the schedule implies (G solid, D dashed).")
            self.lr_curve_g = self.lr_plot.plot()  # solid
            self.lr_curve_d = self.lr_plot.plot()  # dashed
            form.addRow(self.lr_plot)
        return box

    def _editor(self, key: str) -> QWidget:
        name = key.rsplit(".", 1)[-1]
        choices = CHOICES.get(key)
        if choices:
            editor = QComboBox()
            editor.addItems(list(choices))
            editor.currentTextChanged.connect(lambda text, k=key: self._emit(k, text))
            return editor
        if key == "data.classes":
            editor = ClassPicker()
            editor.changed.connect(lambda classes, k=key: self._emit(k, classes))
            return editor
        kind = field_kind(key)
        rule = range_for(key)
        if kind == "bool":
            editor = QCheckBox()
            editor.toggled.connect(lambda on, k=key: self._emit(k, on))
            return editor
        if kind == "tuple":
            editor = IntListEdit(int(rule[0]), int(rule[1]))
            editor.committed.connect(lambda values, k=key: self._emit(k, values))
            editor.textEdited.connect(lambda _text, k=key, e=editor: self._preview_typed(k, e))
            return editor
        if kind == "int":
            editor = QSpinBox()
            editor.setRange(int(rule[0]), int(min(rule[1], SPIN_BOX_MAX)))
            editor.setKeyboardTracking(False)
            if key in STEP_COUNTS:
                editor.setSingleStep(STEP_COUNT_STEP)
            if name == "kernel":
                editor.setSingleStep(2)  # conv kernels are even
            editor.valueChanged.connect(lambda v, k=key: self._emit(k, int(v), at_once=False))
            self.gestures.watch(editor)
            return editor
        low, high, low_in, high_in = rule
        if name in SCIENTIFIC:
            editor = ScientificSpinBox(low if low_in else SCIENTIFIC_FLOOR, high)
        else:
            editor = QDoubleSpinBox()
            editor.setDecimals(DECIMALS)
            editor.setSingleStep(0.01)
            step = 10.0**-DECIMALS
            editor.setRange(low if low_in else low + step, high if high_in else high - step)
            editor.setKeyboardTracking(False)
        editor.valueChanged.connect(lambda v, k=key: self._emit(k, float(v), at_once=False))
        self.gestures.watch(editor)
        return editor

    # -- showing the session's settings ----------------------------------------------------------
    def _emit(self, key: str, value: Any, at_once: bool = True) -> None:
        """A user's edit: previewed now, sent now (`at_once`) or once its gesture ends."""
        if not self._quiet:
            self._preview(key, value)
            self.gestures.add(key, value, at_once)

    def flush(self) -> None:
        """Send the edits still held now (before a command that must come after them)."""
        self.gestures.flush()

    # -- the layer tables ---------------------------------------------------------------------
    def _preview(self, key: str, value: Any) -> None:
        """Show in the layer table of the network `key` belongs to what the edit would build, or
        why it does not fit (kept after the session refuses the edit and the controls go back)."""
        network = _network_of(key)
        if network is None and not key.startswith("data."):
            return
        if self._config is None:
            return
        p = preview(self._config, self._pending, key, value)
        for net in [network] if network else list(NETWORK_SECTIONS):
            if p.outcome is Outcome.REFUSED:
                self._table_errors[net] = p.reason
                self.layer_tables[net].show_error(p.reason)
            else:
                self._table_errors.pop(net, None)
                self._show_table(net, p.waiting)

    def _preview_typed(self, key: str, editor: IntListEdit) -> None:
        """While a layer list is typed: the table of what it would build (nothing is sent)."""
        values = editor.parse()
        if isinstance(values, str):
            self.layer_tables[_network_of(key)].show_error(f"{key}: {values}")
        else:
            self._preview(key, values)

    def _show_table(self, network: str, config: RunConfig) -> None:
        spec = config.generator_spec() if network == "g" else config.discriminator_spec()
        self.layer_tables[network].show_rows(describe(spec))

    def _update_tables(self, shown: RunConfig, keep_errors: bool) -> None:
        """The layer tables of `shown` (the config with its pending edits), but those showing why
        an edit does not fit when `keep_errors`."""
        for network in NETWORK_SECTIONS:
            if keep_errors and network in self._table_errors:
                continue
            self._table_errors.pop(network, None)
            self._show_table(network, shown)

    def show_config(self, config: RunConfig, pending: dict[str, Any], force: bool = False) -> None:
        """Show `config` with `pending` architecture edits on top; editors being edited (focus)
        keep what the user is typing. `force` redraws even an unchanged config (after an edit
        the session refused or the user cancelled)."""
        if config == self._config and pending == self._pending and not force:
            return
        changed = config != self._config or pending != self._pending
        self._config, self._pending = config, dict(pending)
        shown = config.with_values(pending) if pending else config
        self._quiet = True
        try:
            for key, editor in self.editors.items():
                value = pending.get(key, config.get(key))
                if (editor.hasFocus() and isinstance(editor, IntListEdit)) or self.gestures.holds(key):
                    continue  # the box shows what the user is editing
                self._set_value(editor, value)
                label, widget = self.rows[key]
                visible = _visible(key, shown)
                label.setVisible(visible)
                widget.setVisible(visible)
        finally:
            self._quiet = False
        for network, section in (*NETWORK_SECTIONS.items(), (BOTH, SHARED_ARCHITECTURE_KEYS)):
            keys = [k for k in pending if k.startswith(section)]
            self.apply_buttons[network].setEnabled(bool(keys))
            self.pending_labels[network].setText("pending: " + ", ".join(k.split(".", 1)[1] for k in keys) if keys else "")
        self._update_tables(shown, keep_errors=not changed)
        self._update_lr_plot(config)

    def _set_value(self, editor: QWidget, value: Any) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, ClassPicker):
            editor.set_classes(tuple(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, IntListEdit):
            editor.set_values(tuple(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QDoubleSpinBox) and not is_close(editor.value(), float(value)):
            editor.setValue(float(value))

    def _update_lr_plot(self, config: RunConfig) -> None:
        s = config.schedule
        if s.unit == "epoch":
            horizon = 100
            self.lr_plot.getPlotItem().setLabel("bottom", "epoch")
        else:
            horizon = max(
                20_000,
                s.total if s.kind == "cosine" else 0,
                2 * s.boundary if s.kind == "two_phase" else 0,
                4 * s.step_size if s.kind == "step" else 0,
            )
            self.lr_plot.getPlotItem().setLabel("bottom", "step")
        t = np.linspace(0, horizon, 400).astype(int)
        for curve, spec in ((self.lr_curve_g, config.optimizer.g), (self.lr_curve_d, config.optimizer.d)):
            curve.setData(t, np.array([lr_in_effect(spec, s, step=int(v), epoch=int(v)) for v in t]))
