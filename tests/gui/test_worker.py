"""The training thread: snapshots cross threads, pause and step work, shutdown joins."""

import os
import subprocess
import sys
import textwrap

import numpy as np
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


def test_the_trainer_takes_over_the_run_when_it_stops(qtbot, training):
    received = []
    training.snapshot_ready.connect(received.append)
    with qtbot.waitSignal(training.snapshot_ready, timeout=5000):
        training.start_training()
    # While the run goes on, the window's trainer follows its steps and evaluations.
    qtbot.waitUntil(lambda: training.trainer.step > 0, timeout=5000)
    with qtbot.waitSignal(training.stopped, timeout=2000):
        training.pause()
    last = received[-1]
    trainer = training.trainer
    assert trainer.step == last.step
    for live, shown in zip(trainer.network.weights, last.weights, strict=True):
        assert np.array_equal(live, shown)
    evaluated = [m.step for snapshot in received for m in snapshot.metrics]
    assert [m.step for m in trainer.history] == evaluated
    # Snapshots cross the process boundary read-only, as they are made.
    assert not last.weights[0].flags.writeable


def test_a_pause_right_after_train_stops_that_run(qtbot, training):
    with qtbot.waitSignal(training.stopped, timeout=5000) as stopped:
        training.start_training()
        training.pause()
    assert stopped.args[0] == "stopped"
    assert training.trainer.step < training.trainer.total_steps


def test_a_new_learning_rate_reaches_the_run_going_on(qtbot, training):
    received = []
    training.snapshot_ready.connect(received.append)
    with qtbot.waitSignal(training.snapshot_ready, timeout=5000):
        training.start_training()
    training.set_learning_rate(0.0123)
    qtbot.waitUntil(lambda: received[-1].learning_rate == pytest.approx(0.0123), timeout=5000)
    with qtbot.waitSignal(training.stopped, timeout=2000):
        training.pause()
    assert training.trainer.learning_rate == pytest.approx(0.0123)


def test_a_training_process_that_dies_is_reported_and_replaced(qtbot, training):
    with qtbot.waitSignal(training.stopped, timeout=5000):
        training.step(3)
    with qtbot.waitSignal(training.snapshot_ready, timeout=5000):
        training.start_training()
    with qtbot.waitSignal(training.failed, timeout=5000) as failed:
        training.remote._process.kill()
    assert "ended unexpectedly" in failed.args[0]
    assert not training.running
    # The trainer is as it was before the failed run, and the next run starts a process.
    trainer = training.trainer
    assert trainer.step == 3 and len(trainer.history) == 1
    with qtbot.waitSignal(training.stopped, timeout=10_000):
        training.step(2)
    assert trainer.step == 5


def test_a_closed_windows_process_serves_the_next_one(qtbot, training):
    with qtbot.waitSignal(training.stopped, timeout=5000):
        training.step(1)
    remote = training.remote
    training.shutdown()
    following = TrainingThread()
    try:
        assert following.remote is remote and remote.is_alive
    finally:
        following.shutdown()


def test_boundary_grids_come_with_the_window_s_own_spec(qtbot, training):
    from nnstudio.core.grid import GridSpec

    data = training.trainer.dataset
    spec = GridSpec(0, 1, (4.0, 8.0), (2.0, 4.5), 6, data.feature_names, np.full(4, 3.0))
    training.set_grid_job((spec, data.preprocessing))
    grids = []
    training.grid_ready.connect(lambda step, outputs, sent: grids.append((step, sent)))
    with qtbot.waitSignal(training.stopped, timeout=5000):
        training.step(4)
    assert grids and grids[-1][0] == 4
    assert grids[-1][1] is spec  # views tell a current grid from a stale one by identity


def test_training_processes_end_when_the_studio_quits(qtbot, training):
    from nnstudio.gui.worker import close_idle_processes

    with qtbot.waitSignal(training.stopped, timeout=5000):
        training.step(1)
    remote = training.remote
    training.shutdown()
    close_idle_processes()
    assert not remote.is_alive


def test_a_hand_edit_made_while_paused_goes_into_the_next_run(qtbot, training):
    with qtbot.waitSignal(training.stopped, timeout=5000):
        training.step(2)
    training.trainer.edit_weight(0, 0, 0, 3.0)
    received = []
    training.snapshot_ready.connect(received.append)
    with qtbot.waitSignal(training.stopped, timeout=5000):
        training.step(1)
    assert any("to 3" in edit for edit in received[-1].edits)
    # One step of training moves the weight only a little from the value set by hand.
    assert received[-1].weights[0][0, 0] == pytest.approx(3.0, abs=0.2)
    assert training.trainer.network.weights[0][0, 0] == received[-1].weights[0][0, 0]


@pytest.mark.parametrize("training_first", [False, True])
def test_a_script_that_never_closes_its_window_exits_cleanly(tmp_path, training_first):
    # Qt aborts the process when a running QThread is destroyed at exit: a script that
    # made a window and ended without closing it crashed ("Destroyed while thread ...").
    script = textwrap.dedent(f"""
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from nnstudio.gui.main_window import MainWindow
        window = MainWindow()
        window.show()
        if {training_first}:
            window.load_data("iris")
            window.toggle_training()  # and exit mid-run
        print("made", window.training.thread.isRunning(), window.training.running)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert f"made True {training_first}" in result.stdout
    assert "Destroyed while thread" not in result.stderr
