"""`ganstudio bench`: training steps/s and the share of the machine's roofline (headless), or
with --gui the window's training speed against headless and the GUI's responsiveness."""

from __future__ import annotations

from ganstudio.cli import arg_types
from ganstudio.machine.bench import CONFIGS


def add_parser(sub) -> None:
    """The `bench` subcommand on `sub`, the `ganstudio` parser's subparsers."""
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
        type=arg_types.existing_folder,
        metavar="DIR",
        help="where MNIST is found (never downloaded; synthetic-digits otherwise)",
    )
    bench.set_defaults(handler=run_bench)


def run_bench(args) -> int:
    if args.gui:
        from ganstudio.gui.bench_gui import main as bench_gui_main  # Qt only for --gui

        return bench_gui_main(args.bench_preset, args.bench_data_dir, args.seconds, args.json, args.rounds)
    from ganstudio.machine.bench import main as bench_main

    return bench_main(args.configs, args.seconds, args.json, args.bench_data_dir)
