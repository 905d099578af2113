"""The decision-boundary view: class colours, confidence, test points, axes pickers, regression."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare, prepare_table
from nnstudio.core.generators import add_engineered, generate
from nnstudio.core.grid import grid_outputs
from nnstudio.core.trainer import Trainer
from nnstudio.gui.widgets.decision_boundary import (
    CLASS_COLOURS,
    MAX_STRENGTH,
    DecisionBoundaryView,
    classification_rgba,
)
from nnstudio.gui.widgets.series import plot_colours

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def rgb(colour: str) -> np.ndarray:
    return np.array(QColor(colour).getRgb()[:3], dtype=float)


def two_blobs(n=40, test=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + test, 2)) * 2
    y = (X[:, 0] > 0).astype(int)
    return X[:n], y[:n], X[n:], y[n:]


@pytest.fixture
def view(qtbot):
    widget = DecisionBoundaryView()
    qtbot.addWidget(widget)
    widget.resize(520, 460)
    return widget


def halves(res: int, sure: float = 0.9) -> np.ndarray:
    """Outputs with class 0 on the left half of the grid and class 1 on the right."""
    outputs = np.empty((res, res, 2))
    outputs[:, : res // 2] = (sure, 1 - sure)
    outputs[:, res // 2 :] = (1 - sure, sure)
    return outputs


def test_class_colours_follow_the_predicted_class(view, qtbot):
    X, y, Xt, yt = two_blobs()
    view.set_data(X, y, Xt, yt, ("a", "b"), ("left", "right"))
    spec = view.grid_spec(resolution=20)
    view.show_outputs(halves(20), spec)
    image = view.image_rgba()
    assert image.shape == (20, 20, 4)
    background = np.array(plot_colours()[0].getRgb()[:3], dtype=float)
    blue, orange = rgb(CLASS_COLOURS[0]), rgb(CLASS_COLOURS[1])
    left, right = image[:, :10, :3].astype(float), image[:, 10:, :3].astype(float)
    # Each half is its class colour blended toward the background (0.9 of 2 classes: 80% sure).
    strength = 0.08 + (MAX_STRENGTH - 0.08) * 0.8
    np.testing.assert_allclose(
        right, np.broadcast_to(background + (orange - background) * strength, right.shape), atol=1
    )
    np.testing.assert_allclose(
        left, np.broadcast_to(background + (blue - background) * strength, left.shape), atol=1
    )
    # Pixel centres sit on the grid points: pixel (0, 0) at the lower-left corner of the spec.
    corner = view.image.mapToParent(QPointF(0.5, 0.5))
    assert corner.x() == pytest.approx(spec.x_range[0])
    assert corner.y() == pytest.approx(spec.y_range[0])


def test_unsure_points_fade_to_the_background():
    background = (255, 255, 255)
    unsure = classification_rgba(np.full((2, 2, 3), 1 / 3), background)
    sure = classification_rgba(np.tile([0.0, 0.0, 1.0], (2, 2, 1)), background)
    assert np.all(unsure[..., :3] > 230)  # nearly white: no class wins
    np.testing.assert_allclose(
        sure[0, 0, :3], 255 + (rgb(CLASS_COLOURS[2]) - 255) * MAX_STRENGTH, atol=1
    )


def test_discretize_shows_pure_class_colours(view, qtbot):
    X, y, Xt, yt = two_blobs()
    view.set_data(X, y, Xt, yt, ("a", "b"), ("left", "right"))
    view.show()
    spec = view.grid_spec(resolution=10)
    view.show_outputs(halves(10, sure=0.55), spec)
    faint = view.image_rgba()
    assert not np.array_equal(faint[0, -1, :3], rgb(CLASS_COLOURS[1]))
    qtbot.mouseClick(view.discretize, Qt.LeftButton)
    assert view.discretize.isChecked()
    full = view.image_rgba()[..., :3]
    assert np.all(full[:, 5:] == rgb(CLASS_COLOURS[1]))
    assert np.all(full[:, :5] == rgb(CLASS_COLOURS[0]))


def test_test_points_toggle(view, qtbot):
    X, y, Xt, yt = two_blobs(test=7)
    view.set_data(X, y, Xt, yt, ("a", "b"), ("left", "right"))
    view.show()
    qtbot.waitExposed(view)
    assert len(view.train_scatter.data) == 40
    assert len(view.test_scatter.data) == 7 and view.test_points_visible()
    qtbot.mouseClick(view.show_test, Qt.LeftButton)
    assert not view.test_scatter.isVisible() and not view.test_outline.isVisible()
    qtbot.mouseClick(view.show_test, Qt.LeftButton)
    assert view.test_points_visible()
    # The test points are hollow: no fill, a ring in their class colour.
    assert view.test_scatter.opts["brush"].style() == Qt.NoBrush
    first = view.test_scatter.data[0]
    assert first["pen"].color() == QColor(CLASS_COLOURS[int(yt[0])])


def test_no_test_split(view):
    X, y, _, _ = two_blobs()
    view.set_data(X, y, np.empty((0, 2)), np.empty(0, int), ("a", "b"), ("left", "right"))
    assert not view.show_test.isEnabled()
    assert len(view.test_scatter.data) == 0 and not view.test_points_visible()
    spec = view.grid_spec(resolution=8)
    view.show_outputs(halves(8), spec)
    assert view.image_rgba().shape == (8, 8, 4)


def test_feature_pickers_emit_axes_changed_and_name_held_features(view, qtbot, iris_table):
    data = prepare_table(iris_table, MODERN)
    names = data.feature_names
    view.set_data(
        iris_table.X,
        data.preprocessing.encode_labels(iris_table.labels),
        np.empty((0, 4)),
        np.empty(0, int),
        names,
        data.class_names,
    )
    view.show()
    assert view.x_feature.isVisibleTo(view) and view.y_feature.isVisibleTo(view)
    assert view.x_feature.count() == 4
    assert f"held at their mean: {names[2]}, {names[3]}" in view.note.text()
    with qtbot.waitSignal(view.axes_changed) as blocker:
        view.y_feature.setCurrentIndex(2)
    assert blocker.args == [0, 2]
    assert view.axes() == (0, 2)
    assert f"held at their mean: {names[1]}, {names[3]}" in view.note.text()
    spec = view.grid_spec()
    assert (spec.x_feature, spec.y_feature) == (0, 2)
    assert spec.held_features == (names[1], names[3])
    item = view.plot_widget.getPlotItem()
    assert item.getAxis("left").labelText == names[2]
    # Choosing the y feature for x swaps the axes rather than plotting a feature against itself.
    with qtbot.waitSignal(view.axes_changed) as blocker:
        view.x_feature.setCurrentIndex(2)
    assert blocker.args == [2, 0]
    assert view.y_feature.currentIndex() == 0
    assert item.getAxis("bottom").labelText == names[2]


def test_two_features_hide_the_pickers(view):
    X, y, Xt, yt = two_blobs()
    view.set_data(X, y, Xt, yt, ("a", "b"), ("left", "right"))
    assert not view.x_feature.isVisibleTo(view)
    assert view.note.isHidden()


def test_one_feature_has_no_boundary(view):
    X = np.arange(10.0).reshape(-1, 1)
    view.set_data(X, np.arange(10) % 2, X[:0], np.empty(0, int), ("a",), ("no", "yes"))
    assert view.grid_spec() is None
    assert view.image_rgba() is None
    assert "at least two features" in view.note.text()


def test_engineered_features_are_computed_not_held(view):
    table = add_engineered(generate("circle", samples=100), ["x²", "y²"])
    data = prepare_table(table, MODERN.replace(test_split=0.0))
    view.set_data(
        table.X,
        data.y_train,
        np.empty((0, 4)),
        np.empty(0, int),
        data.feature_names,
        data.class_names,
    )
    assert "Computed from the axes: x², y²" in view.note.text()
    assert "held" not in view.note.text()


def test_regression_uses_a_value_colour_map(view):
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(60, 2))
    y = 10 + 5 * X[:, 0]
    data = prepare(X, y, feature_names=("u", "v"), task="regression", test_split=0.25)
    pre = data.preprocessing
    raw = data.X_train * pre.scale + pre.mean
    raw_test = data.X_test * pre.scale + pre.mean
    view.set_data(raw, data.y_train, raw_test, data.y_test, ("u", "v"), None, pre)
    assert not view.discretize.isEnabled()
    assert view.colour_bar.isVisible()
    low, high = float(y.min()), float(y.max())
    assert view.colour_bar.levels() == pytest.approx((low, high))
    # Network outputs are standardized targets: the highest target shows as the top colour.
    spec = view.grid_spec(resolution=6)
    outputs = np.empty((6, 6, 1))
    outputs[:, :3] = (low - pre.target_mean) / pre.target_scale
    outputs[:, 3:] = (high - pre.target_mean) / pre.target_scale
    view.show_outputs(outputs, spec)
    image = view.image_rgba()
    cmap = view.colour_bar.colorMap()
    top = np.array(cmap.map(1.0, mode="byte")[:3], dtype=float)
    bottom = np.array(cmap.map(0.0, mode="byte")[:3], dtype=float)
    np.testing.assert_allclose(image[:, 3:, :3], np.broadcast_to(top, (6, 3, 3)), atol=2)
    np.testing.assert_allclose(image[:, :3, :3], np.broadcast_to(bottom, (6, 3, 3)), atol=2)
    assert "value" in view.legend.text()


def test_many_classes_each_get_a_colour(view):
    k = 12
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 2))
    y = np.arange(120) % k
    view.set_data(X, y, X[:0], y[:0], ("a", "b"), tuple(f"c{i}" for i in range(k)))
    assert "+2 more" in view.legend.text()
    outputs = np.zeros((1, k, k))
    outputs[0, np.arange(k), np.arange(k)] = 1.0  # column j: class j for sure
    view.discretize.setChecked(True)
    view.show_outputs(outputs, view.grid_spec(resolution=k))
    image = view.image_rgba()
    for j in range(k):
        np.testing.assert_array_equal(image[0, j, :3], rgb(CLASS_COLOURS[j % len(CLASS_COLOURS)]))


def test_trained_network_boundary_separates_the_classes(view):
    config = MODERN.replace(
        iterations=300, hidden_layers=(8,), activations=("tanh",), learning_rate=0.05
    )
    data = prepare_table(generate("gaussians", samples=200, noise=0.0), config)
    trainer = Trainer(config, data)
    for _ in trainer.run(every_steps=1000):
        pass
    pre = data.preprocessing
    raw = data.X_train * pre.scale + pre.mean
    view.set_data(
        raw,
        data.y_train,
        data.X_test * pre.scale + pre.mean,
        data.y_test,
        data.feature_names,
        data.class_names,
        pre,
    )
    view.discretize.setChecked(True)
    spec = view.grid_spec()
    view.show_outputs(grid_outputs(trainer.network, pre, spec), spec)
    image = view.image_rgba()
    assert image.shape == (100, 100, 4)
    # The pixel under each training point has that point's class colour (separable blobs).
    xs = np.clip(np.round((raw[:, 0] - spec.x_range[0]) / np.ptp(spec.x_range) * 99), 0, 99)
    ys = np.clip(np.round((raw[:, 1] - spec.y_range[0]) / np.ptp(spec.y_range) * 99), 0, 99)
    under = image[ys.astype(int), xs.astype(int), :3]
    expected = np.array([rgb(CLASS_COLOURS[c]) for c in data.y_train])
    assert np.mean(np.all(under == expected, axis=1)) > 0.95


def test_a_dark_palette_fades_toward_the_dark_background(view, qtbot):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    X, y, Xt, yt = two_blobs()
    view.set_data(X, y, Xt, yt, ("a", "b"), ("left", "right"))
    view.show_outputs(np.full((4, 4, 2), 0.5), view.grid_spec(resolution=4))  # nobody wins
    app = QApplication.instance()
    original = app.palette()
    dark = QPalette(original)
    dark.setColor(QPalette.Base, QColor(20, 20, 20))
    dark.setColor(QPalette.Text, QColor(235, 235, 235))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: view.image_rgba()[0, 0, :3].max() < 60)
    finally:
        app.setPalette(original)
    qtbot.waitUntil(lambda: view.image_rgba()[0, 0, :3].min() > 200)
