"""The measured quality curves: which preset is best for the time a user has, in the Presets menu."""

import math

from PySide6.QtCore import QSettings

from ganstudio.config.model import RunConfig
from ganstudio.config.presets import load_preset, preset_names
from ganstudio.config.quality import QualityCurves, budget_name, load_quality
from ganstudio.gui.theme import configure_pyqtgraph
from ganstudio.gui.window.main_window import MainWindow

from support import SMALL_RUN

CURVES = QualityCurves(
    seconds=(20.0, 60.0, 300.0),
    fid={"fast": (10.0, 5.0, 4.0), "slow": (90.0, 6.0, 2.0), "unmeasured": (math.nan, 7.0, math.nan)},
    floor=1.1,
)


def test_a_preset_is_best_for_the_budgets_where_its_fid_is_lowest():
    assert CURVES.best_for("fast") == [20.0, 60.0]
    assert CURVES.best_for("slow") == [300.0]
    assert CURVES.best_for("unmeasured") == [] and CURVES.best_for("ring8") == []


def test_the_summary_names_what_it_is_best_for_and_its_figures():
    assert CURVES.summary("slow") == (
        "Best for 5 minutes. FID after 20 s 90, 1 minute 6, 5 minutes 2 (real digits: 1.1; lower is better)"
    )
    assert CURVES.summary("unmeasured") == "FID after 1 minute 7 (real digits: 1.1; lower is better)"
    assert CURVES.summary("ring8") is None
    assert [budget_name(s) for s in (20, 90, 60, 900)] == ["20 s", "90 s", "1 minute", "15 minutes"]


def test_the_shipped_curves_are_of_shipped_digit_presets_at_every_budget():
    curves = load_quality()
    assert curves.seconds == tuple(sorted(curves.seconds)) and 0 < curves.floor < 5
    assert set(curves.fid) <= set(preset_names())
    for name, fid in curves.fid.items():
        assert len(fid) == len(curves.seconds) and load_preset(name).data.dataset == "mnist"
    assert {b for name in curves.fid for b in curves.best_for(name)} == set(curves.seconds)  # every budget has a best


def test_the_presets_menu_tells_each_presets_figures(qtbot, tmp_path):
    configure_pyqtgraph()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(RunConfig().with_values(SMALL_RUN), settings=settings)
    qtbot.addWidget(window)
    curves = load_quality()
    tips = {action.text(): action.toolTip() for action in window.presets_menu.actions()}
    assert set(tips) == set(preset_names()) and window.presets_menu.toolTipsVisible()
    for name in preset_names():
        assert tips[name] == (curves.summary(name) or name)
    assert any(tip.startswith("Best for 20 s") for tip in tips.values())
