"""The `ganstudio` command: the GUI by default, or `train`, `sample` and `bench` headless."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganstudio", description="See and steer GAN training.")
    sub = parser.add_subparsers(dest="command")
    bench = sub.add_parser("bench", help="measure training steps/s and the fraction of the machine's roofline")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--config", action="append", dest="configs", metavar="NAME", help="only this configuration (repeatable)")
    bench.add_argument("--seconds", type=float, default=3.0, help="measuring time per configuration (default 3)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "bench":
        from ganstudio.bench import main as bench_main

        return bench_main(args.configs, args.seconds, args.json)
    build_parser().print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
