"""The classic preset reproduces the classic teaching algorithm exactly."""

import numpy as np

from nnstudio.core.config import CLASSIC
from nnstudio.core.dataset import prepare_table
from nnstudio.core.seeding import random_stream
from nnstudio.core.trainer import Trainer


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_classic_preset_settings():
    c = CLASSIC
    assert c.hidden_layers == (12, 6)
    assert c.activations == ("sigmoid", "sigmoid") and c.output == "sigmoid"
    assert not c.use_bias and c.init == "classic_uniform"
    assert (c.loss, c.optimizer, c.learning_rate) == ("sse", "sgd", 0.01)
    assert (c.batch_size, c.sampling, c.iterations, c.epochs) == (64, "replacement", 1000, None)
    assert (c.test_split, c.standardize, c.report_every) == (0.0, False, 50)
    assert (c.l1, c.l2) == (0.0, 0.0)


def test_one_classic_step_matches_the_formulas_by_hand(iris_table):
    data = prepare_table(iris_table, CLASSIC)
    assert data.X_train.shape == (150, 4) and data.n_test == 0
    # No standardization: the network sees the raw measurements, in file order.
    np.testing.assert_array_equal(data.X_train, iris_table.X)
    assert data.class_names == ("Iris-setosa", "Iris-versicolor", "Iris-virginica")

    # The classic algorithm, written out from its formulas.
    init = random_stream(CLASSIC.seed, "init")
    W1, W2, W3 = init.random((4, 12)), init.random((12, 6)), init.random((6, 3))
    rows = random_stream(CLASSIC.seed, "sampling").integers(0, 150, size=64)
    X, Y = iris_table.X[rows], np.eye(3)[data.y_train[rows]]
    h1 = _sigmoid(X @ W1)
    h2 = _sigmoid(h1 @ W2)
    y_hat = _sigmoid(h2 @ W3)
    loss = np.sum((y_hat - Y) ** 2)
    d3 = 2 * (y_hat - Y) * y_hat * (1 - y_hat)
    d2 = (d3 @ W3.T) * h2 * (1 - h2)
    d1 = (d2 @ W2.T) * h1 * (1 - h1)
    expected = [W1 - 0.01 * X.T @ d1, W2 - 0.01 * h1.T @ d2, W3 - 0.01 * h2.T @ d3]

    trainer = Trainer(CLASSIC, data)
    for w, by_hand in zip(trainer.network.weights, (W1, W2, W3), strict=True):
        np.testing.assert_array_equal(w, by_hand)
    snapshots = list(trainer.run(max_steps=1))
    last = snapshots[-1]
    assert last.step == 1 and last.biases is None
    assert abs(last.losses[0] - loss) <= 1e-12 * loss
    for w, by_hand in zip(last.weights, expected, strict=True):
        np.testing.assert_allclose(w, by_hand, rtol=0, atol=1e-12)


def test_classic_run_lasts_1000_steps_and_barely_learns(iris_table):
    trainer = Trainer(CLASSIC, prepare_table(iris_table, CLASSIC))
    snapshots = list(trainer.run(every_steps=50))
    assert snapshots[-1].step == 1000 and snapshots[-1].stop_reason == "completed"
    assert [s.step for s in snapshots[:3]] == [50, 100, 150]
    assert all(len(s.losses) == 50 for s in snapshots)
    # All-positive weights and saturated sigmoids: it stays near a one-class guess.
    assert trainer.history[-1].train_accuracy < 0.75
