"""The data files shipped in the package: presets, their measured quality curves, the classifier's weights.

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
