"""`ganstudio sweep`: train a grid (or random draws) of configs as headless runs, on this
machine's cores or on a Ray cluster, then rank them by the quality figure.

Everything that can be refused is refused before any run starts (exit 2): a grid value or range
the config does not allow, an unknown key, a sweep name taken by another plan, an unwritable
runs folder, a dataset that cannot be loaded, --ray without Ray installed, the same sweep running
in another process, or one of its run folders still being written by another process. The sweep's folder
and manifest (ganstudio.sweep.manifest) make rerunning the same command resume it.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any

from ganstudio.cli import arg_types
from ganstudio.cli.options import add_runs_dir
from ganstudio.config.model import ConfigError, RunConfig, parse_assignment
from ganstudio.config.presets import DEFAULT_PRESET, starting_config
from ganstudio.data import load_dataset
from ganstudio.machine.blas import cores
from ganstudio.machine.console import output_to
from ganstudio.machine.progress_line import ProgressLine, download_progress
from ganstudio.machine.stop_signals import exit_status, signal_name
from ganstudio.runs.folder import check_writable
from ganstudio.runs.library import RunsError, read_summary, runs_folder
from ganstudio.runs.lock import check_no_writer
from ganstudio.sweep import manifest as sweeps
from ganstudio.sweep.manifest import DONE, Entry, Manifest
from ganstudio.sweep.plan import MAX_RUNS, Planned, grid_plan, random_plan
from ganstudio.sweep.results import Figure, figure_for, ranked, table, write_results
from ganstudio.sweep.worker import Outcome, Task

DEFAULT_STEPS = 1000  # as `train`


def add_parser(sub) -> None:
    """The `sweep` subcommand on `sub`, the `ganstudio` parser's subparsers."""
    parser = sub.add_parser(
        "sweep",
        help="train every combination of --grid values (or --random draws) as headless runs, ranked by quality",
        description="Train every combination of the --grid values (or --random N draws from --range and --grid) as "
        "headless runs in the runs folder, tagged with the sweep's name; print them ranked by the quality figure "
        "(FID for digits, modes covered then high-quality share for 2D toys) and write the table as "
        "RUNS/sweeps/NAME/results.csv. Rerunning the same command resumes the sweep.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--preset", dest="sweep_preset", metavar="NAME", help=f"the base preset (default: {DEFAULT_PRESET})")
    source.add_argument("--config", dest="sweep_config", metavar="FILE", help="the base config, a TOML file")
    parser.add_argument(
        "--set", dest="sweep_set", action="append", default=[], metavar="KEY=VALUE", help="change the base config (repeatable)"
    )
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="values of one setting, e.g. optimizer.lr=1e-4,2e-4 (repeatable: every combination is trained)",
    )
    parser.add_argument(
        "--random",
        type=arg_types.count(MAX_RUNS),
        metavar="N",
        help="train N configs drawn from the --range (and --grid) options instead",
    )
    parser.add_argument(
        "--range",
        dest="ranges",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH[:log]",
        help="with --random: draw the setting uniformly from [LOW, HIGH] (log: uniformly in log space), "
        "e.g. optimizer.lr=1e-5:1e-3:log (repeatable)",
    )
    parser.add_argument(
        "--random-seed", type=arg_types.seed, default=0, metavar="S", help="the seed of the --random draws (default 0)"
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=arg_types.steps, help=f"train each run to this step (default {DEFAULT_STEPS})")
    length.add_argument("--seconds", type=arg_types.seconds, help="train each run for this many seconds")
    parser.add_argument(
        "--name", help="the sweep's name (default: the preset and a hash of the plan); rerun with it to resume the sweep"
    )
    add_runs_dir(parser)
    parser.add_argument(
        "--data-dir",
        dest="sweep_data_dir",
        metavar="DIR",
        type=arg_types.existing_folder,
        help="an existing folder where MNIST-family datasets are found or downloaded to",
    )
    parser.add_argument(
        "--workers",
        type=arg_types.count(arg_types.MAX_WORKERS),
        help="local worker processes (default: one per core, at most one per run)",
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help='run on a Ray cluster with Ray Tune: its head\'s HOST:6379, "auto" (the cluster this machine is in) or '
        '"local" (a Ray instance started here); the runs folder must be a path every node sees',
    )
    parser.add_argument(
        "--early-stop", action="store_true", help="with --ray: stop configs that fall behind on the quality figure (ASHA)"
    )
    parser.set_defaults(handler=run_sweep)


def _base(args) -> tuple[RunConfig, str]:
    """The base config and the preset its runs record (see config.presets.starting_config)."""
    config, label = starting_config(args.sweep_preset, args.sweep_config)
    changes = dict(parse_assignment(a) for a in args.sweep_set)
    return (config.with_values(changes) if changes else config), label


def _plan(args, base: RunConfig) -> list[Planned]:
    if args.random is not None:
        return random_plan(base, args.random, args.ranges, args.grid, args.random_seed, note=_note)
    if args.ranges:
        raise ConfigError("--range: ranges are drawn from with --random N; for a grid give --grid KEY=V1,V2,...")
    return grid_plan(base, args.grid, note=_note)


def _note(line: str) -> None:
    """A remark on the plan (a repeated --grid value), on stderr before any run starts."""
    print(f"ganstudio: {line}", file=sys.stderr)


def _load_data(plan: list[Planned], data_dir: str | None, line: ProgressLine) -> None:
    """Load (and download, once) every dataset the plan trains on, so that a dataset problem is
    refused before any run starts and the workers find the files."""
    seen = set()
    for p in plan:
        d = p.config.data
        key = (d.dataset, d.folder, d.image_size)
        if key not in seen:
            seen.add(key)
            load_dataset(
                d.dataset, data_dir=data_dir, folder=d.folder or None, image_size=d.image_size, progress=download_progress(line)
            )


def run_sweep(args) -> int:
    if args.ray:
        from ganstudio.sweep.ray_tune import check_ray

        check_ray(args.ray)
    elif args.early_stop:
        raise ConfigError("--early-stop: it uses Ray Tune's ASHA scheduler; give --ray too (e.g. --ray local)")
    base, label = _base(args)
    plan = _plan(args, base)
    figure = figure_for(plan[0].config)
    if any(figure_for(p.config) != figure for p in plan):
        raise ConfigError("a sweep ranks its runs by one figure: do not mix 2D toy datasets (modes) with image datasets (FID)")
    length: dict[str, Any] = {"seconds": args.seconds} if args.seconds is not None else {"steps": args.steps or DEFAULT_STEPS}
    runs = runs_folder(args.runs_dir).resolve()
    check_writable(runs, None, option="runs folder")
    name = sweeps.check_name(args.name) if args.name else sweeps.default_name(label, plan, length)
    manifest = sweeps.prepare(Manifest.plan(runs, name, label, plan, length))
    line = ProgressLine()
    _load_data(plan, args.sweep_data_dir, line)
    with manifest.lock():
        return _train(args, manifest, figure, runs, line)


def _train(args, manifest: Manifest, figure: Figure, runs: Path, line: ProgressLine) -> int:
    """Train the sweep's runs not done yet (refused when another process writes one of them:
    a worker of an earlier run of the sweep still stopping), then rank them."""
    todo = [i for i, e in enumerate(manifest.entries) if e.status not in DONE]
    for i in todo:
        check_no_writer(runs / manifest.entries[i].folder)
    manifest.save()
    for entry in manifest.entries:
        if entry.status in DONE:
            line.message(f"skip {entry.folder}: {entry.status} in an earlier run of this sweep")
    tasks = [_task(manifest, i, runs, args.sweep_data_dir) for i in todo]
    sweep = Progress(manifest, figure, runs, line, len(tasks))
    if tasks:
        print(f"sweep {manifest.name}: {len(tasks)} of {len(manifest.entries)} runs to train into {runs}", file=sys.stderr)
    stopped = None
    if args.ray and tasks:
        stopped = _on_ray(args, tasks, manifest, figure, sweep)
    elif tasks:
        from ganstudio.sweep.pool import run_pool

        workers = args.workers or min(cores(), len(tasks))
        stopped = run_pool(tasks, workers, on_start=sweep.started, on_done=sweep.done, on_status=sweep.status)
    line.done()
    return _finish(manifest, figure, runs, stopped, sweep.failed)


def _task(manifest: Manifest, index: int, runs: Path, data_dir: str | None) -> Task:
    entry, length = manifest.entries[index], manifest.length
    return Task(
        index,
        str(runs / entry.folder),
        manifest.name,
        manifest.preset,
        entry.config,
        length.get("steps"),
        length.get("seconds"),
        data_dir,
    )


class Progress:
    """The sweep's reporting and bookkeeping: a line per run that ends, the live status line,
    and each run's status in the manifest."""

    def __init__(self, manifest: Manifest, figure: Figure, runs: Path, line: ProgressLine, total: int) -> None:
        self.manifest, self.figure, self.runs, self.line = manifest, figure, runs, line
        self.total = total  # the runs this invocation trains
        self.start = time.monotonic()
        self.started_at: dict[int, float] = {}
        self.running: dict[int, int] = {}  # {index: step} of the runs training, as last reported
        self.ended = 0
        self.failed = 0

    def started(self, task: Task) -> None:
        self.started_at[task.index] = time.monotonic()
        summary = _summary(Path(task.folder))
        if summary.get("last_step"):
            self.line.message(f"{Path(task.folder).name} resumes from its checkpoint at step {summary['last_step']}")

    def done(self, task: Task, outcome: Outcome) -> None:
        entry = self.manifest.entries[task.index]
        entry.status = "planned" if outcome.status == "stopped" else outcome.status
        self.manifest.save()
        self.ended += 1
        self.failed += outcome.status == "failed"
        self.line.message(self._ended_line(entry, outcome, time.monotonic() - self.started_at.get(task.index, self.start)))
        self.running.pop(task.index, None)
        self.status(self.running, False)

    def _ended_line(self, entry: Entry, outcome: Outcome, seconds: float) -> str:
        what = {"stopped": "stopped (resumable)"}.get(outcome.status, outcome.status)
        if outcome.status == "failed":
            return f"{entry.folder} failed: {outcome.message}"
        shown = self.figure.describe(_summary(self.runs / entry.folder))
        values = " ".join(f"{k}={v}" for k, v in entry.values.items())
        return f"{entry.folder} {what} at step {outcome.step}  {shown}  {values}  ({seconds:.0f} s)"

    def status(self, running: dict[int, int], stopping: bool) -> None:
        self.running = dict(running)
        parts = [f"{self.manifest.entries[i].folder} step {step}" for i, step in sorted(running.items())]
        state = "stopping: the runs save and stop" if stopping else f"{self.ended}/{self.total} done"
        elapsed = time.monotonic() - self.start
        self.line.show(f"sweep {self.manifest.name}: {state}  {' · '.join(parts)}  {elapsed:.0f} s")


def _summary(folder: Path) -> dict[str, Any]:
    try:
        return read_summary(folder)
    except RunsError:
        return {}


def _reached(summary: dict[str, Any], length: dict[str, Any]) -> bool:
    """Whether a run's summary says it trained its whole length."""
    if "steps" in length:
        return (summary.get("last_step") or 0) >= length["steps"]
    return (summary.get("wall_time_s") or 0.0) >= length["seconds"] - 1e-3


def _on_ray(args, tasks: list[Task], manifest: Manifest, figure: Figure, sweep: Progress) -> int | None:
    """Train `tasks` with Ray Tune; SIGINT when Tune returned before every trial ended (Ctrl-C:
    Tune catches it, stops its trials and returns as if done), else None."""
    from ganstudio.sweep.ray_tune import LOG, run_ray

    length = manifest.length
    log = manifest.folder / LOG
    ended: set[int] = set()
    sweep.line.message(f"Ray's own output goes to {log}")
    where = "starting a local Ray instance" if args.ray == "local" else f"connecting to the Ray cluster at {args.ray}"
    sweep.line.show(f"sweep {manifest.name}: {where}", force=True)  # until the first trial starts

    def done(task: Task, outcome: Outcome) -> None:
        """A trial's end: finished if its run folder reached the sweep's length, else stopped by
        ASHA; a failed one's message says where Ray's log (with the trial's traceback) is."""
        if outcome.status == "failed":
            outcome = Outcome(task.index, "failed", outcome.step, f"{outcome.message}; Ray's log: {log}")
        else:
            summary = _summary(Path(task.folder))
            early = args.early_stop and outcome.status != "stopped"
            status = "finished" if _reached(summary, length) else "early-stopped" if early else "stopped"
            outcome = Outcome(task.index, status, summary.get("last_step") or 0)
        ended.add(task.index)
        sweep.done(task, outcome)

    with output_to(log) as terminal, sweep.line.writing_to(terminal):
        run_ray(
            tasks,
            args.ray,
            figure,
            early_stop=args.early_stop,
            storage=manifest.folder / "ray",
            local_cpus=args.workers or cores(),
            max_t=length.get("steps") or length["seconds"],
            time_attr="step" if "steps" in length else "time_total_s",
            on_start=sweep.started,
            on_done=done,
            on_status=sweep.status,
        )
    unended = [task for task in tasks if task.index not in ended]
    for task in unended:  # trials Tune stopped on Ctrl-C: they end no other way
        if task.index in sweep.started_at:
            done(task, Outcome(task.index, "stopped", 0))
    return signal.SIGINT if unended else None


def _finish(manifest: Manifest, figure: Figure, runs: Path, stopped: int | None, failed: int) -> int:
    summaries = {e.folder: _summary(runs / e.folder) for e in manifest.entries}
    rows = ranked(manifest, summaries, figure)
    better = "lower is better" if figure.mode == "min" else "modes covered + high-quality share, higher is better"
    print(f"sweep {manifest.name}: {len(rows)} runs ranked by {figure.metric} ({better})")
    print(table(manifest, rows, figure, runs))
    print(f"results: {write_results(manifest, rows, figure, runs)}")
    if stopped is not None:
        print(f"ganstudio: {signal_name(stopped)}: the sweep stopped; rerun the same command to resume it", file=sys.stderr)
        return exit_status(stopped)
    return 1 if failed else 0
