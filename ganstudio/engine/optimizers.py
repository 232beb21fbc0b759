"""Optimizers over one flat float32 parameter array, updating in place.

An optimizer owns the learning rate in effect: its spec's base lr times its schedule's factor
at the run's step and epoch (:meth:`Optimizer.lr_at`). ``step(params, grads, step, epoch)``:
params, grads: float32 (n,); step, epoch: the run's clock, which the schedule reads (the
optimizer's own step count `t` restarts with a new optimizer and counts every D update, so it
cannot be that clock). State arrays have the same shape as params; `t` drives Adam's bias
correction. Changing the lr, the schedule or a hyperparameter keeps the state; only a change of
kind rebuilds it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganstudio.engine import kernels
from ganstudio.engine.schedules import ScheduleSpec, lr_factor

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")


@dataclass(frozen=True)
class OptimizerSpec:
    """One network's optimizer. `lr`: the base learning rate, which the optimizer's schedule
    multiplies; `momentum`/`nesterov` for kind "momentum"; `rho` for RMSprop; `beta1`, `beta2`
    for Adam; `eps` for RMSprop and Adam."""

    kind: str = "adam"
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    eps: float = 1e-8
    momentum: float = 0.9
    nesterov: bool = False
    rho: float = 0.9


def lr_in_effect(spec: OptimizerSpec, schedule: ScheduleSpec, step: int, epoch: int) -> float:
    """The lr an optimizer of `spec` following `schedule` applies at the run's `step` and `epoch`:
    the base lr times the schedule's factor (a Python float, so float32 parameters stay float32).
    The one formula: optimizers use it, and the window's schedule preview draws it."""
    return spec.lr * lr_factor(schedule, step, epoch)


class Optimizer:
    """Base class: holds the spec (with the base lr), the schedule, the step count and the state
    arrays by name. A subclass writes `_update`, one update at a given lr."""

    kind = ""
    state_names: tuple[str, ...] = ()

    def __init__(self, spec: OptimizerSpec, size: int, dtype: type = np.float32, schedule: ScheduleSpec = ScheduleSpec()) -> None:
        self.spec = spec
        self.schedule = schedule
        self.t = 0
        self.state = {name: np.zeros(size, dtype) for name in self.state_names}
        self._tmp = np.empty(size, dtype)

    def lr_at(self, step: int, epoch: int) -> float:
        """The lr in effect at the run's `step` and `epoch` (see :func:`lr_in_effect`)."""
        return lr_in_effect(self.spec, self.schedule, step, epoch)

    def step(self, params: np.ndarray, grads: np.ndarray, step: int, epoch: int) -> None:
        """One update of params (n,) in place from grads (n,) at the lr in effect at `step`, `epoch`."""
        lr = self.lr_at(step, epoch)
        self.t += 1
        self._update(params, grads, lr)

    def _update(self, params: np.ndarray, grads: np.ndarray, lr: float) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray]:
        d = {name: arr.copy() for name, arr in self.state.items()}
        d["t"] = np.array(self.t, np.int64)
        return d

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        for name, arr in self.state.items():
            arr[...] = d[name]
        self.t = int(d["t"])


class SGD(Optimizer):
    """p -= lr * g."""

    kind = "sgd"

    def _update(self, params, grads, lr):
        np.multiply(grads, lr, out=self._tmp)
        params -= self._tmp


class Momentum(Optimizer):
    """v = momentum * v + g; p -= lr * v, or with Nesterov p -= lr * (g + momentum * v)
    (PyTorch's convention)."""

    kind = "momentum"
    state_names = ("velocity",)

    def _update(self, params, grads, lr):
        mu = float(self.spec.momentum)
        v, tmp = self.state["velocity"], self._tmp
        v *= mu
        v += grads
        if self.spec.nesterov:
            np.multiply(v, mu, out=tmp)
            tmp += grads
            tmp *= lr
        else:
            np.multiply(v, lr, out=tmp)
        params -= tmp


class RMSprop(Optimizer):
    """s = rho * s + (1 - rho) * g^2; p -= lr * g / (sqrt(s) + eps)."""

    kind = "rmsprop"
    state_names = ("square_avg",)

    def _update(self, params, grads, lr):
        rho = float(self.spec.rho)
        s, tmp = self.state["square_avg"], self._tmp
        np.multiply(grads, grads, out=tmp)
        tmp -= s
        tmp *= 1.0 - rho
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += float(self.spec.eps)
        np.divide(grads, tmp, out=tmp)
        tmp *= lr
        params -= tmp


class Adam(Optimizer):
    """Adam: p -= lr * m_hat / (sqrt(v_hat) + eps), with bias correction c_i = 1 - beta_i^t from
    the optimizer's own step count t.

    To spend 10 passes over memory per step instead of 14, the state holds the *unnormalised*
    moving sums m_sum = m / (1 - beta1) and v_sum = v / (1 - beta2):
        m_sum = beta1 * m_sum + g;  v_sum = beta2 * v_sum + g^2
        p -= [lr (1 - beta1) / (c1 r)] * m_sum / (sqrt(v_sum) + eps / r),  r = sqrt((1 - beta2) / c2)
    which is the same update. A live change of beta rescales the sums so that m and v keep their
    values.
    """

    kind = "adam"
    state_names = ("m_sum", "v_sum")

    def __init__(self, spec: OptimizerSpec, size: int, dtype: type = np.float32, schedule: ScheduleSpec = ScheduleSpec()) -> None:
        super().__init__(spec, size, dtype, schedule)
        self._betas = (float(spec.beta1), float(spec.beta2))

    def _rescale_for_new_betas(self) -> None:
        b1, b2 = float(self.spec.beta1), float(self.spec.beta2)
        old1, old2 = self._betas
        if (b1, b2) != (old1, old2):
            self.state["m_sum"] *= (1.0 - old1) / (1.0 - b1)
            self.state["v_sum"] *= (1.0 - old2) / (1.0 - b2)
            self._betas = (b1, b2)

    def _update(self, params, grads, lr):
        self._rescale_for_new_betas()
        b1, b2 = self._betas
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        r = math.sqrt((1.0 - b2) / c2)
        coefficients = (b1, b2, float(self.spec.eps) / r, lr * (1.0 - b1) / (c1 * r))
        kernels.adam_update(params, grads, self.state["m_sum"], self.state["v_sum"], self._tmp, coefficients)

    def state_dict(self):
        d = super().state_dict()
        d["betas"] = np.array(self._betas, np.float64)
        return d

    def load_state_dict(self, d):
        super().load_state_dict(d)
        self._betas = tuple(float(b) for b in d["betas"])


_KINDS = {cls.kind: cls for cls in (SGD, Momentum, RMSprop, Adam)}


def arrays_per_parameter(kind: str) -> int:
    """How many arrays of the parameters' size an optimizer of `kind` keeps: its state and one
    scratch array (sgd 1, momentum and rmsprop 2, adam 3)."""
    return len(_KINDS[kind].state_names) + 1


def make_optimizer(
    spec: OptimizerSpec, size: int, dtype: type = np.float32, schedule: ScheduleSpec = ScheduleSpec()
) -> Optimizer:
    """A fresh optimizer of `spec.kind` for a parameter array of `size` elements, its lr following `schedule`."""
    try:
        return _KINDS[spec.kind](spec, size, dtype, schedule)
    except KeyError:
        raise ValueError(f"unknown optimizer {spec.kind!r}; choose one of {', '.join(OPTIMIZERS)}") from None


class EMA:
    """Exponential moving average of a flat parameter array (the generator's weights).

    shadow += (1 - d) * (params - shadow) with d = min(decay, (1 + t) / (10 + t)): the warm-up
    keeps the average from dragging the random initial weights along for thousands of steps.
    """

    def __init__(self, params: np.ndarray, decay: float = 0.999) -> None:
        self.decay = float(decay)
        self.shadow = params.copy()
        self.t = 0
        self._tmp = np.empty_like(params)

    def update(self, params: np.ndarray) -> None:
        """params: (n,) float32, the live weights after an optimizer step."""
        self.t += 1
        d = min(self.decay, (1.0 + self.t) / (10.0 + self.t))
        np.subtract(params, self.shadow, out=self._tmp)
        self._tmp *= 1.0 - d
        self.shadow += self._tmp

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"shadow": self.shadow.copy(), "t": np.array(self.t, np.int64)}

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        self.shadow[...] = d["shadow"]
        self.t = int(d["t"])
