"""Colours shared by every view, so a weight looks the same everywhere.

Weights use one diverging palette: negative values blue, zero neutral grey,
positive values red (ColorBrewer RdBu, reversed). Views ask this module for
colours instead of inventing their own.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# ColorBrewer RdBu, from strong blue (negative) through light grey to strong red (positive).
_DIVERGING_STOPS = [
    "#2166ac",
    "#4393c3",
    "#92c5de",
    "#d1e5f0",
    "#ececec",
    "#fddbc7",
    "#f4a582",
    "#d6604d",
    "#b2182b",
]

#: Series colours for plots (colour-blind safe, Okabe-Ito).
SERIES = {
    "step": "#9db9d6",  # light: raw per-step losses
    "smoothed": "#0072b2",
    "train": "#e69f00",
    "test": "#009e73",
    "accent": "#cc79a7",
    "extra": "#56b4e9",
}

LAYER_COLOURS = [
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#000000",
]


def diverging_colormap() -> pg.ColorMap:
    """The weight palette as a pyqtgraph colormap over [0, 1] (0.5 is zero)."""
    positions = np.linspace(0.0, 1.0, len(_DIVERGING_STOPS))
    colours = [pg.mkColor(c) for c in _DIVERGING_STOPS]
    return pg.ColorMap(positions, colours)


_LOOKUP = diverging_colormap().getLookupTable(0.0, 1.0, 256, alpha=False)


def weight_colour(value: float, limit: float) -> QColor:
    """The palette colour of ``value`` on a symmetric scale ``[-limit, limit]``."""
    if limit <= 0 or not np.isfinite(value):
        index = 128
    else:
        index = int(round((np.clip(value / limit, -1.0, 1.0) + 1.0) * 127.5))
    r, g, b = _LOOKUP[index]
    return QColor(int(r), int(g), int(b))


def symmetric_limit(*arrays: np.ndarray) -> float:
    """The largest absolute finite value over ``arrays`` (at least a tiny positive number)."""
    biggest = 0.0
    for a in arrays:
        if a is not None and a.size:
            finite = np.abs(a[np.isfinite(a)])
            if finite.size:
                biggest = max(biggest, float(finite.max()))
    return biggest if biggest > 0 else 1e-12


def is_dark() -> bool:
    """Whether the application's palette is dark (window text lighter than the window)."""
    app = QApplication.instance()
    if app is None:
        return False
    palette = app.palette()
    return (
        palette.color(QPalette.WindowText).lightness() > palette.color(QPalette.Window).lightness()
    )


def style_plot(plot: pg.PlotWidget | pg.PlotItem) -> None:
    """Make a pyqtgraph plot follow the light or dark system palette."""
    app = QApplication.instance()
    palette = app.palette() if app is not None else QPalette()
    background = palette.color(QPalette.Base)
    foreground = palette.color(QPalette.Text)
    if isinstance(plot, pg.PlotWidget):
        plot.setBackground(background)
        item = plot.getPlotItem()
    else:
        item = plot
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(foreground))
        axis.setTextPen(pg.mkPen(foreground))
    item.showGrid(x=True, y=True, alpha=0.15)
