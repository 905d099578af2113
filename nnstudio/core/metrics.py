"""Evaluation of a network on the training and test parts of a data set."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np

from nnstudio.core.dataset import Dataset
from nnstudio.core.losses import Loss
from nnstudio.core.network import Network

EVAL_CHUNK = 8192  # rows per forward pass, so evaluating a big set needs little memory


@dataclass(frozen=True)
class Metrics:
    """Figures of one evaluation; fields that do not apply to the task are ``None``.

    ``confusion[i, j]`` counts rows of true class ``i`` predicted as class ``j``,
    on the test part when there is one, else on the training part. For the
    ``sse`` loss the evaluation losses are scaled to one batch (sum over the set
    times ``batch_size / n``) so that they share the per-step losses' scale.
    """

    step: int
    epoch: float
    train_loss: float
    test_loss: float | None = None
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    train_rmse: float | None = None
    test_rmse: float | None = None
    train_r2: float | None = None
    test_r2: float | None = None
    confusion: np.ndarray | None = None

    def as_row(self) -> dict[str, float | int | None]:
        """The scalar figures, for a CSV log or a JSON report."""
        return {
            name: getattr(self, name) for name in self.__dataclass_fields__ if name != "confusion"
        }


_FLOAT_FIELDS = tuple(f.name for f in fields(Metrics) if f.name not in ("step", "confusion"))


class MetricsLog(Sequence):
    """Every evaluation of a run, oldest first: a sequence of :class:`Metrics`, stored by column.

    A long run evaluates thousands of times (every epoch, ~16,000 times in 10^6 steps
    of 128 rows on 8,000 training rows). One :class:`Metrics` object per evaluation
    costs about 1.3 KB (the dataclass, a float object per figure and a confusion-matrix
    array); here an evaluation takes about 100 bytes of columns plus its confusion
    counts in the smallest unsigned integer type that holds them. Reading an item
    builds its :class:`Metrics` again (confusion as int64, as :func:`evaluate` gives it).
    """

    GROWTH = 1.5  # capacity factor when full: amortised O(1) appends, at most 1/3 unused

    def __init__(self, metrics: Iterable[Metrics] = ()):
        self.clear()
        for m in metrics:
            self.append(m)

    def clear(self) -> None:
        """Forget every evaluation."""
        self._size = 0
        self._steps = np.empty(0, dtype=np.int64)
        # One column per float field; a field that is None is NaN with ``_present`` False.
        self._figures = np.empty((0, len(_FLOAT_FIELDS)))
        self._present = np.empty((0, len(_FLOAT_FIELDS)), dtype=bool)
        self._confusion: np.ndarray | None = None  # (capacity, k, k) once one is appended
        self._has_confusion = np.empty(0, dtype=bool)

    def _reserve(self, needed: int) -> None:
        capacity = self._steps.shape[0]
        if needed <= capacity:
            return
        capacity = max(needed, 16, int(capacity * self.GROWTH))

        def grown(a: np.ndarray) -> np.ndarray:
            out = np.zeros((capacity, *a.shape[1:]), dtype=a.dtype)
            out[: self._size] = a[: self._size]
            return out

        self._steps = grown(self._steps)
        self._figures = grown(self._figures)
        self._present = grown(self._present)
        self._has_confusion = grown(self._has_confusion)
        if self._confusion is not None:
            self._confusion = grown(self._confusion)

    def _store_confusion(self, i: int, matrix: np.ndarray) -> None:
        matrix = np.asarray(matrix)
        # Every count is at most the matrix's total: the type that holds it holds them all.
        dtype = np.min_scalar_type(max(int(matrix.sum()), 0))
        if dtype.kind != "u" or matrix.min(initial=0) < 0:
            dtype = np.dtype(np.int64)
        if self._confusion is None:
            self._confusion = np.zeros((self._steps.shape[0], *matrix.shape), dtype=dtype)
        elif self._confusion.shape[1:] != matrix.shape:
            raise ValueError(
                f"a run's confusion matrices share one shape: {matrix.shape} is not "
                f"{self._confusion.shape[1:]}"
            )
        elif not np.can_cast(dtype, self._confusion.dtype):  # larger counts than so far
            self._confusion = self._confusion.astype(np.promote_types(self._confusion.dtype, dtype))
        self._confusion[i] = matrix
        self._has_confusion[i] = True

    def append(self, metrics: Metrics) -> None:
        """Add one evaluation at the end."""
        i = self._size
        self._reserve(i + 1)
        self._steps[i] = metrics.step
        values = [getattr(metrics, name) for name in _FLOAT_FIELDS]
        self._present[i] = [v is not None for v in values]
        self._figures[i] = [np.nan if v is None else v for v in values]
        self._has_confusion[i] = False
        if metrics.confusion is not None:
            self._store_confusion(i, metrics.confusion)
        self._size = i + 1

    def __len__(self) -> int:
        return self._size

    def _item(self, i: int) -> Metrics:
        figures = {
            name: float(value) if present else None
            for name, value, present in zip(
                _FLOAT_FIELDS, self._figures[i].tolist(), self._present[i].tolist(), strict=True
            )
        }
        confusion = None
        if self._has_confusion[i]:
            confusion = self._confusion[i].astype(np.int64)
        return Metrics(step=int(self._steps[i]), confusion=confusion, **figures)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(self._size))]
        i = index.__index__()
        if i < 0:
            i += self._size
        if not 0 <= i < self._size:
            raise IndexError(f"evaluation {index} is out of range: there are {self._size}")
        return self._item(i)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        return all(_same_metrics(a, b) for a, b in zip(self, other, strict=True))

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return f"MetricsLog({self._size} evaluations)"

    @property
    def nbytes(self) -> int:
        """Bytes of the columns (their capacity, not just the filled part)."""
        arrays = [self._steps, self._figures, self._present, self._has_confusion]
        return sum(a.nbytes for a in arrays) + (
            0 if self._confusion is None else self._confusion.nbytes
        )


def _same_metrics(a: Metrics, b: Metrics) -> bool:
    """``a == b`` for Metrics (the dataclass's own ``==`` cannot compare the confusion arrays)."""
    if not isinstance(a, Metrics) or not isinstance(b, Metrics):
        return False
    if (a.confusion is None) != (b.confusion is None):
        return False
    if a.confusion is not None and not np.array_equal(a.confusion, b.confusion):
        return False
    return a.as_row() == b.as_row()


def predict(network: Network, X: np.ndarray) -> np.ndarray:
    """Network outputs for ``X`` of shape ``(n, d)``, computed in chunks: shape ``(n, k)``."""
    if X.shape[0] <= EVAL_CHUNK:
        return network.forward(X)
    return np.concatenate(
        [network.forward(X[i : i + EVAL_CHUNK]) for i in range(0, X.shape[0], EVAL_CHUNK)]
    )


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts of shape ``(n_classes, n_classes)``: rows are true classes."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (true, predicted), 1)
    return matrix


def r2_score(true: np.ndarray, predicted: np.ndarray) -> float:
    residual = float(np.sum((true - predicted) ** 2))
    total = float(np.sum((true - true.mean()) ** 2))
    return 1.0 - residual / total if total > 0 else 0.0


def evaluate(
    network: Network,
    dataset: Dataset,
    loss: Loss,
    *,
    step: int,
    epoch: float,
    l1: float = 0.0,
    l2: float = 0.0,
    batch_size: int | None = None,
) -> Metrics:
    """Loss and task metrics on both parts of ``dataset``."""
    penalty = network.penalty(l1, l2)
    figures: dict = {}
    confusion = None
    for part, X, Y, y in (
        ("train", dataset.X_train, dataset.Y_train, dataset.y_train),
        ("test", dataset.X_test, dataset.Y_test, dataset.y_test),
    ):
        if X.shape[0] == 0:
            continue
        outputs = predict(network, X)
        value = loss.value(outputs, Y, network.output)
        if loss.name == "sse" and batch_size:
            value *= batch_size / X.shape[0]
        figures[f"{part}_loss"] = value + penalty
        if dataset.is_classification:
            predicted = outputs.argmax(axis=1)
            figures[f"{part}_accuracy"] = float(np.mean(predicted == y))
            confusion = confusion_matrix(y, predicted, dataset.n_outputs)
        else:
            targets = dataset.preprocessing.decode_outputs(outputs)
            figures[f"{part}_rmse"] = float(np.sqrt(np.mean((targets - y) ** 2)))
            figures[f"{part}_r2"] = r2_score(y, targets)
    return Metrics(step=step, epoch=epoch, confusion=confusion, **figures)


FIGURE_COLUMNS = (
    "train_loss",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
    "train_rmse",
    "test_rmse",
    "train_r2",
    "test_r2",
)


def write_history_csv(
    path,
    leading: Sequence[str],
    rows: Iterable[tuple[int, Sequence]],
    history: Sequence[Metrics],
    initial: Sequence = (),
) -> None:
    """Write a loss history: one row per step, evaluation figures on the steps that have them.

    Columns are ``step``, the ``leading`` ones (whose cells each row brings, e.g. the
    batch loss), then :data:`FIGURE_COLUMNS`. A step-0 evaluation, if any, comes first
    with the ``initial`` leading cells (blank by default).
    """
    evaluations = {m.step: m.as_row() for m in history}

    def figures(step):
        row = evaluations.get(step, {})
        return ["" if row.get(c) is None else repr(row[c]) for c in FIGURE_COLUMNS]

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", *leading, *FIGURE_COLUMNS])
        if 0 in evaluations:
            cells = list(initial) or [""] * len(leading)
            writer.writerow([0, *cells, *figures(0)])
        for step, cells in rows:
            writer.writerow([step, *cells, *figures(step)])
