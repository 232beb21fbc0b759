"""What `pip install .` ships: every package and every resource file the code loads.

A wheel copies only what pyproject.toml declares. These checks read the declaration against the
source tree, offline and in a second; `scripts/check_wheel.sh` (run by CI) builds the wheel,
installs it into a fresh virtual environment and runs it from outside the checkout.
"""

from fnmatch import fnmatch
from pathlib import Path

from ganstudio.config.model import tomllib
from ganstudio.config.presets import load_preset, preset_names
from ganstudio.config.shipped import ICON_SIZES, icon_png
from ganstudio.insight.classifier import load_classifier

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_of_the_source_tree_is_declared():
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "ganstudio").rglob("__init__.py")}
    assert set(SETUPTOOLS["packages"]) == on_disk | {"ganstudio.resources"}
    assert SETUPTOOLS["package-dir"] == {"ganstudio.resources": "resources"}


def test_every_resource_file_is_package_data():
    globs = SETUPTOOLS["package-data"]["ganstudio.resources"]
    files = [p.relative_to(ROOT / "resources").as_posix() for p in (ROOT / "resources").rglob("*") if p.is_file()]
    data = [f for f in files if not f.endswith(".py") and "__pycache__" not in f]
    assert data, "resources/ holds no data files"
    assert [f for f in data if not any(fnmatch(f, g) for g in globs)] == []


def test_presets_classifier_and_icon_load_from_the_package_wherever_it_is_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing is found relative to the working folder
    assert preset_names() == sorted(p.stem for p in (ROOT / "resources" / "presets").glob("*.toml"))
    assert load_preset("vanilla").generator.hidden == (128,)
    assert load_classifier().accuracy > 0.97
    assert [icon_png(size).read_bytes()[:8] for size in ICON_SIZES] == [b"\x89PNG\r\n\x1a\n"] * len(ICON_SIZES)


def test_the_test_extra_leaves_ray_out_and_ci_installs_it_before_the_readmes_test_command():
    """`pip install -e ".[test]"` stays light (Ray brings ~700 MB); CI installs the ray extra too,
    so the Ray sweep's test runs there, then runs the README's test command as written."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert not [r for r in extras["test"] if r.startswith("ray")] and extras["ray"] == ["ray[tune]>=2.9"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = 'pip install -e ".[test]" && python -m pytest'
    assert f"```bash\n{command}\n```" in readme
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert ci.index('pip install -e ".[test,ray]"') < ci.index(command)
