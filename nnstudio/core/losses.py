"""Loss functions, keyed by stable names.

Each loss returns its value for a batch and the gradient of that value with
respect to the network's *pre-activation* output ``z`` — so the output
activation's derivative is folded in here, where it can be done stably (softmax
with cross-entropy reduces to ``(p - y) / n``).
"""

from __future__ import annotations

import numpy as np

from nnstudio.core.activations import HIDDEN_ACTIVATIONS, per_dtype

_TINY = per_dtype(1e-12)  # 0-d arrays: no conversion per call


def _output_derivative(output: str, p: np.ndarray, grad_p: np.ndarray) -> np.ndarray:
    """Chain ``dL/dp`` (shape ``(n, k)``) through the output activation to ``dL/dz``."""
    if output == "softmax":
        # Jacobian-vector product of softmax: p * (g - sum(g * p)).
        return p * (grad_p - np.sum(grad_p * p, axis=1, keepdims=True))
    grad_p *= HIDDEN_ACTIVATIONS[output].derivative(p)
    return grad_p


class Loss:
    name = ""

    def value(self, p: np.ndarray, y: np.ndarray, output: str, scratch=None) -> float:
        """Loss of predictions ``p`` against targets ``y`` (both shape ``(n, k)``).

        ``scratch``, shaped like ``p``, is working space the loss may use.
        """
        raise NotImplementedError

    def gradient(self, p: np.ndarray, y: np.ndarray, output: str, out=None) -> np.ndarray:
        """``dL/dz`` of shape ``(n, k)`` where ``p = output_activation(z)``, written to ``out``."""
        raise NotImplementedError


class SumSquaredError(Loss):
    """``sum((p - y)^2)`` over the batch: the classic algorithm's loss."""

    name = "sse"

    def value(self, p, y, output, scratch=None):
        d = np.subtract(p, y, out=scratch)
        return float(np.vdot(d, d))

    def gradient(self, p, y, output, out=None):
        grad_p = np.subtract(p, y, out=out)
        grad_p *= 2.0
        return _output_derivative(output, p, grad_p)


class MeanSquaredError(Loss):
    """``mean((p - y)^2)`` over every element of the batch."""

    name = "mse"

    def value(self, p, y, output, scratch=None):
        d = np.subtract(p, y, out=scratch)
        return float(np.vdot(d, d)) / d.size

    def gradient(self, p, y, output, out=None):
        grad_p = np.subtract(p, y, out=out)
        grad_p *= 2.0 / grad_p.size
        return _output_derivative(output, p, grad_p)


class CrossEntropy(Loss):
    """Mean over the batch of ``-sum(y log p)`` (softmax) or binary cross-entropy (sigmoid)."""

    name = "cross_entropy"

    def value(self, p, y, output, scratch=None):
        n = p.shape[0]
        if output == "softmax":
            log_p = np.maximum(p, _TINY[p.dtype.char], out=scratch)
            np.log(log_p, out=log_p)
            return -float(np.vdot(y, log_p)) / n
        q = np.clip(p, 1e-12, 1.0 - 1e-12)
        return float(-np.sum(y * np.log(q) + (1.0 - y) * np.log1p(-q))) / n

    def gradient(self, p, y, output, out=None):
        if output != "softmax" and output != "sigmoid":
            raise ValueError("cross_entropy needs a softmax or sigmoid output")
        # Fused with softmax (categorical) or sigmoid (binary, per output):
        # both reduce to (p - y) / n.
        grad = np.subtract(p, y, out=out)
        grad *= 1.0 / p.shape[0]
        return grad


LOSSES: dict[str, Loss] = {
    cls.name: cls() for cls in (MeanSquaredError, SumSquaredError, CrossEntropy)
}

DESCRIPTIONS = {
    "mse": "Mean squared error: the average of (prediction - target)^2.",
    "sse": "Sum of squared errors over the batch, as in the classic algorithm.",
    "cross_entropy": "Cross-entropy: the standard loss for class probabilities.",
}
