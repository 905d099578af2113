"""What single units compute: each unit's output over the decision-boundary plane.

:class:`UnitView` shows one unit large, with a colour bar; :class:`UnitStrip`
shows every unit of one layer as a small thumbnail (click one to pick it). The
grids come from :func:`nnstudio.core.grid.unit_grids` (shape ``(units, res, res)``,
rows along y, lowest y first).

Colour scales follow the activation's range, so the colours mean the same thing
for every unit: sigmoid and softmax on ``[0, 1]``, relu-like on ``[0, max]``
(both on the sequential viridis map), tanh on ``[-1, 1]`` and unbounded ones on
a range symmetric around zero (on the shared diverging weight palette). The large
view rounds an open end up to a round number that moves only in steps while a run
trains, so its colour bar is not redrawn on every frame.

Run ``python -m nnstudio.gui.widgets.neuron_view`` for a preview on a generated data set.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from nnstudio.core.grid import GridSpec
from nnstudio.gui.palette import diverging_colormap, style_plot, symmetric_limit
from nnstudio.gui.widgets.series import SqueezableTitle, SteadyScale, plot_colours

MAX_THUMBNAILS = 64
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's largest widget size, which PySide6 does not export
GAP = 0.12  # space between thumbnails, as a fraction of a thumbnail
# Thumbnails are drawn a few dozen pixels wide: a finer grid is sampled down to at most
# this many points a side (keeping its edges), which makes colouring them cheap.
THUMBNAIL_POINTS = 34
UNIT_RANGE = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}
NON_NEGATIVE = ("relu", "softplus")  # [0, max]; anything else unbounded is symmetric


def activation_scale(activation: str, grids: np.ndarray) -> tuple[tuple[float, float], bool]:
    """The colour levels for outputs ``grids`` of ``activation``, and whether they are signed.

    Returns
    -------
    levels : (float, float)
    signed : bool
        True for a scale symmetric around zero (drawn with the diverging palette).
    """
    if activation in UNIT_RANGE:
        low, high = UNIT_RANGE[activation]
        return (low, high), low < 0
    if activation in NON_NEGATIVE:
        top = float(grids.max()) if grids.size else 0.0
        if not math.isfinite(top):  # rare: look again at the finite values only
            finite = grids[np.isfinite(grids)]
            top = float(finite.max()) if finite.size else 0.0
        return (0.0, top if top > 0 else 1.0), False
    limit = symmetric_limit(np.asarray(grids, dtype=np.float64))
    limit = limit if limit > 1e-9 else 1.0
    return (-limit, limit), True


def _colour_map(signed: bool) -> pg.ColorMap:
    return diverging_colormap() if signed else pg.colormap.get("viridis")


def _grid_rect(spec: GridSpec, res_y: int, res_x: int) -> QRectF:
    """The plot rectangle of a ``(res_y, res_x)`` grid over ``spec`` (values on cell centres)."""
    (x0, x1), (y0, y1) = spec.x_range, spec.y_range
    dx, dy = (x1 - x0) / max(res_x - 1, 1), (y1 - y0) / max(res_y - 1, 1)
    return QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy)


class UnitView(QWidget):
    """One unit's output over the plane of the decision boundary, with a colour bar."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("unit_view")
        self._title = "Click a unit in the diagram or below to see what it computes."
        self._signed: bool | None = None
        self._place: tuple | None = None  # where the image was put, and the axes' names
        self._scale = SteadyScale()  # the colour bar's top, for unbounded activations
        self.view = pg.GraphicsLayoutWidget(self)
        self.view.setObjectName("unit_view_plot")
        self.view.setAccessibleName("Unit output")
        self.view.setToolTip("The chosen unit's output at each point of the plane.")
        self.title = SqueezableTitle(self._title)
        self.view.ci.addItem(self.title, row=0, col=0)
        self.plot = self.view.ci.addPlot(row=1, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(
            values=(0, 1), colorMap="viridis", interactive=False, width=12, colorMapMenu=False
        )
        self.colour_bar.axis.enableAutoSIPrefix(False)
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._restyle()

    def show_unit(
        self, grid: np.ndarray, spec: GridSpec, title: str, activation: str | None = None
    ) -> None:
        """Show ``grid`` (shape ``(res, res)``, row 0 the lowest y) over ``spec``.

        Parameters
        ----------
        grid : ndarray, shape (res_y, res_x)
        spec : GridSpec
            Gives the axes' ranges and feature names.
        title : str
            E.g. ``"h1 #3 (tanh)"``.
        activation : str, optional
            Chooses the colour scale; by default the word in the title's last parentheses.
        """
        if activation is None:
            found = re.search(r"\(([^()]*)\)\s*$", title)
            activation = found.group(1) if found else ""
        grid = np.asarray(grid, dtype=np.float64)
        levels, signed = activation_scale(activation, grid)
        if title != self._title:
            self._scale.reset()  # another unit: fit its own scale
        if activation not in UNIT_RANGE:  # a scale that follows the values: in round steps
            top = self._scale.fit(levels[1])
            levels = (-top, top) if signed else (0.0, top)
        if signed != self._signed:
            self._signed = signed
            self.colour_bar.setColorMap(_colour_map(signed))
        self.image.setImage(grid, autoLevels=False)
        # The image keeps its levels; setting the same ones again would redraw the axis.
        if tuple(self.colour_bar.levels()) != tuple(levels):
            self.colour_bar.setLevels(levels)
        # Live, only the values change: the place, labels and title stay, and setting
        # them again would re-lay out the plot and redraw its axes on every frame.
        place = (spec.x_range, spec.y_range, spec.x_feature, spec.y_feature, grid.shape)
        if place != self._place:
            self._place = place
            self.image.setRect(_grid_rect(spec, *grid.shape))
            names = spec.feature_names
            self.plot.setLabel("bottom", names[spec.x_feature])
            self.plot.setLabel("left", names[spec.y_feature])
            self.plot.setRange(xRange=spec.x_range, yRange=spec.y_range, padding=0)
        if title != self._title:
            self._title = title
            self._set_title()

    def title_text(self) -> str:
        return self._title

    def levels(self) -> tuple[float, float]:
        return tuple(self.colour_bar.levels())

    def _restyle(self) -> None:
        style_plot(self.plot)
        self.plot.showGrid(x=False, y=False)
        _, text = plot_colours()
        self.view.setBackground(plot_colours()[0])
        self.colour_bar.axis.setPen(pg.mkPen(text))
        self.colour_bar.axis.setTextPen(pg.mkPen(text))
        self._set_title()

    def _set_title(self) -> None:
        _, text = plot_colours()
        self.title.setText(self._title, color=text.name(), size="10pt")

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._restyle()


class UnitsPanel(QWidget):
    """A :class:`UnitView` over a :class:`UnitStrip`, or beside it when the panel is wide
    and short.

    In a short window the panel shares the weights' place across the bottom (see
    ``MainWindow.lay_out``); stacked there, the unit's plane would be squashed into a
    strip a few dozen pixels high. Side by side, the view is kept about as wide as it
    is high, so the plane stays near square, and the thumbnails take the rest.
    """

    SIDE_BY_SIDE_ABOVE = 2.0  # width / height beyond which the two stand side by side
    VIEW_ASPECT = 1.4  # the view's width per height side by side: axis, plane, colour bar

    def __init__(self, view: UnitView, strip: UnitStrip, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("units_panel")
        self.view, self.strip = view, strip
        self._layout = QBoxLayout(QBoxLayout.TopToBottom, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(view, 3)
        self._layout.addWidget(strip, 1)

    def side_by_side(self) -> bool:
        return self._layout.direction() == QBoxLayout.LeftToRight

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        width, height = event.size().width(), event.size().height()
        side = width > self.SIDE_BY_SIDE_ABOVE * height
        direction = QBoxLayout.LeftToRight if side else QBoxLayout.TopToBottom
        if self._layout.direction() != direction:
            self._layout.setDirection(direction)
        # (Qt ignores a maximum it has already: no new layout pass on every resize.)
        self.view.setMaximumWidth(round(self.VIEW_ASPECT * height) if side else QWIDGETSIZE_MAX)


class UnitStrip(QWidget):
    """Every unit of one layer as a thumbnail on one shared colour scale.

    The thumbnails are laid out in rows and columns that fill the widget (chosen
    again when it is resized) and drawn as one mosaic image: one image item to
    update and paint per frame, not one per unit.

    Signals
    -------
    unit_clicked(int, int)
        ``(layer, unit)``: a thumbnail was clicked; ``layer`` as given to
        :meth:`show_layer`, ``unit`` 0-based.
    """

    unit_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("unit_strip")
        self.layer: int | None = None
        self.tiles = np.zeros((0, 1, 1), dtype=np.uint32)  # each unit's RGBA pixels as words
        self._columns = 1
        self._gap = (GAP, GAP)  # (x, y) gaps between thumbnails, in thumbnail sizes
        self._pressed: int | None = None
        self._selected: int | None = None  # the outlined unit
        self._signed: bool | None = None
        self._levels = (0.0, 1.0)
        self._lut = _colour_map(False).getLookupTable(0.0, 1.0, 256, alpha=True)

        self.caption = QLabel("Units of a layer appear here.", self)
        self.caption.setObjectName("unit_strip_caption")
        self.caption.setAccessibleName("Layer shown")
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.caption.setContentsMargins(4, 0, 4, 0)
        self.more = QLabel(self)
        self.more.setObjectName("unit_strip_more")
        self.more.setForegroundRole(QPalette.PlaceholderText)
        self.more.setContentsMargins(4, 0, 4, 0)
        self.more.hide()
        self.view = pg.GraphicsView(self)
        self.view.setObjectName("unit_strip_view")
        self.view.setAccessibleName("Units of the layer")
        self.view.setToolTip("Each unit's output over the plane; click one to see it larger.")
        self.box = pg.ViewBox(lockAspect=True, enableMouse=False, enableMenu=False)
        self.box.setDefaultPadding(0.02)
        self.view.setCentralItem(self.box)
        self.mosaic = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.mosaic)
        self.highlight = pg.QtWidgets.QGraphicsRectItem()
        self.highlight.setZValue(10)
        self.highlight.hide()
        self.box.addItem(self.highlight)
        self.view.viewport().installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.more)
        self._restyle()

    def show_layer(
        self, layer: int, grids: np.ndarray, activation: str, name: str | None = None
    ) -> None:
        """Show each unit of ``layer``: ``grids`` of shape ``(units, res, res)``.

        At most :data:`MAX_THUMBNAILS` are drawn; a note counts the rest. ``name``
        (default ``"h{layer}"``) titles the strip; the output layer may pass "output".
        """
        grids = np.asarray(grids)
        units = grids.shape[0]
        res = max(grids.shape[1:])
        every = max(1, math.ceil((res - 1) / (THUMBNAIL_POINTS - 1)))
        shown = grids[:MAX_THUMBNAILS, ::every, ::every]
        self._levels, signed = activation_scale(activation, shown)
        if signed != self._signed:
            self._signed = signed
            self._lut = _colour_map(signed).getLookupTable(0.0, 1.0, 256, alpha=True)
        if layer != self.layer:
            self._selected = None
        self.layer = layer
        self.tiles = self._colour(shown)
        self._arrange()
        self.caption.setText(
            f"{name or f'h{layer}'} ({activation}), {units} unit{'s' if units != 1 else ''}: "
            "click one to see it larger"
        )
        hidden = units - len(shown)
        self.more.setText(f"+{hidden} more units not shown" if hidden > 0 else "")
        self.more.setVisible(hidden > 0)

    @property
    def unit_count(self) -> int:
        """How many thumbnails are drawn."""
        return len(self.tiles)

    def tile_image(self, unit: int) -> np.ndarray:
        """Thumbnail ``unit``'s RGBA pixels (uint8, ``(res, res, 4)``, row 0 the lowest y)."""
        return self.tiles[unit].view(np.uint8).reshape(self.tiles.shape[1:] + (4,))

    def levels(self) -> tuple[float, float]:
        """The colour scale ``(low, high)`` all thumbnails share."""
        return self._levels

    def _colour(self, grids: np.ndarray) -> np.ndarray:
        """RGBA of ``grids`` on the shared scale, one uint32 word per pixel."""
        low, high = self._levels
        lut = self._lut  # (256, 4) uint8
        # As pyqtgraph maps values to a lookup table: len(lut) steps over the levels.
        scale = len(lut) / (high - low) if high > low else 0.0
        index = (grids - low) * scale
        np.clip(index, 0, len(lut) - 1, out=index)  # infinities to the ends of the scale
        index[np.isnan(index)] = 0
        # One 32-bit word per pixel is gathered several times faster than four bytes.
        words = np.ascontiguousarray(lut).view(np.uint32).reshape(-1)
        return words[index.astype(np.uint8)]

    def select_unit(self, unit: int | None) -> None:
        """Outline thumbnail ``unit`` (the one shown large); None removes the outline."""
        self._selected = unit
        if unit is None or not 0 <= unit < self.unit_count:
            self.highlight.hide()
            return
        self.highlight.setRect(self._cell_rect(unit).adjusted(-0.04, -0.04, 0.04, 0.04))
        self.highlight.show()

    def unit_rect(self, unit: int) -> QRect:
        """Where thumbnail ``unit`` is, in the strip view's viewport pixels (for tests)."""
        rect = self.box.mapViewToScene(self._cell_rect(unit)).boundingRect()
        return self.view.mapFromScene(rect).boundingRect()

    # -- layout ------------------------------------------------------------------------

    def _cell_rect(self, i: int) -> QRectF:
        """Thumbnail ``i``'s square in view coordinates: row 0 on top, 1 wide and high."""
        row, col = divmod(i, self._columns)
        gap_x, gap_y = self._gap
        return QRectF(col * (1 + gap_x), -row * (1 + gap_y), 1.0, 1.0)

    def _arrange(self) -> None:
        """Choose the column count that makes thumbnails biggest, and draw the mosaic."""
        n = self.unit_count
        if n == 0:
            self.mosaic.clear()
            self.highlight.hide()
            return
        width, height = max(self.view.width(), 1), max(self.view.height(), 1)
        best, best_size = 1, -1.0
        for columns in range(1, n + 1):
            rows = math.ceil(n / columns)
            size = min(width / columns, height / rows)
            if size > best_size:
                best, best_size = columns, size
        self._columns = columns = best
        rows = math.ceil(n / columns)
        res_y, res_x = self.tiles.shape[1:]
        gap = max(1, round(GAP * max(res_x, res_y)))  # whole pixels of the tiles' own size
        self._gap = (gap / res_x, gap / res_y)
        # Gaps stay transparent (zero words), so the view's background shows through.
        mosaic = np.zeros((rows * (res_y + gap) - gap, columns * (res_x + gap) - gap), np.uint32)
        for i, tile in enumerate(self.tiles):
            row, col = divmod(i, columns)
            # The image's row 0 is drawn lowest, and the first row of thumbnails is on top.
            y, x = (rows - 1 - row) * (res_y + gap), col * (res_x + gap)
            mosaic[y : y + res_y, x : x + res_x] = tile
        self.mosaic.setImage(mosaic.view(np.uint8).reshape(mosaic.shape + (4,)), autoLevels=False)
        gap_x, gap_y = self._gap
        span, bottom = columns * (1 + gap_x) - gap_x, -(rows - 1) * (1 + gap_y)
        self.mosaic.setRect(QRectF(0.0, bottom, span, 1.0 - bottom))
        self.box.setRange(xRange=(0, span), yRange=(bottom, 1.0))
        self.select_unit(self._selected)

    def _unit_at(self, pos) -> int | None:
        point = self.box.mapSceneToView(self.view.mapToScene(pos))
        gap_x, gap_y = self._gap
        col = math.floor(point.x() / (1 + gap_x))
        row = math.floor((1.0 - point.y()) / (1 + gap_y))
        i = row * self._columns + col
        if not (0 <= col < self._columns and row >= 0 and i < self.unit_count):
            return None
        return i if self._cell_rect(i).contains(point) else None

    # -- events ------------------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind == QEvent.MouseButtonPress and event.button() == Qt.LeftButton:
            self._pressed = self._unit_at(event.position().toPoint())
        elif kind == QEvent.MouseButtonRelease and event.button() == Qt.LeftButton:
            unit = self._unit_at(event.position().toPoint())
            if unit is not None and unit == self._pressed and self.layer is not None:
                self.select_unit(unit)
                self.unit_clicked.emit(self.layer, unit)
            self._pressed = None
        elif kind == QEvent.Resize:
            self._arrange()
        return super().eventFilter(watched, event)

    def _restyle(self) -> None:
        background, _ = plot_colours()
        self.view.setBackground(background)
        colour = self.palette().color(QPalette.Highlight)
        self.highlight.setPen(pg.mkPen(colour, width=2.5))

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._restyle()


def _preview() -> int:  # pragma: no cover - manual preview
    from nnstudio.core.grid import make_grid_spec, unit_grids
    from nnstudio.gui.widgets.preview import preview_training

    chosen, parts = {"layer": 1, "unit": 0}, {}

    def make_window():
        window = QWidget()
        parts["unit_view"], parts["strip"] = UnitView(window), UnitStrip(window)
        layout = QVBoxLayout(window)
        layout.addWidget(parts["unit_view"], 3)
        layout.addWidget(parts["strip"], 1)
        parts["strip"].unit_clicked.connect(
            lambda layer, unit: chosen.update(layer=layer, unit=unit)
        )
        return window

    def prepare(window, trainer):
        data = trainer.dataset
        pre = data.preprocessing
        raw = data.X_train * pre.scale + pre.mean
        parts["spec"] = make_grid_spec(raw, data.feature_names, resolution=60)

    def feed(window, trainer, snapshot):
        layer, unit, spec = chosen["layer"], chosen["unit"], parts["spec"]
        activation = trainer.network.hidden_activations[layer - 1]
        grids = unit_grids(trainer.network, trainer.dataset.preprocessing, spec, layer)
        parts["strip"].show_layer(layer, grids, activation)
        parts["unit_view"].show_unit(grids[unit], spec, f"h{layer} #{unit + 1} ({activation})")

    return preview_training(
        make_window,
        "unit view (click a thumbnail)",
        data="gen:circle",
        size=(460, 560),
        prepare_view=prepare,
        feed=feed,
        every_steps=20,
        per_tick=1,
        epochs=400,
        hidden_layers=(8, 6),
        learning_rate=0.03,
    )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
