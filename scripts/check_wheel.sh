#!/usr/bin/env bash
# What a user's `pip install .` (or pipx) gets, checked from outside the checkout: build the
# wheel, install it into a fresh virtual environment, and run `train`, `sample --report` and the
# window's Presets menu from an empty folder (no source tree, no ../shared, a fresh home).
# Run by .ci/run; by hand: `bash scripts/check_wheel.sh`.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python -m pip wheel -q --no-deps -w "$work/wheel" "$project"
python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$work"/wheel/*.whl
mkdir "$work/home" "$work/elsewhere"
cd "$work/elsewhere"
export HOME="$work/home" QT_QPA_PLATFORM=offscreen GANSTUDIO_BLAS_THREADS=1
unset GANSTUDIO_DATA_DIR XDG_CACHE_HOME XDG_CONFIG_HOME XDG_DATA_HOME
bin="$work/venv/bin"
echo "== train (vanilla, the default preset) from the installed wheel"
"$bin/ganstudio" train --set data.dataset=synthetic-digits --steps 30 --out run
test -s run/checkpoint.npz
echo "== sample --report (the shipped classifier)"
"$bin/ganstudio" sample run/checkpoint.npz --report | tee report.txt
grep -q "classes covered" report.txt
echo "== the window's Presets menu and its icon"
"$bin/python" - <<'PY'
from PySide6.QtWidgets import QApplication

from ganstudio.config.presets import load_preset, preset_names
from ganstudio.config.shipped import ICON_SIZES
from ganstudio.gui.icon import app_icon
from ganstudio.gui.window.main_window import MainWindow

app = QApplication([])
window = MainWindow(load_preset("vanilla").with_values({"data.dataset": "synthetic-digits"}))
menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Presets")
shown = sorted(a.text() for a in menu.actions())
assert shown == preset_names() and "recommended" in shown and "vanilla" in shown, shown
sizes = sorted(size.width() for size in app_icon().availableSizes())
assert sizes == sorted(ICON_SIZES) and not window.windowIcon().isNull(), sizes
window.close()
print("presets:", ", ".join(shown))
print("icon sizes:", sizes)
PY
echo "wheel check passed"
