"""Fetch a file from the first mirror that delivers a verified copy, written atomically.

A mirror is a base URL; the file is fetched as ``base + file_name``. The download streams into
a hidden temporary file in the destination folder, is verified by the caller's check, and only
then is renamed onto its final name (``os.replace``), so an interrupted or failed download, or a
file failing its check, never leaves anything under the name a later run would trust.
"""

from __future__ import annotations

import errno
import http.client
import os
import re
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from .errors import DatasetError, OfflineError

MIRRORS_ENV = "GANSTUDIO_MIRRORS"
TIMEOUT_S = 30.0  # seconds to connect, and for each read
CHUNK_BYTES = 1 << 16

Progress = Callable[[int, "int | None"], None]


def mirrors_from_env(defaults: Sequence[str]) -> tuple[str, ...]:
    """The mirror base URLs: ``GANSTUDIO_MIRRORS`` (comma- or whitespace-separated) if set,
    else ``defaults``; each ends with ``/``."""
    override = [m for m in re.split(r"[\s,]+", os.environ.get(MIRRORS_ENV, "")) if m]
    return tuple(m if m.endswith("/") else m + "/" for m in (override or defaults))


def download(
    file_name: str,
    dest_dir: Path,
    mirrors: Sequence[str],
    check: Callable[[Path], None],
    progress: Progress | None = None,
) -> Path:
    """Download ``file_name`` into ``dest_dir`` from the first mirror whose copy passes ``check``.

    ``check(path)`` raises :class:`DatasetError` for a bad file. ``progress(done, total)`` is
    called as bytes arrive (``total`` is None when the server does not say); an exception it
    raises cancels the download and propagates. Raises :class:`OfflineError` when no mirror
    could be reached or served the file, :class:`DatasetError` when the only copies served
    failed ``check``. Returns the final path.
    """
    dest = dest_dir / file_name
    failures: list[str] = []
    errors: list[Exception] = []  # the network failures, for cause_of
    bad_copy = False
    for base in mirrors:
        url = base + file_name
        out, tmp = _temp_file(dest)
        try:
            with out:
                _stream(url, out, progress)
            check(tmp)
            os.replace(tmp, dest)
            return dest
        except (OSError, http.client.HTTPException, ValueError) as exc:  # ValueError: bad URL
            failures.append(f"{url}: {_reason(exc)}")
            errors.append(exc)
        except DatasetError as exc:
            bad_copy = True
            failures.append(f"{exc} (from {url})")
        finally:
            tmp.unlink(missing_ok=True)
    summary = "; ".join(failures) or "no mirror configured"
    if bad_copy:
        raise DatasetError(f"no mirror served a valid copy: {summary}")
    raise OfflineError(f"{file_name}: download failed ({summary})", cause=cause_of(errors))


def _temp_file(dest: Path) -> tuple[BinaryIO, Path]:
    """A new hidden temporary file beside ``dest`` (same folder, so renaming it is atomic),
    open for writing; created with the usual permissions (unlike ``mkstemp``'s private ones)."""
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        return open(tmp, "xb"), tmp
    except OSError as exc:
        raise DatasetError(f"{dest.parent}: cannot write a download there ({exc})") from exc


def _stream(url: str, out: BinaryIO, progress: Progress | None) -> None:
    """Copy the body at ``url`` into the open file ``out``; raise OSError if it ends early."""
    request = urllib.request.Request(url, headers={"User-Agent": "ganstudio"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        if progress:
            progress(done, total)
        while chunk := response.read(CHUNK_BYTES):
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    if total is not None and done != total:
        raise OSError(f"connection closed after {done} of {total} bytes")


# Failures that mean this computer reaches no network: no name resolves, no route.
NO_NETWORK_ERRNOS = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN)


def cause_of(errors: Sequence[Exception]) -> str:
    """Why every mirror failed, in a few words: "no network" when no name resolved and no host
    was reachable, "no mirror answered" when connections failed otherwise (refused, timed out),
    else "no mirror served the file" (HTTP errors, bad URLs)."""
    reasons = [exc.reason if isinstance(exc, urllib.error.URLError) else exc for exc in errors]
    if not reasons:
        return "no mirror is configured"
    if all(isinstance(r, socket.gaierror) or getattr(r, "errno", None) in NO_NETWORK_ERRNOS for r in reasons):
        return "no network"
    if all(isinstance(r, OSError) for r in reasons):  # an HTTPError's reason is its text
        return "no mirror answered"
    return "no mirror served the file"


def _reason(exc: Exception) -> str:
    """A short human reason for a network failure."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__
