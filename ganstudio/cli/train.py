"""`ganstudio train`: a headless run of the same session the GUI drives."""

from __future__ import annotations

import sys
from contextlib import ExitStack, nullcontext
from pathlib import Path

from ganstudio.cli import arg_types
from ganstudio.cli.options import add_gif_options, add_runs_dir, add_tensorboard_option, check_gif_options, check_tensorboard
from ganstudio.config.model import ConfigError, RunConfig, parse_assignment
from ganstudio.config.presets import DEFAULT_PRESET, starting_config
from ganstudio.data import OfflineError
from ganstudio.machine.progress_line import ProgressLine, download_progress
from ganstudio.machine.stop_signals import StopSignals, exit_status, signal_name
from ganstudio.record.history import Event
from ganstudio.run import commands as cmd
from ganstudio.run.changelog import replay
from ganstudio.run.checkpoint import load_session
from ganstudio.run.session import Session
from ganstudio.runs.folder import check_writable, create_folder, output_folder, refuse_another_run, remove_created, remove_staging
from ganstudio.runs.headless import HeadlessRun, check_gif, write_outputs
from ganstudio.runs.layout import RUN_TOML
from ganstudio.runs.library import (
    Run,
    check_new_name,
    find_run,
    named_run_folder,
    new_run_folder,
    read_run,
    run_checkpoint,
    runs_folder,
)
from ganstudio.runs.lock import FolderLock
from ganstudio.runs.tensorboard import live_log


def add_parser(sub) -> None:
    """The `train` subcommand on `sub`, the `ganstudio` parser's subparsers."""
    train = sub.add_parser("train", help="train headless, write a checkpoint, history CSV and sample grid")
    source = train.add_mutually_exclusive_group()
    source.add_argument(
        "--preset", dest="train_preset", metavar="NAME", help=f"a preset from resources/presets (default: {DEFAULT_PRESET})"
    )
    source.add_argument("--config", metavar="FILE", help="a TOML config file")
    source.add_argument("--resume", metavar="RUN", help="continue a run: its name, its folder, or a checkpoint .npz file")
    train.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a setting, e.g. optimizer.lr=1e-3 (repeatable)"
    )
    source.add_argument(
        "--replay", metavar="RUN_OR_FILE", help="replay a run (folder, name or run.toml) from its start with its change log"
    )
    length = train.add_mutually_exclusive_group()
    length.add_argument(
        "--steps",
        type=arg_types.steps,
        help="train until this total step count (also when resuming; default 1000; the run's own with --replay)",
    )
    length.add_argument("--seconds", type=arg_types.seconds, help="train for this many seconds")
    train.add_argument("--seed", type=arg_types.seed, help="random seed (same seed, same run)")
    add_runs_dir(train)
    train.add_argument(
        "--data-dir",
        dest="train_data_dir",
        metavar="DIR",
        type=arg_types.existing_folder,
        help="an existing folder where MNIST-family datasets are found or downloaded to",
    )
    train.add_argument(
        "--out",
        metavar="DIR",
        help="the run's folder (default: the checkpoint's folder with --resume, else a new folder in the runs folder)",
    )
    train.add_argument(
        "--name",
        metavar="NAME",
        help="name the new run NAME: its folder in the runs folder, so sample, walk, runs and --resume find it by name",
    )
    train.add_argument(
        "--force", action="store_true", help="write into --out even if it holds another run's outputs (they are overwritten)"
    )
    train.add_argument("--gif", metavar="FILE", help="also export a GIF of the recorded sample grids")
    train.add_argument(
        "--gif-every", type=arg_types.record_every, metavar="N", help="record the sample grid every N steps (run.record_every)"
    )
    add_gif_options(train)
    add_tensorboard_option(
        train, "also log the run for TensorBoard in DIR/RUN: scalars, sample grids, changes, warnings, hyperparameters"
    )
    train.set_defaults(handler=run_train)


DEFAULT_STEPS = 1000


def _config_from_args(args) -> tuple[RunConfig, str]:
    """A new run's config and the preset it records (see config.presets.starting_config)."""
    config, label = starting_config(args.train_preset, args.config)
    changes = dict(parse_assignment(a) for a in args.set)
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.gif_every is not None:
        changes["run.record_every"] = args.gif_every
    return (config.with_values(changes) if changes else config), label


OFFLINE_FALLBACK = "--set data.dataset=synthetic-digits"


def _origin(args) -> Run | None:
    """The run whose log this one continues: the one replayed, or the run.toml beside the
    checkpoint resumed (None for a new run, or a checkpoint without one)."""
    if args.replay:
        path = Path(args.replay)
        if path.is_file():
            return read_run(path.parent, path)
        return read_run(find_run(args.replay, runs_folder(args.runs_dir)))
    if args.resume and (Path(args.resume).parent / RUN_TOML).exists():
        return read_run(Path(args.resume).parent)
    return None


def _session_from_args(args, line: ProgressLine, origin: Run | None) -> tuple[Session, str, tuple[Event, ...]]:
    """The session to train, the preset its run records (that of the run replayed, the
    starting config's for a new run, "resumed" for a checkpoint without a run.toml) and the
    events it had when loaded (a resumed run's, logged by the process that trained them)."""
    progress = download_progress(line)
    if args.replay:
        if args.set or args.seed is not None or args.seconds is not None:
            raise ConfigError(
                "--replay: the run's own config and change log are replayed to a step count; "
                "--set, --seed and --seconds do not apply"
            )
        if origin.start_step:
            raise ConfigError(
                f"--replay {args.replay}: this run's log starts at step {origin.start_step} "
                "(resumed from a checkpoint without a run.toml); its beginning cannot be replayed"
            )
        return Session(origin.config, data_dir=args.train_data_dir, progress=progress), origin.preset, ()
    if not args.resume:
        config, label = _config_from_args(args)
        try:
            return Session(config, data_dir=args.train_data_dir, progress=progress), label, ()
        except OfflineError as exc:
            raise OfflineError(f"{exc} To train on synthetic-digits instead, add {OFFLINE_FALLBACK}.") from None
    changes = [parse_assignment(a) for a in args.set]
    if args.seed is not None or any(key == "seed" for key, _ in changes):
        raise ConfigError(
            "--seed: a resumed run keeps its seed (its data order and noise come from it); start a new run to change it"
        )
    session = load_session(args.resume, data_dir=args.train_data_dir, progress=progress)
    loaded_events = tuple(session.history.events)
    if origin is not None:
        session.changes.entries = origin.changes  # the resumed run's own log goes on
    if args.gif_every is not None:
        changes.append(("run.record_every", str(args.gif_every)))
    for key, value in changes:
        session.apply(cmd.SetParam(key, value))
    for label in session.apply_pending():  # as Apply in the window: that network starts afresh
        line.message(f"ganstudio: {label} (a new, untrained network; the other keeps its weights)")
    return session, "resumed" if origin is None else origin.preset, loaded_events


def _target_step(args, origin: Run | None) -> int | None:
    """The step the run trains to (None: a time limit instead)."""
    if args.seconds is not None:
        return None
    return args.steps or (origin.last_step if args.replay else DEFAULT_STEPS)


def _run_folder(args, out: Path | None, runs: Path, label: str) -> tuple[Path, list[Path]]:
    """The run's folder, made now that every check has passed (with the folders made for it,
    deepest first), cleared of staging files that killed writes left in it. `label`: the preset
    the run records, which names a new folder."""
    if out is None:
        out = (
            named_run_folder(runs, args.name) if args.name else new_run_folder(runs, f"{label}-replay" if args.replay else label)
        )
        return out, [out]
    made = create_folder(out)
    remove_staging(out)
    return out, made


def check_name(args, runs: Path) -> None:
    """`--name`: a plain name no run in `runs` has, for a new run (not with --out, --resume or --replay)."""
    for option in ("out", "resume", "replay"):
        if getattr(args, option):
            raise ConfigError(f"--name names a new run in the runs folder; --{option} does not make one: leave one of them out")
    check_new_name(args.name, runs)


def run_train(args) -> int:
    """`ganstudio train`: everything that can be refused is refused before any training and before
    anything is written (exit 2), another process writing the output folder too; the folder's lock
    is held until the outputs are written, and a start that fails later removes the folders it made
    while they are empty. SIGINT / SIGTERM stop the run between whole steps and its outputs are
    written (exit 130 / 143)."""
    with StopSignals() as signals, ExitStack() as held:
        check_gif_options(args)
        if args.resume:
            args.resume = str(run_checkpoint(args.resume, runs_folder(args.runs_dir)))
        out = output_folder(args.out, args.resume)  # None: a new run folder in the runs folder
        runs = runs_folder(args.runs_dir)
        if args.name is not None:
            check_name(args, runs)
        check_writable(runs if out is None else out, args.gif, option="runs folder" if out is None else "--out")
        if args.tensorboard:
            check_tensorboard(args.tensorboard)
        locked = out is not None and out.is_dir()
        if locked:  # another writer is refused before anything is loaded; --force does not overrule it
            held.enter_context(FolderLock(out))
        if out is not None and not args.force:
            refuse_another_run(out, args.resume, given=args.out is not None)
        line = ProgressLine()
        origin = _origin(args)
        session, label, logged = _session_from_args(args, line, origin)
        target = _target_step(args, origin)
        if args.gif:
            check_gif(session, args.gif_scale, target)
        out, made = _run_folder(args, out, runs, label)
        try:
            with nullcontext() if locked else FolderLock(out):  # released before an empty folder is removed
                diverged = _train(args, session, out, origin, label, target, signals, line, logged)
        except BaseException:
            line.interrupt()
            remove_created(made)
            raise
    if diverged:
        return 1
    return 0 if signals.signum is None else exit_status(signals.signum)


def _train(
    args,
    session: Session,
    out: Path,
    origin: Run | None,
    label: str,
    target: int | None,
    signals: StopSignals,
    line,
    logged: tuple[Event, ...],
) -> bool:
    """Train `session` into `out` to step `target` (None: for --seconds) and write its outputs;
    returns whether it diverged. `label`: the preset a run that does not continue `origin` records;
    `logged`: the events a TensorBoard log of an earlier process already holds."""
    if args.replay:
        run = Run.new(out, label, origin.config)
    elif origin is not None:
        run = origin.continued(out)
    else:
        run = Run.new(out, label, session.config, start_step=session.step_count)
    signals.defer()
    tensorboard = live_log(session, Path(args.tensorboard), run.name, logged) if args.tensorboard else None
    headless = HeadlessRun(session, run, should_stop=lambda: signals.signum is not None, line=line, tensorboard=tensorboard)
    if args.replay:
        replay(session, origin.changes, target, headless.step, source=str(args.replay), limit=args.steps)
    else:
        headless.train(steps=target, seconds=args.seconds)
    line.done()
    if signals.signum is not None:
        name = signal_name(signals.signum)
        print(
            f"ganstudio: {name}: stopped after step {session.step_count}; writing the outputs (further signals wait for them)",
            file=sys.stderr,
        )
    diverged = session.divergence is not None
    if diverged:
        print(f"ganstudio: {session.message}", file=sys.stderr)
    if session.insight.error:
        print(f"ganstudio: {session.insight.error}", file=sys.stderr)
    elif session.insight.unmeasured:
        print(f"ganstudio: {session.insight.unmeasured}", file=sys.stderr)
    for what, path in write_outputs(
        session, out, args.gif, run=run, fps=args.fps, scale=args.gif_scale, max_mb=args.gif_max_mb or None
    ):
        print(f"{what}: {path}")
    if tensorboard is not None:
        headless.close_log()
        print(f"tensorboard: {tensorboard.folder}")
    return diverged
