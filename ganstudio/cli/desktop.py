"""`ganstudio desktop install | uninstall`: GAN Studio in the desktop's launcher (machine/desktop.py)."""

from __future__ import annotations

from ganstudio.machine.desktop import data_home, entry_path, install, uninstall


def add_parser(sub) -> None:
    """The `desktop` subcommand on `sub`, the `ganstudio` parser's subparsers."""
    desktop = sub.add_parser("desktop", help="add GAN Studio to the desktop's launcher (install), or take it out (uninstall)")
    desktop.add_argument(
        "action",
        choices=("install", "uninstall"),
        help="install: write a .desktop entry and the icons into the user's XDG data folder; uninstall: remove them",
    )
    desktop.set_defaults(handler=run_desktop)


def run_desktop(args) -> int:
    home = data_home()
    if args.action == "install":
        written = install(home)
        print(f"installed {entry_path(home)} and {len(written) - 1} icons under {home / 'icons' / 'hicolor'}")
        print("GAN Studio is in the launcher (a desktop that does not show it yet will after logging in again)")
        return 0
    removed = uninstall(home)
    print(f"removed {len(removed)} files from {home}" if removed else f"GAN Studio was not installed in {home}")
    return 0
