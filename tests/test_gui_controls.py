"""The control panel's editors take exactly the values the config takes: ranges and types come
from the config's schema (config.range_for, config.field_kind), not from copies in the GUI."""

import numpy as np
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QSpinBox

from ganstudio.config.model import RANGES, RunConfig, field_kind, range_for
from ganstudio.gui.widgets import IntListEdit
from ganstudio.gui.window.controls import ControlPanel
from ganstudio.gui.window.samples import SampleView
from ganstudio.run.state import build_gan


def test_every_number_box_ends_at_values_the_config_accepts(qtbot):
    panel = ControlPanel()
    qtbot.addWidget(panel)
    boxes = {key: e for key, e in panel.editors.items() if isinstance(e, (QSpinBox, QDoubleSpinBox))}
    assert "training.label_smoothing" in boxes and "view.grid" in boxes
    for key, box in boxes.items():
        for value in (box.minimum(), box.maximum()):
            RunConfig().with_values({key: value})  # raises ConfigError for a value the box should not offer
    low, high, _, _ = range_for("training.label_smoothing")
    assert (boxes["training.label_smoothing"].minimum(), boxes["training.label_smoothing"].maximum()) == (low, high)


def test_editor_kinds_follow_the_config_fields(qtbot):
    panel = ControlPanel()
    qtbot.addWidget(panel)
    expected = {"bool": QCheckBox, "tuple": IntListEdit, "int": QSpinBox}
    for key, editor in panel.editors.items():
        kind = field_kind(key)
        if kind in expected and key != "data.classes":
            assert isinstance(editor, expected[kind]), key


def test_the_sample_views_grid_box_spans_the_configs_grid_range(qtbot):
    view = SampleView()
    qtbot.addWidget(view)
    low, high, _, _ = RANGES["view.grid"]
    assert (view.grid_size.minimum(), view.grid_size.maximum()) == (low, high)


def test_the_schedule_preview_draws_the_lrs_the_engine_applies(qtbot):
    """The curves under the schedule settings are each network's lr as its optimizer computes it (base lr times the
    schedule), not a figure of the GUI's own."""
    panel = ControlPanel()
    qtbot.addWidget(panel)
    config = RunConfig().with_values(
        {"optimizer.d.lr": 1e-3, "schedule.kind": "step", "schedule.step_size": 5000, "schedule.gamma": 0.5}
    )
    panel.show_config(config, {})
    gan = build_gan(config, np.random.default_rng(0))
    for curve, optimizer in ((panel.lr_curve_g, gan.g_optimizer), (panel.lr_curve_d, gan.d_optimizer)):
        steps, lrs = curve.getData()
        assert lrs.tolist() == [optimizer.lr_at(int(t), int(t)) for t in steps]
    assert panel.lr_curve_d.getData()[1][[0, -1]].tolist() == [1e-3, 1e-3 * 0.5**4]  # 20,000 steps: four halvings
