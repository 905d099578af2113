"""The network editor: drawing, the three ways to edit layers, and live weight colours."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QToolTip,
)

from nnstudio.core.activations import DESCRIPTIONS, HIDDEN_ACTIVATIONS
from nnstudio.gui.palette import weight_colour
from nnstudio.gui.widgets.network_editor import MAX_LAYERS, NetworkEditor, parse_layers
from nnstudio.gui.widgets.network_scene import LaneItem, NodeItem

# The offscreen platform warns about these whenever a top-level widget or tooltip is shown.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)

IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


@pytest.fixture
def editor(qtbot):
    widget = NetworkEditor()
    qtbot.addWidget(widget)
    widget.set_io(IRIS_FEATURES, IRIS_CLASSES)
    widget.set_architecture((12, 6), ("tanh", "tanh"))
    widget.resize(900, 450)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(editor):
    calls = []
    editor.architecture_changed.connect(lambda h, a: calls.append((h, a)))
    return calls


def child(editor, cls, name):
    found = editor.findChild(cls, name)
    assert found is not None, name
    return found


def edges(editor):
    return [gap.items for gap in editor.scene.gaps]


def edge_item(editor, gap, src, dst):
    g = editor.scene.gaps[gap]
    (k,) = np.flatnonzero((g.src == src) & (g.dst == dst))
    return g.items[k]


def lane_point(editor, layer):
    """A viewport point on a hidden layer's lane, above its nodes."""
    lane = editor.scene.lanes[layer]
    return editor.view.mapFromScene(QPointF(lane.rect().center().x(), lane.rect().top() + 5))


def test_draws_one_column_of_nodes_per_layer(editor):
    assert editor.drawn_layer_sizes() == [(4, 4), (12, 12), (6, 6), (3, 3)]
    nodes = [item for item in editor.scene.items() if isinstance(item, NodeItem)]
    assert len(nodes) == 4 + 12 + 6 + 3
    assert [len(items) for items in edges(editor)] == [4 * 12, 12 * 6, 6 * 3]
    assert child(editor, QLineEdit, "layers_text").text() == "12, 6"
    assert editor.architecture() == ((12, 6), ("tanh", "tanh"))


def test_wide_layers_and_many_inputs_are_drawn_collapsed(editor):
    features = [f"feature_{i}" for i in range(30)]
    editor.set_io(features, ["benign", "malignant"])
    editor.set_architecture((256, 1024), ("relu", "relu"))
    sizes = editor.drawn_layer_sizes()
    assert [true for _, true in sizes] == [30, 256, 1024, 2]
    assert all(drawn <= 13 for drawn, _ in sizes)
    assert sum(len(items) for items in edges(editor)) < 300
    # The ellipsis says how many units the layer really has; collapsed names are in a tooltip.
    texts = [item.text() for item in editor.scene.items() if hasattr(item, "text")]
    assert any("1024 units" in t for t in texts) and any("30 inputs" in t for t in texts)
    assert any("feature_12" in item.toolTip() for item in editor.scene.items() if item.toolTip())


def test_plus_and_minus_change_the_width_and_emit_once(qtbot, editor, emitted):
    with qtbot.waitSignal(editor.architecture_changed) as blocker:
        qtbot.mouseClick(child(editor, QToolButton, "layer_0_plus"), Qt.LeftButton)
    assert blocker.args == [(13, 6), ("tanh", "tanh")]
    qtbot.mouseClick(child(editor, QToolButton, "layer_1_minus"), Qt.LeftButton)
    assert emitted == [((13, 6), ("tanh", "tanh")), ((13, 5), ("tanh", "tanh"))]
    assert editor.layers_text.text() == "13, 5"
    assert editor.drawn_layer_sizes()[1:3] == [(10, 13), (5, 5)]  # 13 > 12: collapsed
    assert child(editor, QLabel, "layer_0_width").text() == "13"


def test_width_stays_within_one_and_1024(qtbot, editor, emitted):
    editor.set_architecture((1, 1024), ("tanh", "tanh"))
    minus = child(editor, QToolButton, "layer_0_minus")
    plus = child(editor, QToolButton, "layer_1_plus")
    assert not minus.isEnabled() and not plus.isEnabled()
    qtbot.mouseClick(minus, Qt.LeftButton)
    qtbot.mouseClick(plus, Qt.LeftButton)
    assert emitted == [] and editor.architecture()[0] == (1, 1024)


def test_add_and_remove_layers_from_the_toolbar(qtbot, editor, emitted):
    add = child(editor, QPushButton, "add_layer")
    remove = child(editor, QPushButton, "remove_layer")
    editor.set_architecture((12, 6), ("tanh", "relu"))
    qtbot.mouseClick(add, Qt.LeftButton)
    assert emitted[-1] == ((12, 6, 8), ("tanh", "relu", "relu"))
    assert editor.drawn_layer_sizes()[3] == (8, 8)
    qtbot.mouseClick(remove, Qt.LeftButton)  # nothing selected: the last layer goes
    assert emitted[-1] == ((12, 6), ("tanh", "relu"))
    qtbot.mouseClick(editor.view.viewport(), Qt.LeftButton, pos=lane_point(editor, 0))
    assert editor.selected_layer() == 0
    qtbot.mouseClick(remove, Qt.LeftButton)
    assert emitted[-1] == ((6,), ("relu",))
    qtbot.mouseClick(remove, Qt.LeftButton)
    assert emitted[-1] == ((), ())
    assert not remove.isEnabled()
    assert editor.drawn_layer_sizes() == [(4, 4), (3, 3)]
    qtbot.mouseClick(add, Qt.LeftButton)
    assert emitted[-1] == ((8,), ("tanh",))
    assert len(emitted) == 5


def test_add_is_disabled_at_the_layer_limit(qtbot, editor, emitted):
    add = child(editor, QPushButton, "add_layer")
    editor.set_architecture((4,) * (MAX_LAYERS - 1), ("relu",))
    assert add.isEnabled()
    qtbot.mouseClick(add, Qt.LeftButton)
    assert len(editor.architecture()[0]) == MAX_LAYERS
    assert not add.isEnabled()
    assert child(editor, QComboBox, f"layer_{MAX_LAYERS - 1}_activation").isVisible()


def test_each_layer_has_a_remove_control(qtbot, editor, emitted):
    editor.resize(1200, 600)
    qtbot.mouseClick(child(editor, QToolButton, "layer_0_remove"), Qt.LeftButton)
    assert emitted == [((6,), ("tanh",))]


def test_choosing_an_activation_emits_the_change(qtbot, editor, emitted):
    combo = child(editor, QComboBox, "layer_1_activation")
    names = [combo.itemData(i) for i in range(combo.count())]
    assert names == list(HIDDEN_ACTIVATIONS)
    assert combo.itemData(names.index("relu"), Qt.ToolTipRole) == DESCRIPTIONS["relu"]
    with qtbot.waitSignal(editor.architecture_changed) as blocker:
        combo.setCurrentIndex(names.index("relu"))
    assert blocker.args == [(12, 6), ("tanh", "relu")]
    assert DESCRIPTIONS["relu"] in combo.toolTip()
    assert len(emitted) == 1


def test_typed_layers_update_the_diagram(qtbot, editor, emitted):
    field = child(editor, QLineEdit, "layers_text")
    field.selectAll()
    qtbot.keyClicks(field, "16, 8, 4")
    assert emitted == []  # nothing happens before Enter
    qtbot.keyClick(field, Qt.Key_Return)
    assert emitted == [((16, 8, 4), ("tanh", "tanh", "tanh"))]
    assert editor.drawn_layer_sizes() == [(4, 4), (10, 16), (8, 8), (4, 4), (3, 3)]
    field.selectAll()
    qtbot.keyClicks(field, "none")
    qtbot.keyClick(field, Qt.Key_Return)
    assert emitted[-1] == ((), ())
    assert field.text() == ""


@pytest.mark.parametrize("text", ["12, x", "0", "12, 2000", "1 2 3 4 5 6 7 8 9", "-3"])
def test_invalid_text_shows_an_error_and_keeps_the_architecture(qtbot, editor, emitted, text):
    field = child(editor, QLineEdit, "layers_text")
    error = child(editor, QLabel, "layers_error")
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key_Return)
    assert emitted == []
    assert editor.architecture() == ((12, 6), ("tanh", "tanh"))
    assert field.property("error") is True
    assert error.isVisible() and "1 to 1024" in error.text()
    assert field.toolTip() == error.text()
    # Typing something valid clears the error state; Escape restores the current layers.
    field.selectAll()
    qtbot.keyClicks(field, "5")
    assert field.property("error") is False and not error.isVisible()
    qtbot.keyClick(field, Qt.Key_Escape)
    assert field.text() == "12, 6" and emitted == []


def test_parse_layers_explains_what_is_wrong():
    assert parse_layers(" [16, 8 4] ") == (16, 8, 4)
    assert parse_layers("None") == ()
    with pytest.raises(ValueError, match="'x' is not a whole number"):
        parse_layers("12, x")
    with pytest.raises(ValueError, match="0 units is out of range"):
        parse_layers("0")


def test_dragging_a_lane_changes_the_width_live_and_emits_on_release(qtbot, editor, emitted):
    viewport = editor.view.viewport()
    start = lane_point(editor, 1)
    qtbot.mousePress(viewport, Qt.LeftButton, pos=start)
    for dy in (8, 24, 40):  # upwards: wider, about one unit per 8 pixels
        qtbot.mouseMove(viewport, start - QPoint(0, dy))
    assert editor.architecture()[0] == (12, 11)  # drawn live...
    assert editor.drawn_layer_sizes()[2] == (11, 11)
    assert emitted == []  # ...but not announced during the drag
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=start - QPoint(0, 40))
    assert emitted == [((12, 11), ("tanh", "tanh"))]
    assert editor.layers_text.text() == "12, 11"
    assert editor.selected_layer() == 1
    # Dragging down narrows, never below one unit.
    start = lane_point(editor, 1)
    qtbot.mousePress(viewport, Qt.LeftButton, pos=start)
    qtbot.mouseMove(viewport, start + QPoint(0, 400))
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=start + QPoint(0, 400))
    assert emitted[-1] == ((12, 1), ("tanh", "tanh")) and len(emitted) == 2


def test_a_click_on_a_lane_selects_it_and_emits_nothing(qtbot, editor, emitted):
    viewport = editor.view.viewport()
    qtbot.mouseClick(viewport, Qt.LeftButton, pos=lane_point(editor, 0))
    assert emitted == [] and editor.selected_layer() == 0
    assert "layer 1 (the selected one)" in editor.remove_button.toolTip()
    qtbot.keyClick(editor.view, Qt.Key_Delete)  # Delete removes the selected layer
    assert emitted == [((6,), ("tanh",))] and editor.selected_layer() is None
    qtbot.mouseClick(viewport, Qt.LeftButton, pos=lane_point(editor, 0))
    qtbot.mouseClick(
        viewport,
        Qt.LeftButton,
        pos=viewport.rect().topLeft() + QPoint(3, 3),
    )
    assert editor.selected_layer() is None


def test_set_architecture_is_silent(qtbot, editor, emitted):
    editor.set_architecture((3, 3, 3), "relu")
    editor.set_io(["a", "b"], ["y"])
    assert emitted == []
    assert editor.architecture() == ((3, 3, 3), ("relu", "relu", "relu"))
    assert child(editor, QComboBox, "layer_2_activation").currentData() == "relu"
    editor.set_architecture((5,), ("elu",))
    assert child(editor, QComboBox, "layer_0_activation").currentData() == "elu"
    assert not child(editor, QComboBox, "layer_1_activation").isVisible()
    assert emitted == []


def random_parameters(sizes, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.normal(size=b) for b in sizes[1:]]
    return weights, biases


def is_red(colour):
    return colour.red() > colour.blue() + 40


def is_blue(colour):
    return colour.blue() > colour.red() + 40


def test_show_weights_colours_edges_by_sign_and_nodes_by_bias(editor):
    weights, biases = random_parameters((4, 12, 6, 3))
    weights[0][2, 3], weights[0][0, 0] = 9.0, -9.0  # the largest magnitudes: full colour
    biases[1][0], biases[1][1] = 6.0, -6.0
    editor.show_weights(weights, biases)
    positive = edge_item(editor, 0, 2, 3).pen()
    negative = edge_item(editor, 0, 0, 0).pen()
    assert is_red(positive.color()) and is_blue(negative.color())
    assert positive.color().rgb() == weight_colour(9.0, 9.0).rgb()
    assert negative.color().rgb() == weight_colour(-9.0, 9.0).rgb()
    assert positive.widthF() == negative.widthF() == 4.0
    weak = edge_item(editor, 1, 0, 0)
    weights[1][0, 0] = 0.0
    editor.show_weights(weights, biases)
    assert weak.pen().widthF() == 0.5
    layer2 = editor.scene.columns[2].nodes
    assert is_red(layer2[0].brush().color()) and is_blue(layer2[1].brush().color())
    assert layer2[0].brush().color().rgb() == weight_colour(6.0, 9.0).rgb()
    assert editor.legend_text.text() == "−9 … +9"
    editor.show_weights(None, None)
    neutral = edge_item(editor, 0, 2, 3).pen().color()
    assert not is_red(neutral) and not is_blue(neutral)
    assert layer2[0].brush().color().rgb() == weight_colour(0.0, 1.0).rgb()
    assert editor.scene.limit is None


def test_collapsed_layers_use_the_weights_of_drawn_units(editor):
    editor.set_architecture((256,), ("relu",))
    weights, biases = random_parameters((4, 256, 3))
    weights[1][253, 2] = 5.0  # a tail unit: drawn
    weights[1][100, 2] = -5.0  # in the ellipsis: not drawn
    editor.show_weights(weights, biases)
    assert is_red(edge_item(editor, 1, 253, 2).pen().color())
    assert not np.any(editor.scene.gaps[1].src == 100)


def test_show_weights_updates_items_without_rebuilding(editor):
    count = len(editor.scene.items())
    items = edges(editor)[0]
    for i in range(1000):
        editor.show_weights(*random_parameters((4, 12, 6, 3), seed=i % 7))
    assert len(editor.scene.items()) == count
    assert edges(editor)[0] is items


def test_weights_of_another_shape_show_the_neutral_look(editor):
    editor.show_weights(*random_parameters((4, 12, 6, 3)))
    editor.show_weights(*random_parameters((4, 5, 3)))
    assert editor.scene.limit is None
    assert "no weights" in editor.scene.edge_text(0, 0)


def test_tooltips_name_edges_and_nodes(editor):
    weights, biases = random_parameters((4, 12, 6, 3))
    weights[0][2, 2] = 0.4123
    biases[1][0] = -0.05
    editor.show_weights(weights, biases)
    gap = editor.scene.gaps[0]
    (k,) = np.flatnonzero((gap.src == 2) & (gap.dst == 2))
    assert editor.scene.edge_text(0, k) == "w[in 'petal_length' → h1 #3] = 0.412"
    assert editor.scene.node_text(2, 0) == "bias h2 #1 = -0.05 · tanh"
    node = editor.scene.columns[3].nodes[1]
    assert editor.scene.tooltip_at(node.centre, editor.view).startswith("bias out 'versicolor'")
    # Half-way along the edge, the tooltip names it.
    line = gap.items[k].line()
    middle = (line.p1() + line.p2()) / 2
    hit = editor.scene.edge_at(middle, 1.0)
    assert hit is not None and editor.scene.edge_text(*hit).startswith("w[")


def test_long_names_are_elided_with_the_full_name_in_a_tooltip(editor):
    long = "a_really_remarkably_long_feature_name_that_goes_on"
    editor.set_io([long, "b", "c", "d"], IRIS_CLASSES)
    label = editor.scene.labels[0]
    assert label.text().endswith("…") and len(label.text()) < len(long)
    assert long in label.toolTip()


@pytest.mark.parametrize("n_inputs", [4, 8, 12, 13, 30])
def test_input_labels_do_not_overlap(qtbot, editor, n_inputs):
    editor.set_io([f"measurement_{i}" for i in range(n_inputs)], IRIS_CLASSES)
    editor.resize(700, 350)
    qtbot.waitUntil(lambda: editor.view.viewport().width() < 700)
    view = editor.view
    boxes = sorted(
        (view.mapFromScene(label.pos()).y(), label.boundingRect().height())
        for label in editor.scene.labels
        if label.pos().x() < 0
    )
    for (y1, h1), (y2, h2) in zip(boxes, boxes[1:], strict=False):
        assert y2 - y1 >= (h1 + h2) / 2 - 1


def test_node_signals_report_layer_and_index(qtbot, editor):
    node = editor.scene.columns[2].nodes[3]
    point = editor.view.mapFromScene(node.centre)
    with qtbot.waitSignal(editor.node_clicked) as blocker:
        qtbot.mouseClick(editor.view.viewport(), Qt.LeftButton, pos=point)
    assert blocker.args == [2, 3]
    assert editor.selected_layer() == 1  # a hidden node selects its layer
    tail = editor.scene.columns[0].nodes[1]
    with qtbot.waitSignal(editor.node_hovered) as blocker:
        qtbot.mouseMove(editor.view.viewport(), editor.view.mapFromScene(tail.centre))
    assert blocker.args == [0, 1]


def test_controls_have_names_and_tooltips(editor):
    for name, accessible in [
        ("layer_0_plus", "Layer 1 wider"),
        ("layer_1_minus", "Layer 2 narrower"),
        ("layer_1_activation", "Layer 2 activation"),
        ("add_layer", "Add layer"),
        ("remove_layer", "Remove layer"),
        ("layers_text", "Hidden layer widths"),
    ]:
        widget = editor.findChild(object, name)
        assert widget.accessibleName() == accessible and widget.toolTip(), name
    assert editor.objectName() == "network_editor"
    assert all(isinstance(lane, LaneItem) and lane.toolTip() for lane in editor.scene.lanes)


@pytest.mark.parametrize("size", [(700, 350), (1200, 600)])
def test_the_diagram_fits_the_view(qtbot, editor, size):
    editor.set_io([f"f{i}" for i in range(30)], IRIS_CLASSES)
    editor.set_architecture((256, 64), ("relu", "relu"))
    editor.resize(*size)
    qtbot.waitUntil(lambda: editor.view.viewport().width() > size[0] - 30)
    visible = editor.view.mapToScene(editor.view.viewport().rect()).boundingRect()
    assert visible.contains(editor.scene.graph_rect())
    # The layer controls sit under their columns and do not overlap.
    controls = [editor.findChild(QComboBox, f"layer_{i}_activation").parentWidget() for i in (0, 1)]
    assert controls[0].geometry().right() < controls[1].geometry().left()
    for i, c in enumerate(controls):
        column_x = editor.view.mapFromScene(editor.scene.columns[i + 1].x, 0).x()
        assert abs(c.geometry().center().x() - column_x) <= 2


def test_hovering_shows_the_tooltip(qtbot, editor):
    weights, biases = random_parameters((4, 12, 6, 3))
    biases[1][0] = -0.05
    editor.show_weights(weights, biases)
    viewport = editor.view.viewport()
    point = editor.view.mapFromScene(editor.scene.columns[2].nodes[0].centre)
    event = QHelpEvent(QEvent.ToolTip, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(QToolTip.isVisible)
    assert QToolTip.text() == "bias h2 #1 = -0.05 · tanh"
    QToolTip.hideText()
