"""Plot helpers: the smoothing slider's EMA and the change-marker labels."""

import numpy as np
import pytest

from ganstudio.gui.plots import event_labels, smooth
from ganstudio.history import Event


@pytest.mark.parametrize("weight", [0.0, 0.6, 0.99, 0.999])
def test_smoothing_is_the_debiased_ema(weight):
    x = np.random.default_rng(0).standard_normal(30_000).astype(np.float32)
    expected = np.empty(len(x))
    acc = 0.0
    for t, v in enumerate(x.astype(np.float64)):
        acc = weight * acc + (1 - weight) * v
        expected[t] = acc / (1 - weight ** (t + 1)) if weight else v
    np.testing.assert_allclose(smooth(x, weight), expected, atol=1e-5)


def test_change_markers_merge_the_two_networks_lr():
    events = (
        Event(100, "optimizer.g.lr", "0.0002", "0.001"),
        Event(100, "optimizer.d.lr", "0.0002", "0.001"),
        Event(250, "optimizer.d.beta1", "0.5", "0.9"),
        Event(300, "training.loss", "non_saturating", "hinge"),
        Event(400, "rebuilt G: hidden [128] -> [256]", "", ""),
    )
    assert event_labels(events) == [
        (100, "lr 0.0002 -> 0.001"),
        (250, "D beta1 0.5 -> 0.9"),
        (300, "loss non_saturating -> hinge"),
        (400, "rebuilt G: hidden [128] -> [256]"),
    ]
