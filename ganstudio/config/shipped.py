"""The data files shipped in the package: presets, their measured quality curves, the classifier's weights,
the app icon.

They live in the project's top-level `resources/` folder, which pyproject.toml maps into the
package as `ganstudio.resources`. Reading them through importlib.resources finds them the same
way in an editable install, a wheel, pipx or a zip, never through a path in the source tree.
"""

from __future__ import annotations

from importlib.resources import files

RESOURCES = files("ganstudio.resources")
PRESETS = RESOURCES / "presets"
CLASSIFIER_WEIGHTS = RESOURCES / "classifier" / "mnist.npz"
QUALITY_CURVES = RESOURCES / "quality.toml"
ICONS = RESOURCES / "icons"  # ganstudio.svg and its PNGs, ganstudio-<size>.png (scripts/render_icons.py)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)  # pixels square


def icon_png(size: int):
    """The app icon's PNG of `size` (one of ICON_SIZES) as a Traversable (read_bytes() reads it)."""
    return ICONS / f"ganstudio-{size}.png"
