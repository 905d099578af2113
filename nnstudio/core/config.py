"""The training configuration: one frozen, self-validating dataclass.

The same JSON file drives the CLI (``--config``) and the studio window. Choices
are stored by stable names (``"relu"``), never by position in a list. A bad
value raises :class:`~nnstudio.core.errors.ConfigError` naming the field, the
value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnstudio.core.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from nnstudio.core.errors import ConfigError
from nnstudio.core.initializers import INITIALIZERS
from nnstudio.core.losses import LOSSES
from nnstudio.core.optimizers import OPTIMIZERS

SCHEMA_VERSION = 1
SAMPLING = ("replacement", "shuffle", "sequential")
DTYPES = ("float64", "float32")
TASKS = ("auto", "classification", "regression")
MAX_HIDDEN_LAYERS = 16
MAX_WIDTH = 4096


@dataclass(frozen=True)
class Config:
    """Everything that decides a training run, apart from the data file itself."""

    # Network
    hidden_layers: tuple[int, ...] = (12, 6)
    activations: tuple[str, ...] = ("tanh", "tanh")
    output: str = "auto"
    use_bias: bool = True
    init: str = "xavier"
    # Objective
    loss: str = "cross_entropy"
    l1: float = 0.0
    l2: float = 0.01
    # Optimizer
    optimizer: str = "adam"
    learning_rate: float = 0.01
    momentum: float = 0.9
    nesterov: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    # Schedule
    batch_size: int = 16
    sampling: str = "shuffle"
    epochs: int | None = 100
    iterations: int | None = None
    eval_every: int | None = None  # steps between evaluations; None = once per epoch
    report_every: int | None = None  # steps between printed losses; None = about 20 lines a run
    # Data
    task: str = "auto"
    test_split: float = 0.3
    standardize: bool = True
    label_column: int | str | None = None
    ignore_columns: tuple[int | str, ...] = ()
    # Numerics
    dtype: str = "float64"
    seed: int = 0
    schema_version: int = field(default=SCHEMA_VERSION, repr=False)

    def __post_init__(self):
        # Lists from JSON become tuples; one activation name applies to every layer.
        hidden = _as_tuple(self.hidden_layers, "hidden_layers")
        activations = self.activations
        if isinstance(activations, str):
            activations = (activations,)
        activations = _as_tuple(activations, "activations")
        if len(activations) == 1 and len(hidden) != 1:
            activations = activations * len(hidden)
        object.__setattr__(self, "hidden_layers", hidden)
        object.__setattr__(self, "activations", activations)
        object.__setattr__(self, "ignore_columns", _as_tuple(self.ignore_columns, "ignore_columns"))
        self._validate()

    def _validate(self):
        if len(self.hidden_layers) > MAX_HIDDEN_LAYERS:
            _fail("hidden_layers", self.hidden_layers, f"at most {MAX_HIDDEN_LAYERS} hidden layers")
        for width in self.hidden_layers:
            if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= MAX_WIDTH:
                _fail(
                    "hidden_layers",
                    self.hidden_layers,
                    f"whole numbers from 1 to {MAX_WIDTH}, e.g. [12, 6]",
                )
        if len(self.activations) != len(self.hidden_layers):
            _fail(
                "activations",
                self.activations,
                f"one name, or one per hidden layer ({len(self.hidden_layers)})",
            )
        for name in self.activations:
            _choice("activations", name, HIDDEN_ACTIVATIONS)
        _choice("output", self.output, ("auto", *OUTPUT_ACTIVATIONS))
        _choice("init", self.init, INITIALIZERS)
        _choice("loss", self.loss, LOSSES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("sampling", self.sampling, SAMPLING)
        _choice("task", self.task, TASKS)
        _choice("dtype", self.dtype, DTYPES)
        for name in ("use_bias", "standardize", "nesterov"):
            if not isinstance(getattr(self, name), bool):
                _fail(name, getattr(self, name), "true or false")
        _number("learning_rate", self.learning_rate, low=0.0, low_open=True)
        _number("l1", self.l1, low=0.0)
        _number("l2", self.l2, low=0.0)
        _number("momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        _number("beta1", self.beta1, low=0.0, high=1.0, high_open=True)
        _number("beta2", self.beta2, low=0.0, high=1.0, high_open=True)
        _number("test_split", self.test_split, low=0.0, high=1.0, high_open=True)
        _count("batch_size", self.batch_size)
        if (self.epochs is None) == (self.iterations is None):
            _fail("epochs", self.epochs, "exactly one of epochs and iterations set")
        for name in ("epochs", "iterations", "eval_every", "report_every"):
            if getattr(self, name) is not None:
                _count(name, getattr(self, name))
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            _fail("seed", self.seed, "a whole number >= 0")
        if self.task == "regression" and self.loss == "cross_entropy":
            _fail("loss", self.loss, "mse or sse for a regression task")
        if self.loss == "cross_entropy" and self.output == "linear":
            _fail("output", self.output, "softmax or sigmoid with the cross_entropy loss")

    # -- derived values --------------------------------------------------------

    def resolved_output(self, task: str) -> str:
        """The output activation for a ``"classification"`` or ``"regression"`` task."""
        if self.output != "auto":
            return self.output
        if task == "regression":
            return "linear"
        return "softmax" if self.loss == "cross_entropy" else "sigmoid"

    def replace(self, **changes) -> Config:
        """A copy with ``changes`` applied (and validated)."""
        if "hidden_layers" in changes and "activations" not in changes:
            # Keep each surviving layer's activation; new layers copy the last one.
            n = len(_as_tuple(changes["hidden_layers"], "hidden_layers"))
            old = self.activations or ("tanh",)
            changes["activations"] = tuple(old[i] if i < len(old) else old[-1] for i in range(n))
        if "iterations" in changes and changes["iterations"] is not None:
            changes.setdefault("epochs", None)
        if "epochs" in changes and changes["epochs"] is not None:
            changes.setdefault("iterations", None)
        return dataclasses.replace(self, **changes)

    # -- JSON ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        if not isinstance(data, dict):
            raise ConfigError("a configuration must be a JSON object of field names and values")
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise ConfigError(
                f"schema_version {version!r} is not supported; this nnstudio reads version "
                f"{SCHEMA_VERSION}"
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"unknown field {unknown[0]!r}; known fields are {', '.join(sorted(known))}"
            )
        try:
            return cls(**data)
        except TypeError as exc:  # a wrongly typed value that the checks did not catch
            raise ConfigError(str(exc)) from None

    @classmethod
    def from_json(cls, text: str) -> Config:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> Config:
        """Read a configuration file; errors name the file."""
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: the config file is not UTF-8 text") from None
        try:
            return cls.from_json(text)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")


# -- validation helpers ---------------------------------------------------------


def _fail(name: str, value: Any, allowed: str):
    raise ConfigError(f"{name} = {value!r} is not allowed: use {allowed}")


def _choice(name: str, value: Any, allowed) -> None:
    if value not in allowed:
        _fail(name, value, "one of " + ", ".join(allowed))


def _number(name, value, *, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _fail(name, value, "a finite number")
    too_low = low is not None and (value < low or (low_open and value == low))
    too_high = high is not None and (value > high or (high_open and value == high))
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        _fail(
            name,
            value,
            f"a number in {left}{low}, {high}{right}"
            if high is not None
            else f"a number {'>' if low_open else '>='} {low}",
        )


def _count(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        _fail(name, value, "a whole number >= 1")


def _as_tuple(value, name) -> tuple:
    if isinstance(value, tuple):
        return value
    if isinstance(value, list):
        return tuple(value)
    _fail(name, value, "a list")


# -- presets -------------------------------------------------------------------

MODERN = Config()

CLASSIC = Config(
    hidden_layers=(12, 6),
    activations=("sigmoid", "sigmoid"),
    output="sigmoid",
    use_bias=False,
    init="classic_uniform",
    loss="sse",
    l1=0.0,
    l2=0.0,
    optimizer="sgd",
    learning_rate=0.01,
    batch_size=64,
    sampling="replacement",
    epochs=None,
    iterations=1000,
    report_every=50,
    eval_every=50,
    test_split=0.0,
    standardize=False,
)

PRESETS: dict[str, Config] = {"modern": MODERN, "classic": CLASSIC}

PRESET_DESCRIPTIONS = {
    "modern": "tanh [12, 6], softmax cross-entropy, Adam with light L2, standardized inputs, "
    "30% test split.",
    "classic": "The classic teaching algorithm: all-sigmoid, no biases, weights in [0, 1), "
    "sum of squared errors, plain SGD lr 0.01, batch 64 with replacement, 1000 steps.",
}
