"""The metrics plot: accuracy for classification, RMSE and R² for regression, no test rows."""

import numpy as np
import pytest

from nnstudio.core.config import MODERN, Config
from nnstudio.core.dataset import prepare, prepare_table
from nnstudio.core.trainer import Trainer
from nnstudio.gui.widgets.metrics_plot import R2_FLOOR, MetricsPlot


def _run(config, data):
    return list(Trainer(config, data).run(every_steps=10))


@pytest.fixture(scope="module")
def iris_snapshots(iris_table):
    config = MODERN.replace(epochs=20)
    return _run(config, prepare_table(iris_table, config))


@pytest.fixture(scope="module")
def regression_snapshots():
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, size=(200, 2))
    y = np.sin(X[:, 0]) * 3 + X[:, 1] + rng.normal(scale=0.1, size=200)
    config = Config(loss="mse", hidden_layers=(8,), activations="tanh", epochs=15)
    return _run(config, prepare(X, y, task="regression", seed=0))


@pytest.fixture
def plot(qtbot):
    widget = MetricsPlot()
    qtbot.addWidget(widget)
    widget.resize(640, 420)
    widget.show()
    return widget


def _feed(plot, snapshots):
    for snapshot in snapshots:
        plot.record_snapshot(snapshot)
    plot.refresh()
    plot.grab()


def test_classification_shows_accuracy_in_percent(qtbot, plot, iris_snapshots):
    plot.set_task("classification")
    _feed(plot, iris_snapshots)
    metrics = [m for s in iris_snapshots for m in s.metrics]
    x, y = plot.curves["main_train"].getOriginalDataset()
    np.testing.assert_array_equal(x, [m.step for m in metrics])
    np.testing.assert_allclose(y, [100 * m.train_accuracy for m in metrics])
    _, test = plot.curves["main_test"].getOriginalDataset()
    np.testing.assert_allclose(test, [100 * m.test_accuracy for m in metrics])
    assert test[-1] > 80  # it learned
    assert plot.plot_item.getAxis("left").labelText == "accuracy (%)"
    low, high = plot.plot_item.getViewBox().viewRange()[1]
    assert low <= 0 and high >= 100  # a fixed 0–100 % axis
    assert not plot.r2_view.isVisible()
    assert plot.main_view.toolTip() and plot.main_view.accessibleName()


def test_regression_shows_rmse_and_r2(qtbot, plot, regression_snapshots):
    plot.set_task("classification")
    plot.set_task("regression")
    _feed(plot, regression_snapshots)
    metrics = [m for s in regression_snapshots for m in s.metrics]
    assert plot.r2_view.isVisible()
    assert plot.plot_item.getAxis("left").labelText == "RMSE"
    assert plot.r2_plot_item.getAxis("left").labelText == "R²"
    for key, field in [
        ("main_train", "train_rmse"),
        ("main_test", "test_rmse"),
        ("r2_train", "train_r2"),
        ("r2_test", "test_r2"),
    ]:
        x, y = plot.curves[key].getOriginalDataset()
        np.testing.assert_array_equal(x, [m.step for m in metrics])
        np.testing.assert_allclose(y, [getattr(m, field) for m in metrics])
    assert metrics[-1].test_r2 > 0.8
    low, _ = plot.r2_plot_item.getViewBox().viewRange()[1]
    assert low >= R2_FLOOR - 0.06  # a terrible early R² cannot flatten the curve


def test_set_task_clears_and_rejects_unknown_tasks(qtbot, plot, iris_snapshots):
    _feed(plot, iris_snapshots)
    plot.set_task("regression")
    assert all(c.getOriginalDataset()[0] is None for c in plot.curves.values())
    with pytest.raises(ValueError, match="classification, regression"):
        plot.set_task("clustering")


def test_no_test_rows_leaves_the_test_curve_empty(qtbot, plot, iris_table):
    config = MODERN.replace(epochs=5, test_split=0.0)
    snapshots = _run(config, prepare_table(iris_table, config))
    plot.set_task("classification")
    _feed(plot, snapshots)  # any NaN warning would fail the test (filterwarnings=error)
    assert len(plot.curves["main_train"].getOriginalDataset()[0]) == 6
    assert plot.curves["main_test"].getOriginalDataset()[0] is None


def test_clear_then_new_run(qtbot, plot, iris_snapshots):
    _feed(plot, iris_snapshots)
    plot.clear()
    _feed(plot, iris_snapshots[:3])
    x, _ = plot.values("main_train")
    assert list(x) == [m.step for s in iris_snapshots[:3] for m in s.metrics]


def _evaluations(steps):
    """A snapshot-like object carrying one evaluation per step of ``steps``."""
    from types import SimpleNamespace

    from nnstudio.core.metrics import Metrics

    return SimpleNamespace(
        metrics=tuple(
            Metrics(
                step=int(s),
                epoch=s / 60,
                train_loss=1.0,
                test_loss=1.0,
                train_accuracy=0.5 + s / 40_000,
                test_accuracy=0.5,
            )
            for s in steps
        )
    )


def test_thousands_of_evaluations_are_a_line_and_a_few_have_markers(qtbot, plot):
    # A long run evaluates every epoch: markers on thousands of points merge into a
    # smear that pyqtgraph would keep a few hundred bytes of per point.
    plot.set_task("classification")
    plot.record_snapshot(_evaluations(range(0, 600, 60)))
    plot.refresh()
    plot.grab()
    assert plot.curves["main_train"].opts["symbol"] == "o"
    assert plot.curves["main_test"].opts["symbol"] == "s"
    for start in range(600, 600_000, 60_000):
        plot.record_snapshot(_evaluations(range(start, start + 60_000, 60)))
        plot.refresh()
        plot.grab()
    for key in ("main_train", "main_test"):
        curve = plot.curves[key]
        assert curve.opts["symbol"] is None
        assert len(curve.scatter.data) == 0  # the markers' per-point data is gone
        x, _ = curve.getOriginalDataset()
        assert len(x) == 10_010  # every evaluation is still recorded
        # ... and drawn as a plain line of fewer points (a few per pixel column, peaks kept).
        shown, _ = curve.getData()
        assert len(shown) < len(x) * 0.75
        assert not curve.opts["antialias"]
    plot.plot_item.getViewBox().setXRange(30_000, 31_200, padding=0)  # 21 evaluations
    plot.grab()
    assert plot.curves["main_train"].opts["symbol"] == "o"
    assert plot.curves["main_test"].opts["symbol"] == "s"
    plot.clear()
    assert plot.curves["main_train"].opts["symbol"] == "o"
