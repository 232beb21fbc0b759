"""One GAN: generator, discriminator, their optimizers, the loss, and the training step.

A training iteration is `d_steps` discriminator updates, each on a fresh real batch stacked with
a fresh fake batch (one (2n, D) forward/backward through D: one cache, no stale activations),
then one generator update that reuses the last D step's fake batch (G's weights have not changed
since) and back-propagates through D without computing D's own weight gradients.

Each optimizer applies its own lr in effect (base lr times the schedule, engine/optimizers.py):
the steps take the run's clock, `step` (iterations so far) and `epoch` (passes over the data so
far), as they stand when the iteration starts.

A conditional GAN (``conditioning`` given) feeds labels to both networks (engine/conditioning.py):
real batches come with their labels, fake batches draw theirs uniformly over the run's classes
from the same `rng`, right after their noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ganstudio.engine.conditioning import (
    Conditioning,
    balanced_labels,
    code_input,
    discriminator_input,
    discriminator_input_size,
    draw_labels,
    generator_input,
    sample_gradient,
)
from ganstudio.engine.losses import d_loss_stacked, g_loss
from ganstudio.engine.network import NetworkSpec, build_network
from ganstudio.engine.optimizers import EMA, Optimizer, OptimizerSpec, make_optimizer
from ganstudio.engine.schedules import ScheduleSpec

STANDING_SAMPLES = 256  # noise vectors the EMA generator's batch-norm statistics are measured on
STANDING_SEED = 0
STANDING_EVERY = 100  # EMA updates between measurements (one costs about 3 dcgan steps)


@dataclass(frozen=True)
class TrainingSpec:
    """How the two networks are trained against each other.

    loss: one of engine.losses.LOSSES; d_steps: discriminator updates per generator update (k);
    label_smoothing: one-sided, real targets become 1 - label_smoothing; clip: Wasserstein weight
    clipping bound for D (used only with loss "wasserstein"); ema/ema_decay: keep an exponential
    moving average of G's weights for sampling; conditional: G and D take the class label too
    (the GAN's `conditioning` says how; an architecture setting: changing it rebuilds both).
    """

    loss: str = "non_saturating"
    d_steps: int = 1
    label_smoothing: float = 0.0
    clip: float = 0.01
    ema: bool = False
    ema_decay: float = 0.999
    conditional: bool = False


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


@dataclass(frozen=True, eq=False)
class GeneratorWeights:
    """G's weights as sampling uses them: params (n_params,) and, for a G with batch norm, the
    (n_buffers,) statistics its batch norms normalise with (None for a G without)."""

    params: np.ndarray
    statistics: np.ndarray | None = None

    def copy(self) -> GeneratorWeights:
        """Read-only copies of the arrays."""
        params = self.params.copy()
        params.flags.writeable = False
        if self.statistics is None:
            return GeneratorWeights(params)
        statistics = self.statistics.copy()
        statistics.flags.writeable = False
        return GeneratorWeights(params, statistics)


Batch = np.ndarray | tuple[np.ndarray, np.ndarray]  # a real batch (n, D), or (batch, labels (n,)) when conditional


def _norm(grads: np.ndarray) -> float:
    return math.sqrt(float(np.dot(grads, grads)))


class GAN:
    """Generator G (latent -> data) and discriminator D (data -> logit) with their optimizers,
    whose lrs both follow `schedule`.

    All randomness comes from the `rng` passed to each call (the session's). With `conditioning`
    G reads (latent + K) and D (its sample plus the label, see engine/conditioning.py), and every
    batch has labels (n,) int.
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
        conditioning: Conditioning | None = None,
        schedule: ScheduleSpec = ScheduleSpec(),
    ) -> None:
        self.conditioning = conditioning
        self.training = training
        self.dtype = np.dtype(dtype)
        self.generator = build_network(g_spec, rng, dtype)
        self.discriminator = build_network(d_spec, rng, dtype)
        if d_spec.input_size != self.d_size_for(conditioning) or d_spec.output_size != 1:
            raise ValueError("D's input must be G's output (with the label when conditional), and D must output one logit")
        self.g_optimizer: Optimizer = make_optimizer(g_opt, self.generator.params.size, dtype, schedule)
        self.d_optimizer: Optimizer = make_optimizer(d_opt, self.discriminator.params.size, dtype, schedule)
        self.ema: EMA | None = EMA(self.generator.params.values, training.ema_decay) if training.ema else None
        self._stacked: dict[int, np.ndarray] = {}
        self._z: dict[int, np.ndarray] = {}
        self._g_in: dict[int, np.ndarray] = {}  # conditional: G's input (n, latent + K)
        self._d_in: dict[int, np.ndarray] = {}  # conditional: D's input for one (fake) batch
        self._dx: dict[int, np.ndarray] = {}  # conditional: dL/d(fake sample), contiguous
        self._fake: np.ndarray | None = None  # G's training output from the last D step
        self._fake_labels: np.ndarray | None = None  # its labels (conditional)
        self._standing: tuple[tuple, np.ndarray] | None = None  # ((ema, its step, conditioning), the EMA G's BN statistics)

    # -- shapes ---------------------------------------------------------------------------
    @property
    def conditional(self) -> bool:
        return self.conditioning is not None

    @property
    def n_classes(self) -> int:
        """K, the one-hot width (0 for an unconditional GAN)."""
        return self.conditioning.n_classes if self.conditioning is not None else 0

    @property
    def latent_size(self) -> int:
        return self.generator.spec.input_size - self.n_classes

    @property
    def data_size(self) -> int:
        return self.generator.spec.output_size

    def _buffer(self, pool: dict[int, np.ndarray], rows: int, cols: int) -> np.ndarray:
        buf = pool.get(rows)
        if buf is None or buf.shape[1] != cols:
            buf = pool[rows] = np.empty((rows, cols), self.dtype)
        return buf

    def d_size_for(self, conditioning: Conditioning | None) -> int:
        """D's input width under `conditioning` for G's samples."""
        c, size = conditioning, self.generator.spec.output_size
        return size if c is None else discriminator_input_size(size, c.n_classes, c.layout)

    def release_buffers(self) -> None:
        """Drop per-batch-size buffers (call after a batch-size change)."""
        for pool in (self._stacked, self._z, self._g_in, self._d_in, self._dx):
            pool.clear()
        self.generator.release_buffers()
        self.discriminator.release_buffers()
        self._fake = None
        self._fake_labels = None

    def set_conditioning(self, conditioning: Conditioning | None) -> None:
        """How labels are fed from now on: new classes for fake labels (a live change of the
        class subset), or, right after both networks were rebuilt, conditioning on or off. The
        networks' input sizes must fit it."""
        if self.d_size_for(conditioning) != self.discriminator.spec.input_size:
            raise ValueError("the conditioning does not fit D's input size")
        self.conditioning = conditioning

    def _labels_needed(self, labels: np.ndarray | None) -> np.ndarray | None:
        if self.conditional and labels is None:
            raise ValueError("a conditional GAN needs the labels of its batch")
        return labels if self.conditional else None

    def _generate(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """G's training output for n fresh noise vectors (and, conditional, n fresh labels
        drawn after them, kept in ``_fake_labels``): (n, data_size), G's reused buffer."""
        z = self._buffer(self._z, n, self.latent_size)
        rng.standard_normal(out=z, dtype=self.dtype)
        if not self.conditional:
            return self.generator.forward(z)
        c = self.conditioning
        self._fake_labels = draw_labels(rng, c.classes, n)
        g_in = generator_input(z, self._fake_labels, c.n_classes, self._buffer(self._g_in, n, self.generator.spec.input_size))
        return self.generator.forward(g_in)

    def _d_input(self, pool: dict[int, np.ndarray], x: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        """D's input for samples x (n, data_size): x itself, or x with its labels (conditional)."""
        if not self.conditional:
            return x
        c = self.conditioning
        out = self._buffer(pool, len(x), self.discriminator.spec.input_size)
        return discriminator_input(x, labels, c.n_classes, c.layout, out)

    # -- training -------------------------------------------------------------------------
    def learning_rates(self, step: int, epoch: int) -> tuple[float, float]:
        """(G's lr, D's lr) in effect at the run's `step` and `epoch`."""
        return self.g_optimizer.lr_at(step, epoch), self.d_optimizer.lr_at(step, epoch)

    def d_step(
        self, real: np.ndarray, rng: np.random.Generator, step: int, epoch: int, labels: np.ndarray | None = None
    ) -> tuple[float, float, float, float]:
        """One discriminator update at the lr in effect at the run's `step` and `epoch`.
        real: (n, data_size) float32; labels: its (n,) classes (conditional GANs only).
        Returns (d_loss, mean D(x), mean D(G(z)), D's gradient norm)."""
        labels = self._labels_needed(labels)
        n = real.shape[0]
        fake = self._generate(n, rng)
        D = self.discriminator
        x = self._buffer(self._stacked, 2 * n, D.spec.input_size)
        if self.conditional:
            c = self.conditioning
            discriminator_input(real, labels, c.n_classes, c.layout, x[:n])
            discriminator_input(fake, self._fake_labels, c.n_classes, c.layout, x[n:])
        else:
            x[:n] = real
            x[n:] = fake
        logits = D.forward(x, rng, groups=2)  # batch norm (conv D): real and fake normalised apart, as in G's step
        kind = self.training.loss
        loss, dlogits, mean_real, mean_fake = d_loss_stacked(kind, logits, n, 1.0 - self.training.label_smoothing)
        D.backward(dlogits, need_input_grad=False)
        norm = _norm(D.params.grads)
        self.d_optimizer.step(D.params.values, D.params.grads, step, epoch)
        if kind == "wasserstein":
            clip = float(self.training.clip)
            np.clip(D.params.values, -clip, clip, out=D.params.values)
        self._fake = fake
        return loss, mean_real, mean_fake, norm

    def g_step(self, n: int, rng: np.random.Generator, step: int, epoch: int, reuse_fake: bool = False) -> tuple[float, float]:
        """One generator update on n samples at the lr in effect at `step`, `epoch`. It draws its
        own fake batch, or with `reuse_fake` (within :meth:`train_step`, right after D's update)
        trains on that update's fakes, whose forward pass G still holds. A G-only step never
        reuses: nothing passes between two steps but the saved state, so a run restored or
        resumed between them goes on exactly. Returns (g_loss, G's gradient norm)."""
        reuse = reuse_fake and self._fake is not None and self._fake.shape[0] == n
        fake = self._fake if reuse else self._generate(n, rng)
        self._fake = None
        D, G = self.discriminator, self.generator
        logits = D.forward(self._d_input(self._d_in, fake, self._fake_labels), rng)
        loss, dlogits = g_loss(self.training.loss, logits)
        dx = D.backward(dlogits, need_input_grad=True, need_param_grads=False)
        if self.conditional:
            grad = self._buffer(self._dx, n, self.data_size)
            np.copyto(grad, sample_gradient(dx, self.data_size))  # G's backward wants a contiguous (n, data_size)
            dx = grad
        G.backward(dx, need_input_grad=False)
        norm = _norm(G.params.grads)
        self.g_optimizer.step(G.params.values, G.params.grads, step, epoch)
        if self.ema is not None:
            self.ema.update(G.params.values)
        return loss, norm

    def train_step(self, next_real: Callable[[], Batch], rng: np.random.Generator, step: int, epoch: int) -> StepMetrics:
        """`d_steps` D updates (each on `next_real()`, a (n, data_size) batch, or for a
        conditional GAN a (batch, labels (n,)) pair), then one G update, all at the lrs in effect
        at the run's `step` and `epoch` as the iteration starts."""
        for _ in range(max(1, int(self.training.d_steps))):
            real, labels = (next_real(), None) if not self.conditional else next_real()
            dl, d_real, d_fake, d_norm = self.d_step(real, rng, step, epoch, labels)
        gl, g_norm = self.g_step(real.shape[0], rng, step, epoch, reuse_fake=True)
        lr_g, lr_d = self.learning_rates(step, epoch)
        return StepMetrics(dl, gl, d_real, d_fake, d_norm, g_norm, lr_d, lr_g)

    def twin_step(self, n: int) -> Callable[[], StepMetrics]:
        """One :meth:`train_step` on batches of n of a new GAN with this one's architecture,
        optimizers and training settings (its own weights, a fixed noise batch, learning rates 0):
        this GAN's step's work, to time it at several thread counts without touching this GAN or
        its run's randomness."""
        rng = np.random.default_rng(0)
        g, d = self.generator.spec, self.discriminator.spec
        g_opt, d_opt = (replace(opt.spec, lr=0.0) for opt in (self.g_optimizer, self.d_optimizer))
        twin = GAN(g, d, g_opt, d_opt, self.training, rng, self.dtype, self.conditioning)
        real = rng.standard_normal((n, self.data_size)).astype(self.dtype)
        batch = real if self.conditioning is None else (real, draw_labels(rng, self.conditioning.classes, n))
        return lambda: twin.train_step(lambda: batch, rng, 0, 0)

    # -- inference ------------------------------------------------------------------------
    def sample(
        self, z: np.ndarray, use_ema: bool = False, labels: np.ndarray | None = None, weights: GeneratorWeights | None = None
    ) -> np.ndarray:
        """z: (n, latent_size) (and, conditional, the (n,) classes asked for) -> (n, data_size)
        new array; from `weights` if given (of G's layout), else from the EMA weights if asked
        and kept, else from the live ones."""
        labels = self._labels_needed(labels)
        if self.conditional:
            z = generator_input(np.asarray(z, self.dtype), labels, self.n_classes)
        return self._draw(z, use_ema, weights)

    def sample_codes(
        self, z: np.ndarray, codes: np.ndarray, use_ema: bool = False, weights: GeneratorWeights | None = None
    ) -> np.ndarray:
        """A conditional G's samples for class codes given directly: z (n, latent_size), codes
        (n, n_classes) rows of one-hot codes or blends of them (a walk from one class to
        another) -> (n, data_size) new array; weights as for :meth:`sample`, which this equals
        for one-hot rows."""
        if not self.conditional:
            raise ValueError("class codes need a conditional GAN")
        return self._draw(code_input(np.asarray(z, self.dtype), np.asarray(codes, self.dtype)), use_ema, weights)

    def _draw(self, g_input: np.ndarray, use_ema: bool, weights: GeneratorWeights | None) -> np.ndarray:
        """G's output (n, data_size) for its whole input (n, input_size), from `weights` if
        given, else from the EMA weights if asked and kept, else from the live ones."""
        w = weights if weights is not None else self.sampling_weights(use_ema)
        if w.statistics is None:
            return self.generator.predict(g_input, w.params)
        return self.generator.predict(g_input, w.params, w.statistics)

    def sampling_weights(self, use_ema: bool = False) -> GeneratorWeights:
        """The weights :meth:`sample` draws from with `use_ema` (the live arrays, not copies):
        the EMA's with their own batch-norm statistics when asked and kept, else the live
        weights with the running statistics."""
        g, has_bn = self.generator, self.generator.has_batch_norm
        if use_ema and self.ema is not None:
            return GeneratorWeights(self.ema.shadow, self._ema_statistics() if has_bn else None)
        return GeneratorWeights(g.params.values, g.buffers.values if has_bn else None)

    def _ema_statistics(self) -> np.ndarray:
        """The EMA generator's own batch-norm statistics (n_buffers,), measured on
        STANDING_SAMPLES fixed noise vectors (and, conditional, every class equally often);
        kept until the EMA or the classes change. (The running statistics are the live G's,
        which the EMA's weights do not match: dcgan's FID-like figure 2.2 with them, 1.8 with
        these; docs/EXPERIMENTS.md.)"""
        ema, cached = self.ema, self._standing
        if cached is None or not self._standing_fresh(*cached[0]):
            z = np.random.default_rng(STANDING_SEED).standard_normal((STANDING_SAMPLES, self.latent_size), dtype=self.dtype)
            if self.conditional:
                z = generator_input(z, balanced_labels(self.conditioning.classes, STANDING_SAMPLES), self.n_classes)
            self._standing = ((ema, ema.t, self.conditioning), self.generator.standing_statistics(z, ema.shadow))
        return self._standing[1]

    def _standing_fresh(self, ema: EMA, t: int, conditioning: Conditioning | None) -> bool:
        """Whether statistics measured for `ema` at its step `t` with `conditioning` still serve:
        the same EMA and classes, fewer than STANDING_EVERY of its updates since (it moves by
        under 10% of the way in that many at the usual decay 0.999), and not moved back."""
        return ema is self.ema and conditioning == self.conditioning and 0 <= self.ema.t - t < STANDING_EVERY

    def discriminate(self, x: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        """x: (n, data_size) (and, conditional, their (n,) labels) -> D's logits (n, 1), new
        array, no dropout."""
        labels = self._labels_needed(labels)
        if self.conditional:
            c = self.conditioning
            x = discriminator_input(np.asarray(x, self.dtype), labels, c.n_classes, c.layout)
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
        survive an lr change). Another kind: a fresh optimizer on the same schedule."""
        attr = "g_optimizer" if network == "g" else "d_optimizer"
        net = self.generator if network == "g" else self.discriminator
        current: Optimizer = getattr(self, attr)
        if current.spec.kind == spec.kind:
            current.spec = spec
        else:
            setattr(self, attr, make_optimizer(spec, net.params.size, self.dtype, current.schedule))

    def set_schedule(self, schedule: ScheduleSpec) -> None:
        """Both optimizers' lrs follow `schedule` from the next step; their state is kept."""
        self.g_optimizer.schedule = schedule
        self.d_optimizer.schedule = schedule

    def rebuild(self, network: str, spec: NetworkSpec, opt: OptimizerSpec, rng: np.random.Generator) -> None:
        """Replace G ("g") or D ("d") by a freshly initialised network of `spec` with a fresh
        optimizer on the same schedule; the other network keeps its weights and optimizer state."""
        if network == "g":
            self.generator = build_network(spec, rng, self.dtype)
            self.g_optimizer = make_optimizer(opt, self.generator.params.size, self.dtype, self.g_optimizer.schedule)
            self.ema = EMA(self.generator.params.values, self.training.ema_decay) if self.training.ema else None
        else:
            self.discriminator = build_network(spec, rng, self.dtype)
            self.d_optimizer = make_optimizer(opt, self.discriminator.params.size, self.dtype, self.d_optimizer.schedule)
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
        self._fake_labels = None
