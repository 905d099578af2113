"""Regression guard: painting must not leak references to ``None`` (PySide6 6.12.0 bug).

PySide6 6.12.0 drops one reference to ``None`` on every QPainter method that
returns nothing. On Python 3.11, where ``None`` is not immortal, a live plot then
aborts the interpreter within seconds (``Fatal Python error: none_dealloc``, see
DESIGN.md, Traps). These tests paint real pyqtgraph plots thousands of times and
check the count did not fall; on Python >= 3.12 ``None`` is immortal and the
check holds trivially.
"""

import gc
import sys

import numpy as np
import pyqtgraph as pg
import PySide6
import pytest

from nnstudio.core.trainer import Snapshot
from nnstudio.gui.widgets.loss_plot import LossPlot

PAINTS = 3000
# A leak loses dozens of references per paint (one per void QPainter call), i.e.
# hundreds of thousands here; unrelated objects coming and going move the count
# by a few at most.
TOLERANCE = 50


def _snapshot(start: int, n: int) -> Snapshot:
    steps = np.arange(start + 1, start + n + 1)
    return Snapshot(
        step=start + n,
        total_steps=PAINTS * 10,
        epoch=0.0,
        weights=(),
        biases=None,
        steps=steps,
        losses=1.0 / np.sqrt(steps),
        gradient_norms=np.zeros(0),
        metrics=(),
        learning_rate=0.01,
        seconds=1.0,
        samples_per_second=1.0,
    )


def _none_count() -> int:
    gc.collect()
    return sys.getrefcount(None)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on Python >= 3.12")
def test_pyside6_is_not_the_version_that_leaks_none():
    assert PySide6.__version__ != "6.12.0", (
        "PySide6 6.12.0 drops a reference to None on every void QPainter call and crashes "
        "live plots on Python < 3.12; install PySide6-Essentials < 6.12 (see DESIGN.md, Traps)."
    )


def test_painting_plots_thousands_of_times_keeps_none_referenced(qtbot):
    loss = LossPlot()
    qtbot.addWidget(loss)
    loss.resize(320, 220)
    loss.plot_item.showGrid(x=False, y=False)  # translucent grid lines: slow, and not the point
    loss.show()
    plain = pg.PlotWidget(title="plain")
    qtbot.addWidget(plain)
    plain.setLabel("left", "value")
    plain.setLabel("bottom", "x")
    curve = plain.plot(pen="b", symbol="o")
    plain.resize(240, 180)
    plain.show()
    loss.record_snapshot(_snapshot(0, 10))
    loss.refresh()
    loss.grab()
    plain.grab()  # first paints create caches; count from here

    before = _none_count()
    for i in range(PAINTS):
        if i % 10 == 0:  # new data now and then, so axes and curves are re-laid out too
            loss.record_snapshot(_snapshot(10 + i, 10))
            loss.refresh()
            curve.setData(np.arange(20), np.sin(np.arange(20) + i))
        (loss if i % 2 else plain).grab()
        if i == 10:  # fail with a message long before the interpreter would abort
            assert _none_count() >= before - TOLERANCE, "painting leaks references to None"
    after = _none_count()
    assert after >= before - TOLERANCE, (
        f"sys.getrefcount(None) fell from {before} to {after} over {PAINTS} paints: "
        "this Qt binding leaks references to None (see DESIGN.md, Traps)"
    )
    assert loss.point_count() == 10 + 10 * (PAINTS // 10)
