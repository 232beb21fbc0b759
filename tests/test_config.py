"""The config model: TOML round trip, dotted keys, validation messages, presets."""

import pytest

from ganstudio.config import ConfigError, RunConfig, from_toml, keys, load_toml, parse_assignment, to_toml
from ganstudio.presets import load_preset, preset_names


def test_toml_round_trip_keeps_every_field():
    config = RunConfig().with_values(
        {"data.classes": "[0, 1, 7]", "generator.hidden": "256, 512", "optimizer.d.lr": "1e-3", "training.ema": "true", "seed": "7"}
    )
    assert from_toml(to_toml(config)) == config
    assert config.data.classes == (0, 1, 7) and config.generator.hidden == (256, 512)
    assert config.optimizer.d.lr == 1e-3 and config.optimizer.g.lr == 2e-4


def test_shared_optimizer_key_sets_both_networks():
    config = RunConfig().with_values({"optimizer.lr": 5e-4})
    assert config.optimizer.g.lr == config.optimizer.d.lr == 5e-4
    assert config.get("optimizer.lr") == 5e-4


def test_classes_all_means_every_class():
    assert RunConfig().with_values({"data.classes": "all"}).data.classes == ()
    assert 'classes = "all"' in to_toml(RunConfig())


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("optimizer.lr", "-1", ["optimizer.g.lr", "(0, 10]"]),
        ("generator.hidden", "0", ["generator.hidden", "[1, 4096]"]),
        ("discriminator.hidden", "100000", ["discriminator.hidden", "4096"]),
        ("generator.activation", "swish", ["generator.activation", "leaky_relu"]),
        ("data.batch_size", "many", ["data.batch_size", "whole number"]),
        ("data.classes", "[3, 12]", ["data.classes", "0-9"]),
        ("training.loss", "l1", ["training.loss", "hinge"]),
        ("nonsense.key", "1", ["unknown setting", "optimizer.g.lr"]),
    ],
)
def test_invalid_values_name_the_field_and_the_allowed_values(key, value, words):
    with pytest.raises(ConfigError) as info:
        RunConfig().with_values({key: value})
    for word in words:
        assert word in str(info.value)


def test_every_key_is_readable():
    config = RunConfig()
    for key in keys():
        config.get(key)


def test_bad_toml_files_give_one_clear_error(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[data\nbatch_size = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_toml(broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[data]\nbatchsize = 3\n")
    with pytest.raises(ConfigError, match="data.batchsize"):
        load_toml(unknown)
    with pytest.raises(ConfigError, match="cannot read"):
        load_toml(tmp_path / "missing.toml")


def test_parse_assignment():
    assert parse_assignment("optimizer.lr = 1e-3") == ("optimizer.lr", "1e-3")
    with pytest.raises(ConfigError, match="key=value"):
        parse_assignment("optimizer.lr")


def test_presets_exist_and_match_their_recipes():
    names = preset_names()
    for required in ("vanilla", "seed-001-sgd", "seed-000-adam", "seed-002-tf", "ring8", "recommended"):
        assert required in names
    vanilla = load_preset("vanilla")
    assert vanilla.generator.hidden == (128,) and vanilla.optimizer.g.kind == "adam" and vanilla.optimizer.g.beta1 == 0.5
    sgd = load_preset("seed-001-sgd")
    assert sgd.optimizer.d.kind == "sgd" and sgd.optimizer.d.lr == 1e-3 and sgd.data.classes == (3,)
    assert sgd.schedule.kind == "inverse_time" and sgd.schedule.unit == "epoch" and sgd.schedule.decay == 1e-4
    assert load_preset("seed-000-adam").schedule.factor == 0.01
    tf = load_preset("seed-002-tf")
    assert tf.generator.output == "sigmoid" and tf.value_range == (0.0, 1.0) and tf.optimizer.g.beta1 == 0.9
    assert load_preset("ring8").data_size == 2
    with pytest.raises(ConfigError, match="unknown preset"):
        load_preset("nope")
