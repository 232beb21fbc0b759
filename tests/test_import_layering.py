"""The folders are the layers (docs/DESIGN.md, "Layers"): every import of a project module, at
the top of a file or inside a function, points to its own folder or to a folder below it, no
modules import each other in a circle, and nothing below gui/ imports Qt."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ganstudio"
# The layers from the bottom up: a module may import its own folder and the folders to its left.
ORDER = [
    "engine",
    "data",
    "render",
    "files",
    "config",
    "machine",
    "record",
    "insight",
    "media",
    "run",
    "runs",
    "sweep",
    "api",
    "gui",
    "cli",
]
ENTRY_POINTS = {"ganstudio", "ganstudio.__main__"}  # the package and `python -m ganstudio`, loose at the top


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def project_imports(name: str) -> set[str]:
    """The project modules that module `name` imports anywhere in its file (function bodies
    included), relative imports resolved; `from X import Y` names X.Y when that is a module."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            if base.split(".")[0] == "ganstudio":
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "ganstudio"}
    return found - {name}


def layer(name: str) -> str:
    return name.split(".")[1] if name.count(".") >= 1 else ""


def test_every_module_sits_in_a_layer_folder():
    loose = sorted(n for n in MODULES if n not in ENTRY_POINTS and layer(n) not in ORDER)
    assert loose == []


def test_every_import_points_to_its_own_layer_or_below():
    upward = sorted(
        f"{name} -> {target}"
        for name in MODULES
        if name not in ENTRY_POINTS
        for target in project_imports(name)
        if target != "ganstudio" and ORDER.index(layer(target)) > ORDER.index(layer(name))
    )
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    graph = {name: {t for t in project_imports(name) if t in MODULES and t != "ganstudio"} for name in MODULES}
    graph = {
        name: {t for t in targets if not name.startswith(t + ".")} for name, targets in graph.items()
    }  # a package's own __init__
    circles = []
    for start in graph:  # a circle through `start`: a path from one of its imports back to it
        seen, stack = set(), [(t, (start, t)) for t in graph[start]]
        while stack:
            node, path = stack.pop()
            if node == start:
                circles.append(" -> ".join(path))
                break
            if node not in seen:
                seen.add(node)
                stack.extend((t, (*path, t)) for t in graph.get(node, ()))
    assert circles == []


def test_the_checker_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The rule holds for deferred imports too: an import hidden in a function body is found."""
    fake = tmp_path / "ganstudio" / "engine" / "probe.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from ganstudio.gui.app import run_app\n")
    monkeypatch.setitem(MODULES, "ganstudio.engine.probe", fake)
    assert project_imports("ganstudio.engine.probe") == {"ganstudio.gui.app"}


def test_nothing_below_gui_imports_qt():
    below = " ".join(
        f"import ganstudio.{n.split('.', 1)[1]};" for n in sorted(MODULES) if layer(n) in ORDER[: ORDER.index("gui")]
    )
    code = f"import sys; {below} print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
