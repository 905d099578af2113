"""What a network answers over a 2-D grid of inputs: the decision boundary.

Two features span the grid's axes. Every other feature is either computed from
the axis values, when it can be (an engineered input such as ``x²`` follows its
base column ``x``, through :func:`nnstudio.core.generators.derive_feature`), or
held at its training mean (:attr:`GridSpec.held_features`, which a view should
name). Grid inputs are raw feature values; :func:`grid_outputs` standardizes
them with the model's :class:`~nnstudio.core.dataset.Preprocessing` and runs
them through the network in a few batched forward passes (no per-point loop).

Grid points are ordered row-major with ``y`` outer and ``x`` inner, so point
``(iy, ix)`` is row ``iy * resolution + ix`` of :func:`grid_inputs`, and the
``(resolution, resolution, ...)`` arrays returned here are indexed ``[iy, ix]``.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

GRID_CHUNK = 4096
"""Grid points per batched forward pass. Batches this size keep a small network's
activations in cache (measured faster than one 10,000-row pass) and bound the
memory a huge grid or a wide network needs."""


@dataclass(frozen=True, eq=False)
class GridSpec:
    """Which plane of input space a grid covers, and how finely.

    Specs compare by identity (they hold an array), which is what a view needs to
    tell whether a computed grid still belongs to what it shows.

    Attributes
    ----------
    x_feature, y_feature : int
        Indices of the features along the horizontal and vertical axes.
    x_range, y_range : tuple of float
        ``(low, high)`` raw feature values at the grid's edges.
    resolution : int
        Points along each axis (the grid has ``resolution ** 2`` points).
    feature_names : tuple of str, length d
    fixed : ndarray, shape (d,)
        Raw training means: the value of every feature that is neither an axis nor
        derivable from the axes. Read-only.
    """

    x_feature: int
    y_feature: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    resolution: int
    feature_names: tuple[str, ...]
    fixed: np.ndarray

    def __post_init__(self):
        d = len(self.feature_names)
        fixed = np.array(self.fixed, dtype=np.float64)
        if fixed.shape != (d,):
            raise ValueError(f"fixed has shape {fixed.shape}; expected ({d},), one per feature")
        fixed.setflags(write=False)
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "feature_names", tuple(self.feature_names))
        _check_axes(self.x_feature, self.y_feature, d)
        if not (isinstance(self.resolution, int | np.integer) and self.resolution >= 2):
            raise ValueError(f"resolution must be a whole number >= 2, not {self.resolution!r}")

    @property
    def x_values(self) -> np.ndarray:
        """Raw values of the x feature along the grid, shape ``(resolution,)``."""
        return np.linspace(*self.x_range, self.resolution)

    @property
    def y_values(self) -> np.ndarray:
        """Raw values of the y feature along the grid, shape ``(resolution,)``."""
        return np.linspace(*self.y_range, self.resolution)

    @property
    def derived_features(self) -> tuple[str, ...]:
        """Names of the features computed from the axis features (e.g. ``x²``)."""
        return tuple(
            self.feature_names[j] for j in range(len(self.feature_names)) if self._derivable(j)
        )

    @property
    def held_features(self) -> tuple[str, ...]:
        """Names of the features held at their training mean (not axes, not derivable)."""
        return tuple(
            name
            for j, name in enumerate(self.feature_names)
            if j not in (self.x_feature, self.y_feature) and not self._derivable(j)
        )

    def _derivable(self, j: int) -> bool:
        if j in (self.x_feature, self.y_feature):
            return False
        return _derive(self, j, np.zeros(1), np.zeros(1)) is not None


def make_grid_spec(
    X_raw: np.ndarray,
    feature_names: Sequence[str],
    x_feature: int = 0,
    y_feature: int = 1,
    resolution: int = 100,
    margin: float = 0.1,
) -> GridSpec:
    """A grid over the data's range in two features, the others at their means.

    Parameters
    ----------
    X_raw : ndarray, shape (n, d)
        Raw (not standardized) training features; they set the ranges and the means.
    feature_names : sequence of str, length d
    x_feature, y_feature : int
        Feature indices for the axes; they must differ.
    resolution : int
        Points along each axis, at least 2.
    margin : float
        Extra room on every side, as a fraction of the data's span along that axis.

    Returns
    -------
    GridSpec
    """
    X_raw = np.asarray(X_raw, dtype=np.float64)
    names = tuple(feature_names)
    if X_raw.ndim != 2 or X_raw.shape[0] == 0 or X_raw.shape[1] != len(names):
        raise ValueError(
            f"X_raw must have shape (n > 0, {len(names)}) to match the feature names; "
            f"got {X_raw.shape}"
        )
    _check_axes(x_feature, y_feature, len(names))
    return GridSpec(
        x_feature=int(x_feature),
        y_feature=int(y_feature),
        x_range=_padded_range(X_raw[:, x_feature], margin),
        y_range=_padded_range(X_raw[:, y_feature], margin),
        resolution=int(resolution),
        feature_names=names,
        fixed=X_raw.mean(axis=0),
    )


def grid_inputs(spec: GridSpec) -> np.ndarray:
    """Raw feature values of every grid point.

    Returns
    -------
    ndarray, shape (resolution ** 2, d)
        Row ``iy * resolution + ix`` is the point ``(x_values[ix], y_values[iy])``; axis
        features vary, features derivable from them are computed, the rest are
        ``spec.fixed``.
    """
    xs, ys = np.meshgrid(spec.x_values, spec.y_values)  # (res, res): y outer, x inner
    xs, ys = xs.ravel(), ys.ravel()
    inputs = np.empty((xs.size, len(spec.feature_names)))
    inputs[...] = spec.fixed
    inputs[:, spec.x_feature] = xs
    inputs[:, spec.y_feature] = ys
    for j in range(len(spec.feature_names)):
        if j not in (spec.x_feature, spec.y_feature):
            derived = _derive(spec, j, xs, ys)
            if derived is not None:
                inputs[:, j] = derived
    return inputs


_inputs_lock = threading.Lock()
_network_inputs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def network_inputs(spec: GridSpec, preprocessing, dtype) -> np.ndarray:
    """The grid's points as network inputs: :func:`grid_inputs` standardized, in ``dtype``.

    Kept (read-only) for as long as ``spec`` lives, one array per spec: while a run
    trains, the boundary and unit views ask for the same grid several times a
    second, and building and standardizing its points costs as much as a forward
    pass of a small network.
    """
    dtype = np.dtype(dtype)
    with _inputs_lock:
        cached = _network_inputs.get(spec)
    if cached is not None and cached[0] is preprocessing and cached[1] == dtype:
        return cached[2]
    X = preprocessing.transform(grid_inputs(spec), dtype)
    X.flags.writeable = False
    with _inputs_lock:
        _network_inputs[spec] = (preprocessing, dtype, X)
    return X


def grid_outputs(network, preprocessing, spec: GridSpec) -> np.ndarray:
    """The network's outputs at every grid point.

    Parameters
    ----------
    network : Network
    preprocessing : Preprocessing
        Turns raw grid inputs into network inputs, as in training.
    spec : GridSpec

    Returns
    -------
    ndarray, shape (resolution, resolution, k)
        ``[iy, ix]`` holds the network's outputs (class probabilities, or the
        standardized target for regression: see ``Preprocessing.decode_outputs``).
    """
    res = spec.resolution
    X = network_inputs(spec, preprocessing, network.dtype)
    outputs = np.empty((X.shape[0], network.sizes[-1]), dtype=network.dtype)
    for start in range(0, X.shape[0], GRID_CHUNK):
        outputs[start : start + GRID_CHUNK] = network.forward(X[start : start + GRID_CHUNK])
    return outputs.reshape(res, res, -1)


def unit_grids(network, preprocessing, spec: GridSpec, layer: int) -> np.ndarray:
    """What each unit of one layer outputs over the grid.

    Parameters
    ----------
    network : Network
    preprocessing : Preprocessing
    spec : GridSpec
    layer : int
        1-based: 1 is the first hidden layer, ``len(hidden_activations) + 1`` the output layer.

    Returns
    -------
    ndarray, shape (units, resolution, resolution)
        ``[u, iy, ix]`` is unit ``u``'s output (after its activation and mask).
    """
    n_layers = len(network.weights)
    if not (isinstance(layer, int | np.integer) and 1 <= layer <= n_layers):
        raise IndexError(
            f"layer {layer!r} does not exist: use 1 to {n_layers - 1} for hidden layers "
            f"and {n_layers} for the output layer"
        )
    res = spec.resolution
    X = network_inputs(spec, preprocessing, network.dtype)
    grids = np.empty((network.sizes[layer], X.shape[0]), dtype=network.dtype)
    for start in range(0, X.shape[0], GRID_CHUNK):
        grids[:, start : start + GRID_CHUNK] = network.layer_outputs(X[start : start + GRID_CHUNK])[
            layer
        ].T
    return grids.reshape(-1, res, res)


# -- helpers -----------------------------------------------------------------------


def _check_axes(x_feature, y_feature, d: int) -> None:
    for what, index in (("x_feature", x_feature), ("y_feature", y_feature)):
        if not (isinstance(index, int | np.integer) and 0 <= index < d):
            raise ValueError(f"{what} {index!r} is not a feature index: use 0 to {d - 1}")
    if x_feature == y_feature:
        raise ValueError(f"x_feature and y_feature are both {x_feature}: choose two features")


def _padded_range(values: np.ndarray, margin: float) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    span = high - low
    if span == 0:  # a constant column still gets a visible range around its value
        span = max(abs(low), 1.0)
        margin = max(margin, 0.5)
    return low - margin * span, high + margin * span


def _derive(spec: GridSpec, j: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray | None:
    """Feature ``j`` computed from the axis values, or None if it does not follow from them."""
    from nnstudio.core.generators import derive_feature

    names = spec.feature_names
    return derive_feature(names[j], {names[spec.x_feature]: xs, names[spec.y_feature]: ys})
