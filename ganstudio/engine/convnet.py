"""Convolutional generator and discriminator (DCGAN-style) built from a :class:`NetworkSpec`.

The interface is the MLP's: a flat float32 input (batch, input_size) and a flat output
(batch, output_size); ``forward`` (training: batch statistics, a power iteration), ``backward``,
``predict`` (inference: running statistics, no iteration), ``params`` and ``release_buffers``.
Images cross the interface flattened NCHW row-major (what the data pipeline and the sample grid
use); inside, activations are NHWC (see engine/conv.py).

Layout, with `channels` = (c_1, ..., c_k), an image of (C, H, W) and every conv layer doubling
(G) or halving (D) the side with stride 2 and padding kernel / 2 - 1:

- G: Dense(latent -> c_1 (H/2^k) (W/2^k)) -> reshape -> [BN] -> act, then for i = 1..k
  ConvTranspose(c_i -> c_{i+1}, c_{k+1} = C) -> [BN] -> act, the last with the output activation;
  with `spec.upsample` "nearest", each ConvTranspose is nearest-neighbour 2x upsampling + a
  (kernel - 1) x (kernel - 1) convolution (conv.UpsampleConv2d, at the transposed one's cost).
- D: for i = 1..k Conv(c_{i-1} -> c_i, c_0 = C) -> [BN, not on the first] -> act -> [dropout],
  then flatten -> Dense(-> 1); with spectral norm on every conv and the dense weight. Dropout
  (`spec.dropout` > 0) masks single units of the NHWC activations, like the MLP's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganstudio.engine import kernels
from ganstudio.engine.activations import make_activation
from ganstudio.engine.buffers import BufferPool
from ganstudio.engine.conv import Conv2d, ConvTranspose2d, UpsampleConv2d
from ganstudio.engine.layers import Dense, Dropout
from ganstudio.engine.norm import BatchNorm
from ganstudio.engine.params import ParamBlock

PREDICT_CHUNK = 256  # rows per inference pass: a 10,000-sample FID batch would need GBs of im2col columns at once


def conv_padding(kernel: int) -> int:
    """Padding of a stride-2 layer with an even kernel so that it halves (conv) or doubles
    (transposed conv) the side exactly: kernel / 2 - 1 (4x4 -> 1)."""
    return kernel // 2 - 1


@dataclass(frozen=True)
class LayerRow:
    """One line of a network's layer table: what the layer is, its output shape per sample
    ((features,) or (C, H, W)) and its trainable parameter count; `floats`: per sample, what its
    training buffers hold (outputs, padded copies, im2col columns, gradients; not the few-sample
    chunks of conv.transposed_product), for the memory estimate."""

    name: str
    shape: tuple[int, ...]
    params: int
    floats: int = 0


class Reshape:
    """Flat rows <-> NHWC images. `nchw`: the flat side is NCHW row-major (the interface's
    order; a transposing copy when C > 1), else NHWC row-major (a view; inside a network, where
    the neighbouring dense layer can learn any order). `to_image`: the direction of forward."""

    def __init__(self, image: tuple[int, int, int], to_image: bool, nchw: bool, dtype: np.dtype) -> None:
        self.c, self.h, self.w = image
        self.to_image, self.nchw = to_image, nchw and image[0] > 1
        self._pool = BufferPool(dtype)

    def _to_image(self, flat: np.ndarray, pool: BufferPool | None) -> np.ndarray:
        n = flat.shape[0]
        if not self.nchw:
            return flat.reshape(n, self.h, self.w, self.c)
        out = (pool or BufferPool(flat.dtype)).get("image", (n, self.h, self.w, self.c))
        np.copyto(out, flat.reshape(n, self.c, self.h, self.w).transpose(0, 2, 3, 1))
        return out

    def _to_flat(self, image: np.ndarray, pool: BufferPool | None) -> np.ndarray:
        n = image.shape[0]
        if not self.nchw:
            return image.reshape(n, -1)
        out = (pool or BufferPool(image.dtype)).get("flat", (n, self.c, self.h, self.w))
        np.copyto(out, image.transpose(0, 3, 1, 2))
        return out.reshape(n, -1)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self._to_image(x, self._pool) if self.to_image else self._to_flat(x, self._pool)

    def backward(self, dy: np.ndarray, need_dx: bool, need_param_grads: bool) -> np.ndarray | None:
        if not need_dx:
            return None
        return self._to_flat(dy, self._pool) if self.to_image else self._to_image(dy, self._pool)

    def predict(self, x: np.ndarray, flat: np.ndarray) -> np.ndarray:
        return self._to_image(x, None) if self.to_image else self._to_flat(x, None)

    def release_buffers(self) -> None:
        self._pool.clear()


class Act:
    """An activation as a layer: in place on its input buffer, keeping its output for backward."""

    def __init__(self, name: str, alpha: float) -> None:
        self.activation = make_activation(name, alpha)
        self._y: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = self.activation.forward(x)
        return self._y

    def backward(self, dy: np.ndarray, need_dx: bool, need_param_grads: bool) -> np.ndarray:
        return self.activation.backward(dy, self._y)

    def predict(self, x: np.ndarray, flat: np.ndarray) -> np.ndarray:
        return self.activation.forward(x)  # x is always a fresh array of the layer before

    def release_buffers(self) -> None:
        self._y = None


class Drop:
    """Dropout as a layer, in training passes only; its masks come from the rng of
    :meth:`ConvNet.forward`."""

    def __init__(self, rate: float) -> None:
        self.dropout = Dropout(rate)

    def forward(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.dropout.forward(x, rng)

    def backward(self, dy: np.ndarray, need_dx: bool, need_param_grads: bool) -> np.ndarray:
        return self.dropout.backward(dy)

    def predict(self, x: np.ndarray, flat: np.ndarray) -> np.ndarray:
        return x

    def release_buffers(self) -> None:
        self.dropout.release_buffers()


class _Builder:
    """Collects the layers of a conv net and its layer table, tracking the shape per sample."""

    def __init__(self, spec, params: ParamBlock, buffers: ParamBlock) -> None:
        self.spec, self.params, self.buffers = spec, params, buffers
        self.layers: list = []
        self.rows: list[LayerRow] = []
        self.size = spec.input_size  # per sample, of the latest layer's output

    def add(
        self,
        name,
        shape,
        weight,
        *,
        reshape: Reshape | None = None,
        norm: bool = False,
        activation: str | None = None,
        dropout: float = 0.0,
    ) -> None:
        """A weight layer with its optional reshape, batch norm, activation and dropout: one row of
        the table."""
        self.layers.append(weight)
        if reshape is not None:
            self.layers.append(reshape)
        count = weight.parameter_count()
        if norm:
            bn = BatchNorm(shape[0], self.params, self.buffers)
            self.layers.append(bn)
            count += bn.parameter_count()
            name += " + BN"
        if activation is not None:
            self.layers.append(Act(activation, self.spec.alpha))
            name += f" + {activation}"
        if dropout > 0:
            self.layers.append(Drop(dropout))
            name += f" + dropout {dropout:g}"
        out, inp = int(np.prod(shape)), self.size  # per sample
        if isinstance(weight, Conv2d):  # columns, output, input gradient; padded copies where NumPy pads
            padded = 2 * inp if kernels.pads(weight.in_channels) else 0  # the input (im2col), its gradient (scatter)
            floats = padded + inp + out + weight.kernel**2 * weight.in_channels * shape[1] * shape[2]
        elif isinstance(weight, ConvTranspose2d):  # output, its gradient's columns, input gradient; padded copies
            padded = 2 * out if kernels.pads(weight.out_channels) else 0  # the output (scatter), its gradient (im2col)
            floats = padded + inp + out + weight.kernel**2 * weight.out_channels * (shape[1] // 2) * (shape[2] // 2)
        else:  # dense: output and input gradient
            floats = out + inp
        floats += 4 * out if norm else 0  # batch norm: normalised input, squares, output, gradient
        floats += 2 * out if dropout > 0 else 0  # its mask and masked output
        self.size = out
        self.rows.append(LayerRow(name, shape, count, floats))


def build_layers(spec, params: ParamBlock, buffers: ParamBlock) -> tuple[list, list[LayerRow]]:
    """The layers of a conv net of `spec` (parameters reserved in `params`, running statistics
    and power-iteration vectors in `buffers`, neither finalized here) and its layer table."""
    b = _Builder(spec, params, buffers)
    c, h, w = spec.image_shape
    k, pad, depth = spec.kernel, conv_padding(spec.kernel), len(spec.channels)
    dtype = params.dtype
    hidden, output = spec.hidden_activation, spec.output_activation
    if spec.output_size == 1:  # the discriminator
        sn = buffers if spec.spectral_norm else None
        suffix = " SN" if spec.spectral_norm else ""
        b.layers.append(Reshape((c, h, w), to_image=True, nchw=True, dtype=dtype))
        prev = c
        for i, ch in enumerate(spec.channels):
            h, w = h // 2, w // 2
            conv = Conv2d(prev, ch, k, 2, pad, params, sn)
            norm = spec.batch_norm and i > 0
            b.add(f"conv {k}x{k} /2{suffix}", (ch, h, w), conv, norm=norm, activation=hidden, dropout=spec.dropout)
            prev = ch
        b.layers.append(Reshape((prev, h, w), to_image=False, nchw=False, dtype=dtype))
        b.add(f"flatten, dense{suffix}", (1,), Dense(prev * h * w, 1, params, sn), activation=output)
        return b.layers, b.rows
    h0, w0 = h >> depth, w >> depth
    first = spec.channels[0]
    dense = Dense(spec.input_size, first * h0 * w0, params)
    reshape = Reshape((first, h0, w0), to_image=True, nchw=False, dtype=dtype)
    b.add("dense, reshape", (first, h0, w0), dense, reshape=reshape, norm=spec.batch_norm, activation=hidden)
    outs = (*spec.channels[1:], c)
    prev = first
    for i, ch in enumerate(outs):
        h0, w0 = 2 * h0, 2 * w0
        last = i == depth - 1
        if spec.upsample == "nearest":
            layer = UpsampleConv2d(prev, ch, k, params)
            name = f"upsample x2 + conv {layer.taps}x{layer.taps}"
        else:
            layer, name = ConvTranspose2d(prev, ch, k, 2, pad, params), f"conv-transpose {k}x{k} x2"
        activation = output if last else hidden
        b.add(name, (ch, h0, w0), layer, norm=spec.batch_norm and not last, activation=activation)
        prev = ch
    b.layers.append(Reshape((c, h, w), to_image=False, nchw=True, dtype=dtype))
    return b.layers, b.rows


class ConvNet:
    """A conv generator or discriminator (see the module docstring); the interface of MLP.

    ``params.values`` / ``params.grads``: float32 (n_params,), what optimizers update in place;
    ``buffers.values``: batch-norm running statistics and spectral-norm vectors (n_buffers,).
    """

    def __init__(self, spec, rng: np.random.Generator, dtype: type = np.float32) -> None:
        self.spec = spec
        self.params = ParamBlock(dtype)
        self.buffers = ParamBlock(dtype)
        self.layers, self.rows = build_layers(spec, self.params, self.buffers)
        self.params.finalize()
        self.buffers.finalize()
        for layer in self.layers:
            if isinstance(layer, BatchNorm):
                layer.initialize()
            elif hasattr(layer, "initialize"):
                layer.initialize(spec.init, rng, spec.init_std)
        self.spectral_norms = [layer.sn for layer in self.layers if getattr(layer, "sn", None) is not None]
        # Layers up to the first weight layer (the input reshape) need no gradient unless asked.
        self._first_weight = next(i for i, layer in enumerate(self.layers) if hasattr(layer, "parameter_count"))

    def release_buffers(self) -> None:
        for layer in self.layers:
            layer.release_buffers()

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None, groups: int = 1) -> np.ndarray:
        """Training pass: x (batch, input_size) -> (batch, output_size), a reused buffer; batch
        statistics (running ones updated) and one power iteration per spectral norm. `groups`:
        batch norm normalises that many equal parts of the batch apart (D's stacked real + fake
        batch). `rng` draws the dropout masks of a D with dropout."""
        h = x
        for layer in self.layers:
            if isinstance(layer, BatchNorm):
                h = layer.forward(h, groups)
            elif isinstance(layer, Drop):
                h = layer.forward(h, rng)
            else:
                h = layer.forward(h)
        return h

    def backward(self, dy: np.ndarray, need_input_grad: bool = False, need_param_grads: bool = True) -> np.ndarray | None:
        """dy: dL/d(output) (batch, output_size), may be overwritten. Writes the parameter
        gradients when `need_param_grads`; returns dL/dx (batch, input_size) when `need_input_grad`."""
        grad = dy
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad, i > self._first_weight or need_input_grad, need_param_grads)
        return grad

    def predict(self, x: np.ndarray, params: np.ndarray | None = None, statistics: np.ndarray | None = None) -> np.ndarray:
        """Inference: x (batch, input_size) -> new array (batch, output_size), no power
        iteration, in chunks of PREDICT_CHUNK rows. `params` (n_params,) evaluates other weights
        of this layout (e.g. the EMA); `statistics` (n_buffers,) other batch-norm statistics
        (e.g. :meth:`standing_statistics` of those weights) than the running ones."""
        flat = self.params.values if params is None else params
        x = np.asarray(x, self.params.dtype)
        out = np.empty((x.shape[0], self.spec.output_size), self.params.dtype)
        for start in range(0, x.shape[0], PREDICT_CHUNK):
            h = x[start : start + PREDICT_CHUNK]
            for layer in self.layers:
                h = layer.predict(h, flat, statistics) if isinstance(layer, BatchNorm) else layer.predict(h, flat)
            out[start : start + PREDICT_CHUNK] = h
        return out

    @property
    def has_batch_norm(self) -> bool:
        return any(isinstance(layer, BatchNorm) for layer in self.layers)

    def standing_statistics(self, x: np.ndarray, params: np.ndarray) -> np.ndarray:
        """The batch-norm statistics of the weights `params` (n_params,): a copy of
        ``buffers.values`` (n_buffers,) whose means and variances are measured on x (batch,
        input_size), layer by layer, each batch norm applying what it measured. The running
        statistics belong to the live weights; an EMA of them needs its own (BigGAN's "standing
        statistics")."""
        statistics = self.buffers.values.copy()
        h = np.asarray(x, self.params.dtype)
        for layer in self.layers:
            if isinstance(layer, BatchNorm):
                layer.measure(h, statistics)
                h = layer.predict(h, params, statistics)
            else:
                h = layer.predict(h, params)
        return statistics
