"""The Help menu: keyboard and mouse shortcuts, and About (the versions a bug report needs)."""

from __future__ import annotations

import platform
import sys

import imageio
import numpy as np
import pyqtgraph as pg
import PySide6
from PySide6.QtCore import QSettings, Qt, qVersion
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from ganstudio import __version__
from ganstudio.data.mnist import data_root
from ganstudio.machine.blas import blas_library, blas_threads_now, cores

SHORTCUTS = (
    ("Space", "pause / resume training"),
    ("Ctrl+O", "open a config (TOML)"),
    ("Ctrl+S", "save the config as TOML"),
    ("Ctrl+Q", "quit (training stops cleanly)"),
    ("Enter", "in a control: send the typed value to the running session"),
    ("Drag / wheel", "on the plots: pan / zoom the step axis (all plots follow)"),
    ("Right-click", "on a plot: its menu (auto-range, log axes, export)"),
    ("Hover", "on the plots: the exact values at that step, above the plots"),
    ("Click / Ctrl-click", "on the sample grid: follow a cell / pick cells for a latent walk"),
    ("Right-click", "on the sample grid: a cell's menu (follow, walk, nearest training images)"),
    ("Esc", "in the Samples dock: drop the picked cells"),
)


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td><b>{key}</b>&nbsp;&nbsp;</td><td>{what}</td></tr>" for key, what in SHORTCUTS)
    return f"<table>{rows}</table>"


def about_text(settings: QSettings, data_dir: str | None = None) -> str:
    """Versions, the BLAS and its threads, and where data (`data_dir`, else the default cache)
    and settings live: plain text, one fact a line, to paste into a bug report."""
    lines = [
        f"GAN Studio {__version__}",
        f"Python {platform.python_version()} on {platform.platform()}",
        f"NumPy {np.__version__}, BLAS: {blas_library()}, {blas_threads_now()} of {cores()} cores",
        f"PySide6 {PySide6.__version__} (Qt {qVersion()}), pyqtgraph {pg.__version__}, imageio {imageio.__version__}",
        f"Datasets: {data_root(data_dir)}",
        f"Settings: {settings.fileName()}",
        f"Executable: {sys.executable}",
    ]
    return "\n".join(lines)


class HelpMenu:
    """Adds Help > Keyboard and mouse shortcuts, Help > About GAN Studio to `window`'s menu bar
    (`data_dir`: the window's --data-dir, if any).
    Each opens a non-modal message box (training goes on), kept in `self.box`."""

    def __init__(self, window: QMainWindow, settings: QSettings, data_dir: str | None = None) -> None:
        self.window = window
        self.settings = settings
        self.data_dir = data_dir
        self.box: QMessageBox | None = None
        self.menu: QMenu = window.menuBar().addMenu("&Help")
        self.menu.addAction("Keyboard and mouse shortcuts").triggered.connect(self.show_shortcuts)
        self.menu.addAction("About GAN Studio").triggered.connect(self.show_about)

    def _show(self, title: str, text: str, fmt: Qt.TextFormat) -> QMessageBox:
        if self.box is not None:
            self.box.close()
        self.box = QMessageBox(QMessageBox.Icon.NoIcon, title, text, QMessageBox.StandardButton.Close, self.window)
        self.box.setTextFormat(fmt)
        self.box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.box.setModal(False)
        self.box.show()
        return self.box

    def show_shortcuts(self) -> QMessageBox:
        return self._show("Keyboard and mouse shortcuts", shortcuts_html(), Qt.TextFormat.RichText)

    def show_about(self) -> QMessageBox:
        return self._show("About GAN Studio", about_text(self.settings, self.data_dir), Qt.TextFormat.PlainText)
