"""What each setting is, in one short phrase, by dotted key: the comments of the TOML that
`ganstudio config` writes. The window's tooltips (gui/window/help_texts.py) are longer: they
also say when a change applies (live, at Apply, at Reset)."""

from __future__ import annotations

from ganstudio.config.model import CHOICES

# optimizer fields are described once, as `optimizer.<field>`, for G's and D's optimizer alike
DESCRIPTIONS: dict[str, str] = {
    "seed": "random seed: the same seed gives the same run, bit for bit",
    "data.dataset": "what G learns to imitate",
    "data.classes": 'train on these classes only, e.g. [3], or "all"',
    "data.batch_size": "real samples per discriminator step",
    "data.folder": "the folder of PNG/JPEG images of the folder dataset",
    "data.image_size": "side of the square images, in pixels (others are resized to it)",
    "generator.latent_size": "size of the noise vector z that G turns into a sample",
    "generator.hidden": "G's hidden layer widths, e.g. [256, 512]",
    "generator.activation": "nonlinearity after each hidden layer of G",
    "generator.output": "G's output layer: data in -1..1 (tanh) or 0..1 (sigmoid)",
    "generator.alpha": "negative slope of leaky_relu, or elu's scale",
    "generator.init": "how G's weights are initialised",
    "generator.init_std": "standard deviation of the normal initialiser",
    "generator.kind": "G's architecture: dense layers, or transposed convolutions (DCGAN)",
    "generator.channels": "channels of G's transposed conv layers; each doubles the side",
    "generator.kernel": "kernel side of G's transposed convolutions (even); nearest upsampling convolves with kernel - 1",
    "generator.upsample": "how G's conv layers double the side: transposed convolutions, or nearest-neighbour "
    "upsampling + convolution (no checkerboard, same cost)",
    "generator.batch_norm": "batch normalization after every G layer but the last",
    "discriminator.hidden": "D's hidden layer widths, e.g. [512, 256]",
    "discriminator.activation": "nonlinearity after each hidden layer of D",
    "discriminator.alpha": "negative slope of leaky_relu, or elu's scale",
    "discriminator.dropout": "dropout after each of D's hidden layers (dense or conv) while training (0 = off)",
    "discriminator.init": "how D's weights are initialised",
    "discriminator.init_std": "standard deviation of the normal initialiser",
    "discriminator.kind": "D's architecture: dense layers, or strided convolutions (DCGAN)",
    "discriminator.channels": "channels of D's conv layers; each halves the side",
    "discriminator.kernel": "kernel side of D's convolutions (even)",
    "discriminator.batch_norm": "batch normalization after every D conv layer but the first",
    "discriminator.spectral_norm": "spectral normalization of D's weights: keeps D smooth",
    "optimizer.kind": "the optimizer",
    "optimizer.lr": "base learning rate (the schedule multiplies it)",
    "optimizer.beta1": "Adam's first-moment decay (0.5 is the GAN classic)",
    "optimizer.beta2": "Adam's second-moment decay",
    "optimizer.eps": "numerical floor in the denominator of Adam and RMSprop",
    "optimizer.momentum": "momentum of SGD with momentum",
    "optimizer.nesterov": "Nesterov's look-ahead momentum",
    "optimizer.rho": "RMSprop's squared-gradient decay",
    "schedule.kind": "how both learning rates change over training",
    "schedule.unit": "whether the schedule counts steps or epochs",
    "schedule.gamma": "decay factor: per step_size (step), per step or epoch (exponential)",
    "schedule.step_size": "steps or epochs between decays",
    "schedule.decay": "lr / (1 + decay * t)",
    "schedule.warmup": "length of the linear warm-up",
    "schedule.total": "where the cosine reaches its floor",
    "schedule.min_factor": "the cosine's floor, as a fraction of the base lr",
    "schedule.boundary": "when the lr drops",
    "schedule.factor": "what the lr is multiplied by after the boundary (0.01 = 100x lower)",
    "training.loss": "the GAN objective",
    "training.d_steps": "discriminator updates per generator update",
    "training.label_smoothing": "one-sided label smoothing: real targets become 1 - this",
    "training.clip": "D's weights are clipped to +-this (wasserstein loss)",
    "training.ema": "keep an exponential moving average of G's weights for sampling",
    "training.ema_decay": "how slowly the EMA follows G (0.999: ~1000-step memory once past its ~9,000-step warm-up)",
    "training.conditional": "G and D get the class label: ask G for a 7",
    "run.record_every": "record the sample grid every N steps (the frames of a GIF)",
    "run.insight_every": "measure coverage, FID, modes and warnings every N steps (0 = never)",
    "view.grid": "side of the window's sample grid (4 to 10)",
    "view.classes": 'conditional runs: the classes of the grid\'s rows, or "all"',
}


def describe(key: str) -> str:
    """The phrase describing the setting at the dotted `key` ("optimizer.g.lr" reads
    "optimizer.lr"), with its allowed values when it has a fixed set: "the GAN objective
    (minimax | non_saturating | ...)"."""
    parts = key.split(".")
    shared = f"optimizer.{parts[-1]}" if parts[0] == "optimizer" else key
    text = DESCRIPTIONS[shared]
    return f"{text} ({' | '.join(CHOICES[key])})" if key in CHOICES else text
