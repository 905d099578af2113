"""The shared plot pieces: the steady view box that live plots follow their data with."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter

from nnstudio.gui.widgets.series import ReadableAxis, SteadyViewBox, make_plot_widget, nice_ceil


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), (1.1, 1.2), (7, 8), (9.5, 10), (101, 120), (4500, 5000), (0.031, 0.04)],
)
def test_nice_ceil_rounds_up_to_a_round_span(value, expected):
    assert nice_ceil(value) == pytest.approx(expected)


@pytest.fixture
def plot(qtbot):
    widget = make_plot_widget(None, "test_plot", "Test plot", "")
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _ranges(widget):
    view = widget.getPlotItem().getViewBox()
    view.updateAutoRange()
    return view.viewRange()


def test_plots_follow_their_data_with_a_steady_view_box(plot):
    view = plot.getPlotItem().getViewBox()
    assert isinstance(view, SteadyViewBox)
    curve = plot.getPlotItem().plot()
    steps = np.arange(0, 4100, 100.0)
    curve.setData(steps, np.linspace(1.0, 2.0, steps.size))
    (x0, x1), (y0, y1) = _ranges(plot)
    assert x0 <= 0 and x1 >= 4000  # everything visible
    assert x1 < 5000 * 1.2  # the x range runs ahead to a round span, not far beyond
    # A little more data: the range stays as it was, so the axes need no redraw.
    more = np.arange(0, 4600, 100.0)
    curve.setData(more, np.linspace(1.0, 2.0, more.size))
    assert _ranges(plot) == [[x0, x1], [y0, y1]]
    # Data beyond the range: it grows at once, and everything is visible again.
    beyond = np.arange(0, 6100, 100.0)
    values = np.linspace(0.5, 2.0, beyond.size)
    curve.setData(beyond, values)
    (x0, x1), (y0, y1) = _ranges(plot)
    assert x0 <= 0 and x1 >= 6000 and y0 <= 0.5 and y1 >= 2.0


def test_the_y_range_shrinks_only_when_the_data_fills_little_of_it(plot):
    curve = plot.getPlotItem().plot()
    x = np.arange(10.0)
    curve.setData(x, np.linspace(0.0, 10.0, 10))
    first = _ranges(plot)[1]
    curve.setData(x, np.linspace(0.0, 9.0, 10))  # most of the range still filled: kept
    assert _ranges(plot)[1] == first
    curve.setData(x, np.linspace(0.0, 2.0, 10))  # a fifth: fitted again
    y0, y1 = _ranges(plot)[1]
    assert y0 <= 0.0 and 2.0 <= y1 < 3.0


def test_view_all_and_a_range_set_by_hand_are_not_rounded(plot):
    item = plot.getPlotItem()
    curve = item.plot()
    curve.setData(np.arange(0, 4100, 100.0), np.linspace(1.0, 2.0, 41))
    view = item.getViewBox()
    view.autoRange(padding=0)  # "view all": the data's own bounds
    assert view.viewRange()[0] == pytest.approx([0, 4000], abs=50)
    item.setXRange(1000, 2000, padding=0)
    curve.setData(np.arange(0, 4200, 100.0), np.linspace(1.0, 2.0, 42))
    assert _ranges(plot)[0] == pytest.approx([1000, 2000])


def test_an_axis_keeps_its_drawing_when_told_the_range_it_has(qtbot):
    widget = pg.PlotWidget(axisItems={"bottom": ReadableAxis("bottom")})
    qtbot.addWidget(widget)
    widget.resize(300, 200)
    widget.show()
    axis = widget.getAxis("bottom")
    axis.setRange(0.0, 10.0)
    widget.grab()
    drawn = axis.picture
    assert drawn is not None
    axis.setRange(0.0, 10.0)  # the view box reports a change of the other axis
    assert axis.picture is drawn
    axis.setRange(0.0, 12.0)
    assert axis.picture is None


def test_tick_labels_of_a_short_log_axis_do_not_overlap(qtbot):
    # A diagnostics plot is ~35 pixels high; over 0.075-0.11 on a log axis, pyqtgraph
    # labelled 0.08, 0.09 and 0.1 on top of each other.
    widget = pg.PlotWidget(axisItems={"left": ReadableAxis("left")})
    qtbot.addWidget(widget)
    widget.resize(300, 60)
    widget.setLogMode(y=True)
    widget.setYRange(np.log10(0.075), np.log10(0.11), padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    axis = widget.getAxis("left")
    image = QImage(10, 10, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        texts = axis.generateDrawSpecs(painter)[2]
    finally:
        painter.end()
    rects = [rect for rect, _, _ in texts]
    assert rects  # something is labelled
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1 :])
