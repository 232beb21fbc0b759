"""The desktop app driven through its real widgets (pytest-qt, offscreen)."""

import sys
import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QShortcut

import ganstudio
from ganstudio.config.model import RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.gui.theme import configure_pyqtgraph
from ganstudio.gui.window.main_window import MainWindow
from ganstudio.gui.window.worker import SNAPSHOT_INTERVAL, SNAPSHOT_MAX_INTERVAL, snapshot_interval
from ganstudio.run.session import Session

from support import SMALL_RUN, click, go_offline, open_window, random_digits, running_window, write_idx_pair

SMALL = SMALL_RUN


@pytest.fixture
def window(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, RunConfig().with_values(SMALL)) as w:
        yield w


def curve_values(curve):
    """The y values a curve was given (before any log transform), empty before the first draw."""
    _, y = curve.getOriginalDataset()
    return np.array([]) if y is None else y


def test_start_pause_step_resume_reset_through_the_buttons(qtbot, window):
    rc = window.run_controls
    assert window.snapshot.step == 0 and window.snapshot.paused
    click(qtbot, rc.start_button)
    qtbot.waitUntil(lambda: window.snapshot.step > 20, timeout=10_000)
    click(qtbot, rc.pause_button)
    qtbot.waitUntil(lambda: window.snapshot.paused, timeout=5_000)
    paused_at = window.snapshot.step
    click(qtbot, rc.step_button)
    qtbot.waitUntil(lambda: window.snapshot.step == paused_at + 1, timeout=5_000)
    click(qtbot, rc.d_step_button)
    click(qtbot, rc.g_step_button)
    qtbot.waitUntil(lambda: window.snapshot.step == paused_at + 3, timeout=5_000)
    assert rc.start_button.text() == "Resume"
    click(qtbot, rc.start_button)
    qtbot.waitUntil(lambda: window.snapshot.step > paused_at + 20, timeout=10_000)
    click(qtbot, rc.reset_button)
    qtbot.waitUntil(lambda: window.snapshot.step == 0 and window.snapshot.paused, timeout=5_000)
    assert "Reset" in window.banner.text()


def test_space_bar_pauses_and_resumes(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.snapshot.paused and window.snapshot.step > 5, timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.snapshot.paused, timeout=5_000)


def test_plots_and_grid_receive_data(qtbot, window):
    click(qtbot, window.run_controls.start_button)
    curve = window.plots.curves["g_loss"]
    qtbot.waitUntil(lambda: len(curve_values(curve)) > 30, timeout=10_000)
    assert np.isfinite(curve_values(curve)).all()
    grid = window.samples.shown_grid
    assert grid.dtype == np.uint8 and grid.shape == (4 * 29 + 1, 4 * 29 + 1) and grid.std() > 0
    assert "steps/s" in window.status.text()


def test_grid_size_reads_n_x_n_and_typing_a_side_changes_the_grid(qtbot, window):
    spin = window.samples.grid_size
    assert spin.text() == "4 x 4"
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "6")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.samples.shown_grid.shape == (6 * 29 + 1, 6 * 29 + 1), timeout=10_000)
    assert spin.text() == "6 x 6" and window.snapshot.config.view.grid == 6
    spin.stepUp()
    qtbot.waitUntil(lambda: window.samples.shown_grid.shape == (7 * 29 + 1, 7 * 29 + 1), timeout=10_000)
    assert spin.text() == "7 x 7"


def test_live_lr_change_reaches_the_running_session_and_shows_in_the_plots(qtbot, window):
    click(qtbot, window.run_controls.start_button)
    qtbot.waitUntil(lambda: window.snapshot.step > 10, timeout=10_000)
    spin = window.controls.editors["optimizer.g.lr"]
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "0.001")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.snapshot.latest and window.snapshot.latest["lr_g"] == pytest.approx(1e-3), timeout=10_000)
    curve = window.plots.curves["lr_g"]
    qtbot.waitUntil(lambda: len(curve_values(curve)) and curve_values(curve)[-1] == pytest.approx(1e-3), timeout=5_000)
    assert curve_values(curve)[0] == pytest.approx(2e-4)
    qtbot.waitUntil(lambda: any("lr 0.0002 -> 0.001" in label for label in window.plots.marker_labels()), timeout=5_000)
    assert window.snapshot.latest["lr_d"] == pytest.approx(2e-4)


def test_architecture_edit_is_pending_until_applied(qtbot, window):
    edit = window.controls.editors["generator.hidden"]
    edit.selectAll()
    qtbot.keyClicks(edit, "64, 48")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    button = window.controls.apply_buttons["g"]
    qtbot.waitUntil(button.isEnabled, timeout=5_000)
    assert window.snapshot.pending == {"generator.hidden": (64, 48)}
    assert window.snapshot.config.generator.hidden == (32,)
    assert "hidden" in window.controls.pending_labels["g"].text()
    click(qtbot, button)
    qtbot.waitUntil(lambda: window.snapshot.config.generator.hidden == (64, 48), timeout=5_000)
    assert not button.isEnabled() and window.snapshot.pending == {}


def test_invalid_widths_are_refused_in_the_widget(qtbot, window):
    edit = window.controls.editors["discriminator.hidden"]
    edit.selectAll()
    qtbot.keyClicks(edit, "12, lots")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert "not a list of whole numbers" in edit.toolTip()
    assert window.snapshot.pending == {}


def test_revert_button_undoes_a_live_change(qtbot, window):
    click(qtbot, window.run_controls.step_button)
    window.controls.editors["training.loss"].setCurrentText("hinge")
    qtbot.waitUntil(lambda: window.snapshot.config.training.loss == "hinge", timeout=5_000)
    click(qtbot, window.run_controls.revert_button)
    qtbot.waitUntil(lambda: window.snapshot.config.training.loss == "non_saturating", timeout=5_000)
    assert window.controls.editors["training.loss"].currentText() == "non_saturating"


def test_closing_mid_training_stops_the_thread(qtbot, window):
    click(qtbot, window.run_controls.start_button)
    qtbot.waitUntil(lambda: window.snapshot.step > 10, timeout=10_000)
    window.close()
    assert window.host.thread.isFinished()


def test_ctrl_q_quits(qtbot, window):
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    window.quit_action.trigger()
    assert not window.isVisible() and window.host.thread.isFinished()


def test_settings_remember_the_last_config(qtbot, tmp_path):
    configure_pyqtgraph()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(RunConfig().with_values({**SMALL, "optimizer.lr": "3e-4"}), settings=settings)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=10_000)
    w.close()
    from ganstudio.gui.settings import last_config

    assert last_config(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)).optimizer.g.lr == 3e-4


def offline_window(qtbot, tmp_path, monkeypatch, config):
    """A window opening `config` on a first launch offline (support.go_offline)."""
    go_offline(monkeypatch, tmp_path)
    configure_pyqtgraph()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(config, settings=settings)
    qtbot.addWidget(w)
    w.show()
    return w


def assert_controls_show(window, config):
    """Every control shows `config`'s value: never a spin box's placeholder minimum."""
    c = window.controls.editors
    assert c["data.batch_size"].value() == config.data.batch_size
    assert c["generator.latent_size"].value() == config.generator.latent_size
    assert c["optimizer.g.kind"].currentText() == config.optimizer.g.kind
    assert c["optimizer.g.lr"].value() == pytest.approx(config.optimizer.g.lr)
    assert c["generator.hidden"].text() == ", ".join(str(w) for w in config.generator.hidden)


def test_offline_dataset_offers_synthetic_digits(qtbot, tmp_path, monkeypatch):
    w = offline_window(qtbot, tmp_path, monkeypatch, RunConfig().with_values({**SMALL, "data.dataset": "mnist"}))
    qtbot.waitUntil(lambda: w.offline_box is not None and w.offline_box.isVisible(), timeout=15_000)
    click(qtbot, w.offline_use_synthetic)
    qtbot.waitUntil(lambda: w.snapshot is not None and w.snapshot.config.data.dataset == "synthetic-digits", timeout=10_000)
    w.close()


def test_first_launch_offline_shows_the_config_and_cancel_leaves_a_clear_way_out(qtbot, tmp_path, monkeypatch):
    config = load_preset("recommended")
    w = offline_window(qtbot, tmp_path, monkeypatch, config)
    # From the first paint, while MNIST is being looked for: the preset's values, not placeholders.
    assert_controls_show(w, config)
    assert not w.controls.isEnabled() and not w.run_controls.start_button.isEnabled()
    assert w.status.text() == "opening a run on mnist…"
    qtbot.waitUntil(lambda: w.offline_box is not None and w.offline_box.isVisible(), timeout=15_000)
    assert_controls_show(w, config)
    click(qtbot, w.offline_cancel)
    qtbot.waitUntil(lambda: not w.offline_box.isVisible(), timeout=5_000)
    # After Cancel: no run, and the window says so instead of "starting…" forever.
    assert w.snapshot is None and w.no_run.isVisible() and not w.plots.isVisible()
    assert w.status.text() == "no run open"
    assert w.no_run.reason.text() == "MNIST could not be downloaded: no mirror answered."
    assert w.no_run.details.isHidden() and "train-images-idx3-ubyte.gz" in w.no_run.details.text()  # folded away
    click(qtbot, w.no_run.details_button)
    assert w.no_run.details.isVisible()
    assert not w.run_controls.start_button.isEnabled() and not w.controls.isEnabled()
    assert_controls_show(w, config)
    assert w.samples.grid_size.text() == "8 x 8" and not w.samples.isEnabled()
    # One click opens the preset on synthetic-digits, ready to train.
    click(qtbot, w.no_run.synthetic_button)
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=15_000)
    assert w.snapshot.config == config.with_values({"data.dataset": "synthetic-digits"})
    assert w.plots.isVisible() and not w.no_run.isVisible() and w.controls.isEnabled()
    assert w.status.text().startswith("step 0") and w.data_label.text() == "synthetic-digits, drawn by GAN Studio"
    click(qtbot, w.run_controls.start_button)
    qtbot.waitUntil(lambda: w.snapshot.step > 0, timeout=120_000)
    w.close()


def test_with_no_run_open_try_again_looks_in_the_folder_the_user_picks(qtbot, tmp_path, monkeypatch):
    w = offline_window(qtbot, tmp_path, monkeypatch, RunConfig().with_values({**SMALL, "data.dataset": "mnist"}))
    qtbot.waitUntil(lambda: w.offline_box is not None and w.offline_box.isVisible(), timeout=15_000)
    click(qtbot, w.offline_cancel)
    click(qtbot, w.no_run.retry_button)  # still offline: the same dialog again, nothing lost
    qtbot.waitUntil(lambda: w.offline_box.isVisible(), timeout=15_000)
    click(qtbot, w.offline_cancel)
    assert w.no_run.isVisible() and w.snapshot is None
    mnist = write_idx_pair(tmp_path / "my-mnist", *random_digits(200))
    w.use_data_folder(str(mnist))
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=15_000)
    assert w.snapshot.config.data.dataset == "mnist" and w.no_run.isHidden()
    assert f"Datasets: {mnist}" in w.help.show_about().text()
    w.close()


class _Emitter(QObject):
    ping = Signal(int)


def test_many_signal_emits_do_not_leak_references_to_true():
    """PySide6 6.12.0 on Python 3.11 leaks a reference to True per emit and aborts after ~20,000."""
    emitter = _Emitter()
    received = []
    emitter.ping.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(20_000):
        emitter.ping.emit(i)
    assert len(received) == 20_000
    assert sys.getrefcount(True) >= before - 100


def test_expensive_snapshots_are_spaced_out_so_painting_never_slows_training(qtbot, tmp_path):
    # A large G with an EMA renders two 10x10 grids per snapshot (~0.8 GFLOP): several ms on
    # any machine, so the worker must space snapshots beyond the 20-a-second ceiling.
    config = RunConfig().with_values(
        {"data.dataset": "synthetic-digits", "generator.hidden": (1024, 1024), "training.ema": True, "view.grid": 10}
    )
    with running_window(qtbot, tmp_path, config) as window:
        worker = window.host.worker
        click(qtbot, window.run_controls.start_button)
        qtbot.waitUntil(lambda: worker.steps_done > 20, timeout=30_000)
        assert worker.snapshot_every > SNAPSHOT_INTERVAL
    assert snapshot_interval(0.0) == SNAPSHOT_INTERVAL


def test_a_slow_first_snapshot_does_not_silence_the_window(qtbot, tmp_path, monkeypatch):
    # The first snapshot can take seconds (compiled kernels loading, the EMA generator's batch-norm
    # statistics); the window must still show training within seconds, not after a minute.
    real_snapshot, calls = Session.snapshot, []

    def slow_first(session):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(2.0)
        return real_snapshot(session)

    monkeypatch.setattr(Session, "snapshot", slow_first)
    with running_window(qtbot, tmp_path, RunConfig().with_values(SMALL)) as window:
        assert snapshot_interval(2.0) <= SNAPSHOT_MAX_INTERVAL
        click(qtbot, window.run_controls.start_button)
        qtbot.waitUntil(lambda: window.snapshot is not None and window.snapshot.step > 0, timeout=30_000)


def test_help_menu_lists_the_real_shortcuts_and_about_gives_versions(qtbot, window):
    titles = [a.text() for a in window.help.menu.actions()]
    assert titles == ["Keyboard and mouse shortcuts", "About GAN Studio"]
    window.help.menu.actions()[0].trigger()
    box = window.help.box
    assert box.isVisible() and not box.isModal()
    bound = {a.shortcut().toString() for a in window.findChildren(QAction) if not a.shortcut().isEmpty()}
    bound |= {s.key().toString() for s in window.findChildren(QShortcut)}
    assert {"Space", "Ctrl+O", "Ctrl+S", "Ctrl+Q"} <= bound
    for key in bound:  # every shortcut the window binds is listed
        assert f"<b>{key}</b>" in box.text()
    window.help.menu.actions()[1].trigger()
    about = window.help.box
    assert not box.isVisible() and about.isVisible()  # one help box at a time
    text = about.text()
    assert f"GAN Studio {ganstudio.__version__}" in text and f"NumPy {np.__version__}" in text
    assert "BLAS: openblas" in text and "Qt 6." in text
    assert str(window.settings.fileName()) in text
    assert window.snapshot is not None  # the window goes on while the box is open


def test_about_names_the_data_folder_the_window_was_given(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path, RunConfig().with_values(SMALL), data_dir=str(tmp_path / "datasets"))
    assert f"Datasets: {tmp_path / 'datasets'}" in w.help.show_about().text()
    w.close()


def test_offline_dialog_is_one_sentence_with_the_details_folded_and_all_three_ways_on(qtbot, tmp_path, monkeypatch):
    w = offline_window(qtbot, tmp_path, monkeypatch, RunConfig().with_values({**SMALL, "data.dataset": "mnist"}))
    qtbot.waitUntil(lambda: w.offline_box is not None and w.offline_box.isVisible(), timeout=15_000)
    box = w.offline_box
    assert box.text() == "MNIST could not be downloaded: no mirror answered."  # the test's mirror refuses connections
    assert "train-images-idx3-ubyte.gz" in box.detailedText() and "127.0.0.1" in box.detailedText()
    assert "127.0.0.1" not in box.text() + box.informativeText()
    assert [b.text() for b in (w.offline_use_synthetic, w.offline_choose_folder, w.offline_retry)] == [
        "Use synthetic-digits",
        "Choose a folder…",
        "Try again",
    ]
    assert "127.0.0.1" not in w.no_run.reason.text()  # the page behind does not repeat the URLs
    click(qtbot, w.offline_retry)  # still offline: asked again
    qtbot.waitUntil(lambda: w.offline_box is not box and w.offline_box.isVisible(), timeout=15_000)
    click(qtbot, w.offline_choose_folder)  # the folder dialog, answered with a folder holding MNIST
    qtbot.waitUntil(lambda: w.folder_dialog is not None and w.folder_dialog.isVisible(), timeout=5_000)
    mnist = write_idx_pair(tmp_path / "my-mnist", *random_digits(200))
    answer_folder_dialog(w.folder_dialog, mnist)
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=15_000)
    assert w.snapshot.config.data.dataset == "mnist"
    w.close()


def answer_folder_dialog(dialog, folder):
    """Pick `folder` in an open folder dialog as a user would: select it, press Choose."""
    dialog.selectFile(str(folder))
    dialog.accept()


def test_a_data_folder_chosen_once_is_used_at_the_next_start_and_shown_in_the_status_bar(qtbot, tmp_path, monkeypatch):
    config = RunConfig().with_values({**SMALL, "data.dataset": "mnist"})
    first = offline_window(qtbot, tmp_path, monkeypatch, config)
    qtbot.waitUntil(lambda: first.offline_box is not None and first.offline_box.isVisible(), timeout=15_000)
    click(qtbot, first.offline_cancel)
    empty = tmp_path / "empty"
    empty.mkdir()
    first.use_data_folder(str(empty))  # no MNIST there: said at once, nothing remembered
    assert first.no_run.reason.text().startswith(f"{empty}: no MNIST there")
    mnist = write_idx_pair(tmp_path / "my-mnist", *random_digits(200))
    first.use_data_folder(str(mnist))
    qtbot.waitUntil(lambda: first.snapshot is not None, timeout=15_000)
    assert first.data_label.toolTip() == f"mnist from {mnist}"
    first.close()
    # The next start, still offline, with the same settings file: no dialog, MNIST from that folder.
    second = offline_window(qtbot, tmp_path, monkeypatch, config)
    qtbot.waitUntil(lambda: second.snapshot is not None, timeout=15_000)
    assert second.offline_box is None and second.snapshot.config.data.dataset == "mnist"
    assert second.data_label.toolTip() == f"mnist from {mnist}"
    # File > Choose the dataset folder… changes it: the run opens again on the other folder.
    other = write_idx_pair(tmp_path / "other-mnist", *random_digits(100, seed=1))
    assert second.data_folder_action.isEnabled()
    second.data_folder_action.trigger()
    qtbot.waitUntil(lambda: second.folder_dialog is not None and second.folder_dialog.isVisible(), timeout=5_000)
    answer_folder_dialog(second.folder_dialog, other)
    qtbot.waitUntil(lambda: second.data_label.toolTip() == f"mnist from {other}", timeout=15_000)
    second.close()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert settings.value("data_folders/mnist") == str(other)
