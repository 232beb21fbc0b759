"""The config model: TOML round trip, dotted keys, validation messages, presets."""

import pytest

from ganstudio.config.model import ConfigError, RunConfig, from_toml, keys, load_toml, parse_assignment, to_toml
from ganstudio.config.presets import load_preset, preset_names


def test_toml_round_trip_keeps_every_field():
    config = RunConfig().with_values(
        {
            "data.classes": "[0, 1, 7]",
            "generator.hidden": "256, 512",
            "optimizer.d.lr": "1e-3",
            "training.ema": "true",
            "seed": "7",
        }
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
    assert from_toml('[data]\nclasses = "all"').data.classes == ()
    three = RunConfig().with_values({"data.classes": "[3]"})
    assert three.with_values({"seed": 1}).data.classes == (3,) and three.with_values({"data.classes": "ALL"}).data.classes == ()


@pytest.mark.parametrize("value", ["[]", "", " [ ] ", (), []])
def test_an_empty_class_list_is_refused_not_taken_for_all(value):
    with pytest.raises(ConfigError, match='data.classes: an empty list selects no class.*"all"'):
        RunConfig().with_values({"data.classes": value})


def test_an_empty_class_list_in_a_file_is_refused():
    with pytest.raises(ConfigError, match="data.classes: an empty list"):
        from_toml("[data]\nclasses = []")


@pytest.mark.parametrize(
    "toml, field",
    [
        ("[generator]\nhidden = [true]", "generator.hidden"),
        ("[generator]\nhidden = [128.7]", "generator.hidden"),
        ("[discriminator]\nhidden = [256, false]", "discriminator.hidden"),
        ("[data]\nclasses = [3.5]", "data.classes"),
        ("[data]\nclasses = [true]", "data.classes"),
        ("[data]\nbatch_size = true", "data.batch_size"),
        ("[data]\nbatch_size = 64.5", "data.batch_size"),
        ("seed = 1.5", "seed"),
        ("[training]\nema = 5", "training.ema"),
        ("[optimizer]\nlr = true", "optimizer.g.lr"),
    ],
)
def test_a_bool_or_a_fraction_is_not_a_whole_number(toml, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.") + ": .* is not"):
        from_toml(toml)


@pytest.mark.parametrize(
    "key, value",
    [("generator.hidden", "[128.7]"), ("generator.hidden", [True]), ("data.classes", "3.5"), ("data.batch_size", True)],
)
def test_set_and_the_window_are_as_strict_as_a_file(key, value):
    with pytest.raises(ConfigError, match=key):
        RunConfig().with_values({key: value})


def test_whole_floats_and_numerals_still_count_as_whole_numbers():
    config = from_toml("seed = 3.0\n[generator]\nhidden = [128.0, 256]\n[data]\nbatch_size = 32.0")
    assert config.seed == 3 and config.generator.hidden == (128, 256) and config.data.batch_size == 32
    assert isinstance(config.generator.hidden[0], int) and isinstance(config.data.batch_size, int)
    assert RunConfig().with_values({"generator.hidden": "64, 32", "training.ema": "on"}).generator.hidden == (64, 32)


@pytest.mark.parametrize(
    "toml, words",
    [
        ("data = 5", "data: 5 is not a section of settings; write [data]"),
        ("optimizer = 'adam'", "optimizer: 'adam' is not a section"),
        ("[optimizer]\ng = 5", "optimizer.g: 5 is not a section of settings; write [optimizer.g]"),
        ("[optimizer]\nd = [1]", "optimizer.d: [1] is not a section"),
        ("training = true", "training: True is not a section"),
    ],
)
def test_a_section_given_as_a_value_is_one_error(toml, words):
    with pytest.raises(ConfigError) as info:
        from_toml(toml)
    assert words in str(info.value)


def test_a_config_file_that_is_not_utf8_is_one_error(tmp_path):
    latin = tmp_path / "latin1.toml"
    latin.write_bytes("# caf\u00e9\nseed = 1\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1.toml: not UTF-8 text \(byte 0xe9 at offset 5\)"):
        load_toml(latin)


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
        ("nonsense.key", "1", ["unknown setting 'nonsense.key'", "`ganstudio config` prints every setting"]),
        ("optimizer.lrr", "1", ["unknown setting 'optimizer.lrr'; did you mean optimizer.lr?"]),
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


DEEP = 5000


@pytest.mark.parametrize(
    "text, words",
    [
        ("x = " + "[" * DEEP + "]" * DEEP + "\n", "nested more than 32 deep"),  # tomllib: RecursionError
        ("x = " + "{ a = " * DEEP + "1" + " }" * DEEP + "\n", "nested more than 32 deep"),
        ("[generator]\nhidden." + "a." * 3000 + "b = 1\n", "nested more than 32 deep"),  # parses; repr() of it recurses
        ("seed = " + "7" * DEEP + "\n", "not valid TOML (Exceeds the limit (4300 digits)"),
    ],
    ids=["arrays", "inline-tables", "dotted-keys", "long-integer"],
)
def test_a_hostile_toml_text_is_one_error_naming_its_file(tmp_path, text, words):
    path = tmp_path / "hostile.toml"
    path.write_text(text)
    for read, source in ((lambda: load_toml(path), str(path)), (lambda: from_toml(text, "saved settings"), "saved settings")):
        with pytest.raises(ConfigError) as info:
            read()
        message = str(info.value)
        assert message.startswith(f"{source}: ") and words in message and "\n" not in message, message


def test_a_toml_file_larger_than_any_ganstudio_file_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as fh:
        fh.truncate(16 * 2**20 + 1)  # sparse: 16 MB and a byte of NULs that take no disk
    with pytest.raises(ConfigError) as info:
        load_toml(huge)
    assert str(info.value) == f"{huge}: larger than 16 MB, more than any GAN Studio file holds; not read"


def test_a_file_that_is_not_toml_is_named_once(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[data\n")
    with pytest.raises(ConfigError) as info:
        load_toml(broken)
    assert str(info.value) == f"{broken}: not valid TOML (Expected ']' at the end of a table declaration (at line 1, column 6))"


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
