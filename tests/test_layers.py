"""The layers of docs/DESIGN.md hold: nothing below gui/ imports Qt or the GUI, and the pure
layers (engine, render) import nothing of the project above them."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ganstudio"
HEADLESS = (
    "engine",
    "data",
    "render",
    "export",
    "insight",
    "session",
    "checkpoint",
    "headless",
    "train_cli",
    "sample_cli",
    "bench",
    "cli",
    "sweep.cli",
    "sweep.pool",
    "sweep.ray_tune",
)


def project_imports(path: Path) -> set[str]:
    """The ganstudio modules a source file imports at its top level (absolute imports)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ganstudio"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names if alias.name.startswith("ganstudio")}
    return names


def test_the_headless_layers_never_import_qt():
    imports = ", ".join("ganstudio." + m for m in HEADLESS)
    code = f"import sys; import {imports}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_nothing_outside_gui_imports_the_gui_at_its_top_level():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(m for m in project_imports(path) if m.startswith("ganstudio.gui"))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "gui"
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_engine_and_render_import_nothing_of_the_project_above_them():
    for layer, allowed in (("engine", ("ganstudio.engine",)), ("render", ("ganstudio.render",))):
        for path in (PACKAGE / layer).rglob("*.py"):
            above = [m for m in project_imports(path) if not m.startswith(allowed)]
            assert above == [], f"{path.relative_to(PACKAGE)} imports {above}"
