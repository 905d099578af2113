"""Weight heatmaps: every layer's weight matrix and biases as colours, side by side.

Layer ``i`` is drawn as its ``(fan_in, fan_out)`` matrix: one row per input
neuron (top to bottom), one column per output neuron, and its biases as a
separate thin row below. Colours use the shared diverging palette on a scale
symmetric around zero (blue negative, grey zero, red positive) that reaches the
largest magnitude rounded up to a round number, and moves only in such steps (so
the colour bars are not redrawn on every frame). Hovering a cell names the
connection and its exact value under the heatmaps.

:meth:`WeightHeatmaps.set_architecture` builds the plots once per network;
:meth:`WeightHeatmaps.show_weights` only hands new arrays to the existing items.

Run ``python -m nnstudio.gui.widgets.weight_heatmaps [--wide]`` for a preview.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.trainer import Snapshot
from nnstudio.gui.palette import diverging_colormap, style_plot, symmetric_limit
from nnstudio.gui.widgets.series import NeuronAxis, SqueezableTitle, SteadyScale, plot_colours

PLOTS_PER_ROW = 5  # deeper networks wrap onto a second row of heatmaps
HOVER_HINT = (
    "Hover over a cell to read its weight. Rows are a layer's inputs, columns its "
    "outputs; the separate bottom row holds the biases."
)


class _MenulessPlotItem(pg.PlotItem):
    """A PlotItem whose view box builds no context menu (each costs ~4 ms to build)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("enableMenu", False)
        super().__init__(*args, **kwargs)


class _ColourBar(pg.ColorBarItem, _MenulessPlotItem):
    """A ColorBarItem without the view menu it would build and then switch off."""


class _Layer:
    """The plot items of one weight layer."""

    def __init__(
        self, layout: pg.GraphicsLayout, index: int, shape, rows, columns, title, named_columns
    ):
        fan_in, fan_out = shape
        self.index, self.shape = index, (fan_in, fan_out)
        self.rows, self.columns, self.title = list(rows), list(columns), title
        # The bias row is a twentieth of the matrix high (at least one row), below a gap.
        self.bias_height = max(1.0, fan_in / 20)
        self.bias_top = fan_in + max(0.25, self.bias_height * 0.5)
        self.bias_middle = self.bias_top + self.bias_height / 2
        self.left, self.bottom = NeuronAxis("left"), NeuronAxis("bottom")
        self.plot = _MenulessPlotItem(axisItems={"left": self.left, "bottom": self.bottom})
        self.title_label = SqueezableTitle(title)
        row, col = 2 * (index // PLOTS_PER_ROW), index % PLOTS_PER_ROW
        layout.addItem(self.title_label, row=row, col=col)
        layout.addItem(self.plot, row=row + 1, col=col)
        self.has_bias = True
        self.left.set_names(self.rows, self.bias_middle)
        self.bottom.set_names(self.columns, elide=named_columns)
        plot = self.plot
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.invertY(True)  # row 0 (the first input) on top, like the matrix
        plot.getViewBox().setRange(
            xRange=(0, fan_out), yRange=(0, self.bias_top + self.bias_height), padding=0
        )
        # Zeros until the first weights arrive (setRect needs an image to scale).
        self.image = pg.ImageItem(np.zeros((fan_in, fan_out)), axisOrder="row-major")
        self.bias_image = pg.ImageItem(np.zeros((1, fan_out)), axisOrder="row-major")
        self.bias_image.setRect(QRectF(0, self.bias_top, fan_out, self.bias_height))
        plot.addItem(self.image)
        plot.addItem(self.bias_image)
        self.colour_bar = _ColourBar(
            values=(-1, 1),
            colorMap=diverging_colormap(),
            interactive=False,
            width=12,
            colorMapMenu=False,
        )
        self.colour_bar.axis.enableAutoSIPrefix(False)
        self.colour_bar.axis.setWidth(38)
        self.scale = SteadyScale()  # the colour bar's ends, in round steps
        self.colour_bar.setImageItem([self.image, self.bias_image], insert_in=plot)

    def show(self, weights: np.ndarray, biases: np.ndarray | None, limit: float) -> None:
        self.image.setImage(weights, autoLevels=False)
        if (biases is not None) != self.has_bias:
            self.has_bias = biases is not None
            self.bias_image.setVisible(self.has_bias)
            self.left.set_names(self.rows, self.bias_middle if self.has_bias else None)
        if biases is not None:
            self.bias_image.setImage(biases.reshape(1, -1), autoLevels=False)
        # The images keep their levels; setting the same ones again would redraw the axis.
        if tuple(self.colour_bar.levels()) != (-limit, limit):
            self.colour_bar.setLevels((-limit, limit))

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """``(row, col)`` under a scene position; row ``fan_in`` is the bias row."""
        view = self.plot.getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        point = view.mapSceneToView(scene_pos)
        fan_in, fan_out = self.shape
        col = math.floor(point.x())
        if not 0 <= col < fan_out:
            return None
        if 0 <= point.y() < fan_in:
            return math.floor(point.y()), col
        top = self.bias_top
        if self.has_bias and top <= point.y() < top + self.bias_height:
            return fan_in, col
        return None

    def restyle(self) -> None:
        style_plot(self.plot)
        self.plot.showGrid(x=False, y=False)  # grid lines would cut through the cells
        _, text = plot_colours()
        for name in ("left", "right", "top", "bottom"):
            self.colour_bar.getAxis(name).setPen(pg.mkPen(text))
        self.colour_bar.axis.setTextPen(pg.mkPen(text))
        self.title_label.setText(self.title, color=text.name(), size="9pt")


class WeightHeatmaps(QWidget):
    """One heatmap per weight layer, with biases, colour bars and hover read-out.

    Signals
    -------
    cell_clicked(int, int, int)
        ``(layer, row, col)`` of a cell clicked with the left button; ``layer`` is the
        0-based weight layer, and ``row == fan_in`` means the bias row.
    """

    cell_clicked = Signal(int, int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("weight_heatmaps")
        self._layers: list[_Layer] = []
        self._shared = SteadyScale()  # the one colour scale when "Shared scale" is on
        self._spec: tuple | None = None  # (shapes, input names, output names) built
        self._weights: list[np.ndarray] | None = None
        self._biases: list[np.ndarray] | None = None
        self._reference: tuple[list[np.ndarray], list[np.ndarray] | None] | None = None
        self._hovered: tuple[int, int, int] | None = None
        self._pressed: tuple[int, int, int] | None = None  # cell under a left press

        # Says which state is shown when it is not the live one (a recorded or B − A state).
        self.caption = QLabel(self)
        self.caption.setObjectName("heatmaps_caption")
        self.caption.setAccessibleName("Shown state")
        self.caption.setToolTip("Which recorded state the heatmaps show (not the live weights).")
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        font = self.caption.font()
        font.setBold(True)
        self.caption.setFont(font)
        self.caption.setContentsMargins(6, 2, 6, 2)
        # The highlight colour marks that this is not the live network (palette roles,
        # not a style sheet, so it follows a change between light and dark).
        self.caption.setAutoFillBackground(True)
        self.caption.setBackgroundRole(QPalette.Highlight)
        self.caption.setForegroundRole(QPalette.HighlightedText)
        self.caption.hide()

        self.view = pg.GraphicsLayoutWidget(self)
        self.view.setObjectName("heatmaps_view")
        self.view.setAccessibleName("Weight heatmaps")
        self.view.setToolTip("Each layer's weights: red positive, blue negative, grey near zero.")
        # Every mouse move, read straight from the viewport: pyqtgraph's sigMouseMoved
        # drops moves that come quickly, which could leave the label on a stale cell.
        self._viewport = self.view.viewport()
        self._viewport.installEventFilter(self)
        self.change = QCheckBox("Show change since start", self)
        self.change.setObjectName("heatmaps_show_change")
        self.change.setAccessibleName("Show change since start")
        self.change.setToolTip(
            "Colour each cell by how much it moved since training started, not its value."
        )
        self.change.toggled.connect(self._on_change_toggled)
        self.shared_scale = QCheckBox("Shared scale", self)
        self.shared_scale.setObjectName("heatmaps_shared_scale")
        self.shared_scale.setAccessibleName("Shared colour scale")
        self.shared_scale.setToolTip(
            "Use one colour scale for every layer, so layers can be compared with each other."
        )
        self.shared_scale.toggled.connect(self._on_shared_scale_toggled)
        self.hover_label = QLabel(HOVER_HINT, self)
        self.hover_label.setObjectName("heatmaps_hover")
        self.hover_label.setAccessibleName("Hovered weight")
        self.hover_label.setToolTip(HOVER_HINT)
        # A long sentence must not set the dock's minimum width; it is cut instead.
        self.hover_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 0, 4, 0)
        controls.addWidget(self.hover_label, 1)
        controls.addWidget(self.change)
        controls.addWidget(self.shared_scale)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        layout.addLayout(controls)
        self._restyle()

    # -- building ---------------------------------------------------------------------

    def set_architecture(
        self,
        layer_shapes: Sequence[tuple[int, int]],
        input_names: Sequence[str] | None = None,
        output_names: Sequence[str] | None = None,
    ) -> None:
        """Build one heatmap per layer of ``layer_shapes`` (each ``(fan_in, fan_out)``).

        ``input_names`` label the first layer's rows (features), ``output_names`` the
        last layer's columns (classes, or the regression target); hidden neurons are
        named ``h1 #3``. Forgets the shown weights and the change reference.
        """
        shapes = [(int(a), int(b)) for a, b in layer_shapes]
        n = len(shapes)
        if input_names is None or len(input_names) != (shapes[0][0] if shapes else 0):
            input_names = [f"x{j + 1}" for j in range(shapes[0][0])] if shapes else []
        if output_names is None or len(output_names) != (shapes[-1][1] if shapes else 0):
            output_names = [f"out #{j + 1}" for j in range(shapes[-1][1])] if shapes else []
        spec = (shapes, list(input_names), list(output_names))
        if spec != self._spec:  # a new network; the same one again keeps its items
            self._spec = spec
            self.view.clear()
            self._layers = []
            for i, shape in enumerate(shapes):
                rows = input_names if i == 0 else [f"h{i} #{j + 1}" for j in range(shape[0])]
                columns = (
                    output_names if i == n - 1 else [f"h{i + 1} #{j + 1}" for j in range(shape[1])]
                )
                source = "input" if i == 0 else f"h{i}"
                target = "output" if i == n - 1 else f"h{i + 1}"
                title = f"layer {i + 1}: {source} → {target} ({shape[0]}×{shape[1]})"
                self._layers.append(
                    _Layer(self.view.ci, i, shape, rows, columns, title, i == n - 1)
                )
            self._restyle()
        self._weights = self._biases = self._reference = None
        self._reset_scales()
        self._hovered = None
        self.hover_label.setText(HOVER_HINT)

    def set_caption(self, text: str | None) -> None:
        """Show a caption above the heatmaps, e.g. ``"Step 1,200 (recorded)"``; None hides it."""
        self.caption.setText(text or "")
        self.caption.setVisible(bool(text))

    def layer_shapes(self) -> list[tuple[int, int]]:
        return [layer.shape for layer in self._layers]

    # -- data -------------------------------------------------------------------------

    def set_reference(
        self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray] | None
    ) -> None:
        """Remember the weights "Show change since start" subtracts (copies them)."""
        self._reference = (
            [np.array(w, copy=True) for w in weights],
            None if biases is None else [np.array(b, copy=True) for b in biases],
        )
        if self.change.isChecked():
            self._redraw()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show the weights of ``snapshot`` (the latest one; older ones are not needed)."""
        self.show_weights(snapshot.weights, snapshot.biases)

    def show_weights(
        self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray] | None
    ) -> None:
        """Show ``weights[i]`` (shape ``(fan_in, fan_out)``) and ``biases[i]`` (``(fan_out,)``)."""
        shapes = [w.shape for w in weights]
        if shapes != self.layer_shapes():
            self.set_architecture(shapes)  # not set up for this network: generic names
        self._weights = list(weights)
        self._biases = None if biases is None else list(biases)
        if self._reference is None:
            self.set_reference(weights, biases)  # "since start" = since first shown
        self._redraw()

    def images(self) -> list[np.ndarray]:
        """The weight arrays displayed now, one per layer, shape ``(fan_in, fan_out)``."""
        return [layer.image.image for layer in self._layers]

    def bias_images(self) -> list[np.ndarray | None]:
        """The bias rows displayed now, shape ``(1, fan_out)`` (None when hidden)."""
        return [layer.bias_image.image if layer.has_bias else None for layer in self._layers]

    def levels(self) -> list[tuple[float, float]]:
        """The colour scale ``(low, high)`` of each layer."""
        return [tuple(layer.colour_bar.levels()) for layer in self._layers]

    def _change_active(self) -> bool:
        """Whether cells show the change since a reference of this network's shapes."""
        if not self.change.isChecked() or self._reference is None or self._weights is None:
            return False
        return [w.shape for w in self._reference[0]] == [w.shape for w in self._weights]

    def _displayed(self) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """What the cells show: the weights, or their change since the reference."""
        weights = self._weights
        biases = self._biases or [None] * len(weights)
        if not self._change_active():
            return weights, biases
        ref_w, ref_b = self._reference
        ref_b = ref_b or [None] * len(weights)
        shown_w = [w - r for w, r in zip(weights, ref_w, strict=True)]
        shown_b = [
            None if b is None else (b if r is None else b - r)
            for b, r in zip(biases, ref_b, strict=True)
        ]
        return shown_w, shown_b

    def _redraw(self) -> None:
        if self._weights is None:
            return
        weights, biases = self._displayed()
        limits = [symmetric_limit(w, b) for w, b in zip(weights, biases, strict=True)]
        if self.shared_scale.isChecked():
            limits = [self._shared.fit(max(limits))] * len(limits)
        else:
            limits = [layer.scale.fit(x) for layer, x in zip(self._layers, limits, strict=True)]
        for layer, w, b, limit in zip(self._layers, weights, biases, limits, strict=True):
            layer.show(w, b, limit)
        if self._hovered is not None:
            self.hover_label.setText(self.describe_cell(*self._hovered))

    # -- reading cells ----------------------------------------------------------------

    def describe_cell(self, layer: int, row: int, col: int) -> str:
        """One sentence naming a cell and its value; ``row == fan_in`` is the bias row.

        E.g. ``"layer 2: h1 #3 → h2 #5 = -0.4127"``.
        """
        item = self._layers[layer]
        fan_in = item.shape[0]
        source = "bias" if row == fan_in else item.rows[row]
        where = f"layer {layer + 1}: {source} → {item.columns[col]}"
        if self._weights is None:
            return where
        if row == fan_in:
            if self._biases is None:
                return where
            value = float(self._biases[layer][col])
        else:
            value = float(self._weights[layer][row, col])
        if self._change_active():
            ref_w, ref_b = self._reference
            start = (
                float(ref_w[layer][row, col])
                if row != fan_in
                else (0.0 if ref_b is None else float(ref_b[layer][col]))
            )
            return f"{where} = {value:.4f} (changed by {value - start:+.4f} since the start)"
        return f"{where} = {value:.4f}"

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int, int] | None:
        """``(layer, row, col)`` of the cell under a scene position, or None."""
        for item in self._layers:
            cell = item.cell_at(scene_pos)
            if cell is not None:
                return (item.index, *cell)
        return None

    def _on_mouse_moved(self, scene_pos: QPointF | None) -> None:
        self._hovered = None if scene_pos is None else self.cell_at(scene_pos)
        self.hover_label.setText(
            HOVER_HINT if self._hovered is None else self.describe_cell(*self._hovered)
        )

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self._viewport:
            kind = event.type()
            if kind == QEvent.MouseMove:
                self._on_mouse_moved(self.view.mapToScene(event.position().toPoint()))
            elif kind == QEvent.Leave:
                self._on_mouse_moved(None)
            elif kind in (QEvent.MouseButtonPress, QEvent.MouseButtonRelease):
                if event.button() == Qt.LeftButton:
                    # A click is a press and a release on the same cell.
                    cell = self.cell_at(self.view.mapToScene(event.position().toPoint()))
                    if kind == QEvent.MouseButtonPress:
                        self._pressed = cell
                    else:
                        pressed, self._pressed = self._pressed, None
                        if cell is not None and cell == pressed:
                            self.cell_clicked.emit(*cell)
        return super().eventFilter(watched, event)

    # -- options and looks --------------------------------------------------------------

    def _on_change_toggled(self, _on: bool) -> None:
        self._reset_scales()  # other values: fit the scales to them afresh
        self._redraw()

    def _on_shared_scale_toggled(self, _on: bool) -> None:
        self._reset_scales()
        self._redraw()

    def _reset_scales(self) -> None:
        self._shared.reset()
        for layer in self._layers:
            layer.scale.reset()

    def _restyle(self) -> None:
        background, _ = plot_colours()
        self.view.setBackground(background)
        for layer in self._layers:
            layer.restyle()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._restyle()


def _preview() -> int:  # pragma: no cover - manual preview
    import sys

    from nnstudio.gui.widgets.preview import preview_training

    wide = "--wide" in sys.argv

    def prepare(heatmaps, trainer):
        data, net = trainer.dataset, trainer.network
        outputs = data.class_names if data.is_classification else (data.preprocessing.label_name,)
        heatmaps.set_architecture([w.shape for w in net.weights], data.feature_names, outputs)
        heatmaps.set_reference(net.weights, net.biases)
        heatmaps.show_weights(net.weights, net.biases)

    return preview_training(
        WeightHeatmaps,
        "weight heatmaps",
        data="breast_cancer" if wide else "iris",
        size=(1200, 340),
        prepare_view=prepare,
        feed=lambda heatmaps, trainer, snapshot: heatmaps.show_snapshot(snapshot),
        per_tick=1,
        hidden_layers=(256, 64) if wide else (12, 6),
    )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
