"""The two exceptions of the dataset layer; their messages are shown to users as they are."""


class DatasetError(Exception):
    """A dataset cannot be loaded: the one-line message names the file or dataset and the problem.

    The CLI prints it without a traceback and exits with status 2; the GUI shows it in a dialog.
    """


class OfflineError(DatasetError):
    """A dataset must be downloaded but no mirror delivered it (or downloading was not allowed).

    The message says which files to download, from where, into which folder, and mentions the
    built-in ``synthetic-digits`` dataset, which needs no network. ``headline`` is the one
    sentence a dialog leads with ("MNIST could not be downloaded: no network."), the message
    its details; ``cause`` is why the download failed, in a few words.
    """

    def __init__(self, message: str, *, headline: str = "", cause: str = "") -> None:
        super().__init__(message)
        self.headline = headline or message
        self.cause = cause
