"""Activation functions: values, derivatives from outputs, and stability at |z| = 1000."""

import warnings

import numpy as np
import pytest

from nnstudio.core.activations import HIDDEN_ACTIVATIONS, softmax

Z = np.array([[-1000.0, -30.0, -1.5, -1e-3, 0.0, 1e-3, 2.0, 30.0, 1000.0]])

REFERENCE = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-np.clip(z, -700, 700))),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "softplus": lambda z: np.logaddexp(0, z),
    "linear": lambda z: z,
}


@pytest.mark.parametrize("name", list(HIDDEN_ACTIVATIONS))
def test_values_match_reference_without_warnings(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = HIDDEN_ACTIVATIONS[name].forward(Z)
        d = HIDDEN_ACTIVATIONS[name].derivative(a)
    np.testing.assert_allclose(a, REFERENCE[name](Z), rtol=1e-12, atol=1e-300)
    assert np.all(np.isfinite(d))


@pytest.mark.parametrize("name", list(HIDDEN_ACTIVATIONS))
def test_derivative_from_output_matches_finite_difference(name):
    z = np.linspace(-4, 4, 81)[None, :] + 0.0123  # stay off the kinks at 0
    act = HIDDEN_ACTIVATIONS[name]
    eps = 1e-6
    numeric = (act.forward(z + eps) - act.forward(z - eps)) / (2 * eps)
    np.testing.assert_allclose(act.derivative(act.forward(z)), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(HIDDEN_ACTIVATIONS))
def test_in_place_and_float32(name):
    act = HIDDEN_ACTIVATIONS[name]
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    expected = act.forward(z.copy())
    out = z.copy()
    result = act.forward(out, out=out)
    assert result is out and result.dtype == np.float32
    np.testing.assert_allclose(result, expected, rtol=1e-6)
    assert act.derivative(result).dtype == np.float32


def test_softmax_is_stable_and_sums_to_one():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(np.array([[1000.0, -1000.0, 999.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
    assert p[0, 0] > p[0, 2] > p[0, 1]


@pytest.mark.parametrize("name", list(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_and_derivative_together_match_them_apart(name, dtype):
    act = HIDDEN_ACTIVATIONS[name]
    z = np.concatenate([Z, np.linspace(-4, 4, 81)[None, :] + 0.0123], axis=1).astype(dtype)
    expected_a = act.forward(z.copy())
    expected_d = act.derivative(expected_a)
    a, d = z.copy(), np.empty_like(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        act.forward_and_derivative(a, d)
    assert a.dtype == d.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(a, expected_a, rtol=rtol, atol=1e-30)
    # Where a rounds to 1, the derivative from the output is 0, the one from z tiny.
    np.testing.assert_allclose(d, expected_d, rtol=rtol, atol=10 * np.finfo(dtype).eps)
