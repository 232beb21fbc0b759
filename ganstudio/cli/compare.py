"""`ganstudio compare A B ...`: what differs between 2 to 8 runs and what cannot be compared,
printed; with --gif their grids side by side as a GIF (no Qt), with --png / --svg their curves
overlaid, drawn by the compare window's own plots on an offscreen Qt platform (so the picture is
the window's)."""

from __future__ import annotations

import os

from ganstudio.cli.options import add_gif_options, add_runs_dir, check_gif_options
from ganstudio.runs.compare import Comparison, export_gif
from ganstudio.runs.library import runs_folder
from ganstudio.sweep.names import resolve


def add_parser(sub) -> None:
    """The `compare` subcommand on `sub`, the `ganstudio` parser's subparsers."""
    compare = sub.add_parser(
        "compare", help="compare 2 to 8 runs: what differs, what cannot be compared, a GIF of their grids, their plots"
    )
    compare.add_argument("runs", nargs="+", metavar="RUN", help="a run folder, or a run's name in the runs folder")
    add_runs_dir(compare)
    compare.add_argument("--gif", metavar="FILE", help="a GIF of the runs' sample grids side by side, step by step")
    compare.add_argument("--png", metavar="FILE", help="the runs' curves overlaid, as a PNG image")
    compare.add_argument("--svg", metavar="FILE", help="the runs' curves overlaid, as an SVG drawing")
    add_gif_options(compare)
    compare.set_defaults(handler=run_compare)


def run_compare(args) -> int:
    check_gif_options(args)
    comparison = Comparison.load(resolve(args.runs, runs_folder(args.runs_dir)))
    for data in comparison.runs:
        print(f"{data.name}: {data.label}")
    for note in comparison.notes:
        print(f"note: {note}")
    if args.gif:
        result = export_gif(comparison, args.gif, fps=args.fps, scale=args.gif_scale, max_mb=args.gif_max_mb or None)
        print(f"wrote {result.path} ({result.describe()})")
    plots = [path for path in (args.png, args.svg) if path]
    if plots:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # headless: no window opens
        from ganstudio.gui.compare.compare_plots import render_plots

        for path in render_plots(comparison, plots):
            print(f"wrote {path}")
    return 0
