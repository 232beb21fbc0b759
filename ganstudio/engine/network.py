"""Network specs and the networks they build: multilayer perceptrons here, conv nets in
engine/convnet.py; :func:`build_network` picks by `spec.kind`, :func:`describe` gives the layer
table of either."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganstudio.engine.activations import make_activation
from ganstudio.engine.convnet import ConvNet, LayerRow, build_layers
from ganstudio.engine.layers import Dense, Dropout
from ganstudio.engine.params import ParamBlock

KINDS = ("mlp", "conv")
UPSAMPLING = ("transposed", "nearest")  # how a conv G doubles its side (engine/conv.py)


@dataclass(frozen=True)
class NetworkSpec:
    """Architecture of one network.

    For G: input_size is the latent size and output_size the data dimension (784 for MNIST);
    for D: input_size is the data dimension and output_size is 1 (a logit, `linear` output).
    `alpha` is LeakyReLU's negative slope (or ELU's scale); `dropout` applies after every hidden
    activation while training (used for D).

    kind "mlp" uses `hidden`; kind "conv" (engine/convnet.py) uses `channels` (one conv layer
    each), `kernel` (even; stride 2, padding kernel / 2 - 1), `batch_norm`, `spectral_norm` (D
    only), `upsample` (G only: "transposed" convolutions or "nearest" upsampling + convolution,
    see engine/conv.py) and `image_shape` = (C, H, W) of the image side: G's output, D's input. A conditional
    conv D takes C = image channels + classes (the label as constant planes). Either way the
    network reads and writes flat rows, images flattened NCHW row-major:
    input_size / output_size = C H W on the image side.
    """

    input_size: int
    hidden: tuple[int, ...]
    output_size: int
    hidden_activation: str = "leaky_relu"
    output_activation: str = "linear"
    alpha: float = 0.2
    init: str = "xavier_normal"
    init_std: float = 0.02
    dropout: float = 0.0
    kind: str = "mlp"
    channels: tuple[int, ...] = ()
    kernel: int = 4
    batch_norm: bool = False
    spectral_norm: bool = False
    upsample: str = "transposed"
    image_shape: tuple[int, int, int] | None = None

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths from input to output, e.g. (100, 128, 784)."""
        return (self.input_size, *self.hidden, self.output_size)


class MLP:
    """Dense layers with activations (and optional dropout), parameters in one flat block.

    ``params.values`` / ``params.grads``: float32 (n_params,), what optimizers update in place.
    """

    def __init__(self, spec: NetworkSpec, rng: np.random.Generator, dtype: type = np.float32) -> None:
        self.spec = spec
        self.params = ParamBlock(dtype)
        self.buffers = ParamBlock(dtype)  # none: an MLP keeps no running statistics
        sizes = spec.sizes
        self.layers = [Dense(a, b, self.params) for a, b in zip(sizes[:-1], sizes[1:])]
        self.params.finalize()
        self.buffers.finalize()
        last = len(self.layers) - 1
        self.activations = [
            make_activation(spec.output_activation if i == last else spec.hidden_activation, spec.alpha)
            for i in range(len(self.layers))
        ]
        self.dropouts = [Dropout(spec.dropout) if spec.dropout > 0 and i < last else None for i in range(len(self.layers))]
        self._outputs: list[np.ndarray] = []
        for layer in self.layers:
            layer.initialize(spec.init, rng, spec.init_std)

    def release_buffers(self) -> None:
        for layer in self.layers:
            layer.release_buffers()
        for drop in self.dropouts:
            if drop is not None:
                drop.release_buffers()

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None, groups: int = 1) -> np.ndarray:
        """Training forward pass. x: (batch, input_size) -> (batch, output_size), a reused
        buffer. Keeps every layer's output for :meth:`backward`; `rng` draws dropout masks.
        `groups` (batch norm's, see ConvNet.forward) changes nothing here: an MLP has none."""
        outputs = []
        h = x
        for layer, act, drop in zip(self.layers, self.activations, self.dropouts):
            y = act.forward(layer.forward(h))
            outputs.append(y)  # the activation's output, unmasked: its backward needs it
            h = y if drop is None else drop.forward(y, rng)
        self._outputs = outputs
        return h

    def backward(self, dy: np.ndarray, need_input_grad: bool = False, need_param_grads: bool = True) -> np.ndarray | None:
        """dy: dL/d(output) (batch, output_size), overwritten. Writes parameter gradients into
        ``params.grads`` when `need_param_grads`; returns dL/dx (batch, input_size) when
        `need_input_grad`."""
        grad = dy
        for i in range(len(self.layers) - 1, -1, -1):
            if self.dropouts[i] is not None:
                grad = self.dropouts[i].backward(grad)
            grad = self.activations[i].backward(grad, self._outputs[i])
            grad = self.layers[i].backward(grad, need_dx=i > 0 or need_input_grad, need_param_grads=need_param_grads)
        return grad

    has_batch_norm = False  # (a conv net's may: see ConvNet.standing_statistics)

    def predict(self, x: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """Inference: x (batch, input_size) -> new array (batch, output_size); no dropout, no
        cache. `params` (n_params,) evaluates other weights of this layout (e.g. the EMA)."""
        flat = self.params.values if params is None else params
        h = np.asarray(x, self.params.dtype)
        for layer, act in zip(self.layers, self.activations):
            h = act.forward(layer.predict(h, flat))
        return h


def build_network(spec: NetworkSpec, rng: np.random.Generator, dtype: type = np.float32) -> MLP | ConvNet:
    """The network `spec` describes (an MLP or a ConvNet), initialised from `rng`."""
    if spec.kind == "conv":
        return ConvNet(spec, rng, dtype)
    if spec.kind == "mlp":
        return MLP(spec, rng, dtype)
    raise ValueError(f"unknown network kind {spec.kind!r}; choose one of {', '.join(KINDS)}")


def describe(spec: NetworkSpec) -> list[LayerRow]:
    """The layer table of a network of `spec` without building it (nothing is allocated): one
    row per weight layer (with its batch norm and activation), its output shape per sample and
    its parameter count. For the window's Generator / Discriminator groups and the memory estimate."""
    if spec.kind == "conv":
        return build_layers(spec, ParamBlock(), ParamBlock())[1]
    sizes, rows = spec.sizes, []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        activation = spec.output_activation if i == len(sizes) - 2 else spec.hidden_activation
        rows.append(LayerRow(f"dense + {activation}", (b,), a * b + b))
    return rows
