"""The training worker: runs in a child process, followed from a QThread.

The window's :class:`Trainer` is trained in a child process
(:class:`nnstudio.core.remote.RemoteTrainer`), so that drawing and training never
wait for each other's Python. A QThread here waits for what the child sends and
forwards it through queued signals: snapshots (at most
``MAX_SNAPSHOTS_PER_SECOND``), boundary grids, and at the end the trained trainer,
which the window's trainer adopts on the GUI thread before ``stopped`` is emitted.
While a run goes on, the window's trainer follows its step count and evaluations
(:meth:`Trainer.follow`); hand edits wait for the pause, as they always did.
"""

from __future__ import annotations

import atexit
import weakref

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nnstudio.core.blas import limited_threads
from nnstudio.core.remote import RemoteTrainer
from nnstudio.core.trainer import Trainer

MAX_SNAPSHOTS_PER_SECOND = 30

# Training processes of windows that closed, kept for the next window (tests open many).
_idle_processes: list[RemoteTrainer] = []


# Every TrainingThread not yet garbage: see _shut_down_at_exit.
_live_threads: weakref.WeakSet[TrainingThread] = weakref.WeakSet()


def close_idle_processes() -> None:
    """End the training processes no window uses (the studio calls this as it quits)."""
    while _idle_processes:
        _idle_processes.pop().close()


@atexit.register
def _shut_down_at_exit() -> None:
    """End the threads of windows still open as Python exits, and their processes.

    A script that makes a window and ends without closing it would otherwise have Qt
    destroy a running QThread, which aborts the process ("QThread: Destroyed while
    thread is still running"). (atexit runs this before multiprocessing's own
    clean-up, which it registered earlier.)
    """
    for training in list(_live_threads):
        if training.thread.isRunning():
            training.shutdown()
    close_idle_processes()


class TrainingWorker(QObject):
    """Follows runs in the training process, on whichever thread this object lives in.

    Signals
    -------
    snapshot_ready(Snapshot)
        A frozen snapshot, at most ~30 a second, and always the last one of a run.
    grid_ready(int step, ndarray outputs, GridSpec)
        The decision boundary's outputs, shape (res, res, k), at most ~10 a second.
    ended(Trainer, str reason, str message)
        The run ended: the trainer as the training process left it, and why it stopped
        (``"completed"``, ``"stopped"`` or ``"diverged"``, and a sentence for the user).
    failed(str details, Trainer)
        Training failed (a bug, or the training process died): what happened, and the
        trainer as it was before the run.
    """

    snapshot_ready = Signal(object)
    grid_ready = Signal(int, object, object)
    ended = Signal(object, str, str)
    failed = Signal(str, object)

    def __init__(self, remote: RemoteTrainer):
        super().__init__()
        self.remote = remote

    @Slot(object, object, object)
    def train(self, trainer: Trainer, grid_job, options: dict) -> None:
        last = None
        # While the training process has a core to itself, the window's own products
        # (units' grids, diagnoses) take one BLAS thread: OpenBLAS's second thread would
        # spin on the training's core after each of them.
        with limited_threads(1):
            for kind, *payload in self.remote.run(trainer, grid_job, **options):
                if kind == "snapshot":
                    last = payload[0]
                    self.snapshot_ready.emit(last)
                elif kind == "grid":
                    self.grid_ready.emit(*payload)
                elif kind == "ended":
                    reason, message = (last.stop_reason, last.message) if last else ("", "")
                    self.ended.emit(payload[0], reason or "stopped", message)
                else:
                    self.failed.emit(*payload)


class TrainingThread(QObject):
    """Runs the window's trainer in the training process, one run at a time.

    ``start_training`` / ``step`` start a run; ``pause`` stops it after the current
    step; ``shutdown`` stops any run and ends the thread (used when the window
    closes). ``running`` is True from the start of a run until ``stopped`` or
    ``failed`` is emitted, and by then the trainer holds the run's result.
    """

    run_requested = Signal(object, object, object)
    #: Connect views to these; they arrive on the GUI thread.
    snapshot_ready = Signal(object)
    grid_ready = Signal(int, object, object)
    stopped = Signal(str, str)  # reason ("completed", "stopped", "diverged"), message
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.remote = _idle_processes.pop() if _idle_processes else RemoteTrainer()
        self.thread = QThread()
        self.thread.setObjectName("nnstudio-training")
        self.worker = TrainingWorker(self.remote)
        self.worker.moveToThread(self.thread)
        self.run_requested.connect(self.worker.train)
        # Queued into this object's (the GUI) thread, whatever the receiver on our signals is.
        self.worker.snapshot_ready.connect(self._on_snapshot_ready, Qt.QueuedConnection)
        self.worker.grid_ready.connect(self.grid_ready, Qt.QueuedConnection)
        self.worker.ended.connect(self._on_ended, Qt.QueuedConnection)
        self.worker.failed.connect(self._on_failed, Qt.QueuedConnection)
        self.running = False
        self._trainer: Trainer | None = None
        self._grid_job = None
        self.thread.start()
        _live_threads.add(self)

    @property
    def trainer(self) -> Trainer | None:
        return self._trainer

    def set_trainer(self, trainer: Trainer | None) -> None:
        """Swap the trainer; only while nothing runs."""
        if self.running:
            raise RuntimeError("cannot replace the trainer while it is running")
        self._trainer = trainer

    def set_grid_job(self, job) -> None:
        """``(GridSpec, Preprocessing)``: send the decision boundary with the snapshots."""
        self._grid_job = job
        if self.running:
            self.remote.set_grid_job(job)

    def set_learning_rate(self, value: float) -> None:
        """The trainer, and a run going on, use ``value`` from the next step on."""
        if self._trainer is None:
            return
        self._trainer.set_learning_rate(value)
        if self.running:
            self.remote.set_learning_rate(value)

    def prepare(self) -> None:
        """Start the training process now, so that the first run need not wait for it."""
        self.remote.start()

    def start_training(self) -> None:
        self._start({"every_seconds": 1.0 / MAX_SNAPSHOTS_PER_SECOND})

    def step(self, count: int = 1) -> None:
        self._start({"max_steps": count})

    def _start(self, options: dict) -> None:
        if self.running or self._trainer is None:
            return
        self.running = True
        self.remote.prepare_run()
        self.run_requested.emit(self._trainer, self._grid_job, options)

    def pause(self) -> None:
        if self.running:
            self.remote.request_stop()

    @Slot(object)
    def _on_snapshot_ready(self, snapshot) -> None:
        if self.running and self._trainer is not None:
            self._trainer.follow(snapshot)
        self.snapshot_ready.emit(snapshot)

    @Slot(object, str, str)
    def _on_ended(self, trained: Trainer, reason: str, message: str) -> None:
        self._finish(trained)
        self.stopped.emit(reason, message)

    @Slot(str, object)
    def _on_failed(self, details: str, before: Trainer) -> None:
        self._finish(before)
        self.failed.emit(details)

    def _finish(self, trainer: Trainer) -> None:
        if self.running and self._trainer is not None:
            self._trainer.adopt(trainer)
        self.running = False

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop any run, end the thread and wait for it; the process stays for reuse."""
        self.remote.request_stop()
        self.thread.quit()
        if not self.thread.wait(timeout_ms):
            self.remote.close()  # stuck: end the process, and the wait for it with it
            self.thread.wait(timeout_ms)
        if self.remote.is_alive:
            _idle_processes.append(self.remote)
