"""The two exceptions of the dataset layer; their messages are shown to users as they are."""


class DatasetError(Exception):
    """A dataset cannot be loaded: the one-line message names the file or dataset and the problem.

    The CLI prints it without a traceback and exits with status 2; the GUI shows it in a dialog.
    """


class OfflineError(DatasetError):
    """A dataset must be downloaded but no mirror delivered it (or downloading was not allowed).

    The message says which files to download, from where, into which folder, and mentions the
    built-in ``synthetic-digits`` dataset, which needs no network.
    """
