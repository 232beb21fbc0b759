"""The one error type of the export layer."""


class ExportError(Exception):
    """An export could not be written: the message names the file and the reason.

    Raised for every I/O failure (missing folder, permission denied, disk full, a missing
    optional encoder). Invalid arguments raise `ValueError` before anything touches the disk.
    """
