"""Conv networks in the window: the kind selector shows the settings that apply, edits stay
pending until Apply, and the layer table under each group shows what the settings build (or why
they do not fit) as the user edits."""

import pytest
from PySide6.QtCore import Qt

from ganstudio.config.model import RunConfig
from ganstudio.engine.conv import UpsampleConv2d
from ganstudio.engine.convnet import ConvNet
from ganstudio.engine.network import MLP

from support import SMALL_RUN, click, running_window


@pytest.fixture
def window(qtbot, tmp_path):
    with running_window(qtbot, tmp_path, RunConfig().with_values(SMALL_RUN)) as w:
        yield w


def visible(window, key):
    return window.controls.rows[key][1].isVisibleTo(window.controls)


def type_list(qtbot, edit, text, commit=True):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    if commit:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_choosing_conv_shows_its_settings_stays_pending_and_apply_builds_a_conv_net(qtbot, window):
    controls = window.controls
    assert visible(window, "generator.hidden") and not visible(window, "generator.channels")
    table = controls.layer_tables["g"]
    assert [r.shape for r in table.rows] == [(32,), (784,)] and "dense + relu" in table.text()

    controls.editors["generator.kind"].setCurrentText("conv")
    qtbot.waitUntil(lambda: window.snapshot.pending == {"generator.kind": "conv"}, timeout=5_000)
    assert window.snapshot.config.generator.kind == "mlp"  # pending until Apply
    for key in ("generator.channels", "generator.kernel", "generator.batch_norm"):
        assert visible(window, key), key
    assert not visible(window, "generator.hidden")
    assert [r.shape for r in table.rows] == [(128, 7, 7), (64, 14, 14), (1, 28, 28)]
    assert "conv-transpose 4x4 x2 + BN + relu" in table.text() and "64×14×14" in table.text()

    click(qtbot, controls.apply_buttons["g"])
    qtbot.waitUntil(lambda: window.snapshot.config.generator.kind == "conv", timeout=10_000)
    gan = window.host.worker._session.gan  # the run is paused: the worker does not touch it
    assert isinstance(gan.generator, ConvNet) and isinstance(gan.discriminator, MLP)
    assert sum(r.params for r in table.rows) == gan.generator.params.size
    assert f"{gan.generator.params.size:,}" in table.text()


def test_nearest_upsampling_is_a_conv_g_setting_that_the_table_shows_and_apply_builds(qtbot, window):
    controls = window.controls
    assert not visible(window, "generator.upsample")  # an MLP G has no upsampling
    controls.editors["generator.kind"].setCurrentText("conv")
    qtbot.waitUntil(lambda: visible(window, "generator.upsample"), timeout=5_000)
    assert controls.editors["generator.upsample"].currentText() == "transposed"
    controls.editors["generator.upsample"].setCurrentText("nearest")
    qtbot.waitUntil(lambda: window.snapshot.pending.get("generator.upsample") == "nearest", timeout=5_000)
    table = controls.layer_tables["g"]
    assert "upsample x2 + conv 3x3 + BN + relu" in table.text() and "conv-transpose" not in table.text()
    assert [r.shape for r in table.rows] == [(128, 7, 7), (64, 14, 14), (1, 28, 28)]

    click(qtbot, controls.apply_buttons["g"])
    qtbot.waitUntil(lambda: window.snapshot.config.generator.upsample == "nearest", timeout=10_000)
    gan = window.host.worker._session.gan
    assert sum(isinstance(layer, UpsampleConv2d) for layer in gan.generator.layers) == 2
    assert sum(r.params for r in table.rows) == gan.generator.params.size  # 3x3 taps: fewer than 4x4


def test_the_table_follows_typing_and_shows_why_settings_do_not_fit(qtbot, window):
    controls = window.controls
    controls.editors["discriminator.kind"].setCurrentText("conv")
    qtbot.waitUntil(lambda: window.snapshot.pending == {"discriminator.kind": "conv"}, timeout=5_000)
    table = controls.layer_tables["d"]
    assert [r.shape for r in table.rows] == [(64, 14, 14), (128, 7, 7), (1,)]

    edit = controls.editors["discriminator.channels"]
    type_list(qtbot, edit, "16, 32", commit=False)  # typing, not yet committed: the table follows
    assert [r.shape for r in table.rows] == [(16, 14, 14), (32, 7, 7), (1,)]
    type_list(qtbot, edit, "16, 32, 64", commit=False)
    assert "conv layer 3 cannot halve its 7x7 input with stride 2" in table.error and not table.rows
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # committed: the session refuses it, nothing changes
    qtbot.waitUntil(lambda: "conv layer 3 cannot halve" in window.banner.text(), timeout=5_000)
    assert window.snapshot.pending == {"discriminator.kind": "conv"}
    assert "conv layer 3 cannot halve" in table.error  # the table keeps saying why

    controls.editors["discriminator.kernel"].setValue(8)  # fits: layer 2's input is 14x14
    qtbot.waitUntil(lambda: window.snapshot.pending.get("discriminator.kernel") == 8, timeout=5_000)
    assert not table.error and table.rows[0].params == 8 * 8 * 64 + 64
    controls.editors["generator.kind"].setCurrentText("conv")
    qtbot.waitUntil(lambda: window.snapshot.pending.get("generator.kind") == "conv", timeout=5_000)
    controls.editors["generator.kernel"].setValue(8)  # larger than conv-transpose layer 1's 7x7 input
    qtbot.waitUntil(lambda: "generator.kernel: 8x8 is larger" in window.banner.text(), timeout=5_000)
    assert "larger than conv-transpose layer 1's 7x7 input" in controls.layer_tables["g"].error
    assert "generator.kernel" not in window.snapshot.pending


def test_a_conv_discriminator_keeps_the_dropout_setting_and_apply_builds_it(qtbot, window):
    controls = window.controls
    controls.editors["discriminator.kind"].setCurrentText("conv")
    qtbot.waitUntil(lambda: window.snapshot.pending == {"discriminator.kind": "conv"}, timeout=5_000)
    assert visible(window, "discriminator.dropout") and not visible(window, "discriminator.hidden")
    controls.editors["discriminator.dropout"].setValue(0.3)
    qtbot.waitUntil(lambda: window.snapshot.pending.get("discriminator.dropout") == 0.3, timeout=5_000)
    table = controls.layer_tables["d"]
    assert [r.name.endswith("+ dropout 0.3") for r in table.rows] == [True, True, False]

    click(qtbot, controls.apply_buttons["d"])
    qtbot.waitUntil(lambda: window.snapshot.config.discriminator.kind == "conv", timeout=10_000)
    discriminator = window.host.worker._session.gan.discriminator
    assert isinstance(discriminator, ConvNet) and discriminator.spec.dropout == 0.3
