"""Insight in the window: coverage/quality rows, histogram bars, warnings, the 2D view."""

import numpy as np

from support import open_window
from ganstudio.config import RunConfig
from ganstudio.gui.insight_view import WarningsBox
from ganstudio.insight.warnings import TrainingWarning
from ganstudio.presets import load_preset
from ganstudio import commands as cmd


def test_digit_coverage_and_histogram_show_after_a_report(qtbot, tmp_path):
    config = RunConfig().with_values(
        {"data.dataset": "synthetic-digits", "generator.hidden": "32", "discriminator.hidden": "32", "view.insight_every": 10}
    )
    w = open_window(qtbot, tmp_path, config)
    w.submit(cmd.Resume())
    qtbot.waitUntil(lambda: len(w.snapshot.insight_series["classes_covered"][0]) >= 2, timeout=20_000)
    qtbot.waitUntil(lambda: w.plots.insight_curves["coverage"].getData()[0] is not None, timeout=5_000)
    steps, covered = w.plots.insight_curves["coverage"].getData()
    assert steps[0] == 10 and np.all(steps % 10 == 0) and 0 <= covered.max() <= 10
    assert w.plots.plots["coverage"].titleLabel.text.startswith("Classes covered")
    qtbot.waitUntil(lambda: "classes covered" in w.histogram.summary.text(), timeout=5_000)
    heights = w.histogram.bars.opts["height"]
    assert len(heights) == 10 and np.isclose(np.sum(heights), 1.0, atol=1e-3)
    low, high = w.plots.plots["coverage"].vb.viewRange()[1]
    assert -1.5 < low < -0.5 and 10.5 < high < 12  # the whole 0-10 scale, whatever the count so far, top label inside
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


def test_warnings_box_says_what_and_what_to_try(qtbot):
    box = WarningsBox()
    qtbot.addWidget(box)
    box.show()
    warning = TrainingWarning("mode_collapse", "Mode collapse", "Samples cover 1 of 10 classes.", ("lower D's lr", "label smoothing 0.1"), 12000)
    box.show_warnings((warning,))
    assert box.isVisible()
    text = box.text()
    assert "Mode collapse" in text and "12,000" in text and "label smoothing 0.1" in text
    box.show_warnings(())
    assert not box.isVisible()
