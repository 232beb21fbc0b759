"""A sweep on a Ray cluster with Ray Tune (the optional extra ``pip install "ganstudio[ray]"``).

Ray does the distribution: each planned run is one Tune trial (``tune.grid_search`` over the
runs' indices) with one CPU and one BLAS thread, run by the same :func:`run_one` as a local
worker, into its run folder in the runs folder. So the runs folder (and the data folder) must
be a path every node sees, e.g. an NFS mount; Tune's own files go to ``sweeps/NAME/ray`` there.

Each trial reports ``step`` and the quality figure (ganstudio.sweep.results.Figure) whenever
insight measures it (every run.insight_every steps), writing its run folder first, so a trial
that Tune stops keeps a run folder of the step it was judged at. ``--early-stop`` adds Tune's
ASHA scheduler on that figure (time: steps, or training seconds with --seconds; the first rung
at a quarter of the run, halving at each rung): configs that fall behind are stopped.

Ray writes its own console output (start-up lines, Tune's tables and hints, trial errors, the
trials' output it forwards) to this process's stdout and stderr; the sweep sends both to
``sweeps/NAME/ray.log`` meanwhile (ganstudio.machine.console), so the terminal shows only the
sweep's own progress and ranked table.
"""

from __future__ import annotations

import math
import os
import pickle
import socket
from collections.abc import Callable
from pathlib import Path

from ganstudio.config.model import ConfigError
from ganstudio.runs.library import summary
from ganstudio.sweep.results import Figure
from ganstudio.sweep.worker import Outcome, Task, run_one

INSTALL_HINT = '--ray needs Ray Tune, which is not installed: pip install "ganstudio[ray]"'
LOG = "ray.log"  # in the sweep's folder: Ray's and Tune's console output


class RunFailed(RuntimeError):
    """A trial's run failed as a local worker's run fails (its message says why, in the user's
    terms); Tune marks the trial as errored."""


def check_ray(address: str) -> None:
    """ConfigError with the install hint unless Ray Tune can be imported; then, for a cluster's
    HOST:PORT (or ray://HOST:PORT), ConfigError unless something there accepts a connection
    within CONNECT_SECONDS (Ray itself retries an unreachable head for minutes)."""
    try:
        import ray.tune  # noqa: F401
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    check_address(address)


CONNECT_SECONDS = 5.0


def check_address(address: str) -> None:
    """ConfigError unless `address` is "local", "auto" or a HOST:PORT that accepts a TCP
    connection within CONNECT_SECONDS."""
    if address in ("local", "auto"):
        return
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f'--ray {address}: expected the head\'s HOST:PORT (e.g. 10.0.0.5:6379), "auto" or "local"')
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as e:
        reason = "no answer" if isinstance(e, TimeoutError) else (e.strerror or str(e)).lower()
        raise ConfigError(
            f"--ray {address}: no Ray cluster answers there ({reason}); start its head with `ray start --head`, "
            "or use --ray local for a Ray instance on this machine"
        ) from None


def _trial(config: dict, tasks: dict[int, Task], figure: Figure) -> None:
    """One Tune trial: the run `config["index"]`, reporting its figure as it is measured."""
    from ray import tune

    from ganstudio.machine.blas import ENV, set_blas_threads

    os.environ[ENV] = "1"  # one CPU per trial (tune.with_resources), so one BLAS thread
    set_blas_threads(1)
    task = tasks[config["index"]]
    measured = [0]  # the step of the last report

    def report(headless) -> None:
        session = headless.session
        every = session.config.run.insight_every
        if not every or session.step_count % every or session.step_count == measured[0]:
            return
        value = figure.of(summary(headless.run, session))
        if value is not None:
            measured[0] = session.step_count
            headless.save()
            tune.report({figure.metric: value, "step": session.step_count})

    outcome = run_one(task, lambda: False, report)
    if outcome.status == "failed":
        raise RunFailed(outcome.message)


def run_ray(
    tasks: list[Task],
    address: str,
    figure: Figure,
    *,
    early_stop: bool,
    storage: Path,
    local_cpus: int,
    max_t: float,
    time_attr: str,
    on_start: Callable[[Task], None],
    on_done: Callable[[Task, Outcome], None],
    on_status: Callable[[dict[int, int], bool], None],
) -> None:
    """Train `tasks` as Tune trials on the cluster at `address` ("auto": the one this machine is
    part of; "local": a Ray instance started here with `local_cpus` CPUs). Calls `on_start(task)`
    as each trial starts, `on_done(task, outcome)` as each ends (status "ended", or "failed" with
    Tune's error: the caller reads the run folder to tell finished from early-stopped) and
    `on_status({index: step} of the running trials, False)` as they report."""
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    if address == "local":
        ray.init(num_cpus=local_cpus, include_dashboard=False)
    else:
        ray.init(address=address, include_dashboard=False)
    try:
        scheduler = None
        if early_stop:
            top = max(1, math.ceil(max_t))
            scheduler = ASHAScheduler(time_attr=time_attr, max_t=top, grace_period=max(1, top // 4), reduction_factor=2)
        by_index = {t.index: t for t in tasks}
        trainable = tune.with_resources(tune.with_parameters(_trial, tasks=by_index, figure=figure), {"cpu": 1})
        tuner = tune.Tuner(
            trainable,
            param_space={"index": tune.grid_search(list(by_index))},
            tune_config=tune.TuneConfig(metric=figure.metric, mode=figure.mode, scheduler=scheduler),
            run_config=tune.RunConfig(
                name="tune",
                storage_path=str(storage),
                verbose=1,
                callbacks=[_callback(tune, by_index, on_start, on_done, on_status)],
            ),
        )
        tuner.fit()
    finally:
        ray.shutdown()


def _callback(tune, tasks: dict[int, Task], on_start, on_done, on_status):
    """A Tune callback that hands each trial's start, progress and end to the sweep's reporting."""
    running: dict[int, int] = {}

    class Reporter(tune.Callback):
        def __reduce__(self):
            # Tune pickles its run config, callbacks included, for its own restore (tuner.pkl),
            # which a sweep never uses (it resumes from the run folders): a bare Callback stands
            # in for the sweep's reporting, which holds the terminal and cannot be pickled.
            return tune.Callback, ()

        def on_trial_start(self, iteration, trials, trial, **info):
            running[trial.config["index"]] = 0
            on_start(tasks[trial.config["index"]])
            on_status(dict(running), False)

        def on_trial_result(self, iteration, trials, trial, result, **info):
            running[trial.config["index"]] = int(result.get("step", 0))
            on_status(dict(running), False)

        def on_trial_complete(self, iteration, trials, trial, **info):
            self._ended(trial, "ended", "")

        def on_trial_error(self, iteration, trials, trial, **info):
            self._ended(trial, "failed", _error_line(trial))

        def _ended(self, trial, status: str, message: str) -> None:
            index = trial.config["index"]
            step = running.pop(index, 0)
            on_done(tasks[index], Outcome(index, status, step, message))

    return Reporter()


def _error_line(trial) -> str:
    """What made a trial fail, in one line: a RunFailed's message, else the exception's type and
    the last line of its message. Read from the error Tune has just pickled on this machine
    (`trial.get_error()` reads the copy in the storage folder, which Tune writes later)."""
    path = trial.pickled_error_file
    try:
        with open(path, "rb") as fh:
            error = pickle.load(fh)
    except Exception:  # none written (a lost worker), or it does not unpickle here: Tune's log has it
        return "the trial failed"
    cause = getattr(error, "cause", None) or error  # a RayTaskError wraps what the trial raised
    if isinstance(cause, RunFailed):
        return str(cause)
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[-1]}" if lines else type(cause).__name__
