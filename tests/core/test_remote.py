"""Training in a child process: the same run as in this one, stoppable, and robust."""

import pickle

import numpy as np
import pytest

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
