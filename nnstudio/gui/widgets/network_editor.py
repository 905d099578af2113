"""The drawn network editor: see the network, change its layers, watch its weights.

:class:`NetworkEditor` shows inputs, hidden layers and outputs as columns of
circles (drawn by :class:`~nnstudio.gui.widgets.network_scene.NetworkScene`).
A hidden layer changes width with its − / + buttons, by dragging its lane up or
down, or through the "Hidden layers" text field, which mirrors the diagram both
ways. Every user edit emits :attr:`NetworkEditor.architecture_changed` once;
programmatic changes (:meth:`NetworkEditor.set_architecture`) emit nothing.

Run ``python -m nnstudio.gui.widgets.network_editor [--wide]`` for a preview
that trains on iris (or breast_cancer with [256, 64] when ``--wide``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPixmap, QTransform
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QGraphicsView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.activations import DESCRIPTIONS, HIDDEN_ACTIVATIONS
from nnstudio.gui.palette import is_dark, weight_colour
from nnstudio.gui.widgets.network_scene import (
    MAX_COLUMN,
    MIN_COLUMN,
    LaneItem,
    NetworkScene,
    NodeItem,
)

MAX_WIDTH = 1024  # units per hidden layer the editor offers
MAX_LAYERS = 8  # hidden layers the editor offers
NEW_LAYER_WIDTH = 8
PIXELS_PER_UNIT = 8.0  # vertical drag distance for one unit
MAX_SCALE = 1.6  # small networks are not blown up beyond this zoom
ALLOWED = (
    f"Write hidden-layer widths separated by commas, e.g. 12, 6: whole numbers from 1 to "
    f"{MAX_WIDTH}, at most {MAX_LAYERS} layers; leave empty (or write none) for no hidden layer."
)


def parse_layers(text: str) -> tuple[int, ...]:
    """Hidden-layer widths from text such as ``"12, 6"``, ``"[16 8 4]"`` or ``"none"``.

    Raises
    ------
    ValueError
        With one sentence saying what is wrong and what is allowed.
    """
    body = text.strip().strip("[]()").strip()
    if body == "" or body.lower() == "none":
        return ()
    widths = []
    for part in (p for p in re.split(r"[,;\s]+", body) if p):
        if not re.fullmatch(r"\d+", part):
            raise ValueError(f"'{part}' is not a whole number. {ALLOWED}")
        width = int(part)
        if not 1 <= width <= MAX_WIDTH:
            raise ValueError(f"{width} units is out of range. {ALLOWED}")
        widths.append(width)
    if len(widths) > MAX_LAYERS:
        raise ValueError(f"{len(widths)} layers are too many. {ALLOWED}")
    return tuple(widths)


def _fit_activations(activations: Sequence[str], n: int) -> tuple[str, ...]:
    """One activation per layer: keep the given ones, new layers copy the last (or tanh)."""
    acts = list(activations) or ["tanh"]
    return tuple(acts[i] if i < len(acts) else acts[-1] for i in range(n))


class _NetworkView(QGraphicsView):
    """Fits the diagram to the widget and turns a vertical drag on a lane into a width."""

    fitted = Signal()
    drag_started = Signal(int)  # hidden layer index
    dragged = Signal(int, int)  # hidden layer index, units moved (up = positive)
    drag_finished = Signal()
    delete_pressed = Signal()
    background_clicked = Signal()
    edge_clicked = Signal(int, int, int)  # weight layer, true row, true column
    unit_menu_requested = Signal(int, int, QPoint)  # hidden layer (1-based), unit, global pos

    def __init__(self, scene: NetworkScene, parent: QWidget):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.BoundingRectViewportUpdate)
        self.setMouseTracking(True)
        self._drag: tuple[int, float] | None = None

    def fit(self) -> None:
        """Scale the graph to the viewport, keeping its aspect; names keep their pixel size.

        Like ``fitInView``, but the margins for names and titles are in pixels, and the
        distance between layers adapts to the viewport's shape so that a wide, short
        view spreads the layers out instead of shrinking everything.
        """
        scene: NetworkScene = self.scene()
        left, right, top = scene.label_margins()
        pad = 6.0
        room_w = self.viewport().width() - left - right - 2 * pad
        room_h = self.viewport().height() - top - 2 * pad
        rect = scene.graph_rect()
        scale = max(min(room_h / rect.height(), MAX_SCALE), 0.05)
        gaps = max(len(scene.columns) - 1, 1)
        spacing = (room_w / scale - (rect.width() - gaps * scene.column)) / gaps
        spacing = float(np.clip(spacing, MIN_COLUMN, MAX_COLUMN))
        if abs(spacing - scene.column) > 0.04 * scene.column:
            scene.set_column_spacing(round(spacing))
            rect = scene.graph_rect()
        scale = max(min(room_w / rect.width(), scale), 0.05)
        self.setTransform(QTransform.fromScale(scale, scale))
        self.setSceneRect(
            QRectF(
                rect.left() - (left + pad) / scale,
                rect.top() - (top + pad) / scale,
                rect.width() + (left + right + 2 * pad) / scale,
                rect.height() + (top + 2 * pad) / scale,
            )
        )
        self.centerOn(self.sceneRect().center())
        scene.fit_text(scale)
        self.fitted.emit()

    def scale_factor(self) -> float:
        return self.transform().m11()

    def resizeEvent(self, event):  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.fit()

    def _hit(self, pos) -> NodeItem | LaneItem | None:
        """The node or else the lane under ``pos`` (edges and names do not count)."""
        items = self.items(pos)
        nodes = [item for item in items if isinstance(item, NodeItem)]
        return (nodes or [item for item in items if isinstance(item, LaneItem)] or [None])[0]

    def mousePressEvent(self, event):  # noqa: N802 (Qt override)
        hit = self._hit(event.position().toPoint())
        if event.button() == Qt.LeftButton and isinstance(hit, LaneItem):
            self._drag = (hit.hidden_index, event.position().y())
            self.drag_started.emit(hit.hidden_index)
            event.accept()
            return
        if hit is None:
            scene: NetworkScene = self.scene()
            tolerance = 5.0 / max(self.scale_factor(), 1e-6)  # five pixels, as for tooltips
            edge = scene.edge_at(self.mapToScene(event.position().toPoint()), tolerance)
            if event.button() == Qt.LeftButton and edge is not None:
                self.edge_clicked.emit(edge[0], *scene.edge_units(*edge))
                event.accept()
                return
            self.background_clicked.emit()
        super().mousePressEvent(event)  # a node click goes on to the node

    def contextMenuEvent(self, event):  # noqa: N802 (Qt override)
        hit = self._hit(event.pos())
        if isinstance(hit, NodeItem) and 1 <= hit.layer <= len(self.scene().hidden):
            self.unit_menu_requested.emit(hit.layer, hit.index, event.globalPos())
            event.accept()
            return
        super().contextMenuEvent(event)

    def mouseMoveEvent(self, event):  # noqa: N802 (Qt override)
        if self._drag is not None:
            layer, y0 = self._drag
            self.dragged.emit(layer, round((y0 - event.position().y()) / PIXELS_PER_UNIT))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):  # noqa: N802 (Qt override)
        if self._drag is not None and event.button() == Qt.LeftButton:
            self._drag = None
            self.drag_finished.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event):  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key_Delete, Qt.Key_Backspace):
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


def _tool_button(parent: QWidget, text: str, name: str, accessible: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


class _LayerControls(QWidget):
    """Width, − / + / × and the activation picker under one hidden layer."""

    def __init__(self, index: int, parent: QWidget):
        super().__init__(parent)
        self.index = index
        n = index + 1
        self.minus = _tool_button(
            self,
            "−",
            f"layer_{index}_minus",
            f"Layer {n} narrower",
            f"One unit fewer in layer {n} (Shift: halve).",
        )
        self.plus = _tool_button(
            self,
            "+",
            f"layer_{index}_plus",
            f"Layer {n} wider",
            f"One unit more in layer {n} (Shift: double).",
        )
        self.remove = _tool_button(
            self, "×", f"layer_{index}_remove", f"Remove layer {n}", f"Remove hidden layer {n}."
        )
        self.width_label = QLabel(self)
        self.width_label.setObjectName(f"layer_{index}_width")
        self.width_label.setAccessibleName(f"Layer {n} width")
        self.width_label.setAlignment(Qt.AlignCenter)
        self.width_label.setToolTip(
            f"Units in layer {n}; drag the layer's lane up or down to change it."
        )
        self.activation = QComboBox(self)
        self.activation.setObjectName(f"layer_{index}_activation")
        self.activation.setAccessibleName(f"Layer {n} activation")
        self.activation.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.activation.setMinimumContentsLength(4)
        for k, name in enumerate(HIDDEN_ACTIVATIONS):
            self.activation.addItem(name, name)
            self.activation.setItemData(k, DESCRIPTIONS.get(name, ""), Qt.ToolTipRole)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(1)
        grid.addWidget(self.minus, 0, 0)
        grid.addWidget(self.width_label, 0, 1)
        grid.addWidget(self.plus, 0, 2)
        grid.addWidget(self.remove, 0, 3)
        grid.addWidget(self.activation, 1, 0, 1, 4)
        grid.setColumnStretch(1, 1)

    def show_layer(self, width: int, activation: str) -> None:
        self.width_label.setText(f"{width}")
        self.minus.setEnabled(width > 1)
        self.plus.setEnabled(width < MAX_WIDTH)
        self.activation.setCurrentIndex(self.activation.findData(activation))
        self.activation.setToolTip(
            f"Activation of layer {self.index + 1}: {DESCRIPTIONS.get(activation, activation)}"
        )


class NetworkEditor(QWidget):
    """The network diagram with its layer controls and a live view of the weights.

    Signals
    -------
    architecture_changed(object, object)
        ``(hidden_layers: tuple[int, ...], activations: tuple[str, ...])``, once per user edit.
    node_hovered(int, int), node_clicked(int, int)
        ``(layer, index)`` of a node; layer 0 is the inputs, ``index`` the true unit index.
    edge_clicked(int, int, int)
        ``(layer, row, col)`` of an edge clicked with the left button: weight
        ``W[layer][row, col]`` (0-based weight layer, true unit indices).
    unit_toggle_requested(int, int)
        ``(layer, unit)``: the user chose "Switch off/on unit" in a hidden node's
        context menu (``layer`` 1-based hidden layer, ``unit`` the true index).
    """

    architecture_changed = Signal(object, object)
    node_hovered = Signal(int, int)
    node_clicked = Signal(int, int)
    edge_clicked = Signal(int, int, int)
    unit_toggle_requested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("network_editor")
        self.setAccessibleName("Network editor")
        self._features: tuple[str, ...] = ("x1", "x2")
        self._outputs: tuple[str, ...] = ("y",)
        self._hidden: tuple[int, ...] = ()
        self._activations: tuple[str, ...] = ()
        self._selected: int | None = None
        self._drag_start: tuple | None = None
        self._updating = False  # True while the code (not the user) sets control values
        self._build()
        self._refresh()

    # -- construction ---------------------------------------------------------------------

    def _build(self) -> None:
        self.add_button = QPushButton("Add layer", self)
        self.add_button.setObjectName("add_layer")
        self.add_button.setAccessibleName("Add layer")
        self.add_button.setToolTip(f"Add a hidden layer of {NEW_LAYER_WIDTH} units at the end.")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button = QPushButton("Remove layer", self)
        self.remove_button.setObjectName("remove_layer")
        self.remove_button.setAccessibleName("Remove layer")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        caption = QLabel("Hidden layers:", self)
        self.layers_text = QLineEdit(self)
        self.layers_text.setObjectName("layers_text")
        self.layers_text.setAccessibleName("Hidden layer widths")
        self.layers_text.setPlaceholderText("none")
        self.layers_text.setToolTip(ALLOWED + " Press Enter to apply, Esc to undo the typing.")
        self.layers_text.setMaximumWidth(180)
        # Room for a few widths even when the toolbar is squeezed (it would scroll its text).
        sample = self.layers_text.fontMetrics().horizontalAdvance("128, 64, 32")
        self.layers_text.setMinimumWidth(sample + 16)
        self.layers_text.editingFinished.connect(self._on_text_editing_finished)
        self.layers_text.textEdited.connect(self._on_text_edited)
        self.layers_text.installEventFilter(self)
        caption.setBuddy(self.layers_text)
        self.legend_bar = QLabel(self)
        self.legend_bar.setObjectName("weight_legend")
        self.legend_text = QLabel(self)
        self.legend_text.setObjectName("weight_legend_text")
        self.legend_bar.setPixmap(self._gradient_pixmap(72, 10))
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        for w in (self.add_button, self.remove_button, caption, self.layers_text):
            toolbar.addWidget(w)
        toolbar.addStretch(1)
        legend_caption = QLabel("weight:", self)
        toolbar.addWidget(legend_caption)
        toolbar.addWidget(self.legend_bar)
        toolbar.addWidget(self.legend_text)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("layers_error")
        self.error_label.setAccessibleName("Hidden layer error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.scene = NetworkScene(self)
        self.scene.node_hovered.connect(self.node_hovered)
        self.scene.node_clicked.connect(self._on_node_clicked)
        self.view = _NetworkView(self.scene, self)
        self.view.setObjectName("network_view")
        self.view.setAccessibleName("Network diagram")
        self.view.fitted.connect(self._place_controls)
        self.view.drag_started.connect(self._on_drag_started)
        self.view.dragged.connect(self._on_dragged)
        self.view.drag_finished.connect(self._on_drag_finished)
        self.view.delete_pressed.connect(self._on_delete_pressed)
        self.view.background_clicked.connect(lambda: self.select_layer(None))
        self.view.edge_clicked.connect(self.edge_clicked)
        self.view.unit_menu_requested.connect(self._on_unit_menu_requested)
        # One context menu for hidden nodes, refilled for the node it is opened on.
        self.unit_menu = QMenu(self)
        self.unit_menu.setObjectName("unit_menu")
        self.unit_menu.setAccessibleName("Unit menu")
        self.unit_menu.setToolTipsVisible(True)
        self._menu_unit = (1, 0)
        self._unit_menu_header = self.unit_menu.addSection("")  # names the unit
        self.unit_toggle_action = self.unit_menu.addAction("Switch off unit")
        self.unit_toggle_action.setObjectName("unit_toggle_action")
        self.unit_toggle_action.triggered.connect(self._on_unit_toggle_triggered)
        self.strip = QWidget(self)
        self.strip.setBackgroundRole(self.view.viewport().backgroundRole())
        self.strip.setAutoFillBackground(True)
        self._controls: list[_LayerControls] = []
        probe = _LayerControls(0, self.strip)  # measures the strip's height, then serves layer 0
        self.strip.setFixedHeight(probe.sizeHint().height() + 6)
        self._adopt(probe)

        frame = QFrame(self)
        frame.setFrameShape(QFrame.StyledPanel)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(1, 1, 1, 1)
        inner.setSpacing(0)
        inner.addWidget(self.view, 1)
        inner.addWidget(self.strip)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)
        outer.addLayout(toolbar)
        outer.addWidget(self.error_label)
        outer.addWidget(frame, 1)

    def _adopt(self, controls: _LayerControls) -> None:
        i = controls.index
        controls.minus.clicked.connect(lambda: self._on_step_clicked(i, -1))
        controls.plus.clicked.connect(lambda: self._on_step_clicked(i, +1))
        controls.remove.clicked.connect(lambda: self._remove_layer(i))
        controls.activation.currentIndexChanged.connect(lambda k: self._on_activation_changed(i, k))
        controls.hide()
        self._controls.append(controls)

    def _gradient_pixmap(self, width: int, height: int) -> QPixmap:
        pixmap = QPixmap(width, height)
        painter = QPainter(pixmap)
        for x in range(width):
            painter.setPen(weight_colour(2.0 * x / (width - 1) - 1.0, 1.0))
            painter.drawLine(x, 0, x, height)
        painter.end()
        return pixmap

    # -- public API -------------------------------------------------------------------------

    def set_io(self, feature_names: Sequence[str], output_names: Sequence[str]) -> None:
        """Name the input nodes (features) and output nodes (classes, or the target)."""
        features, outputs = tuple(map(str, feature_names)), tuple(map(str, output_names))
        if (features, outputs) != (self._features, self._outputs):
            self._features, self._outputs = features, outputs
            self._refresh()

    def set_architecture(self, hidden_layers: Sequence[int], activations: Sequence[str]) -> None:
        """Show these hidden layers (programmatic: emits nothing)."""
        if isinstance(activations, str):
            activations = (activations,)
        hidden = tuple(int(w) for w in hidden_layers)
        acts = _fit_activations(activations, len(hidden))
        if (hidden, acts) != (self._hidden, self._activations):
            self._hidden, self._activations = hidden, acts
            self._refresh()

    def architecture(self) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """``(hidden_layers, activations)`` as shown."""
        return self._hidden, self._activations

    def show_weights(
        self, weights: Sequence[np.ndarray] | None, biases: Sequence[np.ndarray] | None
    ) -> None:
        """Colour edges by weight and nodes by bias (``None``: neutral). Cheap: pens only.

        ``weights[i]`` has shape ``(fan_in, fan_out)``; ``biases[i]`` shape ``(fan_out,)``.
        One symmetric colour scale covers every layer's weights and biases.
        """
        self.scene.show_weights(weights, biases)
        self._update_legend()

    def show_masks(self, masks: Sequence[np.ndarray | None] | None) -> None:
        """Draw switched-off hidden units dimmed and crossed out (None: all on).

        ``masks[i]`` holds one 1 (on) or 0 (off) per unit of hidden layer ``i + 1``.
        """
        self.scene.show_masks(masks)

    def prepare_unit_menu(self, layer: int, unit: int) -> QMenu:
        """The context menu of hidden unit ``unit`` of hidden layer ``layer`` (1-based)."""
        self._menu_unit = (layer, unit)
        name = self.scene.unit_name(layer, unit)
        on = self.scene.unit_enabled(layer, unit)
        self.unit_toggle_action.setText("Switch off unit" if on else "Switch on unit")
        self.unit_toggle_action.setToolTip(
            f"{name}: force its output to 0 while training and predicting."
            if on
            else f"{name}: let it compute again."
        )
        self.unit_menu.setTitle(name)
        self._unit_menu_header.setText(name)
        return self.unit_menu

    def drawn_layer_sizes(self) -> list[tuple[int, int]]:
        """``(drawn nodes, true width)`` per layer, inputs first, outputs last."""
        return self.scene.drawn_layer_sizes()

    def selected_layer(self) -> int | None:
        """The selected hidden layer (0-based), if any."""
        return self._selected

    def select_layer(self, index: int | None) -> None:
        """Select a hidden layer (0-based) or none; "Remove layer" removes the selection."""
        self._selected = index if index is not None and 0 <= index < len(self._hidden) else None
        self.scene.set_selected(self._selected)
        self._update_buttons()

    # -- refreshing -------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Redraw after a structural change; control values are set without feedback."""
        if self._selected is not None and self._selected >= len(self._hidden):
            self._selected = None
        self.scene.selected = self._selected
        self.scene.set_network(
            self._features,
            self._outputs,
            self._hidden,
            self._activations,
            self.palette(),
            self.font(),
        )
        self._updating = True
        try:
            while len(self._controls) < len(self._hidden):
                self._adopt(_LayerControls(len(self._controls), self.strip))
            for i, controls in enumerate(self._controls):
                if i < len(self._hidden):
                    controls.show_layer(self._hidden[i], self._activations[i])
                controls.setVisible(i < len(self._hidden))
        finally:
            self._updating = False
        self._show_text()
        self._update_buttons()
        self._update_legend()
        self.view.fit()

    def _show_text(self) -> None:
        """The current layers in the text field, without an error."""
        self.layers_text.setText(", ".join(map(str, self._hidden)))
        self._set_error(None)

    def _place_controls(self) -> None:
        """Centre each layer's controls under its column of the fitted diagram."""
        spacing = self.scene.column * self.view.scale_factor()
        width = int(max(50, min(128, spacing - 4)))
        for i, controls in enumerate(self._controls[: len(self._hidden)]):
            x = self.view.mapFromScene(QPointF(self.scene.columns[i + 1].x, 0)).x()
            controls.remove.setVisible(width >= 96)
            controls.setFixedWidth(width)
            controls.move(int(x + self.view.x() - self.strip.x() - width / 2), 3)

    def _update_buttons(self) -> None:
        n = len(self._hidden)
        self.add_button.setEnabled(n < MAX_LAYERS)
        self.remove_button.setEnabled(n > 0)
        if self._selected is not None:
            tip = f"Remove hidden layer {self._selected + 1} (the selected one)."
        else:
            tip = f"Remove hidden layer {n} (the last one)." if n else "There is no hidden layer."
        self.remove_button.setToolTip(tip)

    def _update_legend(self) -> None:
        limit = self.scene.limit
        if limit is None:
            text = "no weights yet"
            tip = "Train (or reset) to colour the edges by weight and the nodes by bias."
        else:
            text = f"−{limit:.3g} … +{limit:.3g}"
            tip = (
                "Edge colour and width show each weight (blue negative, red positive, "
                "thicker = larger |w|); node fill shows the bias. One scale for the whole "
                f"network: ±{limit:.3g} is the largest |weight| or |bias| over all layers."
            )
        if self.legend_text.text() != text:
            self.legend_text.setText(text)
            self.legend_text.setToolTip(tip)
            self.legend_bar.setToolTip(tip)

    def _set_error(self, message: str | None) -> None:
        field = self.layers_text
        field.setProperty("error", message is not None)
        if message is None:
            field.setStyleSheet("")
            field.setToolTip(ALLOWED + " Press Enter to apply, Esc to undo the typing.")
            self.error_label.hide()
            return
        red = weight_colour(0.55 if is_dark() else 1.0, 1.0).name()
        field.setStyleSheet(f"QLineEdit {{ border: 2px solid {red}; border-radius: 3px; }}")
        field.setToolTip(message)
        self.error_label.setStyleSheet(f"color: {red};")
        self.error_label.setText(message)
        self.error_label.show()

    # -- user edits -------------------------------------------------------------------------

    def _commit(self, hidden: Sequence[int], activations: Sequence[str]) -> None:
        """Apply a user edit and emit it (unless nothing changed)."""
        new = (tuple(hidden), _fit_activations(activations, len(hidden)))
        if new == self.architecture():
            self._show_text()  # e.g. "12,6" becomes "12, 6"
            return
        self._hidden, self._activations = new
        self._refresh()
        self.architecture_changed.emit(*new)

    def _on_step_clicked(self, i: int, direction: int) -> None:
        width = self._hidden[i]
        if QApplication.keyboardModifiers() & Qt.ShiftModifier:
            target = width * 2 if direction > 0 else width // 2
        else:
            target = width + direction
        hidden = list(self._hidden)
        hidden[i] = int(np.clip(target, 1, MAX_WIDTH))
        self._commit(hidden, self._activations)

    def _on_activation_changed(self, i: int, k: int) -> None:
        if self._updating or k < 0 or i >= len(self._hidden):
            return
        acts = list(self._activations)
        acts[i] = self._controls[i].activation.itemData(k)
        self._commit(self._hidden, acts)

    def _on_add_clicked(self) -> None:
        if len(self._hidden) >= MAX_LAYERS:
            return
        last = self._activations[-1] if self._activations else "tanh"
        self._commit((*self._hidden, NEW_LAYER_WIDTH), (*self._activations, last))

    def _on_remove_clicked(self) -> None:
        if self._hidden:
            self._remove_layer(self._selected if self._selected is not None else -1)

    def _on_delete_pressed(self) -> None:
        if self._selected is not None:
            self._remove_layer(self._selected)

    def _remove_layer(self, i: int) -> None:
        hidden, acts = list(self._hidden), list(self._activations)
        del hidden[i], acts[i]
        self._selected = None
        self._commit(hidden, acts)

    def _on_node_clicked(self, layer: int, index: int) -> None:
        if 1 <= layer <= len(self._hidden):
            self.select_layer(layer - 1)
        self.node_clicked.emit(layer, index)

    def _on_unit_menu_requested(self, layer: int, unit: int, pos: QPoint) -> None:
        self.prepare_unit_menu(layer, unit).popup(pos)

    def _on_unit_toggle_triggered(self) -> None:
        self.unit_toggle_requested.emit(*self._menu_unit)

    def _on_drag_started(self, i: int) -> None:
        self._drag_start = self.architecture()
        self.select_layer(i)

    def _on_dragged(self, i: int, units: int) -> None:
        if self._drag_start is None:
            return
        hidden = list(self._drag_start[0])
        width = int(np.clip(hidden[i] + units, 1, MAX_WIDTH))
        if width != self._hidden[i]:
            hidden[i] = width
            self._hidden = tuple(hidden)
            self._refresh()  # live drawing; the signal waits for the release

    def _on_drag_finished(self) -> None:
        start, self._drag_start = self._drag_start, None
        if start is not None and self.architecture() != start:
            self.architecture_changed.emit(*self.architecture())

    def _on_text_edited(self, text: str) -> None:
        if self.layers_text.property("error"):
            try:
                parse_layers(text)
            except ValueError:
                return
            self._set_error(None)

    def _on_text_editing_finished(self) -> None:
        try:
            hidden = parse_layers(self.layers_text.text())
        except ValueError as exc:
            self._set_error(str(exc))
            return
        self._commit(hidden, self._activations)

    def eventFilter(self, watched, event):  # noqa: N802 (Qt override)
        if (
            watched is self.layers_text
            and event.type() == QEvent.KeyPress
            and event.key() == Qt.Key_Escape
        ):
            self._show_text()  # back to the current architecture, error cleared
            return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event):  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() in (QEvent.PaletteChange, QEvent.FontChange) and hasattr(self, "scene"):
            self._refresh()


def _preview() -> int:  # pragma: no cover - manual preview
    """Train iris (or breast_cancer with ``--wide``) in small steps and show the weights."""
    import sys

    from PySide6.QtCore import QTimer
    from shiboken6 import delete

    from nnstudio.core.config import MODERN
    from nnstudio.core.data import load_table
    from nnstudio.core.dataset import prepare_table
    from nnstudio.core.samples import sample_path
    from nnstudio.core.trainer import Trainer

    app = QApplication.instance() or QApplication(sys.argv)
    wide = "--wide" in sys.argv
    table = load_table(sample_path("breast_cancer" if wide else "iris"))
    run = {"config": MODERN.replace(hidden_layers=(256, 64) if wide else (12, 6), epochs=300)}
    editor = NetworkEditor()
    editor.setWindowTitle("nnstudio · network editor preview")

    def rebuild(hidden=None, activations=None):
        if hidden is not None:  # an edit in the editor: a new network
            run["config"] = run["config"].replace(hidden_layers=hidden, activations=activations)
        data = prepare_table(table, run["config"])
        run["trainer"] = trainer = Trainer(run["config"], data)
        outputs = data.class_names if data.is_classification else (data.preprocessing.label_name,)
        editor.set_io(data.feature_names, outputs)
        editor.set_architecture(run["config"].hidden_layers, run["config"].activations)
        editor.show_weights(trainer.network.weights, trainer.network.biases)

    def tick():
        if not run["trainer"].is_finished:
            snapshots = list(run["trainer"].run(max_steps=3))
            editor.show_weights(snapshots[-1].weights, snapshots[-1].biases)

    editor.architecture_changed.connect(rebuild)
    rebuild()
    timer = QTimer(editor)
    timer.timeout.connect(tick)
    timer.start(33)
    editor.resize(1000, 520)
    editor.show()
    code = app.exec()
    delete(editor)  # before the QApplication goes
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
