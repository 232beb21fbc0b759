"""`ganstudio desktop install | uninstall`: the launcher entry and icons in a temporary
XDG_DATA_HOME, validated (with desktop-file-validate where installed), started as a launcher
would start it, and removed again without touching a user's own entry."""

import shlex
import shutil
import subprocess
import xml.dom.minidom

import pytest
from PIL import Image
from test_cli import ganstudio

from ganstudio.config.shipped import ICON_SIZES
from ganstudio.machine.desktop import APP_NAME, DESKTOP_ID, MARK, entry_text


def entry_fields(path):
    """The [Desktop Entry] group of a .desktop file as {key: value}."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


def test_install_writes_an_entry_the_launcher_can_start_and_the_icons_and_uninstall_removes_them(tmp_path):
    home = tmp_path / "share"
    result = ganstudio("desktop", "install", XDG_DATA_HOME=str(home))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    entry = home / "applications" / f"{DESKTOP_ID}.desktop"
    assert str(entry) in result.stdout
    fields = entry_fields(entry)
    assert fields["Type"] == "Application" and fields["Name"] == APP_NAME and fields["Icon"] == DESKTOP_ID
    assert fields["StartupWMClass"] == APP_NAME  # Qt's X11 class of the windows: the app's name (gui/app.py)
    command = shlex.split(fields["Exec"])  # started as a launcher starts it, with no PATH of the venv
    started = subprocess.run([*command, "--version"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert started.returncode == 0 and started.stdout.startswith("ganstudio "), started.stderr
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0 and check.stdout == "", check.stdout
    for size in ICON_SIZES:
        with Image.open(home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{DESKTOP_ID}.png") as icon:
            assert icon.format == "PNG" and icon.size == (size, size)
    svg = home / "icons" / "hicolor" / "scalable" / "apps" / f"{DESKTOP_ID}.svg"
    assert xml.dom.minidom.parse(str(svg)).documentElement.tagName == "svg"

    removed = ganstudio("desktop", "uninstall", XDG_DATA_HOME=str(home))
    assert removed.returncode == 0 and f"removed {len(ICON_SIZES) + 2} files" in removed.stdout
    assert not entry.exists() and not svg.exists()
    caches = {"mimeinfo.cache", "icon-theme.cache"}  # the desktop's own tools' indexes, where installed
    assert not [p for p in home.rglob("*") if p.is_file() and p.name not in caches]


def test_uninstall_leaves_a_users_own_entry_of_the_same_name(tmp_path):
    home = tmp_path / "share"
    own = home / "applications" / f"{DESKTOP_ID}.desktop"
    own.parent.mkdir(parents=True)
    own.write_text(entry_text().replace(MARK + "\n", "") + "X-Mine=true\n")
    result = ganstudio("desktop", "uninstall", XDG_DATA_HOME=str(home))
    assert result.returncode == 0 and "was not installed" in result.stdout
    assert own.read_text().endswith("X-Mine=true\n")


def test_an_exec_path_with_spaces_and_specials_is_quoted_as_the_spec_asks(tmp_path):
    entry = tmp_path / "a.desktop"
    entry.write_text(entry_text('/opt/my envs/100% "py"/bin/python3'))
    assert entry_fields(entry)["Exec"] == '"/opt/my envs/100%% \\"py\\"/bin/python3" -m ganstudio'


@pytest.mark.skipif(shutil.os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_data_folder_is_one_line_and_nothing_is_written(tmp_path):
    home = tmp_path / "share"
    home.mkdir()
    home.chmod(0o500)
    result = ganstudio("desktop", "install", XDG_DATA_HOME=str(home))
    home.chmod(0o700)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and str(home) in result.stderr, result.stderr
    assert not list(home.iterdir())


def test_a_data_folder_blocked_by_a_file_is_one_line_and_nothing_is_written(tmp_path):
    home = tmp_path / "share"
    home.mkdir()
    (home / "icons").write_text("not a folder")
    result = ganstudio("desktop", "install", XDG_DATA_HOME=str(home))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "icons" in result.stderr, result.stderr
    assert sorted(p.name for p in home.iterdir()) == ["icons"]
