"""Optimizers, keyed by stable names.

An optimizer updates a list of parameter arrays in place from their gradients,
and leaves the gradients as they were (the trainer reads their norms later).
Its ``learning_rate`` is a plain attribute, so a caller (the GUI) may change it
between any two steps and the next step uses the new value.

Every NumPy call costs about a microsecond even on a tiny array, so the trainer
hands over one flat vector of all parameters (``Network.parameter_vector``) and
one of all gradients rather than a dozen small arrays.
"""

from __future__ import annotations

import numpy as np


class Optimizer:
    name = ""

    def __init__(self, params: list[np.ndarray], learning_rate: float):
        self.params = params
        self.learning_rate = learning_rate
        self._scratch = [np.empty_like(p) for p in params]

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = value
        # Also as a 0-d array of the parameters' dtype, for the step: NumPy converts a
        # Python float on every call, which doubles the cost of a small multiply.
        self._lr = np.array(value, dtype=self.params[0].dtype)

    #: Whether :meth:`step_scaled` exists: the update needs the gradients only times the
    #: learning rate, which the network can produce at no cost (it scales its output
    #: delta anyway), and the step then makes one pass fewer over every parameter.
    takes_scaled_gradients = False

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same shapes, same order)."""
        raise NotImplementedError

    def step_scaled(self, scaled_grads: list[np.ndarray]) -> None:
        """Like :meth:`step`, given each gradient times :attr:`learning_rate`."""
        raise NotImplementedError


class SGD(Optimizer):
    """Plain stochastic gradient descent: ``w -= lr * g``."""

    name = "sgd"
    takes_scaled_gradients = True

    def step(self, grads):
        for grad, scaled in zip(grads, self._scratch, strict=True):
            np.multiply(grad, self._lr, out=scaled)
        self.step_scaled(self._scratch)

    def step_scaled(self, scaled_grads):
        for param, scaled in zip(self.params, scaled_grads, strict=True):
            param -= scaled


class Momentum(Optimizer):
    """Heavy-ball momentum, or Nesterov's accelerated gradient when ``nesterov``.

    ``v = mu v - lr g``; then ``w += v`` (classic) or ``w += mu v - lr g`` (Nesterov).
    """

    name = "momentum"
    takes_scaled_gradients = True

    def __init__(self, params, learning_rate, momentum=0.9, nesterov=False):
        super().__init__(params, learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocities = [np.zeros_like(p) for p in params]

    def step(self, grads):
        for grad, scaled in zip(grads, self._scratch, strict=True):
            np.multiply(grad, self._lr, out=scaled)
        self.step_scaled(self._scratch)

    def step_scaled(self, scaled_grads):
        mu = self.momentum
        for param, scaled, v, scratch in zip(
            self.params, scaled_grads, self.velocities, self._scratch, strict=True
        ):
            v *= mu
            v -= scaled
            if self.nesterov:
                param -= scaled
                np.multiply(v, mu, out=scratch)  # scaled may be scratch: it is used up
                param += scratch
            else:
                param += v


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with bias-corrected moment estimates."""

    name = "adam"

    def __init__(self, params, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(params, learning_rate)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.t = 0
        self.first = [np.zeros_like(p) for p in params]
        self.second = [np.zeros_like(p) for p in params]
        # The constants as 0-d arrays of the parameters' dtype (see learning_rate).
        dtype = params[0].dtype
        self._b1, self._b2, self._eps = (np.array(c, dtype) for c in (beta1, beta2, epsilon))
        self._c1, self._c2 = np.array(1.0 - beta1, dtype), np.array(1.0 - beta2, dtype)

    def step(self, grads):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.learning_rate * np.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        for param, grad, m, v, tmp in zip(
            self.params, grads, self.first, self.second, self._scratch, strict=True
        ):
            # Every call writes in place: no temporary arrays.
            np.multiply(grad, self._c1, out=tmp)
            m *= self._b1
            m += tmp
            np.multiply(grad, grad, out=tmp)
            tmp *= self._c2
            v *= self._b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += self._eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            param -= tmp


def make_optimizer(name: str, params: list[np.ndarray], learning_rate: float, **options):
    """Build the optimizer called ``name`` over ``params`` (options it does not use are ignored)."""
    if name == "sgd":
        return SGD(params, learning_rate)
    if name == "momentum":
        return Momentum(
            params, learning_rate, options.get("momentum", 0.9), options.get("nesterov", False)
        )
    if name == "adam":
        return Adam(
            params,
            learning_rate,
            options.get("beta1", 0.9),
            options.get("beta2", 0.999),
            options.get("epsilon", 1e-8),
        )
    raise ValueError(f"unknown optimizer {name!r}")


OPTIMIZERS = ("sgd", "momentum", "adam")

DESCRIPTIONS = {
    "sgd": "Plain gradient descent: each step moves the weights against the gradient.",
    "momentum": "Gradient descent with a running velocity, which smooths and speeds it up.",
    "adam": "Adapts a step size per weight from running gradient statistics; a robust default.",
}
