"""The graphics scene behind :class:`~nnstudio.gui.widgets.network_editor.NetworkEditor`.

It draws a multilayer perceptron as columns of circles joined by straight edges.
Layers wider than :data:`MAX_DRAWN` units are drawn collapsed (the first
:data:`HEAD` and last :data:`TAIL` units around an ellipsis), so a 1024-wide
layer still costs a dozen circles. Text is drawn at a fixed pixel size
(``ItemIgnoresTransformations``) so it stays readable whatever the zoom.

Structure changes rebuild the scene; :meth:`NetworkScene.show_weights`, called
for every redraw while training, only swaps pens and brushes of existing items,
and only of those whose quantized colour or width changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainterPath,
    QPalette,
    QPen,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QToolTip,
)

from nnstudio.gui.palette import symmetric_limit, weight_colour

MAX_DRAWN = 12  # a layer with more units than this is drawn collapsed
HEAD, TAIL = 5, 5  # units drawn before and after the ellipsis (which takes two slots)
RADIUS = 10.0  # node radius, scene units
SLOT = 28.0  # vertical distance between nodes
COLUMN = 150.0  # horizontal distance between layers (the view adapts it to its shape)
MIN_COLUMN, MAX_COLUMN = 80.0, 200.0
LANE_HALF_WIDTH = 22.0
LANE_PAD = 16.0
LABEL_MAX_PX = 140  # longer feature and class names are elided
WIDTH_LEVELS = 15  # edge widths 0.5..4 px in this many steps
Z_LANE, Z_EDGE, Z_NODE, Z_TEXT = -10.0, 0.0, 10.0, 20.0


def drawn_units(width: int) -> list[int]:
    """The unit indices drawn for a layer of ``width`` units (all, or head and tail)."""
    if width <= MAX_DRAWN:
        return list(range(width))
    return [*range(HEAD), *range(width - TAIL, width)]


def _slots(width: int) -> list[float]:
    """Slot position (0-based, may be fractional) of each drawn unit."""
    if width <= MAX_DRAWN:
        return [float(i) for i in range(width)]
    return [*map(float, range(HEAD)), *(float(HEAD + 2 + i) for i in range(TAIL))]


def _n_slots(width: int) -> int:
    return min(width, MAX_DRAWN)


def _colour_indices(values: np.ndarray, limit: float) -> np.ndarray:
    """Index 0..255 into the weight palette, exactly as :func:`palette.weight_colour` picks it."""
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.clip(values / limit, -1.0, 1.0)
    index = np.rint((scaled + 1.0) * 127.5)
    return np.where(np.isfinite(values), index, 128).astype(np.int64)


def _width_levels(values: np.ndarray, limit: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.clip(np.abs(values) / limit, 0.0, 1.0)
    share = np.where(np.isfinite(share), share, 0.0)
    return np.rint(share * (WIDTH_LEVELS - 1)).astype(np.int64)


class NodeItem(QGraphicsEllipseItem):
    """One drawn unit; ``layer`` 0 is the inputs, ``index`` is the true unit index."""

    def __init__(self, layer: int, index: int, centre: QPointF, radius: float):
        super().__init__(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
        self.layer, self.index, self.centre = layer, index, centre
        self.setAcceptHoverEvents(True)
        self.setZValue(Z_NODE)

    def hoverEnterEvent(self, event):  # noqa: N802 (Qt override)
        self.scene().node_hovered.emit(self.layer, self.index)
        super().hoverEnterEvent(event)

    def mousePressEvent(self, event):  # noqa: N802 (Qt override)
        if event.button() == Qt.LeftButton:
            self.scene().node_clicked.emit(self.layer, self.index)
            event.accept()
        else:
            super().mousePressEvent(event)


class LaneItem(QGraphicsRectItem):
    """The box behind a hidden layer: the handle that is dragged to change its width."""

    def __init__(self, hidden_index: int, rect: QRectF):
        super().__init__(rect)
        self.hidden_index = hidden_index
        self.setZValue(Z_LANE)
        self.setCursor(Qt.SizeVerCursor)
        self.setToolTip(
            f"Layer {hidden_index + 1}: drag up to add units, down to remove them; "
            "click to select it."
        )


@dataclass
class _Column:
    """A drawn layer: its true width, the drawn nodes and their true indices."""

    x: float
    width: int
    units: np.ndarray
    nodes: list[NodeItem] = field(default_factory=list)
    brush_keys: np.ndarray | None = None


@dataclass
class _Gap:
    """The edges between column ``g`` and ``g + 1`` (weights ``W[g]``)."""

    src: np.ndarray  # true input-unit index of each edge
    dst: np.ndarray  # true output-unit index of each edge
    items: list[QGraphicsLineItem]
    keys: np.ndarray  # last applied colour/width key per edge, -1 = neutral


class NetworkScene(QGraphicsScene):
    """The network diagram. Build it with :meth:`set_network`, colour it with :meth:`show_weights`.

    Signals
    -------
    node_hovered(int, int)
        ``(layer, index)`` of the node under the mouse; layer 0 is the inputs.
    node_clicked(int, int)
        ``(layer, index)`` of a node clicked with the left button.
    """

    node_hovered = Signal(int, int)
    node_clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        # Items are few and pens change every frame: a BSP index would only cost time.
        self.setItemIndexMethod(QGraphicsScene.NoIndex)
        self.features: tuple[str, ...] = ()
        self.outputs: tuple[str, ...] = ()
        self.hidden: tuple[int, ...] = ()
        self.activations: tuple[str, ...] = ()
        self.columns: list[_Column] = []
        self.gaps: list[_Gap] = []
        self.lanes: list[LaneItem] = []
        self.labels: list[QGraphicsSimpleTextItem] = []  # input and output names
        self.titles: list[QGraphicsSimpleTextItem] = []
        self.column = COLUMN
        self._half_height = 0.0
        self._label_px: int | None = None
        self.weights: Sequence[np.ndarray] | None = None
        self.biases: Sequence[np.ndarray] | None = None
        self.limit: float | None = None  # the colour scale in use, None when neutral
        self.selected: int | None = None
        self.masks: Sequence[np.ndarray | None] | None = None  # per hidden layer, 1 on / 0 off
        self._dimmed = False  # whether any node or edge is drawn switched off
        self._palette = QPalette()
        self._font = QFont()
        self._pens: dict[int, QPen] = {}
        self._brushes: dict[int, QBrush] = {}
        self._segments = np.zeros((0, 4))
        self._segment_ids = np.zeros((0, 2), dtype=np.int64)

    # -- building -------------------------------------------------------------------------

    def set_network(
        self,
        features: Sequence[str],
        outputs: Sequence[str],
        hidden: Sequence[int],
        activations: Sequence[str],
        palette: QPalette,
        font: QFont,
    ) -> None:
        """Rebuild every item for this architecture, then re-apply the last weights."""
        self.features, self.outputs = tuple(features), tuple(outputs)
        self.hidden, self.activations = tuple(hidden), tuple(activations)
        self._palette, self._font = QPalette(palette), QFont(font)
        self._pens.clear()
        self._brushes.clear()
        self._build()

    def set_column_spacing(self, spacing: float) -> None:
        """Lay the layers out ``spacing`` scene units apart (rebuilds the items)."""
        if spacing != self.column:
            self.column = spacing
            self._build()

    def _build(self) -> None:
        self.clear()  # deletes the items; drop every Python reference to them too
        self.columns, self.gaps, self.lanes, self.labels, self.titles = [], [], [], [], []
        self._label_px = None
        widths = [len(self.features), *self.hidden, len(self.outputs)]
        rows = max((_n_slots(w) for w in widths), default=1)
        self._half_height = (max(rows, 1) - 1) * SLOT / 2
        for c, width in enumerate(widths):
            self._add_column(c, width)
        self._segment_parts, self._id_parts = [np.zeros((0, 4))], [np.zeros((0, 2))]
        for g in range(len(widths) - 1):
            self._add_gap(g)
        # Every edge's end points, for finding the edge under the mouse with one NumPy pass.
        self._segments = np.vstack(self._segment_parts)
        self._segment_ids = np.vstack(self._id_parts).astype(np.int64)
        self._add_titles()
        self.setSceneRect(self.graph_rect())
        self.set_selected(self.selected)
        self._apply(force=True)
        self._dimmed = False  # the items are new
        self._apply_masks()

    def _node_y(self, width: int, slot: float) -> float:
        return (slot - (_n_slots(width) - 1) / 2) * SLOT

    def _add_column(self, c: int, width: int) -> None:
        x = c * self.column
        column = _Column(x, width, np.array(drawn_units(width), dtype=np.int64))
        outline = QPen(self._faded(self._palette.color(QPalette.Text), 170), 1.0)
        outline.setCosmetic(True)
        last = len(self.hidden) + 1
        for index, slot in zip(column.units.tolist(), _slots(width), strict=True):
            node = NodeItem(c, index, QPointF(x, self._node_y(width, slot)), RADIUS)
            node.setPen(outline)
            self.addItem(node)
            column.nodes.append(node)
            if c == 0:
                self._add_name(
                    self.features[index],
                    f"Input feature '{self.features[index]}'.",
                    QPointF(x - RADIUS - 5, node.centre.y()),
                    "right",
                )
            elif c == last:
                self._add_name(
                    self.outputs[index],
                    f"Output '{self.outputs[index]}'.",
                    QPointF(x + RADIUS + 5, node.centre.y()),
                    "left",
                )
        if width > MAX_DRAWN:
            self._add_ellipsis(c, width, QPointF(x, self._node_y(width, HEAD + 0.5)))
        if 0 < c < last:
            top, bottom = -self._half_height - RADIUS - LANE_PAD, self._half_height + RADIUS
            rect = QRectF(x - LANE_HALF_WIDTH, top, 2 * LANE_HALF_WIDTH, bottom + LANE_PAD - top)
            lane = LaneItem(c - 1, rect)
            self.addItem(lane)
            self.lanes.append(lane)
        self.columns.append(column)

    def _add_gap(self, g: int) -> None:
        a, b = self.columns[g], self.columns[g + 1]
        src = np.repeat(a.units, len(b.units))
        dst = np.tile(b.units, len(a.units))
        pen = self._neutral_pen()
        items = []
        segments = []
        for na in a.nodes:
            for nb in b.nodes:
                line = QGraphicsLineItem(
                    na.centre.x() + RADIUS, na.centre.y(), nb.centre.x() - RADIUS, nb.centre.y()
                )
                line.setPen(pen)
                line.setZValue(Z_EDGE)
                line.setAcceptedMouseButtons(Qt.NoButton)
                self.addItem(line)
                items.append(line)
                segments.append((na.centre.x(), na.centre.y(), nb.centre.x(), nb.centre.y()))
        self.gaps.append(_Gap(src, dst, items, np.full(len(items), -1, dtype=np.int64)))
        self._segment_parts.append(np.array(segments, dtype=float).reshape(-1, 4))
        self._id_parts.append(np.column_stack([np.full(len(items), g), np.arange(len(items))]))

    def _add_titles(self) -> None:
        y = -self._half_height - RADIUS - LANE_PAD
        last = len(self.columns) - 1
        for c, column in enumerate(self.columns):
            if c == 0:
                title, tip = "Inputs", f"{column.width} input features."
            elif c == last:
                title = "Outputs" if column.width > 1 else "Output"
                tip = f"{column.width} network output{'s' if column.width > 1 else ''}."
            else:
                title = f"Layer {c}"
                tip = f"Hidden layer {c}: {column.width} units, {self.activations[c - 1]}."
            item = self._text(title, tip, QPointF(column.x, y), "center", valign="bottom")
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            _place(item, "center", "bottom")
            self.titles.append(item)

    def _add_name(self, name: str, tip: str, anchor: QPointF, align: str) -> None:
        shown = QFontMetrics(self._font).elidedText(name, Qt.ElideRight, LABEL_MAX_PX)
        item = self._text(shown, tip, anchor, align)
        item.full_text = name
        self.labels.append(item)

    def _add_ellipsis(self, c: int, width: int, centre: QPointF) -> None:
        last = len(self.hidden) + 1
        noun = "inputs" if c == 0 else "outputs" if c == last else "units"
        if c == 0:
            names = self.features[HEAD : width - TAIL]
            shown = ", ".join(names[:20]) + (", …" if len(names) > 20 else "")
            tip = f"{len(names)} more inputs, not drawn: {shown}."
        else:
            tip = (
                f"{width} {noun}; {noun} {HEAD + 1} to {width - TAIL} are not drawn, "
                "and edges are drawn for the drawn ones only."
            )
        dots = self._text("⋮", tip, centre, "center", valign="bottom")
        caption = f"{width} {noun}"
        if c in (0, last):
            # Beside the column, where the names of the drawn inputs/outputs are.
            side = QPointF(centre.x() + (-RADIUS - 5 if c == 0 else RADIUS + 5), centre.y())
            self._add_name(caption, tip, side, "right" if c == 0 else "left")
            dots.setPos(centre.x(), centre.y() + dots.boundingRect().height() / 2)
            return
        text = self._text(caption, tip, centre, "center", valign="top")
        rect = text.boundingRect().united(dots.boundingRect())
        pill = QGraphicsPathItem()
        path = QPainterPath()
        height = text.boundingRect().height() + dots.boundingRect().height()
        path.addRoundedRect(
            QRectF(-rect.width() / 2 - 4, -height / 2, rect.width() + 8, height), 5, 5
        )
        pill.setPath(path)
        pill.setBrush(self._palette.color(QPalette.Base))
        pill.setPen(QPen(self._faded(self._palette.color(QPalette.Text), 60), 1))
        pill.setFlag(QGraphicsItem.ItemIgnoresTransformations)
        pill.setZValue(Z_TEXT - 1)
        pill.setToolTip(tip)
        pill.setPos(centre)
        self.addItem(pill)

    def _text(
        self, text: str, tip: str, anchor: QPointF, align: str, valign: str = "center"
    ) -> QGraphicsSimpleTextItem:
        """A text of fixed pixel size anchored at ``anchor`` (``align`` says which side)."""
        item = QGraphicsSimpleTextItem(text)
        item.setFont(QFont(self._font))
        item.setBrush(self._palette.color(QPalette.Text))
        item.setFlag(QGraphicsItem.ItemIgnoresTransformations)
        item.setZValue(Z_TEXT)
        item.setToolTip(tip)
        item.setPos(anchor)
        _place(item, align, valign)
        self.addItem(item)
        return item

    def fit_text(self, scale: float) -> None:
        """Shrink names that would overlap at this zoom; shorten titles in narrow columns."""
        room = SLOT * scale
        pixels = 0 if room >= QFontMetrics(self._font).height() else max(7, int(room * 0.8))
        if pixels != self._label_px:
            self._label_px = pixels
            font = QFont(self._font)
            if pixels:
                font.setPixelSize(pixels)
            metrics = QFontMetrics(font)
            for item in self.labels:
                item.setFont(font)
                item.setText(metrics.elidedText(item.full_text, Qt.ElideRight, LABEL_MAX_PX))
                _place(item, item.align, "center")
        compact = self.column * scale < 64
        for c, item in enumerate(self.titles[1:-1], start=1):
            item.setText(f"h{c}" if compact else f"Layer {c}")
            _place(item, "center", "bottom")

    # -- geometry for the view ---------------------------------------------------------------

    def graph_rect(self) -> QRectF:
        """Nodes and lanes in scene units (text around them is sized in pixels)."""
        right = (len(self.columns) - 1) * self.column if self.columns else 0.0
        top = -self._half_height - RADIUS - LANE_PAD if self.columns else -RADIUS
        height = 2 * (self._half_height + RADIUS) + 2 * LANE_PAD if self.columns else 2 * RADIUS
        return QRectF(-RADIUS - 2, top, right + 2 * RADIUS + 4, height)

    def label_margins(self) -> tuple[float, float, float]:
        """Pixels needed left (input names), right (output names) and above (titles)."""
        metrics = QFontMetrics(self._font)
        widths = {"right": [0], "left": [0]}  # names right-aligned sit left of the graph
        for item in self.labels:
            shown = metrics.elidedText(item.full_text, Qt.ElideRight, LABEL_MAX_PX)
            widths[item.align].append(metrics.horizontalAdvance(shown))
        return max(widths["right"]) + 8.0, max(widths["left"]) + 8.0, metrics.height() + 6.0

    def drawn_layer_sizes(self) -> list[tuple[int, int]]:
        """``(drawn nodes, true width)`` of each layer, inputs first."""
        return [(len(c.nodes), c.width) for c in self.columns]

    def set_selected(self, hidden_index: int | None) -> None:
        """Highlight one hidden layer's lane (or none); changes pens only."""
        self.selected = hidden_index
        text, highlight = (
            self._palette.color(QPalette.Text),
            self._palette.color(QPalette.Highlight),
        )
        for lane in self.lanes:
            chosen = lane.hidden_index == hidden_index
            pen = QPen(highlight if chosen else self._faded(text, 45), 2.0 if chosen else 1.0)
            pen.setCosmetic(True)
            lane.setPen(pen)
            lane.setBrush(self._faded(highlight if chosen else text, 28 if chosen else 12))

    # -- weights -----------------------------------------------------------------------------

    def show_weights(
        self, weights: Sequence[np.ndarray] | None, biases: Sequence[np.ndarray] | None
    ) -> None:
        """Colour edges by weight and nodes by bias; ``None`` returns to the neutral look.

        ``weights[i]`` has shape ``(fan_in, fan_out)``, ``biases[i]`` shape ``(fan_out,)``.
        Weights that do not fit the drawn architecture are ignored (neutral look).
        """
        self.weights, self.biases = weights, biases
        self._apply()

    def _matching(self):
        widths = [c.width for c in self.columns]
        w, b = self.weights, self.biases
        expected = [(widths[i], widths[i + 1]) for i in range(len(widths) - 1)]
        if w is None or len(w) != len(expected):
            return None, None
        if any(np.shape(m) != shape for m, shape in zip(w, expected, strict=True)):
            return None, None
        if b is None or len(b) != len(expected):
            return w, None
        if any(np.shape(v) != (shape[1],) for v, shape in zip(b, expected, strict=True)):
            return w, None
        return w, b

    def _apply(self, force: bool = False) -> None:
        weights, biases = self._matching()
        if weights is None:
            self.limit = None
            self._set_neutral(force)
            return
        self.limit = symmetric_limit(*weights, *(biases or ()))
        for g, gap in enumerate(self.gaps):
            values = np.asarray(weights[g])[gap.src, gap.dst]
            levels = _width_levels(values, self.limit)
            keys = _colour_indices(values, self.limit) * WIDTH_LEVELS + levels
            items = gap.items
            for k in np.flatnonzero(keys != gap.keys).tolist():
                key = int(keys[k])
                items[k].setPen(self._pen(key))
                items[k].setZValue(Z_EDGE + 0.01 * (key % WIDTH_LEVELS))  # strong edges on top
            gap.keys = keys
        for c, column in enumerate(self.columns[1:], start=1):
            if biases is None:
                keys = np.full(len(column.nodes), 128, dtype=np.int64)
            else:
                keys = _colour_indices(np.asarray(biases[c - 1])[column.units], self.limit)
            self._set_brushes(column, keys)
        self._set_brushes(self.columns[0], np.full(len(self.columns[0].nodes), 128), force)

    def _set_neutral(self, force: bool) -> None:
        pen = self._neutral_pen()
        for gap in self.gaps:
            if force or (gap.keys != -1).any():
                for item in gap.items:
                    item.setPen(pen)
                    item.setZValue(Z_EDGE)
                gap.keys[:] = -1
        for column in self.columns:
            self._set_brushes(column, np.full(len(column.nodes), 128, dtype=np.int64), force)

    def _set_brushes(self, column: _Column, keys: np.ndarray, force: bool = False) -> None:
        old = column.brush_keys
        changed = range(len(keys)) if force or old is None else np.flatnonzero(keys != old).tolist()
        for k in changed:
            column.nodes[k].setBrush(self._brush(int(keys[k])))
        column.brush_keys = keys

    def _pen(self, key: int) -> QPen:
        pen = self._pens.get(key)
        if pen is None:
            index, level = divmod(key, WIDTH_LEVELS)
            # Ask the shared palette for the colour of the value at the centre of bin ``index``.
            share = level / (WIDTH_LEVELS - 1)
            # Weak weights fade out: the palette's near-zero grey would glare on a dark theme.
            colour = self._faded(weight_colour(index / 127.5 - 1.0, 1.0), int(50 + 205 * share))
            pen = QPen(colour, 0.5 + 3.5 * share)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.FlatCap)  # round caps cost twice the paint time
            self._pens[key] = pen
        return pen

    def _brush(self, index: int) -> QBrush:
        brush = self._brushes.get(index)
        if brush is None:
            brush = self._brushes[index] = QBrush(weight_colour(index / 127.5 - 1.0, 1.0))
        return brush

    def _neutral_pen(self) -> QPen:
        pen = QPen(self._faded(self._palette.color(QPalette.Text), 70), 1.0)
        pen.setCosmetic(True)
        return pen

    def _faded(self, colour: QColor, alpha: int) -> QColor:
        """``colour`` at opacity ``alpha`` over the background, as an opaque colour.

        The raster engine draws antialiased translucent lines several times slower than
        opaque ones, so translucency is mixed in here once instead of at every paint.
        """
        back = self._palette.color(QPalette.Base)
        a = alpha / 255.0
        return QColor.fromRgbF(
            colour.redF() * a + back.redF() * (1 - a),
            colour.greenF() * a + back.greenF() * (1 - a),
            colour.blueF() * a + back.blueF() * (1 - a),
        )

    # -- switched-off units ------------------------------------------------------------------

    def show_masks(self, masks: Sequence[np.ndarray | None] | None) -> None:
        """Draw switched-off hidden units dimmed, dashed and crossed out.

        ``masks[i]`` has one 1 (on) or 0 (off) per unit of hidden layer ``i + 1``
        (shape ``(units,)``), or is None when every unit of that layer is on.
        """
        self.masks = masks
        self._apply_masks()

    def unit_enabled(self, layer: int, index: int) -> bool:
        """Whether unit ``index`` of column ``layer`` is on (inputs and outputs always are)."""
        mask = self._mask(layer)
        return mask is None or bool(mask[index] != 0)

    def _mask(self, layer: int) -> np.ndarray | None:
        """The mask of hidden column ``layer`` if it fits the drawn width, else None."""
        masks = self.masks
        if masks is None or not 1 <= layer <= len(self.hidden) or layer > len(masks):
            return None
        mask = masks[layer - 1]
        if mask is None or np.shape(mask) != (self.hidden[layer - 1],):
            return None
        return np.asarray(mask)

    def _apply_masks(self) -> None:
        if not self._dimmed and all(self._mask(c) is None for c in range(1, len(self.hidden) + 1)):
            return  # nothing switched off, nothing to undo: the usual case costs nothing
        self._dimmed = False
        for c, column in enumerate(self.columns[1:-1], start=1):
            mask = self._mask(c)
            off = np.zeros(len(column.nodes), bool) if mask is None else mask[column.units] == 0
            for node, is_off in zip(column.nodes, off.tolist(), strict=True):
                self._dim_node(node, is_off)
            gap = self.gaps[c]  # the unit's outgoing edges carry nothing while it is off
            edge_off = np.isin(gap.src, column.units[off])
            for item, is_off in zip(gap.items, edge_off.tolist(), strict=True):
                item.setOpacity(0.25 if is_off else 1.0)
            self._dimmed |= bool(off.any())

    def _dim_node(self, node: NodeItem, off: bool) -> None:
        pen = node.pen()
        pen.setStyle(Qt.DashLine if off else Qt.SolidLine)
        node.setPen(pen)
        node.setOpacity(0.35 if off else 1.0)
        cross = getattr(node, "cross", None)
        if off and cross is None:
            c, r = node.centre, RADIUS * 0.6
            path = QPainterPath(QPointF(c.x() - r, c.y() - r))
            path.lineTo(c.x() + r, c.y() + r)
            path.moveTo(c.x() + r, c.y() - r)
            path.lineTo(c.x() - r, c.y() + r)
            cross = node.cross = QGraphicsPathItem(path, node)
            cross_pen = QPen(self._palette.color(QPalette.Text), 1.5)
            cross_pen.setCosmetic(True)
            cross.setPen(cross_pen)
            cross.setFlag(QGraphicsItem.ItemIgnoresParentOpacity)  # a crisp cross
            cross.setAcceptedMouseButtons(Qt.NoButton)
        if cross is not None:
            cross.setVisible(off)

    # -- tooltips ----------------------------------------------------------------------------

    def unit_name(self, layer: int, index: int) -> str:
        """How tooltips name a unit: ``in 'petal_length'``, ``h1 #3``, ``out 'setosa'``."""
        if layer == 0:
            return f"in '{self.features[index]}'"
        if layer == len(self.hidden) + 1:
            return f"out '{self.outputs[index]}'"
        return f"h{layer} #{index + 1}"

    def edge_text(self, gap: int, k: int) -> str:
        """Tooltip of edge ``k`` of gap ``gap``: ``w[in 'a' → h1 #3] = 0.412``."""
        g = self.gaps[gap]
        src, dst = int(g.src[k]), int(g.dst[k])
        name = f"w[{self.unit_name(gap, src)} → {self.unit_name(gap + 1, dst)}]"
        weights, _ = self._matching()
        if weights is None:
            return f"{name}: no weights to show yet"
        return f"{name} = {float(weights[gap][src, dst]):.3g}"

    def node_text(self, layer: int, index: int) -> str:
        """Tooltip of a node: the input's feature, or the unit's bias (and activation)."""
        if layer == 0:
            return f"input '{self.features[index]}' (feature {index + 1} of {len(self.features)})"
        name = self.unit_name(layer, index)
        _, biases = self._matching()
        suffix = f" · {self.activations[layer - 1]}" if layer <= len(self.hidden) else ""
        if not self.unit_enabled(layer, index):
            suffix += " · switched off"
        if biases is None:
            return f"{name}{suffix} (no bias to show)"
        return f"bias {name} = {float(biases[layer - 1][index]):.3g}{suffix}"

    def edge_at(self, pos: QPointF, tolerance: float) -> tuple[int, int] | None:
        """``(gap, k)`` of the edge nearest ``pos`` within ``tolerance`` scene units."""
        if not len(self._segments):
            return None
        x1, y1, x2, y2 = self._segments.T
        dx, dy = x2 - x1, y2 - y1
        t = np.clip(((pos.x() - x1) * dx + (pos.y() - y1) * dy) / (dx * dx + dy * dy), 0, 1)
        distance = np.hypot(x1 + t * dx - pos.x(), y1 + t * dy - pos.y())
        best = int(np.argmin(distance))
        if distance[best] > tolerance:
            return None
        return int(self._segment_ids[best, 0]), int(self._segment_ids[best, 1])

    def edge_units(self, gap: int, k: int) -> tuple[int, int]:
        """True ``(row, col)`` in ``W[gap]`` of edge ``k`` of gap ``gap`` (from :meth:`edge_at`)."""
        g = self.gaps[gap]
        return int(g.src[k]), int(g.dst[k])

    def tooltip_at(self, pos: QPointF, view: QGraphicsView) -> str:
        """What the tooltip says at scene position ``pos`` seen through ``view``."""
        items = view.items(view.mapFromScene(pos))
        for item in items:
            if isinstance(item, NodeItem):
                return self.node_text(item.layer, item.index)
        for item in items:
            if item.toolTip() and not isinstance(item, LaneItem):
                return item.toolTip()
        edge = self.edge_at(pos, 5.0 / max(view.transform().m11(), 1e-6))
        if edge is not None:
            return self.edge_text(*edge)
        return next((item.toolTip() for item in items if item.toolTip()), "")

    def helpEvent(self, event):  # noqa: N802 (Qt override)
        view = event.widget().parent() if event.widget() is not None else None
        if not isinstance(view, QGraphicsView):
            super().helpEvent(event)
            return
        text = self.tooltip_at(event.scenePos(), view)
        if text:
            QToolTip.showText(event.screenPos(), text, event.widget())
            event.accept()
        else:
            QToolTip.hideText()
            event.ignore()


def _place(item: QGraphicsSimpleTextItem, align: str, valign: str) -> None:
    """Offset ``item`` (in pixels) so its anchor is at its right/left/centre and middle."""
    rect = item.boundingRect()
    dx = {"right": -rect.width(), "left": 0.0, "center": -rect.width() / 2}[align]
    dy = {"center": -rect.height() / 2, "bottom": -rect.height(), "top": 0.0}[valign]
    item.align = align
    item.setTransform(QTransform.fromTranslate(dx, dy))
