"""Writing a file fails with one neutral error, whoever writes: checkpoints and exports alike."""

import pytest

from ganstudio.config.model import RunConfig
from ganstudio.files.atomic import WriteError
from ganstudio.media import write_csv
from ganstudio.run.checkpoint import save_checkpoint
from ganstudio.run.session import Session
from ganstudio.run.user_errors import USER_ERRORS

SMALL = {"data.dataset": "ring8", "generator.hidden": "8", "discriminator.hidden": "8"}


def test_saving_a_checkpoint_into_a_missing_folder_is_a_write_error_not_an_export_error(tmp_path):
    session = Session(RunConfig().with_values(SMALL))
    with pytest.raises(WriteError, match="missing") as caught:
        save_checkpoint(session, tmp_path / "missing" / "checkpoint.npz")
    assert type(caught.value).__name__ == "WriteError"
    assert WriteError in USER_ERRORS  # one line and exit status 2 on the command line


def test_the_export_layers_error_is_the_same_class(tmp_path):
    assert WriteError is WriteError
    with pytest.raises(WriteError):
        write_csv(tmp_path / "missing" / "history.csv", {"step": [1]})
