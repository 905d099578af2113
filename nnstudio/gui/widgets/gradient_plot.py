"""The live gradient-norm plot: one line per weight layer, on a log axis.

Each snapshot adds one point per layer: the Euclidean norm of that layer's
weight gradient at the snapshot's step. Vanishing gradients (a deep sigmoid
net) show up as lower layers far below the upper ones; exploding ones as lines
shooting up before a divergence.

Run ``python -m nnstudio.gui.widgets.gradient_plot`` for a preview training on iris.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from nnstudio.core.trainer import Snapshot
from nnstudio.gui.palette import LAYER_COLOURS, style_plot
from nnstudio.gui.widgets.series import (
    GrowableArray,
    OpaqueGrid,
    antialias_for,
    make_plot_widget,
    plot_colours,
    style_legend,
)


def layer_label(index: int, shape: tuple[int, int]) -> str:
    """Legend text of weight layer ``index`` (0-based) with ``shape`` (fan_in, fan_out)."""
    return f"layer {index + 1} ({shape[0]}→{shape[1]})"


class GradientNormPlot(QWidget):
    """Norm of each layer's weight gradient against the training step."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("gradient_plot")
        self._shapes: list[tuple[int, int]] = []
        self._steps = GrowableArray(256)
        self._norms: list[GrowableArray] = []
        self._dirty = False
        self.curves: list[pg.PlotDataItem] = []

        self.plot_widget = make_plot_widget(
            self,
            "gradient_plot_view",
            "Gradient norms",
            "Size (Euclidean norm) of each layer's weight gradient: lines near zero mean a "
            "layer has stopped learning, lines shooting up warn of divergence.",
        )
        item = self.plot_widget.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.setLabel("bottom", "step")
        self.legend = item.addLegend(offset=(-10, 10))

        self.log_scale = QCheckBox("Log scale", self)
        self.log_scale.setObjectName("gradient_log_scale")
        self.log_scale.setAccessibleName("Gradient norms on a log scale")
        self.log_scale.setToolTip(
            "Show the norms on a logarithmic axis, so small and large layers both stay visible."
        )
        self.log_scale.toggled.connect(self._on_log_scale_toggled)
        controls = QHBoxLayout()
        controls.setContentsMargins(4, 0, 4, 0)
        controls.addWidget(self.log_scale)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot_widget, 1)
        layout.addLayout(controls)
        # The same grid as pyqtgraph's, at a fraction of the cost per frame.
        self.grid = OpaqueGrid(item, plot_colours()[0])
        self.log_scale.setChecked(True)
        self._restyle()

    @property
    def plot_item(self) -> pg.PlotItem:
        """The PlotItem, e.g. for ``pyqtgraph.exporters.ImageExporter``."""
        return self.plot_widget.getPlotItem()

    def set_layer_shapes(self, shapes: Sequence[tuple[int, int]]) -> None:
        """One curve per weight layer of ``shapes`` (each ``(fan_in, fan_out)``); clears."""
        shapes = [(int(a), int(b)) for a, b in shapes]
        if shapes != self._shapes:
            self._shapes = shapes
            item = self.plot_item
            for curve in self.curves:
                self.legend.removeItem(curve)
                item.removeItem(curve)
            self.curves = [
                item.plot(
                    pen=pg.mkPen(LAYER_COLOURS[i % len(LAYER_COLOURS)], width=2),
                    name=layer_label(i, shape),
                )
                for i, shape in enumerate(shapes)
            ]
            style_legend(self.legend)
        self.clear()

    def record_snapshot(self, snapshot: Snapshot) -> None:
        """Append one point per layer at ``snapshot.step``; draws nothing."""
        norms = snapshot.gradient_norms
        shapes = [w.shape for w in snapshot.weights]
        if shapes != self._shapes:
            self.set_layer_shapes(shapes)  # a view never set up for this network
        last = self._steps.last()
        if last is not None and snapshot.step <= last:
            return  # a pause/resume snapshot repeats the step: nothing new to show
        self._steps.append(snapshot.step)
        for array, value in zip(self._norms, norms, strict=True):
            array.append(value)
        self._dirty = True

    def refresh(self) -> None:
        """Draw what was recorded since the last refresh (nothing if nothing changed)."""
        if not self._dirty:
            return
        self._dirty = False
        steps = self._steps.view()
        smooth = antialias_for(len(steps), self.plot_item.getViewBox().width())
        for curve, array in zip(self.curves, self._norms, strict=True):
            # A zero norm (a dead layer) has no logarithm; pyqtgraph leaves a gap there.
            curve.setData(steps, array.view(), antialias=smooth)

    def clear(self) -> None:
        """Forget every point (a new run)."""
        self._steps.clear()
        self._norms = [GrowableArray(256) for _ in self._shapes]
        self._dirty = False
        for curve in self.curves:
            curve.setData([], [])
        self.plot_item.enableAutoRange()

    def point_count(self) -> int:
        """Points per curve recorded so far."""
        return len(self._steps)

    def norms(self) -> np.ndarray:
        """Recorded norms, shape ``(n_points, n_layers)``."""
        if not self._norms:
            return np.empty((len(self._steps), 0))
        return np.column_stack([a.view() for a in self._norms])

    def _on_log_scale_toggled(self, on: bool) -> None:
        self.plot_item.setLogMode(y=on)
        self.plot_item.setLabel("left", "gradient norm (log scale)" if on else "gradient norm")
        self.plot_item.enableAutoRange(y=True)

    def _restyle(self) -> None:
        style_plot(self.plot_widget)
        style_legend(self.legend)
        self.grid.set_background(plot_colours()[0])

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._restyle()


def _preview() -> int:  # pragma: no cover - manual preview
    from nnstudio.gui.widgets.preview import preview_training

    def prepare(plot, trainer):
        plot.set_layer_shapes([w.shape for w in trainer.network.weights])

    return preview_training(GradientNormPlot, "gradient norms", prepare_view=prepare)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
