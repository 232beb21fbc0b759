"""The `ganstudio` command: the GUI by default, or `train`, `sample`, `bench`, `config`, `runs`, `compare` and `sweep` headless.

A user's mistake (bad preset, bad --set, unreadable checkpoint, dataset problem, unwritable
output) ends with one line on stderr and exit status 2, never a traceback. SIGINT and SIGTERM end
`train` with 130 and 143 (see ganstudio.machine.stop_signals).
"""

from __future__ import annotations

import argparse
import sys

from ganstudio.cli import arg_types
from ganstudio.cli.arg_types import megabytes, positive_float
from ganstudio.cli.config import add_parser as add_config_parser
from ganstudio.cli.runs import add_parser as add_runs_parser
from ganstudio.cli.runs import add_runs_dir
from ganstudio.cli.sweep import add_parser as add_sweep_parser
from ganstudio.machine.bench import CONFIGS
from ganstudio.machine.blas import fixed_threads, set_blas_threads
from ganstudio.machine.stop_signals import Interrupted, exit_status
from ganstudio.run.user_errors import USER_ERRORS


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose mistakes are one line and a hint (exit status 2): the line that
    names the option and the value, not the usage block above it. Subcommands' parsers are of
    this class too (argparse makes them of their parent's class)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\nsee '{self.prog} --help' for the options\n")


def add_gif_options(parser: argparse.ArgumentParser) -> None:
    """--fps, --gif-scale and --gif-max-mb: how a GIF is written (train --gif, compare --gif)."""
    parser.add_argument("--fps", type=positive_float, default=10.0, help="frames per second of the GIF (default 10, at most 50)")
    parser.add_argument(
        "--gif-scale",
        type=arg_types.scale,
        default=2,
        metavar="N",
        help="enlarge the GIF's pixels N times, nearest neighbour (default 2)",
    )
    parser.add_argument(
        "--gif-max-mb",
        type=megabytes,
        default=10.0,
        metavar="MB",
        help="size limit of the GIF: fewer gray levels, then fewer frames, as needed (default 10; 0 = no limit, exact)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="ganstudio",
        description="See and steer GAN training. Without a command, opens the GAN Studio window.",
    )
    parser.add_argument("--preset", help="open the window with this preset loaded")
    parser.add_argument("--data-dir", help="where MNIST-family datasets are found or downloaded to")
    parser.add_argument("--start", action="store_true", help="start training as soon as the window opens")
    parser.add_argument(
        "--runs-dir",
        dest="app_runs_dir",
        metavar="DIR",
        help="where the window keeps its runs (default: $GANSTUDIO_RUNS_DIR, else the user data folder)",
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        metavar="RUN",
        help="open the compare view of these runs (2 to 8: folders, or names in the runs folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="{train,sample,bench,config,runs,compare,sweep}")

    train = sub.add_parser("train", help="train headless, write a checkpoint, history CSV and sample grid")
    source = train.add_mutually_exclusive_group()
    source.add_argument(
        "--preset", dest="train_preset", metavar="NAME", help="a preset from resources/presets (default: vanilla)"
    )
    source.add_argument("--config", metavar="FILE", help="a TOML config file")
    source.add_argument("--resume", metavar="CHECKPOINT", help="continue a run from its checkpoint")
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
        "--data-dir", dest="train_data_dir", metavar="DIR", help="where MNIST-family datasets are found or downloaded to"
    )
    train.add_argument(
        "--out",
        metavar="DIR",
        help="the run's folder (default: the checkpoint's folder with --resume, else a new folder in the runs folder)",
    )
    train.add_argument(
        "--force", action="store_true", help="write into --out even if it holds another run's outputs (they are overwritten)"
    )
    train.add_argument("--gif", metavar="FILE", help="also export a GIF of the recorded sample grids")
    train.add_argument(
        "--gif-every", type=arg_types.record_every, metavar="N", help="record the sample grid every N steps (run.record_every)"
    )
    add_gif_options(train)

    sample = sub.add_parser("sample", help="draw samples from a run or a checkpoint")
    sample.add_argument("checkpoint", metavar="RUN", help="a run's name, a run folder, or a checkpoint .npz file")
    add_runs_dir(sample)
    sample.add_argument("-n", type=arg_types.count(arg_types.MAX_SAMPLES), default=64, help="number of samples (default 64)")
    sample.add_argument("-o", "--output", metavar="FILE", help=".npy: uint8 (N, 28, 28) array; .png: a grid image")
    sample.add_argument(
        "--scale",
        type=arg_types.scale,
        metavar="N",
        help="with a .png: enlarge its pixels N times, nearest neighbour (default 3)",
    )
    sample.add_argument("--seed", type=arg_types.seed, default=0, help="noise seed (default 0)")
    sample.add_argument("--no-ema", action="store_true", help="use G's live weights even when the run keeps an EMA")
    sample.add_argument(
        "--class",
        dest="classes",
        action="append",
        metavar="C",
        help="conditional runs: draw only class C (repeat, or a comma list like 3,7; default every class of the run in turn)",
    )
    sample.add_argument(
        "--report",
        action="store_true",
        help="print quality figures: classes covered, FID, confidence, histogram (digits); modes covered, high-quality %% (2D)",
    )
    sample.add_argument(
        "--data-dir", dest="sample_data_dir", metavar="DIR", help="where the run's MNIST-family dataset is found (for --report)"
    )

    bench = sub.add_parser("bench", help="measure training steps/s and the fraction of the machine's roofline")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument(
        "--config",
        action="append",
        dest="configs",
        choices=[c.name for c in CONFIGS],
        metavar="NAME",
        help=f"only this configuration: {', '.join(c.name for c in CONFIGS)} (repeatable)",
    )
    bench.add_argument("--seconds", type=arg_types.seconds, default=3.0, help="measuring time per configuration (default 3)")
    bench.add_argument(
        "--gui",
        action="store_true",
        help="compare training speed with the window open against headless, and the GUI's responsiveness",
    )
    bench.add_argument(
        "--preset",
        dest="bench_preset",
        default="vanilla",
        metavar="NAME",
        help="with --gui: the preset to train (default vanilla)",
    )
    bench.add_argument(
        "--rounds",
        type=arg_types.count(arg_types.MAX_ROUNDS),
        default=4,
        help="with --gui: alternate headless and windowed segments this many times (default 4)",
    )
    bench.add_argument(
        "--data-dir",
        dest="bench_data_dir",
        metavar="DIR",
        help="where MNIST is found (never downloaded; synthetic-digits otherwise)",
    )
    add_config_parser(sub)
    add_runs_parser(sub)
    compare = sub.add_parser(
        "compare", help="compare 2 to 8 runs: what differs, what cannot be compared, a GIF of their grids, their plots"
    )
    compare.add_argument("runs", nargs="+", metavar="RUN", help="a run folder, or a run's name in the runs folder")
    add_runs_dir(compare)
    compare.add_argument("--gif", metavar="FILE", help="a GIF of the runs' sample grids side by side, step by step")
    compare.add_argument("--png", metavar="FILE", help="the runs' curves overlaid, as a PNG image")
    compare.add_argument("--svg", metavar="FILE", help="the runs' curves overlaid, as an SVG drawing")
    add_gif_options(compare)
    add_sweep_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    set_blas_threads(fixed_threads())  # GANSTUDIO_BLAS_THREADS, if set
    try:
        if args.command == "train":
            from ganstudio.cli.train import run_train

            return run_train(args)
        if args.command == "sample":
            from ganstudio.cli.sample import run_sample

            return run_sample(args)
        if args.command == "runs":
            from ganstudio.cli.runs import run_runs

            return run_runs(args)
        if args.command == "compare":
            from ganstudio.cli.compare import run_compare

            return run_compare(args)
        if args.command == "sweep":
            from ganstudio.cli.sweep import run_sweep

            return run_sweep(args)
        if args.command == "config":
            from ganstudio.cli.config import run_config

            return run_config(args)
        if args.command == "bench" and args.gui:
            from ganstudio.gui.bench_gui import main as bench_gui_main

            return bench_gui_main(args.bench_preset, args.bench_data_dir, args.seconds, args.json, args.rounds)
        if args.command == "bench":
            from ganstudio.machine.bench import main as bench_main

            return bench_main(args.configs, args.seconds, args.json, args.bench_data_dir)
        from ganstudio.gui.app import run_app

        return run_app(
            preset=args.preset, data_dir=args.data_dir, start=args.start, compare=args.compare, runs_dir=args.app_runs_dir
        )
    except USER_ERRORS as exc:
        print(f"ganstudio: error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:  # `train`, before training started
        print(f"ganstudio: interrupted by {exc} before training started; nothing was written", file=sys.stderr)
        return exit_status(exc.signum)
    except KeyboardInterrupt:
        print("ganstudio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
