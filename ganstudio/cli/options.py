"""Options that several subcommands share: the runs folder, which weights to draw from, classes of a
conditional run, how a GIF is written, and where TensorBoard logs go."""

from __future__ import annotations

import argparse
from pathlib import Path

from ganstudio.cli import arg_types
from ganstudio.cli.arg_types import megabytes, positive_float
from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.media.gif import MAX_FPS
from ganstudio.run.sampling import run_classes


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


WEIGHTS = ("best", "last")


BEST_WHEN_KEPT = "best when the run keeps them and --no-ema is not given, else last"


def add_weights_options(parser: argparse.ArgumentParser, default: str | None = None, said: str = BEST_WHEN_KEPT) -> None:
    """--no-ema and --weights: which of a run's generator weights to draw from (sample, walk).
    `default`: "last", or None for the best weights when kept (see cli.sample.chosen_best);
    `said`: the default in words, for --help."""
    parser.add_argument("--no-ema", action="store_true", help="use G's live weights even when the run keeps an EMA")
    parser.add_argument(
        "--weights",
        choices=WEIGHTS,
        default=default,
        help=f"best: the weights of the run's best FID so far; last: its latest weights (default: {said})",
    )


def class_numbers(given: list[str], option: str) -> list[int]:
    """The classes in `given` (each a class number or a comma list), in order; ConfigError naming
    `option` for a part that is not a number."""
    classes = []
    for text in given:
        for part in text.replace(",", " ").split():
            try:
                classes.append(int(part))
            except ValueError:
                raise ConfigError(f"{option} {part!r}: not a class number") from None
    return classes


def require_conditional(config: RunConfig, option: str) -> None:
    """ConfigError naming `option` (which asks for classes) unless the run is conditional."""
    if not config.training.conditional:
        raise ConfigError(
            f"{option}: this run is not conditional (training.conditional = false): its generator cannot be asked for a class"
        )


def checked_classes(classes: list[int], config: RunConfig, option: str) -> list[int]:
    """`classes`, once checked to be classes of a conditional run; ConfigError naming `option`
    for an unconditional run or a class the run does not have."""
    require_conditional(config, option)
    missing = sorted(set(classes) - set(run_classes(config)))
    if missing:
        have = ", ".join(map(str, run_classes(config)))
        raise ConfigError(f"{option} {', '.join(map(str, missing))}: the run has no such class; its classes are {have}")
    return classes


def add_gif_options(parser: argparse.ArgumentParser, scale: int = 2) -> None:
    """--fps, --gif-scale (default `scale`) and --gif-max-mb: how a GIF is written (train --gif,
    compare --gif, walk --gif)."""
    parser.add_argument("--fps", type=positive_float, default=10.0, help="frames per second of the GIF (default 10, at most 50)")
    parser.add_argument(
        "--gif-scale",
        type=arg_types.scale,
        default=scale,
        metavar="N",
        help=f"enlarge the GIF's pixels N times, nearest neighbour (default {scale})",
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


def add_tensorboard_option(parser, help: str) -> None:
    """--tensorboard DIR (train, runs export): the folder of TensorBoard logs, one sub-folder per run."""
    parser.add_argument("--tensorboard", metavar="DIR", help=help)


def check_tensorboard(folder: str) -> None:
    """ConfigError, before any work, unless tensorboardX is installed and `folder` (or the nearest
    existing folder above it) takes a new file."""
    from ganstudio.media.tensorboard import check_tensorboardx
    from ganstudio.runs.folder import check_writable

    check_tensorboardx()
    check_writable(Path(folder), None, option="--tensorboard")
