"""Config validation, presets and JSON round trips."""

import json

import pytest

from nnstudio.core.config import CLASSIC, MODERN, PRESETS, Config
from nnstudio.core.errors import ConfigError


def test_json_round_trip_keeps_every_field(tmp_path):
    config = MODERN.replace(
        hidden_layers=(32, 16, 8),
        activations=("relu", "elu", "tanh"),
        label_column="species",
        ignore_columns=(0, "id"),
        dtype="float32",
    )
    assert Config.from_json(config.to_json()) == config
    path = tmp_path / "run.json"
    config.save(path)
    data = json.loads(path.read_text())
    assert data["schema_version"] == 1 and data["activations"] == ["relu", "elu", "tanh"]
    assert Config.load(path) == config


@pytest.mark.parametrize(
    "field,value,fragment",
    [
        ("learning_rate", 0, "learning_rate = 0"),
        ("learning_rate", "fast", "a finite number"),
        ("learning_rate", float("inf"), "a finite number"),
        ("hidden_layers", (12, 0), "from 1 to"),
        ("activations", "swish", "one of sigmoid"),
        ("output", "relu", "auto, sigmoid, softmax, linear"),
        ("loss", "hinge", "mse"),
        ("optimizer", "rmsprop", "sgd, momentum, adam"),
        ("sampling", "random", "replacement, shuffle, sequential"),
        ("batch_size", 0, "a whole number >= 1"),
        ("test_split", 1.0, "test_split"),
        ("momentum", 1.5, "momentum"),
        ("dtype", "float16", "float64, float32"),
        ("seed", -1, "seed"),
        ("use_bias", "yes", "true or false"),
    ],
)
def test_bad_values_name_field_value_and_what_is_allowed(field, value, fragment):
    with pytest.raises(ConfigError) as error:
        MODERN.replace(**{field: value})
    message = str(error.value)
    assert field in message and fragment in message and repr(value) in message


def test_inconsistent_choices_are_refused():
    with pytest.raises(ConfigError, match="regression"):
        Config(task="regression", loss="cross_entropy")
    with pytest.raises(ConfigError, match="softmax or sigmoid"):
        Config(output="linear", loss="cross_entropy")
    with pytest.raises(ConfigError, match="exactly one of epochs and iterations"):
        Config(epochs=None, iterations=None)


def test_one_activation_name_applies_to_every_layer():
    assert Config(hidden_layers=(4, 4, 4), activations="relu").activations == ("relu",) * 3
    assert Config(hidden_layers=(), activations=()).hidden_layers == ()


def test_replace_keeps_activations_when_layers_change():
    config = MODERN.replace(activations=("relu", "elu"))
    assert config.replace(hidden_layers=(8, 8, 8)).activations == ("relu", "elu", "elu")
    assert config.replace(hidden_layers=(8,)).activations == ("relu",)
    assert MODERN.replace(iterations=10).epochs is None
    assert CLASSIC.replace(epochs=3).iterations is None


def test_auto_output_follows_task_and_loss():
    assert MODERN.resolved_output("classification") == "softmax"
    assert MODERN.replace(loss="mse").resolved_output("classification") == "sigmoid"
    assert MODERN.replace(loss="mse").resolved_output("regression") == "linear"
    assert CLASSIC.resolved_output("classification") == "sigmoid"


def test_json_errors_are_explained(tmp_path):
    with pytest.raises(ConfigError, match="line 1, column"):
        Config.from_json("{not json")
    with pytest.raises(ConfigError, match="unknown field 'layers'"):
        Config.from_json('{"layers": [3]}')
    with pytest.raises(ConfigError, match="schema_version 99"):
        Config.from_json('{"schema_version": 99}')
    bad = tmp_path / "bad.json"
    bad.write_text('{"learning_rate": -1}')
    with pytest.raises(ConfigError, match="bad.json: learning_rate"):
        Config.load(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        Config.load(tmp_path / "missing.json")


def test_presets_are_registered_and_valid():
    assert set(PRESETS) == {"modern", "classic"}
    assert MODERN.optimizer == "adam" and MODERN.loss == "cross_entropy"
