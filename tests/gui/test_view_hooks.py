"""Hooks the timeline and hand edits use: heatmap cell clicks and caption, the loss-plot
step marker, and the network editor's edge clicks, unit menu and switched-off units."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QLabel, QMenu

from nnstudio.core.trainer import Snapshot
from nnstudio.gui.widgets.loss_plot import LossPlot
from nnstudio.gui.widgets.network_editor import NetworkEditor
from nnstudio.gui.widgets.network_scene import HEAD, MAX_DRAWN
from nnstudio.gui.widgets.weight_heatmaps import WeightHeatmaps

# The offscreen platform warns about these whenever a top-level widget or popup is shown.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)

SHAPES = [(4, 12), (12, 6), (6, 3)]


def parameters(sizes, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:], strict=False)]
    return weights, [rng.normal(size=b) for b in sizes[1:]]


# -- weight heatmaps ----------------------------------------------------------------------------


@pytest.fixture
def heatmaps(qtbot):
    widget = WeightHeatmaps()
    qtbot.addWidget(widget)
    widget.set_architecture(SHAPES)
    widget.show_weights(*parameters((4, 12, 6, 3)))
    widget.resize(1200, 340)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def cell_point(heatmaps, layer, row, col) -> QPoint:
    """The viewport pixel at the centre of a cell (row ``fan_in`` is the bias row)."""
    item = heatmaps._layers[layer]
    y = item.bias_middle if row == item.shape[0] else row + 0.5
    scene = item.plot.getViewBox().mapViewToScene(QPointF(col + 0.5, y))
    return heatmaps.view.mapFromScene(scene)


@pytest.mark.parametrize("cell", [(0, 2, 7), (1, 11, 0), (2, 5, 2), (1, 12, 4)])
def test_a_click_on_a_heatmap_cell_emits_its_indices(qtbot, heatmaps, cell):
    viewport = heatmaps.view.viewport()
    with qtbot.waitSignal(heatmaps.cell_clicked) as blocker:
        qtbot.mouseClick(viewport, Qt.LeftButton, pos=cell_point(heatmaps, *cell))
    assert tuple(blocker.args) == cell  # (1, 12, 4): the bias row of layer 2


def test_only_a_left_click_on_one_cell_counts(qtbot, heatmaps):
    clicks = []
    heatmaps.cell_clicked.connect(lambda *cell: clicks.append(cell))
    viewport = heatmaps.view.viewport()
    qtbot.mouseClick(viewport, Qt.RightButton, pos=cell_point(heatmaps, 0, 1, 1))
    qtbot.mousePress(viewport, Qt.LeftButton, pos=cell_point(heatmaps, 0, 1, 1))
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=cell_point(heatmaps, 0, 3, 5))
    qtbot.mouseClick(viewport, Qt.LeftButton, pos=QPoint(2, 2))  # outside every plot
    assert clicks == []


def test_caption_shows_and_hides(qtbot, heatmaps):
    caption = heatmaps.findChild(QLabel, "heatmaps_caption")
    assert caption is not None and caption.accessibleName() and not caption.isVisible()
    heatmaps.set_caption("Step 1,200 (recorded)")
    assert caption.isVisible() and caption.text() == "Step 1,200 (recorded)"
    assert caption.geometry().bottom() <= heatmaps.view.geometry().top()  # above the maps
    heatmaps.set_caption(None)
    assert not caption.isVisible()


# -- loss plot ----------------------------------------------------------------------------------


def test_mark_step_draws_a_dashed_line_at_that_step(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    steps = np.arange(1, 501)
    plot.record_snapshot(
        Snapshot(
            step=500,
            total_steps=500,
            epoch=1.0,
            weights=(),
            biases=None,
            steps=steps,
            losses=1.0 / steps,
            gradient_norms=np.zeros(0),
            metrics=(),
            learning_rate=0.01,
            seconds=1.0,
            samples_per_second=1.0,
        )
    )
    plot.refresh()
    plot.resize(600, 400)
    plot.show()
    qtbot.waitExposed(plot)
    line = plot.step_marker
    assert not line.isVisible() and plot.marked_step() is None
    plot.mark_step(120)
    assert line.isVisible() and line.value() == 120 and plot.marked_step() == 120
    assert line.angle == 90 and not line.movable
    assert line.pen.style() == Qt.DashLine
    assert line in plot.plot_item.items
    view = plot.plot_item.getViewBox()
    x = view.mapViewToScene(QPointF(120, 0.5)).x()
    assert line.mapToScene(QPointF(0, 0)).x() == pytest.approx(x, abs=1.0)
    plot.mark_step(None)
    assert not line.isVisible() and plot.marked_step() is None
    plot.mark_step(300)
    plot.clear()  # a new run forgets the marker
    assert plot.marked_step() is None


# -- network editor -----------------------------------------------------------------------------


@pytest.fixture
def editor(qtbot):
    widget = NetworkEditor()
    qtbot.addWidget(widget)
    widget.set_io(("a", "b", "c", "d"), ("x", "y", "z"))
    widget.set_architecture((4, 20), ("tanh", "tanh"))  # the 20-unit layer is drawn collapsed
    widget.show_weights(*parameters((4, 4, 20, 3)))
    widget.resize(900, 450)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def edge_point(editor, gap, src, dst) -> QPoint:
    """A viewport pixel on edge ``src → dst`` of ``gap`` that is nearer it than any other edge."""
    scene, view = editor.scene, editor.view
    a = next(n for n in scene.columns[gap].nodes if n.index == src).centre
    b = next(n for n in scene.columns[gap + 1].nodes if n.index == dst).centre
    for t in np.linspace(0.3, 0.7, 41):
        point = view.mapFromScene(a + (b - a) * float(t))
        edge = scene.edge_at(view.mapToScene(point), 2.0 / view.scale_factor())
        if edge is not None and scene.edge_units(*edge) == (src, dst) and edge[0] == gap:
            return point
    raise AssertionError("no clear point on the edge")


def test_a_click_on_an_edge_emits_its_true_indices(qtbot, editor):
    assert 17 not in range(MAX_DRAWN) and 17 >= 20 - HEAD  # a unit after the ellipsis
    nodes = []
    editor.node_clicked.connect(lambda *n: nodes.append(n))
    for gap, src, dst in [(1, 1, 17), (0, 3, 2), (2, 18, 0)]:
        with qtbot.waitSignal(editor.edge_clicked) as blocker:
            qtbot.mouseClick(
                editor.view.viewport(), Qt.LeftButton, pos=edge_point(editor, gap, src, dst)
            )
        assert blocker.args == [gap, src, dst]
    assert nodes == []
    # Nodes still report themselves, not an edge.
    node = editor.scene.columns[2].nodes[-1]
    with qtbot.waitSignal(editor.node_clicked) as blocker:
        qtbot.mouseClick(
            editor.view.viewport(), Qt.LeftButton, pos=editor.view.mapFromScene(node.centre)
        )
    assert blocker.args == [2, 19]


def open_unit_menu(qtbot, editor, layer, unit) -> QMenu:
    node = next(n for n in editor.scene.columns[layer].nodes if n.index == unit)
    viewport = editor.view.viewport()
    point = editor.view.mapFromScene(node.centre)
    event = QContextMenuEvent(QContextMenuEvent.Mouse, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    menu = editor.findChild(QMenu, "unit_menu")
    qtbot.waitUntil(menu.isVisible)
    return menu


def test_unit_context_menu_requests_a_toggle(qtbot, editor):
    menu = open_unit_menu(qtbot, editor, 2, 16)
    action = editor.unit_toggle_action
    assert action.objectName() == "unit_toggle_action" and action in menu.actions()
    assert action.text() == "Switch off unit" and "h2 #17" in action.toolTip()
    with qtbot.waitSignal(editor.unit_toggle_requested) as blocker:
        action.trigger()
    assert blocker.args == [2, 16]
    menu.hide()
    mask = np.ones(20)
    mask[16] = 0
    editor.show_masks([None, mask])
    menu = open_unit_menu(qtbot, editor, 2, 16)
    assert editor.unit_toggle_action.text() == "Switch on unit"
    menu.hide()


def test_no_unit_menu_on_inputs_or_outputs(qtbot, editor):
    viewport = editor.view.viewport()
    for layer in (0, 3):
        point = editor.view.mapFromScene(editor.scene.columns[layer].nodes[0].centre)
        event = QContextMenuEvent(QContextMenuEvent.Mouse, point, viewport.mapToGlobal(point))
        QApplication.sendEvent(viewport, event)
        assert not editor.findChild(QMenu, "unit_menu").isVisible()


def test_show_masks_dims_switched_off_units(qtbot, editor):
    first = np.array([1.0, 0.0, 1.0, 1.0])
    second = np.ones(20)
    second[18] = 0
    editor.show_masks([first, second])
    scene = editor.scene
    off = scene.columns[1].nodes[1]
    on = scene.columns[1].nodes[0]
    assert off.opacity() < 0.5 and off.pen().style() == Qt.DashLine
    assert off.cross.isVisible() and on.opacity() == 1.0 and on.pen().style() == Qt.SolidLine
    assert getattr(on, "cross", None) is None
    tail = next(n for n in scene.columns[2].nodes if n.index == 18)
    assert tail.opacity() < 0.5 and tail.cross.isVisible()  # true index in a collapsed layer
    gap = scene.gaps[1]  # the switched-off unit's outgoing edges fade too
    faded = [item.opacity() < 1 for item in gap.items]
    assert faded == (gap.src == 1).tolist()
    assert scene.node_text(1, 1).endswith("· switched off")
    assert not scene.unit_enabled(1, 1) and scene.unit_enabled(1, 0)
    editor.show_weights(*parameters((4, 4, 20, 3), seed=1))  # new weights keep the look
    assert off.opacity() < 0.5
    editor.show_masks(None)
    assert off.opacity() == 1.0 and off.pen().style() == Qt.SolidLine
    assert not off.cross.isVisible() and all(item.opacity() == 1 for item in gap.items)


def test_masks_survive_a_rebuild_and_ignore_misfits(qtbot, editor):
    editor.show_masks([np.array([0.0, 1.0, 1.0, 1.0]), None])
    editor.set_io(("a", "b", "c", "e"), ("x", "y", "z"))  # rebuilds every item
    assert editor.scene.columns[1].nodes[0].opacity() < 0.5
    editor.set_architecture((5, 20), ("tanh", "tanh"))  # the mask no longer fits layer 1
    assert all(node.opacity() == 1.0 for node in editor.scene.columns[1].nodes)
