"""Weight initializers, keyed by stable names.

Each takes the layer's ``(fan_in, fan_out)`` shape, a dtype and the caller's
``np.random.Generator`` (never the global NumPy state) and returns the weight
matrix. Biases always start at zero.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Initializer = Callable[[tuple[int, int], np.dtype, np.random.Generator], np.ndarray]


def classic_uniform(shape, dtype, rng):
    """Uniform on [0, 1), as ``np.random.rand`` in the classic algorithm."""
    return rng.random(shape, dtype=np.float64).astype(dtype, copy=False)


def xavier(shape, dtype, rng):
    """Glorot uniform: U(-b, b) with ``b = sqrt(6 / (fan_in + fan_out))``."""
    bound = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def he(shape, dtype, rng):
    """He normal: N(0, 2 / fan_in), suited to ReLU layers."""
    return (rng.standard_normal(shape) * np.sqrt(2.0 / shape[0])).astype(dtype, copy=False)


INITIALIZERS: dict[str, Initializer] = {
    "classic_uniform": classic_uniform,
    "xavier": xavier,
    "he": he,
}

DESCRIPTIONS = {
    "classic_uniform": "Every weight uniform in [0, 1) as in the classic algorithm: all positive.",
    "xavier": "Glorot uniform: small symmetric weights scaled by layer size; suits tanh.",
    "he": "He normal: Gaussian weights scaled by 2/fan_in; good for ReLU.",
}
