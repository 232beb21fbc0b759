"""The GAN engine written to be read: one MLP, the five losses, four optimizers with their lr schedule and one GAN step.

Read this file first. It computes what the fast engine (gan.py with network.py, layers.py,
activations.py, losses.py, optimizers.py) computes, the plain way: float64, a new array for every
result, one dict {"W": (fan_in, fan_out), "b": (fan_out,)} per layer, textbook Adam with m_hat and
v_hat. The fast engine reaches the same numbers with one flat float32 buffer per network, reused
batch buffers, in-place ufuncs, one stacked real+fake batch through D and Adam's unnormalised sums;
tests/test_engine_reference.py checks, step by step, that the two agree for every loss and optimizer.
Left out here: dropout, weight initialisation and live changes of the architecture.

Shapes: a batch is (n, features), one row per sample; D gives one logit per sample, (n, 1).
Settings are the fast engine's own records: NetworkSpec, OptimizerSpec (with the base lr), ScheduleSpec, TrainingSpec.
The schedule's factor comes from engine/schedules.py, already plain closed-form Python; what this file shows is
where it applies: each optimizer multiplies its base lr by it, at the run's step and epoch as an iteration starts.
"""

from __future__ import annotations

import numpy as np

from ganstudio.engine.gan import StepMetrics, TrainingSpec
from ganstudio.engine.network import NetworkSpec
from ganstudio.engine.optimizers import OptimizerSpec
from ganstudio.engine.schedules import ScheduleSpec, lr_factor

Layers = list[dict[str, np.ndarray]]  # one {"W", "b"} per layer, input side first


def copy(layers: Layers) -> Layers:
    """New float64 arrays holding the values of `layers`."""
    return [{k: np.array(a, np.float64) for k, a in layer.items()} for layer in layers]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), written with tanh so that no exp can overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) without overflow: -log(sigmoid(l)) = softplus(-l), -log(1 - sigmoid(l)) = softplus(l)."""
    return np.logaddexp(0.0, x)


# name: (y = f(h, alpha), f'(h) written from the output y and alpha)
ACTIVATIONS = {
    "linear": (lambda h, a: h, lambda y, a: np.ones_like(y)),
    "relu": (lambda h, a: np.maximum(h, 0.0), lambda y, a: np.where(y > 0, 1.0, 0.0)),
    "leaky_relu": (lambda h, a: np.where(h > 0, h, a * h), lambda y, a: np.where(y > 0, 1.0, a)),
    "elu": (lambda h, a: np.where(h > 0, h, a * np.expm1(np.minimum(h, 0.0))), lambda y, a: np.where(y > 0, 1.0, y + a)),
    "tanh": (lambda h, a: np.tanh(h), lambda y, a: 1.0 - y**2),
    "sigmoid": (lambda h, a: sigmoid(h), lambda y, a: y * (1.0 - y)),
}


# -- one MLP: every layer computes activation(x @ W + b) ----------------------------------------------------------
def activation(spec: NetworkSpec, i: int, depth: int) -> tuple:
    """The (f, f') pair of layer i of `depth`: the output activation for the last, the hidden one before."""
    return ACTIVATIONS[spec.output_activation if i == depth - 1 else spec.hidden_activation]


def forward(layers: Layers, spec: NetworkSpec, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """x: (n, input_size) -> (output (n, output_size), [x, then each layer's output]: what backward needs)."""
    outputs = [x]
    for i, layer in enumerate(layers):
        f, _ = activation(spec, i, len(layers))
        outputs.append(f(outputs[-1] @ layer["W"] + layer["b"], spec.alpha))
    return outputs[-1], outputs


def backward(layers: Layers, spec: NetworkSpec, outputs: list[np.ndarray], dy: np.ndarray) -> tuple[Layers, np.ndarray]:
    """dy: dL/d(output) (n, output_size); outputs: what forward returned with it.
    Returns (dL/dW and dL/db of every layer, shaped like `layers`; dL/dx (n, input_size))."""
    grads = []
    for i in reversed(range(len(layers))):
        _, slope = activation(spec, i, len(layers))
        dh = dy * slope(outputs[i + 1], spec.alpha)  # back through the activation: dL/d(x @ W + b)
        grads.insert(0, {"W": outputs[i].T @ dh, "b": dh.sum(axis=0)})
        dy = dh @ layers[i]["W"].T  # dL/d(this layer's input x)
    return grads, dy


# -- the losses, as batch means over D's logits, with their gradients ---------------------------------------------
def d_loss(kind: str, real: np.ndarray, fake: np.ndarray, t: float) -> tuple[float, np.ndarray, np.ndarray, float, float]:
    """D's loss on its logits for a real batch (n, 1) and a fake batch (m, 1); the real target t < 1 is one-sided
    label smoothing. Returns (loss, dL/dreal, dL/dfake, mean D(x), mean D(G(z))), where D(x) is sigmoid(logit) for
    the cross-entropy losses and the raw logit for the others."""
    n, m = len(real), len(fake)
    if kind in ("minimax", "non_saturating"):  # binary cross-entropy: real -> t, fake -> 0
        loss = np.mean(t * softplus(-real) + (1 - t) * softplus(real)) + np.mean(softplus(fake))
        d_real, d_fake = (sigmoid(real) - t) / n, sigmoid(fake) / m
    elif kind == "least_squares":
        loss = 0.5 * np.mean((real - t) ** 2) + 0.5 * np.mean(fake**2)
        d_real, d_fake = (real - t) / n, fake / m
    elif kind == "hinge":  # no target: label smoothing does not apply
        loss = np.mean(np.maximum(0.0, 1.0 - real)) + np.mean(np.maximum(0.0, 1.0 + fake))
        d_real, d_fake = np.where(real < 1, -1.0, 0.0) / n, np.where(fake > -1, 1.0, 0.0) / m
    elif kind == "wasserstein":  # the critic's estimate of minus the Wasserstein distance
        loss = np.mean(fake) - np.mean(real)
        d_real, d_fake = np.full_like(real, -1.0 / n), np.full_like(fake, 1.0 / m)
    else:
        raise ValueError(f"unknown loss {kind!r}")
    shown = sigmoid if kind in ("minimax", "non_saturating") else np.asarray
    return float(loss), d_real, d_fake, float(np.mean(shown(real))), float(np.mean(shown(fake)))


def g_loss(kind: str, fake: np.ndarray) -> tuple[float, np.ndarray]:
    """G's loss on D's logits for a fake batch (n, 1). Returns (loss, dL/dfake)."""
    n = len(fake)
    if kind == "minimax":  # the paper's: minimise log(1 - D(G(z))) = -softplus(logit)
        return float(np.mean(-softplus(fake))), -sigmoid(fake) / n
    if kind == "non_saturating":  # maximise log D(G(z)) instead: minimise softplus(-logit)
        return float(np.mean(softplus(-fake))), (sigmoid(fake) - 1) / n
    if kind == "least_squares":
        return float(0.5 * np.mean((fake - 1) ** 2)), (fake - 1) / n
    if kind in ("hinge", "wasserstein"):
        return float(-np.mean(fake)), np.full_like(fake, -1.0 / n)
    raise ValueError(f"unknown loss {kind!r}")


# -- the optimizers -----------------------------------------------------------------------------------------------
def zeros(layers: Layers) -> Layers:
    return [{k: np.zeros_like(a) for k, a in layer.items()} for layer in layers]


def new_optimizer_state(layers: Layers) -> dict:
    """Step count t = 0 and zero moving averages for every parameter array (each kind uses its own)."""
    return {"t": 0, "velocity": zeros(layers), "square_avg": zeros(layers), "m": zeros(layers), "v": zeros(layers)}


def optimizer_step(
    spec: OptimizerSpec, schedule: ScheduleSpec, state: dict, layers: Layers, grads: Layers, step: int, epoch: int
) -> float:
    """One update of every parameter in `layers` (replaced by new arrays) from its gradient in `grads`, at the lr in
    effect at the run's `step` and `epoch`: the base lr times the schedule's factor. Returns that lr."""
    lr = spec.lr * lr_factor(schedule, step, epoch)
    state["t"] += 1
    t = state["t"]
    for i, layer in enumerate(layers):
        for k, g in grads[i].items():
            if spec.kind == "sgd":
                update = g
            elif spec.kind == "momentum":  # PyTorch's convention: v = mu v + g
                v = state["velocity"][i][k] = spec.momentum * state["velocity"][i][k] + g
                update = g + spec.momentum * v if spec.nesterov else v
            elif spec.kind == "rmsprop":
                s = state["square_avg"][i][k] = spec.rho * state["square_avg"][i][k] + (1 - spec.rho) * g**2
                update = g / (np.sqrt(s) + spec.eps)
            elif spec.kind == "adam":
                m = state["m"][i][k] = spec.beta1 * state["m"][i][k] + (1 - spec.beta1) * g
                v = state["v"][i][k] = spec.beta2 * state["v"][i][k] + (1 - spec.beta2) * g**2
                m_hat = m / (1 - spec.beta1**t)  # bias correction: m and v start at zero
                v_hat = v / (1 - spec.beta2**t)
                update = m_hat / (np.sqrt(v_hat) + spec.eps)
            else:
                raise ValueError(f"unknown optimizer {spec.kind!r}")
            layer[k] = layer[k] - lr * update
    return lr


def gradient_norm(grads: Layers) -> float:
    """L2 norm of all of a network's gradients taken together."""
    return float(np.sqrt(sum(np.sum(g**2) for layer in grads for g in layer.values())))


# -- the GAN ------------------------------------------------------------------------------------------------------
class ReferenceGAN:
    """G (latent -> data) and D (data -> logit) as lists of layer dicts, their optimizer states and G's EMA.

    g_layers, d_layers: the initial weights (copied as float64), e.g. read from the fast engine's layers.
    Both optimizers' lrs follow `schedule`.
    """

    def __init__(
        self,
        g_layers: Layers,
        d_layers: Layers,
        g_spec: NetworkSpec,
        d_spec: NetworkSpec,
        g_opt: OptimizerSpec,
        d_opt: OptimizerSpec,
        training: TrainingSpec,
        schedule: ScheduleSpec = ScheduleSpec(),
    ) -> None:
        self.G, self.D = copy(g_layers), copy(d_layers)
        self.g_spec, self.d_spec, self.g_opt, self.d_opt, self.training = g_spec, d_spec, g_opt, d_opt, training
        self.schedule = schedule
        self.g_state, self.d_state = new_optimizer_state(self.G), new_optimizer_state(self.D)
        self.ema, self.ema_t = (copy(self.G) if training.ema else None), 0

    def step(self, reals: list[np.ndarray], zs: list[np.ndarray], step: int, epoch: int) -> StepMetrics:
        """One iteration at the run's `step` (iterations so far) and `epoch` (passes over the data so far): a D update
        for each pair (real batch (n, data_size), latent batch z (n, latent_size)), k = training.d_steps of them, then
        one G update on the last D update's fake batch (G has not changed since)."""
        tr = self.training
        for real, z in zip(reals, zs):
            fake, g_outputs = forward(self.G, self.g_spec, z)
            real_logits, real_outputs = forward(self.D, self.d_spec, real)
            fake_logits, fake_outputs = forward(self.D, self.d_spec, fake)
            target = 1.0 - tr.label_smoothing
            d_loss_value, grad_real, grad_fake, d_real, d_fake = d_loss(tr.loss, real_logits, fake_logits, target)
            on_real, _ = backward(self.D, self.d_spec, real_outputs, grad_real)
            on_fake, _ = backward(self.D, self.d_spec, fake_outputs, grad_fake)
            d_grads = [{k: r[k] + f[k] for k in r} for r, f in zip(on_real, on_fake)]  # the loss sums both batches' terms
            lr_d = optimizer_step(self.d_opt, self.schedule, self.d_state, self.D, d_grads, step, epoch)
            if tr.loss == "wasserstein":  # weight clipping keeps the critic (roughly) 1-Lipschitz
                self.D = [{k: np.clip(a, -tr.clip, tr.clip) for k, a in layer.items()} for layer in self.D]
        logits, d_outputs = forward(self.D, self.d_spec, fake)  # the updated D judges the same fake batch
        g_loss_value, grad_logits = g_loss(tr.loss, logits)
        _, grad_fake = backward(self.D, self.d_spec, d_outputs, grad_logits)  # down to the samples; D's gradients unused
        g_grads, _ = backward(self.G, self.g_spec, g_outputs, grad_fake)
        lr_g = optimizer_step(self.g_opt, self.schedule, self.g_state, self.G, g_grads, step, epoch)
        if self.ema is not None:  # the average G used for sampling; the warm-up lets it forget the random start
            self.ema_t += 1
            decay = min(tr.ema_decay, (1 + self.ema_t) / (10 + self.ema_t))
            self.ema = [{k: decay * e[k] + (1 - decay) * g[k] for k in e} for e, g in zip(self.ema, self.G)]
        d_norm, g_norm = gradient_norm(d_grads), gradient_norm(g_grads)
        return StepMetrics(d_loss_value, g_loss_value, d_real, d_fake, d_norm, g_norm, lr_d, lr_g)
