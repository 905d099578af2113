"""Evaluation of a network on the training and test parts of a data set."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
