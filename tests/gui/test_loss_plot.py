"""The loss plot: recorded curves equal the fed losses, log scale, a million points."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.trainer import Snapshot, Trainer
from nnstudio.gui.widgets.loss_plot import LossPlot, auto_smoothing
from nnstudio.gui.widgets.series import GrowableArray, ema_extend


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


def test_a_million_points_are_downsampled(qtbot, plot):
    for i in range(100):
        plot.record_snapshot(_synthetic(i * 10_000, 10_000))
    plot.refresh()
    plot.grab()  # really paint (downsampling happens for the view's width)
    assert plot.point_count() == 10**6
    x, _ = plot.step_curve.getOriginalDataset()
    assert x.shape == (10**6,) and x[-1] == 10**6
    shown_x, shown_y = plot.step_curve.getData()
    assert 100 < len(shown_x) < 10_000  # peak-downsampled to a few points per pixel
    assert len(plot.smoothed_curve.getData()[0]) < 10_000
    # More data keeps arriving and drawing still works (the buffers grew, not copied per step).
    plot.record_snapshot(_synthetic(10**6, 500))
    plot.refresh()
    assert plot.step_curve.getOriginalDataset()[0][-1] == 10**6 + 500


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
