"""The live task-metric plot: accuracy for classification, RMSE and R² for regression.

Points come from the evaluations in each snapshot (:class:`~nnstudio.core.metrics.Metrics`),
typically one per epoch. Classification shows train and test accuracy in percent
on a fixed 0–100 % axis; regression shows RMSE (in the target's units) above
R² (1 is a perfect fit) in two stacked plots that share the step axis. Without
test rows the test curves simply stay empty.

Run ``python -m nnstudio.gui.widgets.metrics_plot [--regression]`` for a preview.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnstudio.core.trainer import Snapshot
from nnstudio.gui.palette import SERIES, style_plot
from nnstudio.gui.widgets.series import (
    GrowableArray,
    OpaqueGrid,
    antialias_for,
    make_plot_widget,
    plot_colours,
    style_legend,
)

TASKS = ("classification", "regression")
R2_FLOOR = -1.0  # R² below this (a terrible start) is off the bottom of the plot
SYMBOL_SPACING = 6  # markers are drawn while, on average, this many pixels apart
DEFAULT_PIXELS = 1000  # the plot's width assumed before it has one
# Metrics field -> the figures one evaluation adds, per task: (plot, part, field, scale).
_FIELDS = {
    "classification": [
        ("main", "train", "train_accuracy", 100.0),
        ("main", "test", "test_accuracy", 100.0),
    ],
    "regression": [
        ("main", "train", "train_rmse", 1.0),
        ("main", "test", "test_rmse", 1.0),
        ("r2", "train", "train_r2", 1.0),
        ("r2", "test", "test_r2", 1.0),
    ],
}


def _symbol(part: str) -> str:
    return "o" if part == "train" else "s"


def _curve(plot: pg.PlotItem, part: str, name: str) -> pg.PlotDataItem:
    colour = SERIES[part]
    return plot.plot(
        pen=pg.mkPen(colour, width=2),
        symbol=_symbol(part),
        symbolSize=6,
        symbolBrush=colour,
        symbolPen=None,
        name=name,
    )


class MetricsPlot(QWidget):
    """Train and test accuracy (classification) or RMSE and R² (regression) per evaluation."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("metrics_plot")
        self.task = "classification"
        self._series: dict[str, tuple[GrowableArray, GrowableArray]] = {}
        self._dirty = False

        # The main view's tooltip depends on the task (set_task).
        self.main_view = make_plot_widget(self, "metrics_plot_view", "Task metric curve", "")
        self.r2_view = make_plot_widget(
            self,
            "metrics_plot_r2_view",
            "R squared curve",
            "R² on the training and test rows at each evaluation: 1 is a perfect fit, "
            f"0 is no better than the mean (values below {R2_FLOOR:g} are off the plot).",
        )
        self.curves: dict[str, pg.PlotDataItem] = {}
        # One legend (on the main plot); the R² plot uses the same colours.
        self.legend = self.main_view.getPlotItem().addLegend(offset=(-10, -10))
        for key, view in (("main", self.main_view), ("r2", self.r2_view)):
            item = view.getPlotItem()
            # A long run evaluates every epoch, thousands of times: drawn whole, a wide
            # curve of that many points costs more than the rest of the frame.
            item.setDownsampling(auto=True, mode="peak")
            item.setClipToView(True)
            item.setLabel("bottom", "step")
            self.curves[f"{key}_train"] = _curve(item, "train", "train")
            self.curves[f"{key}_test"] = _curve(item, "test", "test")
        self._symbols_shown: dict[str, bool] = dict.fromkeys(self.curves, True)
        self.r2_view.setXLink(self.main_view)
        r2 = self.r2_view.getPlotItem()
        r2.setLabel("left", "R²")
        # Limits also bound auto-range, so a very negative early R² cannot flatten the rest.
        r2.setLimits(yMin=R2_FLOOR - 0.05, yMax=1.05)
        # Zooming in on a few evaluations brings their markers back (the plots share x).
        self.plot_item.getViewBox().sigXRangeChanged.connect(self._update_symbols)
        self.plot_item.getViewBox().sigResized.connect(self._update_symbols)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.main_view, 1)
        layout.addWidget(self.r2_view, 1)
        # The same grid as pyqtgraph's, at a fraction of the cost per frame.
        self.grids = [
            OpaqueGrid(view.getPlotItem(), plot_colours()[0])
            for view in (self.main_view, self.r2_view)
        ]
        self._restyle()
        self.set_task("classification")

    @property
    def plot_item(self) -> pg.PlotItem:
        """The main PlotItem (accuracy, or RMSE), e.g. for an image export."""
        return self.main_view.getPlotItem()

    @property
    def r2_plot_item(self) -> pg.PlotItem:
        """The R² PlotItem (shown for regression only)."""
        return self.r2_view.getPlotItem()

    def set_task(self, task: str) -> None:
        """Show accuracy (``"classification"``) or RMSE and R² (``"regression"``); clears."""
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
        self.task = task
        main = self.plot_item
        if task == "classification":
            main.setLabel("left", "accuracy (%)")
            # A little room past 0 and 100 % so their tick labels are not cut off.
            main.setLimits(yMin=-10, yMax=110)
            main.enableAutoRange(y=False)
            main.setYRange(-6, 106, padding=0)
            main.setLabel("bottom", "step")
            # Accuracy rises, so the bottom right corner is free for the legend.
            self.legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-10, -10))
            self.main_view.setToolTip(
                "Share of training and test rows classified correctly at each evaluation."
            )
        else:
            main.setLabel("left", "RMSE")
            main.setLimits(yMin=None, yMax=None)
            main.setLabel("bottom", "")  # the R² plot below labels the shared step axis
            # RMSE falls, so the top right corner is free for the legend.
            self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-10, 10))
            self.main_view.setToolTip(
                "Root mean squared error of the predictions, in the target's units, on the "
                "training and test rows at each evaluation (lower is better)."
            )
        self.r2_view.setVisible(task == "regression")
        self.clear()

    def record_snapshot(self, snapshot: Snapshot) -> None:
        """Append the snapshot's evaluations; draws nothing."""
        for m in snapshot.metrics:
            for plot, part, field, scale in _FIELDS[self.task]:
                value = getattr(m, field)
                if value is None:
                    continue  # no test rows: the test curve stays empty
                xs, ys = self._series[f"{plot}_{part}"]
                xs.append(m.step)
                ys.append(value * scale)
                self._dirty = True

    def refresh(self) -> None:
        """Draw what was recorded since the last refresh (nothing if nothing changed)."""
        if not self._dirty:
            return
        self._dirty = False
        self._update_symbols()  # first, so no markers are laid out for points that merge
        pixels = self.plot_item.getViewBox().width() or DEFAULT_PIXELS
        for key, (xs, ys) in self._series.items():
            if len(xs):
                smooth = antialias_for(len(xs), pixels)
                self.curves[key].setData(xs.view(), ys.view(), antialias=smooth)

    def _update_symbols(self) -> None:
        """Markers at each evaluation while they are apart; a plain line once they would merge.

        A long run evaluates thousands of times (every epoch): as markers that is a
        smear, for which pyqtgraph would keep a few hundred bytes per point and lay
        them all out again at every update.
        """
        view = self.plot_item.getViewBox()
        following = view.autoRangeEnabled()[0] is not False  # the view shows every point
        low, high = view.viewRange()[0]
        pixels = view.width() or DEFAULT_PIXELS
        for key, (xs, _) in self._series.items():
            steps = xs.view()
            shown = (
                len(steps)
                if following
                else int(np.searchsorted(steps, high, "right") - np.searchsorted(steps, low))
            ) * SYMBOL_SPACING <= pixels
            if shown != self._symbols_shown[key]:
                self._symbols_shown[key] = shown
                curve = self.curves[key]
                curve.setSymbol(_symbol(key.rsplit("_", 1)[1]) if shown else None)
                if not shown:
                    curve.scatter.clear()  # a hidden scatter would keep every point

    def clear(self) -> None:
        """Forget every point (a new run)."""
        self._series = {key: (GrowableArray(64), GrowableArray(64)) for key in self.curves}
        self._dirty = False
        for curve in self.curves.values():
            curve.setData([], [])
        self.plot_item.enableAutoRange(x=True, y=self.task == "regression")
        self.r2_plot_item.enableAutoRange()
        self._update_symbols()

    def values(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Recorded steps and values of one curve (``"main_train"``, ``"r2_test"``, ...)."""
        xs, ys = self._series[key]
        return xs.view().copy(), ys.view().copy()

    def _restyle(self) -> None:
        for view in (self.main_view, self.r2_view):
            style_plot(view)
        style_legend(self.legend)
        for grid in self.grids:
            grid.set_background(plot_colours()[0])

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._restyle()


def _preview() -> int:  # pragma: no cover - manual preview
    import sys

    from nnstudio.gui.widgets.preview import preview_training

    regression = "--regression" in sys.argv

    def prepare(plot, trainer):
        plot.set_task(trainer.dataset.task)

    return preview_training(
        MetricsPlot,
        "metrics",
        data="diabetes" if regression else "iris",
        size=(640, 420),
        prepare_view=prepare,
        **({"loss": "mse"} if regression else {}),
    )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
