"""Insight in the window: coverage/quality rows, histogram bars, warnings, the 2D view."""

import re

import numpy as np
from PySide6.QtCore import QRect, Qt

from ganstudio.config.model import RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.gui.window.insight_view import WarningsBox
from ganstudio.insight import report
from ganstudio.insight.warnings import TrainingWarning
from ganstudio.run import commands as cmd

from support import open_window


def test_digit_coverage_and_histogram_show_after_a_report(qtbot, tmp_path):
    config = RunConfig().with_values(
        {"data.dataset": "synthetic-digits", "generator.hidden": "32", "discriminator.hidden": "32", "view.insight_every": 10}
    )
    w = open_window(qtbot, tmp_path, config)
    w.submit(cmd.Resume())
    qtbot.waitUntil(lambda: len(w.snapshot.insight_series["classes_covered"][0]) >= 2, timeout=20_000)
    w.submit(cmd.Pause())  # the figures below are then one report's, however fast the machine trains
    qtbot.waitUntil(lambda: w.snapshot.paused, timeout=10_000)
    qtbot.waitUntil(lambda: w.plots.insight_curves["coverage"].getData()[0] is not None, timeout=5_000)
    qtbot.waitUntil(  # the histogram painted from the last snapshot's report
        lambda: np.isclose(
            np.sum(w.histogram.bars.opts["height"]), w.snapshot.insight_series["recognisable"][1][-1] / 100.0, atol=1e-3
        ),
        timeout=5_000,
    )
    steps, covered = w.plots.insight_curves["coverage"].getData()
    assert steps[0] == 10 and np.all(steps % 10 == 0) and 0 <= covered.max() <= 10
    assert w.plots.plots["coverage"].titleLabel.text.startswith("Classes covered")
    qtbot.waitUntil(lambda: "classes covered" in w.histogram.summary.text(), timeout=5_000)
    assert re.search(r"classes covered \d+/10 \(recognisable \d+%\)", w.histogram.summary.text())
    share_steps, shares = w.plots.share_curve.getData()  # recognisable samples, 100% at the top class count
    recognisable = w.snapshot.insight_series["recognisable"][1]
    assert np.allclose(shares, recognisable[: len(shares)] / 10.0) and w.plots.plots["coverage"].getAxis("right").isVisible()
    assert "dashed: recognisable samples" in w.plots.plots["coverage"].titleLabel.text
    heights = w.histogram.bars.opts["height"]  # each digit's recognisable samples, of all samples
    assert len(heights) == 10 and np.isclose(np.sum(heights), recognisable[-1] / 100.0, atol=1e-3)
    low, high = w.plots.plots["coverage"].vb.viewRange()[1]
    assert -1.5 < low < -0.5 and 10.5 < high < 12  # the whole 0-10 scale, whatever the count so far, top label inside
    w.close()


def test_a_failing_insight_report_shows_in_the_banner_and_training_goes_on(qtbot, tmp_path, monkeypatch):
    # What a broken install did: the classifier's weights cannot be read at the first report.
    missing = tmp_path / "site-packages" / "resources" / "classifier" / "mnist.npz"

    def unreadable_classifier():
        raise FileNotFoundError(2, "No such file or directory", str(missing))

    monkeypatch.setattr(report, "load_classifier", unreadable_classifier)
    config = RunConfig().with_values(
        {"data.dataset": "synthetic-digits", "generator.hidden": "32", "discriminator.hidden": "32", "view.insight_every": 20}
    )
    w = open_window(qtbot, tmp_path, config)
    w.submit(cmd.Resume())
    qtbot.waitUntil(lambda: w.banner.isVisible() and "Insight is off" in w.banner.text(), timeout=20_000)
    assert "at step 20" in w.banner.text() and str(missing) in w.banner.text() and "Training goes on" in w.banner.text()
    qtbot.waitUntil(lambda: w.snapshot.step > 100, timeout=20_000)  # past four more insight steps, never paused
    assert not w.snapshot.paused
    qtbot.waitUntil(lambda: w.histogram.summary.text().startswith("Insight is off for this run"), timeout=5_000)  # stays
    assert len(w.snapshot.insight_series["classes_covered"][0]) == 0
    w.close()


def test_ring8_shows_points_over_the_discriminator_heatmap(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path, load_preset("ring8").with_values({"view.insight_every": 20}))
    w.submit(cmd.Resume())
    qtbot.waitUntil(lambda: len(w.snapshot.insight_series["modes_covered"][0]) >= 1, timeout=20_000)
    view = w.samples
    assert view.graphics.isVisible() and not view.pixels.isVisible()
    assert not view.grid_label.isVisible() and not view.grid_size.isVisible()  # no grid for 2D data
    assert view.heatmap.image.shape == (64, 64)
    assert len(view.fake_scatter.data) == 1000 and len(view.real_scatter.data) == 1000
    qtbot.waitUntil(lambda: "modes covered" in w.histogram.summary.text(), timeout=5_000)
    assert len(w.histogram.bars.opts["height"]) == 8
    low, high = w.plots.plots["coverage"].vb.viewRange()[1]
    assert -1.2 < low < -0.4 and 8.4 < high < 9.6  # modes covered, out of 8
    low, high = w.plots.plots["quality"].vb.viewRange()[1]
    assert -15 < low < 0 and 100 < high < 115  # high-quality samples, 0-100 %
    w.close()


def test_the_2d_caption_and_legend_fit_inside_the_samples_dock(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path, load_preset("ring8"))
    dock, view = w.samples_dock, w.samples
    for width in (440, 300):  # the default, and narrowed by the user
        w.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
        qtbot.waitUntil(lambda width=width: abs(dock.width() - width) <= 10, timeout=5_000)
        qtbot.wait(50)
        for label in (view.caption, view.legend):
            assert label.isVisible()
            flags = label.alignment() | (Qt.TextFlag.TextWordWrap if label.wordWrap() else 0)
            text = label.fontMetrics().boundingRect(label.contentsRect(), flags, label.text())
            assert label.contentsRect().contains(text), (label.text(), text, label.contentsRect())
            on_dock = QRect(label.mapTo(dock, text.topLeft()), text.size())
            assert dock.rect().adjusted(2, 0, -2, 0).contains(on_dock), f"{label.text()!r} runs into the edge at width {width}"
    assert "Grey: real points. Orange: generated." in view.legend.text()
    w.close()


def test_warnings_box_says_what_and_what_to_try(qtbot):
    box = WarningsBox()
    qtbot.addWidget(box)
    box.show()
    warning = TrainingWarning(
        "mode_collapse", "Mode collapse", "Samples cover 1 of 10 classes.", ("lower D's lr", "label smoothing 0.1"), 12000
    )
    box.show_warnings((warning,))
    assert box.isVisible()
    text = box.text()
    assert "Mode collapse" in text and "12,000" in text and "label smoothing 0.1" in text
    box.show_warnings(())
    assert not box.isVisible()
