"""GAN losses on the discriminator's raw outputs (logits), numerically stable.

Every loss gives the *batch-mean* loss and its gradient with respect to the logits:
``d_loss_stacked(logits, n_real, real_target) -> (loss, dlogits, mean D(x), mean D(G(z)))`` on
one stacked real+fake batch (what the GAN step uses), ``d_loss(real, fake, real_target) ->
(loss, d_real, d_fake)`` and ``g_loss(fake) -> (loss, d_fake)``; logits (batch, 1) float32.

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


def d_loss_stacked(
    kind: str, logits: np.ndarray, n_real: int, real_target: float = 1.0
) -> tuple[float, np.ndarray, float, float]:
    """Discriminator loss on one stacked batch: logits (n, 1), the first `n_real` rows for real
    data, the rest for generated samples. Returns (loss, dL/dlogits (n, 1), mean D(x),
    mean D(G(z))): sigmoid(logit) for the cross-entropy losses, the raw score for least-squares,
    hinge and Wasserstein. `real_target` < 1 is one-sided
    label smoothing (cross-entropy and least-squares losses; hinge and Wasserstein have no
    target)."""
    real, fake = logits[:n_real], logits[n_real:]
    inv_real, inv_fake = 1.0 / n_real, 1.0 / fake.shape[0]
    t = float(real_target)
    if kind in PROBABILISTIC:
        # BCE(real, t) + BCE(fake, 0) with softplus(-l) = softplus(l) - l; dBCE/dl = sigmoid(l) - target.
        sp = softplus(logits)
        loss = float(sp[:n_real].mean()) - t * float(real.mean()) + float(sp[n_real:].mean())
        grad = sigmoid(logits)
        mean_real, mean_fake = float(grad[:n_real].mean()), float(grad[n_real:].mean())
        grad[:n_real] -= t
        grad[:n_real] *= inv_real
        grad[n_real:] *= inv_fake
        return loss, grad, mean_real, mean_fake
    mean_real, mean_fake = float(real.mean()), float(fake.mean())
    grad = np.empty_like(logits)
    if kind == "least_squares":
        loss = 0.5 * float(np.square(real - t).mean()) + 0.5 * float(np.square(fake).mean())
        np.multiply(real - t, inv_real, out=grad[:n_real])
        np.multiply(fake, inv_fake, out=grad[n_real:])
    elif kind == "hinge":
        loss = float(np.maximum(1.0 - real, 0.0).mean()) + float(np.maximum(1.0 + fake, 0.0).mean())
        np.multiply(real < 1.0, -inv_real, out=grad[:n_real])
        np.multiply(fake > -1.0, inv_fake, out=grad[n_real:])
    elif kind == "wasserstein":
        loss = mean_fake - mean_real
        grad[:n_real] = -inv_real
        grad[n_real:] = inv_fake
    else:
        raise ValueError(f"unknown loss {kind!r}; choose one of {', '.join(LOSSES)}")
    return loss, grad, mean_real, mean_fake


def d_loss(kind: str, real: np.ndarray, fake: np.ndarray, real_target: float = 1.0) -> tuple[float, np.ndarray, np.ndarray]:
    """Discriminator loss on separate batches. real, fake: (n, 1) logits. Returns (loss,
    dL/dreal, dL/dfake); see :func:`d_loss_stacked`."""
    loss, grad, _, _ = d_loss_stacked(kind, np.concatenate([real, fake]), real.shape[0], real_target)
    return loss, grad[: real.shape[0]], grad[real.shape[0] :]


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
