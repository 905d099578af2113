"""Generated 2-D data sets, as in TensorFlow Playground, and inputs engineered from them.

:func:`generate` draws one of the registered data sets (:data:`GENERATORS`) as a
:class:`~nnstudio.core.data.Table` with features ``("x", "y")``: points roughly in
``[-6, 6]²`` with a class (``"class 0"``, ``"class 1"``, ...) or a float ``"value"``.
Every draw comes from ``np.random.default_rng(seed)`` alone, so a seed always
gives the same points.

``noise`` runs from 0 (the exact geometry) to 0.5 (very noisy) and scales with
the size of each data set, as in the Playground:

- *circle*, *xor*, *plane*, *multi_gaussian*: the label (or value) is read at
  the point moved by a uniform jitter of up to ``noise`` × the data's radius in
  each coordinate, so labels near a boundary flip while the points stay put;
- *gaussians*: the blobs' variance grows from 0.5 (noise 0) to 4 (noise 0.5);
- *spiral*: each point moves by up to ``noise`` × the gap between arms / 1.4
  (the Playground's ±``noise`` for two arms);
- *moons*: each point moves by a normal jitter of ``noise`` × the moons' radius.

:func:`add_engineered` appends inputs computed from ``x`` and ``y`` (:data:`ENGINEERED`:
``x²``, ``y²``, ``x·y``, ``sin x``, ``sin y``); :func:`derive_feature` computes one of
them from base columns, e.g. for a decision-boundary grid.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from nnstudio.core.data import Table
from nnstudio.core.errors import ConfigError, DataError

GEN_PREFIX = "gen:"
"""A data argument ``"gen:spiral"`` names a generator instead of a file."""

MIN_SAMPLES = 10
MAX_SAMPLES = 1_000_000
MAX_NOISE = 1.0  # 0.5 is already very noisy; a little more is allowed for experiments
MAX_CLASSES = 8  # spiral arms; more are too close together to tell apart
RADIUS = 6.0  # the Playground's half-width of the plane of points

_Arrays = tuple[np.ndarray, np.ndarray]


class GeneratorInfo(NamedTuple):
    """One registered data generator.

    Attributes
    ----------
    function : callable
        ``function(rng, samples, noise, classes) -> (X, labels)`` with ``X`` of shape
        ``(samples, 2)`` and ``labels`` of shape ``(samples,)`` (class indices for
        classification, float values for regression), in generation order.
    task : str
        ``"classification"`` or ``"regression"``.
    description : str
        One sentence for the user (tooltips, ``--help``).
    defaults : mapping
        Default parameters: ``samples``, ``noise`` and ``classes``.
    """

    function: Callable[[np.random.Generator, int, float, int], _Arrays]
    task: str
    description: str
    defaults: Mapping[str, Any]


# -- the generators ---------------------------------------------------------------------------


def _counts(samples: int, groups: int) -> list[int]:
    """``samples`` split into ``groups`` sizes that differ by at most one."""
    return [samples // groups + (1 if i < samples % groups else 0) for i in range(groups)]


def _jitter(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Uniform offsets in ``[-scale, scale]``, shape ``(n, 2)``."""
    return rng.uniform(-scale, scale, size=(n, 2))


def _circle(rng: np.random.Generator, samples: int, noise: float, classes: int) -> _Arrays:
    """Class 0: a disc of radius 2.5; class 1: a ring from 3.5 to 5 around it."""
    radius = 5.0
    n_in, n_out = _counts(samples, 2)
    r = np.concatenate(
        [rng.uniform(0.0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)]
    )
    angle = rng.uniform(0.0, 2 * np.pi, samples)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    moved = X + _jitter(rng, samples, radius * noise)
    labels = (np.hypot(moved[:, 0], moved[:, 1]) >= radius * 0.5).astype(np.int64)
    return X, labels


def _xor(rng: np.random.Generator, samples: int, noise: float, classes: int) -> _Arrays:
    """Four quadrants; class 1 where the signs of x and y differ (x·y < 0)."""
    X = rng.uniform(-5.0, 5.0, size=(samples, 2))
    X += np.where(X > 0, 0.3, -0.3)  # a gap along the axes, as in the Playground
    moved = X + _jitter(rng, samples, 5.0 * noise)
    labels = (moved[:, 0] * moved[:, 1] < 0).astype(np.int64)
    return X, labels


def _gaussians(rng: np.random.Generator, samples: int, noise: float, classes: int) -> _Arrays:
    """Class 0 around (-2, -2), class 1 around (2, 2); variance 0.5 (noise 0) to 4 (0.5)."""
    variance = 0.5 + 7.0 * noise  # the Playground's linear map of noise [0, 0.5] to [0.5, 4]
    sizes = _counts(samples, 2)
    centres = np.repeat(np.array([[-2.0, -2.0], [2.0, 2.0]]), sizes, axis=0)
    X = centres + rng.normal(0.0, math.sqrt(variance), size=(samples, 2))
    return X, np.repeat(np.arange(2), sizes)


def _spiral(rng: np.random.Generator, samples: int, noise: float, classes: int) -> _Arrays:
    """``classes`` interleaved arms turning 1.75 times out to radius 5; arm k is class k."""
    blocks, labels = [], []
    amplitude = noise * 2.0 / classes  # the arms' gap shrinks with their number
    for k, n in enumerate(_counts(samples, classes)):
        i = np.arange(n) / n
        r = 5.0 * i
        t = 1.75 * 2 * np.pi * i + 2 * np.pi * k / classes
        arm = np.column_stack([r * np.sin(t), r * np.cos(t)])
        blocks.append(arm + _jitter(rng, n, amplitude))
        labels.append(np.full(n, k))
    return np.concatenate(blocks), np.concatenate(labels)


def _moons(rng: np.random.Generator, samples: int, noise: float, classes: int) -> _Arrays:
    """Two interleaving half circles of radius 3.5: class 0 arches up, class 1 down."""
    scale = 3.5
    n_up, n_down = _counts(samples, 2)
    t_up, t_down = rng.uniform(0.0, np.pi, n_up), rng.uniform(0.0, np.pi, n_down)
    up = np.column_stack([np.cos(t_up), np.sin(t_up)])
    down = np.column_stack([1.0 - np.cos(t_down), 0.5 - np.sin(t_down)])
    X = (np.concatenate([up, down]) - [0.5, 0.25]) * scale  # centred on the origin
    X += rng.normal(0.0, noise * scale, size=X.shape)
    return X, np.repeat(np.arange(2), [n_up, n_down])


PLANE_SLOPES = (0.1, 0.1)
"""``value = a·x + b·y`` of the plane (the Playground's, ranging over about [-1.2, 1.2])."""


def _plane(rng: np.random.Generator, samples: int, noise: float, classes: int) -> _Arrays:
    """Uniform points; value = 0.1·x + 0.1·y read at the jittered point (additive noise)."""
    X = rng.uniform(-RADIUS, RADIUS, size=(samples, 2))
    moved = X + _jitter(rng, samples, RADIUS * noise)
    return X, moved @ np.array(PLANE_SLOPES)


BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0), (-4.0, -2.5, -1.0),
         (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))  # fmt: skip
"""(centre x, centre y, sign) of the multi_gaussian bumps (the Playground's six)."""
BUMP_WIDTH = 1.0  # standard deviation of each bump


def _multi_gaussian(rng: np.random.Generator, samples: int, noise: float, classes: int) -> _Arrays:
    """Uniform points; value = Σ sign · exp(-d² / 2) over six bumps, read at the jittered point."""
    X = rng.uniform(-RADIUS, RADIUS, size=(samples, 2))
    moved = X + _jitter(rng, samples, RADIUS * noise)
    values = np.zeros(samples)
    for cx, cy, sign in BUMPS:
        d2 = (moved[:, 0] - cx) ** 2 + (moved[:, 1] - cy) ** 2
        values += sign * np.exp(-d2 / (2 * BUMP_WIDTH**2))
    return X, values


def _defaults(classes: int = 2) -> dict[str, Any]:
    return {"samples": 400, "noise": 0.1, "classes": classes}


GENERATORS: dict[str, GeneratorInfo] = {
    "circle": GeneratorInfo(
        _circle,
        "classification",
        "A disc of one class inside a ring of the other; needs a curved boundary (try x², y²).",
        _defaults(),
    ),
    "xor": GeneratorInfo(
        _xor,
        "classification",
        "Four quadrants: the class is whether x and y have different signs (try x·y).",
        _defaults(),
    ),
    "gaussians": GeneratorInfo(
        _gaussians,
        "classification",
        "Two Gaussian blobs; a straight line separates them (noise widens them).",
        _defaults(),
    ),
    "spiral": GeneratorInfo(
        _spiral,
        "classification",
        "Interleaved spiral arms, one class per arm; hard, needs a deeper network.",
        _defaults(),
    ),
    "moons": GeneratorInfo(
        _moons,
        "classification",
        "Two interleaving half circles; a gently curved boundary separates them.",
        _defaults(),
    ),
    "plane": GeneratorInfo(
        _plane,
        "regression",
        "Regression: the value is a tilted plane 0.1·x + 0.1·y (plus noise).",
        _defaults(),
    ),
    "multi_gaussian": GeneratorInfo(
        _multi_gaussian,
        "regression",
        "Regression: the value is a sum of six positive and negative Gaussian bumps.",
        _defaults(),
    ),
}
"""Name -> :class:`GeneratorInfo` of every data generator, classification ones first."""


# -- generating a table ---------------------------------------------------------------------


def _fail(name: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{name} = {value!r} is not allowed: use {allowed}")


def _whole(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check(name: str, samples: int, noise: float, seed: int, classes: int) -> GeneratorInfo:
    if name not in GENERATORS:
        raise DataError(
            f"there is no data generator named '{name}'; choose one of: {', '.join(GENERATORS)}"
        )
    if name == "spiral":
        if not _whole(classes) or not 2 <= classes <= MAX_CLASSES:
            _fail("classes", classes, f"a whole number of spiral arms from 2 to {MAX_CLASSES}")
    elif classes != 2:
        _fail("classes", classes, f"2 (only spiral has a choice of classes; {name} has 2)")
    low = max(MIN_SAMPLES, 2 * classes)  # at least two rows per class, to hold one out
    if not _whole(samples) or not low <= samples <= MAX_SAMPLES:
        _fail("samples", samples, f"a whole number from {low} to {MAX_SAMPLES:,}")
    if (
        isinstance(noise, bool)
        or not isinstance(noise, int | float | np.floating | np.integer)
        or not 0.0 <= float(noise) <= MAX_NOISE
    ):
        _fail("noise", noise, f"a number from 0 (clean) to {MAX_NOISE:g} (0.5 is very noisy)")
    if not _whole(seed) or seed < 0:
        _fail("seed", seed, "a whole number >= 0")
    return GENERATORS[name]


def generate(
    name: str, *, samples: int = 400, noise: float = 0.1, seed: int = 0, classes: int = 2
) -> Table:
    """Draw a generated 2-D data set as a table.

    Parameters
    ----------
    name : str
        A key of :data:`GENERATORS`: ``"circle"``, ``"xor"``, ``"gaussians"``,
        ``"spiral"``, ``"moons"`` (classification) or ``"plane"``,
        ``"multi_gaussian"`` (regression).
    samples : int
        Number of points (rows), from ``max(10, 2 * classes)`` to 1,000,000.
        Classes get equal shares (differing by at most one point) before noise.
    noise : float
        0 for the exact geometry, 0.5 for very noisy (at most 1); see the module notes.
    seed : int
        Seed of ``np.random.default_rng``; the same seed gives the same table.
    classes : int
        Number of spiral arms (2 to 8); must be 2 for every other generator.

    Returns
    -------
    Table
        ``path`` ``"gen:<name>"``; ``feature_names`` ``("x", "y")``; ``X`` of shape
        ``(samples, 2)``, float64, rows shuffled; ``labels`` of shape ``(samples,)``:
        strings ``"class 0"``, ``"class 1"``, ... (``label_name`` ``"class"``) or float64
        values (``label_name`` ``"value"``); ``delimiter`` ``""``, ``has_header`` False,
        ``rows_dropped`` 0, ``notices`` ``()``. Arrays are read-only.

    Raises
    ------
    DataError
        For an unknown name (the message lists the generators).
    ConfigError
        For samples, noise, seed or classes out of range (the message says what is allowed).
    """
    info = _check(name, samples, noise, seed, classes)
    rng = np.random.default_rng(seed)
    X, values = info.function(rng, int(samples), float(noise), int(classes))
    order = rng.permutation(len(X))  # mixed classes in the preview and in file order
    X = np.ascontiguousarray(X[order], dtype=np.float64)
    if info.task == "classification":
        names = np.array([f"class {k}" for k in range(int(classes))])
        labels = names[values[order]]
    else:
        labels = np.asarray(values[order], dtype=np.float64)
    X.setflags(write=False)
    labels.setflags(write=False)
    return Table(
        path=f"{GEN_PREFIX}{name}",
        feature_names=("x", "y"),
        X=X,
        labels=labels,
        label_name="class" if info.task == "classification" else "value",
        delimiter="",
        has_header=False,
        rows_dropped=0,
        notices=(),
    )


def generator_name(data: str) -> str | None:
    """The generator named by a data argument such as ``"gen:spiral"``, or None for a file."""
    return data[len(GEN_PREFIX) :].strip() if data.startswith(GEN_PREFIX) else None


# -- engineered inputs ------------------------------------------------------------------------

_FORMULAS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "x²": ("x", np.square),
    "y²": ("y", np.square),
    "sin x": ("x", np.sin),
    "sin y": ("y", np.sin),
}
ENGINEERED = ("x²", "y²", "x·y", "sin x", "sin y")
"""Names of the inputs :func:`add_engineered` can build from the base features ``x`` and ``y``."""

ENGINEERED_DESCRIPTIONS = {
    "x²": "x squared: with y² it lets even a network without hidden layers draw a circle.",
    "y²": "y squared: with x² it lets even a network without hidden layers draw a circle.",
    "x·y": "x times y: positive where x and y have the same sign, which solves xor at once.",
    "sin x": "The sine of x: a wavy input along x.",
    "sin y": "The sine of y: a wavy input along y.",
}

_ALIASES = {
    **{name.replace(" ", ""): name for name in ENGINEERED},
    **{f"{v}{suffix}": f"{v}²" for v in "xy" for suffix in ("2", "^2", "**2", "squared")},
    "xy": "x·y",
    "x*y": "x·y",
    "x.y": "x·y",
    "sin(x)": "sin x",
    "sin(y)": "sin y",
}


def engineered_name(text: str) -> str:
    """The :data:`ENGINEERED` name meant by ``text``; ASCII spellings such as ``x2``, ``x^2``,
    ``xy``, ``x*y`` or ``sinx`` are accepted too.

    Raises
    ------
    ConfigError
        If ``text`` names no engineered input (the message lists them).
    """
    found = _ALIASES.get(text.replace(" ", "").lower())
    if found is None:
        raise ConfigError(
            f"engineered input {text!r} is not known: use some of {', '.join(ENGINEERED)} "
            "(or x2, y2, xy, sinx, siny)"
        )
    return found


def derive_feature(name: str, columns: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The values of feature ``name`` computed from base ``columns``.

    Parameters
    ----------
    name : str
        A base column (returned as is) or an :data:`ENGINEERED` name.
    columns : mapping of str to ndarray
        Base columns by name, e.g. ``{"x": xs, "y": ys}``, each of the same shape.

    Returns
    -------
    ndarray or None
        Same shape as the columns; None when ``name`` cannot be derived from them.
    """
    if name in columns:
        return np.asarray(columns[name])
    if name == "x·y":
        if "x" in columns and "y" in columns:
            return np.asarray(columns["x"]) * np.asarray(columns["y"])
        return None
    if name in _FORMULAS:
        base, formula = _FORMULAS[name]
        return formula(np.asarray(columns[base])) if base in columns else None
    return None


def add_engineered(table: Table, which: Sequence[str]) -> Table:
    """A copy of ``table`` with engineered input columns appended.

    Parameters
    ----------
    table : Table
        Must have feature columns ``"x"`` and ``"y"``.
    which : sequence of str
        Names from :data:`ENGINEERED` (or the spellings :func:`engineered_name` accepts).
        They are appended in :data:`ENGINEERED` order; ones the table has already are skipped.

    Returns
    -------
    Table
        ``X`` of shape ``(n_rows, n_features + k)`` (read-only), ``feature_names`` extended;
        ``table`` itself when nothing is added.

    Raises
    ------
    ConfigError
        For an unknown name.
    DataError
        If the table has no ``x`` or ``y`` column to compute from.
    """
    wanted = {engineered_name(text) for text in which}
    new = [name for name in ENGINEERED if name in wanted and name not in table.feature_names]
    if not new:
        return table
    base = {n: table.X[:, j] for j, n in enumerate(table.feature_names) if n in ("x", "y")}
    blocks = []
    for name in new:
        values = derive_feature(name, base)
        if values is None:
            raise DataError(
                f"cannot compute the input '{name}': the table has no feature column "
                f"{'x and y' if name == 'x·y' else _FORMULAS[name][0]}",
                path=table.path,
            )
        blocks.append(values)
    X = np.column_stack([table.X, *blocks]).astype(np.float64)
    X.setflags(write=False)
    return dataclasses.replace(table, X=X, feature_names=(*table.feature_names, *new))
