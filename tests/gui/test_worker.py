"""The training thread: snapshots cross threads, pause and step work, shutdown joins."""

import pytest

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.trainer import Trainer
from nnstudio.gui.worker import MAX_SNAPSHOTS_PER_SECOND, TrainingThread


@pytest.fixture
def training(qtbot, iris_table):
    config = MODERN.replace(epochs=100_000)  # long enough to pause in the middle
    thread = TrainingThread()
    thread.set_trainer(Trainer(config, prepare_table(iris_table, config)))
    yield thread
    thread.shutdown()
    assert thread.thread.isFinished()


def test_snapshots_arrive_and_pause_stops_promptly(qtbot, training):
    received = []
    training.snapshot_ready.connect(received.append)
    with qtbot.waitSignal(training.snapshot_ready, timeout=5000):
        training.start_training()
    assert training.running
    qtbot.waitUntil(lambda: len(received) >= 5, timeout=5000)
    with qtbot.waitSignal(training.stopped, timeout=2000) as stopped:
        training.pause()
    assert stopped.args[0] == "stopped"
    assert not training.running
    steps = [s.step for s in received]
    assert steps == sorted(steps) and steps[-1] == training.trainer.step
    # Time cadence: far fewer snapshots than steps, and not faster than the cap (with slack).
    seconds = received[-1].seconds
    assert len(received) <= MAX_SNAPSHOTS_PER_SECOND * seconds * 1.5 + 3
    assert received[-1].step > len(received)


def test_step_trains_exactly_one_batch(qtbot, training):
    with qtbot.waitSignal(training.stopped, timeout=5000):
        training.step(1)
    assert training.trainer.step == 1 and not training.running
    with qtbot.waitSignal(training.stopped, timeout=5000):
        training.step(1)
    assert training.trainer.step == 2


def test_trainer_cannot_be_swapped_while_running(qtbot, training):
    with qtbot.waitSignal(training.snapshot_ready, timeout=5000):
        training.start_training()
    with pytest.raises(RuntimeError):
        training.set_trainer(None)
    with qtbot.waitSignal(training.stopped, timeout=2000):
        training.pause()


def test_shutdown_while_running_joins_the_thread(qtbot, training):
    with qtbot.waitSignal(training.snapshot_ready, timeout=5000):
        training.start_training()
    training.shutdown()
    assert training.thread.isFinished()


def test_threads_hand_the_gil_over_quickly_only_while_a_run_trains(qtbot, training, monkeypatch):
    import sys

    from nnstudio.gui.worker import TRAINING_SWITCH_INTERVAL_S

    seen = []
    run = training.trainer.run

    def watched_run(**options):
        for snapshot in run(**options):
            seen.append(sys.getswitchinterval())
            yield snapshot

    monkeypatch.setattr(training.trainer, "run", watched_run)
    before = sys.getswitchinterval()
    assert before > TRAINING_SWITCH_INTERVAL_S  # the interpreter's default, 5 ms
    with qtbot.waitSignal(training.stopped, timeout=5000):
        training.step(3)
    assert seen == [pytest.approx(TRAINING_SWITCH_INTERVAL_S)]
    assert sys.getswitchinterval() == before
