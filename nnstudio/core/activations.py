"""Activation functions, keyed by stable names.

Each activation computes its output in place and its derivative *from that
output* (never from the pre-activation), so the trainer needs to keep only one
array per layer. Every function here is written to be numerically stable at
``|z| = 1000`` without warnings.
"""

from __future__ import annotations

import numpy as np


def per_dtype(value: float) -> dict[str, np.ndarray]:
    """``value`` as a 0-d array of each float dtype, keyed by ``dtype.char``.

    In-place ufuncs on small arrays run about twice as fast with a 0-d array
    operand of the same dtype as with a Python float, which NumPy converts on
    every call; the training loop calls these thousands of times a second.
    """
    return {char: np.array(value, dtype=char) for char in "efdg"}


_ZERO = per_dtype(0.0)
_ONE = per_dtype(1.0)
# The largest exponent e^x that does not overflow, by dtype.
_EXP_LIMIT = {
    char: np.array(limit, dtype=char)
    for char, limit in {"e": 11.0, "f": 88.0, "d": 709.0, "g": 11356.0}.items()
}
# Where the sigmoid is 1 to the dtype's precision, while e^-limit is still a normal number.
_SIGMOID_LIMIT = {
    char: np.array(limit, dtype=char)
    for char, limit in {"e": 9.0, "f": 40.0, "d": 40.0, "g": 50.0}.items()
}


class Activation:
    """An elementwise function ``a = f(z)`` with ``f'(z)`` expressed through ``a``."""

    name = ""

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return ``f(z)`` (shape of ``z``); ``out`` may be ``z`` itself."""
        raise NotImplementedError

    def derivative(self, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return ``f'(z)`` computed from the output ``a = f(z)``."""
        raise NotImplementedError

    def forward_and_derivative(self, z: np.ndarray, derivative: np.ndarray) -> np.ndarray:
        """Overwrite ``z`` with ``f(z)`` and fill ``derivative`` (same shape) with ``f'(z)``.

        Training needs both; an activation may get them together in fewer calls.
        """
        self.forward(z, out=z)
        return self.derivative(z, out=derivative)


class Sigmoid(Activation):
    name = "sigmoid"

    def forward(self, z, out=None):
        # 1 / (1 + e^-z) keeps full relative precision for every z; clipping -z where
        # e^-z would overflow (z < -88 in float32, -709 in float64) changes nothing but
        # values that round to 0 anyway. Five in-place ufunc calls: this is a hot path.
        out = np.negative(z, out=out)
        np.minimum(out, _EXP_LIMIT[out.dtype.char], out=out)
        np.exp(out, out=out)
        np.add(out, _ONE[out.dtype.char], out=out)
        return np.reciprocal(out, out=out)

    def derivative(self, a, out=None):
        out = np.subtract(_ONE[a.dtype.char], a, out=out)
        out *= a
        return out

    def forward_and_derivative(self, z, derivative):
        # With e = e^z: f = e / (1 + e) and f' = f (1 - f) = f / (1 + e), so keeping 1 + e
        # gives the derivative in one more call (five in all, against seven for forward
        # then derivative). Both keep full relative precision (f' even where f rounds to
        # 1, unlike f (1 - f)). Above the limit f rounds to 1 and f' = e^-limit stays a
        # normal number (no slow subnormals).
        char = z.dtype.char
        e = np.minimum(z, _SIGMOID_LIMIT[char], out=z)
        np.exp(e, out=e)
        one_plus_e = np.add(e, _ONE[char], out=derivative)
        np.divide(e, one_plus_e, out=z)
        np.divide(z, one_plus_e, out=derivative)
        return derivative


class Tanh(Activation):
    name = "tanh"

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, a, out=None):
        out = np.multiply(a, a, out=out)
        np.subtract(_ONE[out.dtype.char], out, out=out)
        return out


class ReLU(Activation):
    name = "relu"

    def forward(self, z, out=None):
        return np.maximum(z, 0.0, out=out)

    def derivative(self, a, out=None):
        # A 0-d zero of a's dtype: comparing against a Python float costs twice as much.
        out = np.greater(a, _ZERO[a.dtype.char], out=out if out is not None else np.empty_like(a))
        return out

    def forward_and_derivative(self, z, derivative):
        # The 0/1 derivative first, then z times it: np.maximum is several times slower
        # than a multiply on large layers. A negative z gives -0.0, which equals 0.
        np.greater(z, _ZERO[z.dtype.char], out=derivative)
        z *= derivative
        return derivative


class LeakyReLU(Activation):
    name = "leaky_relu"
    slope = 0.01

    def forward(self, z, out=None):
        # max(z, slope * z) is z for z > 0 and slope * z otherwise.
        return np.maximum(z, self.slope * z, out=out)

    def derivative(self, a, out=None):
        out = np.greater(a, 0.0, out=out if out is not None else np.empty_like(a))
        out *= 1.0 - self.slope
        out += self.slope
        return out


class ELU(Activation):
    name = "elu"
    alpha = 1.0

    def forward(self, z, out=None):
        negative = np.expm1(np.minimum(z, 0.0))
        negative *= self.alpha
        return _select(z > 0, z, negative, out)

    def derivative(self, a, out=None):
        # For z <= 0, f(z) = alpha (e^z - 1), so f'(z) = f(z) + alpha.
        return _select(a > 0, 1.0, a + self.alpha, out)


class Softplus(Activation):
    name = "softplus"

    def forward(self, z, out=None):
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|), stable for any z.
        tail = np.abs(z)
        np.negative(tail, out=tail)
        np.exp(tail, out=tail)
        np.log1p(tail, out=tail)
        out = np.maximum(z, 0.0, out=out)
        out += tail
        return out

    def derivative(self, a, out=None):
        # f'(z) = sigmoid(z) = 1 - e^{-f(z)}.
        out = np.negative(a, out=out)
        np.exp(out, out=out)
        np.subtract(1.0, out, out=out)
        return out


class Linear(Activation):
    name = "linear"

    def forward(self, z, out=None):
        if out is None:
            return z.copy()
        if out is not z:
            out[...] = z
        return out

    def derivative(self, a, out=None):
        if out is None:
            return np.ones_like(a)
        out.fill(1.0)
        return out


def _select(condition, x, y, out):
    """``np.where`` that writes into ``out`` when given and keeps ``y``'s dtype."""
    result = np.where(condition, x, y).astype(y.dtype, copy=False)
    if out is None:
        return result
    out[...] = result
    return out


def softmax(
    z: np.ndarray, out: np.ndarray | None = None, row: np.ndarray | None = None
) -> np.ndarray:
    """Row-wise softmax of ``z`` (shape ``(n, k)``), stable for any magnitude.

    ``out`` may be ``z`` itself; ``row``, of shape ``(n, 1)``, is scratch space for
    the row maxima and sums (allocated when not given).
    """
    row = np.maximum.reduce(z, axis=1, keepdims=True, out=row)
    out = np.subtract(z, row, out=out)
    np.exp(out, out=out)
    np.add.reduce(out, axis=1, keepdims=True, out=row)
    return np.divide(out, row, out=out)


HIDDEN_ACTIVATIONS: dict[str, Activation] = {
    cls.name: cls() for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softplus, Linear)
}
"""Activations a hidden layer may use, by stable name."""

OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")
"""Output activations (``auto`` is resolved by the config before training)."""

DESCRIPTIONS = {
    "sigmoid": "Squashes to (0, 1); saturates for large |z|, which slows learning.",
    "tanh": "Squashes to (-1, 1) and is centred on zero; saturates for large |z|.",
    "relu": "max(0, z): fast and sparse, but a unit stuck below zero stops learning.",
    "leaky_relu": "Like ReLU but keeps a small slope (0.01) below zero, so units cannot die.",
    "elu": "Identity above zero, a smooth exponential curve to -1 below zero.",
    "softplus": "A smooth ReLU: log(1 + e^z).",
    "linear": "No squashing: the layer stays linear.",
    "softmax": "Turns the outputs into class probabilities that sum to one.",
}
