"""`ganstudio sample`: samples of a checkpoint's generator as a .npy array or a .png grid, and
`--report`, the insight figures of those samples (or the figures that need no data, offline)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ganstudio.cli import arg_types
from ganstudio.cli.options import add_runs_dir, add_weights_options, checked_classes, class_numbers
from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.data import OfflineError
from ganstudio.data.load import load_dataset
from ganstudio.data.mnist import FAMILIES
from ganstudio.engine.gan import GAN
from ganstudio.files.atomic import atomic_file
from ganstudio.insight import coverage
from ganstudio.insight.best import BestWeights
from ganstudio.insight.heatmap import view_extent
from ganstudio.insight.report import HELD_OUT_FIGURES, NEEDS_DATA, reads_digits, report_without_data
from ganstudio.media import write_png
from ganstudio.render import make_grid, plot_points, upscale
from ganstudio.run.checkpoint import Checkpoint, CheckpointError, load_session
from ganstudio.run.sampling import (
    SampleReport,
    as_images,
    choose_sampling_threads,
    draw,
    labels_for,
    noise,
    run_classes,
    sample_report,
    weights_text,
)
from ganstudio.run.state import POINTS_2D, section
from ganstudio.runs.library import run_checkpoint, runs_folder


def add_parser(sub) -> None:
    """The `sample` subcommand on `sub`, the `ganstudio` parser's subparsers."""
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
    add_weights_options(sample)
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
        "--data-dir",
        dest="sample_data_dir",
        metavar="DIR",
        type=arg_types.existing_folder,
        help="where the run's MNIST-family dataset is found (for --report)",
    )
    sample.set_defaults(handler=run_sample)


PNG_SCALE = 3  # `sample -o x.png` enlarges its pixels 3 times by default: a 64-sample grid is 699 x 699 px
PNG_MAX_SIDE = 16_384


def asked_classes(given: list[str] | None, config: RunConfig) -> tuple[int, ...] | None:
    """The classes `--class` asks for (each value a class or a comma list), sorted; for a
    conditional run without `--class` every class of the run; None for an unconditional run.
    ConfigError for `--class` with an unconditional run or a class the run does not have."""
    if not given:
        return run_classes(config) if config.training.conditional else None
    return tuple(sorted(set(checked_classes(class_numbers(given, "--class"), config, "--class"))))


def saved_best(ckpt: Checkpoint) -> BestWeights | None:
    """The best weights `ckpt` keeps (None for none)."""
    return BestWeights.from_state(section(ckpt.section("insight"), "best"))


def chosen_best(args, best: BestWeights | None) -> BestWeights | None:
    """The best weights when `--weights` asks for them, by default when the run keeps them and
    `--no-ema` is not given (the best of an EMA run are EMA weights); None: the last weights.
    ConfigError for `--weights best` that cannot be met."""
    if args.weights == "last" or (args.weights is None and (best is None or args.no_ema)):
        return None
    if best is None:
        raise ConfigError(
            "--weights best: this run keeps no best weights (they are kept at insight checks that measure an FID, "
            "digit runs with run.insight_every > 0); use --weights last"
        )
    if args.no_ema and best.ema:
        raise ConfigError(
            f"--no-ema: the best weights ({best.describe()}) are the EMA's; use --weights last --no-ema for G's live weights"
        )
    return best


def print_report(args, best: BestWeights | None) -> None:
    """`sample --report`: the insight figures of the checkpoint's generator (its `best` weights,
    or the last ones) on fresh noise."""
    try:
        session = load_session(args.checkpoint, data_dir=args.sample_data_dir)
    except OfflineError as exc:
        print_report_without_data(args, best, exc)
        return
    print(sample_report(session, args.seed, asked_classes(args.classes, session.config), best, args.no_ema))


def print_report_without_data(args, best: BestWeights | None, offline: OfflineError) -> None:
    """`sample --report` when the run's MNIST-family training set is neither on disk nor
    downloadable: the figures that need no data, and on stderr why the others are missing."""
    ckpt = Checkpoint(args.checkpoint)
    config = ckpt.config
    digits = reads_digits(config.data.dataset, config.image_shape)
    n = coverage.REPORT_SAMPLES
    asked = labels_for(asked_classes(args.classes, config), n)
    gan = checkpoint_gan(ckpt, best)
    choose_sampling_threads(gan, n)
    samples = draw(gan, noise(args.seed, n, config.generator.latent_size), asked, best, args.no_ema)
    report = report_without_data(samples, digits, config.value_range, asked)
    weights = weights_text(best, ckpt.step, gan, args.no_ema)
    held_out = (f"{HELD_OUT_FIGURES}: {NEEDS_DATA}",)
    print(SampleReport(ckpt.step, weights, config.data.dataset, n, args.seed, None, report, held_out))
    family = FAMILIES[config.data.dataset]
    what = "fid and diversity not computed: their reference is" if digits else "diversity not computed: its reference is"
    print(
        f"ganstudio: {what} the run's training images, and {family.title} is not on this computer and could not be "
        f"downloaded ({offline.__cause__ or offline}). Give the folder holding {family.images.name} and "
        f"{family.labels.name} with --data-dir DIR.",
        file=sys.stderr,
    )


def checkpoint_gan(ckpt: Checkpoint, best: BestWeights | None) -> GAN:
    """`ckpt`'s GAN, checked to fit the `best` weights to be drawn from."""
    gan = ckpt.build_gan()
    if best is not None:
        try:
            best.check_fits(gan)
        except ValueError as exc:
            raise CheckpointError(f"{ckpt.path}: damaged checkpoint ({exc})") from None
    return gan


def png_scale(shape: tuple[int, int], asked: int | None) -> int:
    """The enlargement for `sample -o x.png` of an image of `shape` (H, W): `asked`, or by
    default `PNG_SCALE` (less for images so large that the PNG would pass `PNG_MAX_SIDE`)."""
    fits = max(1, PNG_MAX_SIDE // max(shape))
    if asked is None:
        return min(PNG_SCALE, fits)
    if asked > fits:
        raise ConfigError(
            f"--scale {asked}: the {shape[1]} x {shape[0]} px image would pass {PNG_MAX_SIDE:,} px a side; "
            f"use --scale {fits} or less, or a smaller -n"
        )
    return asked


def points_picture(config: RunConfig, samples: np.ndarray, step: int) -> np.ndarray:
    """uint8 (H, W, 3): a 2D run's samples (n, 2) over its real points, in the window's view of
    the plane (the run's first POINTS_2D data points, the extent around the toy's modes)."""
    dataset = load_dataset(config.data.dataset, seed=config.seed)
    caption = f"{config.data.dataset}, step {step:,}"
    return plot_points(samples, dataset.x[:POINTS_2D], view_extent(dataset.modes), caption=caption)


def run_sample(args) -> int:
    """`ganstudio sample`: `--report` prints the figures, `-o` writes the samples (.npy or .png)."""
    args.checkpoint = str(run_checkpoint(args.checkpoint, runs_folder(args.runs_dir)))
    if args.output is None and not args.report:
        raise ConfigError("-o: give an output file (.npy or .png), or --report")
    best = chosen_best(args, saved_best(Checkpoint(args.checkpoint, sections=("insight",))))
    if args.report:
        print_report(args, best)
    if args.output is None:
        return 0
    ckpt = Checkpoint(args.checkpoint)
    config = ckpt.config
    labels = labels_for(asked_classes(args.classes, config), args.n)
    gan = checkpoint_gan(ckpt, best)
    choose_sampling_threads(gan, args.n)
    samples = draw(gan, noise(args.seed, args.n, config.generator.latent_size), labels, best, args.no_ema)
    output = Path(args.output)
    shape = config.image_shape
    if output.suffix.lower() == ".png":
        if shape is None:
            image = points_picture(config, samples, ckpt.step)
        else:
            side = int(np.ceil(np.sqrt(args.n)))
            image = make_grid(samples, shape, ncols=side, value_range=config.value_range)
        image = upscale(image, png_scale(image.shape[:2], args.scale))
        write_png(output, image)
        output = f"{output} ({image.shape[1]} x {image.shape[0]} px)"
    elif output.suffix.lower() == ".npy":
        with atomic_file(output) as fh:
            np.save(fh, as_images(samples, config))
    else:
        raise ConfigError(f"-o {output}: use a .npy or .png file name")
    print(f"samples: {output}, weights: {weights_text(best, ckpt.step, gan, args.no_ema)}")
    return 0
