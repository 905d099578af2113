"""Hand edits: switched-off units in the network, and weight, bias and unit edits in the trainer."""

import numpy as np
import pytest

from nnstudio.core.activations import HIDDEN_ACTIVATIONS
from nnstudio.core.config import CLASSIC, MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.errors import ConfigError
from nnstudio.core.losses import LOSSES
from nnstudio.core.network import Network
from nnstudio.core.trainer import Snapshot, Trainer

# -- masks in the network ---------------------------------------------------------------


def _masked_problem(activation, output="softmax", seed=0):
    rng = np.random.default_rng(seed)
    net = Network.initialize((3, 5, 4, 3), (activation, activation), output, rng=rng)
    for b in net.biases:
        b[...] = rng.normal(scale=0.3, size=b.shape)
    net.masks = [np.array([1.0, 0.0, 1.0, 1.0, 0.0]), np.array([1.0, 1.0, 0.0, 1.0])]
    X = rng.normal(size=(7, 3))
    Y = np.eye(3)[rng.integers(0, 3, size=7)] if output != "linear" else rng.normal(size=(7, 3))
    return net, X, Y


def _numeric_gradient(net, X, Y, loss, l2=0.0, eps=1e-6):
    grads = []
    for param in net.parameters:
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            original = param[index]
            param[index] = original + eps
            plus, _ = net.loss_and_gradients(X, Y, loss, 0.0, l2)
            param[index] = original - eps
            minus, _ = net.loss_and_gradients(X, Y, loss, 0.0, l2)
            param[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize(
    "loss_name,output", [("cross_entropy", "softmax"), ("mse", "linear"), ("sse", "sigmoid")]
)
def test_gradient_with_a_mask_matches_finite_differences(activation, loss_name, output):
    net, X, Y = _masked_problem(activation, output)
    loss = LOSSES[loss_name]
    _, analytic = net.loss_and_gradients(X, Y, loss)
    analytic = [g.copy() for g in analytic]
    for a, n in zip(analytic, _numeric_gradient(net, X, Y, loss), strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "elu"])
def test_no_gradient_flows_through_a_switched_off_unit(activation):
    net, X, Y = _masked_problem(activation)
    _, grads = net.loss_and_gradients(X, Y, LOSSES["cross_entropy"])
    w0, w1, w2, b0, b1, b2 = grads
    # Hidden layer 1 units 1 and 4 are off: their incoming weights and biases get nothing,
    # and neither do their outgoing weights (they output 0).
    assert np.all(w0[:, [1, 4]] == 0) and np.all(b0[[1, 4]] == 0)
    assert np.all(w1[[1, 4], :] == 0)
    # Hidden layer 2 unit 2 is off.
    assert np.all(w1[:, 2] == 0) and np.all(b1[2] == 0) and np.all(w2[2, :] == 0)
    assert np.all(w0[:, [0, 2, 3]] != 0) and np.all(w2[[0, 1, 3], :] != 0)


def test_masks_changed_between_steps_apply_to_the_next_step():
    net, X, Y = _masked_problem("relu")
    masks = net.masks
    net.masks = None
    _, grads = net.loss_and_gradients(X, Y, LOSSES["cross_entropy"])
    assert np.all(grads[0][:, [1, 4]] != 0)
    net.masks = masks  # the training buffers of the step before must not keep the old masks
    _, grads = net.loss_and_gradients(X, Y, LOSSES["cross_entropy"])
    assert np.all(grads[0][:, [1, 4]] == 0) and np.all(grads[1][:, 2] == 0)


def test_a_switched_off_unit_outputs_zero_everywhere():
    net, X, _ = _masked_problem("sigmoid")
    outputs = net.layer_outputs(X)
    assert np.all(outputs[1][:, [1, 4]] == 0) and np.all(outputs[2][:, 2] == 0)
    # Same as cutting the unit's outgoing weights by hand, with the mask off.
    cut = net.copy()
    cut.masks = None
    cut.weights[1][[1, 4], :] = 0.0
    cut.weights[2][2, :] = 0.0
    np.testing.assert_allclose(net.forward(X), cut.forward(X), atol=1e-15)
    np.testing.assert_array_equal(net.forward(X), outputs[-1])
    value, _ = net.loss_and_gradients(X, np.eye(3)[[0] * 7], LOSSES["sse"])
    assert value == pytest.approx(LOSSES["sse"].value(outputs[-1], np.eye(3)[[0] * 7], "softmax"))


def test_masks_default_to_all_on_and_are_checked():
    net = Network.initialize(
        (3, 5, 4, 2), ("tanh", "tanh"), "softmax", rng=np.random.default_rng(0)
    )
    assert net.masks == [None, None]
    X = np.random.default_rng(1).normal(size=(6, 3))
    plain = net.forward(X)
    net.masks = [np.ones(5), None]
    np.testing.assert_array_equal(net.forward(X), plain)
    assert net.copy().masks[0] is not net.masks[0]
    np.testing.assert_array_equal(net.copy().masks[0], np.ones(5))
    with pytest.raises(ValueError, match="one mask per hidden layer"):
        net.masks = [None]
    with pytest.raises(ValueError, match="hidden layer 2 has shape"):
        net.masks = [None, np.ones(5)]
    assert Network(net.weights, net.biases, ("tanh", "tanh"), "softmax", [None, None]).masks == [
        None,
        None,
    ]


# -- edits in the trainer -----------------------------------------------------------------


@pytest.fixture
def trainer(iris_table):
    return Trainer(MODERN, prepare_table(iris_table, MODERN))


def test_editing_a_weight_changes_the_next_forward_pass(trainer):
    X = trainer.dataset.X_train[:5]
    before = trainer.network.forward(X)
    old = float(trainer.network.weights[1][3, 2])
    trainer.edit_weight(1, 3, 2, 4.0)
    assert trainer.network.weights[1][3, 2] == 4.0
    assert not np.allclose(trainer.network.forward(X), before)
    assert trainer.edits == [(0, f"Set the weight from h1 #4 to h2 #3 to 4 (was {old:.4g})")]
    trainer.edit_weight(1, 3, 2, old)
    np.testing.assert_array_equal(trainer.network.forward(X), before)


def test_editing_a_bias_and_the_names_in_the_descriptions(trainer):
    old = float(trainer.network.weights[0][2, 0])
    trainer.edit_bias(2, 0, -1.5)
    trainer.edit_weight(0, 2, 0, 0.25)
    assert trainer.network.biases[2][0] == -1.5
    assert [d for _, d in trainer.edits] == [
        "Set the bias of output 'Iris-setosa' to -1.5 (was 0)",
        f"Set the weight from input 'petal_length' to h1 #1 to 0.25 (was {old:.4g})",
    ]


def test_the_next_snapshot_carries_the_edits_once(trainer):
    first = next(trainer.run(every_steps=5))
    assert first.edits == () and first.masks is None
    trainer.edit_weight(0, 0, 0, 1.0)
    trainer.set_unit_enabled(2, 1, False)
    snapshots = list(trainer.run(every_steps=5, max_steps=10))
    assert len(snapshots[0].edits) == 2
    assert snapshots[0].edits[1] == "Switched h2 #2 off"
    assert all(s.edits == () for s in snapshots[1:])
    assert [step for step, _ in trainer.edits] == [5, 5]
    assert all(s.masks[1][1] == 0 and s.masks[0] is None for s in snapshots)
    assert not snapshots[0].masks[1].flags.writeable


def test_state_snapshot_shows_the_state_without_training(trainer):
    list(trainer.run(max_steps=7))
    old = float(trainer.network.biases[0][3])
    trainer.edit_bias(0, 3, 2.0)
    snapshot = trainer.state_snapshot()
    assert trainer.step == snapshot.step == 7
    assert snapshot.steps.shape == (0,) and snapshot.losses.shape == (0,)
    assert snapshot.metrics == () and snapshot.stop_reason is None
    assert snapshot.biases[0][3] == 2.0 and not snapshot.biases[0].flags.writeable
    assert snapshot.edits == (f"Set the bias of h1 #4 to 2 (was {old:.4g})",)
    assert trainer.state_snapshot().edits == ()
    assert trainer.step == 7


def test_a_switched_off_unit_stays_silent_while_training(iris_table):
    config = MODERN.replace(l2=0.0, epochs=5)
    trainer = Trainer(config, prepare_table(iris_table, config))
    trainer.set_unit_enabled(1, 4, False)
    incoming = trainer.network.weights[0][:, 4].copy()
    outgoing = trainer.network.weights[1][4, :].copy()
    bias = float(trainer.network.biases[0][4])
    list(trainer.run())
    assert trainer.step == 35
    net = trainer.network
    np.testing.assert_array_equal(net.weights[0][:, 4], incoming)
    np.testing.assert_array_equal(net.weights[1][4, :], outgoing)
    assert net.biases[0][4] == bias
    assert np.all(net.layer_outputs(trainer.dataset.X_train)[1][:, 4] == 0)
    assert not np.array_equal(
        net.weights[0][:, 3], Trainer(config, trainer.dataset).network.weights[0][:, 3]
    )


def test_switching_a_unit_back_on(trainer):
    trainer.set_unit_enabled(1, 0, False)
    mask = trainer.network.masks[0]
    snapshot = trainer.state_snapshot()
    trainer.set_unit_enabled(1, 0, True)
    assert trainer.network.masks == [None, None]
    assert mask[0] == 0  # the old mask array was replaced, not changed
    assert snapshot.masks[0][0] == 0
    assert trainer.state_snapshot().masks is None
    trainer.set_unit_enabled(1, 0, True)  # already on: nothing happens
    assert [d for _, d in trainer.edits] == ["Switched h1 #1 off", "Switched h1 #1 on"]


def test_reset_forgets_edits_and_masks(trainer):
    trainer.set_unit_enabled(1, 0, False)
    trainer.edit_weight(0, 0, 0, 3.0)
    trainer.reset()
    assert trainer.edits == [] and trainer.network.masks == [None, None]
    assert trainer.network.weights[0][0, 0] != 3.0
    assert trainer.state_snapshot().edits == ()


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, "a lot", None, True])
def test_values_must_be_finite_numbers(trainer, value):
    with pytest.raises(ConfigError, match="finite number"):
        trainer.edit_weight(0, 0, 0, value)
    with pytest.raises(ConfigError, match="finite number"):
        trainer.edit_bias(0, 0, value)
    assert trainer.edits == []


def test_indices_out_of_range_are_refused(trainer):
    # iris with [12, 6]: weights (4, 12), (12, 6), (6, 3)
    with pytest.raises(IndexError, match="weight layer index 3 is out of range: it must be 0 to 2"):
        trainer.edit_weight(3, 0, 0, 1.0)
    with pytest.raises(IndexError, match="row of weight layer 0 index 4 .* 0 to 3"):
        trainer.edit_weight(0, 4, 0, 1.0)
    with pytest.raises(IndexError, match="column of weight layer 2 index 3"):
        trainer.edit_weight(2, 0, 3, 1.0)
    with pytest.raises(IndexError, match="-1"):
        trainer.edit_weight(0, -1, 0, 1.0)
    with pytest.raises(IndexError, match="unit of bias layer 1 index 6"):
        trainer.edit_bias(1, 6, 1.0)
    with pytest.raises(IndexError, match="hidden layer 0 does not exist.*1 to 2"):
        trainer.set_unit_enabled(0, 0, False)
    with pytest.raises(IndexError, match="hidden layer 3 does not exist"):
        trainer.set_unit_enabled(3, 0, False)
    with pytest.raises(IndexError, match="unit of hidden layer 2 index 6"):
        trainer.set_unit_enabled(2, 6, False)
    assert trainer.edits == []


def test_a_network_without_biases_has_none_to_edit(iris_table):
    trainer = Trainer(CLASSIC, prepare_table(iris_table, CLASSIC))
    with pytest.raises(ConfigError, match="no biases"):
        trainer.edit_bias(0, 0, 1.0)


def test_snapshots_still_build_without_the_new_fields():
    empty = np.zeros(0)
    snapshot = Snapshot(0, 10, 0.0, (np.eye(2),), None, empty, empty, empty, (), 0.1, 0.0, 0.0)
    assert snapshot.edits == () and snapshot.masks is None
