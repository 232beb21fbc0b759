"""Options that several subcommands share: the runs folder, and how a GIF is written."""

from __future__ import annotations

import argparse

from ganstudio.cli import arg_types
from ganstudio.cli.arg_types import megabytes, positive_float
from ganstudio.config.model import ConfigError
from ganstudio.media.gif import MAX_FPS


def add_runs_dir(parser, on_verb: bool = False) -> None:
    """The --runs-dir option (train, sample, config, runs and each of its verbs, compare, sweep).
    `on_verb`: on the parser of a `runs` verb, where it sets the value only when given (argparse
    copies a verb's defaults over its parent's values), so `runs --runs-dir D list` and
    `runs list --runs-dir D` both work."""
    parser.add_argument(
        "--runs-dir",
        dest="runs_dir",
        metavar="DIR",
        default=argparse.SUPPRESS if on_verb else None,
        help="the runs folder (default: $GANSTUDIO_RUNS_DIR, else the user data folder)",
    )


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


def check_gif_options(args) -> None:
    """ConfigError for a --fps or --gif-scale that write_gif would refuse (train and compare)."""
    if not 0 < args.fps <= MAX_FPS or args.gif_scale < 1:
        raise ConfigError(f"--fps must be in (0, {MAX_FPS:g}] and --gif-scale at least 1 (got {args.fps:g} and {args.gif_scale})")
