"""The `ganstudio` command: the GUI by default, or `train`, `sample`, `walk`, `export-onnx`, `bench`, `config`, `runs`,
`compare` and `sweep` headless, and `desktop` to add the app to the desktop's launcher.

A user's mistake (bad preset, bad --set, unreadable checkpoint, dataset problem, unwritable
output) ends with one line on stderr and exit status 2, never a traceback. SIGINT and SIGTERM end
`train` with 130 and 143 (see ganstudio.machine.stop_signals).
"""

from __future__ import annotations

import argparse
import sys

from ganstudio import __version__
from ganstudio.cli import arg_types, bench, compare, config, desktop, export_onnx, runs, sample, sweep, train, walk
from ganstudio.machine.blas import fixed_threads, set_blas_threads
from ganstudio.machine.stop_signals import Interrupted, exit_status
from ganstudio.run.user_errors import USER_ERRORS

# Each adds its parser, whose `handler` runs it.
SUBCOMMANDS = (train, sample, walk, export_onnx, bench, config, runs, compare, sweep, desktop)


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose mistakes are one line and a hint (exit status 2): the line that
    names the option and the value, not the usage block above it. Subcommands' parsers are of
    this class too (argparse makes them of their parent's class)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\nsee '{self.prog} --help' for the options\n")


def build_parser() -> argparse.ArgumentParser:
    """The `ganstudio` parser: the window's options, and a subparser per module of SUBCOMMANDS."""
    parser = OneLineParser(
        prog="ganstudio",
        description="See and steer GAN training. Without a command, opens the GAN Studio window.",
    )
    parser.add_argument("--version", action="version", version=f"ganstudio {__version__}")
    parser.add_argument("--preset", help="open the window with this preset loaded")
    parser.add_argument(
        "--data-dir",
        type=arg_types.existing_folder,
        help="an existing folder where MNIST-family datasets are found or downloaded to",
    )
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
    parser.set_defaults(handler=run_window)
    sub = parser.add_subparsers(dest="command", metavar="{train,sample,walk,export-onnx,bench,config,runs,compare,sweep,desktop}")
    for subcommand in SUBCOMMANDS:
        subcommand.add_parser(sub)
    return parser


def run_window(args) -> int:
    """`ganstudio` with no command: the window (Qt is imported only here)."""
    from ganstudio.gui.app import run_app

    return run_app(preset=args.preset, data_dir=args.data_dir, start=args.start, compare=args.compare, runs_dir=args.app_runs_dir)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    set_blas_threads(fixed_threads())  # GANSTUDIO_BLAS_THREADS, if set
    try:
        return args.handler(args)
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
