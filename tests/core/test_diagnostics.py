"""Layer diagnostics: dead and saturated units, update ratios, and the sentences about them."""

import numpy as np
import pytest

from nnstudio.core.config import CLASSIC, MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.diagnostics import LayerDiagnostics, diagnose, summarize
from nnstudio.core.network import Network
from nnstudio.core.trainer import Trainer


def _diagnose_run(config, table):
    """Train ``config`` to the end and diagnose it from its last two snapshots."""
    trainer = Trainer(config, prepare_table(table, config))
    *_, before, after = trainer.run(every_steps=50)
    found = diagnose(
        after.weights,
        after.biases,
        trainer.network.hidden_activations,
        trainer.output,
        trainer.dataset.X_train[:256],
        previous_weights=before.weights,
        steps_between=after.step - before.step,
        gradient_norms=after.gradient_norms,
        masks=after.masks,
    )
    return trainer, found


def test_the_classic_preset_saturates(iris_table):
    trainer, found = _diagnose_run(CLASSIC, iris_table)
    assert trainer.step == 1000
    assert [d.layer for d in found] == [1, 2]
    assert all(d.activation == "sigmoid" and d.dead_fraction is None for d in found)
    assert all(d.saturated_fraction > 0.5 for d in found)
    messages = summarize(found)
    saturated = [m for m in messages if " is saturated" in m]
    assert len(saturated) == 2
    assert saturated[0].startswith("Hidden layer 1 (sigmoid) is saturated")
    assert "standardized inputs" in saturated[0]
    # Saturated sigmoids pass almost no gradient back: the first layer barely moves.
    assert found[0].update_ratio < 1e-6
    assert any(
        m.startswith("The weights into hidden layer 1 are barely changing") for m in messages
    )


def test_a_modern_tanh_run_is_not_saturated(iris_table):
    _, found = _diagnose_run(MODERN, iris_table)
    assert all(d.activation == "tanh" for d in found)
    assert all(d.saturated_fraction < 0.5 for d in found)
    assert all(1e-6 < d.update_ratio < 1e-1 for d in found)
    assert not [m for m in summarize(found) if " is saturated" in m]
    assert summarize(found) == []


def _relu_network(seed=0):
    rng = np.random.default_rng(seed)
    net = Network.initialize((4, 10, 6, 3), ("relu", "relu"), "softmax", rng=rng, init="he")
    return net, rng.normal(size=(100, 4))


def test_a_huge_negative_bias_kills_relu_units():
    net, X = _relu_network()
    net.biases[0][:7] = -1000.0
    found = diagnose(net.weights, net.biases, net.hidden_activations, net.output, X)
    assert found[0].dead_fraction == pytest.approx(0.7)
    assert found[0].saturated_fraction is None
    assert found[0].update_ratio is None and np.isnan(found[0].gradient_norm)
    messages = summarize(found)
    assert any(
        m.startswith("Hidden layer 1 (relu): 70% of its units are dead") and "leaky_relu" in m
        for m in messages
    )


def test_switched_off_units_are_not_counted_as_dead():
    net, X = _relu_network()
    net.biases[0][:4] = -1000.0
    mask = np.ones(10)
    mask[4:8] = 0.0
    found = diagnose(
        net.weights, net.biases, net.hidden_activations, net.output, X, masks=[mask, None]
    )
    assert found[0].dead_fraction == pytest.approx(4 / 6)
    mask[:] = 0.0
    found = diagnose(
        net.weights, net.biases, net.hidden_activations, net.output, X, masks=[mask, None]
    )
    assert found[0].dead_fraction is None  # no unit on: nothing to judge


def test_saturation_counts_outputs_on_the_flat_ends():
    weights = [np.eye(2), np.ones((2, 1))]
    X = np.array([[0.0, 3.0], [-3.0, 0.5], [1.0, 0.0], [0.0, 0.0]])
    # tanh: |a| > 0.949 where |z| > 1.83, i.e. for the entries 3.0 and -3.0 out of 8.
    found = diagnose(weights, None, ["tanh"], "linear", X)
    assert found[0].saturated_fraction == pytest.approx(2 / 8)
    # sigmoid: slope below 0.025 where |z| > 3.66: none here; scale the inputs up.
    assert diagnose(weights, None, ["sigmoid"], "linear", X)[0].saturated_fraction == 0
    found = diagnose(weights, None, ["sigmoid"], "linear", 2 * X)
    assert found[0].saturated_fraction == pytest.approx(2 / 8)
    assert diagnose(weights, None, ["relu"], "linear", X)[0].saturated_fraction is None


def test_update_ratio_and_its_messages():
    net, X = _relu_network()
    before = [w.copy() for w in net.weights]
    grown = [w * 1.5 for w in before]  # ||W - W0|| / ||W0|| = 0.5
    found = diagnose(
        grown, net.biases, net.hidden_activations, net.output, X,
        previous_weights=before, steps_between=2, gradient_norms=np.array([1.0, 2.0, 3.0]),
    )  # fmt: skip
    assert [d.update_ratio for d in found] == pytest.approx([0.25, 0.25])
    assert [d.gradient_norm for d in found] == [1.0, 2.0]
    messages = summarize(found)
    assert sum("steps are too large" in m for m in messages) == 2
    assert any(m.startswith("The weights into hidden layer 2 change by 25%") for m in messages)

    nudged = [w * (1 + 1e-8) for w in before]
    found = diagnose(
        nudged, net.biases, net.hidden_activations, net.output, X, previous_weights=before
    )
    assert found[0].update_ratio == pytest.approx(1e-8)
    assert sum("barely changing" in m for m in summarize(found)) == 2


def test_no_probe_rows_and_no_hidden_layers():
    net, X = _relu_network()
    found = diagnose(net.weights, net.biases, net.hidden_activations, net.output, X[:0])
    assert [(d.dead_fraction, d.saturated_fraction) for d in found] == [(None, None)] * 2
    assert summarize(found) == []
    single = Network.initialize((4, 3), (), "softmax", rng=np.random.default_rng(0))
    assert diagnose(single.weights, single.biases, (), "softmax", X) == []
    with pytest.raises(ValueError, match="steps_between"):
        diagnose(net.weights, net.biases, net.hidden_activations, net.output, X, steps_between=0)


def test_a_diverged_network_gives_figures_without_warnings():
    net, X = _relu_network()
    net.weights[0][0, 0] = np.nan
    with np.errstate(all="raise"):
        found = diagnose(net.weights, net.biases, net.hidden_activations, net.output, X)
    assert isinstance(found[0], LayerDiagnostics)
