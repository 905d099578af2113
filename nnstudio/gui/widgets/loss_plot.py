"""The live loss curve: every step's batch loss, its smoothed trend, and evaluations.

:class:`LossPlot` records each snapshot cheaply (:meth:`LossPlot.record_snapshot`
only appends to preallocated arrays) and draws on :meth:`LossPlot.refresh`,
which the window calls from a ~30 Hz timer. A million steps stay responsive:
the curves get views of the filled arrays, peak downsampling and clip-to-view.

Run ``python -m nnstudio.gui.widgets.loss_plot`` for a preview training on iris.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.core.trainer import Snapshot
from nnstudio.gui.palette import SERIES, style_plot
from nnstudio.gui.widgets.series import (
    GrowableArray,
    ema_extend,
    make_plot_widget,
    plot_colours,
    style_legend,
)

MIN_WINDOW, MAX_WINDOW = 5, 500  # steps the automatic moving average spans
WINDOWS_PER_RUN = 50  # the automatic average spans about 1/50 of the run
# Above this many steps the moving average is drawn without antialiasing: a wide
# antialiased line of a thousand-odd segments costs more than the rest of a frame.
ANTIALIAS_LIMIT = 100_000


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
        self._steps = GrowableArray()
        self._losses = GrowableArray()
        self._smoothed = GrowableArray()
        self._eval_steps = GrowableArray(64)
        self._train = GrowableArray(64)
        self._test = GrowableArray(64)  # NaN where an evaluation had no test rows
        self._ema_state, self._ema_count = 0.0, 0
        self._steps_dirty = self._evals_dirty = False

        self.plot_widget = make_plot_widget(
            self,
            "loss_plot_view",
            "Loss curve",
            "Loss of each training batch (light), its moving average (dark), and the loss on "
            "all training and test rows at each evaluation; drag to pan, wheel to zoom.",
        )
        item = self.plot_widget.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.setLabel("bottom", "step")
        item.setLabel("left", "loss")
        # Two columns keep the legend short, so it covers little of a small plot.
        self.legend = item.addLegend(offset=(-10, 10), colCount=2)
        # The raw curve can hold a million points: no antialiasing, a thin pen, and
        # peak downsampling to a max/min pair every 2/3 pixel (pyqtgraph's default
        # draws five pairs per pixel, which looks the same and costs far more).
        self.step_curve = item.plot(
            pen=pg.mkPen(SERIES["step"], width=1),
            name="batch loss",
            antialias=False,
            autoDownsampleFactor=1.5,
        )
        self.smoothed_curve = item.plot(
            pen=pg.mkPen(SERIES["smoothed"], width=2),
            name="moving average",
            autoDownsampleFactor=1.0,
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
        # Marks the step the other views show while the timeline shows a recorded state.
        self.step_marker = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(SERIES["accent"], width=2, style=Qt.DashLine),
            label="step {value:,.0f}",
            # Half-way up: the legend sits at the top, the flattened curve at the bottom.
            labelOpts={"position": 0.55, "anchors": [(0, 0.5), (0, 0.5)]},
        )
        self.step_marker.setZValue(20)
        self.step_marker.hide()
        item.addItem(self.step_marker, ignoreBounds=True)  # no say in the auto range

        self.log_scale = QCheckBox("Log scale", self)
        self.log_scale.setObjectName("loss_log_scale")
        self.log_scale.setAccessibleName("Loss on a log scale")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis, to see late progress.")
        self.log_scale.toggled.connect(self._on_log_scale_toggled)
        self.status = QLabel(self)
        self.status.setObjectName("loss_plot_status")
        self.status.setAccessibleName("Latest loss")

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 0, 4, 0)
        controls.addWidget(self.log_scale)
        controls.addStretch(1)
        controls.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot_widget, 1)
        layout.addLayout(controls)
        self._restyle()

    # -- data --------------------------------------------------------------------------

    @property
    def plot_item(self) -> pg.PlotItem:
        """The PlotItem, e.g. for ``pyqtgraph.exporters.ImageExporter``."""
        return self.plot_widget.getPlotItem()

    def record_snapshot(self, snapshot: Snapshot) -> None:
        """Append a snapshot's step losses and evaluations; draws nothing."""
        if snapshot.losses.shape[0]:
            if self.smoothing is None:
                self.smoothing = auto_smoothing(snapshot.total_steps)
            smoothed, self._ema_state, self._ema_count = ema_extend(
                snapshot.losses, self._ema_state, self._ema_count, self.smoothing
            )
            self._steps.extend(snapshot.steps)
            self._losses.extend(snapshot.losses)
            self._smoothed.extend(smoothed)
            self._steps_dirty = True
        for m in snapshot.metrics:
            self._eval_steps.append(m.step)
            self._train.append(m.train_loss)
            self._test.append(np.nan if m.test_loss is None else m.test_loss)
            self._evals_dirty = True

    def refresh(self) -> None:
        """Draw what was recorded since the last refresh (nothing if nothing changed)."""
        if self._steps_dirty:
            self._steps_dirty = False
            steps = self._steps.view()
            # Losses are finite (the trainer stops before a non-finite one is recorded).
            self.step_curve.setData(steps, self._losses.view(), skipFiniteCheck=True)
            self.smoothed_curve.setData(
                steps,
                self._smoothed.view(),
                skipFiniteCheck=True,
                antialias=pg.getConfigOption("antialias") and len(steps) < ANTIALIAS_LIMIT,
            )
            loss = self._losses.last()
            self.status.setText(
                f"step {int(self._steps.last())} · batch loss {loss:.4g} · "
                f"average {self._smoothed.last():.4g}"
            )
        if self._evals_dirty:
            self._evals_dirty = False
            x, test = self._eval_steps.view(), self._test.view()
            self.train_curve.setData(x, self._train.view())
            has_test = np.isfinite(test)
            self.test_curve.setData(x[has_test], test[has_test])

    def clear(self) -> None:
        """Forget every point (a new run) and follow new data again."""
        for array in (
            self._steps,
            self._losses,
            self._smoothed,
            self._eval_steps,
            self._train,
            self._test,
        ):
            array.clear()
        self._ema_state, self._ema_count = 0.0, 0
        self.smoothing = self._fixed_smoothing
        self._steps_dirty = self._evals_dirty = False
        # New, empty data before the buffers are refilled in place (see GrowableArray.clear).
        for curve in (self.step_curve, self.smoothed_curve, self.train_curve, self.test_curve):
            curve.setData([], [])
        self.status.setText("")
        self.step_marker.hide()  # a step of the old run means nothing in the new one
        self.plot_item.enableAutoRange()

    def mark_step(self, step: int | None) -> None:
        """Draw a dashed vertical line at ``step`` (the state shown elsewhere); None hides it."""
        if step is None:
            self.step_marker.hide()
            return
        # The label goes right of the line, or left of it near the end of the run.
        side = 1 if step > 0.75 * (self._steps.last() or 0) > 0 else 0
        self.step_marker.label.anchors = [(side, 0.5), (side, 0.5)]
        self.step_marker.show()  # first: a hidden line's label ignores new values
        self.step_marker.setValue(float(step))
        self.step_marker.label.valueChanged()  # the same value again still re-anchors

    def marked_step(self) -> int | None:
        """The step the dashed line marks, or None when it is hidden."""
        return int(self.step_marker.value()) if self.step_marker.isVisible() else None

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
        return {
            "steps": self._steps.view().astype(np.int64),
            "losses": self._losses.view().copy(),
            "smoothed": self._smoothed.view().copy(),
            "eval_steps": self._eval_steps.view().astype(np.int64),
            "train_loss": self._train.view().copy(),
            "test_loss": self._test.view().copy(),
        }

    # -- looks ---------------------------------------------------------------------------

    def _on_log_scale_toggled(self, on: bool) -> None:
        self.plot_item.setLogMode(y=on)
        self.plot_item.setLabel("left", "loss (log scale)" if on else "loss")
        self.plot_item.enableAutoRange(y=True)

    def _restyle(self) -> None:
        style_plot(self.plot_widget)
        style_legend(self.legend)
        background, text = plot_colours()
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


def _preview() -> int:  # pragma: no cover - manual preview
    from nnstudio.gui.widgets.preview import preview_training

    return preview_training(LossPlot, "loss")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
