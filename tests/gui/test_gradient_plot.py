"""The gradient-norm plot: one curve per layer, one point per snapshot, log axis."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.trainer import Trainer
from nnstudio.gui.palette import LAYER_COLOURS
from nnstudio.gui.widgets.gradient_plot import GradientNormPlot


@pytest.fixture(scope="module")
def snapshots(iris_table):
    config = MODERN.replace(epochs=20)
    return list(Trainer(config, prepare_table(iris_table, config)).run(every_steps=10))


@pytest.fixture
def plot(qtbot):
    widget = GradientNormPlot()
    qtbot.addWidget(widget)
    widget.resize(640, 400)
    widget.show()
    return widget


def test_one_curve_per_layer_with_one_point_per_snapshot(qtbot, plot, snapshots):
    plot.set_layer_shapes([(4, 12), (12, 6), (6, 3)])
    for snapshot in snapshots:
        plot.record_snapshot(snapshot)
    plot.refresh()
    plot.grab()
    assert len(plot.curves) == 3
    names = [label.text for _, label in plot.legend.items]
    assert names == ["layer 1 (4→12)", "layer 2 (12→6)", "layer 3 (6→3)"]
    expected = np.array([s.gradient_norms for s in snapshots])
    for i, curve in enumerate(plot.curves):
        x, y = curve.getOriginalDataset()
        np.testing.assert_array_equal(x, [s.step for s in snapshots])
        np.testing.assert_array_equal(y, expected[:, i])
        assert curve.opts["pen"].color().name() == LAYER_COLOURS[i]
    assert plot.point_count() == len(snapshots) == 14
    np.testing.assert_array_equal(plot.norms(), expected)


def test_log_scale_is_on_by_default_and_can_be_turned_off(qtbot, plot, snapshots):
    plot.set_layer_shapes([w.shape for w in snapshots[0].weights])
    plot.record_snapshot(snapshots[0])
    plot.refresh()
    assert plot.log_scale.isChecked() and plot.plot_item.getAxis("left").logMode
    qtbot.mouseClick(plot.log_scale, Qt.LeftButton)
    assert not plot.plot_item.getAxis("left").logMode
    assert plot.log_scale.objectName() == "gradient_log_scale"


def test_a_repeated_step_adds_no_point(qtbot, plot, snapshots):
    plot.set_layer_shapes([w.shape for w in snapshots[0].weights])
    plot.record_snapshot(snapshots[0])
    plot.record_snapshot(snapshots[0])  # e.g. a pause snapshot at the same step
    plot.refresh()
    assert plot.point_count() == 1


def test_new_shapes_rebuild_the_curves_and_unknown_networks_set_themselves_up(
    qtbot, plot, snapshots
):
    plot.set_layer_shapes([(4, 5), (5, 3)])
    assert len(plot.curves) == 2 and len(plot.legend.items) == 2
    plot.record_snapshot(snapshots[0])  # a (4, 12, 6, 3) network: curves follow it
    plot.refresh()
    assert len(plot.curves) == 3 and len(plot.legend.items) == 3
    assert len(plot.plot_item.listDataItems()) == 3
    plot.clear()
    assert plot.point_count() == 0
    assert all(c.getOriginalDataset()[0] is None for c in plot.curves)


def test_a_zero_norm_on_log_axis_warns_nothing(qtbot, plot, snapshots):
    from dataclasses import replace

    plot.set_layer_shapes([w.shape for w in snapshots[0].weights])
    dead = replace(snapshots[1], gradient_norms=np.array([0.0, 0.1, 0.2]))
    plot.record_snapshot(snapshots[0])
    plot.record_snapshot(dead)
    plot.refresh()
    plot.grab()  # filterwarnings=error: a log10(0) warning would fail here
    assert np.isnan(plot.curves[0].getData()[1][1])  # a gap, not -inf


def test_a_dense_noisy_series_is_drawn_without_antialiasing(plot, snapshots):
    from dataclasses import replace

    import pyqtgraph as pg

    from nnstudio.gui.widgets.series import ANTIALIAS_SPACING

    before = pg.getConfigOption("antialias")
    pg.setConfigOptions(antialias=True)  # as the studio sets it
    try:
        plot.set_layer_shapes([(4, 12), (12, 6), (6, 3)])
        plot.record_snapshot(snapshots[0])
        plot.refresh()
        assert all(curve.opts["antialias"] for curve in plot.curves)  # sparse: smooth
        step = snapshots[0].step
        width = plot.plot_item.getViewBox().width()
        while plot.point_count() * ANTIALIAS_SPACING <= width:
            step += 1
            plot.record_snapshot(replace(snapshots[-1], step=step))
        plot.refresh()
        assert not any(curve.opts["antialias"] for curve in plot.curves)  # dense: plain
    finally:
        pg.setConfigOptions(antialias=before)
