"""Views in tabbed-away docks are built when first shown, and then show what they would have."""

import numpy as np
import pytest
from PySide6.QtCore import QByteArray, QSettings

from nnstudio.core.config import MODERN
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.widgets.diagnostics_view import METRICS

LAZY = ("gradients", "boundary", "units", "diagnostics", "histograms")
CONFIG = MODERN.replace(epochs=50)


def _window(qtbot, tmp_path, name: str, settings: QSettings | None = None) -> MainWindow:
    window = MainWindow(settings or QSettings(str(tmp_path / f"{name}.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    return window


def _steps(qtbot, window, n: int) -> None:
    # One batch at a time: every step's snapshot ends a run, so both windows record the
    # same snapshots and diagnoses whatever the machine's speed.
    for _ in range(n):
        with qtbot.waitSignal(window.run_stopped, timeout=5000):
            window.step_once()


def _assert_same_views(a: MainWindow, b: MainWindow) -> None:
    np.testing.assert_array_equal(a.gradient_plot.norms(), b.gradient_plot.norms())
    ia, ib = a.inside, b.inside
    assert ia.diagnostics.point_count() == ib.diagnostics.point_count() > 0
    for metric, _, _ in METRICS:
        np.testing.assert_array_equal(ia.diagnostics.values(metric), ib.diagnostics.values(metric))
    assert ia.diagnostics.messages() == ib.diagnostics.messages()
    assert ia.diagnostics.marked_step() == ib.diagnostics.marked_step()
    # The histograms' bins widen by a quarter whenever a drawn weight falls outside them,
    # so where their edges lie depends on when a view happened to draw (twice a second
    # while training): the same steps, layer and weights, each counted over its own bins.
    ha, hb = ia.histograms, ib.histograms
    assert ha.layer() == hb.layer() and ha.marked_step() == hb.marked_step()
    np.testing.assert_array_equal(ha.steps, hb.steps)
    assert ha.displayed_image().shape == hb.displayed_image().shape
    history = a.inside.history
    for row, step in zip(ha.source, ha.steps, strict=True):
        weights = history.at_step(int(step)).weights[ha.layer()]
        np.testing.assert_array_equal(row, np.histogram(weights, bins=ha.edges)[0])
    assert ia.boundary.axes() == ib.boundary.axes()
    np.testing.assert_array_equal(ia.boundary.image_rgba(), ib.boundary.image_rgba())
    assert ia.unit_view.title_text() == ib.unit_view.title_text()
    assert ia.unit_view.levels() == ib.unit_view.levels()
    np.testing.assert_array_equal(ia.unit_view.image.image, ib.unit_view.image.image)
    assert ia.unit_strip.levels() == ib.unit_strip.levels()


def test_start_up_builds_only_the_views_in_sight(qtbot, tmp_path):
    window = _window(qtbot, tmp_path, "s")
    window.load_data("iris")
    window.show()
    qtbot.waitExposed(window)
    assert [name for name in LAZY if window.is_built(name)] == []
    placeholder = window.docks["boundary"].widget()  # an empty widget holding the dock's room
    assert placeholder.children() == [] and placeholder.minimumHeight() > 0
    window.docks["boundary"].raise_()  # what clicking its tab does
    assert window.is_built("boundary") and window.docks["boundary"].widget() is not placeholder
    assert window.docks["boundary"].widget() is window.inside.boundary
    window.docks["diagnostics"].setFloating(True)  # dragged out of its tab group
    assert window.is_built("diagnostics")
    window.docks["units"].toggleViewAction().trigger()  # View menu: hidden...
    assert not window.is_built("units")
    window.export_png("gradients", tmp_path / "gradients.png")  # code that needs a view
    assert window.is_built("gradients")
    window.close()


@pytest.mark.parametrize("scrubbed", [False, True])
def test_a_view_shown_late_matches_one_shown_throughout(qtbot, tmp_path, scrubbed):
    late = _window(qtbot, tmp_path, "late")
    early = _window(qtbot, tmp_path, "early")
    early.ensure_views()  # as if every view had been in sight from the start
    for window in (late, early):
        window.set_config(CONFIG)
        window.load_data("iris")
        window.show()
        qtbot.waitExposed(window)
        window.editor.node_clicked.emit(1, 2)  # pick unit h1 #3 for the unit views
        _steps(qtbot, window, 12)
    # The gradient plot records every snapshot, so the run's first snapshot builds it.
    assert [name for name in LAZY if late.is_built(name)] == ["gradients"]
    if scrubbed:
        for window in (late, early):
            slider = window.inside.timeline.findChild(object, "timeline_slider")
            with qtbot.waitSignal(window.inside.timeline.step_selected, timeout=2000):
                slider.setValue(3)
    for name in LAZY:
        late.docks[name].raise_()
        # Built from the start, the units view is computed only while in sight, too.
        early.docks[name].raise_()
    assert all(late.is_built(name) for name in LAZY)
    _assert_same_views(late, early)
    # Built late, the views go on following the run like the others.
    for window in (late, early):
        window.inside.timeline.go_live()
        _steps(qtbot, window, 3)
    _assert_same_views(late, early)
    late.close()
    early.close()


def test_a_saved_layout_with_an_inside_view_in_front_is_restored_and_built(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    first = _window(qtbot, tmp_path, "s", settings)
    first.load_data("iris")
    first.show()
    qtbot.waitExposed(first)
    first.docks["diagnostics"].raise_()
    first.docks["histograms"].raise_()
    first.close()  # saves the layout
    assert isinstance(settings.value("window/state"), QByteArray)

    again = _window(qtbot, tmp_path, "s", settings)
    again.load_data("iris")
    assert not again.is_built("diagnostics")  # nothing is built before it is shown
    again.show()
    qtbot.waitExposed(again)
    assert again.is_built("diagnostics") and again.is_built("histograms")
    assert again.docks["diagnostics"].isVisible() and again.docks["histograms"].isVisible()
    assert not again.is_built("boundary") and not again.is_built("gradients")
    again.close()
