"""Weight distributions over time: image content, uneven steps, layer picker, step marker."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.generators import generate
from nnstudio.core.history import WeightHistory, distribution_image
from nnstudio.core.trainer import Trainer
from nnstudio.gui.widgets.weight_histograms import (
    MAX_BINS,
    MIN_BINS,
    WeightHistogramView,
    bins_for,
    intensity,
    resample_columns,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

STEPS = (0, 1, 2, 10, 50, 51, 100)  # unevenly spaced, as after thinning


@pytest.fixture
def history():
    rng = np.random.default_rng(0)
    record = WeightHistory()
    for t, step in enumerate(STEPS):
        spread = 0.1 * (t + 1)  # the weights spread out over time
        weights = [rng.normal(0, spread, size=(3, 5)), rng.normal(0, 2 * spread, size=(5, 2))]
        record.record_state(step, weights, None, np.ones(2))
    return record


@pytest.fixture
def view(qtbot):
    widget = WeightHistogramView()
    qtbot.addWidget(widget)
    widget.resize(640, 300)
    return widget


BINS = bins_for(15)  # layer 1 is 3×5


def test_bins_follow_the_layer_size():
    assert bins_for(15) == MIN_BINS
    assert bins_for(400) == 40
    assert bins_for(100_000) == MAX_BINS


def test_image_holds_each_entry_histogram_at_its_real_step(view, history):
    view.show_history(history)
    image, steps, edges = distribution_image(history, 0, bins=BINS)
    assert view.source.shape == (len(STEPS), BINS)
    np.testing.assert_array_equal(view.source, image)
    np.testing.assert_array_equal(view.steps, STEPS)
    shown = view.displayed_image()
    centres, rows = resample_columns(steps)
    assert shown.shape == (BINS, len(centres))  # y = weight bins, x = step columns
    # Each column shows the latest entry recorded at or before its step.
    scaled = intensity(image)
    for column in (0, len(centres) // 4, len(centres) // 2, len(centres) - 1):
        entry = int(np.searchsorted(steps, centres[column], side="right") - 1)
        np.testing.assert_allclose(shown[:, column], scaled[entry])
    # The column at step 30 still shows the entry of step 10 (sample and hold).
    column = int(np.argmin(np.abs(centres - 30)))
    np.testing.assert_allclose(shown[:, column], scaled[STEPS.index(10)])
    # Columns are centred on their steps, bins span the edges.
    first = view.image.mapToParent(QPointF(0.5, 0.0))
    last = view.image.mapToParent(QPointF(len(centres) - 0.5, BINS))
    assert first.x() == pytest.approx(STEPS[0])
    assert last.x() == pytest.approx(STEPS[-1])
    assert first.y() == pytest.approx(edges[0])
    assert last.y() == pytest.approx(edges[-1])


def test_counts_are_log_scaled():
    counts = np.array([[0.0, 1.0, 9.0, 99.0]])
    np.testing.assert_allclose(intensity(counts), np.log1p(counts) / np.log(100))
    assert np.all(intensity(np.zeros((2, 3))) == 0)


def test_layer_picker_switches_layers(view, history, qtbot):
    view.show_history(history)
    assert [view.layer_combo.itemText(i) for i in range(view.layer_combo.count())] == [
        "layer 1 (3→5)",
        "layer 2 (5→2)",
    ]
    view.layer_combo.setCurrentIndex(1)
    assert view.layer() == 1
    np.testing.assert_array_equal(view.source, distribution_image(history, 1, bins=MIN_BINS)[0])
    # A later update of the same network keeps the chosen layer.
    view.show_history(history)
    assert view.layer() == 1


def test_mark_step_moves_the_line(view, history):
    view.show_history(history)
    assert view.marked_step() is None
    view.mark_step(50)
    assert view.step_marker.isVisible()
    assert view.step_marker.value() == 50
    view.mark_step(2)
    assert view.marked_step() == 2
    view.mark_step(None)
    assert view.marked_step() is None


def test_clear_and_empty_history(view, history):
    view.show_history(history)
    view.mark_step(10)
    view.clear()
    assert view.source is None and view.displayed_image() is None
    assert view.layer_combo.count() == 0 and view.marked_step() is None
    view.show_history(WeightHistory())
    assert view.displayed_image() is None


def test_single_entry_history(view):
    record = WeightHistory()
    record.record_state(0, [np.arange(6.0).reshape(2, 3)], None, np.zeros(1))
    view.show_history(record)
    assert view.displayed_image().shape == (MIN_BINS, 1)


def test_a_real_run(view):
    config = MODERN.replace(iterations=60, hidden_layers=(4,), activations=("tanh",))
    trainer = Trainer(config, prepare_table(generate("xor", samples=80), config))
    record = WeightHistory()
    record.record(trainer.state_snapshot())
    for snapshot in trainer.run(every_steps=7):
        record.record(snapshot)
    view.show_history(record)
    assert view.source.shape == (len(record), MIN_BINS)  # 2×4 weights
    assert np.all(view.source.sum(axis=1) == trainer.network.weights[0].size)
    assert view.steps[0] == 0 and view.steps[-1] == 60
