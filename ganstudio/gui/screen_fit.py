"""Window sizes that fit the screen: a window opens at its preferred size, or smaller on a smaller
screen (a 1366x768 laptop), never beyond the screen's free area."""

from __future__ import annotations

from PySide6.QtCore import QSize

SCREEN_MARGIN = QSize(40, 80)  # room left on the screen for the desktop's panels and the title bar


def fitted_size(wanted: QSize, screen: QSize) -> QSize:
    """`wanted`, shrunk to fit a screen whose free area is `screen` (less SCREEN_MARGIN)."""
    return wanted.boundedTo(screen - SCREEN_MARGIN)
