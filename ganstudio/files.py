"""The error of writing a file, whoever writes it: an export, a checkpoint, a config."""

from __future__ import annotations


class WriteError(Exception):
    """A file could not be written: the message names the file and the reason.

    Raised for every I/O failure (missing folder, permission denied, disk full, an unusable file
    name, a missing optional encoder); a user's mistake, listed in ganstudio.errors.USER_ERRORS.
    Invalid arguments raise `ValueError` before anything touches the disk. The export layer
    calls it `ExportError` (the same class).
    """
