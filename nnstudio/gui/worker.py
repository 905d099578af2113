"""The training worker: the core's trainer generator, looped in a QThread.

The worker owns no training logic. It calls :meth:`Trainer.run` with a time
cadence (at most ``MAX_SNAPSHOTS_PER_SECOND``) and forwards each snapshot
through a queued signal; the window keeps only the latest for drawing. Pausing
is the trainer's own stop flag (thread-safe, checked between steps), so a
pause, Ctrl+Q or closing the window takes effect after the current step.
"""

from __future__ import annotations

import sys
import traceback
from contextlib import contextmanager

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nnstudio.core.blas import limited_threads
from nnstudio.core.trainer import Trainer
from nnstudio.gui.pacing import AtMostEvery

MAX_SNAPSHOTS_PER_SECOND = 30
# The decision boundary is one forward pass over the whole grid, on the training thread:
# ten a second look live, and cost the training a few percent rather than a sixth.
MAX_GRIDS_PER_SECOND = 10
# How long a thread that wants the GIL waits before the holder must hand it over, while a
# run trains. The trainer and the window both run Python: with the interpreter's default
# (5 ms), every stretch of Python the window runs while drawing can hold the trainer up
# for 5 ms after its NumPy call returns. A tenth of that keeps those waits short, and the
# few extra hand-overs cost far less.
TRAINING_SWITCH_INTERVAL_S = 0.0005


@contextmanager
def quick_gil_handover(interval: float = TRAINING_SWITCH_INTERVAL_S):
    """Within this block, threads waiting for the GIL get it after ``interval`` seconds."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, interval))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


class TrainingWorker(QObject):
    """Runs a :class:`Trainer` on whichever thread this object lives in.

    Signals
    -------
    snapshot_ready(Snapshot)
        A frozen snapshot, at most ~30 a second, and always the last one of a run.
    stopped(str reason, str message)
        The run ended: ``"completed"``, ``"stopped"`` (paused or stepped) or ``"diverged"``.
    failed(str message)
        An unexpected error inside the trainer (a bug): the message and traceback.
    """

    snapshot_ready = Signal(object)
    grid_ready = Signal(int, object, object)  # step, outputs (res, res, k), GridSpec
    stopped = Signal(str, str)
    failed = Signal(str)

    def __init__(self, trainer: Trainer | None = None):
        super().__init__()
        self.trainer = trainer
        #: (GridSpec, Preprocessing) for the decision boundary, or None. Replaced whole
        #: from the GUI thread (never mutated), so reading it here needs no lock.
        self.grid_job = None
        self._grid_due = AtMostEvery(1.0 / MAX_GRIDS_PER_SECOND)

    @Slot()
    def train(self) -> None:
        """Train until the run ends or :meth:`Trainer.request_stop` is called."""
        self._loop(every_seconds=1.0 / MAX_SNAPSHOTS_PER_SECOND)

    @Slot(int)
    def train_steps(self, count: int) -> None:
        """Train ``count`` steps (the Step button), emitting one snapshot at the end."""
        self._loop(max_steps=count)

    def _loop(self, **options) -> None:
        trainer = self.trainer
        if trainer is None:
            return
        last = None
        try:
            # The trainer limits BLAS's threads while it steps; holding the limit for the
            # whole run also covers the grids here and the window's own small products,
            # so no idle BLAS thread spins on the core the window needs.
            with limited_threads(trainer.blas_threads), quick_gil_handover():
                for snapshot in trainer.run(**options):
                    last = snapshot
                    self.snapshot_ready.emit(snapshot)
                    self._emit_grid(snapshot)
        except Exception:  # a bug in the core must not kill the thread silently
            self.failed.emit(traceback.format_exc())
            return
        if last is not None:
            self.stopped.emit(last.stop_reason or "stopped", last.message)

    def _emit_grid(self, snapshot) -> None:
        """The decision boundary for this snapshot: one batched forward pass, off the GUI thread."""
        job = self.grid_job
        if job is None:
            return
        if not self._grid_due.due(force=bool(snapshot.stop_reason)):
            return
        from nnstudio.core.grid import grid_outputs
        from nnstudio.core.network import Network

        spec, preprocessing = job
        net = self.trainer.network
        network = Network(
            snapshot.weights,
            snapshot.biases,
            net.hidden_activations,
            net.output,
            getattr(snapshot, "masks", None),
        )
        self.grid_ready.emit(snapshot.step, grid_outputs(network, preprocessing, spec), spec)


class TrainingThread(QObject):
    """A QThread with a :class:`TrainingWorker` in it, started once and reused.

    ``start_training`` / ``step`` are queued into the worker's thread;
    ``pause`` sets the trainer's stop flag from the GUI thread; ``shutdown``
    stops the run and joins the thread (used when the window closes).
    """

    start_requested = Signal()
    steps_requested = Signal(int)
    #: The worker's signals, re-emitted on the GUI thread: connect views to these.
    snapshot_ready = Signal(object)
    grid_ready = Signal(int, object, object)
    stopped = Signal(str, str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("nnstudio-training")
        self.worker = TrainingWorker()
        self.worker.moveToThread(self.thread)
        self.start_requested.connect(self.worker.train)
        self.steps_requested.connect(self.worker.train_steps)
        # Queued into this object's (the GUI) thread, whatever the receiver on our signals is.
        self.worker.snapshot_ready.connect(self._on_snapshot_ready, Qt.QueuedConnection)
        self.worker.grid_ready.connect(self._on_grid_ready, Qt.QueuedConnection)
        self.worker.stopped.connect(self._on_stopped, Qt.QueuedConnection)
        self.worker.failed.connect(self._on_failed, Qt.QueuedConnection)
        self.running = False
        self.thread.start()

    @property
    def trainer(self) -> Trainer | None:
        return self.worker.trainer

    def set_trainer(self, trainer: Trainer | None) -> None:
        """Swap the trainer; only while nothing runs (the worker reads it on its thread)."""
        if self.running:
            raise RuntimeError("cannot replace the trainer while it is running")
        self.worker.trainer = trainer

    def start_training(self) -> None:
        if self.running or self.worker.trainer is None:
            return
        self.running = True
        self.start_requested.emit()

    def step(self, count: int = 1) -> None:
        if self.running or self.worker.trainer is None:
            return
        self.running = True
        self.steps_requested.emit(count)

    def pause(self) -> None:
        if self.running and self.worker.trainer is not None:
            self.worker.trainer.request_stop()

    @Slot(object)
    def _on_snapshot_ready(self, snapshot) -> None:
        self.snapshot_ready.emit(snapshot)

    @Slot(int, object, object)
    def _on_grid_ready(self, step, outputs, spec) -> None:
        self.grid_ready.emit(step, outputs, spec)

    @Slot(str, str)
    def _on_stopped(self, reason: str, message: str) -> None:
        self.running = False
        self.stopped.emit(reason, message)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.running = False
        self.failed.emit(message)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop any run, end the thread and wait for it."""
        if self.worker.trainer is not None:
            self.worker.trainer.request_stop()
        self.thread.quit()
        self.thread.wait(timeout_ms)
