"""Which settings a config uses: beta1 only for Adam, channels only for a conv network, a
schedule's fields only for its kind. `ganstudio config` leaves the others out of the file it
writes, and the window's controls hide them by the same rule."""

from __future__ import annotations

from ganstudio.config.model import RunConfig
from ganstudio.data import CLASS_NAMES

OPTIMIZER_FIELDS = {"sgd": (), "momentum": ("momentum", "nesterov"), "rmsprop": ("rho", "eps"), "adam": ("beta1", "beta2", "eps")}
SCHEDULE_FIELDS = {
    "constant": (),
    "step": ("unit", "gamma", "step_size"),
    "exponential": ("unit", "gamma"),
    "inverse_time": ("unit", "decay"),
    "cosine": ("unit", "warmup", "total", "min_factor"),
    "two_phase": ("unit", "boundary", "factor"),
}
CONV_FIELDS = ("channels", "kernel", "batch_norm", "spectral_norm", "upsample")
MLP_FIELDS = ("hidden",)


def applies(key: str, config: RunConfig) -> bool:
    """Whether the setting at the concrete dotted `key` ("optimizer.g.beta1", not
    "optimizer.beta1") changes what `config` trains or shows, given its other choices."""
    section, _, name = key.rpartition(".")
    if section in ("generator", "discriminator"):
        return _network_field_applies(section, name, config)
    if section.startswith("optimizer."):
        return name in ("kind", "lr") or name in OPTIMIZER_FIELDS[config.get(section + ".kind")]
    if section == "schedule":
        return name == "kind" or name in SCHEDULE_FIELDS[config.schedule.kind]
    if key in ("data.classes", "training.conditional"):
        return config.data.dataset in CLASS_NAMES  # the labelled datasets
    if key == "data.folder":
        return config.data.dataset == "folder"
    if key == "data.image_size":
        return config.image_shape is not None
    if key == "training.clip":
        return config.training.loss == "wasserstein"
    if key == "training.ema_decay":
        return config.training.ema
    if key == "view.classes":
        return config.training.conditional
    return True


def _network_field_applies(section: str, name: str, config: RunConfig) -> bool:
    """`applies` for a field `name` of the "generator" or "discriminator" section."""
    if name in CONV_FIELDS:
        return config.get(section + ".kind") == "conv"
    if name in MLP_FIELDS:
        return config.get(section + ".kind") == "mlp"
    if name == "alpha":
        return config.get(section + ".activation") in ("leaky_relu", "elu")
    if name == "init_std":
        return config.get(section + ".init") == "normal"
    if name == "output":
        return config.image_shape is not None  # 2D points come out of a linear layer
    return True
