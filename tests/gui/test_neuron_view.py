"""One unit large (UnitView) and a layer's units as clickable thumbnails (UnitStrip)."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.generators import generate
from nnstudio.core.grid import make_grid_spec, unit_grids
from nnstudio.core.trainer import Trainer
from nnstudio.gui.palette import diverging_colormap
from nnstudio.gui.widgets.neuron_view import (
    MAX_THUMBNAILS,
    UnitsPanel,
    UnitStrip,
    UnitView,
    activation_scale,
)
from nnstudio.gui.widgets.series import nice_ceil

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(scope="module")
def trained():
    """A small network trained briefly on a generated circle, its data and a grid spec."""
    config = MODERN.replace(iterations=100, hidden_layers=(5, 4), activations=("tanh", "relu"))
    data = prepare_table(generate("circle", samples=120), config)
    trainer = Trainer(config, data)
    for _ in trainer.run(every_steps=1000):
        pass
    pre = data.preprocessing
    spec = make_grid_spec(data.X_train * pre.scale + pre.mean, data.feature_names, resolution=24)
    return trainer.network, pre, spec


@pytest.mark.parametrize(
    "activation, expected, signed",
    [
        ("sigmoid", (0, 1), False),
        ("softmax", (0, 1), False),
        ("tanh", (-1, 1), True),
        ("relu", (0, 3), False),
        ("linear", (-4, 4), True),
        ("elu", (-4, 4), True),
    ],
)
def test_colour_scale_follows_the_activation_range(activation, expected, signed):
    grids = np.array([[[0.0, 3.0], [-4.0, 1.0]]])
    if activation == "relu":
        grids = np.clip(grids, 0, None)
    levels, is_signed = activation_scale(activation, grids)
    assert levels == pytest.approx(expected)
    assert is_signed == signed


def test_unit_view_shows_the_grid_with_title_and_scale(qtbot, trained):
    network, pre, spec = trained
    view = UnitView()
    qtbot.addWidget(view)
    grids = unit_grids(network, pre, spec, 1)
    view.show_unit(grids[2], spec, "h1 #3 (tanh)")
    np.testing.assert_array_equal(view.image.image, grids[2])
    assert view.title_text() == "h1 #3 (tanh)"
    assert view.levels() == pytest.approx((-1.0, 1.0))
    assert view.plot.getAxis("bottom").labelText == "x"
    assert view.plot.getAxis("left").labelText == "y"
    relu = unit_grids(network, pre, spec, 2)
    view.show_unit(relu[0], spec, "h2 #1 (relu)")
    top = relu[0].max()
    # Up to the largest output, rounded up (a dead unit: a unit scale).
    assert view.levels() == pytest.approx((0.0, nice_ceil(top) if top > 0 else 1.0))
    view.show_unit(relu[0], spec, "output #1", activation="sigmoid")
    assert view.levels() == (0.0, 1.0)
    # While the same unit trains on, its open end holds until the values leave it.
    grid = np.full((5, 5), 0.41)
    view.show_unit(grid, spec, "h2 #2 (relu)")
    assert view.levels() == pytest.approx((0.0, 0.5))
    view.show_unit(grid * 1.1, spec, "h2 #2 (relu)")
    assert view.levels() == pytest.approx((0.0, 0.5))
    view.show_unit(grid * 1.3, spec, "h2 #2 (relu)")
    assert view.levels() == pytest.approx((0.0, 0.6))
    view.show_unit(-grid, spec, "h2 #3 (linear)")  # another unit: a fresh, symmetric scale
    assert view.levels() == pytest.approx((-0.5, 0.5))


def test_a_wide_short_panel_puts_the_unit_beside_the_strip(qtbot, trained):
    # Across the bottom of a short window, stacked, the unit's plane was a strip 35
    # pixels high and 1300 wide.
    network, pre, spec = trained
    panel = UnitsPanel(UnitView(), UnitStrip())
    qtbot.addWidget(panel)
    panel.view.show_unit(unit_grids(network, pre, spec, 1)[0], spec, "h1 #1 (tanh)")
    panel.resize(1300, 220)
    panel.show()
    qtbot.waitUntil(lambda: panel.strip.geometry().left() > 0)
    assert panel.side_by_side()
    view, strip = panel.view.geometry(), panel.strip.geometry()
    assert view.height() == 220 and view.width() <= 1.4 * 220 + 1
    assert strip.left() >= view.right() and strip.width() > 900
    plane = panel.view.plot.getViewBox().size()
    assert 0.6 < plane.width() / plane.height() < 1.6  # near square, not a strip
    # In a tall place (the right column of a larger window) they stand one above the other.
    panel.resize(500, 600)
    qtbot.waitUntil(lambda: panel.strip.geometry().top() > 0)
    assert not panel.side_by_side()
    assert panel.view.width() == 500 and panel.view.height() > panel.strip.height()


def test_strip_builds_one_thumbnail_per_unit_on_one_scale(qtbot, trained):
    network, pre, spec = trained
    strip = UnitStrip()
    qtbot.addWidget(strip)
    grids = unit_grids(network, pre, spec, 1)
    strip.show_layer(1, grids, "tanh")
    assert strip.unit_count == grids.shape[0] == 5
    # Every thumbnail on the shared scale (-1 to 1 for tanh): its colours are the colour
    # map's at each unit's values.
    assert strip.levels() == (-1.0, 1.0)
    lut = diverging_colormap().getLookupTable(0.0, 1.0, 256, alpha=True)
    for unit, grid in enumerate(grids):
        expected = lut[np.clip(((grid + 1.0) * 128).astype(int), 0, 255)]
        np.testing.assert_array_equal(strip.tile_image(unit), expected)
    assert "h1 (tanh), 5 units" in strip.caption.text()
    assert strip.more.isHidden()
    strip.show_layer(2, unit_grids(network, pre, spec, 2), "relu")
    assert strip.unit_count == 4
    assert strip.levels()[0] == 0.0


def _shown_strip(qtbot, width: int, height: int) -> UnitStrip:
    strip = UnitStrip()
    qtbot.addWidget(strip)
    strip.resize(width, height)
    strip.show()
    qtbot.waitExposed(strip)
    return strip


def test_clicking_a_thumbnail_emits_unit_clicked(qtbot, trained):
    network, pre, spec = trained
    strip = _shown_strip(qtbot, 420, 140)
    strip.show_layer(1, unit_grids(network, pre, spec, 1), "tanh")
    centre = strip.unit_rect(3).center()
    with qtbot.waitSignal(strip.unit_clicked) as blocker:
        qtbot.mouseClick(strip.view.viewport(), Qt.LeftButton, pos=centre)
    assert blocker.args == [1, 3]
    assert strip.highlight.isVisible()
    assert strip.highlight.rect().contains(strip._cell_rect(3).center())
    # A click between thumbnails picks nothing.
    gap = strip.unit_rect(0).bottomRight()
    gap.setX(gap.x() + 2)
    with qtbot.assertNotEmitted(strip.unit_clicked):
        qtbot.mouseClick(strip.view.viewport(), Qt.LeftButton, pos=gap)


def test_many_units_are_capped_with_a_note(qtbot):
    strip = UnitStrip()
    qtbot.addWidget(strip)
    grids = np.random.default_rng(0).uniform(0, 2, size=(70, 8, 8))
    strip.show_layer(3, grids, "relu", name="output")
    assert strip.unit_count == MAX_THUMBNAILS
    assert strip.more.text() == "+6 more units not shown"
    assert not strip.more.isHidden()
    assert strip.caption.text().startswith("output (relu), 70 units")
    assert strip.levels() == pytest.approx((0.0, grids[:MAX_THUMBNAILS].max()))


def test_mosaic_places_each_thumbnail_in_its_cell(qtbot, trained):
    network, pre, spec = trained
    strip = _shown_strip(qtbot, 300, 300)
    grids = unit_grids(network, pre, spec, 1)
    strip.show_layer(1, grids, "tanh")
    mosaic = strip.mosaic.image  # (rows, columns, 4), row 0 drawn lowest
    res = grids.shape[1]
    rect = strip.mosaic.mapRectToParent(strip.mosaic.boundingRect())
    for unit in range(strip.unit_count):
        cell = strip._cell_rect(unit)
        # The cell's place in the mosaic's pixels (x from the left, y from the bottom).
        x = round((cell.left() - rect.left()) / rect.width() * mosaic.shape[1])
        y = round((cell.top() - rect.top()) / rect.height() * mosaic.shape[0])
        np.testing.assert_array_equal(mosaic[y : y + res, x : x + res], strip.tile_image(unit))
    # Between thumbnails the mosaic is transparent, so the background shows.
    assert (mosaic[..., 3] == 0).sum() > 0


def test_fine_grids_are_sampled_down_for_thumbnails_keeping_their_edges(qtbot):
    strip = UnitStrip()
    qtbot.addWidget(strip)
    grids = np.random.default_rng(1).uniform(0, 1, size=(3, 100, 100))
    strip.show_layer(1, grids, "sigmoid")
    every = 3  # 100 points a side: rows 0, 3, ..., 99
    assert strip.tiles.shape == (3, 34, 34)
    lut = pg.colormap.get("viridis").getLookupTable(0.0, 1.0, 256, alpha=True)
    sampled = grids[1, ::every, ::every]
    expected = lut[np.clip((sampled * 256).astype(int), 0, 255)]
    np.testing.assert_array_equal(strip.tile_image(1), expected)
