"""How each layer's weights spread out over training, TensorBoard style.

For one weight layer, :func:`nnstudio.core.history.distribution_image` gives a
histogram of the weight values at each recorded step. This view stacks them as
one image: x is the step, y the weight value, and the colour how many weights
had that value then (stronger = more; on a log scale, so a few outliers stay
visible next to the crowd near zero).

Recorded steps are unevenly spaced (the history thins old entries), so the
entries are *resampled onto a uniform step axis*: the image has
:data:`COLUMNS` columns evenly spaced from the first to the last recorded
step, and each column shows the latest entry recorded at or before its step
(sample and hold). A thinned stretch shows as wider bands; one item and one
``setImage`` per update, whatever the history's length.

Run ``python -m nnstudio.gui.widgets.weight_histograms`` for a preview.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from nnstudio.core.history import WeightHistory, distribution_image
from nnstudio.gui.palette import SERIES, is_dark, style_plot
from nnstudio.gui.widgets.series import StepMarker, make_plot_widget, plot_colours

COLUMNS = 400  # image columns on the step axis at most
MIN_BINS, MAX_BINS = 16, 64


def bins_for(n_weights: int) -> int:
    """Histogram bins for a layer of ``n_weights``: about 2√n, from 16 to 64.

    A small layer in 64 bins is a few scattered lines, not a distribution.
    """
    return int(np.clip(round(2 * np.sqrt(n_weights)), MIN_BINS, MAX_BINS))


def resample_columns(steps: np.ndarray, columns: int = COLUMNS) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced column steps and the entry each column shows.

    Parameters
    ----------
    steps : ndarray of int, shape (n,)
        Recorded steps, increasing.
    columns : int
        Columns at most (fewer when the run has fewer steps).

    Returns
    -------
    centres : ndarray of float, shape (c,)
        The step at each column's centre, from ``steps[0]`` to ``steps[-1]``.
    rows : ndarray of int, shape (c,)
        For each column, the index of the latest entry at or before its centre.
    """
    steps = np.asarray(steps, dtype=np.float64)
    span = steps[-1] - steps[0]
    count = int(min(columns, span + 1)) if len(steps) > 1 else 1
    centres = np.linspace(steps[0], steps[-1], count)
    rows = np.clip(np.searchsorted(steps, centres + 1e-9, side="right") - 1, 0, len(steps) - 1)
    return centres, rows


def intensity(image: np.ndarray) -> np.ndarray:
    """Counts ``(n, bins)`` to [0, 1] on a log scale: ``log1p(count) / log1p(max)``."""
    image = np.asarray(image, dtype=np.float64)
    top = float(image.max()) if image.size else 0.0
    return np.log1p(image) / np.log1p(top) if top > 0 else np.zeros_like(image)


class WeightHistogramView(QWidget):
    """One layer's weight distribution against the step, with a step marker."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("weight_histograms")
        self._history: WeightHistory | None = None
        self._shapes: list[tuple[int, int]] = []
        self.source: np.ndarray | None = None  # (n_entries, bins) counts shown now
        self.steps: np.ndarray = np.empty(0, dtype=np.int64)
        self.edges: np.ndarray = np.empty(0)

        self.layer_combo = QComboBox(self)
        self.layer_combo.setObjectName("histogram_layer")
        self.layer_combo.setAccessibleName("Weight layer")
        self.layer_combo.setToolTip("The weight layer whose distribution is shown.")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        self.hint = QLabel("Stronger colour: more weights with that value at that step.", self)
        self.hint.setObjectName("histogram_hint")
        self.hint.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)

        self.plot_widget = make_plot_widget(
            self,
            "histogram_view",
            "Weight distribution over time",
            "Each column is a histogram of the layer's weights at that step: watch them "
            "spread out, drift or pile up at zero.",
        )
        self.plot_widget.setMinimumHeight(90)  # the weight axis needs room to be read
        item = self.plot_widget.getPlotItem()
        item.setLabel("bottom", "step")
        item.setLabel("left", "weight")
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        # Marks the step the other views show while the timeline shows a recorded state.
        self.step_marker = StepMarker(label_position=0.9)
        item.addItem(self.step_marker, ignoreBounds=True)

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 0, 4, 0)
        controls.addWidget(QLabel("Layer:", self))
        controls.addWidget(self.layer_combo)
        controls.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 1)
        self._restyle()

    # -- public ---------------------------------------------------------------------------

    def show_history(self, history: WeightHistory | None) -> None:
        """Draw the chosen layer's distribution from a :class:`WeightHistory`."""
        self._history = history
        if history is None or len(history) == 0:
            self.clear()
            return
        shapes = [tuple(w.shape) for w in history.last.weights]
        if shapes != self._shapes:
            self._shapes = shapes
            keep = max(self.layer_combo.currentIndex(), 0)
            self.layer_combo.blockSignals(True)
            self.layer_combo.clear()
            self.layer_combo.addItems(
                [f"layer {i + 1} ({a}→{b})" for i, (a, b) in enumerate(shapes)]
            )
            self.layer_combo.setCurrentIndex(min(keep, len(shapes) - 1))
            self.layer_combo.blockSignals(False)
        self._draw()

    def layer(self) -> int:
        """The shown weight layer (0-based)."""
        return max(self.layer_combo.currentIndex(), 0)

    def mark_step(self, step: int | None) -> None:
        """Draw a dashed vertical line at ``step``; None hides it."""
        self.step_marker.mark(step, float(self.steps[-1]) if len(self.steps) else 0.0)

    def marked_step(self) -> int | None:
        """The step the dashed line marks, or None when hidden."""
        return self.step_marker.marked_step()

    def displayed_image(self) -> np.ndarray | None:
        """The drawn intensities, shape ``(bins, columns)`` (row 0 = lowest weight)."""
        return None if self.image.image is None else np.array(self.image.image)

    def clear(self) -> None:
        """Forget everything (a new run)."""
        self._history = None
        self._shapes = []
        self.source = None
        self.steps, self.edges = np.empty(0, dtype=np.int64), np.empty(0)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.blockSignals(False)
        self.image.clear()
        self.step_marker.hide()

    # -- drawing --------------------------------------------------------------------------

    def _draw(self) -> None:
        history, layer = self._history, self.layer()
        bins = bins_for(history.last.weights[layer].size)
        image, steps, edges = distribution_image(history, layer, bins=bins)
        self.source, self.steps, self.edges = np.asarray(image), np.asarray(steps), edges
        centres, rows = resample_columns(self.steps)
        shown = intensity(self.source)[rows].T  # (bins, columns): y = weight, x = step
        self.image.setImage(shown, levels=(0.0, 1.0), autoLevels=False)
        width = (centres[-1] - centres[0]) / (len(centres) - 1) if len(centres) > 1 else 1.0
        low, high = float(edges[0]), float(edges[-1])
        self.image.setRect(
            QRectF(centres[0] - width / 2, low, centres[-1] - centres[0] + width, high - low)
        )
        self.plot_widget.getPlotItem().enableAutoRange()

    def _lookup_table(self) -> np.ndarray:
        """From the plot background (no weights) to a strong blue (most weights)."""
        background, _ = plot_colours()
        if is_dark():
            stops = [background, QColor(SERIES["smoothed"]), QColor(SERIES["extra"])]
        else:
            stops = [background, QColor(SERIES["extra"]), QColor(SERIES["smoothed"])]
        cmap = pg.ColorMap(np.linspace(0, 1, len(stops)), [pg.mkColor(c) for c in stops])
        return cmap.getLookupTable(0.0, 1.0, 256, alpha=False)

    def _on_layer_chosen(self, _index: int) -> None:
        if self._history is not None and len(self._history):
            self._draw()

    def _restyle(self) -> None:
        style_plot(self.plot_widget)
        self.plot_widget.getPlotItem().showGrid(x=False, y=False)
        self.image.setLookupTable(self._lookup_table())
        background, text = plot_colours()
        label = self.step_marker.label
        label.setColor(text)
        fill = QColor(background)
        fill.setAlpha(210)
        label.fill = pg.mkBrush(fill)  # readable over the image
        label.update()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._restyle()


def _preview() -> int:  # pragma: no cover - manual preview
    from nnstudio.core.history import WeightHistory
    from nnstudio.gui.widgets.preview import preview_training

    history = WeightHistory(budget_bytes=2**20)

    def prepare(view, trainer):
        history.record(trainer.state_snapshot())  # step 0: the initial weights

    def feed(view, trainer, snapshot):
        history.record(snapshot)
        view.show_history(history)

    return preview_training(
        WeightHistogramView,
        "weight histograms",
        data="gen:circle",
        size=(720, 340),
        prepare_view=prepare,
        feed=feed,
        every_steps=10,
        per_tick=3,
        epochs=500,
        hidden_layers=(16, 8),
        learning_rate=0.03,
    )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
