"""The live loss curve: every step's batch loss, its smoothed trend, and evaluations.

:class:`LossPlot` records each snapshot cheaply (:meth:`LossPlot.record_snapshot`
appends to chunked arrays and to min/max pyramids, O(steps in the snapshot)) and
draws on :meth:`LossPlot.refresh`, which the window calls from a ~30 Hz timer,
and whenever the view is panned, zoomed or resized. Ten million steps stay
responsive: each curve gets only the visible steps, at most a minimum and a
maximum per pixel column (read from the pyramids, so every spike stays
visible), or the values themselves once a column holds at most two of them.
Per step the plot keeps the batch loss (float64, exactly as recorded) and about
2 bytes of pyramid; steps are stored as runs and the moving average is
recomputed from the losses where it is needed (see
:mod:`nnstudio.core.long_series`).

Run ``python -m nnstudio.gui.widgets.loss_plot`` for a preview training on iris.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from nnstudio.core.long_series import (
    ChunkedArray,
    MinMaxPyramid,
    MovingAverage,
    StepRuns,
    envelope_points,
)
from nnstudio.core.trainer import Snapshot
from nnstudio.gui.palette import SERIES, style_plot
from nnstudio.gui.widgets.live_label import LiveLabel
from nnstudio.gui.widgets.series import (
    OpaqueGrid,
    StepMarker,
    antialias_for,
    make_plot_widget,
    plot_colours,
    style_legend,
)

MIN_WINDOW, MAX_WINDOW = 5, 500  # steps the automatic moving average spans
WINDOWS_PER_RUN = 50  # the automatic average spans about 1/50 of the run
# Above this many steps the moving average is drawn without antialiasing: a wide
# antialiased line of a thousand-odd segments costs more than the rest of a frame.
ANTIALIAS_LIMIT = 100_000
DEFAULT_COLUMNS = 1000  # pixel columns assumed before the view has a size
SYMBOL_SPACING = 6  # evaluation markers are drawn when, on average, this many pixels apart
# The two-column legend is about 245 pixels wide: with the axis and margins it fits
# across plots at least this wide; narrower ones get it in one column.
TWO_COLUMN_LEGEND_FROM = 320


def auto_smoothing(total_steps: int) -> float:
    """The moving average's weight of the past for a run of ``total_steps`` steps.

    The average spans about a fiftieth of the run (5 to 500 steps), so a short iris
    run is not smeared and a long run is not noisy.
    """
    window = min(max(total_steps / WINDOWS_PER_RUN, MIN_WINDOW), MAX_WINDOW)
    return 1.0 - 1.0 / window


class LossPlot(QWidget):
    """Training loss per step, its moving average, and train/test loss at each evaluation.

    Parameters
    ----------
    parent : QWidget, optional
    smoothing : float, optional
        Weight of the past in the exponential moving average, in [0, 1); by default
        chosen from the run's length at its first snapshot (:func:`auto_smoothing`).
    """

    def __init__(self, parent: QWidget | None = None, smoothing: float | None = None):
        super().__init__(parent)
        self.setObjectName("loss_plot")
        self._fixed_smoothing = smoothing
        self.smoothing = smoothing
        self._steps = StepRuns()
        self._losses = ChunkedArray()
        self._loss_levels = MinMaxPyramid()
        self._average: MovingAverage | None = None  # made at the first step, with its weight
        self._average_levels = MinMaxPyramid()
        self._eval_steps = StepRuns()
        self._train = ChunkedArray()
        self._train_levels = MinMaxPyramid()
        self._test = ChunkedArray()  # NaN where an evaluation had no test rows
        self._test_levels = MinMaxPyramid()
        self._steps_dirty = self._evals_dirty = False
        self._symbols_shown: dict[int, bool] = {}
        self._drawn_view: tuple | None = None  # what _visible() said at the last draw

        self.plot_widget = make_plot_widget(
            self,
            "loss_plot_view",
            "Loss curve",
            "Loss of each training batch (light), its moving average (dark), and the loss on "
            "all training and test rows at each evaluation; drag to pan, wheel to zoom.",
        )
        item = self.plot_widget.getPlotItem()
        # No pyqtgraph downsampling or clip-to-view: every curve is handed at most about
        # two points per pixel column of the visible steps (see _draw).
        item.setLabel("bottom", "step")
        item.setLabel("left", "loss")
        # Two columns keep the legend short, so it covers little of a small plot.
        self.legend = item.addLegend(offset=(-10, 10), colCount=2)
        # The raw curve is a min/max stroke per pixel column: a thin pen, no antialiasing.
        self.step_curve = item.plot(
            pen=pg.mkPen(SERIES["step"], width=1), name="batch loss", antialias=False
        )
        self.smoothed_curve = item.plot(
            pen=pg.mkPen(SERIES["smoothed"], width=2), name="moving average"
        )
        self.train_curve = item.plot(
            pen=pg.mkPen(SERIES["train"], width=1.5),
            symbol="o",
            symbolSize=6,
            symbolBrush=SERIES["train"],
            symbolPen=None,
            name="train loss",
        )
        self.test_curve = item.plot(
            pen=pg.mkPen(SERIES["test"], width=1.5),
            symbol="s",
            symbolSize=6,
            symbolBrush=SERIES["test"],
            symbolPen=None,
            name="test loss",
        )
        # Marks the step the other views show while the timeline shows a recorded state;
        # its label half-way up: the legend sits at the top, the flattened curve at the bottom.
        self.step_marker = StepMarker(label_position=0.55)
        item.addItem(self.step_marker, ignoreBounds=True)  # no say in the auto range

        self.log_scale = QCheckBox("Log scale", self)
        self.log_scale.setObjectName("loss_log_scale")
        self.log_scale.setAccessibleName("Loss on a log scale")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis, to see late progress.")
        self.log_scale.toggled.connect(self._on_log_scale_toggled)
        # Its text changes every frame: a LiveLabel, which takes the row's spare width and
        # does not lay the window out again for each new text.
        self.status = LiveLabel(self, alignment=Qt.AlignRight | Qt.AlignVCenter, elide=Qt.ElideLeft)
        self.status.setObjectName("loss_plot_status")
        self.status.setAccessibleName("Latest loss")

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 0, 4, 0)
        controls.addWidget(self.log_scale)
        controls.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot_widget, 1)
        layout.addLayout(controls)
        # The same grid as pyqtgraph's, at a fraction of the cost per frame.
        self.grid = OpaqueGrid(item, plot_colours()[0])
        view = item.getViewBox()
        # The curves hold only what the view shows, so a new view range or width redraws them.
        view.sigXRangeChanged.connect(self._on_view_changed)
        view.sigResized.connect(self._on_view_changed)
        self._restyle()

    # -- data --------------------------------------------------------------------------

    @property
    def plot_item(self) -> pg.PlotItem:
        """The PlotItem, e.g. for ``pyqtgraph.exporters.ImageExporter``."""
        return self.plot_widget.getPlotItem()

    def record_snapshot(self, snapshot: Snapshot) -> None:
        """Append a snapshot's step losses and evaluations; draws nothing.

        Raises
        ------
        ValueError
            If the snapshot's steps do not come after the steps recorded so far.
        """
        if snapshot.losses.shape[0]:
            self._steps.extend(snapshot.steps)  # first: it checks that the steps increase
            if self._average is None:
                if self.smoothing is None:
                    self.smoothing = auto_smoothing(snapshot.total_steps)
                self._average = MovingAverage(self.smoothing)
            self._losses.extend(snapshot.losses)
            self._loss_levels.extend(snapshot.losses)
            self._average_levels.extend(self._average.extend(snapshot.losses))
            self._steps_dirty = True
        if snapshot.metrics:
            metrics = snapshot.metrics
            self._eval_steps.extend(np.array([m.step for m in metrics], dtype=np.int64))
            train = np.array([m.train_loss for m in metrics], dtype=np.float64)
            test = np.array(
                [np.nan if m.test_loss is None else m.test_loss for m in metrics], dtype=np.float64
            )
            self._train.extend(train)
            self._train_levels.extend(train)
            self._test.extend(test)
            self._test_levels.extend(test)
            self._evals_dirty = True

    def refresh(self) -> None:
        """Draw what was recorded since the last refresh (nothing if nothing changed)."""
        if not (self._steps_dirty or self._evals_dirty):
            return
        view = self._visible()
        moved = view != self._drawn_view  # e.g. auto range switched on without a new range
        self._draw(view, self._steps_dirty or moved, self._evals_dirty or moved)
        if self._steps_dirty:
            self.status.setText(
                f"step {self._steps.last()} · batch loss {self._losses.last():.4g} · "
                f"average {self._average.last:.4g}"
            )
        self._steps_dirty = self._evals_dirty = False

    def _on_view_changed(self, *_) -> None:
        view = self._visible()
        # While the view follows the data, the range it takes after a refresh shows
        # exactly what that refresh drew: drawing it again would only cost a paint.
        if view != self._drawn_view:
            self._draw(view, steps=True, evaluations=True)

    def _visible(self) -> tuple[tuple[float, float] | None, int]:
        """The steps shown (None: all, while the view follows the data) and the pixel columns."""
        view = self.plot_item.getViewBox()
        width = int(view.width())
        columns = width if width > 0 else DEFAULT_COLUMNS
        # Following the data, the view shows every step; its range would lag one refresh
        # behind the data that is about to extend it.
        if view.autoRangeEnabled()[0] is not False:
            return None, columns
        low, high = view.viewRange()[0]
        return (low, high), columns

    def _draw(self, view: tuple, steps: bool, evaluations: bool) -> None:
        """Hand the curves the points for the visible steps at the view's width."""
        self._drawn_view = view
        x_range, columns = view
        if steps and len(self._steps):
            x, y, _ = envelope_points(
                self._steps, self._loss_levels, self._losses.get, x_range, columns
            )
            self.step_curve.setData(x, y, skipFiniteCheck=True)
            x, y, _ = envelope_points(
                self._steps, self._average_levels, self._smoothed, x_range, columns
            )
            self.smoothed_curve.setData(
                x,
                y,
                skipFiniteCheck=True,
                antialias=pg.getConfigOption("antialias") and len(self._steps) < ANTIALIAS_LIMIT,
            )
        if evaluations and len(self._eval_steps):
            for curve, values, levels in (
                (self.train_curve, self._train, self._train_levels),
                (self.test_curve, self._test, self._test_levels),
            ):
                x, y, reduced = envelope_points(
                    self._eval_steps, levels, values.get, x_range, columns
                )
                finite = np.isfinite(y)  # no test rows: no test loss
                x, y = x[finite], y[finite]
                self._show_symbols(curve, not reduced and len(x) * SYMBOL_SPACING <= columns)
                # Smooth while the evaluations are apart; a dense zigzag gains nothing from
                # antialiasing, which costs several times the paint.
                smooth = antialias_for(len(x), columns)
                curve.setData(x, y, skipFiniteCheck=True, antialias=smooth)

    def _smoothed(self, start: int, stop: int) -> np.ndarray:
        return self._average.values(self._losses.get, start, stop)

    def _show_symbols(self, curve: pg.PlotDataItem, shown: bool) -> None:
        """Markers at each evaluation while they are apart; a plain line when they would merge."""
        if self._symbols_shown.get(id(curve), True) != shown:
            self._symbols_shown[id(curve)] = shown
            curve.setSymbol(("o" if curve is self.train_curve else "s") if shown else None)

    def clear(self) -> None:
        """Forget every point (a new run) and follow new data again."""
        for series in (
            self._steps,
            self._losses,
            self._loss_levels,
            self._average_levels,
            self._eval_steps,
            self._train,
            self._train_levels,
            self._test,
            self._test_levels,
        ):
            series.clear()
        self._average = None
        self.smoothing = self._fixed_smoothing
        self._steps_dirty = self._evals_dirty = False
        self._drawn_view = None
        for curve in (self.step_curve, self.smoothed_curve, self.train_curve, self.test_curve):
            curve.setData([], [])
        self.status.setText("")
        self.step_marker.hide()  # a step of the old run means nothing in the new one
        self.plot_item.enableAutoRange()

    def mark_step(self, step: int | None) -> None:
        """Draw a dashed vertical line at ``step`` (the state shown elsewhere); None hides it."""
        self.step_marker.mark(step, self._steps.last() or 0)

    def marked_step(self) -> int | None:
        """The step the dashed line marks, or None when it is hidden."""
        return self.step_marker.marked_step()

    def point_count(self) -> int:
        """Steps recorded so far."""
        return len(self._steps)

    def history(self) -> dict[str, np.ndarray]:
        """Copies of everything recorded, for a CSV export.

        Returns
        -------
        dict
            ``steps``, ``losses``, ``smoothed`` (shape ``(n,)``, one per step) and
            ``eval_steps``, ``train_loss``, ``test_loss`` (shape ``(e,)``, one per
            evaluation; ``test_loss`` is NaN without test rows).
        """
        n = len(self._losses)
        return {
            "steps": self._steps.array(),
            "losses": self._losses.array(),
            "smoothed": self._smoothed(0, n) if n else np.empty(0),
            "eval_steps": self._eval_steps.array(),
            "train_loss": self._train.array(),
            "test_loss": self._test.array(),
        }

    def recorded_bytes(self) -> int:
        """Memory allocated for everything recorded (the curves' drawn points aside)."""
        held = [self._steps, self._losses, self._loss_levels, self._average_levels]
        held += [self._eval_steps, self._train, self._train_levels, self._test, self._test_levels]
        average = self._average.nbytes if self._average is not None else 0
        return average + sum(series.nbytes for series in held)

    # -- looks ---------------------------------------------------------------------------

    def _on_log_scale_toggled(self, on: bool) -> None:
        self.plot_item.setLogMode(y=on)
        self.plot_item.setLabel("left", "loss (log scale)" if on else "loss")
        self.plot_item.enableAutoRange(y=True)

    def _restyle(self) -> None:
        style_plot(self.plot_widget)
        style_legend(self.legend)
        background, text = plot_colours()
        self.grid.set_background(background)
        label = self.step_marker.label
        label.setColor(text)
        fill = QColor(background)
        fill.setAlpha(200)
        label.fill = pg.mkBrush(fill)  # readable over the grid and the curves
        label.update()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._restyle()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        # Two columns keep the legend short; in a narrow dock they would not fit across.
        columns = 2 if self.width() >= TWO_COLUMN_LEGEND_FROM else 1
        if self.legend.columnCount != columns:
            self.legend.setColumnCount(columns)


def _preview() -> int:  # pragma: no cover - manual preview
    from nnstudio.gui.widgets.preview import preview_training

    return preview_training(LossPlot, "loss")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
