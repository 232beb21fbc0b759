"""`ganstudio config`: print a config as TOML, to keep, edit and train with `train --config`.

The source is a preset (default: the default preset, as for `train`), a TOML file, a checkpoint (the
config its run had) or the config the window was last closed with (`--last`); `--set` and
`--seed` change it as they change `train`'s. So `ganstudio config --preset P --set K=V > my.toml`
followed by `ganstudio train --config my.toml` trains what `train --preset P --set K=V` would.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ganstudio.cli.options import add_runs_dir
from ganstudio.config.config_file import commented_toml
from ganstudio.config.model import ORIGIN_PATTERN, ConfigError, RunConfig, load_config_file, parse_assignment
from ganstudio.config.presets import DEFAULT_PRESET, load_preset
from ganstudio.files.atomic import atomic_path
from ganstudio.run.checkpoint import Checkpoint
from ganstudio.runs.layout import RUN_TOML
from ganstudio.runs.library import read_run, run_checkpoint, runs_folder


def add_parser(sub) -> None:
    """The `config` subcommand on `sub`, the `ganstudio` parser's subparsers."""
    parser = sub.add_parser(
        "config", help="print a config as TOML (a preset's, a file's, a checkpoint's or the window's last), with --set changes"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--preset", dest="config_preset", metavar="NAME", help=f"a preset from resources/presets (default: {DEFAULT_PRESET})"
    )
    source.add_argument(
        "--config", dest="config_file", metavar="FILE", help="a TOML config file (checked, completed with every default)"
    )
    source.add_argument(
        "--checkpoint",
        dest="config_checkpoint",
        metavar="RUN",
        help="the config of this run (its name, its folder, or a checkpoint .npz file)",
    )
    source.add_argument(
        "--last", action="store_true", help="the config the window was last closed with (File > Save config as… saves it too)"
    )
    parser.add_argument(
        "--set",
        dest="config_set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change a setting, e.g. optimizer.lr=1e-3 (repeatable)",
    )
    add_runs_dir(parser)
    parser.add_argument("--seed", dest="config_seed", type=int, help="random seed")
    parser.add_argument(
        "-o", "--output", dest="config_output", metavar="FILE", help="write the TOML into FILE instead of printing it"
    )
    parser.set_defaults(handler=run_config)


@dataclass(frozen=True)
class Source:
    """A config to print: the config, where it came from in words (the header line), and the
    preset it records as its origin (None: none; a run trained on the file is then named after
    the file)."""

    config: RunConfig
    description: str
    preset: str | None


def _source(args) -> Source:
    """The config the options start from."""
    if args.config_file:
        config, preset = load_config_file(args.config_file)
        return Source(config, args.config_file, preset)
    if args.config_checkpoint:
        checkpoint = run_checkpoint(args.config_checkpoint, runs_folder(args.runs_dir))
        return Source(Checkpoint(checkpoint).config, f"the run in {checkpoint}", _run_preset(checkpoint.parent))
    if args.last:
        from ganstudio.gui.settings import app_settings, last_config  # QtCore only, and only here

        settings = app_settings()
        config = last_config(settings)
        if config is None:
            raise ConfigError(f"--last: the window has not saved a config yet (looked in {settings.fileName()})")
        return Source(config, "the config the window was last closed with", None)
    name = args.config_preset or DEFAULT_PRESET
    return Source(load_preset(name), f"preset {name}", name)


def _run_preset(folder: Path) -> str | None:
    """The preset the run in `folder` records, when it has a run.toml and the name can be an origin."""
    if not (folder / RUN_TOML).is_file():
        return None
    preset = read_run(folder).preset
    return preset if ORIGIN_PATTERN.fullmatch(preset) else None


def config_from_args(args) -> Source:
    """The source with the --set and --seed changes applied (and named in its description)."""
    source = _source(args)
    changes = dict(parse_assignment(a) for a in args.config_set)
    if args.config_seed is not None:
        changes["seed"] = args.config_seed
    if not changes:
        return source
    described = ", ".join(f"{key}={value}" for key, value in changes.items())
    return Source(source.config.with_values(changes), f"{source.description} with {described}", source.preset)


def config_text(source: Source) -> str:
    """The TOML file `ganstudio config` writes: a header naming the source, then the settings."""
    how = '# Train it: ganstudio train --config FILE (README, "Configs and presets").'
    return f"# GAN Studio config: {source.description}.\n{how}\n{commented_toml(source.config, source.preset)}"


def run_config(args) -> int:
    text = config_text(config_from_args(args))
    if args.config_output is None:
        sys.stdout.write(text)
        return 0
    with atomic_path(args.config_output) as staged:
        staged.write_text(text, encoding="utf-8")
    print(f"config: {args.config_output}")
    return 0
