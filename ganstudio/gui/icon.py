"""The app icon, for every window and dialog: the PNGs rendered from resources/icons/ganstudio.svg,
read through the package's resources (config/shipped.py), so a wheel finds them as a checkout does."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon, QPixmap

from ganstudio.config.shipped import ICON_SIZES, icon_png


@cache
def app_icon() -> QIcon:
    """GAN Studio's icon at every size of ICON_SIZES (Qt picks the one nearest the size drawn)."""
    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap()
        pixmap.loadFromData(icon_png(size).read_bytes(), "PNG")
        icon.addPixmap(pixmap)
    return icon
