"""`ganstudio walk`: a latent walk of a run's generator as a GIF, an MP4 or a PNG strip of its stops.

Everything a walk can be refused for (its outputs, the endpoints, the classes, the number of
frames, the pictures' size) is checked from the options and the checkpoint's config before the
generator is built; ganstudio.run.walk draws it.
"""

from __future__ import annotations

from pathlib import Path

from ganstudio.cli import arg_types
from ganstudio.cli.options import (
    add_gif_options,
    add_runs_dir,
    add_weights_options,
    check_gif_options,
    checked_classes,
    class_numbers,
    require_conditional,
    run_classes,
)
from ganstudio.cli.sample import checkpoint_gan, chosen_best, png_scale, saved_best
from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.media import upscale, write_gif, write_mp4, write_png
from ganstudio.media.gif import oversize
from ganstudio.media.video import ffmpeg
from ganstudio.run.checkpoint import Checkpoint
from ganstudio.run.sampling import choose_sampling_threads, weights_text
from ganstudio.run.walk import (
    GIF_SCALE,
    MAX_STOPS,
    Endpoints,
    cell_class_endpoints,
    cell_endpoints,
    class_endpoints,
    frame_shape,
    grid_cells,
    random_endpoints,
    strip_shape,
    walk_frames,
    walk_samples,
    walk_strip,
)
from ganstudio.runs.folder import check_file_target
from ganstudio.runs.library import run_checkpoint, runs_folder

DEFAULT_FRAMES = 60
OUTPUTS = (("gif", "walk.gif"), ("mp4", "walk.mp4"), ("png", "walk.png"))  # (option, example file name)


def add_parser(sub) -> None:
    """The `walk` subcommand on `sub`, the `ganstudio` parser's subparsers."""
    walk = sub.add_parser("walk", help="a latent walk of a run's generator: GIF, MP4 or a PNG strip")
    walk.add_argument("checkpoint", metavar="RUN", help="a run's name, a run folder, or a checkpoint .npz file")
    add_runs_dir(walk)
    walk.add_argument(
        "--cells",
        type=arg_types.cell_numbers,
        metavar="A,B,...",
        help="walk through these cells of the run's sample grid (numbered from 0, row by row from the top left)",
    )
    walk.add_argument("--seed", type=arg_types.seed, help="walk between two random noise vectors of this seed (default 0)")
    walk.add_argument(
        "--classes",
        metavar="A,B,...",
        help="conditional runs: walk one noise vector (of one --cells cell, --seed, or cell 0) through these classes; "
        "'all': every class of the run",
    )
    walk.add_argument(
        "--frames",
        type=arg_types.whole_number(2, MAX_STOPS),
        default=DEFAULT_FRAMES,
        help=f"stops of the whole walk, endpoints included (default {DEFAULT_FRAMES}, at most {MAX_STOPS})",
    )
    walk.add_argument("--gif", metavar="FILE", help="write the walk as an animated GIF")
    walk.add_argument("--mp4", metavar="FILE", help="write the walk as an MP4 video (needs the mp4 extra)")
    walk.add_argument("--png", metavar="FILE", help="write the walk's stops as one strip")
    walk.add_argument(
        "--scale", type=arg_types.scale, metavar="N", help="with --png: enlarge its pixels N times, nearest neighbour (default 3)"
    )
    add_gif_options(walk, scale=GIF_SCALE)
    add_weights_options(walk, default="last", said="last, the weights the run's sample grid shows")
    walk.set_defaults(handler=run_walk)


def check_outputs(args) -> None:
    """ConfigError unless an output is asked for and each can be written (MP4: ffmpeg installed)."""
    asked = [(option, example) for option, example in OUTPUTS if getattr(args, option)]
    if not asked:
        raise ConfigError("give the walk's output: --gif FILE, --mp4 FILE or --png FILE")
    check_gif_options(args)
    if args.mp4:
        ffmpeg()
    for option, example in asked:
        check_file_target(getattr(args, option), f"--{option}", example)


def cell_list(cells: tuple[int, ...], config: RunConfig) -> tuple[int, ...]:
    """`cells`, once checked to be cells of the run's grid."""
    count = grid_cells(config)
    outside = [cell for cell in cells if cell >= count]
    if outside:
        side = config.view.grid
        shape = f"{count // side} x {side}"
        raise ConfigError(
            f"--cells {','.join(map(str, outside))}: outside the run's {shape} sample grid, whose cells are numbered "
            f"0 to {count - 1}, row by row from the top left"
        )
    return cells


def walked_classes(text: str, config: RunConfig) -> list[int]:
    """The classes `--classes` names (or every class of the run for 'all'), in order: two or more
    classes of a conditional run."""
    require_conditional(config, "--classes")
    classes = run_classes(config) if text.strip() == "all" else class_numbers([text], "--classes")
    if len(classes) < 2:
        raise ConfigError(f"--classes {text}: a walk between classes needs two or more (or 'all')")
    return checked_classes(list(classes), config, "--classes")


def class_walk(args, config: RunConfig) -> tuple[Endpoints, str]:
    """`--classes`: one noise vector (of the one --cells cell, of --seed, else of cell 0) through
    the classes; with a description for the output."""
    classes = walked_classes(args.classes, config)
    names = ", ".join(map(str, classes))
    if args.seed is not None:
        noise = random_endpoints(config, args.seed, 1).noise[0]
        return class_endpoints(config, noise, classes), f"classes {names} at random noise of seed {args.seed}"
    cells = cell_list(args.cells or (0,), config)
    if len(cells) != 1:
        raise ConfigError(f"--cells {','.join(map(str, cells))}: --classes walks one noise vector; give one cell")
    return cell_class_endpoints(config, cells[0], classes), f"classes {names} at the noise of cell {cells[0]}"


def endpoints(args, config: RunConfig) -> tuple[Endpoints, str]:
    """The walk's endpoints from --cells, --seed and --classes, with a description for the output."""
    if config.image_shape is None:
        raise ConfigError(f"{args.checkpoint}: a 2D run draws points, not images; walk needs an image run")
    if args.cells is not None and args.seed is not None:
        raise ConfigError("--cells and --seed: give one; cells are endpoints from the grid, --seed random ones")
    if args.classes is not None:
        return class_walk(args, config)
    if args.cells is None:
        seed = args.seed or 0
        return random_endpoints(config, seed), f"2 random endpoints of seed {seed}"
    if len(args.cells) < 2:
        raise ConfigError(f"--cells {args.cells[0]}: a walk needs two cells or more")
    cells = cell_list(args.cells, config)
    return cell_endpoints(config, cells), f"cells {', '.join(map(str, cells))}"


def check_pictures(args, config: RunConfig, ends: Endpoints) -> int | None:
    """ConfigError for --frames too few for the endpoints, or pictures too large; returns the
    PNG's enlargement (None without --png)."""
    if args.frames < len(ends):
        raise ConfigError(
            f"--frames {args.frames}: a walk through {len(ends)} endpoints stops at each, so it needs {len(ends)} frames or more"
        )
    if (args.gif or args.mp4) and (too_large := oversize(frame_shape(config), args.gif_scale)):
        raise ConfigError(f"--gif-scale {args.gif_scale}: {too_large}")
    return png_scale(strip_shape(config, args.frames), args.scale) if args.png else None


def run_walk(args) -> int:
    """`ganstudio walk`: every refusal before the generator is built, then the walk's files."""
    check_outputs(args)
    args.checkpoint = str(run_checkpoint(args.checkpoint, runs_folder(args.runs_dir)))
    header = Checkpoint(args.checkpoint, sections=("insight",))
    config = header.config
    ends, described = endpoints(args, config)
    png_enlargement = check_pictures(args, config, ends)
    best = chosen_best(args, saved_best(header))
    gan = checkpoint_gan(Checkpoint(args.checkpoint), best)
    choose_sampling_threads(gan, args.frames)
    samples = walk_samples(
        gan, config, ends, args.frames, use_ema=not args.no_ema, weights=None if best is None else best.weights
    )
    print(f"walk: {args.frames} frames through {described}; weights: {weights_text(best, header.step, gan, args.no_ema)}")
    frames = walk_frames(samples, config)
    if args.gif:
        result = write_gif(args.gif, frames, fps=args.fps, scale=args.gif_scale, max_mb=args.gif_max_mb or None)
        print(f"gif: {result.path}, {result.describe()}")
    if args.mp4:
        print(f"mp4: {write_mp4(args.mp4, frames, fps=args.fps, scale=args.gif_scale)}")
    if args.png:
        strip = upscale(walk_strip(samples, config), png_enlargement)
        print(f"png: {write_png(Path(args.png), strip)} ({strip.shape[1]} x {strip.shape[0]} px)")
    return 0
