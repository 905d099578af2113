"""Growable arrays for live plots, and the axes and plot set-up the plots share.

A live plot receives data in small pieces (one snapshot at a time) but draws
the whole history on every frame. :class:`GrowableArray` keeps that history in
one preallocated NumPy buffer that doubles when full, so appending is amortised
O(1) and :meth:`GrowableArray.view` hands pyqtgraph a view of the filled part
without copying.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QWidget

INITIAL_CAPACITY = 1024
MAX_TICKS = 24  # labels per NeuronAxis at most; denser axes label every k-th neuron


class GrowableArray:
    """A 1-D array that grows by doubling.

    Parameters
    ----------
    capacity : int
        Elements to preallocate.
    dtype : numpy dtype
        Element type (float64 by default).
    """

    def __init__(self, capacity: int = INITIAL_CAPACITY, dtype=np.float64):
        self._buffer = np.empty(max(1, int(capacity)), dtype=dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def capacity(self) -> int:
        return self._buffer.shape[0]

    def _reserve(self, needed: int) -> None:
        if needed <= self._buffer.shape[0]:
            return
        capacity = self._buffer.shape[0]
        while capacity < needed:
            capacity *= 2
        # A fresh buffer: views handed out earlier keep pointing at the old one, which
        # still holds exactly the values they showed.
        grown = np.empty(capacity, dtype=self._buffer.dtype)
        grown[: self._size] = self._buffer[: self._size]
        self._buffer = grown

    def append(self, value: float) -> None:
        """Add one value at the end."""
        self._reserve(self._size + 1)
        self._buffer[self._size] = value
        self._size += 1

    def extend(self, values: np.ndarray) -> None:
        """Add every value of the 1-D array ``values`` at the end."""
        values = np.asarray(values).ravel()
        end = self._size + values.shape[0]
        self._reserve(end)
        self._buffer[self._size : end] = values
        self._size = end

    def view(self) -> np.ndarray:
        """The filled part, shape ``(len(self),)``; a read-only view, no copy."""
        view = self._buffer[: self._size]
        view.flags.writeable = False
        return view

    def last(self, default: float | None = None) -> float | None:
        """The last value, or ``default`` when empty."""
        return self._buffer[self._size - 1].item() if self._size else default

    def clear(self) -> None:
        """Forget every value (the capacity is kept).

        Later appends overwrite the buffer in place, so a caller that handed
        :meth:`view` results to a plot must give the plot new data first.
        """
        self._size = 0


@functools.lru_cache(maxsize=8)
def _ema_kernel(beta: float, block: int) -> tuple[np.ndarray, np.ndarray]:
    """``kernel[k, j] = (1 - beta) beta^(k - j)`` for ``j <= k`` (else 0), and ``beta^(k+1)``."""
    lags = np.subtract.outer(np.arange(block), np.arange(block))
    kernel = np.where(lags >= 0, (1.0 - beta) * beta ** np.maximum(lags, 0), 0.0)
    powers = beta ** np.arange(1, block + 1)
    kernel.flags.writeable = powers.flags.writeable = False  # shared by every caller
    return kernel, powers


def ema_extend(
    values: np.ndarray, state: float, count: int, beta: float, block: int = 256
) -> tuple[np.ndarray, float, int]:
    """Bias-corrected exponential moving average of ``values``, continuing a running one.

    ``state`` is the uncorrected average after ``count`` earlier values (0.0 and
    0 at the start). The smoothed value after ``t`` values is
    ``s_t / (1 - beta**t)`` with ``s_t = beta * s_{t-1} + (1 - beta) * x_t``
    (the correction removes the pull towards the zero start, as in Adam).
    Computed in blocks with a small lower-triangular matrix instead of a Python
    loop, so a snapshot with thousands of steps costs microseconds.

    Parameters
    ----------
    values : ndarray, shape (m,)
    state : float
    count : int
    beta : float
        Weight of the past, in [0, 1).

    Returns
    -------
    smoothed : ndarray, shape (m,)
    state : float
        The uncorrected average after the last value.
    count : int
        ``count + m``.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    out = np.empty_like(values)
    kernel, powers = _ema_kernel(float(beta), int(block))
    for start in range(0, values.shape[0], block):
        chunk = values[start : start + block]
        n = chunk.shape[0]
        raw = kernel[:n, :n] @ chunk + powers[:n] * state
        steps = count + start + np.arange(1, n + 1)
        out[start : start + n] = raw / (1.0 - beta**steps)
        state = float(raw[-1])
    return out, state, count + values.shape[0]


def plot_colours() -> tuple[QColor, QColor]:
    """Background and text colours of the application palette (light or dark)."""
    app = QApplication.instance()
    palette = app.palette() if app is not None else QPalette()
    return palette.color(QPalette.Base), palette.color(QPalette.Text)


def style_legend(legend: pg.LegendItem | None) -> None:
    """Give a legend the palette's text colour on a translucent background."""
    if legend is None:
        return
    background, text = plot_colours()
    fill = QColor(background)
    fill.setAlpha(200)
    border = QColor(text)
    border.setAlpha(60)
    legend.setBrush(pg.mkBrush(fill))
    legend.setPen(pg.mkPen(border))
    legend.setLabelTextColor(text)
    for _, label in legend.items:
        label.setText(label.text)  # setLabelTextColor only affects labels made later


class ReadableAxis(pg.AxisItem):
    """An axis with plain numbers (no "(x0.001)" prefix) and uncrowded log labels.

    In log mode pyqtgraph labels every minor tick (2 … 9 in each decade), which
    piles the labels up at the top of a decade; this axis labels 1, 2 and 5 only,
    unless that would leave fewer than two labels in view.
    """

    def __init__(self, orientation: str, **kwargs):
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        strings = super().logTickStrings(values, scale, spacing)
        if spacing is not None:  # a level of whole decades: keep them all
            return strings
        mantissas = [round(10 ** (v - math.floor(v))) for v in values]
        kept = [s if m in (1, 2, 5) else "" for s, m in zip(strings, mantissas, strict=True)]
        return kept if sum(1 for s in kept if s) >= 2 else strings


def make_plot_widget(parent: QWidget, name: str, accessible: str, tooltip: str) -> pg.PlotWidget:
    """A PlotWidget with readable axes, named for tests and assistive tools.

    The plot's own "Plot options" menu is off (it would switch log mode behind the
    widget's checkbox); the view menu (view all, export) stays.
    """
    widget = pg.PlotWidget(
        parent, axisItems={side: ReadableAxis(side) for side in ("left", "bottom")}
    )
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    widget.setToolTip(tooltip)
    widget.getPlotItem().setMenuEnabled(False, enableViewBoxMenu=True)
    return widget


def _nice_step(minimum: float) -> int:
    """The smallest of 1, 2, 3, 4, 5, 10, 20, 50, 100, … that is at least ``minimum``."""
    if minimum <= 5:
        return max(1, math.ceil(minimum))
    magnitude = 10 ** math.floor(math.log10(minimum))
    return next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= minimum)


class NeuronAxis(pg.AxisItem):
    """An axis that labels matrix rows or columns with neuron names.

    Cell ``i`` spans ``[i, i + 1]``; its label sits at ``i + 0.5``. When the
    labels would overlap (or exceed :data:`MAX_TICKS`), only every k-th is shown
    (k = 1, 2, 3, 4, 5, 10, 20, 50, …), computed at paint time from the axis length.
    """

    def __init__(self, orientation: str):
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)
        self.names: list[str] = []
        self.bias_at: float | None = None
        self.elide = False
        self._label_pixels = 12.0
        self._metrics = QFontMetrics(self.font())
        self._elide_to: float | None = None  # pixels per label when eliding, this paint

    def set_names(
        self, names: Sequence[str], bias_at: float | None = None, elide: bool = False
    ) -> None:
        """Label cell ``i`` with ``names[i]``; put "bias" at ``bias_at`` (or nowhere).

        With ``elide`` (a few named columns, e.g. classes) a horizontal axis
        shortens names that do not fit ("Iris…color") rather than skipping some.
        """
        self.names = list(names)
        self.bias_at = bias_at
        self.elide = elide
        metrics = QFontMetrics(self.style["tickFont"] or self.font())
        self._metrics = metrics
        if self.orientation in ("left", "right"):
            self._label_pixels = metrics.height() * 1.2
        else:
            widest = max((metrics.horizontalAdvance(n) for n in self.names), default=0)
            self._label_pixels = widest + 6.0
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph override)
        n = len(self.names)
        low, high = sorted((minVal, maxVal))
        if n == 0 or size <= 0 or high <= low:
            return []
        first, last = max(0, math.floor(low)), min(n, math.ceil(high))
        pixels_per_cell = size / (high - low)
        horizontal = self.orientation in ("top", "bottom")
        self._elide_to = None
        if self.elide and horizontal and last - first <= MAX_TICKS and pixels_per_cell >= 30:
            if pixels_per_cell < self._label_pixels:
                self._elide_to = pixels_per_cell - 6
            return [(1.0, [i + 0.5 for i in range(first, last)])]
        every = _nice_step(
            max(self._label_pixels / pixels_per_cell, (last - first) / MAX_TICKS, 1.0)
        )
        # Label neurons every, 2*every, ... (1-based), so numbers read 5, 10, 15.
        values = [i + 0.5 for i in range(first, last) if (i + 1) % every == 0]
        if self.bias_at is not None and low <= self.bias_at <= high:
            values.append(self.bias_at)
        return [(float(every), values)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        strings = []
        for v in values:
            if self.bias_at is not None and abs(v - self.bias_at) < 1e-9:
                strings.append("bias")
            else:
                name = self.names[min(int(math.floor(v)), len(self.names) - 1)]
                if self._elide_to is not None:
                    name = self._metrics.elidedText(name, Qt.ElideMiddle, int(self._elide_to))
                strings.append(name)
        return strings


class SqueezableTitle(pg.LabelItem):
    """A title that does not set a minimum width, so narrow windows squeeze, not crop.

    pyqtgraph's LabelItem makes its text width a minimum (via its ``_sizeHint``),
    which, with several titled plots side by side, crops the scene in a narrow dock.
    """

    def updateMin(self) -> None:  # noqa: N802 (pyqtgraph override)
        super().updateMin()
        height = self._sizeHint[Qt.MinimumSize][1]
        self._sizeHint[Qt.MinimumSize] = (0, height)
        self.setMinimumWidth(0)
        self.updateGeometry()
