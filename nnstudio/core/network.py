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
        # Every parameter lives in one flat vector (weights first, then biases), and
        # ``weights``/``biases`` are views into it: an optimizer then updates all of
        # them in a handful of NumPy calls instead of a few per array, which is most
        # of a step's cost on small networks.
        arrays = list(weights) + (list(biases) if biases is not None else [])
        dtype = np.asarray(arrays[0]).dtype
        self.parameter_vector = np.empty(sum(np.size(a) for a in arrays), dtype)
        views = _split(self.parameter_vector, [np.shape(a) for a in arrays])
        for view, array in zip(views, arrays, strict=True):
            view[...] = array
        self.weights: list[np.ndarray] = views[: len(weights)]
        self.biases: list[np.ndarray] | None = None if biases is None else views[len(weights) :]
        self.n_weights = sum(w.size for w in self.weights)
        self.hidden_activations = tuple(hidden_activations)
        self.output = output
        self._activations = [HIDDEN_ACTIVATIONS[name] for name in self.hidden_activations]
        if output != "softmax":
            self._activations.append(HIDDEN_ACTIVATIONS[output])
        self._buffers: dict[int, _Buffers] = {}
        self.gradient_vector: np.ndarray | None = None
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
        weights = self.parameter_vector[: self.n_weights]  # weights come first: one contiguous run
        total = 0.0
        if l1:
            total += l1 * float(np.abs(weights).sum())
        if l2:
            total += 0.5 * l2 * float(np.vdot(weights, weights))
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
            buffers reused by the next call: consume them before calling again. They
            are views into :attr:`gradient_vector`, laid out like :attr:`parameter_vector`.
        """
        # This is the hot loop of training: on small networks each NumPy call costs
        # about a microsecond whatever its size, so every call here writes into a
        # preallocated buffer (``out=``), constants are 0-d arrays of the network's
        # dtype (a Python float costs a conversion per call), and np.dot is used
        # because it has less overhead than np.matmul for C-contiguous outputs.
        buffers = self._buffers.get(X.shape[0])
        if buffers is None:
            buffers = self._buffers_for(X.shape[0])
        weights, biases, masks = self.weights, self.biases, self._masks
        acts, last = buffers.activations, len(weights) - 1
        if X.dtype != self.parameter_vector.dtype:
            X = X.astype(self.parameter_vector.dtype)
        acts[0] = a = X
        for i in range(last + 1):
            z = np.dot(a, weights[i], out=acts[i + 1])
            if biases is not None:
                z += biases[i]
            if i < last:
                self._activations[i].forward(z, out=z)
                if masks[i] is not None:  # switched-off units output 0
                    z *= masks[i]
            elif self.output == "softmax":
                softmax(z, out=z, row=buffers.row)
            else:
                self._activations[i].forward(z, out=z)
            a = z
        value = loss.value(a, Y, self.output, scratch=buffers.output_scratch)

        delta = loss.gradient(a, Y, self.output, out=buffers.output_delta)
        grad_weights = buffers.grad_weights
        for i in range(last, -1, -1):
            np.dot(acts[i].T, delta, out=grad_weights[i])
            if biases is not None:
                np.dot(buffers.ones, delta, out=buffers.grad_biases[i])
            if i > 0:
                previous = np.dot(delta, weights[i].T, out=buffers.deltas[i - 1])
                previous *= self._activations[i - 1].derivative(acts[i], out=buffers.scratch[i - 1])
                if masks[i - 1] is not None:  # nothing flows back through a switched-off unit
                    previous *= masks[i - 1]
                delta = previous
        if l1 or l2:
            value += self._regularize(buffers, l1, l2)
        self.gradient_vector = buffers.gradient_vector
        return value, buffers.gradients

    def _regularize(self, buffers: _Buffers, l1: float, l2: float) -> float:
        """Add the penalty's gradient to the weight gradients; return the penalty."""
        weights = self.parameter_vector[: self.n_weights]
        grads = buffers.gradient_vector[: self.n_weights]
        scratch = buffers.weight_scratch
        if l2:
            np.multiply(weights, l2, out=scratch)
            grads += scratch
        if l1:
            np.sign(weights, out=scratch)
            scratch *= l1
            grads += scratch
        return self.penalty(l1, l2)

    def _buffers_for(self, n: int) -> _Buffers:
        # An epoch's last batch is usually shorter, so keep one set per batch size seen
        # (few: the batch size and the remainder) instead of reallocating every epoch.
        if len(self._buffers) > 8:
            self._buffers.clear()
        buffers = self._buffers[n] = _Buffers(self, n)
        return buffers

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
        self.activations: list[np.ndarray] = [None] + [np.empty((n, s), dtype) for s in sizes[1:]]
        self.deltas = [np.empty((n, s), dtype) for s in sizes[1:-1]]
        self.scratch = [np.empty((n, s), dtype) for s in sizes[1:-1]]
        self.output_delta = np.empty((n, sizes[-1]), dtype)
        self.output_scratch = np.empty((n, sizes[-1]), dtype)
        self.row = np.empty((n, 1), dtype)  # per-row maxima and sums of the softmax
        self.ones = np.ones(n, dtype)  # ones @ delta sums delta over the batch
        self.gradient_vector = np.empty_like(net.parameter_vector)
        self.weight_scratch = np.empty(net.n_weights, dtype)
        self.gradients = _split(self.gradient_vector, [p.shape for p in net.parameters])
        self.grad_weights = self.gradients[: len(net.weights)]
        self.grad_biases = self.gradients[len(net.weights) :]


def _split(vector: np.ndarray, shapes) -> list[np.ndarray]:
    """Consecutive views of ``vector`` with the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(vector[start : start + size].reshape(shape))
        start += size
    return views
