"""The errors that are a user's mistake, not a bug: one clear line each, never a traceback.

Every front end (the CLI's exit status 2, the window's banner) catches exactly these.
"""

from __future__ import annotations

from ganstudio.config.model import ConfigError
from ganstudio.data import DatasetError
from ganstudio.files.atomic import WriteError
from ganstudio.run.checkpoint import CheckpointError

USER_ERRORS = (ConfigError, DatasetError, CheckpointError, WriteError)
