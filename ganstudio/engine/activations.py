"""Activations applied in place to a layer's pre-activation buffer.

Each activation's backward needs only its own output ``y`` (kept by the layer), so forward can
overwrite its input: ``forward(h) -> h`` and ``backward(dy, y) -> dy`` both work in place on
(batch, features) float32 arrays. Scalars are Python floats, so float32 stays float32.
"""

from __future__ import annotations

import numpy as np

from ganstudio.engine import kernels

ACTIVATIONS = ("relu", "leaky_relu", "elu", "tanh", "sigmoid", "linear")


class Activation:
    """Base: identity. Subclasses override forward/backward."""

    name = "linear"

    def forward(self, h: np.ndarray) -> np.ndarray:
        """h: (batch, features), overwritten with the activation's output y."""
        return h

    def backward(self, dy: np.ndarray, y: np.ndarray) -> np.ndarray:
        """dy: dL/dy (batch, features), overwritten with dL/dh; y: this activation's output."""
        return dy


class Linear(Activation):
    name = "linear"


class ReLU(Activation):
    name = "relu"

    def forward(self, h):
        return np.maximum(h, 0.0, out=h)

    def backward(self, dy, y):
        return np.multiply(dy, y > 0.0, out=dy)


class LeakyReLU(Activation):
    """y = x for x > 0, alpha * x otherwise (0 < alpha < 1)."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.2) -> None:
        self.alpha = float(alpha)

    def forward(self, h):
        return kernels.leaky_relu_forward(h, self.alpha)

    def backward(self, dy, y):
        return kernels.leaky_relu_backward(dy, y, self.alpha)


class ELU(Activation):
    """y = x for x > 0, alpha * (exp(x) - 1) otherwise; dy/dx = y + alpha there."""

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    def forward(self, h):
        negative = np.minimum(h, 0.0)
        np.expm1(negative, out=negative)
        negative *= self.alpha
        np.copyto(h, negative, where=h <= 0.0)
        return h

    def backward(self, dy, y):
        slope = y + self.alpha
        np.copyto(slope, 1.0, where=y > 0.0)
        return np.multiply(dy, slope, out=dy)


class Tanh(Activation):
    name = "tanh"

    def forward(self, h):
        return np.tanh(h, out=h)

    def backward(self, dy, y):
        slope = np.square(y)
        np.subtract(1.0, slope, out=slope)
        return np.multiply(dy, slope, out=dy)


class Sigmoid(Activation):
    """Computed as 0.5 * (1 + tanh(x / 2)): no overflow for large |x|."""

    name = "sigmoid"

    def forward(self, h):
        h *= 0.5
        np.tanh(h, out=h)
        h += 1.0
        h *= 0.5
        return h

    def backward(self, dy, y):
        slope = np.subtract(1.0, y)
        slope *= y
        return np.multiply(dy, slope, out=dy)


def make_activation(name: str, alpha: float = 0.2) -> Activation:
    """Activation by name; `alpha` is LeakyReLU's negative slope or ELU's scale."""
    if name == "relu":
        return ReLU()
    if name == "leaky_relu":
        return LeakyReLU(alpha)
    if name == "elu":
        return ELU(alpha)
    if name == "tanh":
        return Tanh()
    if name == "sigmoid":
        return Sigmoid()
    if name == "linear":
        return Linear()
    raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
