"""MetricsLog: a run's evaluations stored by column, read back as Metrics."""

import numpy as np
import pytest

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.metrics import Metrics, MetricsLog
from nnstudio.core.trainer import Trainer


def _classification(step, total=45):
    rng = np.random.default_rng(step)
    confusion = rng.multinomial(total, np.full(9, 1 / 9)).reshape(3, 3).astype(np.int64)
    return Metrics(
        step=step,
        epoch=step / 7,
        train_loss=1.0 / (step + 1),
        test_loss=1.5 / (step + 1),
        train_accuracy=0.5 + step / 1000,
        test_accuracy=0.4 + step / 1000,
        confusion=confusion,
    )


def _same(a: Metrics, b: Metrics) -> bool:
    return a.as_row() == b.as_row() and (
        a.confusion is None if b.confusion is None else np.array_equal(a.confusion, b.confusion)
    )


def test_evaluations_read_back_as_they_were_appended():
    appended = [_classification(step) for step in range(0, 300, 10)]
    regression = Metrics(step=400, epoch=9.5, train_loss=0.25, train_rmse=1.5, train_r2=0.75)
    appended.append(regression)
    log = MetricsLog()
    for m in appended:
        log.append(m)
    assert len(log) == len(appended) and bool(log)
    for i, m in enumerate(appended):
        assert _same(log[i], m)
    last = log[-1]
    assert last.test_loss is None and last.confusion is None and last.train_r2 == 0.75
    assert type(log[0].step) is int and type(log[0].train_loss) is float
    assert log[0].confusion.dtype == np.int64
    assert [m.step for m in log[-3:]] == [280, 290, 400]
    assert [m.step for m in log] == [m.step for m in appended]
    with pytest.raises(IndexError):
        log[len(appended)]
    assert log == appended and log != appended[:-1]
    assert MetricsLog() == [] and not MetricsLog()
    log.clear()
    assert len(log) == 0 and log == []


def test_confusion_counts_take_the_smallest_type_that_holds_them():
    log = MetricsLog([_classification(0, total=45)])
    assert log._confusion.dtype == np.uint8
    log.append(_classification(1, total=70_000))  # a count may now exceed 65,535
    assert log._confusion.dtype == np.uint32
    assert _same(log[0], _classification(0, total=45))
    assert _same(log[1], _classification(1, total=70_000))
    with pytest.raises(ValueError, match="shape"):
        log.append(Metrics(step=2, epoch=0.0, train_loss=1.0, confusion=np.zeros((2, 2), int)))


def test_a_long_run_of_evaluations_stays_compact():
    # ~16,000 evaluations in the studio's 10^6-step W2 run: as Metrics objects in a list
    # they took ~1.3 KB each; here the columns of 10 figures and a 10x10 confusion
    # matrix of a 2,000-row test part take a few hundred bytes.
    log = MetricsLog()
    confusion = np.full((10, 10), 20, dtype=np.int64)
    for step in range(16_000):
        log.append(
            Metrics(step=step, epoch=step / 62.5, train_loss=1.0, test_loss=1.0,
                    train_accuracy=0.5, test_accuracy=0.5, confusion=confusion)
        )  # fmt: skip
    assert log.nbytes / len(log) < 2 * (8 + 10 * 8 + 10 * 1 + 1 + 100 * 2)
    assert np.array_equal(log[12_345].confusion, confusion)


def test_the_trainer_keeps_every_evaluation_of_its_snapshots(iris_table):
    trainer = Trainer(MODERN.replace(epochs=20), prepare_table(iris_table, MODERN))
    snapshots = list(trainer.run(every_steps=5))
    given = [m for s in snapshots for m in s.metrics]
    assert isinstance(trainer.history, MetricsLog)
    assert len(trainer.history) == len(given) == 21  # the start and each of 20 epochs
    assert all(_same(a, b) for a, b in zip(trainer.history, given, strict=True))
    trainer.reset()
    assert trainer.history == []
