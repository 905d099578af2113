"""Weight heatmaps: images equal the weights, symmetric levels, biases, change, hover."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.trainer import Trainer
from nnstudio.gui.widgets.series import MAX_TICKS, NeuronAxis, nice_ceil
from nnstudio.gui.widgets.weight_heatmaps import WeightHeatmaps

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
CLASSES = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]


@pytest.fixture(scope="module")
def run(iris_table):
    config = MODERN.replace(epochs=20)
    data = prepare_table(iris_table, config)
    trainer = Trainer(config, data)
    start = (
        [w.copy() for w in trainer.network.weights],
        [b.copy() for b in trainer.network.biases],
    )
    snapshots = list(trainer.run(every_steps=10))
    return data, start, snapshots


@pytest.fixture
def heatmaps(qtbot, run):
    data, start, _ = run
    widget = WeightHeatmaps()
    qtbot.addWidget(widget)
    widget.set_architecture([(4, 12), (12, 6), (6, 3)], data.feature_names, data.class_names)
    widget.set_reference(*start)
    widget.resize(1300, 320)
    widget.show()
    return widget


def test_images_are_the_weights_with_symmetric_levels_and_bias_rows(qtbot, heatmaps, run):
    snapshot = run[2][len(run[2]) // 2]
    heatmaps.show_snapshot(snapshot)
    heatmaps.grab()
    images = heatmaps.images()
    assert [im.shape for im in images] == [(4, 12), (12, 6), (6, 3)]
    for i, (image, w, b) in enumerate(zip(images, snapshot.weights, snapshot.biases, strict=True)):
        np.testing.assert_array_equal(image, w)  # rows = inputs, columns = outputs
        np.testing.assert_array_equal(heatmaps.bias_images()[i], b.reshape(1, -1))
        limit = nice_ceil(max(np.abs(w).max(), np.abs(b).max()))
        assert heatmaps.levels()[i] == pytest.approx((-limit, limit))
    assert len({round(high, 9) for _, high in heatmaps.levels()}) > 1  # per-layer scales
    layer = heatmaps._layers[1]
    assert layer.left.tickStrings(*_ticks(layer.left))[-1] == "bias"


def _ticks(axis: NeuronAxis, size: float = 400):
    low, high = axis.range
    ((spacing, values),) = axis.tickValues(low, high, size)
    return values, 1.0, spacing


def test_axes_name_features_classes_and_hidden_neurons(qtbot, heatmaps, run):
    heatmaps.show_snapshot(run[2][-1])
    first, middle, last = heatmaps._layers
    assert first.left.tickStrings(*_ticks(first.left)) == [*FEATURES, "bias"]
    assert last.bottom.tickStrings(*_ticks(last.bottom)) == CLASSES
    assert middle.left.tickStrings(*_ticks(middle.left, 1000))[:3] == ["h1 #1", "h1 #2", "h1 #3"]
    assert middle.bottom.tickStrings(*_ticks(middle.bottom, 1000))[:2] == ["h2 #1", "h2 #2"]
    assert first.title.startswith("layer 1: input → h1")


def test_dense_axes_label_every_kth_neuron():
    axis = NeuronAxis("left")
    axis.set_names([f"pixel{i}" for i in range(784)])
    ((spacing, values),) = axis.tickValues(0, 784, 2000)  # room enough, but too many
    assert len(values) <= MAX_TICKS and spacing >= 784 / MAX_TICKS
    assert axis.tickStrings(values[:1], 1.0, spacing) == [f"pixel{int(spacing) - 1}"]
    ((_, few),) = axis.tickValues(0, 784, 150)  # little room: fewer still
    assert len(few) < len(values)


def test_shared_scale_uses_one_limit(qtbot, heatmaps, run):
    snapshot = run[2][-1]
    heatmaps.show_snapshot(snapshot)
    qtbot.mouseClick(heatmaps.shared_scale, Qt.LeftButton)
    limit = nice_ceil(max(np.abs(a).max() for a in (*snapshot.weights, *snapshot.biases)))
    assert heatmaps.levels() == [pytest.approx((-limit, limit))] * 3


def test_show_change_since_start_displays_the_difference(qtbot, heatmaps, run):
    _, (ref_w, ref_b), snapshots = run
    snapshot = snapshots[-1]
    heatmaps.show_snapshot(snapshot)
    box = heatmaps.findChild(type(heatmaps.change), "heatmaps_show_change")
    assert box.accessibleName() and box.toolTip()
    qtbot.mouseClick(box, Qt.LeftButton)
    for i, image in enumerate(heatmaps.images()):
        np.testing.assert_array_equal(image, snapshot.weights[i] - ref_w[i])
        np.testing.assert_array_equal(
            heatmaps.bias_images()[i], (snapshot.biases[i] - ref_b[i]).reshape(1, -1)
        )
        low, high = heatmaps.levels()[i]
        assert low == -high and high == pytest.approx(
            nice_ceil(max(np.abs(image).max(), np.abs(snapshot.biases[i] - ref_b[i]).max()))
        )
    text = heatmaps.describe_cell(0, 2, 3)
    change = snapshot.weights[0][2, 3] - ref_w[0][2, 3]
    assert f"changed by {change:+.4f}" in text
    qtbot.mouseClick(box, Qt.LeftButton)
    np.testing.assert_array_equal(heatmaps.images()[0], snapshot.weights[0])


def test_describe_cell_names_neurons_and_value(qtbot, heatmaps, run):
    snapshot = run[2][-1]
    heatmaps.show_snapshot(snapshot)
    w, b = snapshot.weights, snapshot.biases
    assert heatmaps.describe_cell(1, 2, 4) == f"layer 2: h1 #3 → h2 #5 = {w[1][2, 4]:.4f}"
    assert heatmaps.describe_cell(0, 3, 0) == f"layer 1: petal_width → h1 #1 = {w[0][3, 0]:.4f}"
    assert heatmaps.describe_cell(2, 6, 1) == f"layer 3: bias → Iris-versicolor = {b[2][1]:.4f}"


def _move_mouse(view, pos: QPointF) -> None:
    """Send a real mouse-move event to the view (QTest.mouseMove drops some offscreen)."""
    viewport = view.viewport()
    event = QMouseEvent(
        QEvent.MouseMove,
        pos,
        viewport.mapToGlobal(pos),
        Qt.NoButton,
        Qt.NoButton,
        Qt.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


def test_hovering_a_cell_shows_it_under_the_heatmaps(qtbot, heatmaps, run):
    snapshot = run[2][-1]
    heatmaps.show_snapshot(snapshot)
    heatmaps.grab()
    layer = heatmaps._layers[1]
    view = heatmaps.view
    for row, col, expected in [
        (2, 4, f"layer 2: h1 #3 → h2 #5 = {snapshot.weights[1][2, 4]:.4f}"),
        (12, 0, f"layer 2: bias → h2 #1 = {snapshot.biases[1][0]:.4f}"),
    ]:
        y = row + 0.5 if row < 12 else layer.bias_middle
        scene = layer.plot.getViewBox().mapViewToScene(QPointF(col + 0.5, y))
        _move_mouse(view, QPointF(view.mapFromScene(scene)))
        assert heatmaps.hover_label.text() == expected
    # Off the cells (on the colour bar): the hint comes back.
    bar = layer.colour_bar.sceneBoundingRect().center()
    _move_mouse(view, QPointF(view.mapFromScene(bar)))
    assert heatmaps.hover_label.text().startswith("Hover over a cell")


def test_new_weights_update_items_without_rebuilding(qtbot, heatmaps, run):
    snapshots = run[2]
    heatmaps.show_snapshot(snapshots[0])
    items = [(layer.plot, layer.image, layer.colour_bar) for layer in heatmaps._layers]
    heatmaps.show_snapshot(snapshots[-1])
    assert items == [(layer.plot, layer.image, layer.colour_bar) for layer in heatmaps._layers]
    np.testing.assert_array_equal(heatmaps.images()[2], snapshots[-1].weights[2])


def test_no_biases_hide_the_bias_row(qtbot, heatmaps):
    weights = [np.full((4, 12), 0.5), np.full((12, 6), -0.25), np.ones((6, 3))]
    heatmaps.show_weights(weights, None)
    assert heatmaps.bias_images() == [None, None, None]
    assert not heatmaps._layers[0].bias_image.isVisible()
    assert "bias" not in heatmaps._layers[0].left.tickStrings(*_ticks(heatmaps._layers[0].left))
    assert heatmaps.levels()[1] == pytest.approx((-0.25, 0.25))


def test_a_big_network_builds_and_unknown_shapes_get_generic_names(qtbot):
    widget = WeightHeatmaps()
    qtbot.addWidget(widget)
    rng = np.random.default_rng(0)
    sizes = [784, 256, 128, 10]
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.normal(size=b) for b in sizes[1:]]
    widget.show_weights(weights, biases)  # no set_architecture: builds from the shapes
    widget.resize(1000, 300)
    widget.show()
    widget.grab()
    assert [im.shape for im in widget.images()] == [(784, 256), (256, 128), (128, 10)]
    assert widget.describe_cell(0, 783, 255).startswith("layer 1: x784 → h1 #256 = ")
    assert widget.describe_cell(2, 0, 9).startswith("layer 3: h2 #1 → out #10 = ")


def test_same_architecture_keeps_items_and_a_single_layer_names_both_ends(qtbot, heatmaps, run):
    data, start, _ = run
    plots = [layer.plot for layer in heatmaps._layers]
    heatmaps.set_architecture([(4, 12), (12, 6), (6, 3)], data.feature_names, data.class_names)
    assert [layer.plot for layer in heatmaps._layers] == plots  # a reset rebuilds nothing
    heatmaps.set_architecture([(4, 3)], FEATURES, CLASSES)  # no hidden layer
    (only,) = heatmaps._layers
    assert only.title == "layer 1: input → output (4×3)"
    heatmaps.show_weights([start[0][0][:, :3]], [start[1][-1]])
    assert heatmaps.describe_cell(0, 0, 2).startswith("layer 1: sepal_length → Iris-virginica")


def test_colour_scales_move_in_round_steps_and_keep_every_weight_on_them(qtbot, heatmaps):
    heatmaps.set_architecture([(1, 2), (2, 1)])
    second = [np.array([[0.1], [0.2]])]
    levels = []
    for top in (0.41, 0.45, 0.5, 0.52, 0.37, 0.2):
        heatmaps.show_weights([np.array([[top, -top / 2]]), *second], None)
        levels.append(heatmaps.levels()[0][1])
    # 0.41 → 0.5, held while the largest weight stays within it; 0.52 → 0.6; held at
    # 0.37 (more than 0.6 of it); fitted again at 0.2 (less than 0.6 of the scale).
    assert levels == pytest.approx([0.5, 0.5, 0.5, 0.6, 0.6, 0.2])
    assert heatmaps.levels()[1] == pytest.approx((-0.2, 0.2))
    # One scale for all layers is fitted afresh when switched on, and off again.
    heatmaps.show_weights([np.array([[0.45, 0.0]]), *second], None)
    assert heatmaps.levels()[0][1] == pytest.approx(0.5)
    heatmaps.shared_scale.setChecked(True)
    assert heatmaps.levels() == [pytest.approx((-0.5, 0.5))] * 2
    heatmaps.shared_scale.setChecked(False)
    assert heatmaps.levels()[1] == pytest.approx((-0.2, 0.2))
