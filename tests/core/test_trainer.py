"""The trainer generator: learning, determinism, snapshots, control and divergence."""

import numpy as np
import pytest

from nnstudio.core import trainer as trainer_module
from nnstudio.core.config import MODERN, Config
from nnstudio.core.dataset import prepare, prepare_table
from nnstudio.core.trainer import Trainer


def _train(config, table):
    trainer = Trainer(config, prepare_table(table, config))
    snapshots = list(trainer.run(every_steps=100))
    return trainer, snapshots


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_modern_defaults_learn_iris(iris_table, activation):
    config = MODERN.replace(activations=(activation, activation))
    trainer, snapshots = _train(config, iris_table)
    final = trainer.history[-1]
    assert snapshots[-1].stop_reason == "completed"
    assert final.test_accuracy >= 0.93
    assert final.train_accuracy >= 0.95
    assert final.confusion.sum() == trainer.dataset.n_test == 45


def test_modern_defaults_learn_iris_for_several_seeds(iris_table):
    accuracies = [
        _train(MODERN.replace(seed=seed), iris_table)[0].history[-1].test_accuracy
        for seed in range(5)
    ]
    assert np.mean(accuracies) >= 0.93


def test_regression_reaches_r2_above_0_9():
    rng = np.random.default_rng(7)
    X = rng.uniform(-2, 2, size=(600, 3))
    y = np.sin(X[:, 0]) * 3 + X[:, 1] ** 2 - X[:, 2] + rng.normal(scale=0.1, size=600)
    config = Config(loss="mse", activations="tanh", hidden_layers=(16, 16), epochs=100)
    data = prepare(X, y, task="regression", seed=config.seed)
    trainer = Trainer(config, data)
    list(trainer.run(every_steps=1000))
    final = trainer.history[-1]
    assert trainer.output == "linear"
    assert final.test_r2 >= 0.9 and final.train_r2 >= 0.9
    assert final.test_rmse < 0.5 * y.std()
    assert final.test_accuracy is None and final.confusion is None


def test_same_seed_gives_identical_runs(iris_table):
    config = MODERN.replace(epochs=20)
    a, snaps_a = _train(config, iris_table)
    b, snaps_b = _train(config, iris_table)
    for wa, wb in zip(a.network.weights, b.network.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(
        np.concatenate([s.losses for s in snaps_a]), np.concatenate([s.losses for s in snaps_b])
    )
    c, _ = _train(config.replace(seed=1), iris_table)
    assert not np.array_equal(a.network.weights[0], c.network.weights[0])


def test_resuming_equals_one_uninterrupted_run(iris_table):
    config = MODERN.replace(epochs=5)
    data = prepare_table(iris_table, config)
    whole, parts = Trainer(config, data), Trainer(config, data)
    list(whole.run(max_steps=30))
    for _ in range(3):
        list(parts.run(max_steps=10))
    assert parts.step == whole.step == 30
    for wa, wb in zip(whole.network.weights, parts.network.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_reset_restores_the_seeds_initial_weights(iris_table):
    trainer = Trainer(MODERN, prepare_table(iris_table, MODERN))
    start = [w.copy() for w in trainer.network.weights]
    list(trainer.run(max_steps=20))
    assert not np.array_equal(start[0], trainer.network.weights[0])
    trainer.reset()
    assert trainer.step == 0 and trainer.history == []
    for w, s in zip(trainer.network.weights, start, strict=True):
        np.testing.assert_array_equal(w, s)


def test_snapshots_are_frozen_copies(iris_table):
    trainer = Trainer(MODERN, prepare_table(iris_table, MODERN))
    snapshot = next(trainer.run(every_steps=5))
    assert snapshot.step == 5 and list(snapshot.steps) == [1, 2, 3, 4, 5]
    assert len(snapshot.losses) == 5 and snapshot.gradient_norms.shape == (3,)
    assert np.all(snapshot.gradient_norms > 0)
    assert snapshot.metrics[0].step == 0  # the run starts with an evaluation
    for array in (*snapshot.weights, *snapshot.biases, snapshot.losses):
        assert not array.flags.writeable
    assert snapshot.weights[0] is not trainer.network.weights[0]
    assert [w.shape for w in snapshot.weights] == [(4, 12), (12, 6), (6, 3)]


def test_time_cadence_yields_without_a_step_count(iris_table):
    trainer = Trainer(MODERN.replace(epochs=50), prepare_table(iris_table, MODERN))
    snapshots = list(trainer.run(every_seconds=0.0))
    assert len(snapshots) == trainer.total_steps  # a zero interval emits after every step
    assert snapshots[-1].stop_reason == "completed" and snapshots[-1].finished


def test_stop_request_stops_after_the_current_step(iris_table):
    trainer = Trainer(MODERN, prepare_table(iris_table, MODERN))
    run = trainer.run(every_steps=1)
    next(run)
    trainer.request_stop()
    rest = list(run)
    assert len(rest) == 1 and rest[0].stop_reason == "stopped" and rest[0].step == 1
    assert not rest[0].finished
    # The next run resumes from where it stopped.
    assert next(trainer.run(every_steps=1)).step == 2


def test_learning_rate_change_applies_to_the_next_step(iris_table):
    config = MODERN.replace(optimizer="sgd", learning_rate=0.1)
    data = prepare_table(iris_table, config)
    a, b = Trainer(config, data), Trainer(config, data)
    list(a.run(max_steps=3))
    list(b.run(max_steps=3))
    b.set_learning_rate(0.0001)
    before = b.network.weights[0].copy()
    list(a.run(max_steps=1))
    last = list(b.run(max_steps=1))[-1]
    assert last.learning_rate == 0.0001
    moved_a = np.abs(a.network.weights[0] - before).max()
    moved_b = np.abs(b.network.weights[0] - before).max()
    assert moved_b < moved_a / 100


def test_divergence_stops_with_a_reason_and_finite_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    y = X @ np.array([300.0, -200.0])
    config = Config(
        loss="sse",
        activations="linear",
        optimizer="sgd",
        learning_rate=10.0,
        standardize=False,
        test_split=0.0,
        epochs=None,
        iterations=500,
        hidden_layers=(4,),
    )
    trainer = Trainer(config, prepare(X, y, task="regression", standardize=False, test_split=0))
    last = list(trainer.run(every_steps=10))[-1]
    assert last.stop_reason == "diverged" and last.finished
    assert "Diverged at step" in last.message and "smaller learning rate" in last.message
    assert last.step < 500
    assert all(np.isfinite(w).all() for w in trainer.network.weights)
    # Asking to continue does not train a diverged run further.
    again = list(trainer.run())
    assert again[-1].stop_reason == "diverged" and again[-1].step == last.step


@pytest.mark.parametrize("sampling", ["shuffle", "sequential"])
def test_epoch_sampling_uses_every_row_once_per_epoch(sampling):
    X = np.arange(10, dtype=float)[:, None]
    data = prepare(X, np.arange(10) % 2, task="classification", test_split=0, standardize=False)
    trainer = Trainer(Config(batch_size=4, sampling=sampling, epochs=2), data)
    seen = []
    for _ in range(6):
        batch, _ = trainer._next_batch()
        seen.append(batch[:, 0].tolist())
    assert [len(b) for b in seen] == [4, 4, 2, 4, 4, 2]
    for epoch in (seen[:3], seen[3:]):
        assert sorted(sum(epoch, [])) == list(range(10))
    if sampling == "sequential":
        assert seen[0] == [0, 1, 2, 3]
    assert trainer.steps_per_epoch == 3 and trainer.total_steps == 6


def test_large_data_gathers_the_same_batches_as_a_shuffled_copy(monkeypatch):
    X = np.arange(20, dtype=float)[:, None]
    data = prepare(X, np.arange(20) % 2, task="classification", test_split=0, standardize=False)
    config = Config(batch_size=8, sampling="shuffle", epochs=2)

    def batches():
        trainer = Trainer(config, data)
        return [trainer._next_batch() for _ in range(6)]

    copied = batches()
    monkeypatch.setattr(trainer_module, "EPOCH_COPY_BYTES", 0)  # every data set is "large"
    gathered = batches()
    for (x1, y1), (x2, y2) in zip(copied, gathered, strict=True):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    assert [len(x) for x, _ in gathered] == [8, 8, 4, 8, 8, 4]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_snapshot_gradient_norms_are_the_gradients_own(optimizer):
    # SGD and momentum train on gradients times the learning rate; the norms reported
    # must still be those of the gradients.
    rng = np.random.default_rng(2)
    data = prepare(rng.normal(size=(30, 3)), rng.integers(0, 3, 30), task="classification")
    config = Config(
        hidden_layers=(5,),
        activations="tanh",
        optimizer=optimizer,
        learning_rate=0.7,
        batch_size=64,
        sampling="sequential",
        epochs=None,
        iterations=1,
        l2=0.01,
    )
    trainer = Trainer(config, data)
    start = trainer.network.copy()
    last = list(trainer.run())[-1]
    _, grads = start.loss_and_gradients(
        data.X_train, data.Y_train, trainer.loss, config.l1, config.l2
    )
    expected = [np.linalg.norm(g) for g in grads[: len(start.weights)]]
    np.testing.assert_allclose(last.gradient_norms, expected, rtol=1e-6)


def test_replacement_sampling_draws_full_batches():
    data = prepare(np.arange(10.0)[:, None], np.arange(10) % 2, task="classification", test_split=0)
    trainer = Trainer(Config(batch_size=8, sampling="replacement", epochs=None, iterations=5), data)
    batch, targets = trainer._next_batch()
    assert batch.shape == (8, 1) and targets.shape == (8, 2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept_end_to_end(iris_table, dtype):
    config = MODERN.replace(dtype=dtype, epochs=3)
    trainer = Trainer(config, prepare_table(iris_table, config))
    assert trainer.dataset.X_train.dtype == dtype
    last = list(trainer.run())[-1]
    assert all(w.dtype == dtype for w in (*last.weights, *last.biases))
    buffers = trainer.network._buffers_for(config.batch_size)
    assert all(
        a.dtype == dtype for a in (buffers.first_output, *buffers.derivatives, *buffers.deltas)
    )
    assert all(g.dtype == dtype for g in buffers.grad_weights)
    for opt_state in getattr(trainer.optimizer, "first", []):
        assert opt_state.dtype == dtype


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("nesterov", [False, True])
def test_every_optimizer_lowers_the_loss(iris_table, optimizer, nesterov):
    config = MODERN.replace(
        optimizer=optimizer,
        nesterov=nesterov,
        epochs=30,
        learning_rate=0.05 if optimizer != "adam" else 0.01,
    )
    trainer, _ = _train(config, iris_table)
    assert trainer.history[-1].train_loss < 0.5 * trainer.history[0].train_loss


def test_l2_shrinks_the_weights(iris_table):
    plain, _ = _train(MODERN.replace(epochs=40), iris_table)
    decayed, _ = _train(MODERN.replace(epochs=40, l2=0.1), iris_table)
    norm = lambda t: sum(float(np.sum(w**2)) for w in t.network.weights)  # noqa: E731
    assert norm(decayed) < 0.5 * norm(plain)


def test_network_sizes_must_match_the_data(iris_table):
    from nnstudio.core.network import Network

    data = prepare_table(iris_table, MODERN)
    wrong = Network.initialize((4, 5, 3), ("tanh",), "softmax", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="layer sizes"):
        Trainer(MODERN, data, wrong)


def test_evaluation_time_is_tracked_apart(iris_table):
    trainer = Trainer(MODERN.replace(epochs=5), prepare_table(iris_table, MODERN))
    list(trainer.run())
    assert len(trainer.history) == 6  # the start and each of 5 epochs
    assert 0 < trainer.evaluation_seconds
    trainer.reset()
    assert trainer.evaluation_seconds == 0.0
