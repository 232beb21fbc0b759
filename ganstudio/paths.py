"""Where GAN Studio's shipped resources live (presets, classifier weights, icons)."""

from pathlib import Path

# The project keeps `resources/` beside the package (installed editable, as the README says).
RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
PRESETS_DIR = RESOURCES_DIR / "presets"
