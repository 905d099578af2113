"""The loss plot: recorded curves equal the fed losses, log scale, exact extremes at any zoom."""

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.long_series import ema_extend
from nnstudio.core.metrics import Metrics
from nnstudio.core.trainer import Snapshot, Trainer
from nnstudio.gui.widgets.loss_plot import LossPlot, auto_smoothing
from nnstudio.gui.widgets.series import GrowableArray


@pytest.fixture(scope="module")
def snapshots(iris_table):
    config = MODERN.replace(epochs=20)
    return list(Trainer(config, prepare_table(iris_table, config)).run(every_steps=10))


@pytest.fixture
def plot(qtbot):
    widget = LossPlot()
    qtbot.addWidget(widget)
    widget.resize(640, 400)
    widget.show()
    return widget


def _synthetic(start: int, n: int) -> Snapshot:
    steps = np.arange(start + 1, start + n + 1)
    losses = 1.0 / np.sqrt(steps) + 0.05 * np.random.default_rng(start).random(n)
    return Snapshot(
        step=start + n,
        total_steps=10**6,
        epoch=0.0,
        weights=(),
        biases=None,
        steps=steps,
        losses=losses,
        gradient_norms=np.zeros(0),
        metrics=(),
        learning_rate=0.01,
        seconds=1.0,
        samples_per_second=1.0,
    )


def test_curves_hold_exactly_the_fed_losses(qtbot, plot, snapshots):
    for snapshot in snapshots:
        plot.record_snapshot(snapshot)
    plot.refresh()
    steps = np.concatenate([s.steps for s in snapshots])
    losses = np.concatenate([s.losses for s in snapshots])
    assert plot.point_count() == len(steps) == 140
    x, y = plot.step_curve.getOriginalDataset()
    np.testing.assert_array_equal(x, steps)
    np.testing.assert_array_equal(y, losses)
    sx, sy = plot.smoothed_curve.getOriginalDataset()
    assert len(sx) == len(sy) == len(steps)
    # The smoothed curve is the bias-corrected moving average of the losses.
    beta = auto_smoothing(snapshots[0].total_steps)
    expected, state = [], 0.0
    for t, value in enumerate(losses, start=1):
        state = beta * state + (1 - beta) * value
        expected.append(state / (1 - beta**t))
    np.testing.assert_allclose(sy, expected, rtol=1e-12)
    assert np.diff(sy).std() < 0.5 * np.diff(y).std()  # smoother than the raw losses

    metrics = [m for s in snapshots for m in s.metrics]
    ex, ey = plot.train_curve.getOriginalDataset()
    assert len(ex) == len(metrics) == 21  # the step-0 evaluation plus one per epoch
    np.testing.assert_array_equal(ex, [m.step for m in metrics])
    np.testing.assert_array_equal(ey, [m.train_loss for m in metrics])
    tx, ty = plot.test_curve.getOriginalDataset()
    np.testing.assert_array_equal(ty, [m.test_loss for m in metrics])

    history = plot.history()
    np.testing.assert_array_equal(history["steps"], steps)
    np.testing.assert_array_equal(history["losses"], losses)
    np.testing.assert_array_equal(history["smoothed"], sy)
    np.testing.assert_array_equal(history["eval_steps"], ex)
    assert history["train_loss"].shape == history["test_loss"].shape == (21,)
    assert str(int(steps[-1])) in plot.status.text()


def test_refresh_draws_only_when_something_changed(qtbot, plot, snapshots):
    plot.record_snapshot(snapshots[0])
    plot.refresh()
    first = plot.step_curve.getOriginalDataset()[0]
    plot.refresh()  # nothing new: the same data object stays
    assert plot.step_curve.getOriginalDataset()[0] is first
    plot.record_snapshot(snapshots[1])
    assert plot.step_curve.getOriginalDataset()[0] is first  # recording draws nothing
    plot.refresh()
    assert len(plot.step_curve.getOriginalDataset()[0]) == 20


def test_log_scale_checkbox_switches_the_axis(qtbot, plot, snapshots):
    for snapshot in snapshots:
        plot.record_snapshot(snapshot)
    plot.refresh()
    box = plot.findChild(type(plot.log_scale), "loss_log_scale")
    assert box is plot.log_scale and box.accessibleName() and box.toolTip()
    qtbot.mouseClick(box, Qt.LeftButton)
    assert box.isChecked()
    assert plot.plot_item.getAxis("left").logMode
    assert plot.step_curve.opts["logMode"][1]
    _, shown = plot.step_curve.getData()
    np.testing.assert_allclose(shown, np.log10(np.concatenate([s.losses for s in snapshots])))
    qtbot.mouseClick(box, Qt.LeftButton)
    assert not plot.plot_item.getAxis("left").logMode


def test_clear_forgets_everything(qtbot, plot, snapshots):
    for snapshot in snapshots:
        plot.record_snapshot(snapshot)
    plot.refresh()
    plot.clear()
    assert plot.point_count() == 0
    assert plot.step_curve.getOriginalDataset()[0] is None  # pyqtgraph's empty curve
    plot.record_snapshot(snapshots[0])
    plot.refresh()
    np.testing.assert_array_equal(plot.step_curve.getOriginalDataset()[1], snapshots[0].losses)


def _fill(plot, n: int, chunk: int) -> None:
    for start in range(0, n, chunk):
        plot.record_snapshot(_synthetic(start, min(chunk, n - start)))
    plot.refresh()


def _columns(plot) -> int:
    return int(plot.plot_item.getViewBox().width())


def _check_envelope(plot, x, y, steps, losses, first: float, last: float) -> None:
    """The drawn pairs are the exact min and max of the losses of the steps in each bucket."""
    pairs = len(x) // 2
    assert len(x) == 2 * pairs + 1  # min/max pairs, then the last point of the range
    np.testing.assert_array_equal(x[0:-1:2], x[1:-1:2])  # each pair is a vertical stroke
    starts = x[0:-1:2]
    assert np.all(np.diff(starts) > 0) and starts[0] <= first and x[-1] >= last
    assert pairs <= _columns(plot) + 1  # at most a pair per pixel column
    bounds = np.searchsorted(steps, np.append(starts, x[-1] + 1))
    for j in range(pairs - 1):  # the last bucket may run past the drawn range
        bucket = losses[bounds[j] : bounds[j + 1]]
        assert y[2 * j] == bucket.min() and y[2 * j + 1] == bucket.max()
    shown = losses[bounds[0] : bounds[-1]]
    assert y[:-1].min() == shown.min() and y[:-1].max() == shown.max()  # every spike is drawn


def test_a_million_points_are_drawn_as_exact_extremes_per_pixel(qtbot, plot):
    _fill(plot, 10**6, 10_000)
    plot.grab()
    assert plot.point_count() == 10**6
    history = plot.history()
    steps, losses = history["steps"], history["losses"]
    np.testing.assert_array_equal(steps, np.arange(1, 10**6 + 1))
    # Everything recorded, exactly (the CSV export writes these).
    expected = np.concatenate([_synthetic(i, 10_000).losses for i in range(0, 10**6, 10_000)])
    np.testing.assert_array_equal(losses, expected)
    # The whole run: a min/max pair per pixel column, ending at the last step.
    x, y = plot.step_curve.getOriginalDataset()
    _check_envelope(plot, x, y, steps, losses, 1, 10**6)
    assert x[0] == 1 and x[-1] == 10**6 and y[-1] == losses[-1]
    sx, sy = plot.smoothed_curve.getOriginalDataset()
    assert len(sx) <= 2 * _columns(plot) + 1
    smoothed = history["smoothed"]
    assert sy.min() == pytest.approx(smoothed.min()) and sy.max() == pytest.approx(smoothed.max())
    # About 8 bytes per step for the losses and 2 for the min/max pyramids.
    assert plot.recorded_bytes() < 12 * 10**6
    # More data keeps arriving and is drawn up to its last step.
    plot.record_snapshot(_synthetic(10**6, 500))
    plot.refresh()
    plot.grab()
    assert plot.step_curve.getOriginalDataset()[0][-1] == 10**6 + 500


def test_a_zoomed_view_draws_the_exact_extremes_of_its_steps(qtbot, plot):
    _fill(plot, 300_000, 3_000)
    plot.grab()
    history = plot.history()
    steps, losses = history["steps"], history["losses"]
    view = plot.plot_item.getViewBox()
    view.setXRange(100_000, 130_000, padding=0)  # what a wheel zoom ends with
    plot.grab()
    x, y = plot.step_curve.getOriginalDataset()
    _check_envelope(plot, x, y, steps, losses, 100_000, 130_000)
    assert x[0] > 90_000 and x[-1] < 140_000  # only the visible steps are handed over
    # A pan redraws for the new range.
    view.setXRange(200_000, 230_000, padding=0)
    x, y = plot.step_curve.getOriginalDataset()
    _check_envelope(plot, x, y, steps, losses, 200_000, 230_000)


def test_zoomed_in_to_a_few_steps_the_values_themselves_are_drawn(qtbot, plot):
    _fill(plot, 100_000, 3_000)
    history = plot.history()
    plot.plot_item.getViewBox().setXRange(50_000.5, 50_200.5, padding=0)
    plot.grab()
    x, y = plot.step_curve.getOriginalDataset()
    np.testing.assert_array_equal(x, np.arange(50_000, 50_202))  # one step beyond each edge
    np.testing.assert_array_equal(y, history["losses"][49_999:50_201])
    sx, sy = plot.smoothed_curve.getOriginalDataset()
    np.testing.assert_array_equal(sx, x)
    np.testing.assert_allclose(sy, history["smoothed"][49_999:50_201], rtol=1e-12)


def test_recording_in_chunks_draws_and_exports_what_one_chunk_does(qtbot):
    losses = _synthetic(0, 200_000).losses
    plots = []
    for chunk in (3_000, 77_777, 200_000):
        plot = LossPlot(smoothing=0.99)
        qtbot.addWidget(plot)
        plot.resize(640, 400)
        plot.show()
        for start in range(0, 200_000, chunk):
            snapshot = _synthetic(start, min(chunk, 200_000 - start))
            plot.record_snapshot(replace(snapshot, losses=losses[start : start + chunk]))
        plot.refresh()
        plot.grab()
        plots.append(plot)
    whole = plots[-1]
    for plot in plots[:-1]:
        mine, theirs = plot.history(), whole.history()
        for key in ("steps", "losses"):
            np.testing.assert_array_equal(mine[key], theirs[key])
        np.testing.assert_allclose(mine["smoothed"], theirs["smoothed"], rtol=1e-12)
        for x_range in (None, (60_000, 90_000), (150_000, 150_100)):
            for p in (plot, whole):
                view = p.plot_item.getViewBox()
                if x_range is None:
                    view.enableAutoRange()
                else:
                    view.setXRange(*x_range, padding=0)
                p.grab()
            np.testing.assert_array_equal(
                plot.step_curve.getOriginalDataset()[1], whole.step_curve.getOriginalDataset()[1]
            )
            np.testing.assert_allclose(
                plot.smoothed_curve.getOriginalDataset()[1],
                whole.smoothed_curve.getOriginalDataset()[1],
                rtol=1e-12,
            )


def test_steps_after_a_gap_and_out_of_order_steps(qtbot, plot):
    plot.record_snapshot(_synthetic(5_000, 100))  # a run adopted at step 5,000
    plot.record_snapshot(_synthetic(9_000, 100))  # and a gap
    plot.refresh()
    expected = np.concatenate([np.arange(5_001, 5_101), np.arange(9_001, 9_101)])
    np.testing.assert_array_equal(plot.history()["steps"], expected)
    np.testing.assert_array_equal(plot.step_curve.getOriginalDataset()[0], expected)
    with pytest.raises(ValueError, match="steps must increase"):
        plot.record_snapshot(_synthetic(9_050, 10))
    assert plot.point_count() == 200  # the refused snapshot recorded nothing


def _evaluations(start: int, n: int, every: int) -> Snapshot:
    snapshot = _synthetic(start, n)
    steps = snapshot.steps[snapshot.steps % every == 0]
    metrics = tuple(
        Metrics(step=int(s), epoch=0.0, train_loss=1.0 / s, test_loss=1.2 / s) for s in steps
    )
    return replace(snapshot, metrics=metrics)


def test_many_evaluations_are_a_line_and_a_few_have_markers(qtbot, plot, monkeypatch):
    monkeypatch.setitem(pg.CONFIG_OPTIONS, "antialias", True)  # as the studio sets it
    for start in range(0, 70_000, 7_000):
        plot.record_snapshot(_evaluations(start, 7_000, 7))
    plot.refresh()
    plot.grab()
    assert plot.train_curve.opts["symbol"] is None  # 10,000 evaluations: no markers
    assert not plot.train_curve.opts["antialias"]  # nor smoothing, which costs the most
    x, y = plot.train_curve.getOriginalDataset()
    assert len(x) <= 2 * _columns(plot) + 1
    assert y.max() == 1.0 / 7 and y.min() == 1.0 / 70_000  # the extremes are drawn
    history = plot.history()
    np.testing.assert_array_equal(history["eval_steps"], np.arange(7, 70_001, 7))
    np.testing.assert_array_equal(history["test_loss"], 1.2 / np.arange(7, 70_001, 7))
    plot.plot_item.getViewBox().setXRange(35_000, 35_350, padding=0)  # 50 evaluations
    plot.grab()
    assert plot.train_curve.opts["symbol"] == "o" and plot.test_curve.opts["symbol"] == "s"
    assert plot.train_curve.opts["antialias"]
    x, y = plot.test_curve.getOriginalDataset()
    np.testing.assert_array_equal(x, np.arange(34_993, 35_358, 7))
    np.testing.assert_array_equal(y, 1.2 / x)


def test_the_grid_is_opaque_and_under_the_curves(qtbot, plot):
    _fill(plot, 1_000, 1_000)
    plot.grab()
    view = plot.plot_item.getViewBox()
    assert plot.grid.zValue() < view.zValue()  # painted before the curves
    background = plot.plot_widget.backgroundBrush().color()
    for side in ("left", "bottom"):
        axis = plot.plot_item.getAxis(side)
        assert axis.zValue() < plot.grid.zValue()  # works out the lines before the grid paints
        _, ticks, _ = axis.generateDrawSpecs(QPainter())
        assert not ticks  # the axis hands its lines over (and keeps its labels)
    pens = plot.grid.pens()
    horizontal = [line for line, _ in pens if line.dy() == 0]
    vertical = [line for line, _ in pens if line.dx() == 0]
    assert len(horizontal) >= 4 and len(vertical) >= 4 and len(pens) == len(horizontal + vertical)
    colours = [pen.color() for _, pen in pens]
    assert all(c.alpha() == 255 for c in colours)
    # Faintest first (closest to the background), so the strongest line shows where lines cross.
    distance = [abs(c.lightness() - background.lightness()) for c in colours]
    assert distance == sorted(distance) and distance[0] < distance[-1]
    # As faint as pyqtgraph's translucent lines: never the axis colour itself.
    assert max(distance) < abs(plot.plot_item.getAxis("left").pen().color().lightness() - 255)


def test_auto_range_follows_new_data_until_the_user_pans(qtbot, plot):
    plot.record_snapshot(_synthetic(0, 100))
    plot.refresh()
    plot.grab()
    view = plot.plot_item.getViewBox()
    assert view.viewRange()[0][1] >= 99
    plot.record_snapshot(_synthetic(100, 100))
    plot.refresh()
    plot.grab()
    assert view.viewRange()[0][1] >= 199  # followed the new data
    view.setXRange(10, 50, padding=0)  # what a user's pan/zoom does
    plot.record_snapshot(_synthetic(200, 100))
    plot.refresh()
    plot.grab()
    assert view.viewRange()[0] == pytest.approx([10, 50])


def test_growable_array_doubles_and_views_the_filled_part():
    array = GrowableArray(2)
    array.extend(np.arange(5.0))
    array.append(5.0)
    assert len(array) == 6 and array.capacity == 8
    np.testing.assert_array_equal(array.view(), np.arange(6.0))
    assert not array.view().flags.writeable
    array.clear()
    assert len(array) == 0 and array.last() is None


def test_moving_average_continues_across_pieces():
    rng = np.random.default_rng(1)
    values = rng.random(1000)
    whole, _, _ = ema_extend(values, 0.0, 0, 0.9)
    first, state, count = ema_extend(values[:333], 0.0, 0, 0.9)
    second, _, _ = ema_extend(values[333:], state, count, 0.9)
    np.testing.assert_allclose(np.concatenate([first, second]), whole, rtol=1e-12)
    assert whole[0] == pytest.approx(values[0])  # bias correction: no pull towards zero


def test_a_dark_palette_restyles_the_plot(qtbot, plot):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    original = app.palette()
    dark = QPalette(original)
    dark.setColor(QPalette.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.Text, QColor("#e0e0e0"))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: plot.plot_widget.backgroundBrush().color().name() == "#1e1e1e")
        assert plot.legend.labelTextColor().name() == "#e0e0e0"
        assert plot.plot_item.getAxis("left").textPen().color().name() == "#e0e0e0"
    finally:
        app.setPalette(original)


def test_without_test_rows_the_test_curve_stays_empty(qtbot, plot, iris_table):
    config = MODERN.replace(epochs=3, test_split=0.0)
    snapshots = list(Trainer(config, prepare_table(iris_table, config)).run(every_steps=10))
    for snapshot in snapshots:
        plot.record_snapshot(snapshot)
    plot.refresh()
    plot.grab()  # no NaN warnings (filterwarnings=error)
    assert len(plot.train_curve.getOriginalDataset()[0]) == 4
    assert plot.test_curve.getOriginalDataset()[0] is None
    assert np.isnan(plot.history()["test_loss"]).all()


def test_the_live_read_out_never_resizes_its_dock(qtbot, plot, snapshots):
    # The read-out changes every frame; were its width part of the plot's minimum, each
    # longer text would lay the whole window out again (stalls of ~90 ms while training).
    plot.resize(300, 240)
    plot.show()
    minimum = plot.minimumSizeHint()
    for snapshot in snapshots:
        plot.record_snapshot(snapshot)
    plot.refresh()
    plot.status.setText(plot.status.text() + " · " + "a much longer read-out " * 4)
    QApplication.processEvents()  # the layout takes the label's new size hints
    assert plot.minimumSizeHint() == minimum
    # It still shows, right-aligned in the row's spare width.
    qtbot.waitUntil(lambda: plot.status.width() > 150)
    assert plot.status.text().startswith("step ")


def test_the_legend_takes_one_column_in_a_narrow_dock(qtbot, plot):
    plot.show()
    qtbot.waitExposed(plot)
    assert plot.legend.columnCount == 2
    plot.resize(240, 400)
    qtbot.waitUntil(lambda: plot.legend.columnCount == 1)
    # Now it fits across the plot's view.
    view = plot.plot_item.getViewBox().sceneBoundingRect()
    assert plot.legend.sceneBoundingRect().width() < view.width()
    plot.resize(640, 400)
    qtbot.waitUntil(lambda: plot.legend.columnCount == 2)
