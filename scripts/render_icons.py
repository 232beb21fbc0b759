"""Render the app icon resources/icons/ganstudio.svg as PNGs of every size a desktop asks for
(resources/icons/ganstudio-<size>.png), which the windows and a desktop launcher use.

    QT_QPA_PLATFORM=offscreen python scripts/render_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from ganstudio.config.shipped import ICON_SIZES

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def render(svg: Path, size: int) -> QImage:
    """The drawing `svg` as a size x size ARGB image, antialiased, transparent around it."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return image


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (QPainter needs it)
    for size in ICON_SIZES:
        out = ICONS / f"ganstudio-{size}.png"  # the name config.shipped.icon_png reads
        if not render(ICONS / "ganstudio.svg", size).save(str(out)):
            raise SystemExit(f"could not write {out}")
        print(f"{out.name}: {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
