"""Every analytic gradient against central finite differences."""

import itertools

import numpy as np
import pytest

from nnstudio.core.activations import HIDDEN_ACTIVATIONS
from nnstudio.core.losses import LOSSES
from nnstudio.core.network import Network, _Buffers

OUTPUTS = ("sigmoid", "softmax", "linear")
COMBINATIONS = [
    (act, loss, out)
    for act, loss, out in itertools.product(HIDDEN_ACTIVATIONS, LOSSES, OUTPUTS)
    if not (loss == "cross_entropy" and out == "linear")
]


def _problem(activation, output, use_bias, seed=0):
    rng = np.random.default_rng(seed)
    net = Network.initialize(
        (3, 5, 4, 3), (activation, activation), output, rng=rng, init="xavier", use_bias=use_bias
    )
    if use_bias:
        for b in net.biases:
            b[...] = rng.normal(scale=0.3, size=b.shape)
    X = rng.normal(size=(7, 3))
    if output == "linear":
        Y = rng.normal(size=(7, 3))
    else:
        Y = np.eye(3)[rng.integers(0, 3, size=7)]
    return net, X, Y


def _numeric_gradient(net, X, Y, loss, l1, l2, eps=1e-6):
    grads = []
    for param in net.parameters:
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            original = param[index]
            param[index] = original + eps
            plus, _ = net.loss_and_gradients(X, Y, loss, l1, l2)
            param[index] = original - eps
            minus, _ = net.loss_and_gradients(X, Y, loss, l1, l2)
            param[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


@pytest.mark.parametrize("activation,loss_name,output", COMBINATIONS)
@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("l1,l2", [(0.0, 0.0), (0.01, 0.05)], ids=["plain", "regularized"])
def test_gradient_matches_finite_differences(activation, loss_name, output, use_bias, l1, l2):
    net, X, Y = _problem(activation, output, use_bias)
    loss = LOSSES[loss_name]
    _, analytic = net.loss_and_gradients(X, Y, loss, l1, l2)
    analytic = [g.copy() for g in analytic]
    numeric = _numeric_gradient(net, X, Y, loss, l1, l2)
    assert len(analytic) == len(numeric) == (6 if use_bias else 3)
    for a, n in zip(analytic, numeric, strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7)


def test_network_without_hidden_layers_has_correct_gradient():
    rng = np.random.default_rng(3)
    net = Network.initialize((4, 3), (), "softmax", rng=rng)
    X = rng.normal(size=(5, 4))
    Y = np.eye(3)[[0, 1, 2, 1, 0]]
    _, analytic = net.loss_and_gradients(X, Y, LOSSES["cross_entropy"])
    analytic = [g.copy() for g in analytic]
    for a, n in zip(
        analytic, _numeric_gradient(net, X, Y, LOSSES["cross_entropy"], 0, 0), strict=True
    ):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(
    "limits",
    [
        pytest.param({"COPY_TRANSPOSED_UP_TO": 0}, id="copied-row-by-row"),
        pytest.param({"COPY_ROWS_UP_TO": 0}, id="used-in-place"),
    ],
)
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize(
    "loss_name,output", [("cross_entropy", "softmax"), ("mse", "linear"), ("sse", "sigmoid")]
)
def test_gradient_matches_however_the_batch_reaches_the_first_layer(
    monkeypatch, limits, activation, loss_name, output
):
    # Small batches are copied transposed under a row of ones (every other test), medium
    # ones row by row beside a column of ones, and large ones are used in place with the
    # first layer's biases added separately; force the last two paths on a small problem.
    for name, value in limits.items():
        monkeypatch.setattr(_Buffers, name, value)
    net, X, Y = _problem(activation, output, use_bias=True)
    loss = LOSSES[loss_name]
    value, analytic = net.loss_and_gradients(X, Y, loss, 0.0, 0.05)
    # The same loss as the plain forward pass: the ones really carry the biases.
    expected = loss.value(net.forward(X), Y, output) + net.penalty(0.0, 0.05)
    assert value == pytest.approx(expected, rel=1e-12)
    analytic = [g.copy() for g in analytic]
    for a, n in zip(analytic, _numeric_gradient(net, X, Y, loss, 0.0, 0.05), strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("output,loss_name", [("softmax", "cross_entropy"), ("sigmoid", "mse")])
def test_training_loss_equals_the_loss_of_the_predictions(output, loss_name):
    # The softmax/cross-entropy step computes its loss from the softmax's own sums.
    net, X, Y = _problem("tanh", output, use_bias=True, seed=4)
    loss = LOSSES[loss_name]
    value, _ = net.loss_and_gradients(X, Y, loss)
    assert value == pytest.approx(loss.value(net.forward(X), Y, output), rel=1e-12)


def test_softmax_cross_entropy_step_is_exact_for_huge_logits():
    # Logits far apart: p of the wrong class underflows, the loss is still exact and finite.
    net = Network([np.array([[1000.0, -1000.0]])], [np.zeros(2)], (), "softmax")
    value, grads = net.loss_and_gradients(
        np.array([[1.0]]), np.array([[0.0, 1.0]]), LOSSES["cross_entropy"]
    )
    assert value == pytest.approx(2000.0)
    np.testing.assert_allclose(grads[0], [[1.0, -1.0]])


def test_parameters_and_gradients_are_views_of_one_vector_each():
    net, X, Y = _problem("relu", "softmax", use_bias=True)
    net.parameter_vector[:] = np.arange(net.parameter_vector.size)
    flat = np.concatenate([p.ravel() for p in net.parameters])
    assert sorted(flat) == list(range(net.parameter_vector.size))
    _, grads = net.loss_and_gradients(X, Y, LOSSES["cross_entropy"])
    for g in grads:
        assert np.shares_memory(g, net.gradient_vector)
    assert sum(g.size for g in grads) == net.gradient_vector.size


def test_penalty_spares_the_biases():
    net, _, _ = _problem("relu", "softmax", use_bias=True)
    weights = np.concatenate([w.ravel() for w in net.weights])
    expected = 0.3 * np.abs(weights).sum() + 0.5 * 0.2 * (weights**2).sum()
    assert net.penalty(0.3, 0.2) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "loss_name,output", [("cross_entropy", "softmax"), ("mse", "linear"), ("sse", "sigmoid")]
)
def test_scale_multiplies_every_gradient_and_leaves_the_loss(loss_name, output):
    net, X, Y = _problem("sigmoid", output, use_bias=True)
    loss = LOSSES[loss_name]
    value, grads = net.loss_and_gradients(X, Y, loss, 0.01, 0.05)
    expected = [0.3 * g for g in grads]
    scaled_value, scaled = net.loss_and_gradients(X, Y, loss, 0.01, 0.05, scale=0.3)
    assert scaled_value == pytest.approx(value, rel=1e-12)
    for a, b in zip(scaled, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
