"""Comparing kept runs: labels by what differs, one step axis, notes for what cannot be compared,
`ganstudio compare` (GIF read back frame by frame, the plots as PNG / SVG, bad input), and the
compare window driven with pytest-qt.

Three real runs, trained once for the module with `ganstudio train`: two on synthetic digits
(the second with lr 1e-3 and the hinge loss, longer, recorded more often) and one on the ring8 2D
toy (shorter, recorded less often).
"""

import json
import xml.dom.minidom

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QFileDialog
from test_runs_cli import SMALL, ganstudio

from ganstudio.cli.main import build_parser
from ganstudio.config.model import RunConfig
from ganstudio.gui.app import first_window
from ganstudio.gui.compare.compare_view import CompareWindow
from ganstudio.gui.theme import DARK, configure_pyqtgraph, current_theme
from ganstudio.media.compose import LABEL_STRIP
from ganstudio.media.side_by_side import LINE, SideBySide, wrap
from ganstudio.render.font import text_size
from ganstudio.runs.compare import Comparison, gif_frames
from ganstudio.runs.configdiff import labels
from ganstudio.runs.formatting import figure_text
from ganstudio.runs.library import RunsError

from support import click, read_gif, shown

DIGITS = [*SMALL, "--set", "run.insight_every=20"]
RUNS = {
    "base": [*DIGITS, "--set", "run.record_every=10", "--steps", "40"],
    "fast": [
        *DIGITS,
        "--set",
        "optimizer.lr=1e-3",
        "--set",
        "training.loss=hinge",
        "--set",
        "run.record_every=5",
        "--steps",
        "50",
    ],
    "ring": ["--set", "data.dataset=ring8", "--set", "run.record_every=20", "--set", "run.insight_every=20", "--steps", "30"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{name: run folder} of RUNS, in one runs folder."""
    folder = tmp_path_factory.mktemp("runs")
    for name, args in RUNS.items():
        result = ganstudio("train", "--preset", "vanilla", *args, "--seed", "1", "--out", str(folder / name))
        assert result.returncode == 0, result.stderr
    return {name: folder / name for name in RUNS}


# -- labels ---------------------------------------------------------------------------------------


def test_labels_name_the_differing_keys_short_and_unique():
    base = RunConfig()
    fast = base.with_values({"optimizer.lr": 1e-3, "training.loss": "hinge"})
    assert labels(["a", "b"], [base, fast]) == [
        "optimizer.lr=0.0002 · training.loss=non_saturating",  # G's and D's lr set together: named once
        "optimizer.lr=0.001 · training.loss=hinge",
    ]
    only_d = base.with_values({"optimizer.d.lr": 1e-3})
    assert labels(["a", "b"], [base, only_d]) == ["optimizer.d.lr=0.0002", "optimizer.d.lr=0.001"]
    assert labels(["a", "b"], [base, base]) == ["a", "b"]  # nothing differs: the run names
    assert labels(["a", "b", "c"], [base, base, fast])[:2] == [
        "optimizer.lr=0.0002 · training.loss=non_saturating · a",  # same config as b: its name tells them apart
        "optimizer.lr=0.0002 · training.loss=non_saturating · b",
    ]
    many = base.with_values({"seed": 5, "data.batch_size": 32, "training.ema": True, "view.grid": 4, "optimizer.lr": 1e-3})
    assert labels(["a", "b"], [base, many])[1] == "seed=5 · data.batch_size=32 · optimizer.lr=0.001 · +2 more"
    # cut at three keys, the labels still tell the runs apart: the keys that do come first
    other = base.with_values({"generator.hidden": (64,), "discriminator.hidden": (64,), "data.batch_size": 32})
    assert labels(["a", "b", "c"], [base, base.with_values({"generator.hidden": (64,), "training.loss": "hinge"}), other]) == [
        "data.batch_size=64 · generator.hidden=[128] · discriminator.hidden=[128] · +1 more",
        "data.batch_size=64 · generator.hidden=[64] · discriminator.hidden=[128] · +1 more",
        "data.batch_size=32 · generator.hidden=[64] · discriminator.hidden=[64] · +1 more",
    ]


def test_runs_diff_prints_the_same_differing_keys(runs):
    result = ganstudio("runs", "diff", str(runs["base"]), str(runs["fast"]))
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()}
    assert {"optimizer.g.lr", "optimizer.d.lr", "training.loss", "run.record_every"} == rows


# -- alignment and notes ----------------------------------------------------------------------------


def test_one_step_axis_with_each_runs_frame_at_or_before_the_step(runs):
    comparison = Comparison.load([runs["base"], runs["fast"], runs["ring"]])
    base, fast, ring = comparison.runs
    assert list(base.frame_steps) == [10, 20, 30, 40]
    assert list(fast.frame_steps) == list(range(5, 55, 5))
    assert list(ring.frame_steps) == [20]
    assert list(comparison.steps) == list(range(5, 55, 5))  # the union
    at = comparison.frames_at(15)  # base's frame of step 10; ring has none yet
    assert [s for _, s in at] == [10, 15, None] and at[0][0] is base.frames[0] and at[2][0] is None
    assert [s for _, s in comparison.frames_at(20)] == [20, 20, 20]  # a frame at the step itself is its own
    at = comparison.frames_at(50)  # past the ends of base (40) and ring (30): their last frames
    assert [s for _, s in at] == [40, 50, 20] and at[2][0] is ring.frames[-1]
    assert [d.last_step for d in comparison.runs] == [40, 50, 30]
    assert [len(d.series["d_loss"][0]) for d in comparison.runs] == [40, 50, 30]


def test_notes_say_what_cannot_be_compared(runs, tmp_path):
    no_checkpoint = tmp_path / "starting"
    no_checkpoint.mkdir()
    text = (runs["base"] / "run.toml").read_text()
    (no_checkpoint / "run.toml").write_text(text.replace('name = "base"', 'name = "starting"'))  # a run before its first save
    comparison = Comparison.load([runs["base"], runs["fast"], runs["ring"], no_checkpoint])
    notes = comparison.notes
    assert "starting: no checkpoint yet; nothing to plot or show." in notes
    assert (
        "Different kinds of data: FID and classes covered for base, fast, starting; "
        "modes covered and the high-quality share for ring. Each figure is plotted for the runs that have it."
    ) in notes
    assert "Runs of different lengths (last step: base 40, fast 50, ring 30): past its end, a run shows its last frame." in notes
    assert (
        "Frames recorded at different intervals (base every 10, fast every 5, ring every 20): "
        "each run shows its latest frame at or before the step."
    ) in notes
    assert [d.kind for d in comparison.runs] == ["digits", "digits", "modes", "digits"]
    assert "fid" in comparison.runs[0].series and "modes_covered" in comparison.runs[2].series
    same = Comparison.load([runs["base"], runs["base"]])
    assert same.notes == [] and [d.label for d in same.runs] == ["base", "base"]


def test_2_to_8_runs(runs):
    with pytest.raises(RunsError, match="compare takes 2 to 8 runs, got 1"):
        Comparison.load([runs["base"]])
    with pytest.raises(RunsError, match="compare takes 2 to 8 runs, got 9"):
        Comparison.load([runs["base"]] * 9)


# -- ganstudio compare ----------------------------------------------------------------------------


def test_compare_gif_shows_every_runs_grid_side_by_side_at_each_step(runs, tmp_path):
    out = tmp_path / "compare.gif"
    folders = [runs["base"], runs["fast"], runs["ring"]]
    result = ganstudio("compare", *map(str, folders), "--gif", str(out), "--gif-max-mb", "0", "--gif-scale", "1")
    assert result.returncode == 0, result.stderr
    assert (
        "base: data.dataset=synthetic-digits · optimizer.lr=0.0002 · generator.hidden=[32] · +3 more\n" in result.stdout
        and f"wrote {out}" in result.stdout
    )
    frames, _, _ = read_gif(out)
    comparison = Comparison.load(folders)
    _, steps, layout = gif_frames(comparison)
    assert len(frames) == len(steps) == 10
    for frame, step in zip(frames, steps):
        for (y, x, height, width), (grid, _) in zip(layout.boxes, comparison.frames_at(int(step))):
            box = frame[LABEL_STRIP + y : LABEL_STRIP + y + height, x : x + width]
            if grid is None:
                assert not box.any()  # ring before its first frame: an empty box
            else:
                gy, gx = (height - grid.shape[0]) // 2, (width - grid.shape[1]) // 2
                assert np.array_equal(box[gy : gy + grid.shape[0], gx : gx + grid.shape[1]], grid)
    strips = frames[:, :LABEL_STRIP]  # "step N" above the panels
    assert all(not np.array_equal(a, b) for a, b in zip(strips[:-1], strips[1:]))
    assert frames[:, LABEL_STRIP:].std(axis=0).max() > 0


def test_compare_prints_the_runs_figures_side_by_side_as_runs_show_writes_them(runs):
    result = ganstudio("compare", str(runs["base"]), str(runs["ring"]))
    assert result.returncode == 0, result.stderr
    header, base, ring = result.stdout.splitlines()[2:5]
    assert header.split()[:4] == ["run", "steps", "FID", "/"] and header.rstrip().endswith("time")
    shown = {}
    for name, line in (("base", base), ("ring", ring)):
        summary = json.loads((runs[name] / "summary.json").read_text())
        shown[name] = summary
        assert line.startswith(name) and f" {summary['last_step']} " in line
        assert figure_text("wall_time_s", summary["wall_time_s"]) in line
    assert f"FID {shown['base']['fid']:.2f}" in base and f"{shown['ring']['modes_covered']:.0f} mode" in ring


def test_compare_writes_the_plots_as_png_and_svg(runs, tmp_path):
    png, svg = tmp_path / "plots.png", tmp_path / "plots.svg"
    result = ganstudio("compare", str(runs["base"]), str(runs["ring"]), "--png", str(png), "--svg", str(svg))
    assert result.returncode == 0 and result.stderr == "", result.stderr  # headless: no window, no Qt notices
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] >= 800 and image.size[1] >= 800
        assert len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 10  # curves, not a blank
    document = xml.dom.minidom.parse(str(svg))
    assert document.documentElement.tagName == "svg"
    text = svg.read_text()
    assert "Losses" in text and "Modes covered" in text and "Classes covered" in text
    assert DARK.runs[0] in text.lower() and DARK.runs[1] in text.lower()  # each run's colour, drawn dark


@pytest.mark.parametrize(
    "names, message",
    [
        (["base"], "compare takes 2 to 8 runs, got 1"),
        (["base", "no-such-run"], "no-such-run: no such run folder, and no run of that name"),
        (["base"] * 9, "compare takes 2 to 8 runs, got 9"),
    ],
)
def test_bad_runs_are_one_line_and_exit_2(runs, tmp_path, names, message):
    gif = tmp_path / "out.gif"
    result = ganstudio("compare", *names, "--gif", str(gif), GANSTUDIO_RUNS_DIR=str(runs["base"].parent))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert not gif.exists()
    window = ganstudio("--compare", *names, GANSTUDIO_RUNS_DIR=str(runs["base"].parent))
    assert window.returncode == 2 and message in window.stderr.splitlines()[-1], window.stderr


# -- the compare window ---------------------------------------------------------------------------


@pytest.fixture
def window(qtbot, runs):
    configure_pyqtgraph()
    return shown(qtbot, CompareWindow([runs["base"], runs["fast"], runs["ring"]]), 1400, 900)


def test_window_overlays_one_curve_per_run_in_its_colour_with_the_legend(window):
    plots, runs = window.plots, window.comparison.runs
    colors = current_theme().runs  # each run's colour in the theme in effect
    for name in ("loss", "dout", "lr", "grad"):  # two series each, solid and dashed
        colours = [curve.opts["pen"].color().name() for curve in plots.curves[name]]
        assert colours == [colors[0]] * 2 + [colors[1]] * 2 + [colors[2]] * 2
    for name, colours in (("classes_covered", colors[:2]), ("fid", colors[:2]), ("modes_covered", colors[2:3])):
        assert [curve.opts["pen"].color().name() for curve in plots.curves[name]] == list(colours)
    steps, values = plots.curves["grad"][0].getData()
    assert np.array_equal(steps, runs[0].series["g_grad_norm"][0]) and np.allclose(values, runs[0].series["g_grad_norm"][1])
    assert plots.legend_texts() == [d.label for d in runs]
    assert [text.split(" · ")[0] for text in plots.legend_texts()] == ["data.dataset=synthetic-digits"] * 2 + [
        "data.dataset=ring8"
    ]
    assert window.notes.isVisible() and "Different kinds of data" in window.notes.text()


def test_precision_recall_density_and_coverage_overlay_every_run_beside_the_other_figures(window):
    plots, runs = window.plots, window.comparison.runs
    colors = current_theme().runs
    for row, fields in (("precision", ("precision", "recall")), ("density", ("density", "prdc_coverage"))):
        assert plots.plots[row].isVisible()
        curves = plots.curves[row]  # each run: the first field solid, the second dashed, in the run's colour
        assert [curve.opts["pen"].color().name() for curve in curves] == [c for c in colors[:3] for _ in fields]
        assert [curve.opts["pen"].style() for curve in curves] == [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine] * 3
        for curve, (data, field) in zip(curves, [(d, f) for d in runs for f in fields]):
            steps, values = curve.getData()
            np.testing.assert_array_equal(steps, data.series[field][0])
            np.testing.assert_array_equal(values, data.series[field][1])
        assert all(np.isfinite(data.series[fields[0]][1]).any() for data in runs)  # measured, digits and ring8 alike
    assert plots.plots["precision"].titleLabel.text == "Precision and recall (precision solid, recall dashed)"


def test_smoothing_smooths_the_losses_as_in_the_main_plots(window):
    loss, lr = window.plots.curves["loss"][0], window.plots.curves["lr"][0]
    window.plots.smoothing.setValue(0)
    raw, raw_lr = loss.getData()[1].copy(), lr.getData()[1].copy()
    assert np.allclose(raw, window.comparison.runs[0].series["d_loss"][1])
    window.plots.smoothing.setValue(90)
    assert not np.allclose(loss.getData()[1], raw) and np.allclose(lr.getData()[1], raw_lr)


def test_hovering_a_plot_reads_out_every_runs_exact_values_at_that_step(window):
    plots, runs = window.plots, window.comparison.runs
    window.plots.smoothing.setValue(90)  # the readout gives the recorded values, not the smoothed curve

    def at(name, step):  # the scene point of `step` half-way up the plot `name`
        vb = plots.plots[name].vb
        return [vb.mapViewToScene(QPointF(step, sum(vb.viewRange()[1]) / 2))]

    plots._hover(at("loss", 21.2))
    text = plots.readout.text()
    assert text.startswith("step 21 · ")
    for data in runs[:2]:  # both digit runs record every step: their step 21
        steps, d_loss = data.series["d_loss"]
        g_loss = data.series["g_loss"][1]
        i = int(np.flatnonzero(steps == 21)[0])
        assert f"{data.label}: D loss {d_loss[i]:.4g} G loss {g_loss[i]:.4g} (21)" in text
    assert runs[2].label + ": D loss" in text
    assert all(cursor.value() == 21 and cursor.isVisible() for cursor in plots.cursors)
    plots._hover(at("fid", 40))  # the ring run has no FID
    assert plots.readout.text().count("FID") == 2 and runs[2].label not in plots.readout.text()


def test_one_slider_scrubs_every_runs_grid_to_the_same_step(window):
    comparison = window.comparison
    assert window.slider.maximum() == len(comparison.steps) - 1 == 9
    for position, step in ((0, 5), (2, 15), (9, 50)):
        window.slider.setValue(position)
        assert window.step == step and window.step_label.text() == str(step)
        for grid, (frame, frame_step) in zip(window.grids, comparison.frames_at(step)):
            if frame is None:
                assert grid.caption.text() == "no frame yet"
            else:
                assert np.array_equal(grid.pixels.array, frame) and grid.caption.text() == f"step {frame_step}"
        assert all(cursor.value() == step for cursor in window.plots.cursors)
    assert [g.caption.text() for g in window.grids] == ["step 40", "step 50", "step 20"]


def test_export_buttons_write_the_gif_and_the_plots(window, qtbot, tmp_path, monkeypatch):
    chosen = {}
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(chosen["path"]), chosen["filter"]))
    chosen.update(path=tmp_path / "grids", filter="GIF images (*.gif)")
    click(qtbot, window.gif_button)
    frames, _, _ = read_gif(tmp_path / "grids.gif")
    assert len(frames) == 10 and window.status.text().startswith("Wrote grids.gif: ")
    for name, kind in (("plots.png", "PNG images (*.png)"), ("plots", "SVG drawings (*.svg)")):
        chosen.update(path=tmp_path / name, filter=kind)
        click(qtbot, window.plots_button)
    with Image.open(tmp_path / "plots.png") as image:
        assert image.format == "PNG"
    assert xml.dom.minidom.parse(str(tmp_path / "plots.svg")).documentElement.tagName == "svg"
    assert window.status.text() == "Wrote plots.svg"


def test_ganstudio_compare_opens_the_compare_view(qtbot, runs, monkeypatch):
    configure_pyqtgraph()
    monkeypatch.setenv("GANSTUDIO_RUNS_DIR", str(runs["base"].parent))
    args = build_parser().parse_args(["--compare", "base", str(runs["ring"])])
    assert args.command is None and args.compare == ["base", str(runs["ring"])]
    window = first_window(args.preset, args.data_dir, args.start, args.compare)
    qtbot.addWidget(window)
    assert isinstance(window, CompareWindow)
    assert [d.folder for d in (r.run for r in window.comparison.runs)] == [runs["base"], runs["ring"]]


def test_gif_labels_wrap_after_their_commas_to_the_grids_width():
    assert wrap("optimizer.lr=0.001, training.loss=hinge", 240) == ["optimizer.lr=0.001, training.loss=hinge"]
    assert wrap("optimizer.lr=0.001, training.loss=non_saturating, +2 more", 200) == [
        "optimizer.lr=0.001,",
        "training.loss=non_saturating,",
        "+2 more",
    ]
    layout = SideBySide(["optimizer.lr=0.001, training.loss=non_saturating", "run-b"], (100, 150))
    (y, x0, _, _), (_, x1, _, _) = layout.boxes
    assert y == 3 * LINE and x1 >= x0 + text_size("training.loss=non_saturating")[0]  # two label lines and a caption


def test_runs_a_few_steps_apart_compare_without_a_note(runs, tmp_path):
    longer = tmp_path / "base-41"
    result = ganstudio("train", "--preset", "vanilla", *RUNS["base"][:-1], "41", "--seed", "1", "--out", str(longer))
    assert result.returncode == 0, result.stderr
    comparison = Comparison.load([runs["base"], longer])  # 40 and 41 steps: nothing that cannot be compared
    assert [d.last_step for d in comparison.runs] == [40, 41] and comparison.notes == []
    assert any(note.startswith("Runs of different lengths") for note in Comparison.load([runs["base"], runs["fast"]]).notes)


def test_window_is_gan_studios_with_a_file_menu_and_grids_filling_their_panes(qtbot, window):
    assert window.windowTitle() == "GAN Studio — compare 3 runs: base, fast, ring"
    file_menu = window.layout().menuBar().actions()[0]
    assert file_menu.text() == "&File"
    assert [a.text() for a in file_menu.menu().actions() if not a.isSeparator()] == ["Export GIF…", "Export plots…", "Close"]
    for grid in window.grids:
        drawn = grid.pixels.mapFromScene(grid.pixels.item.sceneBoundingRect()).boundingRect()
        room = grid.pixels.viewport().rect()
        assert abs(drawn.width() - room.width()) <= 1 or abs(drawn.height() - room.height()) <= 1, (drawn, room)
    assert window.close_action.shortcut().toString() == "Ctrl+W"
    window.close_action.trigger()
    assert not window.isVisible()
