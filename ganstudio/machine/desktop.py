"""GAN Studio in the desktop's launcher: a freedesktop.org `.desktop` entry and hicolor icons in
the user's XDG data folder (`$XDG_DATA_HOME`, else ~/.local/share), written by
`ganstudio desktop install` and removed by `ganstudio desktop uninstall`.

The entry starts the Python that runs this code (`python -m ganstudio`), so it works from a venv
whose `bin` is not on the launcher's PATH. Its `StartupWMClass` is the window's X11 class, which
Qt takes from the application name (APP_NAME, set by gui/app.py), and the desktop file's name is
the window's Wayland app id (DESKTOP_ID): so the dock groups the windows under the entry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ganstudio.config.shipped import ICON_SIZES, ICONS, icon_png
from ganstudio.files.atomic import WriteError, atomic_file

APP_NAME = "GAN Studio"  # QApplication's name: the X11 WM_CLASS class of every window
DESKTOP_ID = "ganstudio"  # the .desktop file's name, the icon's name and the Wayland app id
MARK = "X-GanStudio-Installed-By=ganstudio desktop install"  # uninstall removes only entries carrying it


def data_home(environ: dict[str, str] | None = None) -> Path:
    """The user's XDG data folder: $XDG_DATA_HOME when set to an absolute path, else ~/.local/share."""
    value = (environ if environ is not None else os.environ).get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def entry_path(home: Path) -> Path:
    return home / "applications" / f"{DESKTOP_ID}.desktop"


def icon_paths(home: Path) -> list[Path]:
    """Where the icons go: hicolor/<n>x<n>/apps/ganstudio.png for each size, and the scalable SVG."""
    hicolor = home / "icons" / "hicolor"
    pngs = [hicolor / f"{n}x{n}" / "apps" / f"{DESKTOP_ID}.png" for n in ICON_SIZES]
    return [*pngs, hicolor / "scalable" / "apps" / f"{DESKTOP_ID}.svg"]


def _quoted(argument: str) -> str:
    """An Exec argument quoted as the Desktop Entry spec asks: in double quotes when it holds a
    reserved character, with ", `, $ and \\ escaped by a backslash."""
    if not any(c in argument for c in " \t\n\"'\\><~|&;$*?#()`"):
        return argument
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'


def entry_text(python: str = sys.executable) -> str:
    """The .desktop entry that starts GAN Studio with `python`."""
    exec_line = " ".join(_quoted(a) for a in (python, "-m", "ganstudio")).replace("%", "%%")
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "GenericName=GAN trainer\n"
        "Comment=See and steer the training of generative adversarial networks\n"
        f"Exec={exec_line}\n"
        f"Icon={DESKTOP_ID}\n"
        "Terminal=false\n"
        "Categories=Science;ArtificialIntelligence;\n"
        "Keywords=GAN;neural network;machine learning;MNIST;\n"
        f"StartupWMClass={APP_NAME}\n"
        "StartupNotify=true\n"
        f"{MARK}\n"
    )


def files(home: Path, python: str = sys.executable) -> list[tuple[Path, bytes]]:
    """What `install` writes under `home`: (path, content) of each icon, then of the entry."""
    pngs = [icon_png(n).read_bytes() for n in ICON_SIZES]
    svg = (ICONS / f"{DESKTOP_ID}.svg").read_bytes()
    return [*zip(icon_paths(home), [*pngs, svg]), (entry_path(home), entry_text(python).encode("utf-8"))]


def install(home: Path, python: str = sys.executable) -> list[Path]:
    """Write the entry and the icons under `home` (an XDG data folder); returns the files written.
    The folders are made first, so an unwritable `home` is a WriteError before any file is
    written; a write that fails later takes back the files written before it. The desktop's
    caches are refreshed where their tools are installed."""
    planned = files(home, python)
    for path, _ in planned:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteError(f"Could not write {str(path)!r}: {exc.strerror or exc}") from exc
    written: list[Path] = []
    try:
        for path, data in planned:
            with atomic_file(path) as fh:
                fh.write(data)
            written.append(path)
    except WriteError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    _refresh_caches(home)
    return written


def uninstall(home: Path) -> list[Path]:
    """Remove what `install` wrote under `home` (an entry only when it carries MARK, so a user's own
    ganstudio.desktop stays); returns the files removed."""
    entry = entry_path(home)
    ours = [p for p in icon_paths(home) if p.is_file()]
    if entry.is_file() and MARK in entry.read_text(encoding="utf-8", errors="replace"):
        ours.append(entry)
    for path in ours:
        path.unlink()
    if ours:
        _refresh_caches(home)
    return ours


def _refresh_caches(home: Path) -> None:
    """Best effort: let the launcher and the icon theme see the change now (not needed after a logout)."""
    tools = (("update-desktop-database", home / "applications"), ("gtk-update-icon-cache", home / "icons" / "hicolor"))
    for tool, target in tools:
        if shutil.which(tool) and target.is_dir():
            subprocess.run([tool, "-q", str(target)], capture_output=True, check=False)
