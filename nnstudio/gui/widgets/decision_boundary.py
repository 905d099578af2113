"""The decision boundary: what the network predicts over a plane of two features.

The core evaluates the network on a grid of points (:func:`nnstudio.core.grid.grid_outputs`,
shape ``(res, res, k)``); this view colours the grid and overlays the data:

- classification: each grid point takes the colour of its predicted class,
  blended toward the plot background where the network is unsure (the largest
  probability near ``1 / k``), so the boundary shows as a pale band. "Discretize"
  drops the blending and shows pure class colours.
- regression: the predicted value on the viridis colour map, with a colour bar.

Training points are filled circles in their class colour (or value colour) with a
thin outline, test points (on a toggle) hollow circles. With more than two
features two combos choose the axes; the other features are held at their
training mean (or computed from the axes when derivable, e.g. ``x²``).

:meth:`DecisionBoundaryView.set_data` is called once per data set;
:meth:`DecisionBoundaryView.show_outputs` only recolours the existing image.

Run ``python -m nnstudio.gui.widgets.decision_boundary`` for a preview training
on a generated spiral.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.grid import GridSpec, make_grid_spec
from nnstudio.gui.palette import LAYER_COLOURS, style_plot
from nnstudio.gui.widgets.series import make_plot_widget, plot_colours
from nnstudio.gui.widgets.wrapping_row import WrappingRow

# Okabe-Ito (colour-blind safe), as palette.LAYER_COLOURS but with its grey instead of
# black, which would vanish on a dark background. More classes than colours repeat them.
CLASS_COLOURS = tuple(c for c in LAYER_COLOURS if c != "#000000") + ("#999999",)
MAX_POINTS = 3000  # points drawn per split at most (a seeded sample): scatter cost is per point
MAX_LEGEND = 10  # classes named in the legend line
MIN_STRENGTH, MAX_STRENGTH = 0.08, 0.75  # colour strength of an unsure and a sure grid point
VALUE_MAP = "viridis"
PICKER_MINIMUM_WIDTH = 80  # pixels: a feature picker shrinks to this (its name elided)


def class_colours(k: int) -> np.ndarray:
    """RGB rows (float, 0-255) of the first ``k`` class colours, shape ``(k, 3)``."""
    return np.array(
        [QColor(CLASS_COLOURS[i % len(CLASS_COLOURS)]).getRgb()[:3] for i in range(k)],
        dtype=np.float64,
    )


def classification_rgba(
    outputs: np.ndarray, background: Sequence[float], discretize: bool = False
) -> np.ndarray:
    """Colour grid outputs by predicted class, paler where the prediction is unsure.

    Parameters
    ----------
    outputs : ndarray, shape (res_y, res_x, k)
        Class scores (probabilities) at each grid point; ``k == 1`` means one sigmoid
        output for class 1 of two.
    background : sequence of 3 floats
        RGB (0-255) that an unsure point fades toward.
    discretize : bool
        Pure class colours, without the confidence blending.

    Returns
    -------
    ndarray of uint8, shape (res_y, res_x, 4)
    """
    scores = np.clip(np.nan_to_num(np.asarray(outputs, dtype=np.float64)), 0.0, None)
    if scores.shape[-1] == 1:
        p = np.clip(scores, 0.0, 1.0)
        scores = np.concatenate([1.0 - p, p], axis=-1)
    k = scores.shape[-1]
    total = scores.sum(axis=-1, keepdims=True)
    # Scores that do not sum to one (independent sigmoids) are compared as shares.
    probs = np.divide(scores, total, out=np.full_like(scores, 1.0 / k), where=total > 0)
    winner = probs.argmax(axis=-1)
    if discretize:
        strength = np.ones(winner.shape)
    else:
        sure = np.clip((probs.max(axis=-1) - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
        strength = MIN_STRENGTH + (MAX_STRENGTH - MIN_STRENGTH) * sure
    back = np.asarray(background, dtype=np.float64)[:3]
    rgb = back + (class_colours(k)[winner] - back) * strength[..., None]
    return _with_alpha(rgb)


def value_rgba(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """Colour values ``(res_y, res_x)`` on the viridis map over ``levels``; uint8 RGBA."""
    low, high = levels
    span = high - low if high > low else 1.0
    t = np.clip(np.nan_to_num((np.asarray(values, dtype=np.float64) - low) / span), 0.0, 1.0)
    return _with_alpha(_value_lut()[np.round(t * 255).astype(np.intp)])


@functools.cache
def _value_lut() -> np.ndarray:
    """The value colour map as 256 RGB rows (float); read once, not per frame."""
    lut = pg.colormap.get(VALUE_MAP).getLookupTable(0.0, 1.0, 256, alpha=False)
    return lut.astype(np.float64)


def _with_alpha(rgb: np.ndarray) -> np.ndarray:
    rgba = np.empty(rgb.shape[:-1] + (4,), dtype=np.uint8)
    rgba[..., :3] = np.clip(np.round(rgb), 0, 255)
    rgba[..., 3] = 255
    return rgba


def _sample(n: int) -> np.ndarray:
    """Indices of the rows drawn: all, or a seeded sample of :data:`MAX_POINTS`."""
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, MAX_POINTS, replace=False))


class _FeaturePicker(QComboBox):
    """As wide as its feature names where there is room, and narrower (the name elided)
    where there is not: long column names must not hold the window wider than a screen
    (three 35-character names held it at 1596 pixels)."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), PICKER_MINIMUM_WIDTH), hint.height())


class DecisionBoundaryView(QWidget):
    """The network's prediction over two features, with the data on top.

    Signals
    -------
    axes_changed(int, int)
        The user chose other features for the axes ``(x_feature, y_feature)``; ask for
        :meth:`grid_spec` again and show new outputs.
    """

    axes_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("decision_boundary")
        self._names: tuple[str, ...] = ()
        self._class_names: tuple[str, ...] | None = None
        self._train = self._test = (np.empty((0, 0)), np.empty(0))
        self._levels = (0.0, 1.0)  # regression colour scale, from the targets
        self._target = (0.0, 1.0)  # regression: target = output * scale + mean
        self._axes = (0, 1)
        self._spec: GridSpec | None = None
        self._outputs: np.ndarray | None = None

        self.x_feature = self._combo(
            "boundary_x_feature",
            "Horizontal axis feature",
            "The feature along the horizontal axis.",
        )
        self.y_feature = self._combo(
            "boundary_y_feature", "Vertical axis feature", "The feature along the vertical axis."
        )
        self.x_label, self.y_label = QLabel("x:", self), QLabel("y:", self)
        self.show_test = QCheckBox("Test points", self)
        self.show_test.setObjectName("boundary_show_test")
        self.show_test.setAccessibleName("Show test points")
        self.show_test.setToolTip("Also draw the held-out test rows, as hollow circles.")
        self.show_test.setChecked(True)
        self.show_test.toggled.connect(self._on_show_test_toggled)
        self.discretize = QCheckBox("Discretize", self)
        self.discretize.setObjectName("boundary_discretize")
        self.discretize.setAccessibleName("Discretize the boundary")
        self.discretize.setToolTip(
            "Show only which class wins at each point, without fading where the network is unsure."
        )
        self.discretize.toggled.connect(self._on_discretize_toggled)
        self.legend = QLabel(self)
        self.legend.setObjectName("boundary_legend")
        self.legend.setAccessibleName("Class colours")
        self.legend.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.legend.setContentsMargins(4, 0, 4, 0)
        self.legend.setWordWrap(True)

        self.plot_widget = make_plot_widget(
            self,
            "boundary_view",
            "Decision boundary",
            "Background: what the network predicts at each point (paler = less sure); "
            "circles: training rows, hollow circles: test rows.",
        )
        item = self.plot_widget.getPlotItem()
        item.disableAutoRange()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        item.addItem(self.image)
        self.train_scatter = pg.ScatterPlotItem(size=7, symbol="o")
        # A test point is a ring in its class colour over a wider ring in the outline
        # colour, so it shows even on a background of its own colour.
        self.test_outline = pg.ScatterPlotItem(size=9, symbol="o", brush=QBrush(Qt.NoBrush))
        self.test_scatter = pg.ScatterPlotItem(size=9, symbol="o", brush=QBrush(Qt.NoBrush))
        for scatter in (self.train_scatter, self.test_outline, self.test_scatter):
            # The points stay put while the network trains (only the image under them
            # changes): Qt keeps each scatter as a picture and only redraws it when the
            # points, their look or the view change, instead of thousands of symbols a frame.
            scatter.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            item.addItem(scatter)
        self.colour_bar = pg.ColorBarItem(
            values=(0, 1), colorMap=VALUE_MAP, interactive=False, width=12, colorMapMenu=False
        )
        self.colour_bar.axis.enableAutoSIPrefix(False)
        self.colour_bar.setImageItem([], insert_in=item)
        self.colour_bar.hide()

        self.note = QLabel(self)
        self.note.setObjectName("boundary_note")
        self.note.setAccessibleName("Features held fixed")
        self.note.setWordWrap(True)
        self.note.setForegroundRole(QPalette.PlaceholderText)
        self.note.setContentsMargins(4, 0, 4, 2)
        self.note.hide()

        axes, toggles = QHBoxLayout(), QHBoxLayout()
        for widget in (self.x_label, self.x_feature, self.y_label, self.y_feature):
            axes.addWidget(widget)
        axes.addStretch(1)
        toggles.addWidget(self.show_test)
        toggles.addWidget(self.discretize)
        # The check boxes go under the axis pickers in a narrow dock: in one row they held
        # the view 374 pixels wide, and the window too wide for a 1024-pixel screen.
        self.controls = WrappingRow(axes, toggles, self)
        self.controls.setContentsMargins(4, 0, 4, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.controls)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.legend)  # its own row: many class names need the width
        layout.addWidget(self.note)
        self._set_pickers_visible(False)
        self._restyle()

    def _combo(self, name: str, accessible: str, tip: str) -> QComboBox:
        combo = _FeaturePicker(self)
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.setToolTip(tip)
        combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        combo.currentIndexChanged.connect(self._on_axis_chosen)
        return combo

    # -- data -------------------------------------------------------------------------

    @property
    def is_classification(self) -> bool:
        return self._class_names is not None

    def set_data(
        self,
        X_train_raw: np.ndarray,
        y_train: np.ndarray,
        X_test_raw: np.ndarray,
        y_test: np.ndarray,
        feature_names: Sequence[str],
        class_names: Sequence[str] | None,
        preprocessing=None,
    ) -> None:
        """Show a new data set (forgets the shown outputs).

        Parameters
        ----------
        X_train_raw, X_test_raw : ndarray, shapes (n_train, d) and (n_test, d)
            Feature values in the data's units (not standardized); ``n_test`` may be 0.
        y_train, y_test : ndarray, shape (n,)
            Class indices (classification) or targets (regression).
        feature_names : sequence of str, length d
        class_names : sequence of str or None
            The classes; None for regression.
        preprocessing : Preprocessing, optional
            For regression, how network outputs map back to targets
            (``target_mean``, ``target_scale``); by default the standardization
            :func:`~nnstudio.core.dataset.prepare` fits (the training targets' mean and std).
        """
        names = tuple(feature_names)
        d = len(names)
        X_train = np.asarray(X_train_raw, dtype=np.float64).reshape(-1, d)
        X_test = np.asarray(X_test_raw, dtype=np.float64).reshape(-1, d)
        self._train = (X_train, np.asarray(y_train))
        self._test = (X_test, np.asarray(y_test))
        self._class_names = None if class_names is None else tuple(class_names)
        if not self.is_classification:
            targets = np.concatenate([self._train[1], self._test[1]]).astype(np.float64)
            finite = targets[np.isfinite(targets)]
            self._levels = (float(finite.min()), float(finite.max())) if finite.size else (0, 1)
            if preprocessing is not None:
                self._target = (preprocessing.target_mean, preprocessing.target_scale)
            else:  # what prepare() does with standardize on (the default)
                train = self._train[1].astype(np.float64)
                self._target = (float(train.mean()), float(train.std()) or 1.0)
        if names != self._names:  # a new table; the same one again keeps the chosen axes
            self._names = names
            self._axes = (0, 1 if d > 1 else 0)
            for combo, chosen in ((self.x_feature, 0), (self.y_feature, self._axes[1])):
                combo.blockSignals(True)
                combo.clear()
                combo.addItems(list(names))
                combo.setCurrentIndex(chosen)
                combo.blockSignals(False)
        self._set_pickers_visible(d > 2)
        self.discretize.setEnabled(self.is_classification)
        self.show_test.setEnabled(len(X_test) > 0)
        self.colour_bar.setVisible(not self.is_classification)
        self.colour_bar.setLevels(self._levels)
        self._update_legend()
        self._apply_axes()

    def grid_spec(self, resolution: int = 100) -> GridSpec | None:
        """The :class:`~nnstudio.core.grid.GridSpec` of the current axes (None below 2 features).

        The ranges cover the training and test points; the held features sit at
        their training mean.
        """
        X_train, X_test = self._train[0], self._test[0]
        if len(self._names) < 2 or len(X_train) == 0:
            return None
        x, y = self._axes
        spec = make_grid_spec(X_train, self._names, x, y, resolution)
        if len(X_test):
            wide = make_grid_spec(np.vstack([X_train, X_test]), self._names, x, y, resolution)
            spec = replace(spec, x_range=wide.x_range, y_range=wide.y_range)
        return spec

    def axes(self) -> tuple[int, int]:
        """The features ``(x, y)`` on the axes."""
        return self._axes

    def show_outputs(self, outputs: np.ndarray, spec: GridSpec) -> None:
        """Colour the grid by ``outputs`` over ``spec``.

        ``outputs`` is :func:`~nnstudio.core.grid.grid_outputs`' result, shape
        ``(res, res, k)``, indexed ``[iy, ix]``: class probabilities, or the
        standardized target for regression (decoded here).
        """
        self._outputs = np.asarray(outputs)
        self._spec = spec
        self._redraw()

    def image_rgba(self) -> np.ndarray | None:
        """The displayed image, shape ``(res_y, res_x, 4)`` uint8; row 0 is the lowest y."""
        return None if self.image.image is None else np.array(self.image.image)

    def test_points_visible(self) -> bool:
        return self.test_scatter.isVisible() and len(self.test_scatter.data) > 0

    # -- drawing ----------------------------------------------------------------------

    def _redraw(self) -> None:
        outputs, spec = self._outputs, self._spec
        if outputs is None or spec is None:
            self.image.clear()
            return
        if self.is_classification:
            background = plot_colours()[0].getRgb()[:3]
            rgba = classification_rgba(outputs, background, self.discretize.isChecked())
        else:
            mean, scale = self._target  # the network predicts the standardized target
            rgba = value_rgba(outputs[..., 0] * scale + mean, self._levels)
        self.image.setImage(rgba, autoLevels=False)
        res_y, res_x = outputs.shape[:2]
        (x0, x1), (y0, y1) = spec.x_range, spec.y_range
        # Grid values sit on cell centres: each pixel reaches half a step beyond them.
        dx = (x1 - x0) / max(res_x - 1, 1)
        dy = (y1 - y0) / max(res_y - 1, 1)
        self.image.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))

    def _point_brushes(self, y: np.ndarray) -> list[QColor]:
        if self.is_classification:
            colours = [QColor(c) for c in CLASS_COLOURS]
            return [colours[int(c) % len(colours)] for c in y]
        rgba = value_rgba(np.asarray(y, dtype=np.float64)[None, :], self._levels)[0]
        return [QColor(int(r), int(g), int(b)) for r, g, b, _ in rgba]

    def _update_points(self) -> None:
        x, y = self._axes
        _, text = plot_colours()
        outline = QColor(text)
        outline.setAlpha(170)
        X, labels = self._train
        rows = _sample(len(X))
        if X.shape[1] > max(x, y):
            brushes = self._point_brushes(labels[rows])
            self.train_scatter.setData(
                X[rows, x], X[rows, y], brush=brushes, pen=pg.mkPen(outline, width=1)
            )
        X, labels = self._test
        rows = _sample(len(X))
        if len(rows) and X.shape[1] > max(x, y):
            pens = [pg.mkPen(c, width=2) for c in self._point_brushes(labels[rows])]
            self.test_outline.setData(
                X[rows, x], X[rows, y], pen=pg.mkPen(outline, width=3), brush=QBrush(Qt.NoBrush)
            )
            self.test_scatter.setData(X[rows, x], X[rows, y], pen=pens, brush=QBrush(Qt.NoBrush))
        else:
            self.test_outline.setData([], [])
            self.test_scatter.setData([], [])
        self._on_show_test_toggled(self.show_test.isChecked())

    def _apply_axes(self) -> None:
        """Axis labels, points, range and note for the chosen axes; forgets old outputs."""
        names, (x, y) = self._names, self._axes
        item = self.plot_widget.getPlotItem()
        self._outputs = None
        self._spec = self.grid_spec(resolution=2)  # just the ranges, for the view
        self._redraw()
        if self._spec is None:
            for scatter in (self.train_scatter, self.test_outline, self.test_scatter):
                scatter.setData([], [])
            self.note.setText("The decision boundary needs at least two features.")
            self.note.show()
            return
        item.setLabel("bottom", names[x])
        item.setLabel("left", names[y])
        self._update_points()
        item.setRange(xRange=self._spec.x_range, yRange=self._spec.y_range, padding=0)
        held = self._spec.held_features
        derived = [n for i, n in enumerate(names) if i not in (x, y) and n not in held]
        sentences = []
        if held:
            sentences.append(f"Other features held at their mean: {', '.join(held)}.")
        if derived:
            sentences.append(f"Computed from the axes: {', '.join(derived)}.")
        self.note.setText(" ".join(sentences))
        self.note.setVisible(bool(sentences))

    def _update_legend(self) -> None:
        if not self.is_classification:
            self.legend.setText(
                "Background: the predicted value; circles: the true value "
                "(same colour scale, on the right)."
            )
            self.legend.setToolTip("Colours follow the bar on the right.")
            return
        names = self._class_names
        parts = [
            f'<span style="color:{CLASS_COLOURS[i % len(CLASS_COLOURS)]}">■</span>&nbsp;{n}'
            for i, n in enumerate(names[:MAX_LEGEND])
        ]
        if len(names) > MAX_LEGEND:
            parts.append(f"+{len(names) - MAX_LEGEND} more")
        self.legend.setText("&nbsp;&nbsp;".join(parts))
        self.legend.setToolTip("Colour of each class: " + ", ".join(names) + ".")

    def _set_pickers_visible(self, visible: bool) -> None:
        for widget in (self.x_label, self.x_feature, self.y_label, self.y_feature):
            widget.setVisible(visible)

    # -- slots ------------------------------------------------------------------------

    def _on_axis_chosen(self, _index: int) -> None:
        x, y = self.x_feature.currentIndex(), self.y_feature.currentIndex()
        if x < 0 or y < 0 or (x, y) == self._axes:
            return
        if x == y:  # the same feature twice: swap the axes instead
            old_x, old_y = self._axes
            other = self.y_feature if x != old_x else self.x_feature
            other.blockSignals(True)
            other.setCurrentIndex(old_x if x != old_x else old_y)
            other.blockSignals(False)
            x, y = self.x_feature.currentIndex(), self.y_feature.currentIndex()
        self._axes = (x, y)
        self._apply_axes()
        self.axes_changed.emit(x, y)

    def _on_show_test_toggled(self, on: bool) -> None:
        self.test_outline.setVisible(on)
        self.test_scatter.setVisible(on)

    def _on_discretize_toggled(self, _on: bool) -> None:
        self._redraw()

    def _restyle(self) -> None:
        style_plot(self.plot_widget)
        self.plot_widget.getPlotItem().showGrid(x=False, y=False)  # lines over the colours
        _, text = plot_colours()
        self.colour_bar.axis.setPen(pg.mkPen(text))
        self.colour_bar.axis.setTextPen(pg.mkPen(text))
        if len(self._names):
            self._update_points()
        self._redraw()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._restyle()


def _preview() -> int:  # pragma: no cover - manual preview
    import sys

    import shiboken6
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio.core.config import MODERN
    from nnstudio.core.dataset import prepare_table
    from nnstudio.core.generators import generate
    from nnstudio.core.grid import grid_outputs
    from nnstudio.core.trainer import Trainer

    name = sys.argv[1] if len(sys.argv) > 1 else "spiral"
    app = QApplication.instance() or QApplication(sys.argv)
    config = MODERN.replace(epochs=400, hidden_layers=(16, 8), learning_rate=0.03)
    data = prepare_table(generate(name, noise=0.1), config)
    pre = data.preprocessing
    trainer = Trainer(config, data)
    view = DecisionBoundaryView()
    unscale = (lambda X: X * pre.scale + pre.mean) if pre.mean is not None else (lambda X: X)
    view.set_data(
        unscale(data.X_train),
        data.y_train,
        unscale(data.X_test),
        data.y_test,
        data.feature_names,
        data.class_names,
        pre,
    )
    state = {"spec": view.grid_spec()}
    view.axes_changed.connect(lambda *_: state.update(spec=view.grid_spec()))
    view.setWindowTitle(f"nnstudio · decision boundary preview ({name})")
    run = trainer.run(every_steps=20)

    def tick():
        if next(run, None) is not None:
            view.show_outputs(grid_outputs(trainer.network, pre, state["spec"]), state["spec"])

    timer = QTimer(view)
    timer.timeout.connect(tick)
    timer.start(33)
    view.resize(560, 520)
    view.show()
    code = app.exec()
    shiboken6.delete(view)  # before the QApplication goes
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
