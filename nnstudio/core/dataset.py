"""From a loaded table to arrays a network trains on.

:func:`prepare` splits the rows into training and test parts (stratified by
class for classification, seeded), fits feature standardization on the
training part only, and turns the labels into one-hot rows (classification) or
a standardized target column (regression). The fitted :class:`Preprocessing`
travels with a saved model so that predictions apply exactly the same steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.core.seeding import random_stream


@dataclass(frozen=True)
class Preprocessing:
    """What was learned from the training rows and must be applied to new rows.

    Attributes
    ----------
    feature_names : tuple of str, length d
    task : str
        ``"classification"`` or ``"regression"``.
    label_name : str
    class_names : tuple of str or None
        Output ``j`` of the network stands for ``class_names[j]``.
    mean, scale : ndarray, shape (d,), or None
        Feature standardization ``(x - mean) / scale``; ``None`` when off.
    target_mean, target_scale : float
        Regression targets are trained as ``(y - target_mean) / target_scale``.
    """

    feature_names: tuple[str, ...]
    task: str
    label_name: str
    class_names: tuple[str, ...] | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    target_mean: float = 0.0
    target_scale: float = 1.0

    @property
    def n_outputs(self) -> int:
        return len(self.class_names) if self.class_names is not None else 1

    def transform(self, X: np.ndarray, dtype=np.float64) -> np.ndarray:
        """Standardize raw features ``X`` (shape ``(n, d)``) into network inputs."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise DataError(
                f"the data has {X.shape[-1]} feature columns but the model expects "
                f"{len(self.feature_names)} ({', '.join(self.feature_names)})"
            )
        if self.mean is not None:
            X = (X - self.mean) / self.scale
        return np.ascontiguousarray(X, dtype=dtype)

    def encode_labels(self, labels: np.ndarray) -> np.ndarray:
        """Class indices (int, shape ``(n,)``) or raw float targets for regression."""
        if self.task == "regression":
            return np.asarray(labels, dtype=np.float64)
        names = _label_strings(labels)
        lookup = {name: i for i, name in enumerate(self.class_names)}
        unknown = sorted(set(names) - set(lookup))
        if unknown:
            raise DataError(
                f"label {unknown[0]!r} is not one of the model's classes "
                f"({', '.join(self.class_names)})"
            )
        return np.array([lookup[name] for name in names], dtype=np.int64)

    def decode_outputs(self, outputs: np.ndarray) -> np.ndarray:
        """Regression targets in the data's units from network outputs of shape ``(n, 1)``."""
        return outputs[:, 0].astype(np.float64) * self.target_scale + self.target_mean

    def to_dict(self) -> dict:
        return {
            "feature_names": list(self.feature_names),
            "task": self.task,
            "label_name": self.label_name,
            "class_names": None if self.class_names is None else list(self.class_names),
            "mean": None if self.mean is None else self.mean.tolist(),
            "scale": None if self.scale is None else self.scale.tolist(),
            "target_mean": self.target_mean,
            "target_scale": self.target_scale,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Preprocessing:
        return cls(
            feature_names=tuple(data["feature_names"]),
            task=data["task"],
            label_name=data["label_name"],
            class_names=None if data["class_names"] is None else tuple(data["class_names"]),
            mean=None if data["mean"] is None else np.array(data["mean"], dtype=np.float64),
            scale=None if data["scale"] is None else np.array(data["scale"], dtype=np.float64),
            target_mean=float(data["target_mean"]),
            target_scale=float(data["target_scale"]),
        )


@dataclass(frozen=True)
class Dataset:
    """Training and test arrays ready for a network.

    Attributes
    ----------
    X_train : ndarray, shape (n_train, d)
    Y_train : ndarray, shape (n_train, k)
        One-hot rows (classification) or the standardized target (regression, k = 1).
    X_test, Y_test : ndarray, shapes (n_test, d) and (n_test, k); n_test may be 0
    y_train, y_test : ndarray, shape (n,)
        Class indices (classification) or targets in the data's units (regression).
    preprocessing : Preprocessing
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    preprocessing: Preprocessing

    @property
    def task(self) -> str:
        return self.preprocessing.task

    @property
    def is_classification(self) -> bool:
        return self.task == "classification"

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.Y_train.shape[1]

    @property
    def n_train(self) -> int:
        return self.X_train.shape[0]

    @property
    def n_test(self) -> int:
        return self.X_test.shape[0]

    @property
    def class_names(self) -> tuple[str, ...] | None:
        return self.preprocessing.class_names

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.preprocessing.feature_names


def prepare(
    X: np.ndarray,
    labels: np.ndarray,
    *,
    feature_names: Sequence[str] | None = None,
    label_name: str = "label",
    task: str = "auto",
    test_split: float = 0.2,
    standardize: bool = True,
    seed: int = 0,
    dtype="float64",
) -> Dataset:
    """Split, standardize and encode raw features and labels.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Raw numeric features.
    labels : ndarray, shape (n,)
        Class labels (strings or numbers) or regression targets.
    task : {"auto", "classification", "regression"}
        ``"auto"`` treats text labels and a few distinct whole numbers as classes.
    test_split : float in [0, 1)
        Fraction of rows held out for testing; 0 keeps every row for training.
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    n, d = X.shape
    names = (
        tuple(feature_names) if feature_names is not None else tuple(f"x{i + 1}" for i in range(d))
    )
    if task == "auto":
        from nnstudio.core.data import looks_like_classification

        task = "classification" if looks_like_classification(labels) else "regression"
    dtype = np.dtype(dtype)

    if task == "classification":
        class_names = _class_names(labels)
        if len(class_names) < 2:
            raise DataError(
                f"the label column {label_name!r} holds one class only; "
                "a classifier needs at least two"
            )
        pre = Preprocessing(names, task, label_name, class_names)
        y = pre.encode_labels(labels)
        train, test = _split_stratified(y, test_split, random_stream(seed, "split"))
    else:
        if labels.dtype.kind not in "biuf":
            raise DataError(
                f"the label column {label_name!r} holds text, so it cannot be a "
                "regression target; choose the classification task"
            )
        y = labels.astype(np.float64)
        train, test = _split_random(n, test_split, random_stream(seed, "split"))
        pre = None

    mean = scale = None
    if standardize:
        mean = X[train].mean(axis=0)
        scale = X[train].std(axis=0)
        scale[scale == 0] = 1.0  # a constant column stays constant instead of dividing by 0
    if task == "classification":
        pre = Preprocessing(names, task, label_name, class_names, mean, scale)
        Y = np.eye(len(class_names), dtype=dtype)[y]
    else:
        target_mean, target_scale = 0.0, 1.0
        if standardize:
            target_mean = float(y[train].mean())
            target_scale = float(y[train].std()) or 1.0
        pre = Preprocessing(names, task, label_name, None, mean, scale, target_mean, target_scale)
        Y = ((y - target_mean) / target_scale).astype(dtype)[:, None]

    inputs = pre.transform(X, dtype)
    return Dataset(
        X_train=_frozen(inputs[train]),
        Y_train=_frozen(Y[train]),
        X_test=_frozen(inputs[test]),
        Y_test=_frozen(Y[test]),
        y_train=_frozen(y[train]),
        y_test=_frozen(y[test]),
        preprocessing=pre,
    )


def prepare_table(table, config) -> Dataset:
    """:func:`prepare` a :class:`~nnstudio.core.data.Table` with a config's data settings."""
    return prepare(
        table.X,
        table.labels,
        feature_names=table.feature_names,
        label_name=table.label_name,
        task=config.task,
        test_split=config.test_split,
        standardize=config.standardize,
        seed=config.seed,
        dtype=config.dtype,
    )


def _label_strings(labels: np.ndarray) -> list[str]:
    """Labels as display strings; whole-number floats print without ``.0``."""
    if labels.dtype.kind == "f":
        return [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in labels]
    return [str(v) for v in labels]


def _class_names(labels: np.ndarray) -> tuple[str, ...]:
    if labels.dtype.kind in "biuf":
        values = np.unique(labels.astype(np.float64))
        return tuple(_label_strings(values))
    return tuple(sorted(set(_label_strings(labels))))


def _split_stratified(y, test_split, rng):
    """Row indices (train, test), each class split in the same proportion."""
    if test_split == 0:  # every row trains, in the file's order
        return np.arange(len(y)), np.array([], dtype=np.int64)
    train, test = [], []
    for c in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == c))
        n_test = int(round(test_split * len(rows)))
        if len(rows) >= 2:
            n_test = min(max(n_test, 1), len(rows) - 1)  # each side keeps at least one row
        else:
            n_test = 0
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    train, test = np.concatenate(train), np.concatenate(test)
    if len(test) == 0:
        raise DataError("too few rows to hold out a test split; use --test-split 0")
    return rng.permutation(train), rng.permutation(test)


def _split_random(n, test_split, rng):
    if test_split == 0:
        return np.arange(n), np.array([], dtype=np.int64)
    order = rng.permutation(n)
    n_test = int(round(test_split * n))
    if test_split > 0 and (n_test == 0 or n_test == n):
        raise DataError("too few rows to hold out a test split; use --test-split 0")
    return order[n_test:], order[:n_test]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a
