"""The training loop, written once for every front end.

:meth:`Trainer.run` is a generator: it trains step by step and yields a frozen
:class:`Snapshot` every so often (by elapsed time, by step count, or both). The
CLI loops over it and prints; the studio's training process loops over it and
sends each snapshot to the window (:mod:`nnstudio.core.remote`). Between steps it
checks a stop flag, so a caller stops it promptly; calling :meth:`Trainer.run`
again resumes where it stopped (this is how the studio pauses and steps).

While no run is going, the network can be edited by hand (:meth:`Trainer.edit_weight`,
:meth:`Trainer.edit_bias`, :meth:`Trainer.set_unit_enabled`); each edit is logged in
:attr:`Trainer.edits` and named in the next snapshot's ``edits``, and
:meth:`Trainer.state_snapshot` shows the edited network without training.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from nnstudio.core.blas import limited_threads, training_threads, vdot
from nnstudio.core.config import Config
from nnstudio.core.dataset import Dataset
from nnstudio.core.errors import ConfigError
from nnstudio.core.history import read_only
from nnstudio.core.losses import LOSSES
from nnstudio.core.metrics import Metrics, MetricsLog, evaluate
from nnstudio.core.network import Network
from nnstudio.core.optimizers import make_optimizer
from nnstudio.core.seeding import random_stream

COMPLETED, STOPPED, DIVERGED = "completed", "stopped", "diverged"

# Training rows up to this size are shuffled by copying them once per epoch, so that each
# step takes two slices; larger ones by gathering each batch's rows (see
# Trainer._start_epoch), which costs no more per step (W2's 2.5 MB: the same within 1%),
# less in all on large data (W3's 188 MB: ~7%) and holds no second copy of the data.
EPOCH_COPY_BYTES = 1 << 20


@dataclass(frozen=True)
class Snapshot:
    """The state of a run at one moment; every array in it is a read-only copy.

    Attributes
    ----------
    step : int
        Training steps (batches) done so far.
    total_steps : int
        Steps the configured run lasts.
    epoch : float
        Passes over the training rows so far (samples seen / training rows).
    weights : tuple of ndarray
        ``weights[i]`` has shape ``(fan_in, fan_out)``.
    biases : tuple of ndarray or None
        ``biases[i]`` has shape ``(fan_out,)``.
    steps, losses : ndarray, shape (m,)
        Step number and batch loss of every step since the previous snapshot.
    gradient_norms : ndarray, shape (n_layers,)
        Euclidean norm of each layer's weight gradient at the latest step.
    metrics : tuple of Metrics
        Evaluations made since the previous snapshot (often empty).
    learning_rate : float
    seconds : float
        Time spent training in this trainer so far (pauses excluded).
    samples_per_second : float
        Training throughput over the run so far.
    stop_reason : str or None
        ``None`` while training; ``"completed"``, ``"stopped"`` or ``"diverged"`` in the
        last snapshot of a :meth:`Trainer.run` call.
    message : str
        A sentence for the user about why the run stopped ("" while training).
    edits : tuple of str
        Hand edits made since the previous snapshot, one sentence each, oldest first.
    masks : tuple of (ndarray or None), or None
        ``None`` when every hidden unit is on; else one entry per hidden layer, ``None``
        or a read-only array of shape ``(units,)`` with 0 for a switched-off unit.
    """

    step: int
    total_steps: int
    epoch: float
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...] | None
    steps: np.ndarray
    losses: np.ndarray
    gradient_norms: np.ndarray
    metrics: tuple[Metrics, ...]
    learning_rate: float
    seconds: float
    samples_per_second: float
    stop_reason: str | None = None
    message: str = ""
    edits: tuple[str, ...] = ()
    masks: tuple[np.ndarray | None, ...] | None = None

    @property
    def finished(self) -> bool:
        return self.stop_reason in (COMPLETED, DIVERGED)

    def __setstate__(self, state: dict) -> None:
        # Arrays come out of a pickle (snapshots cross from the training process) as
        # writable views of the message's buffer: make them read-only arrays of their
        # own, as promised, which the weight history can then keep without a copy.
        state = {name: _owned(value) for name, value in state.items()}
        self.__dict__.update(state)


class Trainer:
    """Trains one network on one data set with one configuration.

    Parameters
    ----------
    config : Config
    dataset : Dataset
    network : Network, optional
        Start from these weights (e.g. a saved model) instead of fresh ones.
    """

    def __init__(self, config: Config, dataset: Dataset, network: Network | None = None):
        self.config = config
        self.dataset = dataset
        self.loss = LOSSES[config.loss]
        self.output = config.resolved_output(dataset.task)
        self.sizes = (dataset.n_features, *config.hidden_layers, dataset.n_outputs)
        if dataset.task == "regression" and config.loss == "cross_entropy":
            raise ConfigError(
                f"the label '{dataset.preprocessing.label_name}' holds numbers, so this is a "
                "regression task, and cross_entropy needs classes; use the mse loss "
                "(or the classification task if the numbers are class codes)"
            )
        if network is not None:
            _check_compatible(network, config, self.sizes, self.output)
        n = dataset.n_train
        self.steps_per_epoch = math.ceil(n / min(config.batch_size, n))
        self.total_steps = (
            config.iterations
            if config.iterations is not None
            else config.epochs * self.steps_per_epoch
        )
        self.eval_every = config.eval_every or self.steps_per_epoch
        self._batch_size = min(config.batch_size, n)
        self.blas_threads = training_threads(self.sizes, self._batch_size)
        self._initial_network = network
        self._stop_requested = False
        self.reset()

    # -- control ------------------------------------------------------------------

    def reset(self) -> None:
        """Back to step 0 with the seed's initial weights (or the given network's)."""
        config = self.config
        if self._initial_network is not None:
            start = self._initial_network
            self.network = Network(
                [w.astype(config.dtype) for w in start.weights],
                None if start.biases is None else [b.astype(config.dtype) for b in start.biases],
                start.hidden_activations,
                start.output,
                start.masks,
            )
        else:
            self.network = Network.initialize(
                self.sizes,
                config.activations,
                self.output,
                rng=random_stream(config.seed, "init"),
                init=config.init,
                use_bias=config.use_bias,
                dtype=config.dtype,
            )
        # One flat vector of every parameter: the update is a few NumPy calls in all.
        self.optimizer = make_optimizer(
            config.optimizer,
            [self.network.parameter_vector],
            config.learning_rate,
            momentum=config.momentum,
            nesterov=config.nesterov,
            beta1=config.beta1,
            beta2=config.beta2,
        )
        self._rng = random_stream(config.seed, "sampling")
        self.step = 0
        self.samples_seen = 0
        self.seconds = 0.0
        self.evaluation_seconds = 0.0  # spent in evaluate(), part of seconds when mid-run
        self.history = MetricsLog()  # every evaluation, stored by column (a long run has many)
        self._order: np.ndarray | None = None  # the current epoch's row order (shuffle)
        self._X_epoch = self._Y_epoch = None
        self._position = 0  # next row within the epoch
        self._gradient_norms = np.zeros(len(self.network.weights))
        self._last_gradients: list[np.ndarray] | None = None  # weight gradients of the last step
        self.stop_reason: str | None = None
        #: Every hand edit since the last reset: ``(step, description)``, oldest first.
        self.edits: list[tuple[int, str]] = []
        self._pending_edits: list[str] = []  # edits the next snapshot reports

    def request_stop(self) -> None:
        """Ask a running :meth:`run` to stop after the current step (thread-safe)."""
        self._stop_requested = True

    def set_learning_rate(self, value: float) -> None:
        """Use ``value`` from the next step on."""
        if not value > 0:
            raise ValueError("the learning rate must be > 0")
        self.optimizer.learning_rate = float(value)

    @property
    def learning_rate(self) -> float:
        return self.optimizer.learning_rate

    @property
    def epoch(self) -> float:
        return self.samples_seen / self.dataset.n_train

    def epoch_at(self, step: int) -> float:
        """Passes over the training rows after ``step`` steps."""
        if self.config.sampling == "replacement":
            batch = min(self.config.batch_size, self.dataset.n_train)
            return step * batch / self.dataset.n_train
        return step / self.steps_per_epoch

    @property
    def is_finished(self) -> bool:
        return self.step >= self.total_steps or self.stop_reason == DIVERGED

    # -- hand edits ------------------------------------------------------------------
    #
    # Edits change the live network in place (the optimizer keeps its state), so
    # make them only while no run() is going on. Layer and unit numbers in the
    # descriptions are 1-based, as the user sees them.

    def edit_weight(self, layer: int, row: int, col: int, value: float) -> None:
        """Set ``weights[layer][row, col]`` (``layer`` 0-based: 0 maps the inputs) to ``value``.

        Raises
        ------
        IndexError
            When ``layer``, ``row`` or ``col`` is out of range.
        ConfigError
            When ``value`` is not a finite number.
        """
        weights = self.network.weights
        _check_index("weight layer", layer, len(weights))
        fan_in, fan_out = weights[layer].shape
        _check_index(f"row of weight layer {layer}", row, fan_in)
        _check_index(f"column of weight layer {layer}", col, fan_out)
        value = _finite(value, "weight")
        old = float(weights[layer][row, col])
        weights[layer][row, col] = value
        self._record_edit(
            f"Set the weight from {self._unit_name(layer, row)} to "
            f"{self._unit_name(layer + 1, col)} to {value:.4g} (was {old:.4g})"
        )

    def edit_bias(self, layer: int, unit: int, value: float) -> None:
        """Set ``biases[layer][unit]`` (``layer`` 0-based, as in :meth:`edit_weight`).

        Raises
        ------
        IndexError
            When ``layer`` or ``unit`` is out of range.
        ConfigError
            When the network has no biases or ``value`` is not a finite number.
        """
        biases = self.network.biases
        if biases is None:
            raise ConfigError("this network has no biases (use_bias is off), so none can be set")
        _check_index("bias layer", layer, len(biases))
        _check_index(f"unit of bias layer {layer}", unit, biases[layer].shape[0])
        value = _finite(value, "bias")
        old = float(biases[layer][unit])
        biases[layer][unit] = value
        self._record_edit(
            f"Set the bias of {self._unit_name(layer + 1, unit)} to {value:.4g} (was {old:.4g})"
        )

    def set_unit_enabled(self, hidden_layer: int, unit: int, enabled: bool) -> None:
        """Switch unit ``unit`` (0-based) of hidden layer ``hidden_layer`` (1-based) on or off.

        A switched-off unit outputs 0, in prediction and in training, until it is switched
        on again; its weights are kept.

        Raises
        ------
        IndexError
            When ``hidden_layer`` is not in ``1..len(hidden_layers)`` or ``unit`` is out of range.
        """
        net = self.network
        n_hidden = len(net.weights) - 1
        if not (isinstance(hidden_layer, int | np.integer) and 1 <= hidden_layer <= n_hidden):
            raise IndexError(
                f"hidden layer {hidden_layer!r} does not exist: this network has "
                + (f"hidden layers 1 to {n_hidden}" if n_hidden else "no hidden layers")
            )
        width = net.sizes[hidden_layer]
        _check_index(f"unit of hidden layer {hidden_layer}", unit, width)
        current = net.masks[hidden_layer - 1]
        mask = np.ones(width, dtype=net.dtype) if current is None else current.copy()
        if bool(mask[unit]) == bool(enabled):
            return  # nothing changes, nothing to record
        mask[unit] = 1.0 if enabled else 0.0
        masks = list(net.masks)
        masks[hidden_layer - 1] = None if mask.all() else mask  # a new array: snapshots stay valid
        net.masks = masks
        state = "on" if enabled else "off"
        self._record_edit(f"Switched {self._unit_name(hidden_layer, unit)} {state}")

    def _record_edit(self, description: str) -> None:
        self.edits.append((self.step, description))
        self._pending_edits.append(description)

    def _unit_name(self, layer: int, unit: int) -> str:
        """How the user sees unit ``unit`` of layer ``layer`` (0 = inputs, last = outputs)."""
        n_hidden = len(self.network.weights) - 1
        if layer == 0:
            names = self.dataset.feature_names
            return f"input '{names[unit]}'" if unit < len(names) else f"input {unit + 1}"
        if layer <= n_hidden:
            return f"h{layer} #{unit + 1}"
        classes = self.dataset.class_names
        if classes is not None and unit < len(classes):
            return f"output '{classes[unit]}'"
        return f"output #{unit + 1}"

    def state_snapshot(self) -> Snapshot:
        """A snapshot of the network as it is now, without training (no steps, no losses).

        It carries the hand edits made since the previous snapshot; ``stop_reason`` is None.
        """
        return self._snapshot(_Pending())

    # -- moving between processes ----------------------------------------------------
    #
    # The studio trains in a child process, so that drawing never holds up a step: the
    # window's trainer is pickled to the child for a run and the child's comes back at
    # its end. The data set travels separately (once per data set: it can be large and a
    # run never changes it), so a pickle holds everything but the data set.

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["dataset"] = None
        for name in ("_X_epoch", "_Y_epoch"):  # large data is read in place, not copied
            if state[name] is not None and _aliases(state[name], self.dataset):
                state[name] = _DATASET_ROWS
        state["_last_gradients"] = None  # views into training buffers, which stay behind
        return state

    def attach_dataset(self, dataset: Dataset) -> None:
        """Give an unpickled trainer its data set (the one it was trained on)."""
        self.dataset = dataset
        if isinstance(self._X_epoch, str):  # _DATASET_ROWS
            self._X_epoch, self._Y_epoch = dataset.X_train, dataset.Y_train

    def adopt(self, other: Trainer) -> None:
        """Continue from ``other``: this run, trained further elsewhere (e.g. unpickled).

        Everything but the data set is taken over; ``other`` must have trained this
        trainer's configuration on this trainer's data set.
        """
        dataset = self.dataset
        self.__dict__.update(other.__dict__)
        self.attach_dataset(dataset)

    def follow(self, snapshot: Snapshot) -> None:
        """Keep the count of steps and the evaluations up with a run going on elsewhere.

        The network and optimizer are left as they are until :meth:`adopt` takes the
        run over at its end.
        """
        self.step = snapshot.step
        self.samples_seen = round(snapshot.epoch * self.dataset.n_train)
        self.seconds = snapshot.seconds
        for metrics in snapshot.metrics:
            self.history.append(metrics)

    # -- batches ------------------------------------------------------------------

    def _next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        start, n = self._position, self.dataset.n_train
        if start >= n or self._X_epoch is None:
            if self.config.sampling == "replacement":
                rows = self._rng.integers(0, n, size=self._batch_size)
                return self.dataset.X_train.take(rows, 0), self.dataset.Y_train.take(rows, 0)
            self._start_epoch()
            start = 0
        # The common case, kept short: every step.
        end = self._position = min(start + self._batch_size, n)
        if self._epoch_rows is None:
            return self._X_epoch[start:end], self._Y_epoch[start:end]
        rows = self._epoch_rows[start:end]
        return self._X_epoch.take(rows, 0), self._Y_epoch.take(rows, 0)

    def _start_epoch(self) -> None:
        """Set the rows of the epoch that starts: slices of _X_epoch, or _epoch_rows of them."""
        data = self.dataset
        self._X_epoch, self._Y_epoch, self._epoch_rows = data.X_train, data.Y_train, None
        if self.config.sampling == "shuffle":
            order = self._rng.permutation(data.n_train)
            if data.X_train.nbytes <= EPOCH_COPY_BYTES:
                # Small data: one shuffled copy per epoch, then each batch is a slice.
                # (ndarray.take gathers rows several times faster than X[order] does.)
                self._X_epoch, self._Y_epoch = (
                    data.X_train.take(order, 0),
                    data.Y_train.take(order, 0),
                )
            else:
                # Large data: each batch gathers its rows (the same rows, in the same
                # order). A whole shuffled copy of 60,000 x 784 float32 costs ~40 ms and
                # 188 MB of fresh memory, against ~6 ms for all of an epoch's gathers.
                self._epoch_rows = order

    # -- the loop ------------------------------------------------------------------

    def evaluate(self) -> Metrics:
        """Evaluate now, record the figures in :attr:`history` and return them."""
        c = self.config
        started = time.perf_counter()
        metrics = evaluate(
            self.network,
            self.dataset,
            self.loss,
            step=self.step,
            epoch=self.epoch,
            l1=c.l1,
            l2=c.l2,
            batch_size=c.batch_size,
        )
        self.evaluation_seconds += time.perf_counter() - started
        self.history.append(metrics)
        return metrics

    def run(
        self,
        *,
        every_seconds: float | None = None,
        every_steps: int | None = None,
        max_steps: int | None = None,
    ) -> Iterator[Snapshot]:
        """Train, yielding a snapshot every ``every_seconds`` and/or ``every_steps``.

        Training goes on until the configured length is reached, ``max_steps``
        more steps are done, :meth:`request_stop` is called, or the loss stops
        being finite. The last snapshot always carries ``stop_reason``.
        """
        self._stop_requested = False
        if self.stop_reason == DIVERGED:
            yield self._snapshot(_Pending(), DIVERGED, self._message)
            return
        end = (
            self.total_steps if max_steps is None else min(self.total_steps, self.step + max_steps)
        )
        pending = _Pending()
        if self.step == 0 and not self.history:
            pending.metrics.append(self.evaluate())
        while True:
            started = time.perf_counter()
            # Overflow is expected when a run diverges; it is detected and reported, not warned.
            with (
                limited_threads(self.blas_threads),
                np.errstate(over="ignore", invalid="ignore", divide="ignore"),
            ):
                reason, message = self._train_until_due(end, every_steps, every_seconds, pending)
            self.seconds += time.perf_counter() - started
            if reason is not None:
                break
            yield self._snapshot(pending)
            pending = _Pending()
        if reason == DIVERGED:
            self.stop_reason, self._message = DIVERGED, message
        elif reason == COMPLETED:
            self.stop_reason = COMPLETED
        yield self._snapshot(pending, reason, message)

    def _train_until_due(self, end, every_steps, every_seconds, pending) -> tuple[str | None, str]:
        """Train until a snapshot is due (returns ``(None, "")``) or the run stops (its reason).

        This is the per-step loop, so it keeps to local variables and leaves anything
        that can wait (gradient norms per layer, copies of weights) to the snapshot.
        """
        net, loss, optimizer = self.network, self.loss, self.optimizer
        l1, l2 = self.config.l1, self.config.l2
        # SGD and momentum take the gradients times the learning rate, which the network
        # then makes at no cost: one pass fewer over the parameters in every update.
        scaled = optimizer.takes_scaled_gradients
        update = optimizer.step_scaled if scaled else optimizer.step
        losses = pending.losses
        if pending.first_step is None:
            pending.first_step = self.step + 1
        limit = end if every_steps is None else min(end, self.step + every_steps - len(losses))
        next_eval = (self.step // self.eval_every + 1) * self.eval_every
        deadline = None if every_seconds is None else time.perf_counter() + every_seconds
        step, samples, grads, scale = self.step, 0, None, 1.0
        try:
            while True:
                if step >= end:
                    if step >= self.total_steps:
                        return COMPLETED, f"Finished all {self.total_steps} steps."
                    return STOPPED, f"Paused at step {step}."
                if self._stop_requested:
                    return STOPPED, f"Stopped at step {step}."
                X, Y = self._next_batch()
                if scaled:  # read every step: the learning rate may change between any two
                    scale = optimizer.learning_rate
                value, grads = net.loss_and_gradients(X, Y, loss, l1, l2, scale)
                gradient = net.gradient_vector
                # Finite squares mean finite gradients: one check instead of one per array.
                squares = float(vdot(gradient, gradient))
                if not (math.isfinite(value) and math.isfinite(squares)):
                    what = (
                        f"the loss became {value}"
                        if not math.isfinite(value)
                        else "a gradient became infinite"
                    )
                    return DIVERGED, (
                        f"Diverged at step {step + 1}: {what}. The last finite "
                        "weights are kept; try a smaller learning rate."
                    )
                update([gradient])
                step += 1
                samples += X.shape[0]
                losses.append(value)
                if step == next_eval or step == self.total_steps:
                    self.step, self.samples_seen, samples = step, self.samples_seen + samples, 0
                    pending.metrics.append(self.evaluate())
                    next_eval += self.eval_every
                if step >= limit and step < end:
                    return None, ""
                if deadline is not None and time.perf_counter() >= deadline and step < end:
                    return None, ""
        finally:
            self.step = step
            self.samples_seen += samples
            if grads is not None:  # norms are worked out when a snapshot is taken
                if scale != 1.0:  # the last step's gradients, as they are
                    net.gradient_vector /= scale
                self._last_gradients = grads[: len(net.weights)]

    def _snapshot(self, pending: _Pending, reason=None, message="") -> Snapshot:
        net = self.network
        if self._last_gradients is not None:
            norms = [math.sqrt(np.vdot(g, g)) for g in self._last_gradients]
            self._gradient_norms = np.array(norms)
            self._last_gradients = None
        first = pending.first_step or self.step + 1
        return Snapshot(
            step=self.step,
            total_steps=self.total_steps,
            epoch=self.epoch,
            weights=tuple(_frozen_copy(w) for w in net.weights),
            biases=None if net.biases is None else tuple(_frozen_copy(b) for b in net.biases),
            steps=_frozen_copy(np.arange(first, first + len(pending.losses), dtype=np.int64)),
            losses=_frozen_copy(np.array(pending.losses, dtype=np.float64)),
            gradient_norms=_frozen_copy(self._gradient_norms),
            metrics=tuple(pending.metrics),
            learning_rate=self.learning_rate,
            seconds=self.seconds,
            samples_per_second=self.samples_seen / self.seconds if self.seconds > 0 else 0.0,
            stop_reason=reason,
            message=message,
            edits=self._take_edits(),
            masks=_frozen_masks(net.masks),
        )

    def _take_edits(self) -> tuple[str, ...]:
        edits, self._pending_edits = tuple(self._pending_edits), []
        return edits


#: Stands for the data set's own training rows in a pickled trainer (see __getstate__).
_DATASET_ROWS = "dataset rows"


def _aliases(rows: np.ndarray, dataset: Dataset | None) -> bool:
    return dataset is not None and (rows is dataset.X_train or rows is dataset.Y_train)


def _check_compatible(network: Network, config: Config, sizes, output: str) -> None:
    """Refuse starting weights that do not match the configured network."""
    wanted = {
        "layer sizes": (sizes, network.sizes),
        "hidden activations": (config.activations, network.hidden_activations),
        "output activation": (output, network.output),
        "biases": (config.use_bias, network.biases is not None),
    }
    for what, (configured, given) in wanted.items():
        if tuple(configured) != tuple(given) if isinstance(given, tuple) else configured != given:
            raise ConfigError(
                f"the starting network's {what} are {given!r} but the data and config need "
                f"{configured!r}; use the settings the model was trained with"
            )


class _Pending:
    """What happened since the previous snapshot."""

    def __init__(self):
        self.first_step: int | None = None  # losses[i] is the loss of step first_step + i
        self.losses: list[float] = []
        self.metrics: list[Metrics] = []


def _check_index(what: str, index, size: int) -> None:
    if not (isinstance(index, int | np.integer) and 0 <= index < size):
        raise IndexError(f"{what} index {index!r} is out of range: it must be 0 to {size - 1}")


def _finite(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise ConfigError(f"a {what} must be a finite number, not {value!r}")
    return number


def _frozen_masks(masks) -> tuple[np.ndarray | None, ...] | None:
    """Read-only copies of the hidden-unit masks; None when every unit is on."""
    if all(mask is None for mask in masks):
        return None
    return tuple(None if mask is None else _frozen_copy(mask) for mask in masks)


def _owned(value):
    """``value`` with each array in it (or itself) read-only and owning its data."""
    if isinstance(value, tuple):
        return tuple(_owned(item) for item in value)
    return read_only(value) if isinstance(value, np.ndarray) else value


def _frozen_copy(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.setflags(write=False)
    return a
