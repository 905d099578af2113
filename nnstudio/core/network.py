"""A multilayer perceptron you can read in one sitting.

Layer ``i`` maps activations ``a`` of shape ``(n, fan_in)`` to
``f(a @ W[i] + b[i])`` of shape ``(n, fan_out)``; weights are stored as
``(fan_in, fan_out)`` matrices, as in scikit-learn. Hidden layers each have
their own activation; the output layer uses ``sigmoid``, ``softmax`` or
``linear``. Training buffers are allocated once per batch size and reused, so a
step allocates (almost) nothing.

A hidden unit can be switched off by hand: ``masks[i]`` (one per hidden layer,
``None`` = every unit on) multiplies the output of hidden layer ``i + 1``, so a
unit whose mask entry is 0 outputs 0 in prediction and in training alike, and
no gradient flows through it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnstudio.core.activations import HIDDEN_ACTIVATIONS, softmax
from nnstudio.core.initializers import INITIALIZERS
from nnstudio.core.losses import Loss


class Network:
    """Weights, biases and activations of a fully connected network.

    Parameters
    ----------
    weights : list of ndarray
        ``weights[i]`` has shape ``(sizes[i], sizes[i + 1])``.
    biases : list of ndarray or None
        ``biases[i]`` has shape ``(sizes[i + 1],)``; ``None`` for a network without biases.
    hidden_activations : sequence of str
        One name per hidden layer (``len(weights) - 1`` of them).
    output : str
        ``"sigmoid"``, ``"softmax"`` or ``"linear"``.
    masks : sequence of (ndarray or None), optional
        One per hidden layer: ``None`` (every unit on) or an array of shape
        ``(sizes[i + 1],)`` holding 1 for a unit that is on and 0 for one switched off.
        Omitted: every unit is on. See :attr:`masks`.
    """

    def __init__(
        self,
        weights,
        biases,
        hidden_activations: Sequence[str],
        output: str,
        masks: Sequence[np.ndarray | None] | None = None,
    ):
        if len(hidden_activations) != len(weights) - 1:
            raise ValueError("need one activation per hidden layer")
        self.weights: list[np.ndarray] = list(weights)
        self.biases: list[np.ndarray] | None = None if biases is None else list(biases)
        self.hidden_activations = tuple(hidden_activations)
        self.output = output
        self._activations = [HIDDEN_ACTIVATIONS[name] for name in self.hidden_activations]
        if output != "softmax":
            self._activations.append(HIDDEN_ACTIVATIONS[output])
        self._buffers: _Buffers | None = None
        self.masks = masks

    @classmethod
    def initialize(
        cls,
        sizes: Sequence[int],
        hidden_activations: Sequence[str],
        output: str,
        *,
        rng: np.random.Generator,
        init: str = "xavier",
        use_bias: bool = True,
        dtype=np.float64,
    ) -> Network:
        """A fresh network with layer widths ``sizes`` (inputs first, outputs last)."""
        make = INITIALIZERS[init]
        weights = [
            make((a, b), np.dtype(dtype), rng) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        ]
        biases = [np.zeros(b, dtype=dtype) for b in sizes[1:]] if use_bias else None
        return cls(weights, biases, hidden_activations, output)

    # -- shape ---------------------------------------------------------------

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[0], *(w.shape[1] for w in self.weights))

    @property
    def dtype(self) -> np.dtype:
        return self.weights[0].dtype

    @property
    def parameters(self) -> list[np.ndarray]:
        """Weights then biases: the arrays an optimizer updates."""
        return self.weights + (self.biases or [])

    def n_parameters(self) -> int:
        return sum(p.size for p in self.parameters)

    @property
    def masks(self) -> list[np.ndarray | None]:
        """Which hidden units are on: one entry per hidden layer.

        ``masks[i]`` is ``None`` when every unit of hidden layer ``i + 1`` is on, else an
        array of shape ``(sizes[i + 1],)`` with 1 for a unit that is on and 0 for one that
        is off. Assign a whole new list to change it (``None`` switches every unit on);
        the arrays are used as given, never written to.
        """
        return self._masks

    @masks.setter
    def masks(self, masks: Sequence[np.ndarray | None] | None) -> None:
        n_hidden = len(self.weights) - 1
        if masks is None:
            self._masks: list[np.ndarray | None] = [None] * n_hidden
            return
        masks = list(masks)
        if len(masks) != n_hidden:
            raise ValueError(f"need one mask per hidden layer ({n_hidden}), got {len(masks)}")
        for i, mask in enumerate(masks):
            if mask is None:
                continue
            mask = np.asarray(mask, dtype=self.dtype)
            if mask.shape != (self.sizes[i + 1],):
                raise ValueError(
                    f"the mask of hidden layer {i + 1} has shape {mask.shape}, "
                    f"expected ({self.sizes[i + 1]},)"
                )
            masks[i] = mask
        self._masks = masks

    # -- forward ---------------------------------------------------------------

    def _layer(self, i: int, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        z = np.matmul(a, self.weights[i], out=out)
        if self.biases is not None:
            z += self.biases[i]
        if i == len(self.weights) - 1:
            if self.output == "softmax":
                return softmax(z, out=z)
            return self._activations[i].forward(z, out=z)
        a = self._activations[i].forward(z, out=z)
        mask = self._masks[i]
        if mask is not None:  # switched-off units output 0
            a *= mask
        return a

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Outputs for inputs ``X`` of shape ``(n, sizes[0])``: shape ``(n, sizes[-1])``."""
        a = np.asarray(X, dtype=self.dtype)
        for i in range(len(self.weights)):
            a = self._layer(i, a)
        return a

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """Activations of every layer for ``X``: ``[X, a_1, ..., output]``."""
        outputs = [np.asarray(X, dtype=self.dtype)]
        for i in range(len(self.weights)):
            outputs.append(self._layer(i, outputs[-1]))
        return outputs

    # -- training --------------------------------------------------------------

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        """Regularization added to the loss: ``l1 * sum|W| + l2 / 2 * sum W^2`` (weights only)."""
        total = 0.0
        for w in self.weights:
            if l1:
                total += l1 * float(np.abs(w).sum())
            if l2:
                total += 0.5 * l2 * float(np.vdot(w, w))
        return total

    def loss_and_gradients(
        self, X: np.ndarray, Y: np.ndarray, loss: Loss, l1: float = 0.0, l2: float = 0.0
    ) -> tuple[float, list[np.ndarray]]:
        """Loss of one batch and its gradient for every parameter.

        Parameters
        ----------
        X : ndarray, shape (n, sizes[0])
        Y : ndarray, shape (n, sizes[-1])
        loss : Loss
        l1, l2 : float
            Regularization rates (see :meth:`penalty`).

        Returns
        -------
        value : float
            Batch loss plus the regularization penalty.
        gradients : list of ndarray
            Same order and shapes as :attr:`parameters`. The arrays are internal
            buffers reused by the next call: consume them before calling again.
        """
        buffers = self._buffers_for(X.shape[0])
        acts = buffers.activations
        acts[0] = X
        for i in range(len(self.weights)):
            self._layer(i, acts[i], out=acts[i + 1])
        output = acts[-1]
        value = loss.value(output, Y, self.output) + self.penalty(l1, l2)

        delta = loss.gradient(output, Y, self.output)
        for i in reversed(range(len(self.weights))):
            grad_w = buffers.grad_weights[i]
            np.matmul(acts[i].T, delta, out=grad_w)
            if l2:
                grad_w += l2 * self.weights[i]
            if l1:
                grad_w += l1 * np.sign(self.weights[i])
            if self.biases is not None:
                np.sum(delta, axis=0, out=buffers.grad_biases[i])
            if i > 0:
                previous = buffers.deltas[i - 1]
                np.matmul(delta, self.weights[i].T, out=previous)
                previous *= self._activations[i - 1].derivative(acts[i], out=buffers.scratch[i - 1])
                mask = self._masks[i - 1]
                if mask is not None:  # nothing flows back through a switched-off unit
                    previous *= mask
                delta = previous
        return value, buffers.grad_weights + (buffers.grad_biases if self.biases else [])

    def _buffers_for(self, n: int) -> _Buffers:
        if self._buffers is None or self._buffers.batch_size != n:
            self._buffers = _Buffers(self, n)
        return self._buffers

    # -- copies ------------------------------------------------------------------

    def copy(self) -> Network:
        biases = None if self.biases is None else [b.copy() for b in self.biases]
        masks = [None if m is None else m.copy() for m in self._masks]
        return Network(
            [w.copy() for w in self.weights], biases, self.hidden_activations, self.output, masks
        )


class _Buffers:
    """Arrays reused across training steps of one batch size."""

    def __init__(self, net: Network, n: int):
        dtype, sizes = net.dtype, net.sizes
        self.batch_size = n
        self.activations: list[np.ndarray] = [None] + [np.empty((n, s), dtype) for s in sizes[1:]]
        self.deltas = [np.empty((n, s), dtype) for s in sizes[1:-1]]
        self.scratch = [np.empty((n, s), dtype) for s in sizes[1:-1]]
        self.grad_weights = [np.empty_like(w) for w in net.weights]
        self.grad_biases = [np.empty_like(b) for b in net.biases] if net.biases else []
