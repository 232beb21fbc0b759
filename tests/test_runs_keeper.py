"""RunKeeper: the interactively trained run's folder in the runs library (headless)."""

from ganstudio.config.model import RunConfig
from ganstudio.run import commands as cmd
from ganstudio.run.session import Session
from ganstudio.runs.keeper import RunKeeper
from ganstudio.runs.library import read_run, read_summary

from support import SMALL_RUN

SMALL = RunConfig().with_values(SMALL_RUN)


def test_a_run_that_never_trained_leaves_no_folder_and_its_first_step_makes_one(tmp_path):
    runs = tmp_path / "runs"
    keeper = RunKeeper(runs, every=3600.0)
    session = Session(SMALL)
    keeper.track(session, "vanilla")
    session.apply(cmd.SetParam("optimizer.d.lr", 1e-3))  # an edit before any step
    assert not keeper.due() and keeper.save(session) is None and not runs.exists()
    session.step()
    keeper.trained()
    assert keeper.due()  # at once: the run shows in the library from its first step
    assert keeper.save(session) is None
    folder = keeper.folder
    assert folder.parent == runs and folder.name.endswith("-vanilla") and not keeper.due()
    run = read_run(folder)
    assert run.last_step == 1 and [c.action for c in run.changes] == [{"set": {"optimizer.d.lr": 0.001}}]
    (folder / "summary.json").unlink()
    assert keeper.save(session) is None and not (folder / "summary.json").exists()  # nothing new: not written again
    session.step()
    assert keeper.save(session) is None and read_summary(folder)["last_step"] == 2


def test_a_failed_save_names_the_folder_and_waits_for_the_interval_to_retry(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    keeper = RunKeeper(blocker / "runs", every=3600.0)
    session = Session(SMALL)
    keeper.track(session, "vanilla")
    session.step()
    keeper.trained()
    problem = keeper.save(session)
    assert str(blocker / "runs") in problem and "Training goes on" in problem and keeper.failing
    assert not keeper.due()  # not retried at every step: at the next interval or pause
    blocker.unlink()
    assert keeper.save(session) is None and not keeper.failing and read_run(keeper.folder).last_step == 1
