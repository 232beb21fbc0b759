"""The window keeps its run in the runs library, and the Runs panel (pytest-qt, offscreen, real widgets)."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox, QStyle, QStyleOptionSpinBox

from ganstudio.config import model as config_model
from ganstudio.config.model import RunConfig
from ganstudio.gui.runs.runs_panel import CREATED, NAME, QUALITY, STAR, STEPS
from ganstudio.run import commands as cmd
from ganstudio.run.change_plan import Outcome
from ganstudio.run.changelog import Change
from ganstudio.run.checkpoint import Checkpoint
from ganstudio.run.session import Session
from ganstudio.runs.headless import write_outputs
from ganstudio.runs.library import Run, new_run_folder, read_run, read_summary
from ganstudio.runs.lock import LOCK

from support import SMALL_RUN, click, open_window

SMALL = RunConfig().with_values(SMALL_RUN)
NEVER = 3600.0  # a save interval no test reaches: saves come from pauses, switches and closing


def make_run(runs, preset, steps, seed=0, lr=None):
    """A run folder in `runs` as `ganstudio train` leaves it: `steps` steps of the small run (an
    optimizer.d.lr change after the first step when `lr` is given); returns the folder."""
    session = Session(SMALL.with_values({"seed": seed}))
    run = Run.new(new_run_folder(runs, preset), preset, session.config)
    for i in range(steps):
        if i == 1 and lr is not None:
            session.apply(cmd.SetParam("optimizer.d.lr", lr))
        session.step()
    write_outputs(session, run.folder, None, run=run)
    return run.folder


def runs_list(runs):
    """`ganstudio runs list --json` on `runs`, as a script reads it."""
    out = subprocess.run(
        [sys.executable, "-m", "ganstudio", "runs", "--runs-dir", str(runs), "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def only_folder(runs):
    folders = [p for p in runs.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def train_some(qtbot, window, steps):
    click(qtbot, window.run_controls.start_button)
    qtbot.waitUntil(lambda: window.snapshot.step > steps, timeout=20_000)


def pause(qtbot, window):
    click(qtbot, window.run_controls.pause_button)
    qtbot.waitUntil(lambda: window.snapshot.paused, timeout=5_000)


def table(panel, column):
    """The text of `column` in every row, in table order."""
    return [panel.proxy.index(r, column).data() for r in range(panel.proxy.rowCount())]


# -- the window's run in the library ------------------------------------------------------------
def test_the_windows_run_is_a_run_folder_that_runs_list_reads_with_its_change_log(qtbot, tmp_path):
    runs = tmp_path / "runs"
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(runs), save_every=NEVER, preset="vanilla")
    assert not runs.exists() or not any(runs.iterdir())  # nothing trained yet: no folder
    train_some(qtbot, window, 10)
    spin = window.controls.editors["optimizer.d.lr"]
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "0.001")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.snapshot.latest and window.snapshot.latest["lr_d"] == pytest.approx(1e-3), timeout=10_000)
    pause(qtbot, window)
    step = window.snapshot.step
    folder = only_folder(runs)
    qtbot.waitUntil(lambda: read_summary(folder).get("last_step") == step, timeout=10_000)  # saved at the pause
    assert {p.name for p in folder.iterdir()} >= {"run.toml", "checkpoint.npz", "history.csv", "samples.png", "summary.json"}
    run = read_run(folder)
    assert run.preset == "vanilla" and run.config == SMALL and run.last_step == step
    assert [c.action for c in run.changes] == [{"set": {"optimizer.d.lr": 0.001}}]
    assert 10 < run.changes[0].step < step
    assert Checkpoint(folder / "checkpoint.npz").step == step
    listed = runs_list(runs)
    assert [(r["folder"], r["preset"], r["steps"]) for r in listed] == [(str(folder), "vanilla", step)]
    qtbot.waitUntil(lambda: table(window.runs_panel, STEPS) == [f"{step:,}"], timeout=5_000)  # the panel shows it
    assert window.runs_panel.current == folder
    window.close()


def arrow(box, which):
    """The centre of a spin box's up or down arrow (QStyle.SubControl.SC_SpinBoxUp / Down)."""
    option = QStyleOptionSpinBox()
    box.initStyleOption(option)
    return box.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, option, which, box).center()


def test_holding_a_number_boxs_arrow_is_one_change_of_the_run(qtbot, tmp_path):
    """Held down, the arrow steps D's lr a few times a second; were each step a change of the run,
    an hour of it would be thousands of [[changes]] in run.toml, a marker each. The run gets the
    value the box shows when the button is released: one change, one marker."""
    runs = tmp_path / "runs"
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(runs), save_every=NEVER)
    train_some(qtbot, window, 5)
    pause(qtbot, window)
    box = window.controls.editors["optimizer.d.lr"]
    start = box.value()
    up = arrow(box, QStyle.SubControl.SC_SpinBoxUp)
    qtbot.mousePress(box, Qt.MouseButton.LeftButton, pos=up)
    qtbot.waitUntil(lambda: box.value() > 3 * start, timeout=20_000)  # five steps of 10^(1/10) or more
    qtbot.mouseRelease(box, Qt.MouseButton.LeftButton, pos=up)
    final = box.value()
    qtbot.waitUntil(lambda: window.snapshot.config.optimizer.d.lr == pytest.approx(final), timeout=10_000)
    session = window.host.worker._session  # paused: the worker does not touch it
    assert [c.action for c in session.changes.entries] == [{"set": {"optimizer.d.lr": final}}]
    assert box.value() == final  # the box kept the user's value while the run had the old one
    qtbot.waitUntil(lambda: len(window.plots.marker_labels()) == 1, timeout=10_000)
    assert f"0.0002 -> {final:g}" in window.plots.marker_labels()[0]
    window.close()
    assert [c.action for c in read_run(only_folder(runs)).changes] == [{"set": {"optimizer.d.lr": final}}]


def test_an_edit_still_held_goes_to_the_run_before_the_next_command(qtbot, tmp_path):
    """A typed value waits the gesture's quiet time; a D-only step clicked within it comes after it."""
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(tmp_path / "runs"), save_every=NEVER)
    box = window.controls.editors["optimizer.d.lr"]
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "0.001")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert window.controls.gestures.holds("optimizer.d.lr")
    click(qtbot, window.run_controls.d_step_button)
    qtbot.waitUntil(lambda: window.snapshot.step == 1, timeout=10_000)
    entries = window.host.worker._session.changes.entries
    assert [(c.step, c.action) for c in entries] == [(0, {"set": {"optimizer.d.lr": 0.001}}), (0, {"d_step": True})]
    window.close()


def test_a_live_lr_edit_validates_the_config_once_and_is_one_change(qtbot, tmp_path, monkeypatch):
    """Typing D's lr into its box: from the keystrokes to the controls showing the run's new
    config, one config is built and validated, and the journal gets one typed Change."""
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(tmp_path / "runs"), save_every=NEVER)
    validated = []
    real_validate = config_model.validate
    monkeypatch.setattr(config_model, "validate", lambda config: validated.append(config) or real_validate(config))
    box = window.controls.editors["optimizer.d.lr"]
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "0.001")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.snapshot.config.optimizer.d.lr == 0.001, timeout=10_000)
    assert window.controls.editors["optimizer.d.lr"].value() == 0.001  # the controls show the snapshot
    assert len(validated) == 1
    (change,) = window.host.worker._session.changes.entries
    assert change == Change(0, cmd.SetParam("optimizer.d.lr", 0.001), {"optimizer.d.lr": 2e-4}, {"optimizer.d.lr": 0.001})
    assert change.outcome is Outcome.LIVE and change.action == {"set": {"optimizer.d.lr": 0.001}}
    assert [e.label for e in window.snapshot.events] == ["optimizer.d.lr 0.0002 -> 0.001"]
    window.close()


def test_the_run_is_saved_periodically_while_it_trains(qtbot, tmp_path):
    runs = tmp_path / "runs"
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(runs), save_every=0.3)
    train_some(qtbot, window, 5)
    qtbot.waitUntil(lambda: runs.exists() and any(runs.iterdir()), timeout=10_000)
    folder = only_folder(runs)
    qtbot.waitUntil(lambda: read_summary(folder).get("last_step", 0) > 0, timeout=10_000)
    first = read_summary(folder)["last_step"]
    qtbot.waitUntil(lambda: read_summary(folder)["last_step"] > first, timeout=20_000)  # saved again, still training
    assert not window.snapshot.paused
    window.close()


def test_closing_while_training_writes_the_final_state(qtbot, tmp_path):
    runs = tmp_path / "runs"
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(runs), save_every=NEVER)
    train_some(qtbot, window, 30)
    window.close()  # no pause first
    assert window.host.thread.isFinished()
    trained = window.host.worker._session.step_count
    folder = only_folder(runs)
    assert read_summary(folder)["last_step"] == trained == read_run(folder).last_step
    assert Checkpoint(folder / "checkpoint.npz").step == trained


def test_an_unwritable_runs_folder_is_one_banner_and_training_goes_on(qtbot, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the runs folder's parent should be")
    runs = blocker / "runs"
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(runs), save_every=0.3)
    said = []
    window.host.worker.save_failed.connect(said.append)
    train_some(qtbot, window, 5)
    qtbot.waitUntil(lambda: window.banner.isVisible() and "Could not save the run" in window.banner.text(), timeout=10_000)
    assert str(runs) in window.banner.text()
    at_banner = window.snapshot.step
    qtbot.waitUntil(lambda: window.snapshot.step > at_banner + 20, timeout=10_000)  # training goes on
    qtbot.wait(1000)  # saves failing meanwhile (every 0.3 s) are not said again
    assert len(said) == 1
    blocker.unlink()  # the folder can be made now: the next save makes it
    qtbot.waitUntil(lambda: runs.exists() and any(runs.iterdir()), timeout=10_000)
    folder = only_folder(runs)
    qtbot.waitUntil(lambda: read_summary(folder).get("last_step", 0) > at_banner, timeout=10_000)  # nothing lost
    window.close()


# -- the Runs panel --------------------------------------------------------------------------------
@pytest.fixture
def library(tmp_path):
    """A runs folder with three runs of 3, 12 and 7 steps (the first with a change log)."""
    runs = tmp_path / "runs"
    return runs, [make_run(runs, "vanilla", 3, lr=1e-3), make_run(runs, "hinge", 12, seed=1), make_run(runs, "ema", 7, seed=2)]


def window_on(qtbot, tmp_path, runs):
    """A window keeping its runs in `runs` (saving at pauses, switches and close), and its Runs panel."""
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(runs), save_every=NEVER)
    return window, window.runs_panel


def test_the_panel_lists_sorts_renames_and_stars(qtbot, tmp_path, library):
    runs, folders = library
    window, panel = window_on(qtbot, tmp_path, runs)
    assert window.runs_dock.windowTitle() == "Runs" and window.runs_dock.toggleViewAction() is not None
    assert sorted(table(panel, NAME)) == sorted(f.name for f in folders)
    header = panel.table.horizontalHeader()
    at_steps = QPoint(header.sectionViewportPosition(STEPS) + 5, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at_steps)  # sort by steps
    steps = [int(s.replace(",", "")) for s in table(panel, STEPS)]
    assert steps in ([3, 7, 12], [12, 7, 3])
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at_steps)  # and the other way
    assert [int(s.replace(",", "")) for s in table(panel, STEPS)] == steps[::-1]

    row = table(panel, NAME).index(folders[1].name)  # rename: edit the name cell
    panel.table.edit(panel.proxy.index(row, NAME))
    editor = panel.table.viewport().findChild(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "hinge, seed 1")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: read_summary(folders[1])["name"] == "hinge, seed 1", timeout=5_000)  # written after run.toml
    assert read_run(folders[1]).name == "hinge, seed 1"
    assert {r["folder"]: r["name"] for r in runs_list(runs)}[str(folders[1])] == "hinge, seed 1"
    qtbot.waitUntil(lambda: "hinge, seed 1" in table(panel, NAME), timeout=5_000)

    def click_star(folder):
        rect = panel.table.visualRect(panel.proxy.index(table(panel, NAME).index(folder.name), STAR))
        qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    assert set(table(panel, STAR)) == {"☆"}
    click_star(folders[2])
    qtbot.waitUntil(lambda: read_run(folders[2]).starred, timeout=5_000)
    assert {r["folder"]: r["starred"] for r in runs_list(runs)} == {str(f): f == folders[2] for f in folders}
    qtbot.waitUntil(lambda: table(panel, STAR)[table(panel, NAME).index(folders[2].name)] == "★", timeout=5_000)
    click_star(folders[2])  # and off again
    qtbot.waitUntil(lambda: not read_run(folders[2]).starred, timeout=5_000)
    window.close()


def test_the_panel_writes_figures_and_dates_as_runs_list_prints_them(qtbot, tmp_path, library):
    runs, folders = library
    summary_path = folders[0] / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary.update(fid=15.781502723693848, classes_covered=10.0)  # as insight leaves them in summary.json
    summary_path.write_text(json.dumps(summary))
    window, panel = window_on(qtbot, tmp_path, runs)
    row = table(panel, NAME).index(folders[0].name)
    cells = [panel.proxy.index(row, column).data() for column in (CREATED, STEPS, QUALITY)]
    listed = subprocess.run(
        [sys.executable, "-m", "ganstudio", "runs", "list", "--runs-dir", str(runs)], capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in listed.splitlines() if folders[0].name in line)
    assert cells[2] == "FID 15.78"
    assert all(cell.removeprefix("FID ") in line for cell in cells), (cells, line)
    window.close()


def _answer(qtbot, panel, button):
    qtbot.waitUntil(lambda: panel.delete_box is not None and panel.delete_box.isVisible(), timeout=5_000)
    click(qtbot, panel.delete_box.button(button))


def test_delete_asks_first_and_keeps_the_run_on_no(qtbot, tmp_path, library):
    runs, folders = library
    window, panel = window_on(qtbot, tmp_path, runs)
    panel.select([folders[0]])
    click(qtbot, panel.delete_button)
    assert folders[0].name in panel.delete_box.text() or str(folders[0]) in panel.delete_box.text()
    _answer(qtbot, panel, QMessageBox.StandardButton.No)
    assert folders[0].exists() and len(table(panel, NAME)) == 3
    panel.delete_box = None
    panel.select([folders[0]])
    delete_action = next(a for a in window.menuBar().actions() if a.text() == "&Runs").menu().actions()[1]
    assert delete_action.text().startswith("Delete")
    delete_action.trigger()  # the Runs menu entry asks too
    _answer(qtbot, panel, QMessageBox.StandardButton.Yes)
    assert not folders[0].exists() and folders[1].exists()
    assert sorted(table(panel, NAME)) == sorted(f.name for f in folders[1:])
    assert sorted(r["folder"] for r in runs_list(runs)) == sorted(str(f) for f in folders[1:])
    window.close()


def test_the_run_training_in_the_window_is_not_deleted(qtbot, tmp_path):
    runs = tmp_path / "runs"
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(runs), save_every=NEVER)
    train_some(qtbot, window, 5)
    pause(qtbot, window)
    panel = window.runs_panel
    qtbot.waitUntil(lambda: panel.current is not None and len(table(panel, NAME)) == 1, timeout=10_000)
    panel.select([panel.current])
    click(qtbot, panel.delete_button)
    assert panel.delete_box is None and panel.current.exists()
    assert "training in the window" in panel.message.text() and panel.message.isVisible()
    window.close()


def test_open_continues_a_run_in_its_own_folder_with_its_change_log(qtbot, tmp_path, library):
    runs, folders = library
    window, panel = window_on(qtbot, tmp_path, runs)
    panel.select([folders[1]])
    click(qtbot, panel.open_button)
    qtbot.waitUntil(lambda: window.snapshot.step == 12 and panel.current == folders[1], timeout=10_000)
    assert not panel.open_button.isEnabled()  # it is the current run now
    window.submit(cmd.SetParam("optimizer.g.lr", 5e-4))
    train_some(qtbot, window, 30)
    pause(qtbot, window)
    step = window.snapshot.step
    qtbot.waitUntil(lambda: read_summary(folders[1]).get("last_step") == step, timeout=10_000)
    run = read_run(folders[1])
    assert run.preset == "hinge" and run.config.seed == 1 and run.last_step == step
    assert [c.action for c in run.changes] == [{"set": {"optimizer.g.lr": 0.0005}}] and run.changes[0].step == 12
    assert sorted(p.name for p in runs.iterdir()) == sorted(f.name for f in folders)  # no new folder

    panel.select([folders[0]])  # opening another run saves this one first and continues that one's log
    window.submit(cmd.Resume())
    qtbot.waitUntil(lambda: not window.snapshot.paused, timeout=5_000)
    click(qtbot, panel.open_button)
    qtbot.waitUntil(lambda: panel.current == folders[0] and window.snapshot.step == 3, timeout=10_000)
    assert read_summary(folders[1])["last_step"] > step  # saved before the switch
    train_some(qtbot, window, 10)
    window.close()
    run = read_run(folders[0])
    assert [c.action for c in run.changes] == [{"set": {"optimizer.d.lr": 0.001}}] and run.last_step > 10


def test_a_run_that_another_process_writes_is_not_opened_until_it_ends(qtbot, tmp_path, library):
    """`train --resume` continues a run in its folder; the window's Open of that run is one banner
    naming the folder and the process, and the window keeps its own run. Once `train` has stopped
    (SIGTERM: it writes the run and ends), Open continues the run where `train` left it."""
    runs, folders = library
    checkpoint = folders[1] / "checkpoint.npz"
    writer = subprocess.Popen(
        [sys.executable, "-m", "ganstudio", "train", "--resume", str(checkpoint), "--steps", str(10**9)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        qtbot.waitUntil(
            lambda: (folders[1] / LOCK).exists() and (folders[1] / LOCK).read_text() == f"{writer.pid}\n", timeout=120_000
        )
        window, panel = window_on(qtbot, tmp_path, runs)
        panel.select([folders[1]])
        click(qtbot, panel.open_button)
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
        assert window.banner.text() == (
            f"{folders[1]}: process {writer.pid} is writing there (one writer per folder); wait for it to end, or stop it first"
        )
        assert panel.current != folders[1] and window.snapshot.step == 0  # still the window's own new run
        writer.send_signal(signal.SIGTERM)
        _, err = writer.communicate(timeout=120)
    finally:
        writer.kill()
    assert writer.returncode == 143, err
    step = read_summary(folders[1])["last_step"]
    assert step >= 12  # how far `train` got before the signal depends on the machine's load
    click(qtbot, panel.open_button)
    qtbot.waitUntil(lambda: panel.current == folders[1] and window.snapshot.step == step, timeout=10_000)
    assert (folders[1] / LOCK).read_text() == f"{os.getpid()}\n"  # the window writes it now
    window.close()
    assert not (folders[1] / LOCK).exists()


def test_compare_emits_the_selected_run_folders(qtbot, tmp_path, library):
    runs, folders = library
    window, panel = window_on(qtbot, tmp_path, runs)
    panel.select([folders[0]])
    assert not panel.compare_button.isEnabled()
    panel.table.sortByColumn(STEPS, Qt.SortOrder.AscendingOrder)  # 3, 7, 12 steps
    panel.select([folders[2], folders[0]])
    assert panel.compare_button.isEnabled()
    with qtbot.waitSignal(panel.compare_requested, timeout=2_000) as emitted:
        click(qtbot, panel.compare_button)
    assert emitted.args == [[folders[0], folders[2]]]  # run folders (Path), in table order
    assert all(isinstance(f, type(folders[0])) for f in emitted.args[0])
    (view,) = window.compare_windows  # the window opens the compare view of those runs
    assert view.isVisible() and [d.run.folder for d in view.comparison.runs] == [folders[0], folders[2]]
    view.close()
    qtbot.waitUntil(lambda: not window.compare_windows, timeout=2_000)
    window.close()


def test_a_corrupt_run_toml_is_one_message_and_the_other_runs_list(qtbot, tmp_path, library):
    runs, folders = library
    bad = folders[1] / "run.toml"
    bad.write_text("format = 1\n[config\nthis is not TOML")
    window, panel = window_on(qtbot, tmp_path, runs)
    assert sorted(table(panel, NAME)) == sorted([folders[0].name, folders[2].name])
    assert panel.message.isVisible() and str(bad) in panel.message.text() and "corrupt" in panel.message.text()
    assert panel.message.text().count("\n") == 0  # one message
    panel.select([folders[0]])  # the others still open
    click(qtbot, panel.open_button)
    qtbot.waitUntil(lambda: window.snapshot.step == 3, timeout=10_000)
    window.close()


def test_the_current_runs_row_follows_its_snapshots(qtbot, tmp_path, monkeypatch):
    from ganstudio.gui.runs import runs_panel

    monkeypatch.setattr(runs_panel, "LIVE_INTERVAL", 0.0)
    runs = tmp_path / "runs"
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(runs), save_every=NEVER)
    train_some(qtbot, window, 5)
    panel = window.runs_panel
    qtbot.waitUntil(lambda: panel.current is not None and len(table(panel, NAME)) == 1, timeout=10_000)  # saved at its first step
    first = int(table(panel, STEPS)[0].replace(",", ""))
    qtbot.waitUntil(lambda: int(table(panel, STEPS)[0].replace(",", "")) > first + 50, timeout=20_000)  # no save since
    assert read_summary(panel.current).get("last_step", 0) <= first
    assert panel.model.item(0, NAME).font().bold()
    window.close()
    assert np.isfinite(read_summary(only_folder(runs))["wall_time_s"])


def test_without_runs_dir_the_window_keeps_its_runs_in_GANSTUDIO_RUNS_DIR(qtbot, tmp_path, monkeypatch):
    runs = tmp_path / "env-runs"
    monkeypatch.setenv("GANSTUDIO_RUNS_DIR", str(runs))
    window = open_window(qtbot, tmp_path, SMALL, save_every=NEVER)
    assert window.runs_panel.runs == runs
    train_some(qtbot, window, 3)
    pause(qtbot, window)
    qtbot.waitUntil(lambda: runs.exists() and len(runs_list(runs)) == 1, timeout=10_000)
    window.close()


def test_reset_is_a_change_in_the_runs_log_in_the_same_folder(qtbot, tmp_path):
    runs = tmp_path / "runs"
    window = open_window(qtbot, tmp_path, SMALL, runs_dir=str(runs), save_every=NEVER)
    train_some(qtbot, window, 20)
    click(qtbot, window.run_controls.reset_button)  # while training
    qtbot.waitUntil(lambda: window.snapshot.step == 0 and window.snapshot.paused, timeout=5_000)
    folder = only_folder(runs)
    run = read_run(folder)
    assert [c.action for c in run.changes] == [{"reset": True}] and run.changes[0].step > 20
    assert Checkpoint(folder / "checkpoint.npz").step == 0  # the run as it is now, after the reset
    train_some(qtbot, window, 5)
    window.close()
    assert only_folder(runs) == folder and read_run(folder).last_step > 5  # the same run goes on


def test_the_app_command_takes_runs_dir(tmp_path, monkeypatch):
    from ganstudio.cli import main as cli
    from ganstudio.gui import app

    opened = {}
    monkeypatch.setattr(app, "run_app", lambda **kwargs: opened.update(kwargs) or 0)
    assert cli.main(["--runs-dir", str(tmp_path / "elsewhere")]) == 0
    assert opened["runs_dir"] == str(tmp_path / "elsewhere")
