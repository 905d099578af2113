"""Health checks of the hidden layers over training, in four small plots and plain words.

Each redraw, the window runs :func:`nnstudio.core.diagnostics.diagnose` on the
latest state and hands the result to :meth:`DiagnosticsView.record`. The four
plots share the step axis, one line per hidden layer:

- dead ReLU units: the fraction of a relu layer's units that output zero for
  every probe row (they no longer learn);
- saturated units: the fraction stuck where the activation is flat
  (sigmoid/tanh near its limits), where gradients vanish;
- update-to-weight ratio (log scale): how much a step changes the weights
  relative to their size; around 1e-3 is healthy, far above means the learning
  rate is too large, far below that the layer barely moves;
- gradient norm (log scale).

Below them, :func:`nnstudio.core.diagnostics.summarize`'s sentences say what
crossed a threshold, or "No problems detected."

Run ``python -m nnstudio.gui.widgets.diagnostics_view`` for a preview.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from nnstudio.core.diagnostics import DEAD_ACTIVATIONS, PEAK_SLOPE, LayerDiagnostics
from nnstudio.gui.palette import LAYER_COLOURS, SERIES, style_plot
from nnstudio.gui.widgets.series import (
    GrowableArray,
    OpaqueGrid,
    ReadableAxis,
    SteadyViewBox,
    antialias_for,
    plot_colours,
)

# (attribute of LayerDiagnostics, plot title, log y)
METRICS = (
    ("dead_fraction", "dead ReLU units (fraction)", False),
    ("saturated_fraction", "saturated units (fraction)", False),
    ("update_ratio", "update / weight ratio (log)", True),
    ("gradient_norm", "gradient norm (log)", True),
)
NO_PROBLEMS = "No problems detected."
# Up to this many diagnoses, each is marked with a dot: a run over in an instant has two
# or three, and a figure measured at one of them only (a gradient norm: none at step 0)
# would otherwise be a lone point that no line draws. Few, as the dots cost ~4 ms a frame
# (`python -m benchmarks.paint`); a run diagnosed five times a second passes 12 in 2 s.
MARKED_POINTS = 12
# Activations a figure is measured for (other layers leave no line in that plot).
APPLIES_TO = {"dead_fraction": set(DEAD_ACTIVATIONS), "saturated_fraction": set(PEAK_SLOPE)}


def _colour(layer: int) -> str:
    """The colour of hidden layer ``layer``'s lines (1-based), as in the other views."""
    return LAYER_COLOURS[(layer - 1) % len(LAYER_COLOURS)]


class DiagnosticsView(QWidget):
    """Dead and saturated units, update ratios and gradient norms per hidden layer."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("diagnostics_view")
        self._layers: tuple[tuple[int, str], ...] = ()  # (layer, activation) of each line
        self._steps = GrowableArray(256)
        self._values: dict[str, list[GrowableArray]] = {name: [] for name, _, _ in METRICS}
        self._dirty = False
        self.curves: dict[str, list[pg.PlotDataItem]] = {name: [] for name, _, _ in METRICS}
        self.markers: list[pg.InfiniteLine] = []

        self.legend = QLabel(self)
        self.legend.setObjectName("diagnostics_legend")
        self.legend.setAccessibleName("Layer colours")
        self.legend.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.legend.setContentsMargins(6, 2, 6, 0)
        self.legend.setWordWrap(True)
        self.view = pg.GraphicsLayoutWidget(self)
        self.view.setObjectName("diagnostics_plots")
        self.view.setAccessibleName("Layer diagnostics")
        self.view.setToolTip(
            "Per hidden layer: dead and saturated units, how fast the weights change, "
            "and the gradient size, against the training step."
        )
        self.view.ci.setSpacing(0)
        self.plots: dict[str, pg.PlotItem] = {}
        self.grids: list[OpaqueGrid] = []
        self.titles: dict[str, pg.TextItem] = {}
        self.view.setMinimumHeight(140)  # four plots of ~35 px at least: thinner is unreadable
        for row, (name, _, log) in enumerate(METRICS):
            plot = self.view.ci.addPlot(
                row=row,
                col=0,
                viewBox=SteadyViewBox(),
                axisItems={side: ReadableAxis(side) for side in ("left", "bottom")},
            )
            plot.setMenuEnabled(False, enableViewBoxMenu=True)
            plot.hideButtons()
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.getAxis("left").setWidth(48)  # aligned left edges, so the steps line up
            if log:
                plot.setLogMode(y=True)
            else:
                plot.setYRange(0.0, 1.0, padding=0.12)  # room for the 0 and 1 labels
                plot.getAxis("left").setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1")]])
                plot.getViewBox().setMouseEnabled(y=False)
            if row:
                plot.setXLink(self.plots[METRICS[0][0]])
            if row < len(METRICS) - 1:
                plot.getAxis("bottom").setStyle(showValues=False)
            else:
                plot.setLabel("bottom", "step")
            marker = pg.InfiniteLine(
                angle=90,
                movable=False,
                pen=pg.mkPen(SERIES["accent"], width=2, style=Qt.DashLine),
            )
            marker.setZValue(20)
            marker.hide()
            plot.addItem(marker, ignoreBounds=True)
            self.markers.append(marker)
            self.plots[name] = plot
            # The same grid as pyqtgraph's, at a fraction of the cost per frame.
            self.grids.append(OpaqueGrid(plot, plot_colours()[0]))
            # The title sits inside the plot's top-left corner: a title row above each of
            # four small plots would take a third of their height.
            title = pg.TextItem(anchor=(0, 0))
            title.setParentItem(plot.getViewBox())
            title.setPos(2, 0)
            title.setZValue(30)
            self.titles[name] = title

        self.summary = QLabel(NO_PROBLEMS, self)
        self.summary.setObjectName("diagnostics_summary")
        self.summary.setAccessibleName("Diagnosis")
        self.summary.setToolTip("What the checks found, in plain words.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setContentsMargins(6, 2, 6, 4)
        self.summary.setForegroundRole(QPalette.PlaceholderText)
        self._messages: list[str] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        self._update_legend()
        self._restyle()

    # -- data -------------------------------------------------------------------------

    def record(self, step: int, diagnostics: Sequence[LayerDiagnostics]) -> None:
        """Append one point per hidden layer at ``step``; draws nothing (see :meth:`refresh`).

        A step not after the last recorded one is skipped (a pause or an edit repeats it).
        A ``None`` value (e.g. dead fraction of a tanh layer) leaves a gap.
        """
        layers = tuple((int(d.layer), str(d.activation)) for d in diagnostics)
        if layers != self._layers:
            self._set_layers(layers)
        last = self._steps.last()
        if last is not None and step <= last:
            return
        self._steps.append(step)
        for name, _, log in METRICS:
            for array, found in zip(self._values[name], diagnostics, strict=True):
                value = getattr(found, name)
                value = np.nan if value is None else float(value)
                array.append(np.nan if log and not value > 0 else value)  # no log of 0
        self._dirty = True

    def show_messages(self, messages: Sequence[str]) -> None:
        """List ``messages`` (plain sentences) under the plots; none says all is well."""
        self._messages = list(messages)
        if self._messages:
            self.summary.setText("\n".join(f"• {m}" for m in self._messages))
            self.summary.setForegroundRole(QPalette.WindowText)
        else:
            self.summary.setText(NO_PROBLEMS)
            self.summary.setForegroundRole(QPalette.PlaceholderText)

    def refresh(self) -> None:
        """Draw what was recorded since the last refresh (nothing if nothing changed)."""
        if not self._dirty:
            return
        self._dirty = False
        steps = self._steps.view()
        width = self.plots[METRICS[0][0]].getViewBox().width()
        smooth = antialias_for(len(steps), width)
        few = len(steps) <= MARKED_POINTS
        for name, _, _ in METRICS:
            for curve, array in zip(self.curves[name], self._values[name], strict=True):
                values = array.view()
                # Not where every value is NaN (a figure that does not apply to the
                # layer, or is not measured yet): pyqtgraph's markers warn on those.
                symbol = "o" if few and np.isfinite(values).any() else None
                had_symbol = curve.opts["symbol"] is not None
                curve.setData(steps, values, symbol=symbol, antialias=smooth)
                if had_symbol and symbol is None:
                    curve.scatter.clear()  # hidden markers would keep every point

    def clear(self) -> None:
        """Forget every point and message (a new run)."""
        self._steps.clear()
        for name, _, _ in METRICS:
            self._values[name] = [GrowableArray(256) for _ in self._layers]
            for curve in self.curves[name]:
                curve.setData([], [], symbol=None)
        self._dirty = False
        self.mark_step(None)
        self.show_messages([])
        for plot in self.plots.values():
            plot.enableAutoRange(x=True)

    def mark_step(self, step: int | None) -> None:
        """A dashed vertical line at ``step`` in every plot; None hides them."""
        for marker in self.markers:
            if step is None:
                marker.hide()
            else:
                marker.setValue(float(step))
                marker.show()

    def marked_step(self) -> int | None:
        return int(self.markers[0].value()) if self.markers[0].isVisible() else None

    def point_count(self) -> int:
        """Points per line recorded so far."""
        return len(self._steps)

    def values(self, metric: str) -> np.ndarray:
        """Recorded ``metric`` (a LayerDiagnostics field), shape ``(n_points, n_layers)``."""
        arrays = self._values[metric]
        if not arrays:
            return np.empty((len(self._steps), 0))
        return np.column_stack([a.view() for a in arrays])

    def messages(self) -> list[str]:
        return list(self._messages)

    # -- set-up -----------------------------------------------------------------------

    def _set_layers(self, layers: tuple[tuple[int, str], ...]) -> None:
        """One line per hidden layer in each plot; forgets the points."""
        self._layers = layers
        for name, _, _ in METRICS:
            plot = self.plots[name]
            for curve in self.curves[name]:
                plot.removeItem(curve)
            self.curves[name] = [
                plot.plot(
                    pen=pg.mkPen(_colour(layer), width=2),
                    connect="finite",
                    symbolSize=6,
                    symbolBrush=_colour(layer),
                    symbolPen=None,
                )
                for layer, _ in layers
            ]
        self._restyle()  # titles say which figures no layer has
        self.clear()

    def _update_legend(self) -> None:
        if not self._layers:
            self.legend.setText("One line per hidden layer.")
            return
        self.legend.setText(
            "&nbsp;&nbsp;".join(
                f'<span style="color:{_colour(layer)}">━━</span>&nbsp;h{layer} ({activation})'
                for layer, activation in self._layers
            )
        )

    def _restyle(self) -> None:
        background, text = plot_colours()
        self.view.setBackground(background)
        fill = QColor(background)
        fill.setAlpha(200)  # readable over the lines
        activations = {activation for _, activation in self._layers}
        for name, title, _ in METRICS:
            style_plot(self.plots[name])
            if self._layers and name in APPLIES_TO and not activations & APPLIES_TO[name]:
                title += f" · no {' or '.join(sorted(APPLIES_TO[name]))} layer"
            self.titles[name].setText(title, color=text)
            self.titles[name].fill = pg.mkBrush(fill)
        for grid in self.grids:
            grid.set_background(background)
        self._update_legend()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._restyle()


def _preview() -> int:  # pragma: no cover - manual preview
    from nnstudio.core.diagnostics import diagnose, summarize
    from nnstudio.gui.widgets.preview import preview_training

    previous = {}

    def feed(view, trainer, snapshot):
        before = previous.get("snapshot")
        net = trainer.network
        found = diagnose(
            snapshot.weights,
            snapshot.biases,
            net.hidden_activations,
            net.output,
            trainer.dataset.X_train[:256],
            previous_weights=None if before is None else before.weights,
            steps_between=max(1, snapshot.step - before.step) if before else 1,
            gradient_norms=snapshot.gradient_norms,
        )
        previous["snapshot"] = snapshot
        view.record(snapshot.step, found)
        view.show_messages(summarize(found))

    # A deliberately rough run: a large learning rate kills relu units, sigmoid saturates.
    return preview_training(
        DiagnosticsView,
        "diagnostics",
        data="gen:moons",
        size=(480, 620),
        feed=feed,
        every_steps=10,
        per_tick=1,
        hidden_layers=(16, 8, 8),
        activations=("relu", "sigmoid", "tanh"),
        learning_rate=0.05,
    )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
