"""Plot helpers: the smoothing slider's EMA, the change-marker labels, and the plots following
new data."""

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from ganstudio.gui.plots import PlotsPanel, event_labels, lr_axis, smooth
from ganstudio.record.history import FIELDS, Event, EventKind

from support import shown


def series_until(last_step: int, loss_top: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A snapshot's series: every field over steps 1..last_step, losses rising to loss_top."""
    steps = np.arange(1, last_step + 1)
    values = {name: np.full(last_step, 1e-3, np.float32) for name in FIELDS}
    values["d_loss"] = np.linspace(0.1, loss_top, last_step, dtype=np.float32)
    values["g_loss"] = values["d_loss"][::-1].copy()
    return {name: (steps, v) for name, v in values.items()}


def panel_with_events(qtbot, last_step: int, events: tuple[Event, ...]) -> PlotsPanel:
    """A shown 600 x 700 plots panel over steps 1..last_step with markers for `events`, painted."""
    panel = shown(qtbot, PlotsPanel(), 600, 700)
    panel.show_series(series_until(last_step, 2.0), events)
    panel.settle_ranges()
    qtbot.wait(50)
    return panel


@pytest.mark.parametrize("weight", [0.0, 0.6, 0.99, 0.999])
def test_smoothing_is_the_debiased_ema(weight):
    x = np.random.default_rng(0).standard_normal(30_000).astype(np.float32)
    expected = np.empty(len(x))
    acc = 0.0
    for t, v in enumerate(x.astype(np.float64)):
        acc = weight * acc + (1 - weight) * v
        expected[t] = acc / (1 - weight ** (t + 1)) if weight else v
    np.testing.assert_allclose(smooth(x, weight), expected, atol=1e-5)


def test_change_markers_merge_the_two_networks_lr_and_warnings_show_their_headline():
    events = (
        Event(100, EventKind.CHANGE, "optimizer.g.lr", "0.0002", "0.001"),
        Event(100, EventKind.CHANGE, "optimizer.d.lr", "0.0002", "0.001"),
        Event(250, EventKind.CHANGE, "optimizer.d.beta1", "0.5", "0.9"),
        Event(300, EventKind.CHANGE, "training.loss", "non_saturating", "hinge"),
        Event(400, EventKind.REBUILD, "g", new="hidden [128] -> [256]"),
        Event(500, EventKind.WARNING, "Mode collapse: the generator draws only a few kinds of samples"),
        Event(600, EventKind.WARNING, "Training is diverging"),
    )
    assert event_labels(events) == [
        (100, "lr 0.0002 -> 0.001"),
        (250, "D beta1 0.5 -> 0.9"),
        (300, "loss non_saturating -> hinge"),
        (400, "rebuilt G: hidden [128] -> [256]"),
        (500, "\u26a0 Mode collapse"),
        (600, "\u26a0 Training is diverging"),
    ]


def test_every_plot_follows_new_data_before_it_is_painted(qtbot):
    panel = shown(qtbot, PlotsPanel(), 600, 700)
    for last_step, loss_top in ((500, 2.0), (4000, 7.5)):
        panel.show_series(series_until(last_step, loss_top), ())
        panel.settle_ranges()  # no event processing, no paint in between
        for name, plot in panel.plots.items():
            if plot.isVisible():
                x_min, x_max = plot.vb.viewRange()[0]
                assert x_min <= 1 and x_max >= last_step, name
        y_min, y_max = panel.plots["loss"].vb.viewRange()[1]
        assert y_min <= 0.1 and y_max >= loss_top


def test_the_plots_paint_time_is_metered_for_the_budget(qtbot):
    panel = shown(qtbot, PlotsPanel(), 600, 700)
    panel.graphics.take_paint_seconds()
    panel.show_series(series_until(300, 1.0), ())  # new curves: the view repaints from the event loop
    qtbot.waitUntil(lambda: panel.graphics.paint_seconds > 0.0, timeout=5_000)
    assert panel.graphics.take_paint_seconds() > 0.0
    assert panel.graphics.take_paint_seconds() == 0.0


@pytest.mark.parametrize("step", [1500, 3900])  # a marker mid-plot, and one just made at the right edge
def test_change_marker_labels_are_drawn_level_beside_their_marker_inside_the_plot(qtbot, step):
    panel = panel_with_events(qtbot, 4000, (Event(step, EventKind.CHANGE, "optimizer.d.lr", "0.0002", "0.01"),))
    labelled = [(plot, line) for plot, line in panel.markers if getattr(line, "label", None) is not None]
    assert {id(plot) for plot, _ in labelled} == {id(panel.plots["loss"]), id(panel.plots["lr"])}
    for plot, line in labelled:
        text, x = line.label.sceneBoundingRect(), line.sceneBoundingRect().center().x()
        assert plot.vb.sceneBoundingRect().contains(text), "the label is clipped by its plot"
        assert text.width() > 3 * text.height(), "the label reads left to right"
        assert min(abs(text.left() - x), abs(text.right() - x)) < 3, "the label touches its marker"


def test_learning_rates_share_a_log_axis_and_a_zero_lr_is_a_gap(qtbot):
    panel = shown(qtbot, PlotsPanel(), 600, 700)
    series = series_until(1000, 1.0)
    steps = series["lr_g"][0]
    series["lr_g"] = (steps, np.full(1000, 2e-4, np.float32))
    lr_d = np.full(1000, 1e-2, np.float32)
    lr_d[-100:] = 0.0  # a cosine schedule's floor
    series["lr_d"] = (steps, lr_d)
    panel.show_series(series, ())
    panel.settle_ranges()
    lr = panel.plots["lr"]
    assert lr.ctrl.logYCheck.isChecked()
    low, high = lr.vb.viewRange()[1]  # log10 units
    assert low < np.log10(2e-4) < np.log10(1e-2) < high and high - low < 3  # both readable, neither on an edge
    _, shown_d = panel.curves["lr_d"].getData()  # what is drawn, in log10 units
    assert np.isnan(shown_d[-100:]).all() and np.allclose(shown_d[:-100], -2.0)
    assert [label for _, label in lr.getAxis("left")._tickLevels[0]] == ["0.0002", "0.001", "0.01"]  # what setTicks gave


def tick_labels(axis) -> list[tuple[QRectF, str]]:
    """(rect in the axis's coordinates, text) of every tick label `axis` draws as it is now."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in texts]


def assert_apart(labels: list[tuple[QRectF, str]]) -> None:
    for i, (a, text_a) in enumerate(labels):
        for b, text_b in labels[i + 1 :]:
            assert not a.intersects(b), f"tick labels {text_a!r} and {text_b!r} overlap"


def test_lr_tick_labels_at_step_0_are_the_runs_lrs_never_a_heap_of_minor_ticks(qtbot):
    panel = shown(qtbot, PlotsPanel(), 600, 700)
    axis = panel.plots["lr"].getAxis("left")
    assert tick_labels(axis) == []  # before any lr is known: no labels, never "8 6 5 4 3 2" in a heap
    empty = {name: (np.zeros(0, np.int64), np.zeros(0, np.float32)) for name in FIELDS}
    panel.show_series(empty, (), base_lrs=(2e-4, 1e-2))  # a run at step 0
    panel.settle_ranges()
    qtbot.wait(50)
    labels = tick_labels(axis)
    assert [text for _, text in labels] == ["0.0002", "0.001", "0.01"]
    assert_apart(labels)


@pytest.mark.parametrize(
    "low, high, labels",
    [
        (2e-4, 2e-4, ["0.0002"]),  # a constant lr: its value, nothing else
        (2e-4, 2.4e-4, ["0.0002"]),  # too close to label both
        (2e-4, 1e-2, ["0.0002", "0.001", "0.01"]),
        (2e-4, 10.0, ["0.0002", "0.005", "0.1", "10"]),  # one network's lr raised to the maximum
        (1e-5, 0.1, ["1e-05", "0.0001", "0.001", "0.01", "0.1"]),  # a long decay: one per decade
    ],
)
def test_lr_axis_labels_the_extremes_and_round_values_clear_of_each_other(low, high, labels):
    bottom, top, ticks = lr_axis(low, high)
    assert [label for _, label in ticks] == labels
    positions = [p for p, _ in ticks]
    assert positions[0] == pytest.approx(np.log10(low)) and np.all(np.diff(positions) >= 0.1)
    margin = 0.08 * (top - bottom)  # room for half a label's height in a short plot
    assert bottom <= positions[0] - margin and positions[-1] + margin <= top


def test_labels_of_changes_made_close_together_do_not_cover_each_other(qtbot):
    events = (
        Event(6371, EventKind.CHANGE, "optimizer.g.lr", "0.0002", "10"),
        Event(7000, EventKind.WARNING, "Mode collapse: the generator draws only a few kinds of samples"),
        Event(7500, EventKind.WARNING, "The discriminator overpowers the generator"),
    )
    panel = panel_with_events(qtbot, 18000, events)
    for name in ("loss", "lr"):
        rects = [line.label.sceneBoundingRect() for plot, line in panel.markers if plot is panel.plots[name]]
        assert len(rects) == 3
        for i in range(3):
            for j in range(i + 1, 3):
                assert not rects[i].intersects(rects[j]), (name, i, j)
