"""The one run configuration: dataclasses validated on construction, TOML round-trip, dotted keys.

Presets, the CLI's ``--set key=value``, the GUI's controls and checkpoints all go through this
model, so a field added here appears in all four. Dotted keys mirror the TOML sections:
``seed``, ``data.batch_size``, ``generator.hidden``, ``optimizer.g.lr``, ``schedule.kind``,
``training.loss``... ``optimizer.<field>`` (no network) sets the field for both networks.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import tomli_w

from ganstudio.data import CLASS_NAMES, DATASET_NAMES, TOY_NAMES
from ganstudio.engine.activations import ACTIVATIONS
from ganstudio.engine.conditioning import Conditioning, discriminator_input_size
from ganstudio.engine.gan import TrainingSpec
from ganstudio.engine.initializers import INITIALIZERS
from ganstudio.engine.losses import LOSSES
from ganstudio.engine.network import KINDS, UPSAMPLING, NetworkSpec
from ganstudio.engine.optimizers import OPTIMIZERS, OptimizerSpec
from ganstudio.engine.schedules import SCHEDULES, UNITS, ScheduleSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ALL_CLASSES = "all"  # how TOML, --set and the window say "every class" for data.classes (the model holds ())
CLASS_KEYS = ("data.classes", "view.classes")  # class subsets: "all" or distinct class numbers


class ConfigError(ValueError):
    """A config value a user gave is invalid; the message names the field and what is allowed."""


@dataclass(frozen=True)
class DataConfig:
    """dataset: one of data.DATASET_NAMES; classes: digit/class subset, () for all (written ALL_CLASSES
    in TOML, --set and dotted-key changes, where an empty list is refused); folder: the image
    folder for dataset "folder"; image_size: side of the square images a folder is resized to."""

    dataset: str = "mnist"
    classes: tuple[int, ...] = ()
    batch_size: int = 64
    folder: str = ""
    image_size: int = 28


@dataclass(frozen=True)
class GeneratorConfig:
    """kind "mlp": dense layers of `hidden` widths. kind "conv" (images only): a dense layer to
    channels[0] planes of side image_size / 2^len(channels), then one transposed convolution per
    entry of `channels` (the last to the image), each doubling the side: kernel x kernel, stride 2,
    padding kernel / 2 - 1; batch norm after every layer but the last when `batch_norm`. With
    `upsample` "nearest" each of those layers is nearest-neighbour 2x upsampling followed by a
    (kernel - 1) x (kernel - 1) convolution instead (no checkerboard; the same cost)."""

    latent_size: int = 100
    hidden: tuple[int, ...] = (128,)
    activation: str = "relu"
    output: str = "tanh"
    alpha: float = 0.2
    init: str = "xavier_normal"
    init_std: float = 0.02
    kind: str = "mlp"
    channels: tuple[int, ...] = (128, 64)
    kernel: int = 4
    batch_norm: bool = True
    upsample: str = "transposed"


@dataclass(frozen=True)
class DiscriminatorConfig:
    """kind "mlp": dense layers of `hidden` widths. kind "conv" (images only): one convolution per
    entry of `channels`, each halving the side (kernel x kernel, stride 2, padding kernel / 2 - 1),
    then a dense layer to the logit; batch norm after every conv layer but the first when
    `batch_norm`; spectral normalization of every weight when `spectral_norm`. Either kind:
    `dropout` after every hidden layer's activation while training (0 = off)."""

    hidden: tuple[int, ...] = (128,)
    activation: str = "leaky_relu"
    alpha: float = 0.2
    dropout: float = 0.0
    init: str = "xavier_normal"
    init_std: float = 0.02
    kind: str = "mlp"
    channels: tuple[int, ...] = (64, 128)
    kernel: int = 4
    batch_norm: bool = False
    spectral_norm: bool = False


@dataclass(frozen=True)
class OptimizerConfig:
    """Both networks' optimizers; each has its own kind, lr and parameters."""

    g: OptimizerSpec = OptimizerSpec()
    d: OptimizerSpec = OptimizerSpec()


@dataclass(frozen=True)
class RunOptions:
    """What a run does besides training, neither changing it: record_every: record the sample
    grid every N steps (the film a GIF is made of); insight_every: run the insight monitors
    (coverage, FID, 2D modes, warnings) every N steps, 0 for never."""

    record_every: int = 100
    insight_every: int = 500


@dataclass(frozen=True)
class ViewConfig:
    """What the window shows: grid is the sample grid's side (4..10, so up to 100 fixed-noise
    samples); classes: the rows of a conditional run's grid, one class each, () for the run's
    classes (written ALL_CLASSES, like data.classes)."""

    grid: int = 8
    classes: tuple[int, ...] = ()


@dataclass(frozen=True)
class RunConfig:
    seed: int = 0
    data: DataConfig = DataConfig()
    generator: GeneratorConfig = GeneratorConfig()
    discriminator: DiscriminatorConfig = DiscriminatorConfig()
    optimizer: OptimizerConfig = OptimizerConfig()
    schedule: ScheduleSpec = ScheduleSpec()
    training: TrainingSpec = TrainingSpec()
    run: RunOptions = RunOptions()
    view: ViewConfig = ViewConfig()

    def __post_init__(self) -> None:
        validate(self)

    # -- derived engine specs ---------------------------------------------------------------
    @property
    def value_range(self) -> tuple[float, float]:
        """The range real images are scaled to: G's output range."""
        return (0.0, 1.0) if self.generator.output == "sigmoid" else (-1.0, 1.0)

    @property
    def image_shape(self) -> tuple[int, int] | None:
        """(h, w) of the training images; None for the 2D toy distributions."""
        if self.data.dataset in TOY_NAMES:
            return None
        return (self.data.image_size, self.data.image_size)

    @property
    def data_size(self) -> int:
        """D: values per sample (h * w for images, 2 for the 2D toys)."""
        shape = self.image_shape
        return 2 if shape is None else shape[0] * shape[1]

    @property
    def n_classes(self) -> int:
        """Classes of the dataset (10 for the MNIST family), 0 for datasets without labels."""
        return len(CLASS_NAMES.get(self.data.dataset, ()))

    def conditioning(self) -> Conditioning | None:
        """How labels join G's and D's inputs (training.conditional), None for an unconditional
        run: a one-hot code of every class of the dataset; fake labels drawn from the run's
        classes. An MLP D reads the label as K more inputs, a conv D as K more image planes."""
        if not self.training.conditional:
            return None
        layout = ("image", 1, *self.image_shape) if self.discriminator.kind == "conv" else "flat"
        return Conditioning(self.n_classes, self.data.classes or tuple(range(self.n_classes)), layout)

    def generator_spec(self) -> NetworkSpec:
        g = self.generator
        output = "linear" if self.image_shape is None else g.output
        latent = g.latent_size + (self.n_classes if self.training.conditional else 0)
        if g.kind == "conv":
            conv = dict(
                kind="conv", channels=g.channels, kernel=g.kernel, batch_norm=g.batch_norm, upsample=g.upsample,
                image_shape=(1, *self.image_shape),
            )  # fmt: skip
            return NetworkSpec(latent, (), self.data_size, g.activation, output, g.alpha, g.init, g.init_std, **conv)
        return NetworkSpec(latent, g.hidden, self.data_size, g.activation, output, g.alpha, g.init, g.init_std)

    def discriminator_spec(self) -> NetworkSpec:
        d = self.discriminator
        c = self.conditioning()
        inputs = self.data_size if c is None else discriminator_input_size(self.data_size, c.n_classes, c.layout)
        if d.kind == "conv":
            planes = 1 + (0 if c is None else c.n_classes)  # a conditional conv D reads the label as K constant planes
            conv = dict(channels=d.channels, kernel=d.kernel, batch_norm=d.batch_norm, spectral_norm=d.spectral_norm)
            return NetworkSpec(
                inputs, (), 1, d.activation, "linear", d.alpha, d.init, d.init_std, d.dropout,
                kind="conv", image_shape=(planes, *self.image_shape), **conv,
            )  # fmt: skip
        return NetworkSpec(inputs, d.hidden, 1, d.activation, "linear", d.alpha, d.init, d.init_std, d.dropout)

    # -- dotted keys ------------------------------------------------------------------------
    def get(self, key: str) -> Any:
        """Value at a dotted key; `optimizer.lr` reads G's (see :func:`keys`)."""
        obj: Any = self
        for part in _resolve(key).split("."):
            obj = getattr(obj, part)
        return obj

    def with_values(self, changes: dict[str, Any]) -> RunConfig:
        """A new validated config with `changes` ({dotted key: value or string}) applied."""
        data = to_dict(self)
        for key, value in changes.items():
            for target in _targets(key):
                section = data
                *path, name = target.split(".")
                for part in path:
                    section = section[part]
                section[name] = value
        return from_dict(data)


def value_text(value: Any) -> str:
    """A config value in words, as plot markers, revert labels and `runs show` print it:
    0.001, [256, 512], all (no classes chosen), true (as TOML says it), (none) for empty text."""
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "all"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return "(none)"
    return f"{value:g}" if isinstance(value, float) else str(value)


# -- the schema: types, allowed values and ranges, by dotted key ------------------------------
CHOICES: dict[str, tuple[str, ...]] = {
    "data.dataset": DATASET_NAMES,
    "generator.kind": KINDS,
    "generator.activation": ACTIVATIONS,
    "generator.output": ("tanh", "sigmoid"),
    "generator.init": INITIALIZERS,
    "generator.upsample": UPSAMPLING,
    "discriminator.kind": KINDS,
    "discriminator.activation": ACTIVATIONS,
    "discriminator.init": INITIALIZERS,
    "optimizer.g.kind": OPTIMIZERS,
    "optimizer.d.kind": OPTIMIZERS,
    "schedule.kind": SCHEDULES,
    "schedule.unit": UNITS,
    "training.loss": LOSSES,
}

# (low, high, low inclusive, high inclusive)
RANGES: dict[str, tuple[float, float, bool, bool]] = {
    "seed": (0, 2**32 - 1, True, True),
    "data.batch_size": (1, 4096, True, True),
    "data.image_size": (8, 128, True, True),
    "generator.latent_size": (1, 1024, True, True),
    "generator.hidden": (1, 4096, True, True),
    "generator.alpha": (0.0, 1.0, True, False),
    "generator.init_std": (0.0, 10.0, False, True),
    "generator.channels": (1, 1024, True, True),
    "generator.kernel": (2, 8, True, True),
    "discriminator.hidden": (1, 4096, True, True),
    "discriminator.alpha": (0.0, 1.0, True, False),
    "discriminator.dropout": (0.0, 1.0, True, False),
    "discriminator.init_std": (0.0, 10.0, False, True),
    "discriminator.channels": (1, 1024, True, True),
    "discriminator.kernel": (2, 8, True, True),
    "lr": (0.0, 10.0, False, True),
    "beta1": (0.0, 1.0, True, False),
    "beta2": (0.0, 1.0, True, False),
    "eps": (0.0, 1.0, False, True),
    "momentum": (0.0, 1.0, True, False),
    "rho": (0.0, 1.0, True, False),
    "schedule.gamma": (0.0, 1.0, False, True),
    "schedule.step_size": (1, 10**9, True, True),
    "schedule.decay": (0.0, 1e6, True, True),
    "schedule.warmup": (0, 10**9, True, True),
    "schedule.total": (1, 10**9, True, True),
    "schedule.min_factor": (0.0, 1.0, True, True),
    "schedule.boundary": (0, 10**9, True, True),
    "schedule.factor": (0.0, 10.0, False, True),
    "training.d_steps": (1, 100, True, True),
    "training.label_smoothing": (0.0, 0.5, True, True),
    "training.clip": (0.0, 100.0, False, True),
    "training.ema_decay": (0.0, 1.0, True, False),
    "run.record_every": (1, 10**6, True, True),
    "run.insight_every": (0, 10**6, True, True),
    "view.grid": (4, 10, True, True),
}

# Keys that moved: the old name still loads (TOML files, --set, presets, checkpoints, code) and
# means the new one; only the new one is ever written.
RENAMED = {"view.record_every": "run.record_every", "view.insight_every": "run.insight_every"}

SECTIONS = {
    "data": DataConfig,
    "generator": GeneratorConfig,
    "discriminator": DiscriminatorConfig,
    "optimizer.g": OptimizerSpec,
    "optimizer.d": OptimizerSpec,
    "schedule": ScheduleSpec,
    "training": TrainingSpec,
    "run": RunOptions,
    "view": ViewConfig,
}


def keys() -> list[str]:
    """Every dotted key, e.g. ["seed", "data.dataset", ..., "optimizer.g.lr", ...]."""
    out = ["seed"]
    for section, cls in SECTIONS.items():
        out += [f"{section}.{f.name}" for f in fields(cls)]
    return out


def _resolve(key: str) -> str:
    """`optimizer.lr` -> `optimizer.g.lr` (reading), a renamed key -> its new name; other keys unchanged."""
    key = RENAMED.get(key, key)
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "optimizer" and parts[1] not in ("g", "d"):
        return f"optimizer.g.{parts[1]}"
    return key


def _targets(key: str) -> list[str]:
    """The concrete keys a (possibly shared or renamed) key writes: `optimizer.lr` -> G's and D's,
    `view.record_every` -> `run.record_every`."""
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "optimizer":
        candidates = [f"optimizer.g.{parts[1]}", f"optimizer.d.{parts[1]}"]
    else:
        candidates = [RENAMED.get(key, key)]
    valid = set(keys())
    if any(c not in valid for c in candidates):
        raise ConfigError(unknown_setting(key))
    return candidates


def unknown_setting(key: str, names: list[str] | None = None) -> str:
    """The refusal of the unknown setting `key`, naming the settings spelled closest to it
    ("did you mean optimizer.lr?") rather than all of them; `names`: the names it may have meant
    (default: every dotted key)."""
    shared = [f"optimizer.{f.name}" for f in fields(OptimizerSpec)]  # what optimizer.<field> sets for both
    close = _closest(key, names or [*shared, *keys(), *RENAMED])
    hint = f"did you mean {' or '.join(close)}?" if close else "`ganstudio config` prints every setting"
    return f"unknown setting {key!r}; {hint}"


def _closest(key: str, names: list[str]) -> list[str]:
    """Up to 3 of `names` a mistyped `key` most likely meant: those ending in `key` itself
    ("lr": optimizer.lr), else the best spelled alike (difflib's ratio at least 0.6, and within
    0.05 of the best, so "optimizer.lrr" gives optimizer.lr alone)."""
    ending = [name for name in names if name.endswith("." + key)]
    if ending:
        return ending[:3]
    scored = sorted(((difflib.SequenceMatcher(None, key, name).ratio(), name) for name in names), reverse=True)
    best = scored[0][0]
    return [name for score, name in scored if score >= max(0.6, best - 0.05)][:3]


def range_for(key: str) -> tuple[float, float, bool, bool] | None:
    """The allowed range (low, high, low inclusive, high inclusive) of the setting at a dotted
    key, None for settings without one; optimizer settings share theirs ("optimizer.g.lr" -> "lr")."""
    key = RENAMED.get(key, key)
    return RANGES.get(key) or RANGES.get(key.rsplit(".", 1)[-1] if key.startswith("optimizer.") else "")


def field_kind(key: str) -> str:
    """The type of the setting at a dotted key, by name: "int", "float", "bool", "str", or "tuple"
    (a tuple of whole numbers). Read from the dataclasses' annotations (strings here, as the
    module uses postponed annotations)."""
    if key == "seed":
        return "int"
    section, _, name = _resolve(key).rpartition(".")
    annotation = next(f.type for f in fields(SECTIONS[section]) if f.name == name)
    kind = annotation if isinstance(annotation, str) else annotation.__name__
    return "tuple" if kind.startswith("tuple") else kind


def _describe_range(rule: tuple[float, float, bool, bool]) -> str:
    low, high, low_in, high_in = rule
    return f"{'[' if low_in else '('}{low:g}, {high:g}{']' if high_in else ')'}"


def _whole(value: Any) -> int:
    """A whole number from an int, an integral float (128.0) or a numeral string ("128");
    ValueError for anything else, bools and fractions (128.7) included."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)
    return int(value)


def _coerce(key: str, kind: str, value: Any) -> Any:
    """Turn a TOML value or a command-line string into the field's type (`kind`, see
    :func:`field_kind`), or raise ConfigError.

    Strict: true is not a number, 128.7 is not a whole number, 5 is not a bool. For
    ``data.classes`` the word "all" is the only way to say every class: an empty list is refused."""
    try:
        if kind == "int":
            return _whole(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on"):
                return True
            if isinstance(value, str) and value.lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError(value)
        if kind == "str":
            if not isinstance(value, str):
                raise ValueError(value)
            return value
        # tuple[int, ...]
        items = value
        if isinstance(value, str):
            text = value.strip().strip("[]()")
            if key in CLASS_KEYS and text.lower() == ALL_CLASSES:
                return ()
            items = text.replace(",", " ").split()
        if isinstance(items, int) and not isinstance(items, bool):
            items = [items]
        values = tuple(_whole(v) for v in items)
    except (TypeError, ValueError):
        expected = {"int": "a whole number", "float": "a number", "bool": "true or false", "str": "text"}.get(
            kind,
            f'class numbers like [3] or [0, 1, 7], or "{ALL_CLASSES}"'
            if key in CLASS_KEYS
            else "a list of whole numbers like [128, 256]",
        )
        raise ConfigError(f"{key}: {value!r} is not {expected}") from None
    if key in CLASS_KEYS and not values:
        raise ConfigError(
            f'{key}: an empty list selects no class; give class numbers like [3] or "{ALL_CLASSES}" for every class'
        )
    return values


def validate(config: RunConfig) -> None:
    """Raise ConfigError naming the first invalid field and the allowed values or range."""
    for key in keys():
        value = config.get(key)
        if key in CHOICES and value not in CHOICES[key]:
            raise ConfigError(f"{key}: {value!r} is not one of {', '.join(CHOICES[key])}")
        rule = range_for(key)
        if rule is None:
            continue
        values = value if isinstance(value, tuple) else (value,)
        if key.endswith(".hidden") and not values:
            raise ConfigError(f"{key}: needs at least one hidden layer")
        if key.endswith(".channels") and not values:
            raise ConfigError(f"{key}: needs at least one conv layer")
        low, high, low_in, high_in = rule
        for v in values:
            ok = (v >= low if low_in else v > low) and (v <= high if high_in else v < high) and math.isfinite(v)
            if not ok:
                raise ConfigError(f"{key}: {v!r} is outside the allowed range {_describe_range(rule)}")
    for key in CLASS_KEYS:
        classes = config.get(key)
        if any(c < 0 or c > 9 for c in classes) or len(set(classes)) != len(classes):
            raise ConfigError(f"{key}: {list(classes)} must be distinct class numbers 0-9, or 'all'")
    if config.training.conditional and not config.n_classes:
        raise ConfigError(
            f"training.conditional: the dataset {config.data.dataset!r} has no class labels, so it cannot be conditioned; "
            f"conditional runs need a labelled dataset ({', '.join(CLASS_NAMES)})"
        )
    if config.data.dataset == "folder" and not config.data.folder:
        raise ConfigError("data.folder: the dataset 'folder' needs the path of a folder of images")
    if config.schedule.kind == "cosine" and config.schedule.total <= config.schedule.warmup:
        raise ConfigError("schedule.total: must be larger than schedule.warmup for the cosine schedule")
    for section in ("generator", "discriminator"):
        if config.get(f"{section}.kind") == "conv":
            _check_conv_fits(config, section)


def _check_conv_fits(config: RunConfig, section: str) -> None:
    """Raise ConfigError, naming the layer and the sizes, when a conv network's settings do not
    fit the image size: every layer halves (D) or doubles (G) the side with stride 2, so the
    side must be divisible by 2 once per layer, and no kernel may exceed its layer's input."""
    net = config.get(section)
    if config.image_shape is None:
        raise ConfigError(f"{section}.kind: conv needs images; {config.data.dataset} is 2D points (use mlp)")
    if net.kernel % 2:
        raise ConfigError(
            f"{section}.kernel: {net.kernel} is odd; conv layers use an even kernel (2, 4, 6 or 8), "
            "whose stride 2 and padding kernel / 2 - 1 halve or double the side exactly"
        )
    size, depth = config.data.image_size, len(net.channels)
    most = (size & -size).bit_length() - 1  # how often 2 divides the side
    if depth > most:
        layers = f"use at most {most} layer{'s' if most != 1 else ''}"
        if section == "discriminator":
            side = size >> most
            raise ConfigError(
                f"discriminator.channels: conv layer {most + 1} cannot halve its {side}x{side} input with stride 2 "
                f"({size}x{size} images halve evenly {most} times); {layers}"
            )
        raise ConfigError(
            f"generator.channels: {depth} conv-transpose layers would start from {size}/{2**depth} = "
            f"{size / 2**depth:g} pixels a side ({size}x{size} images halve evenly {most} times); {layers}"
        )
    for i in range(depth):  # each layer's input side
        side = size >> i if section == "discriminator" else size >> (depth - i)
        if net.kernel > side:
            if section == "discriminator":
                kind = "conv"
            else:
                kind = "conv-transpose" if net.upsample == "transposed" else "upsampling"
            raise ConfigError(
                f"{section}.kernel: {net.kernel}x{net.kernel} is larger than {kind} layer {i + 1}'s {side}x{side} input"
            )


# -- dict / TOML ---------------------------------------------------------------------------------
def to_dict(config: RunConfig) -> dict[str, Any]:
    """Nested plain dict mirroring the TOML layout (tuples become lists; every class is ALL_CLASSES)."""
    out: dict[str, Any] = {"seed": config.seed}
    for section in SECTIONS:
        obj = config.get(section)
        target = out
        *path, name = section.split(".")
        for part in path:
            target = target.setdefault(part, {})
        target[name] = {f.name: (list(v) if isinstance(v := getattr(obj, f.name), tuple) else v) for f in fields(obj)}
    for key in CLASS_KEYS:
        if not config.get(key):
            section, name = key.split(".")
            out[section][name] = ALL_CLASSES
    return out


def _table(value: Any, section: str) -> dict[str, Any]:
    """A section's settings, or ConfigError when the section was given as a value (`data = 5`)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{section}: {value!r} is not a section of settings; write [{section}] and key = value lines below it")
    return value


def from_dict(data: dict[str, Any]) -> RunConfig:
    """Build and validate a config from a nested dict (as read from TOML). Missing fields take
    their defaults; `optimizer.<field>` applies to both networks; unknown keys are errors."""
    data = dict(data)
    known_top = {"seed", "data", "generator", "discriminator", "optimizer", "schedule", "training", "run", "view"}
    for name in data:
        if name not in known_top:
            raise ConfigError(f"unknown setting {name!r}; top-level sections are: {', '.join(sorted(known_top))}")
    data = _renamed_to_new(data)
    seed = _coerce("seed", "int", data.get("seed", 0))
    optimizer = _table(data.get("optimizer", {}), "optimizer")
    shared = {k: v for k, v in optimizer.items() if k not in ("g", "d")}
    sections: dict[str, Any] = {}
    for section, cls in SECTIONS.items():
        if section.startswith("optimizer."):
            raw = {**shared, **_table(optimizer.get(section.split(".")[1], {}), section)}
        else:
            raw = _table(data.get(section, {}), section)
        by_name = {f.name: f for f in fields(cls)}
        values = {}
        for name, value in raw.items():
            if name not in by_name:
                raise ConfigError(f"unknown setting '{section}.{name}'; {section} has: {', '.join(by_name)}")
            values[name] = _coerce(f"{section}.{name}", field_kind(f"{section}.{name}"), value)
        sections[section] = cls(**values)
    return RunConfig(
        seed=seed,
        data=sections["data"],
        generator=sections["generator"],
        discriminator=sections["discriminator"],
        optimizer=OptimizerConfig(sections["optimizer.g"], sections["optimizer.d"]),
        schedule=sections["schedule"],
        training=sections["training"],
        run=sections["run"],
        view=sections["view"],
    )


def _renamed_to_new(data: dict[str, Any]) -> dict[str, Any]:
    """`data` (a nested dict as read from TOML) with the settings of RENAMED keys moved to their
    new place: `[view] record_every = 50` becomes `[run] record_every = 50`. Giving a setting
    under both names is an error (which one was meant?)."""
    for old, new in RENAMED.items():
        (old_section, old_name), (new_section, new_name) = old.split("."), new.split(".")
        section = data.get(old_section)
        if not isinstance(section, dict) or old_name not in section:
            continue
        target = _table(data.get(new_section, {}), new_section)
        if new_name in target:
            raise ConfigError(f"{old} is the old name of {new}; give {new} only")
        data[old_section] = {k: v for k, v in section.items() if k != old_name}
        data[new_section] = {**target, new_name: section[old_name]}
    return data


def to_toml(config: RunConfig) -> str:
    return tomli_w.dumps(to_dict(config))


def from_toml(text: str, source: str = "config") -> RunConfig:
    return from_dict(parse_toml(text, source))


# A config file may name the preset it started from in a top-level `preset = "NAME"` line
# (`ganstudio config` writes it): a run trained on the file records that preset and is named after
# it. Outside the config itself, because it says where the settings came from, not what they are.
ORIGIN_KEY = "preset"
ORIGIN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # it becomes part of a run folder's name


def load_toml(path: str | Path) -> RunConfig:
    """The config in the TOML file `path` (see :func:`load_config_file`)."""
    return load_config_file(path)[0]


def load_config_file(path: str | Path) -> tuple[RunConfig, str | None]:
    """The config in the TOML file `path` and the preset its ORIGIN_KEY names (None when it names
    none). ConfigError naming the file for a file that cannot be read, a bad setting or origin."""
    path = Path(path)
    try:
        text = read_toml_text(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc.strerror or exc})") from None
    data = parse_toml(text, str(path))
    origin = data.pop(ORIGIN_KEY, None)
    if origin is not None and not (isinstance(origin, str) and ORIGIN_PATTERN.fullmatch(origin)):
        raise ConfigError(
            f"{path}: {ORIGIN_KEY} = {origin!r}: the preset this config came from is a name of letters, digits, '.', '-' and '_'"
        )
    try:
        return from_dict(data), origin
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


# -- reading TOML: every TOML text the app reads (config files, run.toml, presets, settings,
# checkpoints' configs) goes through these two, so a hostile file is one ConfigError naming it.
MAX_TOML_BYTES = 16 * 2**20  # GAN Studio writes kilobytes; a run.toml of 250,000 logged changes is 16 MB
MAX_TOML_DEPTH = 32  # tables and arrays within each other; GAN Studio's own files nest at most 5 deep


def read_toml_text(path: Path) -> str:
    """The text of the TOML file `path`. OSError passes through (the caller says what the file
    was for); ConfigError naming the file when it is larger than MAX_TOML_BYTES (read no
    further: a FIFO or /dev/zero never ends) or not UTF-8."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_TOML_BYTES + 1)
    if len(data) > MAX_TOML_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_TOML_BYTES // 2**20} MB, more than any GAN Studio file holds; not read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """The tables of the TOML `text`, read from `source` (a file's path, "preset vanilla"...).
    ConfigError naming `source` for text that is not TOML, or whose tables and arrays nest more
    than MAX_TOML_DEPTH deep: tomllib recurses per level (RecursionError past ~300), and so
    would every reader of the result."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        data = None
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4,300 digits
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    if data is None or _nested_deeper_than(data, MAX_TOML_DEPTH):
        raise ConfigError(f"{source}: tables or arrays nested more than {MAX_TOML_DEPTH} deep; not a GAN Studio file")
    return data


def _nested_deeper_than(data: dict[str, Any], limit: int) -> bool:
    """Whether tables (dicts) or arrays (lists) lie more than `limit` levels deep in `data`
    (counting `data` as level 1), walked level by level rather than by recursion."""
    level: list[Any] = [data]
    for _ in range(limit):
        level = [c for x in level for c in (x.values() if isinstance(x, dict) else x) if isinstance(c, (dict, list))]
        if not level:
            return False
    return True


def parse_assignment(text: str) -> tuple[str, str]:
    """`key=value` from the command line -> (key, value string)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {text!r}: expected key=value, e.g. optimizer.lr=1e-3")
    return key.strip(), value.strip()
