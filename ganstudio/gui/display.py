"""Whether the window has a display to open on, asked before the QApplication is made: without
one Qt aborts the process (SIGABRT, a core dump and a misleading hint about xcb-cursor0), so the
app says in one line what is missing and what to do instead. Needs no Qt."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Mapping

NO_DISPLAY_HINT = (
    "train without a window with `ganstudio train ...` (see `ganstudio --help`), "
    "or set QT_QPA_PLATFORM=offscreen to drive the window from a script"
)


def requested_platforms(env: Mapping[str, str]) -> list[str]:
    """The Qt platform plugins QT_QPA_PLATFORM names ("xcb;wayland", "offscreen:size=...")
    without their options; empty when it is not set (Qt then picks xcb or wayland itself)."""
    names = env.get("QT_QPA_PLATFORM", "").split(";")
    return [name.split(":")[0].strip().lower() for name in names if name.strip()]


def display_problem(env: Mapping[str, str]) -> str | None:
    """Why the window cannot open on the display `env` points Qt to, or None when it can (or
    when Qt is told to draw elsewhere, e.g. QT_QPA_PLATFORM=offscreen)."""
    platforms = requested_platforms(env)
    on_screen = [p for p in platforms if p == "xcb" or p.startswith("wayland")]
    if platforms and not on_screen:
        return None
    may_use_wayland = not platforms or any(p.startswith("wayland") for p in platforms)
    if may_use_wayland and env.get("WAYLAND_DISPLAY"):
        return None
    if platforms and "xcb" not in platforms:
        return f"no display to open the window on (QT_QPA_PLATFORM={env['QT_QPA_PLATFORM']} but WAYLAND_DISPLAY is not set)"
    display = env.get("DISPLAY", "")
    if not display:
        return "no display to open the window on (DISPLAY is not set)"
    if not x_server_answers(display):
        return f"no display to open the window on (the X display DISPLAY={display} does not accept a connection)"
    return None


def x_server_answers(display: str) -> bool:
    """Whether the X server `display` (":0", "localhost:10.0") accepts a connection, asked as
    Qt's xcb plugin asks (libxcb, which that plugin needs anyway). True when libxcb is missing:
    Qt then explains itself."""
    path = ctypes.util.find_library("xcb")
    if path is None:
        return True
    xcb = ctypes.CDLL(path)
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)
