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
from nnstudio.core.blas import dot, vdot
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
        # Every parameter lives in one flat vector, and ``weights``/``biases`` are views
        # into it: an optimizer then updates all of them in a handful of NumPy calls
        # instead of a few per array, which is most of a step's cost on small networks.
        # Layer i owns one block of shape (fan_in + 1, fan_out): its weights, then its
        # biases as the last row. With a row of ones under its input, one product with the
        # block adds the biases, and one product gives the weight and bias gradients.
        weights = [np.asarray(w) for w in weights]
        has_bias = biases is not None
        shapes = [(w.shape[0] + has_bias, w.shape[1]) for w in weights]
        vector = np.empty(sum(a * b for a, b in shapes), weights[0].dtype)
        self._bind(vector, shapes, has_bias, hidden_activations, output, masks)
        for view, w in zip(self.weights, weights, strict=True):
            view[...] = w
        if has_bias:
            for view, b in zip(self.biases, biases, strict=True):
                view[...] = b

    def _bind(self, vector, shapes, has_bias, hidden_activations, output, masks) -> None:
        """Make the weights and biases views into ``vector`` (see ``__init__``)."""
        self.parameter_vector = vector
        self._blocks = _split(vector, shapes)
        self.weights: list[np.ndarray] = [
            block[:-1] if has_bias else block for block in self._blocks
        ]
        self.biases: list[np.ndarray] | None = (
            [block[-1] for block in self._blocks] if has_bias else None
        )
        # The same blocks transposed: training stores activations one column per sample
        # (see _Buffers), where a layer computes block.T @ [a; 1].
        self._blocks_T = [block.T for block in self._blocks]
        self._first_weights_T = self.weights[0].T
        self._first_bias_column = None if not has_bias else self.biases[0][:, None]
        self.hidden_activations = tuple(hidden_activations)
        self.output = output
        self._activations = [HIDDEN_ACTIVATIONS[name] for name in self.hidden_activations]
        if output != "softmax":
            self._activations.append(HIDDEN_ACTIVATIONS[output])
        self._buffers: dict[int, _Buffers] = {}
        self.gradient_vector: np.ndarray | None = None
        self.masks = masks

    # A pickle (the studio trains in another process) holds the parameter vector itself,
    # which an optimizer pickled alongside shares, and makes the views into it again.
    # Training buffers are not sent: they are made again at the next step.

    def __getstate__(self) -> dict:
        return {
            "vector": self.parameter_vector,
            "shapes": [block.shape for block in self._blocks],
            "has_bias": self.biases is not None,
            "hidden_activations": self.hidden_activations,
            "output": self.output,
            "masks": self._masks,
        }

    def __setstate__(self, state: dict) -> None:
        self._bind(
            state["vector"],
            state["shapes"],
            state["has_bias"],
            state["hidden_activations"],
            state["output"],
            state["masks"],
        )

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
            self._column_masks = self._masks
            self._buffers = {}  # they hold the masks
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
        # Shape (units, 1): training stores a layer's outputs one column per sample.
        self._column_masks = [None if m is None else m[:, None] for m in masks]
        self._buffers = {}  # they hold the masks

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
        self,
        X: np.ndarray,
        Y: np.ndarray,
        loss: Loss,
        l1: float = 0.0,
        l2: float = 0.0,
        scale: float = 1.0,
    ) -> tuple[float, list[np.ndarray]]:
        """Loss of one batch and its gradient for every parameter.

        Parameters
        ----------
        X : ndarray, shape (n, sizes[0])
        Y : ndarray, shape (n, sizes[-1])
        loss : Loss
        l1, l2 : float
            Regularization rates (see :meth:`penalty`).
        scale : float
            Every gradient comes multiplied by this (the trainer passes the learning
            rate of an optimizer that takes scaled gradients). It costs nothing with
            softmax and cross-entropy, which scale the output delta by ``1 / n`` anyway.

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
        # about a microsecond whatever its size, so the step is written to make few
        # calls. Every call writes into a preallocated buffer (``out=``); constants are
        # 0-d arrays of the network's dtype (a Python float costs a conversion per
        # call); products use np.dot (blas.dot: without its dispatch), which has less
        # overhead than np.matmul. Activations are stored transposed, one column per
        # sample (see _Buffers): a row of ones under each layer's input then folds the
        # bias into the product, and the softmax reduces over the first axis, which is
        # 2-3x cheaper than over short rows.
        n = X.shape[0]
        buffers = self._buffers.get(n)
        if buffers is None:
            buffers = self._buffers_for(n)
        if scale != buffers.scale:  # a new learning rate: rarely
            buffers.set_scale(scale)

        # Forward, layer 0. The batch goes in as X.T, over a row of ones when there are
        # biases (see _Buffers).
        if buffers.copies_inputs:
            # A small or medium batch: one copy over the ones beats a bias add and a bias
            # product.
            x = buffers.first_input
            buffers.batch_slot[...] = X
            z = dot(self._blocks_T[0], x, out=buffers.first_output)
        else:
            # A large batch: X is used in place, as a transposed view.
            if X.dtype != self.parameter_vector.dtype:
                X = X.astype(self.parameter_vector.dtype)
            x = X.T
            z = dot(self._first_weights_T, x, out=buffers.first_output)
            if self.biases is not None:
                z += self._first_bias_column
        # The other layers; z is the pre-activation of the layer before.
        for forward_and_derivative, derivative, mask, block_T, a, out in buffers.forward_plan:
            # f(z) in place (it is a's top rows), and f'(z) while z is at hand.
            forward_and_derivative(z, derivative)
            if mask is not None:  # switched-off units output 0
                z *= mask
            z = dot(block_T, a, out=out)

        # The output activation and the loss; delta is dL/dz of the output layer, (k, n).
        if self.output == "softmax" and loss.name == "cross_entropy":
            value = _softmax_cross_entropy(z, Y, buffers)
            delta = z
        else:
            if self.output == "softmax":
                softmax(z.T, out=z.T, row=buffers.row.T)
            else:
                self._activations[-1].forward(z, out=z)
            # Losses work on (n, k) arrays; transposed views of the buffers are that.
            value = loss.value(z.T, Y, self.output, scratch=buffers.output_scratch.T)
            delta = loss.gradient(z.T, Y, self.output, out=buffers.output_delta.T).T
            if scale != 1.0:
                delta *= buffers.scale_array

        # Backward, last layer first: [a; 1] @ delta.T is a layer's whole gradient block.
        for a, grad_block, weights, delta_out, derivative, mask in buffers.backward_plan:
            dot(a, delta.T, out=grad_block)
            previous = dot(weights, delta, out=delta_out)
            previous *= derivative
            if mask is not None:  # nothing flows back through a switched-off unit
                previous *= mask
            delta = previous
        if buffers.copies_inputs:
            dot(x, delta.T, out=buffers.grad_blocks[0])
        else:
            dot(x, delta.T, out=buffers.grad_weights[0])
            if self.biases is not None:
                dot(delta, buffers.sample_ones, out=buffers.grad_biases[0])
        if l1 or l2:
            value += self._regularize(buffers, l1, l2, scale)
        self.gradient_vector = buffers.gradient_vector
        return value, buffers.gradients

    def _regularize(self, buffers: _Buffers, l1: float, l2: float, scale: float) -> float:
        """Add the penalty's gradient (times ``scale``) to the weight gradients; return the
        penalty."""
        params, grads = self.parameter_vector, buffers.gradient_vector
        # The penalty spares the biases, which sit between the weights (the last row of
        # each block): multiply by a 0/1 vector instead of making calls per layer.
        if buffers.is_weight is None:
            buffers.parameter_scratch = np.empty_like(params)
            buffers.is_weight = np.ones_like(params)
            if self.biases is not None:
                for block in _split(buffers.is_weight, [b.shape for b in self._blocks]):
                    block[-1] = 0.0
        is_weight, scratch, total = buffers.is_weight, buffers.parameter_scratch, 0.0
        if l2:
            weights = np.multiply(params, is_weight, out=scratch)
            total += 0.5 * l2 * float(vdot(weights, weights))
            weights *= l2 * scale
            grads += weights
        if l1:
            signs = np.multiply(params, is_weight, out=scratch)
            np.sign(signs, out=signs)
            total += l1 * float(vdot(signs, params))  # sum |w| = sum sign(w) w
            signs *= l1 * scale
            grads += signs
        return total

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
    """Arrays reused across training steps of one batch size.

    Activations, deltas and derivatives are stored transposed, shape (units, n): one
    column per sample. A layer's input then sits over a row of ones, so that
    ``block.T @ [a; 1]`` is ``W.T a + b`` in one product and ``[a; 1] @ delta.T`` is the
    weight and bias gradients in one product, written straight into the gradient block.
    """

    # How a batch with biases reaches the first product depends on its size n x d (the
    # crossovers timed on one core, float32 and float64, d from 4 to 784):
    # - up to COPY_TRANSPOSED_UP_TO values it is copied, transposed, into a (d + 1, n)
    #   array over a row of ones, the layout of every other layer's input;
    # - up to COPY_ROWS_UP_TO it is copied row by row into an (n, d + 1) array with a
    #   column of ones (used transposed), which copies 3-4x faster than transposing:
    #   ~3 us against ~10 us for 128 x 64 float64, where it saves ~7 us of a 400 us step;
    # - above that it is used in place, and the bias add and bias product that the ones
    #   would have saved cost less than any copy (128 x 784: ~8 us less than a row copy).
    COPY_TRANSPOSED_UP_TO = 4096
    COPY_ROWS_UP_TO = 16384

    def __init__(self, net: Network, n: int):
        dtype, sizes = net.dtype, net.sizes
        ones = net.biases is not None  # a row of ones under each layer's input
        values = n * sizes[0]
        self.copies_inputs = ones and values <= self.COPY_ROWS_UP_TO
        # inputs[i]: the input of layer i, over the ones; outputs[i]: its output, which is
        # the top of inputs[i + 1]. The first input is the batch itself when not copied.
        inputs = [_with_ones_row((s + ones, n), dtype, ones) for s in sizes[:-1]]
        outputs = [a[: a.shape[0] - ones] for a in inputs[1:]]
        outputs.append(np.empty((sizes[-1], n), dtype))
        if self.copies_inputs:
            if values > self.COPY_TRANSPOSED_UP_TO:
                inputs[0] = np.empty((n, sizes[0] + 1), dtype).T  # rows of the batch
                inputs[0][-1] = 1.0
            self.first_input = inputs[0]
            self.batch_slot = inputs[0][:-1].T  # (n, d): where the batch goes
        self.first_output = outputs[0]
        self.derivatives = [np.empty((s, n), dtype) for s in sizes[1:-1]]
        self.deltas = [np.empty((s, n), dtype) for s in sizes[1:-1]]
        self.output_delta = np.empty((sizes[-1], n), dtype)
        self.output_scratch = np.empty((sizes[-1], n), dtype)
        self.row = np.empty((1, n), dtype)  # per-sample maxima and sums of the softmax
        self.log_sums = np.empty((1, n), dtype)
        self.targets = np.empty((sizes[-1], n), dtype)  # Y, one column per sample
        self.class_ones = np.ones((1, sizes[-1]), dtype)  # class_ones @ p sums each column
        self.sample_ones = np.ones(n, dtype)  # delta @ sample_ones sums over the batch
        self.set_scale(1.0)
        self.gradient_vector = np.empty_like(net.parameter_vector)
        self.grad_blocks = _split(self.gradient_vector, [b.shape for b in net._blocks])
        self.grad_weights = [
            g[: len(w)] for g, w in zip(self.grad_blocks, net.weights, strict=True)
        ]
        self.grad_biases = [g[-1] for g in self.grad_blocks] if ones else []
        self.gradients = self.grad_weights + self.grad_biases
        # Each layer's arrays gathered once, so that a step's loops only unpack them.
        # (Masks are part of them: assigning Network.masks drops the buffers.)
        last, masks = len(net.weights) - 1, net._column_masks
        self.forward_plan = [
            (
                net._activations[i].forward_and_derivative,
                self.derivatives[i],
                masks[i],
                net._blocks_T[i + 1],
                inputs[i + 1],
                outputs[i + 1],
            )
            for i in range(last)
        ]
        self.backward_plan = [
            (
                inputs[i],
                self.grad_blocks[i],
                net.weights[i],
                self.deltas[i - 1],
                self.derivatives[i - 1],
                masks[i - 1],
            )
            for i in range(last, 0, -1)
        ]
        # For regularization, made on first use (most runs do not regularize): 1 where
        # parameter_vector holds a weight, 0 where it holds a bias, and scratch space.
        self.is_weight: np.ndarray | None = None
        self.parameter_scratch: np.ndarray | None = None

    def set_scale(self, scale: float) -> None:
        """Scale the gradients by ``scale`` (see Network.loss_and_gradients)."""
        dtype, n = self.sample_ones.dtype, self.sample_ones.size
        self.scale = scale
        self.scale_array = np.array(scale, dtype)
        # The fused softmax and cross-entropy's delta is (p - y) times this.
        self.delta_factor = np.array(scale / n, dtype)


def _softmax_cross_entropy(z: np.ndarray, Y: np.ndarray, buffers: _Buffers) -> float:
    """Softmax and mean cross-entropy of logits ``z``, shape (k, n), against ``Y``, (n, k).

    ``z`` is overwritten with the loss's gradient with respect to it, ``(p - y) / n``
    times the buffers' scale; this assumes each row of ``Y`` sums to 1 (one-hot
    classes). The loss comes from the softmax's own maxima ``m`` and sums ``s``:
    ``-log p_ij = log s_i - (z_ij - m_i)``, exact even where ``p`` underflows, with no
    log over the whole output.
    """
    row = np.maximum.reduce(z, 0, None, buffers.row, True)
    np.subtract(z, row, out=z)  # z - m: e^z cannot overflow
    # Y one column per sample: contiguous, the two operations on it cost half as much.
    targets = buffers.targets
    np.copyto(targets, Y.T)
    picked = float(vdot(targets, z))  # sum of the targets' z - m
    np.exp(z, out=z)
    dot(buffers.class_ones, z, out=row)  # s
    log_sums = np.log(row, out=buffers.log_sums)
    value = (float(vdot(log_sums, buffers.sample_ones)) - picked) / z.shape[1]
    np.divide(z, row, out=z)  # p
    z -= targets
    z *= buffers.delta_factor  # 1 / n, times the gradients' scale
    return value


def _with_ones_row(shape: tuple[int, int], dtype, ones: bool) -> np.ndarray:
    array = np.empty(shape, dtype)
    if ones:
        array[-1] = 1.0
    return array


def _split(vector: np.ndarray, shapes) -> list[np.ndarray]:
    """Consecutive views of ``vector`` with the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(vector[start : start + size].reshape(shape))
        start += size
    return views
