"""The diagnostics view: points per layer in four plots, messages, step marker."""

import math

import numpy as np
import pytest

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.diagnostics import LayerDiagnostics, diagnose, summarize
from nnstudio.core.generators import generate
from nnstudio.core.trainer import Trainer
from nnstudio.gui.widgets.diagnostics_view import METRICS, NO_PROBLEMS, DiagnosticsView

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def layers(t: float) -> list[LayerDiagnostics]:
    """A relu layer and a tanh layer at time ``t``."""
    return [
        LayerDiagnostics(1, "relu", 0.1 * t, None, 1e-3 / (t + 1), 0.5 + t),
        LayerDiagnostics(2, "tanh", None, 0.2 * t, None if t == 0 else 0.0, math.nan),
    ]


@pytest.fixture
def view(qtbot):
    widget = DiagnosticsView()
    qtbot.addWidget(widget)
    widget.resize(460, 600)
    return widget


def test_points_accumulate_per_layer(view):
    for t, step in enumerate((0, 10, 20, 30)):
        view.record(step, layers(t))
    assert view.point_count() == 4
    assert all(len(view.curves[name]) == 2 for name, _, _ in METRICS)
    np.testing.assert_allclose(view.values("dead_fraction")[:, 0], [0, 0.1, 0.2, 0.3])
    assert np.all(np.isnan(view.values("dead_fraction")[:, 1]))  # not a relu layer: a gap
    np.testing.assert_allclose(view.values("saturated_fraction")[:, 1], [0, 0.2, 0.4, 0.6])
    # Log plots get no zeros (no logarithm): an update ratio of 0 leaves a gap too.
    assert np.all(np.isnan(view.values("update_ratio")[:, 1]))
    np.testing.assert_allclose(view.values("gradient_norm")[:, 0], [0.5, 1.5, 2.5, 3.5])
    view.refresh()
    x, y = view.curves["dead_fraction"][0].getOriginalDataset()
    np.testing.assert_array_equal(x, [0, 10, 20, 30])
    np.testing.assert_allclose(y, [0, 0.1, 0.2, 0.3])
    assert view.plots["update_ratio"].ctrl.logYCheck.isChecked()
    assert "h1 (relu)" in view.legend.text() and "h2 (tanh)" in view.legend.text()


def test_repeated_steps_are_skipped_and_new_layers_start_over(view):
    view.record(5, layers(0))
    view.record(5, layers(1))
    view.record(3, layers(1))
    assert view.point_count() == 1
    view.record(6, [LayerDiagnostics(1, "sigmoid", None, 0.9, 1e-2, 1.0)])
    assert view.point_count() == 1
    assert all(len(view.curves[name]) == 1 for name, _, _ in METRICS)
    assert "no relu layer" in view.titles["dead_fraction"].toPlainText()


def test_messages_and_no_problems(view):
    assert view.summary.text() == NO_PROBLEMS
    messages = ["Hidden layer 1 (relu): 80% of its units are dead.", "Steps are too large."]
    view.show_messages(messages)
    assert view.messages() == messages
    assert view.summary.text() == "• " + messages[0] + "\n• " + messages[1]
    assert view.summary.wordWrap()
    view.show_messages([])
    assert view.summary.text() == NO_PROBLEMS


def test_mark_step_and_clear(view):
    view.record(1, layers(0))
    view.record(2, layers(1))
    view.refresh()
    view.mark_step(2)
    assert all(m.isVisible() and m.value() == 2 for m in view.markers)
    assert view.marked_step() == 2
    view.show_messages(["x"])
    view.clear()
    assert view.point_count() == 0 and view.marked_step() is None
    assert view.summary.text() == NO_PROBLEMS
    x, _ = view.curves["gradient_norm"][0].getData()
    assert x is None or len(x) == 0


def test_real_diagnostics_of_a_run(view):
    config = MODERN.replace(iterations=40, hidden_layers=(6, 4), activations=("relu", "sigmoid"))
    data = prepare_table(generate("moons", samples=80), config)
    trainer = Trainer(config, data)
    net, previous = trainer.network, None
    for snapshot in trainer.run(every_steps=10):
        found = diagnose(
            snapshot.weights,
            snapshot.biases,
            net.hidden_activations,
            net.output,
            data.X_train,
            previous_weights=None if previous is None else previous.weights,
            steps_between=10,
            gradient_norms=snapshot.gradient_norms,
        )
        previous = snapshot
        view.record(snapshot.step, found)
        view.show_messages(summarize(found))
    view.refresh()
    assert view.point_count() == 4
    np.testing.assert_allclose(view.values("gradient_norm")[-1], snapshot.gradient_norms[:2])
    assert np.isnan(view.values("update_ratio")[0]).all()  # nothing to compare the first with
    assert np.isfinite(view.values("update_ratio")[1:]).all()
