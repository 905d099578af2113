"""Training in a child process: the same run as in this one, stoppable, and robust."""

import operator
import os
import pickle

import numpy as np
import pytest

from nnstudio.core import remote as remote_module
from nnstudio.core import trainer as trainer_module
from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.grid import GridSpec
from nnstudio.core.remote import RemoteTrainer
from nnstudio.core.trainer import Trainer


@pytest.fixture(scope="module")
def remote():
    remote = RemoteTrainer()
    yield remote
    remote.close()
    assert not remote.is_alive


def _train_remotely(remote, trainer, **options):
    """Run in the child; adopt its result; return (kinds of messages, snapshots)."""
    kinds, snapshots = [], []
    for kind, *payload in remote.run(trainer, **options):
        kinds.append(kind)
        if kind == "snapshot":
            snapshots.append(payload[0])
        elif kind in ("ended", "failed"):
            trainer.adopt(payload[-1])
    return kinds, snapshots


def _same_network(a, b):
    for x, y in zip(a.network.parameters, b.network.parameters, strict=True):
        assert np.array_equal(x, y)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_run_in_the_child_equals_the_same_run_here(remote, iris_table, optimizer):
    config = MODERN.replace(epochs=20, optimizer=optimizer)
    data = prepare_table(iris_table, config)
    here, there = Trainer(config, data), Trainer(config, data)
    for trainer in (here, there):  # a hand edit and a switched-off unit travel too
        trainer.edit_weight(0, 1, 2, 0.5)
        trainer.set_unit_enabled(1, 3, False)
    for _ in here.run(max_steps=40):
        pass
    for _ in here.run(max_steps=40):  # paused and resumed
        pass
    kinds, _ = _train_remotely(remote, there, max_steps=40)
    assert kinds[-1] == "ended"
    _train_remotely(remote, there, max_steps=40)
    _same_network(here, there)
    assert there.step == here.step == 80
    assert [m.as_row() for m in there.history] == [m.as_row() for m in here.history]
    assert there.edits == here.edits
    # The adopted optimizer updates the adopted network's own parameters.
    assert there.optimizer.params[0] is there.network.parameter_vector


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="no shared memory files here")
def test_a_large_data_set_goes_through_shared_memory_and_trains_the_same(
    remote, iris_table, monkeypatch
):
    monkeypatch.setattr(remote_module, "SHARE_FROM_BYTES", 0)  # iris counts as large
    files = []
    memfd_create = os.memfd_create
    monkeypatch.setattr(os, "memfd_create", lambda *a: files.append(memfd_create(*a)) or files[-1])
    config = MODERN.replace(epochs=5)
    data = prepare_table(iris_table, config)
    here, there = Trainer(config, data), Trainer(config, data)
    for _ in here.run():
        pass
    kinds, _ = _train_remotely(remote, there)
    assert kinds[-1] == "ended"
    assert len(files) == 1
    _same_network(here, there)
    assert [m.as_row() for m in there.history] == [m.as_row() for m in here.history]


def test_a_stop_asked_for_before_the_run_begins_stops_it(remote, iris_table):
    config = MODERN.replace(epochs=1_000_000)
    trainer = Trainer(config, prepare_table(iris_table, config))
    remote.prepare_run()
    remote.request_stop()
    kinds, snapshots = _train_remotely(remote, trainer, every_seconds=0.01)
    assert kinds[-1] == "ended" and snapshots[-1].stop_reason == "stopped"
    assert trainer.step < trainer.total_steps
    remote.prepare_run()  # the next run trains until it is done
    _, snapshots = _train_remotely(remote, trainer, max_steps=7)
    assert snapshots[-1].step == trainer.step and snapshots[-1].stop_reason == "stopped"


def test_grids_and_a_new_learning_rate_reach_the_run(remote, iris_table):
    config = MODERN.replace(epochs=5)
    data = prepare_table(iris_table, config)
    trainer = Trainer(config, data)
    spec = GridSpec(0, 1, (4.0, 8.0), (2.0, 4.5), 8, data.feature_names, np.full(4, 3.0))
    remote.prepare_run()
    grids, rates = [], []
    for kind, *payload in remote.run(trainer, (spec, data.preprocessing), every_steps=5):
        if kind == "snapshot":
            rates.append(payload[0].learning_rate)
            if len(rates) == 1:
                remote.set_learning_rate(0.0042)
        elif kind == "grid":
            grids.append(payload)
        elif kind == "ended":
            trainer.adopt(payload[0])
    assert rates[-1] == pytest.approx(0.0042) and trainer.learning_rate == pytest.approx(0.0042)
    step, outputs, sent_spec = grids[-1]  # the last snapshot's grid always comes
    assert step == trainer.step and sent_spec is spec  # views compare specs by identity
    assert outputs.shape[:2] == (8, 8)


def test_a_bug_in_the_run_is_reported_with_the_trainer_as_it_was(remote, iris_table):
    config = MODERN.replace(epochs=5)
    trainer = Trainer(config, prepare_table(iris_table, config))
    _train_remotely(remote, trainer, max_steps=3)
    kinds = []
    for kind, *payload in remote.run(trainer, max_steps=3, no_such_option=True):
        kinds.append(kind)
        if kind == "failed":
            details, before = payload
    assert kinds == ["failed"] and "no_such_option" in details
    assert before.step == 3
    # The child serves on.
    _train_remotely(remote, trainer, max_steps=2)
    assert trainer.step == 5


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="no shared memory files here")
def test_shared_arrays_arrive_whole_in_any_layout(monkeypatch):
    from multiprocessing import Pipe

    monkeypatch.setattr(remote_module, "SHARE_FROM_BYTES", 0)
    rng = np.random.default_rng(0)
    sent = {
        "rows": rng.normal(size=(50, 7)).astype(np.float32),
        "fortran": np.asfortranarray(rng.normal(size=(9, 4))),
        "strided": rng.normal(size=(10, 6))[::2, 1:],  # not contiguous: goes in-band
        "empty": np.empty((0, 3)),
        "labels": rng.integers(0, 3, size=11),
    }
    ours, theirs = Pipe()
    remote_module._send_dataset(ours, sent)
    kind, *args = theirs.recv()
    assert kind == "shared_dataset"
    got = remote_module._receive_dataset(theirs, *args)
    for name, array in sent.items():
        assert got[name].dtype == array.dtype
        assert np.array_equal(got[name], array), name
    got["rows"][0, 0] = 123.0  # writable, and the sender's array is untouched
    assert sent["rows"][0, 0] != 123.0


class _Unreadable:
    """Pickles fine; unpickling it raises ZeroDivisionError."""

    def __reduce__(self):
        return operator.truediv, (1, 0)


def test_a_message_the_child_cannot_read_fails_the_run_and_the_next_starts_afresh(
    iris_table, monkeypatch
):
    remote = RemoteTrainer()
    try:
        config = MODERN.replace(epochs=2)
        trainer = Trainer(config, prepare_table(iris_table, config))
        monkeypatch.setattr(
            remote_module,
            "_send_dataset",
            lambda connection, *_: connection.send(("dataset", _Unreadable())),
        )
        remote.start()
        first = remote._process
        messages = list(remote.run(trainer))
        assert [m[0] for m in messages] == ["failed"]
        assert "ZeroDivisionError" in messages[0][1]
        assert trainer.step == 0
        monkeypatch.undo()
        kinds, _ = _train_remotely(remote, trainer)
        assert kinds[-1] == "ended"
        assert remote._process is not first
        assert trainer.step == trainer.total_steps
    finally:
        remote.close()


def test_a_pickled_trainer_leaves_its_data_behind(iris_table, monkeypatch):
    monkeypatch.setattr(trainer_module, "EPOCH_COPY_BYTES", 0)  # read rows in place
    config = MODERN.replace(epochs=5)
    data = prepare_table(iris_table, config)
    here, there = Trainer(config, data), Trainer(config, data)
    for trainer in (here, there):
        for _ in trainer.run(max_steps=5):
            pass
    state = pickle.dumps(there)
    assert data.X_train.tobytes() not in state
    moved = pickle.loads(state)
    assert moved.dataset is None
    moved.attach_dataset(data)
    assert moved._X_epoch is data.X_train
    for trainer in (here, moved):
        for _ in trainer.run(max_steps=20):
            pass
    _same_network(here, moved)


def test_the_child_imports_this_very_nnstudio(monkeypatch):
    import os

    import nnstudio
    from nnstudio.core.remote import _child_environment

    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    root = os.path.dirname(os.path.dirname(os.path.abspath(nnstudio.__file__)))
    assert _child_environment()["PYTHONPATH"].split(os.pathsep) == [root, "/somewhere/else"]
