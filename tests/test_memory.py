"""The memory estimate: a pure function of the config that matches what a real run holds, and
the check that refuses a run that cannot fit before anything is allocated."""

import re
import tracemalloc

import numpy as np
import pytest

from ganstudio.config.model import ConfigError, RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.engine.network import build_network
from ganstudio.run import commands as cmd
from ganstudio.run.memory import available_memory, check_memory, estimate, human, parameter_count
from ganstudio.run.session import Session

GIB = 1 << 30
SMALL = RunConfig().with_values(
    {"data.dataset": "synthetic-digits", "generator.hidden": "32", "discriminator.hidden": "32", "view.insight_every": 0}
)
HUGE = SMALL.with_values({"generator.hidden": [4096] * 60})  # legal: 60 layers of 4096 (about 32 GB with Adam)


def test_parameter_count_is_the_networks_size():
    config = load_preset("recommended")
    conv = config.with_values({"generator.kind": "conv", "discriminator.kind": "conv", "discriminator.spectral_norm": True})
    for spec in (config.generator_spec(), config.discriminator_spec(), conv.generator_spec(), conv.discriminator_spec()):
        assert parameter_count(spec) == build_network(spec, np.random.default_rng(0)).params.size


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"optimizer.kind": "sgd", "training.ema": True, "discriminator.dropout": 0.3, "data.batch_size": 256},
        {
            "optimizer.g.kind": "momentum",
            "optimizer.d.kind": "rmsprop",
            "generator.hidden": "[512, 1024]",
            "discriminator.hidden": "[1024, 256]",
        },
        {"generator.kind": "conv", "discriminator.kind": "conv", "data.batch_size": 32, "training.ema": True},
        {"generator.kind": "conv", "discriminator.spectral_norm": True, "discriminator.batch_norm": True, "data.batch_size": 16},
        {
            "discriminator.kind": "conv",
            "discriminator.spectral_norm": True,
            "discriminator.batch_norm": True,
            "data.batch_size": 16,
        },
        {"generator.kind": "conv", "discriminator.kind": "conv", "discriminator.dropout": 0.3, "data.batch_size": 32},
    ],
)
def test_the_estimate_is_what_a_real_run_holds(changes):
    """Traced NumPy memory of a session after a few steps, less its dataset (the training images
    and the held-out ones), is the estimate plus small change (history, fixed noise, recorded frames)."""
    config = load_preset("recommended").with_values({"data.dataset": "synthetic-digits", "view.insight_every": 0, **changes})
    Session(config).step()  # first imports and compiled kernels are the process's, not the run's
    tracemalloc.start()
    try:
        session = Session(config)
        for _ in range(3):
            session.step()
        dataset = session.dataset
        held_out = 0 if dataset.held_out is None else dataset.held_out.nbytes
        held = tracemalloc.get_traced_memory()[0] - dataset.x.nbytes - held_out
    finally:
        tracemalloc.stop()
    need = estimate(config).total
    assert need <= held <= need * 1.1 + 4e6, (human(need), human(held))


def test_the_estimate_grows_with_the_optimizer_ema_and_batch():
    base = estimate(SMALL)
    assert estimate(SMALL.with_values({"optimizer.kind": "sgd"})).optimizer == base.optimizer / 3
    assert estimate(SMALL.with_values({"training.ema": True})).ema > 0 == base.ema
    doubled = estimate(SMALL.with_values({"data.batch_size": 2 * SMALL.data.batch_size}))
    assert doubled.activations == 2 * base.activations and doubled.weights == base.weights


def test_a_run_that_cannot_fit_is_refused_with_the_estimate_and_the_limit():
    need = estimate(HUGE).total
    assert 30e9 < need < 35e9
    with pytest.raises(ConfigError) as info:
        check_memory(HUGE, available=8 * GIB)
    message = str(info.value)
    assert message.startswith("not enough memory: this run needs about ") and human(need) in message and human(8 * GIB) in message
    assert "optimizer state" in message and "generator.hidden" in message
    check_memory(HUGE, available=need + 1)  # fits


def test_a_live_change_needs_room_only_for_its_growth():
    bigger = SMALL.with_values({"generator.hidden": [2048, 2048]})
    growth = estimate(bigger).total - estimate(SMALL).total
    with pytest.raises(ConfigError, match=rf"this change needs about {re.escape(human(growth))} more"):
        check_memory(bigger, current=SMALL, available=growth - 1)
    check_memory(bigger, current=SMALL, available=growth)
    check_memory(SMALL, current=bigger, available=0)  # shrinking always fits


def test_available_memory_reads_meminfo_and_unknown_never_refuses(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16314672 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n")
    assert available_memory(meminfo) == 8_000_000 * 1024
    meminfo.write_text("MemTotal:       16314672 kB\n")  # an old kernel without MemAvailable
    assert available_memory(meminfo) is None
    assert available_memory(tmp_path / "missing") is None
    monkeypatch.setattr("ganstudio.run.memory.MEMINFO", tmp_path / "missing")
    check_memory(HUGE)  # nothing known: not refused


def test_the_session_refuses_a_network_that_cannot_fit_and_keeps_the_run():
    absurd = [4096] * 20_000  # about 11 TB: more than any machine has
    with pytest.raises(ConfigError, match="not enough memory"):
        Session(SMALL.with_values({"discriminator.hidden": absurd}))
    session = Session(SMALL)
    session.step()
    session.apply(cmd.SetParam("generator.hidden", absurd))
    with pytest.raises(ConfigError, match="this change needs about .* more"):
        session.apply(cmd.Rebuild("g"))
    assert session.config.generator.hidden == (32,) and session.gan.generator.params.size == parameter_count(
        SMALL.generator_spec()
    )
    assert session.step() is not None
