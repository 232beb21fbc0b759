"""`ganstudio runs`: list, show, diff, star, export and delete the runs in the runs folder.

RUN is a run folder's path or a run's name in the runs folder (`export` also takes a sweep's name:
its runs). A run that cannot be read is one line on stderr naming its file; `list` still lists
the others, and `export` exports the others.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from ganstudio.cli.options import add_runs_dir, add_tensorboard_option, check_tensorboard
from ganstudio.config.model import keys, value_text
from ganstudio.insight import coverage, modes
from ganstudio.insight.tracker import PRDC_SERIES
from ganstudio.runs.configdiff import differing_keys
from ganstudio.runs.formatting import aligned, classes_text, count_text, date_text, figure_text, quality_text
from ganstudio.runs.library import (
    Run,
    RunsError,
    check_deletable,
    delete_run,
    find_run,
    list_runs,
    read_run,
    read_summary,
    row,
    runs_folder,
    set_starred,
)
from ganstudio.sweep.names import named_folders


def add_parser(sub) -> None:
    """The `runs` subcommand on `sub`, the `ganstudio` parser's subparsers."""
    parser = sub.add_parser("runs", help="list, show, compare the settings of, and delete kept runs")
    add_runs_dir(parser)
    verbs = parser.add_subparsers(dest="runs_command", metavar="{list,show,diff,star,export,rm}", required=True)
    listing = verbs.add_parser(
        "list", help="a table of the runs: name, preset, created, steps, FID or modes, classes covered, star"
    )
    listing.add_argument("--json", dest="runs_json", action="store_true", help="one JSON array, for scripts")
    listing.add_argument("--sweep", dest="runs_sweep", metavar="NAME", help="only the runs of this sweep (its --name)")
    show = verbs.add_parser("show", help="one run's config, change log and figures")
    show.add_argument("run", metavar="RUN")
    diff = verbs.add_parser("diff", help="the starting config keys that differ between two runs")
    diff.add_argument("run", metavar="A")
    diff.add_argument("other", metavar="B")
    star = verbs.add_parser("star", help="star a run (a mark that `runs list` shows), or --off to unstar it")
    star.add_argument("run", metavar="RUN")
    star.add_argument("--off", action="store_true", help="remove the star")
    export = verbs.add_parser("export", help="write runs (or a sweep's runs) as TensorBoard logs")
    export.add_argument("run", metavar="RUN", nargs="+", help="a run, or a sweep's name for all its runs")
    add_tensorboard_option(export, "the TensorBoard folder: one log per run in DIR/RUN (required)")
    rm = verbs.add_parser("rm", help="delete a run folder (asks first)")
    rm.add_argument("run", metavar="RUN")
    rm.add_argument("--yes", action="store_true", help="do not ask")
    for verb in (listing, show, diff, star, export, rm):
        add_runs_dir(verb, on_verb=True)
    parser.set_defaults(handler=run_runs)


def run_runs(args) -> int:
    try:
        return _run(args)
    except BrokenPipeError:  # `runs list | head`: the reader has had enough; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the flush at exit does not fail again
        return 0


def _run(args) -> int:
    runs = runs_folder(args.runs_dir)
    if args.runs_command == "list":
        return _list(runs, args.runs_json, args.runs_sweep)
    if args.runs_command == "export":
        return _export(args.run, runs, args.tensorboard)
    folder = find_run(args.run, runs)
    if args.runs_command == "show":
        _show(read_run(folder), read_summary(folder))
    elif args.runs_command == "diff":
        _diff(read_run(folder), read_run(find_run(args.other, runs)))
    elif args.runs_command == "star":
        run = set_starred(folder, not args.off)
        print(f"{run.name}: {'starred' if run.starred else 'not starred'}")
    else:
        return _remove(folder, args.yes)
    return 0


def _list(runs, as_json: bool, sweep: str | None = None) -> int:
    """The runs in `runs` (only those of the sweep named `sweep`, if given) as a table or JSON;
    a "sweep" column when any listed run belongs to one, a "folder" column when two share a name."""
    found, problems = list_runs(runs)
    for problem in problems:
        print(f"ganstudio: {problem}", file=sys.stderr)
    rows = [row(run, summary) for run, summary in found if sweep is None or run.sweep == sweep]
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no runs of sweep {sweep} in {runs}" if sweep else f"no runs in {runs}")
        return 0
    sweeps = any(r["sweep"] for r in rows)
    names = [r["name"] for r in rows]
    folders = len(set(names)) < len(names)  # a copied run folder keeps its run's name: the folders tell them apart
    table = [
        ("star", "name", *(("folder",) if folders else ()), "preset", *(("sweep",) if sweeps else ()))
        + ("created", "steps", "FID / modes", "classes (recognisable)")
    ]
    for r in rows:
        quality = quality_text(r["fid"], r["modes_covered"], "-")
        classes = classes_text(r["classes_covered"], r["recognisable_share"], "-")
        tag = (r["sweep"] or "-",) if sweeps else ()
        folder = (os.path.basename(r["folder"]),) if folders else ()
        cells = (r["name"], *folder, r["preset"], *tag, date_text(r["created"]), count_text(r["steps"]), quality, classes)
        table.append(("*" if r["starred"] else "", *cells))
    print(aligned(table))
    if any(r["fid"] is not None or r["modes_covered"] is not None for r in rows):
        print(MEASURED_HOW)
    return 0


MEASURED_HOW = (
    f"FID / modes: each run's latest insight check, on {coverage.REPORT_SAMPLES:,} samples ({modes.REPORT_SAMPLES:,} for "
    f"modes) against up to {coverage.REAL_SAMPLES:,} of its training images; "
    "`sample RUN --report` draws new ones (its best weights)"
)


def _show(run: Run, summary: dict[str, Any]) -> None:
    print(f"run: {run.name} ({run.folder})")
    print(f"preset: {run.preset}   created: {date_text(run.created)}   GAN Studio {run.version}")
    print("figures:")
    figures = ("last_step", "wall_time_s", "steps_per_s", "classes_covered", "recognisable_share", "fid")
    for name in (*figures, "modes_covered", "high_quality_share", *PRDC_SERIES):
        print(f"  {name}: {figure_text(name, summary.get(name))}")
    print(f"changes ({len(run.changes)}):" if run.changes else "changes: none")
    for change in run.changes:
        print("  " + change.toml().replace("[[changes]]\n", "").replace("\n", "  ").strip())
    print("starting config:")
    for key in keys():
        print(f"  {key} = {value_text(run.config.get(key))}")


def _diff(a: Run, b: Run) -> None:
    rows = [(k, value_text(a.config.get(k)), value_text(b.config.get(k))) for k in differing_keys([a.config, b.config])]
    if not rows:
        print(f"{a.name} and {b.name} start from the same config")
    else:
        print(aligned([("key", a.name, b.name), *rows]))
    if len(a.changes) or len(b.changes):
        print(f"change logs: {a.name} has {len(a.changes)} changes, {b.name} has {len(b.changes)}")


def _export(names: list[str], runs, tensorboard: str | None) -> int:
    """`runs export --tensorboard DIR`: every named run (a sweep's name: its runs) as a log in
    DIR; a run that cannot be exported is one line, the others go on (exit 2 when any failed)."""
    if not tensorboard:
        raise RunsError("runs export: give the folder to write into with --tensorboard DIR")
    check_tensorboard(tensorboard)
    from ganstudio.runs.tensorboard import export_run  # the runs library loads no exporter until asked

    failed = 0
    for folder in named_folders(names, runs):
        try:
            print(f"{folder.name}: {export_run(folder, Path(tensorboard))}")
        except RunsError as exc:
            print(f"ganstudio: {exc}", file=sys.stderr)
            failed += 1
    return 2 if failed else 0


def _remove(folder, yes: bool) -> int:
    """`runs rm`: delete `folder` once confirmed by --yes, or by y typed or piped (`echo y | ...`)."""
    check_deletable(folder)
    if not yes:
        try:
            answer = input(f"Delete the run folder {folder} and everything in it? [y/N] ")
        except EOFError:  # nothing to read: no terminal and nothing piped
            raise RunsError(f"runs rm {folder}: confirm with --yes, or pipe y (nothing to read an answer from)") from None
        if answer.strip().lower() not in ("y", "yes"):
            print("not deleted")
            return 1
    delete_run(folder)
    print(f"deleted {folder}")
    return 0
