"""GAN losses on the discriminator's raw outputs (logits), numerically stable.

Every loss gives the *batch-mean* loss and its gradient with respect to the logits:
``d_loss(real, fake, real_target) -> (loss, d_real, d_fake)`` and
``g_loss(fake) -> (loss, d_fake)``; real, fake: (batch, 1) float32.

-log(sigmoid(l)) is written softplus(-l) = logaddexp(0, -l); its derivative is sigmoid(l) - 1.
No log(a + 1e-8) anywhere.
"""

from __future__ import annotations

import numpy as np

LOSSES = ("minimax", "non_saturating", "least_squares", "hinge", "wasserstein")

# Losses whose D output is a probability through a sigmoid (D(x) is reported as sigmoid(logit)).
PROBABILISTIC = ("minimax", "non_saturating")


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Overflow-free logistic function, same shape and dtype as x."""
    y = np.multiply(x, 0.5)
    np.tanh(y, out=y)
    y += 1.0
    y *= 0.5
    return y


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) without overflow."""
    return np.logaddexp(np.float32(0.0), x)


def d_loss(kind: str, real: np.ndarray, fake: np.ndarray, real_target: float = 1.0) -> tuple[float, np.ndarray, np.ndarray]:
    """Discriminator loss. real, fake: (n, 1) logits. `real_target` < 1 is one-sided label
    smoothing (used by the cross-entropy and least-squares losses; hinge and Wasserstein
    have no target)."""
    n_real, n_fake = real.shape[0], fake.shape[0]
    t = float(real_target)
    if kind in PROBABILISTIC:
        # BCE(real, t) + BCE(fake, 0); dBCE/dl = sigmoid(l) - target.
        loss = t * softplus(-real).mean() + (1.0 - t) * softplus(real).mean() + softplus(fake).mean()
        d_real = sigmoid(real)
        d_real -= t
        d_real *= 1.0 / n_real
        d_fake = sigmoid(fake)
        d_fake *= 1.0 / n_fake
    elif kind == "least_squares":
        loss = 0.5 * np.square(real - t).mean() + 0.5 * np.square(fake).mean()
        d_real = (real - t) * (1.0 / n_real)
        d_fake = fake * (1.0 / n_fake)
    elif kind == "hinge":
        loss = np.maximum(1.0 - real, 0.0).mean() + np.maximum(1.0 + fake, 0.0).mean()
        d_real = (real < 1.0).astype(real.dtype) * (-1.0 / n_real)
        d_fake = (fake > -1.0).astype(fake.dtype) * (1.0 / n_fake)
    elif kind == "wasserstein":
        loss = fake.mean() - real.mean()
        d_real = np.full_like(real, -1.0 / n_real)
        d_fake = np.full_like(fake, 1.0 / n_fake)
    else:
        raise ValueError(f"unknown loss {kind!r}; choose one of {', '.join(LOSSES)}")
    return float(loss), d_real, d_fake


def g_loss(kind: str, fake: np.ndarray) -> tuple[float, np.ndarray]:
    """Generator loss on D's logits for generated samples, fake: (n, 1)."""
    n = fake.shape[0]
    if kind == "minimax":
        # The paper's saturating loss: minimise log(1 - D(G(z))) = -softplus(fake).
        loss = -softplus(fake).mean()
        grad = sigmoid(fake)
        grad *= -1.0 / n
    elif kind == "non_saturating":
        # Maximise log D(G(z)): minimise softplus(-fake).
        loss = softplus(-fake).mean()
        grad = sigmoid(fake)
        grad -= 1.0
        grad *= 1.0 / n
    elif kind == "least_squares":
        loss = 0.5 * np.square(fake - 1.0).mean()
        grad = (fake - 1.0) * (1.0 / n)
    elif kind in ("hinge", "wasserstein"):
        loss = -fake.mean()
        grad = np.full_like(fake, -1.0 / n)
    else:
        raise ValueError(f"unknown loss {kind!r}; choose one of {', '.join(LOSSES)}")
    return float(loss), grad


def d_output(kind: str, logits: np.ndarray) -> float:
    """Mean D output as plotted: sigmoid(logit) for the cross-entropy losses, the raw score for
    least-squares, hinge and Wasserstein."""
    if kind in PROBABILISTIC:
        return float(sigmoid(logits).mean())
    return float(logits.mean())
