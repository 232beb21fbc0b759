"""Tooltips: what each control does, by dotted config key."""

HELP = {
    "seed": "Random seed. The same seed gives the same run, bit for bit. Applies at Reset.",
    "data.dataset": "What G learns to imitate: MNIST-family digits/clothes/characters (downloaded once), "
    "synthetic-digits (drawn by GAN Studio, no network), 2D toy distributions, or a folder of your images.",
    "data.classes": "Train on these classes only (e.g. just 3s); All = every class. Live.",
    "data.batch_size": "Real samples per discriminator step (and fakes per step). Live.",
    "data.folder": "The folder of PNG/JPEG images for the 'folder' dataset.",
    "data.image_size": "Side of the square images (folder images are resized to it).",
    "generator.latent_size": "Size of the noise vector z that G turns into a sample. Needs Apply.",
    "generator.kind": "G's architecture: mlp (dense layers) or conv (a dense layer to small planes, then "
    "transposed convolutions that double the side up to the image: a DCGAN generator). Needs Apply.",
    "generator.hidden": "G's hidden layer widths, e.g. 256, 512 (two layers). Needs Apply (rebuilds G only).",
    "generator.channels": "Channels of G's conv layers, e.g. 128, 64: a dense layer to 128 planes of 7x7, then "
    "transposed convolutions to 64 planes of 14x14 and to the 28x28 image. Each layer doubles the side. Needs Apply.",
    "generator.kernel": "Kernel side of G's transposed convolutions (even; stride 2, padding kernel/2 - 1). With "
    "nearest upsampling, each conv is (kernel - 1) x (kernel - 1). Needs Apply.",
    "generator.upsample": "How G's conv layers double the side. transposed: a stride-2 transposed convolution "
    "(DCGAN's). nearest: nearest-neighbour 2x upsampling, then a (kernel - 1) x (kernel - 1) convolution, 3x3 for "
    "kernel 4 (the resize-convolution: its four output phases share weights, so it draws no checkerboard), computed "
    "at the transposed one's cost. Needs Apply.",
    "generator.batch_norm": "Batch normalization after every G layer but the last (DCGAN's recipe). Needs Apply.",
    "generator.activation": "Nonlinearity after each hidden layer of G. Needs Apply.",
    "generator.alpha": "Negative slope of LeakyReLU (or ELU's scale). Needs Apply.",
    "generator.output": "G's output: tanh (data in -1..1) or sigmoid (data in 0..1). Needs Apply.",
    "generator.init": "How G's weights are initialised. Needs Apply.",
    "generator.init_std": "Standard deviation of the 'normal' initialiser. Needs Apply.",
    "discriminator.kind": "D's architecture: mlp (dense layers) or conv (strided convolutions that halve the "
    "side, then a dense layer to the logit: a DCGAN discriminator). Needs Apply.",
    "discriminator.hidden": "D's hidden layer widths. Needs Apply (rebuilds D only).",
    "discriminator.channels": "Channels of D's conv layers, e.g. 64, 128: 64 planes of 14x14, then 128 of 7x7 "
    "for 28x28 images. Each layer halves the side. Needs Apply.",
    "discriminator.kernel": "Kernel side of D's convolutions (even; stride 2, padding kernel/2 - 1). Needs Apply.",
    "discriminator.batch_norm": "Batch normalization after every D conv layer but the first. Needs Apply.",
    "discriminator.spectral_norm": "Spectral normalization of D's weights (one power iteration per pass): "
    "keeps D smooth, a common stabiliser. Needs Apply.",
    "discriminator.activation": "Nonlinearity after each hidden layer of D. Needs Apply.",
    "discriminator.alpha": "Negative slope of LeakyReLU (or ELU's scale). Needs Apply.",
    "discriminator.dropout": "Dropout after each of D's hidden layers (dense or conv) while training (0 = off). Needs Apply.",
    "discriminator.init": "How D's weights are initialised. Needs Apply.",
    "discriminator.init_std": "Standard deviation of the 'normal' initialiser. Needs Apply.",
    "kind": "The optimizer. Changing it starts a fresh optimizer state. Live.",
    "lr": "Base learning rate (the schedule multiplies it). Live: the optimizer keeps its state.",
    "beta1": "Adam's first-moment decay (0.5 is the GAN classic, 0.9 the default). Live.",
    "beta2": "Adam's second-moment decay. Live.",
    "eps": "Numerical floor in Adam/RMSprop's denominator. Live.",
    "momentum": "Momentum of SGD with momentum. Live.",
    "nesterov": "Use Nesterov's look-ahead momentum. Live.",
    "rho": "RMSprop's squared-gradient decay. Live.",
    "schedule.kind": "How the learning rates change over training (a factor on both base lrs). Live.",
    "schedule.unit": "Whether the schedule counts steps or epochs. Live.",
    "schedule.gamma": "Decay factor (step: per step_size; exponential: per step/epoch). Live.",
    "schedule.step_size": "Steps/epochs between decays of the step schedule. Live.",
    "schedule.decay": "Inverse-time decay: lr / (1 + decay * t). Live.",
    "schedule.warmup": "Cosine: linear warm-up length. Live.",
    "schedule.total": "Cosine: where the cosine reaches its floor. Live.",
    "schedule.min_factor": "Cosine: the floor, as a fraction of the base lr. Live.",
    "schedule.boundary": "Two-phase: when the lr drops. Live.",
    "schedule.factor": "Two-phase: the factor the lr drops by (0.01 = 100x lower). Live.",
    "training.loss": "The GAN objective. non_saturating is the usual choice; minimax is the paper's "
    "original (its G gradient vanishes early); least_squares, hinge and wasserstein are alternatives. Live.",
    "training.d_steps": "Discriminator updates per generator update (k). Live.",
    "training.label_smoothing": "One-sided label smoothing: real targets become 1 - this. Tames an overconfident D. Live.",
    "training.clip": "Wasserstein loss: D's weights are clipped to +-this. Live.",
    "training.ema": "Keep an exponential moving average of G's weights: smoother, better samples. Live.",
    "training.ema_decay": "How slowly the EMA follows G (0.999 = ~1000-step memory once past its ~9,000-step warm-up). Live.",
    "training.conditional": "Class-conditional GAN: G gets the class label with its noise, D with the image, "
    "so you can ask for a 7. Labelled datasets only. Needs Apply to G and D (rebuilds both).",
    "view.grid": "Side of the sample grid (4x4 to 10x10). Live.",
    "view.classes": "Conditional runs: the classes shown, one row each; All = the run's classes. Live.",
    "run.record_every": "Record the sample grid every N steps for GIF export. Live.",
}


def help_for(key: str) -> str:
    return HELP.get(key) or HELP.get(key.rsplit(".", 1)[-1], "")
