"""Training in a child process, so that drawing never holds a training step up.

In one process, a training thread and the window share Python's GIL: a step needs
the GIL back after every NumPy call, and waits for it while the window runs Python
to draw its views, so a busy window slows training by about the share of time it
spends drawing (about a quarter, with every view live). A child process has an
interpreter of its own, and the machine's second core.

The parent's :class:`RemoteTrainer` sends the child a pickled :class:`Trainer` for
each run (the data set once, before the first run on it) and reads back what
:meth:`Trainer.run` yields there, then the trained :class:`Trainer`, which the
caller adopts (:meth:`Trainer.adopt`). Nothing here imports Qt: the studio's worker
thread loops over :meth:`RemoteTrainer.run` as it would over :meth:`Trainer.run`.

Messages, parent to child::

    ("dataset", dataset)           the data set of the runs that follow
    ("shared_dataset", pickled, spans, size)
                                   the same, its arrays in a memory file whose descriptor
                                   follows the message (see _send_dataset)
    ("run", trainer, options)      train; options go to Trainer.run
    ("stop",)                      stop the run after the current step
    ("learning_rate", value)       use this learning rate from the next step on
    ("grid_job", number, job)      (GridSpec, Preprocessing) of the decision boundary, or None
    ("quit",)

child to parent (what :meth:`RemoteTrainer.run` yields)::

    ("snapshot", snapshot)
    ("grid", step, outputs, spec)  the boundary's outputs, at most MAX_GRIDS_PER_SECOND
                                   (the child sends the job's number; run() yields the
                                   parent's own GridSpec, which views compare by identity)
    ("ended", trainer)             the run's last message: the trainer, trained
    ("failed", details, trainer)   instead of "ended": what went wrong, and the trainer
                                   as it was before the run
    ("broken", details)            a message could not be read; the child ends (run()
                                   yields "failed", and the next run starts a new child)
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from multiprocessing.connection import AuthenticationError, Client, Listener
from multiprocessing.reduction import recv_handle, send_handle

from nnstudio.core.blas import limited_threads
from nnstudio.core.rate_limit import AtMostEvery
from nnstudio.core.trainer import Trainer

# The decision boundary is one forward pass over the whole grid, in the training
# process: ten a second look live, and cost the training a few percent.
MAX_GRIDS_PER_SECOND = 10

# Data sets with more bytes of arrays than this reach the child through shared memory
# (where the system has memfd_create), not through the pipe: an MNIST-sized table
# (188 MB) took 0.65 s to pickle, send and unpickle, and twice its size in transient
# copies.
SHARE_FROM_BYTES = 1 << 20


class RemoteTrainer:
    """A child process that trains one run at a time for this process.

    The child starts with the first run (or :meth:`start`, to have it ready) and
    is reused for every run after; :meth:`close` ends it. When it ends on its own
    (killed, or out of memory), the run says so and the next run starts a new one.
    """

    def __init__(self):
        self._process = None
        self._connection = None
        self._dataset = None  # the data set the child holds (kept, so its id stays unique)
        self._send_lock = threading.Lock()
        self._start_lock = threading.Lock()  # start() may come from two threads at once
        # A stop asked for before the run's message went out is sent right after it.
        self._stop_wanted = False
        self._run_sent = False
        self._grid_specs: dict[int, object] = {}  # job number -> GridSpec, the latest few
        self._grid_jobs_sent = 0

    @property
    def is_alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the child process now, if it is not running (returns without waiting)."""
        with self._start_lock:
            if not self.is_alive:
                self._spawn()

    def _spawn(self) -> None:
        self._drop_process()
        # A fresh interpreter that imports only the core: forking a process that runs
        # Qt's threads could copy a lock another thread holds, and multiprocessing's
        # "spawn" would import the parent's main script again. It answers with the
        # address it listens on; the key that a connection needs goes by its stdin, which
        # stays open: the child ends when it closes, however this process ends.
        self._authkey = os.urandom(32)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "nnstudio.core.remote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_child_environment(),
        )
        self._process.stdin.write(self._authkey.hex().encode() + b"\n")
        self._process.stdin.flush()

    def _connect(self) -> None:
        """Start the child if need be, and connect to it (waits until it has started)."""
        self.start()
        if self._connection is not None:
            return
        address = self._process.stdout.readline().decode().strip()
        self._process.stdout.close()
        if not address:
            raise EOFError("the training process ended as it started")
        connection = Client(address, authkey=self._authkey)
        with self._send_lock:
            self._connection, self._dataset = connection, None

    def run(self, trainer: Trainer, grid_job=None, **options) -> Iterator[tuple]:
        """Train ``trainer``'s run in the child; yield what comes back (see the module).

        ``trainer`` itself is not changed: adopt the trainer of the ``"ended"``
        message (or of ``"failed"``, which is ``trainer`` as it was) to continue.
        """
        before = None
        try:
            self._connect()
            # Pickled once connected: a new learning rate set from now on reaches the
            # child as a message, one set before is in the pickle.
            before = pickle.dumps(trainer, pickle.HIGHEST_PROTOCOL)
            if trainer.dataset is not self._dataset:
                _send_dataset(self._connection, trainer.dataset, self._send_lock)
                self._dataset = trainer.dataset
            self.set_grid_job(grid_job)
            with self._send_lock:
                self._connection.send_bytes(_run_message(before, options))
                self._run_sent = True
                if self._stop_wanted:
                    self._connection.send(("stop",))
            while True:
                message = self._connection.recv()
                if message[0] in ("failed", "broken"):
                    if message[0] == "broken":  # the child could not read on, and ends
                        self._drop_process()
                    yield ("failed", message[1], pickle.loads(before))
                    return
                if message[0] == "grid":
                    kind, step, outputs, number = message
                    if number not in self._grid_specs:
                        continue  # a job long replaced
                    message = (kind, step, outputs, self._grid_specs[number])
                yield message
                if message[0] == "ended":
                    return
        except (EOFError, OSError, AuthenticationError):
            code = None if self._process is None else self._process.poll()
            self._drop_process()
            if before is None:
                before = pickle.dumps(trainer, pickle.HIGHEST_PROTOCOL)
            yield (
                "failed",
                f"The training process ended unexpectedly (exit code {code}). The network "
                "is as it was before this run.",
                pickle.loads(before),
            )
        finally:
            with self._send_lock:
                self._run_sent = False

    def prepare_run(self) -> None:
        """Forget earlier stop requests: the run :meth:`run` starts next trains until stopped.

        Call it before handing :meth:`run` to another thread, so that a stop asked for
        in the meantime stops that run.
        """
        with self._send_lock:
            self._stop_wanted = False

    def request_stop(self) -> None:
        """Stop the run after its current step, or the next run at once (from any thread)."""
        with self._send_lock:
            self._stop_wanted = True
            if self._run_sent:
                _send_quietly(self._connection, ("stop",))

    def set_learning_rate(self, value: float) -> None:
        """The run uses ``value`` from its next step on (from any thread)."""
        self._send(("learning_rate", float(value)))

    def set_grid_job(self, job) -> None:
        """Compute the decision boundary ``(GridSpec, Preprocessing)`` with the snapshots."""
        with self._send_lock:
            self._grid_jobs_sent += 1
            number = self._grid_jobs_sent
            if job is not None:
                self._grid_specs[number] = job[0]
                for old in [n for n in self._grid_specs if n <= number - 4]:
                    del self._grid_specs[old]
            _send_quietly(self._connection, ("grid_job", number, job))

    def close(self, timeout: float = 2.0) -> None:
        """End the child process (a run going on stops), and wait for it."""
        process = self._process
        if process is None:
            return
        self._send(("quit",))
        try:
            process.wait(timeout if self._connection is not None else 0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        self._drop_process()

    def _send(self, message: tuple) -> None:
        with self._send_lock:
            _send_quietly(self._connection, message)

    def _drop_process(self) -> None:
        with self._send_lock:
            if self._connection is not None:
                self._connection.close()
            process = self._process
            self._process = self._connection = self._dataset = None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if not pipe.closed:
                    pipe.close()


def _child_environment() -> dict[str, str]:
    """This environment, with the folder this nnstudio came from first on the path.

    The child then imports the same nnstudio as this process, wherever that came from
    (an installed copy, a checkout run in place, a path added by a script).
    """
    import nnstudio

    root = os.path.dirname(os.path.dirname(os.path.abspath(nnstudio.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _send_quietly(connection, message: tuple) -> None:
    if connection is None:
        return
    try:
        connection.send(message)
    except OSError:  # the child has gone: the run in progress reports it
        pass


def _send_dataset(connection, dataset, lock=None) -> None:
    """Send ``dataset``, a large one's arrays through shared memory rather than the pipe.

    Pickle protocol 5 hands NumPy's arrays over as buffers apart from the rest
    (``buffer_callback``). They go into an anonymous memory file, whose descriptor
    follows the message over the socket; the child maps the file and unpickles the
    arrays onto the mapping without a copy. The file has no name, so nothing is left
    behind however either process ends: it is freed when both have let it go. Only
    the sending holds ``lock``, not the copying into the file.
    """
    buffers: list[pickle.PickleBuffer] = []
    pickled = pickle.dumps(dataset, protocol=5, buffer_callback=buffers.append)
    views = [buffer.raw() for buffer in buffers]
    in_memory_file = hasattr(os, "memfd_create")  # Linux
    if not in_memory_file or sum(view.nbytes for view in views) < SHARE_FROM_BYTES:
        with lock or contextlib.nullcontext():
            connection.send(("dataset", dataset))
        return
    fd = os.memfd_create("nnstudio-dataset")
    try:
        spans, size = [], 0
        for view in views:
            size += -size % 64  # each array starts on a cache line
            _write_all(fd, view, size)
            spans.append((size, view.nbytes))
            size += view.nbytes
        os.ftruncate(fd, max(size, 1))
        with lock or contextlib.nullcontext():
            connection.send(("shared_dataset", pickled, spans, size))
            send_handle(connection, fd, None)
    finally:
        os.close(fd)


def _write_all(fd: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < view.nbytes:
        done += os.pwrite(fd, view[done:], offset + done)


def _receive_dataset(connection, pickled: bytes, spans, size: int):
    """The data set of a "shared_dataset" message, its arrays on the memory file."""
    fd = recv_handle(connection)
    try:
        # Copy-on-write: the arrays are writable as usual, and a write stays here.
        mapping = mmap.mmap(fd, max(size, 1), access=mmap.ACCESS_COPY)
    finally:
        os.close(fd)
    whole = memoryview(mapping)
    return pickle.loads(pickled, buffers=[whole[start : start + n] for start, n in spans])


def _run_message(trainer_bytes: bytes, options: dict) -> bytes:
    """The pickled ("run", trainer, options) message, from the trainer already pickled."""
    # The trainer is pickled once: the same bytes restore it when the run fails.
    return pickle.dumps(("run", _Pickled(trainer_bytes), options), pickle.HIGHEST_PROTOCOL)


class _Pickled:
    """Bytes that unpickle into their object when the message is unpickled."""

    def __init__(self, data: bytes):
        self.data = data

    def __reduce__(self):
        return pickle.loads, (self.data,)


# -- the child process --------------------------------------------------------------------


def main() -> None:
    """The child process (``python -m nnstudio.core.remote``), started by RemoteTrainer."""
    authkey = bytes.fromhex(sys.stdin.readline().strip())
    threading.Thread(target=_end_with_parent, name="nnstudio-parent", daemon=True).start()
    with Listener(authkey=authkey) as listener:
        print(listener.address, flush=True)
        connection = listener.accept()
    # From here on the parent no longer reads our stdout: what is printed goes to stderr.
    os.dup2(2, 1)
    serve(connection)


def _end_with_parent() -> None:
    """Exit when the parent closes our stdin: on close(), or when it ends in any way."""
    # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader holds its
    # lock, which the interpreter's shutdown then cannot take.
    while os.read(sys.stdin.fileno(), 4096):
        pass
    os._exit(0)


def serve(connection) -> None:
    """Run what the parent sends over ``connection`` until it quits or goes away."""
    _Server(connection).serve()


class _Server:
    def __init__(self, connection):
        self.connection = connection
        self.work: queue.SimpleQueue = queue.SimpleQueue()  # data sets and runs, in order
        self.trainer: Trainer | None = None  # the trainer of the run going on
        self.stop = threading.Event()
        self.learning_rate: float | None = None  # changed during the run
        self.grid_job = None
        self.grid_due = AtMostEvery(1.0 / MAX_GRIDS_PER_SECOND)

    def serve(self) -> None:
        threading.Thread(target=self._listen, name="nnstudio-commands", daemon=True).start()
        dataset = None
        while (work := self.work.get()) is not None:
            kind, *args = work
            if kind == "dataset":
                dataset = args[0]
            elif kind == "broken":
                # Nothing more can be read: say why, and end (the next run starts afresh).
                _send_quietly(self.connection, ("broken", args[0]))
                return
            else:
                trainer, options = args
                trainer.attach_dataset(dataset)
                self._run(trainer, options)

    def _listen(self) -> None:
        """Read the parent's messages; stop and learning rate act on a run at once."""
        try:
            while True:
                kind, *args = self.connection.recv()
                if kind == "run":
                    # Cleared here, in the order of the messages: a stop that follows
                    # this run's message is this run's, even before the run begins.
                    self.stop.clear()
                    self.learning_rate = None
                    self.work.put((kind, *args))
                elif kind == "dataset":
                    self.work.put((kind, *args))
                elif kind == "shared_dataset":
                    self.work.put(("dataset", _receive_dataset(self.connection, *args)))
                elif kind == "stop":
                    self.stop.set()
                    self._request_stop()
                elif kind == "learning_rate":
                    self.learning_rate = args[0]
                    trainer = self.trainer
                    if trainer is not None:
                        trainer.set_learning_rate(args[0])
                elif kind == "grid_job":
                    self.grid_job = args  # (number, job)
                elif kind == "quit":
                    break
        except (EOFError, OSError):  # the parent has gone
            pass
        except Exception:  # a message that cannot be read: a bug, reported to the run
            self.work.put(("broken", traceback.format_exc()))
        self.stop.set()
        self._request_stop()
        self.work.put(None)

    def _request_stop(self) -> None:
        trainer = self.trainer
        if trainer is not None:
            trainer.request_stop()

    def _run(self, trainer: Trainer, options: dict) -> None:
        self.trainer = trainer
        self.grid_due.reset()
        try:
            # Trainer.run clears the stop flag as it begins: a stop or a new learning
            # rate that came before is applied at the first snapshot.
            if self.learning_rate is not None:
                trainer.set_learning_rate(self.learning_rate)
            with limited_threads(trainer.blas_threads):
                for snapshot in trainer.run(**options):
                    if self.stop.is_set():
                        trainer.request_stop()
                    if self.learning_rate is not None:
                        trainer.set_learning_rate(self.learning_rate)
                    self.connection.send(("snapshot", snapshot))
                    self._send_grid(trainer, snapshot)
        except (EOFError, OSError):
            return  # the parent has gone
        except Exception:  # a bug: tell the parent, and keep serving
            self.trainer = None
            self.connection.send(("failed", traceback.format_exc(), None))
            return
        self.trainer = None
        self.connection.send(("ended", trainer))

    def _send_grid(self, trainer: Trainer, snapshot) -> None:
        number, job = self.grid_job or (0, None)
        if job is None or not self.grid_due.due(force=bool(snapshot.stop_reason)):
            return
        from nnstudio.core.grid import grid_outputs

        spec, preprocessing = job
        # The generator is suspended at the snapshot: the network holds its weights.
        outputs = grid_outputs(trainer.network, preprocessing, spec)
        self.connection.send(("grid", snapshot.step, outputs, number))


if __name__ == "__main__":
    main()
