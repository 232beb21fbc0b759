"""Is it copying, and precision/recall beside FID, in the window: a cell's nearest training
images (the grid's context menu), the memorisation figure (Insight > Is it copying?), the
fidelity / diversity plot row, and what a 2D run offers instead. Real windows on small runs of
synthetic digits, whose held-out digits are fresh draws."""

import shutil

import numpy as np
import pytest
from test_gui_walk import shown_cell

from ganstudio.config.model import RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.data import load_dataset
from ganstudio.data.mnist import FAMILIES
from ganstudio.gui.plots import PRDC_CURVES
from ganstudio.insight.coverage import REPORT_SAMPLES
from ganstudio.insight.report import Probe
from ganstudio.render import make_grid

from support import SMALL_RUN, click, open_window, running_window

CONFIG = RunConfig().with_values(SMALL_RUN)


@pytest.fixture(scope="module")
def probe():
    """The headless insight probe of CONFIG's training set, loaded as the run loads it."""
    dataset = load_dataset(CONFIG.data.dataset, value_range=CONFIG.value_range, seed=CONFIG.seed)
    return Probe(dataset, CONFIG.value_range)


def pictures(samples):
    """uint8 (n, 28, 28): samples (n, 784) in CONFIG's value range as the grid draws them."""
    return make_grid(samples, (28, 28), ncols=1, value_range=CONFIG.value_range, pad=0).reshape(-1, 28, 28)


def test_a_cells_nearest_training_images_are_the_ones_the_headless_search_finds(qtbot, tmp_path, probe):
    with running_window(qtbot, tmp_path, CONFIG) as window:
        menu = window.walk.open_menu(6, None)
        next(action for action in menu.actions() if action.text() == "Nearest training images").trigger()
        dialog = window.nearest
        assert dialog.isVisible() and "searching" in dialog.caption.text()
        qtbot.waitUntil(lambda: dialog.answer is not None, timeout=30_000)
        answer = dialog.answer
        np.testing.assert_array_equal(pictures(answer.sample[None])[0], shown_cell(window, 6))  # the cell on screen
        assert f"{answer.training_images:,} training images" in dialog.caption.text()
        for space in ("pixels", "features"):
            expected = probe.neighbours.nearest(answer.sample[None], 5, space)
            indices, distances = expected.indices[0], expected.distances[0]
            row = dialog.rows[space]
            assert row.isVisible() and dialog.titles[space].isVisible() and len(row.images) == 6
            np.testing.assert_array_equal(row.images[0], shown_cell(window, 6))  # the cell beside its neighbours
            np.testing.assert_array_equal(np.stack(row.images[1:]), pictures(probe.dataset.x[indices]))
            assert [row.item(i).text() for i in range(1, 6)] == [f"#{i:,}\n{d:.2f}" for i, d in zip(indices, distances)]


def test_the_memorisation_figure_overlays_samples_and_held_out_images_with_the_headless_ratio(qtbot, tmp_path, probe):
    with running_window(qtbot, tmp_path, CONFIG) as window:
        assert window.copying_action.isEnabled()
        window.copying_action.trigger()
        dialog = window.copying
        assert dialog.isVisible() and dialog.progress.isVisible() and dialog.status.text().startswith("Measuring…")
        qtbot.waitUntil(lambda: dialog.answer is not None, timeout=60_000)
        assert not dialog.progress.isVisible() and dialog.again.isEnabled()
        expected = probe.memorisation(dialog.answer.samples)
        assert len(dialog.answer.samples) == REPORT_SAMPLES
        for name, distances in (("samples", expected.samples), ("held_out", expected.held_out)):
            assert dialog.curves[name].isVisible() and dialog.counts[name].sum() == len(distances) == REPORT_SAMPLES
            edges, shares = dialog.curves[name].getData()
            assert len(edges) == len(shares) + 1 and np.isclose(shares.sum(), 100.0)
        assert dialog.answer.report.ratio == expected.ratio
        title = dialog.plot.getPlotItem().titleLabel.text
        assert f"Median ratio {expected.ratio:.2f}" in title
        assert "1,000 samples" in title and "1,000 held-out real images" in title
        assert "well below 1" in dialog.meaning.text() and f"{expected.ratio:.2f}" in dialog.meaning.text()


def test_without_held_out_images_the_figure_says_so_in_one_line(qtbot, tmp_path, digits_dir):
    train_only = tmp_path / "mnist-without-t10k"  # MNIST's training files alone: no test split to hold out
    train_only.mkdir()
    for spec in (FAMILIES["mnist"].images, FAMILIES["mnist"].labels):
        shutil.copy(digits_dir / spec.name, train_only / spec.name)
    config = CONFIG.with_values({"data.dataset": "mnist", "run.insight_every": 10})
    window = open_window(qtbot, tmp_path, config, data_dir=str(train_only))
    click(qtbot, window.run_controls.start_button)
    qtbot.waitUntil(lambda: len(window.snapshot.insight_series["precision"][0]) >= 1, timeout=30_000)
    click(qtbot, window.run_controls.pause_button)
    fidelity = window.plots.plots["fidelity"]  # the row says why instead of drawing NaNs
    qtbot.waitUntil(lambda: "not measured: no held-out real samples" in fidelity.titleLabel.text, timeout=10_000)
    assert fidelity.isVisible()
    window.copying_action.trigger()
    dialog = window.copying
    qtbot.waitUntil(lambda: dialog.answer is not None, timeout=60_000)
    assert dialog.meaning.text().startswith("No ratio: no held-out real images") and "\n" not in dialog.meaning.text()
    assert dialog.curves["samples"].isVisible() and dialog.counts["samples"].sum() == REPORT_SAMPLES
    assert not dialog.curves["held_out"].isVisible() and "held_out" not in dialog.counts
    assert dialog.plot.getPlotItem().titleLabel.text.startswith("No held-out real images")
    window.close()


def test_the_fidelity_row_draws_the_trackers_precision_recall_density_and_coverage(qtbot, tmp_path):
    config = CONFIG.with_values({"run.insight_every": 10})
    with running_window(qtbot, tmp_path, config) as window:
        click(qtbot, window.run_controls.start_button)
        qtbot.waitUntil(lambda: len(window.snapshot.insight_series["precision"][0]) >= 2, timeout=30_000)
        click(qtbot, window.run_controls.pause_button)
        qtbot.waitUntil(lambda: window.snapshot.paused, timeout=10_000)
        series = window.snapshot.insight_series
        plots = window.plots

        def drawn():
            steps, values = plots.prdc_curves["precision"].getData()
            return steps is not None and len(steps) == len(series["precision"][0])

        qtbot.waitUntil(drawn, timeout=5_000)
        assert plots.plots["fidelity"].isVisible()
        for field, label, _ in PRDC_CURVES:
            steps, values = plots.prdc_curves[field].getData()
            np.testing.assert_array_equal(steps, series[field][0])
            np.testing.assert_array_equal(values, series[field][1])
            assert label in plots.plots["fidelity"].titleLabel.text
        assert np.isfinite(series["precision"][1]).all() and "precision" in window.histogram.summary.text()


def test_a_2d_run_offers_no_copying_question_and_says_why(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, load_preset("ring8")) as window:
        assert not window.copying_action.isEnabled()
        assert "a 2D run draws points, not images" in window.copying_action.toolTip()
        assert not window.walk.isVisible()  # no grid, so no cell to ask about
        window.nearest.ask(0, "live")  # asked anyway: the worker refuses in one sentence
        qtbot.waitUntil(lambda: "2D run" in window.nearest.caption.text(), timeout=10_000)
