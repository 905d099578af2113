"""Decision-boundary grids: layout, held and derived features, batched outputs."""

import numpy as np
import pytest

from nnstudio.core.dataset import prepare
from nnstudio.core.generators import add_engineered, generate
from nnstudio.core.grid import (
    GRID_CHUNK,
    GridSpec,
    grid_inputs,
    grid_outputs,
    make_grid_spec,
    network_inputs,
    unit_grids,
)
from nnstudio.core.network import Network


def _problem(d=4, hidden=(8, 8), output="softmax", seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=3.0, scale=[1.0, 2.0, 0.5, 4.0][:d], size=(200, d))
    labels = np.where(X[:, 0] > 3.0, "a", "b")
    data = prepare(X, labels, feature_names=[f"f{i}" for i in range(d)], seed=seed)
    sizes = (d, *hidden, 2 if output != "linear" else 1)
    net = Network.initialize(sizes, ("tanh",) * len(hidden), output, rng=rng)
    for b in net.biases:
        b[...] = rng.normal(scale=0.5, size=b.shape)
    return X, data, net


def _per_point(net, pre, rows):
    """The slow way: one forward pass per grid point."""
    return np.array([net.forward(pre.transform(row[None, :]))[0] for row in rows])


def test_spec_covers_the_data_with_a_margin_and_holds_the_means():
    X, data, _ = _problem()
    spec = make_grid_spec(X, data.feature_names, x_feature=2, y_feature=0, resolution=50)
    span = X[:, 2].max() - X[:, 2].min()
    assert spec.x_range == pytest.approx((X[:, 2].min() - 0.1 * span, X[:, 2].max() + 0.1 * span))
    assert spec.y_range[0] < X[:, 0].min() and spec.y_range[1] > X[:, 0].max()
    np.testing.assert_allclose(spec.fixed, X.mean(axis=0))
    assert not spec.fixed.flags.writeable
    assert spec.held_features == ("f1", "f3")
    assert spec.derived_features == ()
    np.testing.assert_allclose(spec.x_values, np.linspace(*spec.x_range, 50))


def test_grid_inputs_are_row_major_y_outer_x_inner():
    X, data, _ = _problem()
    spec = make_grid_spec(X, data.feature_names, x_feature=1, y_feature=3, resolution=7)
    inputs = grid_inputs(spec)
    assert inputs.shape == (49, 4)
    xs, ys = spec.x_values, spec.y_values
    for iy in range(7):
        for ix in range(7):
            row = inputs[iy * 7 + ix]
            assert row[1] == xs[ix] and row[3] == ys[iy]
            assert row[0] == spec.fixed[0] and row[2] == spec.fixed[2]


@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_grid_outputs_equal_per_point_predictions(output):
    X, data, net = _problem(output=output)
    spec = make_grid_spec(X, data.feature_names, x_feature=0, y_feature=3, resolution=100)
    assert spec.resolution**2 > GRID_CHUNK  # more than one batch
    outputs = grid_outputs(net, data.preprocessing, spec)
    assert outputs.shape == (100, 100, net.sizes[-1])
    inputs = grid_inputs(spec)
    points = [(0, 0), (0, 99), (99, 0), (99, 99), (40, 61), (83, 17)]
    expected = _per_point(net, data.preprocessing, [inputs[iy * 100 + ix] for iy, ix in points])
    got = np.array([outputs[iy, ix] for iy, ix in points])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_grid_outputs_follow_the_masks():
    X, data, net = _problem()
    net.masks = [np.array([1, 0, 1, 1, 0, 1, 1, 1.0]), None]
    spec = make_grid_spec(X, data.feature_names, resolution=20)
    outputs = grid_outputs(net, data.preprocessing, spec)
    inputs = grid_inputs(spec)
    expected = _per_point(net, data.preprocessing, inputs[[0, 133, 399]])
    np.testing.assert_allclose(outputs.reshape(400, -1)[[0, 133, 399]], expected, atol=1e-12)
    net.masks = None
    assert not np.allclose(grid_outputs(net, data.preprocessing, spec), outputs)


def test_grid_outputs_of_a_float32_network():
    X, data, net = _problem()
    net32 = Network(
        [w.astype(np.float32) for w in net.weights],
        [b.astype(np.float32) for b in net.biases],
        net.hidden_activations,
        net.output,
    )
    spec = make_grid_spec(X, data.feature_names, resolution=30)
    outputs = grid_outputs(net32, data.preprocessing, spec)
    assert outputs.dtype == np.float32
    np.testing.assert_allclose(outputs, grid_outputs(net, data.preprocessing, spec), atol=1e-5)


def test_unit_grids_are_the_layer_outputs_over_the_grid():
    X, data, net = _problem(hidden=(8, 5))
    spec = make_grid_spec(X, data.feature_names, resolution=70)
    inputs = data.preprocessing.transform(grid_inputs(spec))
    layers = net.layer_outputs(inputs)
    for layer in (1, 2):
        grids = unit_grids(net, data.preprocessing, spec, layer)
        assert grids.shape == (net.sizes[layer], 70, 70)
        np.testing.assert_allclose(grids.reshape(net.sizes[layer], -1), layers[layer].T)
    output_grids = unit_grids(net, data.preprocessing, spec, 3)
    np.testing.assert_allclose(
        output_grids, np.moveaxis(grid_outputs(net, data.preprocessing, spec), 2, 0)
    )
    for bad in (0, 4, -1):
        with pytest.raises(IndexError, match="does not exist"):
            unit_grids(net, data.preprocessing, spec, bad)


def test_network_inputs_are_kept_per_spec_preprocessing_and_dtype():
    X, data, net = _problem()
    spec = make_grid_spec(X, data.feature_names, resolution=20)
    pre = data.preprocessing
    first = network_inputs(spec, pre, np.float64)
    np.testing.assert_array_equal(first, pre.transform(grid_inputs(spec)))
    assert not first.flags.writeable  # shared by every caller: nobody may change it
    assert network_inputs(spec, pre, np.float64) is first
    single = network_inputs(spec, pre, np.float32)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, first, rtol=1e-6)
    # Another spec over the same plane, or another preprocessing, gets its own inputs.
    other = make_grid_spec(X, data.feature_names, resolution=20)
    assert network_inputs(other, pre, np.float32) is not single
    refit = prepare(X, np.where(X[:, 1] > 3.0, "a", "b"), feature_names=data.feature_names, seed=1)
    np.testing.assert_array_equal(
        network_inputs(spec, refit.preprocessing, np.float64),
        refit.preprocessing.transform(grid_inputs(spec)),
    )


def test_engineered_features_follow_the_axes():
    table = add_engineered(generate("circle", samples=200), ["x²", "y²", "x·y", "sin x"])
    assert table.feature_names == ("x", "y", "x²", "y²", "x·y", "sin x")
    data = prepare(table.X, table.labels, feature_names=table.feature_names, seed=0)
    spec = make_grid_spec(table.X, table.feature_names, resolution=25)
    assert spec.held_features == ()
    assert spec.derived_features == ("x²", "y²", "x·y", "sin x")
    inputs = grid_inputs(spec)
    x, y = inputs[:, 0], inputs[:, 1]
    np.testing.assert_allclose(inputs[:, 2:], np.column_stack([x**2, y**2, x * y, np.sin(x)]))

    rng = np.random.default_rng(1)
    net = Network.initialize((6, 8, 8, 2), ("relu", "relu"), "softmax", rng=rng)
    outputs = grid_outputs(net, data.preprocessing, spec)
    expected = _per_point(net, data.preprocessing, inputs[[0, 312, 624]])
    np.testing.assert_allclose(outputs.reshape(625, 2)[[0, 312, 624]], expected, atol=1e-12)


def test_features_that_cannot_follow_the_axes_are_held_at_their_means():
    table = add_engineered(generate("xor", samples=200), ["x²", "x·y", "sin y"])
    spec = make_grid_spec(table.X, table.feature_names, x_feature=0, y_feature=2)  # x and x²
    assert spec.held_features == ("y", "x·y", "sin y")
    inputs = grid_inputs(spec)
    np.testing.assert_allclose(inputs[:, 1], table.X[:, 1].mean())
    np.testing.assert_allclose(inputs[:, 3], table.X[:, 3].mean())  # x·y needs y: held


def test_bad_axes_and_resolutions_are_refused():
    X, data, _ = _problem()
    with pytest.raises(ValueError, match="both 1"):
        make_grid_spec(X, data.feature_names, 1, 1)
    with pytest.raises(ValueError, match="not a feature index"):
        make_grid_spec(X, data.feature_names, 0, 4)
    with pytest.raises(ValueError, match="resolution"):
        make_grid_spec(X, data.feature_names, resolution=1)
    with pytest.raises(ValueError, match="shape"):
        make_grid_spec(X[:, :3], data.feature_names)


def test_a_constant_feature_still_gets_a_visible_range():
    X = np.column_stack([np.full(10, 2.0), np.arange(10.0)])
    spec = make_grid_spec(X, ("c", "v"))
    low, high = spec.x_range
    assert low < 2.0 < high and high - low >= 1.0


def test_specs_compare_by_identity():
    X, data, _ = _problem()
    a = make_grid_spec(X, data.feature_names)
    b = make_grid_spec(X, data.feature_names)
    assert a == a and a != b
    assert isinstance(a, GridSpec) and hash(a) != hash(b)
