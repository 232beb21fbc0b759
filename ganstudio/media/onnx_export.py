"""A run's generator as an ONNX model, for use outside GAN Studio (docs/EXPORT.md#onnx).

The model computes what ``GAN.sample`` computes from the same weights, in NCHW throughout:

- inputs: ``z`` float32 (N, latent) and, for a conditional generator, ``class`` int64 (N,), a
  class 0..K-1 of the dataset, read as engine/conditioning.py reads it: ``concat(z, onehot(class))``;
- output: ``images`` float32 (N, 1, H, W), in [-1, 1] (tanh) or [0, 1] (sigmoid) as G's output
  activation gives, or (N, 2) points for a 2D toy;
- N is a dynamic dimension.

Each engine layer becomes the ONNX operators that compute it: a dense layer Gemm; a transposed
convolution ConvTranspose with the engine's stride and padding (nearest upsampling + convolution
too, as the transposed convolution it equals, engine/conv.py); batch norm BatchNormalization in
inference mode with the statistics the weights were sampled with (the EMA's standing statistics);
the activations Relu, LeakyRelu, Elu, Tanh, Sigmoid; the engine's flat NHWC rows Reshape plus
Transpose. The `onnx` package (the optional ``ganstudio[onnx]`` extra) is imported only here,
when an export is asked for.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import numpy as np

from ganstudio import __version__
from ganstudio.engine.activations import Activation
from ganstudio.engine.conv import ConvTranspose2d
from ganstudio.engine.convnet import Act, ConvNet, Reshape
from ganstudio.engine.gan import GAN, GeneratorWeights
from ganstudio.engine.layers import Dense
from ganstudio.engine.network import MLP
from ganstudio.engine.norm import BatchNorm
from ganstudio.files.atomic import WriteError, atomic_file

MISSING_ONNX = "ONNX export needs the optional extra: pip install 'ganstudio[onnx]'"
OPSET = 17  # operator set and IR version that onnxruntime 1.14 (2023) and later run
IR_VERSION = 8
BATCH = "N"  # the name of the dynamic batch dimension
OPERATORS = {"relu": "Relu", "leaky_relu": "LeakyRelu", "elu": "Elu", "tanh": "Tanh", "sigmoid": "Sigmoid"}
WITH_ALPHA = ("leaky_relu", "elu")


def onnx_module() -> ModuleType:
    """The onnx package; WriteError with the install hint when it is not installed (callers ask
    before any work)."""
    try:
        import onnx
    except ImportError as exc:
        raise WriteError(MISSING_ONNX) from exc
    return onnx


class _Graph:
    """Nodes and initializers of a graph being built; every value is named by the op that makes it."""

    def __init__(self, onnx: ModuleType) -> None:
        self.onnx = onnx
        self.nodes: list = []
        self.initializers: list = []

    def constant(self, array: np.ndarray, dtype: type = np.float32) -> str:
        """An initializer holding `array` (copied, as `dtype`); returns its name."""
        name = f"c{len(self.initializers)}"
        self.initializers.append(self.onnx.numpy_helper.from_array(np.array(array, dtype), name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str | None = None, **attributes) -> str:
        """A node of `op_type` on `inputs`; returns its output's name (`output`, else a fresh one)."""
        output = output or f"{op_type.lower()}{len(self.nodes)}"
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, [output], **attributes))
        return output


def _activation(graph: _Graph, x: str, activation: Activation) -> str:
    """An activation of the engine (activations.py) on x; linear is no node."""
    if activation.name == "linear":
        return x
    alpha = {"alpha": activation.alpha} if activation.name in WITH_ALPHA else {}
    return graph.op(OPERATORS[activation.name], [x], **alpha)


def _reshape(graph: _Graph, x: str, layer: Reshape) -> str:
    """The engine's flat rows <-> images, on NCHW images: its flat side is NCHW row-major
    (`nchw`) or NHWC row-major (inside a network, beside a dense layer)."""
    c, h, w = layer.c, layer.h, layer.w
    if layer.to_image:
        if layer.nchw:
            return graph.op("Reshape", [x, graph.constant([-1, c, h, w], np.int64)])
        nhwc = graph.op("Reshape", [x, graph.constant([-1, h, w, c], np.int64)])
        return graph.op("Transpose", [nhwc], perm=[0, 3, 1, 2])
    if not layer.nchw:
        x = graph.op("Transpose", [x], perm=[0, 2, 3, 1])
    return graph.op("Flatten", [x], axis=1)


def _layer(graph: _Graph, x: str, layer, weights: GeneratorWeights) -> str:
    """One layer of a generator (a dense layer, an activation, or a conv net's layer) on x."""
    params = weights.params
    if isinstance(layer, Activation):
        return _activation(graph, x, layer)
    if isinstance(layer, Act):
        return _activation(graph, x, layer.activation)
    if isinstance(layer, Dense):
        w, b = layer.weight_and_bias(params)  # (in, out), (out,)
        return graph.op("Gemm", [x, graph.constant(w), graph.constant(b)])
    if isinstance(layer, ConvTranspose2d):
        w, b = layer.transposed_kernel(params)  # (C_in, k, k, C_out): ONNX wants (C_in, C_out, k, k)
        k, s, p = layer.kernel, layer.stride, layer.padding
        inputs = [x, graph.constant(w.transpose(0, 3, 1, 2)), graph.constant(b)]
        return graph.op("ConvTranspose", inputs, kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p])
    if isinstance(layer, BatchNorm):
        terms = [graph.constant(t) for t in layer.inference_terms(params, weights.statistics)]
        return graph.op("BatchNormalization", [x, *terms], epsilon=layer.eps)
    if isinstance(layer, Reshape):
        return _reshape(graph, x, layer)
    raise ValueError(f"a generator has no {type(layer).__name__} layer: no ONNX mapping for it")


def _layers(generator: MLP | ConvNet) -> list:
    """The generator's layers in order; an MLP's activations between its dense layers."""
    if isinstance(generator, MLP):
        return [part for pair in zip(generator.layers, generator.activations) for part in pair]
    return generator.layers


def generator_model(gan: GAN, weights: GeneratorWeights, image_shape: tuple[int, int] | None, description: str = ""):
    """The onnx.ModelProto of `gan`'s generator with `weights` (of its layout): inputs ``z``
    (N, latent) float32 and, conditional, ``class`` (N,) int64; output ``images`` (N, 1, H, W)
    for `image_shape` (H, W), or (N, 2) for None (a 2D toy). `description`: the model's doc
    string (which run and weights). Checked by onnx.checker."""
    onnx = onnx_module()
    helper, tensor = onnx.helper, onnx.TensorProto
    graph = _Graph(onnx)
    inputs = [helper.make_tensor_value_info("z", tensor.FLOAT, [BATCH, gan.latent_size])]
    x = "z"
    if gan.conditional:
        inputs.append(helper.make_tensor_value_info("class", tensor.INT64, [BATCH]))
        one_hot = graph.op("OneHot", ["class", graph.constant([gan.n_classes], np.int64), graph.constant([0, 1])], axis=-1)
        x = graph.op("Concat", [x, one_hot], axis=1)
    for layer in _layers(gan.generator):
        x = _layer(graph, x, layer, weights)
    shape = [2] if image_shape is None else [1, *image_shape]
    graph.op("Reshape", [x, graph.constant([-1, *shape], np.int64)], output="images")
    output = helper.make_tensor_value_info("images", tensor.FLOAT, [BATCH, *shape])
    body = helper.make_graph(graph.nodes, "generator", inputs, [output], graph.initializers)
    model = helper.make_model(
        body,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="ganstudio",
        producer_version=__version__,
        doc_string=description,
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def write_generator_onnx(
    path: str | os.PathLike[str],
    gan: GAN,
    weights: GeneratorWeights,
    image_shape: tuple[int, int] | None,
    description: str = "",
) -> Path:
    """Write :func:`generator_model` to `path` atomically; return the path. WriteError when the
    onnx extra is missing or the file cannot be written."""
    model = generator_model(gan, weights, image_shape, description)
    with atomic_file(path) as fh:
        fh.write(model.SerializeToString())
    return Path(path)
