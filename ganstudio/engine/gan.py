"""One GAN: generator, discriminator, their optimizers, the loss, and the training step.

A training iteration is `d_steps` discriminator updates, each on a fresh real batch stacked with
a fresh fake batch (one (2n, D) forward/backward through D: one cache, no stale activations),
then one generator update that reuses the last D step's fake batch (G's weights have not changed
since) and back-propagates through D without computing D's own weight gradients.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ganstudio.engine.losses import d_loss_stacked, g_loss
from ganstudio.engine.network import NetworkSpec, build_network
from ganstudio.engine.optimizers import EMA, Optimizer, OptimizerSpec, make_optimizer


@dataclass(frozen=True)
class TrainingSpec:
    """How the two networks are trained against each other.

    loss: one of engine.losses.LOSSES; d_steps: discriminator updates per generator update (k);
    label_smoothing: one-sided, real targets become 1 - label_smoothing; clip: Wasserstein weight
    clipping bound for D (used only with loss "wasserstein"); ema/ema_decay: keep an exponential
    moving average of G's weights for sampling.
    """

    loss: str = "non_saturating"
    d_steps: int = 1
    label_smoothing: float = 0.0
    clip: float = 0.01
    ema: bool = False
    ema_decay: float = 0.999


@dataclass(frozen=True)
class StepMetrics:
    """What one iteration reports (Python floats): losses, mean D outputs on real and fake data
    (before D's update), L2 norms of the full gradient of each network, and the lrs used."""

    d_loss: float
    g_loss: float
    d_real: float
    d_fake: float
    d_grad_norm: float
    g_grad_norm: float
    lr_d: float
    lr_g: float


def _norm(grads: np.ndarray) -> float:
    return math.sqrt(float(np.dot(grads, grads)))


class GAN:
    """Generator G (latent -> data) and discriminator D (data -> logit) with their optimizers.

    All randomness comes from the `rng` passed to each call (the session's).
    """

    def __init__(
        self,
        g_spec: NetworkSpec,
        d_spec: NetworkSpec,
        g_opt: OptimizerSpec,
        d_opt: OptimizerSpec,
        training: TrainingSpec,
        rng: np.random.Generator,
        dtype: type = np.float32,
    ) -> None:
        if g_spec.output_size != d_spec.input_size or d_spec.output_size != 1:
            raise ValueError("G's output size must equal D's input size, and D must output one logit")
        self.training = training
        self.dtype = np.dtype(dtype)
        self.generator = build_network(g_spec, rng, dtype)
        self.discriminator = build_network(d_spec, rng, dtype)
        self.g_optimizer: Optimizer = make_optimizer(g_opt, self.generator.params.size, dtype)
        self.d_optimizer: Optimizer = make_optimizer(d_opt, self.discriminator.params.size, dtype)
        self.ema: EMA | None = EMA(self.generator.params.values, training.ema_decay) if training.ema else None
        self._stacked: dict[int, np.ndarray] = {}
        self._z: dict[int, np.ndarray] = {}
        self._fake: np.ndarray | None = None  # G's training output from the last D step

    # -- shapes ---------------------------------------------------------------------------
    @property
    def latent_size(self) -> int:
        return self.generator.spec.input_size

    @property
    def data_size(self) -> int:
        return self.generator.spec.output_size

    def _buffer(self, pool: dict[int, np.ndarray], rows: int, cols: int) -> np.ndarray:
        buf = pool.get(rows)
        if buf is None or buf.shape[1] != cols:
            buf = pool[rows] = np.empty((rows, cols), self.dtype)
        return buf

    def release_buffers(self) -> None:
        """Drop per-batch-size buffers (call after a batch-size change)."""
        for pool in (self._stacked, self._z):
            pool.clear()
        self.generator.release_buffers()
        self.discriminator.release_buffers()
        self._fake = None

    def _generate(self, n: int, rng: np.random.Generator) -> np.ndarray:
        z = self._buffer(self._z, n, self.latent_size)
        rng.standard_normal(out=z, dtype=self.dtype)
        return self.generator.forward(z)

    # -- training -------------------------------------------------------------------------
    def d_step(self, real: np.ndarray, rng: np.random.Generator, lr: float) -> tuple[float, float, float, float]:
        """One discriminator update. real: (n, data_size) float32.
        Returns (d_loss, mean D(x), mean D(G(z)), D's gradient norm)."""
        n = real.shape[0]
        fake = self._generate(n, rng)
        x = self._buffer(self._stacked, 2 * n, self.data_size)
        x[:n] = real
        x[n:] = fake
        D = self.discriminator
        logits = D.forward(x, rng, groups=2)  # batch norm (conv D): real and fake normalised apart, as in G's step
        kind = self.training.loss
        loss, dlogits, mean_real, mean_fake = d_loss_stacked(kind, logits, n, 1.0 - self.training.label_smoothing)
        D.backward(dlogits, need_input_grad=False)
        norm = _norm(D.params.grads)
        self.d_optimizer.step(D.params.values, D.params.grads, lr)
        if kind == "wasserstein":
            clip = float(self.training.clip)
            np.clip(D.params.values, -clip, clip, out=D.params.values)
        self._fake = fake
        return loss, mean_real, mean_fake, norm

    def g_step(self, n: int, rng: np.random.Generator, lr: float) -> tuple[float, float]:
        """One generator update on n samples; reuses the last D step's fake batch when there is
        one of that size. Returns (g_loss, G's gradient norm)."""
        fake = self._fake if self._fake is not None and self._fake.shape[0] == n else self._generate(n, rng)
        self._fake = None
        D, G = self.discriminator, self.generator
        logits = D.forward(fake, rng)
        loss, dlogits = g_loss(self.training.loss, logits)
        dx = D.backward(dlogits, need_input_grad=True, need_param_grads=False)
        G.backward(dx, need_input_grad=False)
        norm = _norm(G.params.grads)
        self.g_optimizer.step(G.params.values, G.params.grads, lr)
        if self.ema is not None:
            self.ema.update(G.params.values)
        return loss, norm

    def train_step(self, next_real: Callable[[], np.ndarray], rng: np.random.Generator, lr_d: float, lr_g: float) -> StepMetrics:
        """`d_steps` D updates (each on `next_real()`, a (n, data_size) batch), then one G update."""
        for _ in range(max(1, int(self.training.d_steps))):
            real = next_real()
            dl, d_real, d_fake, d_norm = self.d_step(real, rng, lr_d)
        gl, g_norm = self.g_step(real.shape[0], rng, lr_g)
        return StepMetrics(dl, gl, d_real, d_fake, d_norm, g_norm, float(lr_d), float(lr_g))

    def twin_step(self, n: int) -> Callable[[], StepMetrics]:
        """One :meth:`train_step` on batches of n of a new GAN with this one's architecture,
        optimizers and training settings (its own weights, a fixed noise batch, learning rates 0):
        this GAN's step's work, to time it at several thread counts without touching this GAN or
        its run's randomness."""
        rng = np.random.default_rng(0)
        g, d = self.generator.spec, self.discriminator.spec
        twin = GAN(g, d, self.g_optimizer.spec, self.d_optimizer.spec, self.training, rng, self.dtype)
        real = rng.standard_normal((n, self.data_size)).astype(self.dtype)
        return lambda: twin.train_step(lambda: real, rng, 0.0, 0.0)

    # -- inference ------------------------------------------------------------------------
    def sample(self, z: np.ndarray, use_ema: bool = False) -> np.ndarray:
        """z: (n, latent_size) -> (n, data_size) new array; from the EMA weights if asked and
        kept."""
        params = self.ema.shadow if use_ema and self.ema is not None else None
        return self.generator.predict(z, params)

    def discriminate(self, x: np.ndarray) -> np.ndarray:
        """x: (n, data_size) -> D's logits (n, 1), new array, no dropout."""
        return self.discriminator.predict(x)

    # -- live changes ---------------------------------------------------------------------
    def set_training(self, training: TrainingSpec) -> None:
        """New loss / k / smoothing / clip / EMA settings; switching EMA on starts the average
        from the current weights, switching it off drops it."""
        if training.ema and self.ema is None:
            self.ema = EMA(self.generator.params.values, training.ema_decay)
        elif not training.ema:
            self.ema = None
        elif self.ema is not None:
            self.ema.decay = float(training.ema_decay)
        self.training = training

    def set_optimizer(self, network: str, spec: OptimizerSpec) -> None:
        """network: "g" or "d". Same kind: new hyperparameters, state kept (Adam's moments
        survive an lr change). Another kind: a fresh optimizer."""
        attr = "g_optimizer" if network == "g" else "d_optimizer"
        net = self.generator if network == "g" else self.discriminator
        current: Optimizer = getattr(self, attr)
        if current.spec.kind == spec.kind:
            current.spec = spec
        else:
            setattr(self, attr, make_optimizer(spec, net.params.size, self.dtype))

    def rebuild(self, network: str, spec: NetworkSpec, opt: OptimizerSpec, rng: np.random.Generator) -> None:
        """Replace G ("g") or D ("d") by a freshly initialised network of `spec` with a fresh
        optimizer; the other network keeps its weights and optimizer state."""
        if network == "g":
            self.generator = build_network(spec, rng, self.dtype)
            self.g_optimizer = make_optimizer(opt, self.generator.params.size, self.dtype)
            self.ema = EMA(self.generator.params.values, self.training.ema_decay) if self.training.ema else None
        else:
            self.discriminator = build_network(spec, rng, self.dtype)
            self.d_optimizer = make_optimizer(opt, self.discriminator.params.size, self.dtype)
        self.release_buffers()

    # -- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Weights, optimizer states and EMA as a flat dict of arrays (keys like "g/params");
        a conv net's buffers (batch-norm running statistics, spectral-norm vectors) as
        "g/buffers" / "d/buffers" (absent for MLPs, which have none)."""
        d = {"g/params": self.generator.params.values.copy(), "d/params": self.discriminator.params.values.copy()}
        for key, net in (("g/buffers", self.generator), ("d/buffers", self.discriminator)):
            if net.buffers.size:
                d[key] = net.buffers.values.copy()
        for prefix, opt in (("g/opt/", self.g_optimizer), ("d/opt/", self.d_optimizer)):
            d.update({prefix + k: v for k, v in opt.state_dict().items()})
        if self.ema is not None:
            d.update({"g/ema/" + k: v for k, v in self.ema.state_dict().items()})
        return d

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state_dict` gave, into networks of the same architecture."""
        for key, net in (("g/params", self.generator), ("d/params", self.discriminator)):
            if d[key].shape != net.params.values.shape:
                raise ValueError(f"{key}: saved {d[key].shape[0]} parameters, the network has {net.params.size}")
            net.params.values[...] = d[key]
        for key, net in (("g/buffers", self.generator), ("d/buffers", self.discriminator)):
            if net.buffers.size:
                if d[key].shape != net.buffers.values.shape:
                    raise ValueError(f"{key}: saved {d[key].shape[0]} values, the network has {net.buffers.size}")
                net.buffers.values[...] = d[key]
        for prefix, opt in (("g/opt/", self.g_optimizer), ("d/opt/", self.d_optimizer)):
            opt.load_state_dict({k[len(prefix) :]: v for k, v in d.items() if k.startswith(prefix)})
        if self.ema is not None and "g/ema/shadow" in d:
            self.ema.load_state_dict({"shadow": d["g/ema/shadow"], "t": d["g/ema/t"]})
        self._fake = None
