"""`ganstudio compare A B ...`: what differs between 2 to 8 runs and what cannot be compared,
printed; with --gif their grids side by side as a GIF (no Qt), with --png / --svg their curves
overlaid, drawn by the compare window's own plots on an offscreen Qt platform (so the picture is
the window's)."""

from __future__ import annotations

import os

from ganstudio.cli.options import add_gif_options, add_runs_dir, check_gif_options
from ganstudio.runs.compare import Comparison, export_gif
from ganstudio.runs.formatting import aligned, classes_text, count_text, figure_text, quality_text
from ganstudio.runs.library import read_summary, runs_folder
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


def figures_table(comparison: Comparison) -> str:
    """The runs' figures side by side, written as `runs list` and `runs show` write them: steps,
    quality (FID or modes), classes covered, the best FID and its step, training time; a figure
    none of the runs has is left out."""
    lines = [("run", "steps", "FID / modes", "classes (recognisable)", "best FID", "time")]
    for data in comparison.runs:
        r = read_summary(data.run.folder)
        best = figure_text("best_fid", r.get("best_fid"), "-")
        lines.append(
            (
                data.name,
                count_text(data.last_step),
                quality_text(r.get("fid"), r.get("modes_covered"), "-"),
                classes_text(r.get("classes_covered"), r.get("recognisable_share"), "-"),
                best if r.get("best_step") is None else f"{best} (step {count_text(r['best_step'])})",
                figure_text("wall_time_s", r.get("wall_time_s"), "-"),
            )
        )
    shown = [i for i in range(len(lines[0])) if i < 2 or any(line[i] != "-" for line in lines[1:])]
    return aligned([[line[i] for i in shown] for line in lines])


def run_compare(args) -> int:
    check_gif_options(args)
    comparison = Comparison.load(resolve(args.runs, runs_folder(args.runs_dir)))
    for data in comparison.runs:
        print(f"{data.name}: {data.label}")
    print(figures_table(comparison))
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
