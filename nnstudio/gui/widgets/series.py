"""The axes and plot set-up the live plots share, and the arrays they record into.

A live plot receives data in small pieces (one snapshot at a time) but draws
the whole history on every frame. :class:`GrowableArray` (Qt-free, from
:mod:`nnstudio.core.long_series`) keeps that history in one preallocated NumPy
buffer that doubles when full, so appending is amortised O(1) and
:meth:`GrowableArray.view` hands pyqtgraph a view of the filled part without
copying.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QGraphicsItem, QWidget

# Qt-free; imported here for the plots that import it from this module.
from nnstudio.core.long_series import GrowableArray  # noqa: F401
from nnstudio.gui.palette import SERIES

MAX_TICKS = 24  # labels per NeuronAxis at most; denser axes label every k-th neuron
# A following x range ends at the data's span rounded up to one of these (times 10^k):
# each jump is at most a third, so the data fills at least three quarters of the width.
X_JUMPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
Y_MARGIN = 0.1  # a following y range that must grow takes this much of the span more
# Qt strokes an antialiased zigzag several times slower than a plain one: a noisy series
# (one point per snapshot) is drawn smooth while its points are this many pixels apart on
# average, plain once they are closer (a dense zigzag gains little from smoothing).
ANTIALIAS_SPACING = 6
HOLD_SLACK = 0.01  # data this close outside a held range (a fraction of it) counts as inside
Y_SHRINK = 0.6  # a held range is fitted again when the data spans less than this much of it
# An OpaqueGrid paints after the axes that hand it their lines, before the view box (-100).
GRID_AXES_Z, GRID_Z = -200, -150


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
    unless that would leave fewer than two labels in view, and never draws a label
    over another.
    """

    def __init__(self, orientation: str, **kwargs):
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self._grid: OpaqueGrid | None = None

    def setRange(self, mn: float, mx: float) -> None:  # noqa: N802 (pyqtgraph override)
        # pyqtgraph throws the axis's picture away on every call, even for the range it
        # has (its view box reports each range change of either axis, and each resize).
        if getattr(self, "range", None) != [mn, mx]:  # (set first in pyqtgraph's __init__)
            super().setRange(mn, mx)

    def hand_grid_to(self, grid: OpaqueGrid | None) -> None:
        """Let ``grid`` draw this axis's grid lines (None: draw them here, translucent)."""
        self._grid = grid
        # An axis works out its lines when it paints, so it paints before the grid does.
        self.setZValue(0.5 if grid is None else GRID_AXES_Z)
        self.picture = None
        self.update()

    def generateDrawSpecs(self, p):  # noqa: N802 (pyqtgraph override)
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return specs
        axis, ticks, texts = specs
        texts = _apart(texts)
        if self._grid is None:
            return axis, ticks, texts
        # With the grid on, each tick is one line across the view; lines of several tick
        # levels at one place add up, as translucent lines drawn over each other do.
        lines: dict[float, tuple[QLineF, QColor, float]] = {}
        for pen, a, b in ticks:
            line = QLineF(self.mapToItem(self._grid, a), self.mapToItem(self._grid, b))
            at = round(line.x1() if line.dx() == 0 else line.y1(), 1)  # where it crosses the axis
            longest, _, clear = lines.get(at, (line, None, 1.0))
            if longest.length() > line.length():
                line = longest
            lines[at] = (line, pen.color(), clear * (1.0 - pen.color().alphaF()))
        self._grid.set_lines(self.orientation, [(ln, c, 1.0 - t) for ln, c, t in lines.values()])
        return axis, [], texts

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        strings = super().logTickStrings(values, scale, spacing)
        if spacing is not None:  # a level of whole decades: keep them all
            return strings
        mantissas = [round(10 ** (v - math.floor(v))) for v in values]
        kept = [s if m in (1, 2, 5) else "" for s, m in zip(strings, mantissas, strict=True)]
        return kept if sum(1 for s in kept if s) >= 2 else strings


def _apart(texts: list) -> list:
    """The tick labels ``(rect, flags, text)`` that overlap none before them.

    pyqtgraph spaces each level of ticks, but not the levels against each other: on a
    log axis a few pixels high, the labels of 0.08, 0.09 and 0.1 land on top of each
    other. Its labels come major level first, so these are the ones kept.
    """
    kept: list = []
    for text in texts:
        if not any(text[0].intersects(other[0]) for other in kept):
            kept.append(text)
    return kept


def antialias_for(points: int, pixels: float) -> bool:
    """Whether a noisy curve of ``points`` points across ``pixels`` is drawn antialiased.

    Only when the application antialiases at all (pyqtgraph's ``antialias`` option).
    """
    return bool(pg.getConfigOption("antialias")) and points * ANTIALIAS_SPACING <= pixels


def nice_ceil(value: float) -> float:
    """The smallest of :data:`X_JUMPS` times a power of ten that is at least ``value`` (> 0)."""
    magnitude = 10.0 ** math.floor(math.log10(value))
    return next(j * magnitude for j in X_JUMPS if j * magnitude >= value * (1 - 1e-12))


class SteadyScale:
    """The top of a colour scale that moves in round steps rather than with every frame.

    A colour bar redraws its axis whenever its levels change; levels that follow the
    largest value exactly change on every frame of a run. :meth:`fit` returns the
    value rounded up by :func:`nice_ceil`, and keeps returning it while the values stay
    under it and above :data:`Y_SHRINK` of it, so every value is still on the scale.
    """

    def __init__(self):
        self.top: float | None = None

    def fit(self, value: float) -> float:
        """The scale's top for a largest value ``value`` (> 0 and finite, else kept)."""
        if not (math.isfinite(value) and value > 0):
            return self.top if self.top is not None else 1.0
        if self.top is None or value > self.top or value < Y_SHRINK * self.top:
            self.top = nice_ceil(value)
        return self.top

    def reset(self) -> None:
        """Fit the next value afresh (what the scale shows has changed)."""
        self.top = None


class SteadyViewBox(pg.ViewBox):
    """A view box whose auto range moves in jumps rather than with every new point.

    An axis redraws its ticks and labels whenever its range changes; a live plot
    that follows growing data would change its range, and redraw its axes, on every
    frame. Following the data (auto range on), this box holds a range while the data
    stays inside it and fills enough of it: the x range runs ahead to a round span
    (:func:`nice_ceil`), the y range grows at once with a margin, and either is fitted
    again only when the data has come to fill much less of it (:data:`Y_SHRINK`).
    The data stays fully visible; a range set by hand (pan, zoom) is kept as it is.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._steadying = False
        self._held: list[tuple[float, float] | None] = [None, None]

    def enableAutoRange(self, axis=None, enable=True, x=None, y=None):  # noqa: N802
        if x is None and y is None:
            on = enable is not False
            turned_on = [
                on and axis in (None, self.XYAxes, self.XAxis, "xy", "x"),
                on and axis in (None, self.XYAxes, self.YAxis, "xy", "y"),
            ]
        else:
            turned_on = [x is not None and x is not False, y is not None and y is not False]
        for ax, fresh in enumerate(turned_on):
            if fresh:  # asked to follow the data (again): start with a fresh fit
                self._held[ax] = None
        super().enableAutoRange(axis, enable, x=x, y=y)

    def updateAutoRange(self):  # noqa: N802 (pyqtgraph override)
        self._steadying = True
        try:
            super().updateAutoRange()
        finally:
            self._steadying = False

    def childrenBounds(self, frac=None, orthoRange=(None, None), items=None):  # noqa: N802
        bounds = super().childrenBounds(frac=frac, orthoRange=orthoRange, items=items)
        if not self._steadying:  # e.g. "view all": the data's own bounds
            return bounds
        for ax in (0, 1):
            if bounds[ax] is not None and self.state["autoRange"][ax] is not False:
                bounds[ax] = self._hold(ax, float(bounds[ax][0]), float(bounds[ax][1]))
        return bounds

    def _hold(self, ax: int, low: float, high: float) -> list[float]:
        held = self._held[ax]
        span = high - low
        round_x = ax == 0 and span > 0 and not self.state["logMode"][0]
        if held is not None:
            # The bounds include the curves' pen widths, converted at the current scale:
            # they wobble a little as the range changes, which must not move it again.
            slack = HOLD_SLACK * (held[1] - held[0])
            inside = held[0] - slack <= low and high <= held[1] + slack
        if held is None or span < Y_SHRINK * (held[1] - held[0]) or (round_x and not inside):
            held = (low, low + nice_ceil(span)) if round_x else (low, high)
        elif not inside:
            margin = Y_MARGIN * span
            held = (min(low - margin, held[0]), max(high + margin, held[1]))
        self._held[ax] = held
        return list(held)


class OpaqueGrid(QGraphicsItem):
    """The grid of a PlotItem's left and bottom axes, drawn opaque, under the curves.

    Qt's raster engine blends translucent lines about ten times slower than it draws
    opaque ones: pyqtgraph's translucent grid costs 10-15 ms a frame on a 900-pixel
    plot, more than the curves. The axes hand their lines over
    (:meth:`ReadableAxis.hand_grid_to`) and this item draws them in colours blended
    onto the background beforehand, which look the same, faintest first, so that where
    lines cross the stronger one shows, as where translucent lines add up. It sits
    under the view box, so the lines do not cut the curves that cross them.
    """

    def __init__(self, plot_item: pg.PlotItem, background: QColor):
        super().__init__(plot_item)
        self.setZValue(GRID_Z)
        self._background = QColor(background)
        self._lines: dict[str, list[tuple[QLineF, QColor, float]]] = {}
        self._pens: list[tuple[QLineF, QPen]] | None = None
        self._plot_item = plot_item
        # The plot's rectangle is kept here: while a scene is torn down Qt may ask this
        # item for its bounds after the plot item itself has been deleted.
        self._rect = QRectF(plot_item.boundingRect())
        plot_item.geometryChanged.connect(self._on_geometry_changed)
        for side in ("left", "bottom"):
            plot_item.getAxis(side).hand_grid_to(self)

    def set_background(self, background: QColor) -> None:
        self._background = QColor(background)
        self._pens = None
        self.update()

    def set_lines(self, orientation: str, lines: list[tuple[QLineF, QColor, float]]) -> None:
        """The lines of one axis: each with its colour and the opacity it would be drawn with."""
        self._lines[orientation] = lines
        self._pens = None

    def pens(self) -> list[tuple[QLineF, QPen]]:
        """Every line with its opaque pen, in drawing order (faintest first)."""
        if self._pens is None:  # kept while the axes keep their lines (most frames)
            lines = sorted((ln for lines in self._lines.values() for ln in lines), key=_opacity)
            self._pens = [
                (line, _blended_pen(colour, alpha, self._background))
                for line, colour, alpha in lines
            ]
        return self._pens

    def _on_geometry_changed(self) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(self._plot_item.boundingRect())

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for line, pen in self.pens():
            painter.setPen(pen)
            painter.drawLine(line)


def _opacity(line: tuple[QLineF, QColor, float]) -> float:
    return line[2]


def _blended_pen(colour: QColor, alpha: float, background: QColor) -> QPen:
    """A cosmetic 1-pixel pen of ``colour`` at opacity ``alpha`` over ``background``, opaque."""
    mixed = QColor.fromRgbF(
        *(
            alpha * fore + (1.0 - alpha) * back
            for fore, back in zip(colour.getRgbF()[:3], background.getRgbF()[:3], strict=True)
        )
    )
    pen = QPen(mixed)
    pen.setCosmetic(True)
    return pen


def make_plot_widget(parent: QWidget, name: str, accessible: str, tooltip: str) -> pg.PlotWidget:
    """A PlotWidget with readable axes and a steady view box, named for tests and tools.

    The plot's own "Plot options" menu is off (it would switch log mode behind the
    widget's checkbox); the view menu (view all, export) stays.
    """
    widget = pg.PlotWidget(
        parent,
        viewBox=SteadyViewBox(),
        axisItems={side: ReadableAxis(side) for side in ("left", "bottom")},
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


class StepMarker(pg.InfiniteLine):
    """A dashed vertical line labelled with the step it marks: the state other views show.

    ``label_position`` places the label along the line (0 bottom, 1 top). It sits right
    of the line, or left of it when the step is near the end of the run.
    """

    def __init__(self, label_position: float):
        super().__init__(
            angle=90,
            movable=False,
            pen=pg.mkPen(SERIES["accent"], width=2, style=Qt.DashLine),
            label="step {value:,.0f}",
            labelOpts={"position": label_position, "anchors": [(0, 0.5), (0, 0.5)]},
        )
        self.setZValue(20)
        self.hide()

    def mark(self, step: int | None, last_step: float) -> None:
        """Show the line at ``step`` (of a run now at ``last_step``); None hides it."""
        if step is None:
            self.hide()
            return
        side = 1 if step > 0.75 * last_step > 0 else 0
        self.label.anchors = [(side, 0.5), (side, 0.5)]
        self.show()  # first: a hidden line's label ignores new values
        self.setValue(float(step))
        self.label.valueChanged()  # the same value again still re-anchors

    def marked_step(self) -> int | None:
        """The step the line marks, or None when it is hidden."""
        return int(self.value()) if self.isVisible() else None
