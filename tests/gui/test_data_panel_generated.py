"""The data panel's "Generated 2-D data" box: generate, regenerate, engineered inputs."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableWidget,
)

from nnstudio.core.generators import ENGINEERED, ENGINEERED_DESCRIPTIONS, GENERATORS, generate
from nnstudio.gui.widgets.data_panel import DataPanel

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
    "This plugin does not support grabbing the keyboard",
)

CHECKS = {
    "x²": "engineered_x2",
    "y²": "engineered_y2",
    "x·y": "engineered_xy",
    "sin x": "engineered_sinx",
    "sin y": "engineered_siny",
}


@pytest.fixture
def panel(qtbot):
    widget = DataPanel()
    qtbot.addWidget(widget)
    widget.resize(340, 720)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def child(panel, cls, name):
    found = panel.findChild(cls, name)
    assert found is not None, name
    return found


def text(panel, name):
    return child(panel, QLabel, name).text()


def header_texts(panel):
    grid = child(panel, QTableWidget, "data_preview")
    return [grid.horizontalHeaderItem(j).text() for j in range(grid.columnCount())]


def choose(panel, generator):
    picker = child(panel, QComboBox, "generator_picker")
    picker.setCurrentIndex(picker.findData(generator))


def click(qtbot, panel, name, cls=QPushButton):
    widget = child(panel, cls, name)
    assert widget.isEnabled(), name
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        qtbot.mouseClick(widget, Qt.LeftButton)
    return loaded.args[0]


def generate_spiral(qtbot, panel, classes=3):
    choose(panel, "spiral")
    child(panel, QSpinBox, "generator_samples").setValue(500)
    child(panel, QDoubleSpinBox, "generator_noise").setValue(0.1)
    child(panel, QSpinBox, "generator_classes").setValue(classes)
    return click(qtbot, panel, "generate_button")


def test_generate_button_loads_the_table_like_a_file(qtbot, panel):
    table = generate_spiral(qtbot, panel)
    assert table is panel.table() and panel.is_generated() and panel.path() is None
    assert table.path == "gen:spiral" and table.feature_names == ("x", "y")
    expected = generate("spiral", samples=500, noise=0.1, classes=3, seed=0)
    np.testing.assert_array_equal(table.X, expected.X)
    np.testing.assert_array_equal(table.labels, expected.labels)
    assert text(panel, "data_file") == "generated: spiral, 500 points, noise 0.1"
    assert text(panel, "data_format") == "generated 2-D data, 3 arms, data seed 0"
    assert "500 rows × 2 features · label: class" in text(panel, "data_summary")
    assert text(panel, "data_classes") == "3 classes: class 0 167 · class 1 167 · class 2 166"
    assert header_texts(panel) == ["x\nfeature", "y\nfeature", "class\nlabel"]
    grid = child(panel, QTableWidget, "data_preview")
    assert grid.rowCount() == 20 and grid.item(0, 0).text() == f"{table.X[0, 0]:.3f}"
    assert grid.item(0, 2).text() == table.labels[0]
    assert "first 20 of 500" in text(panel, "data_rows_shown")
    assert panel.label_column() is None and panel.ignore_columns() == ()
    assert not child(panel, QComboBox, "header_mode").isVisible()
    assert not child(panel, QComboBox, "label_picker").isEnabled()
    assert child(panel, QComboBox, "sample_picker").currentIndex() == -1


def test_regenerate_draws_with_the_next_data_seed(qtbot, panel):
    first = generate_spiral(qtbot, panel, classes=2)
    assert panel.data_seed() == 0 and text(panel, "generator_seed") == "data seed 0"
    second = click(qtbot, panel, "regenerate_button")
    assert panel.data_seed() == 1 and text(panel, "generator_seed") == "data seed 1"
    assert not np.array_equal(first.X, second.X) and second.n_rows == 500
    third = click(qtbot, panel, "regenerate_button")
    np.testing.assert_array_equal(third.X, generate("spiral", samples=500, noise=0.1, seed=2).X)
    assert "data seed 2" in text(panel, "data_format")
    again = click(qtbot, panel, "generate_button")  # Generate keeps the seed
    np.testing.assert_array_equal(again.X, third.X)


def test_engineered_check_boxes_rederive_the_table(qtbot, panel):
    boxes = {name: child(panel, QCheckBox, obj) for name, obj in CHECKS.items()}
    assert not any(box.isEnabled() for box in boxes.values())  # nothing generated yet
    base = generate_spiral(qtbot, panel)
    assert all(box.isEnabled() for box in boxes.values())
    table = click(qtbot, panel, "engineered_x2", QCheckBox)
    assert table.feature_names == ("x", "y", "x²")
    np.testing.assert_array_equal(table.X[:, 2], base.X[:, 0] ** 2)
    table = click(qtbot, panel, "engineered_y2", QCheckBox)
    assert table.feature_names == ("x", "y", "x²", "y²")
    table = click(qtbot, panel, "engineered_x2", QCheckBox)  # untick
    assert table.feature_names == ("x", "y", "y²")
    np.testing.assert_array_equal(table.X[:, :2], base.X)
    assert header_texts(panel)[2:] == ["y²\nfeature", "class\nlabel"]
    assert "500 rows × 3 features" in text(panel, "data_summary")
    grid = child(panel, QTableWidget, "data_preview")
    assert "computed from x and y" in grid.horizontalHeaderItem(2).toolTip()
    regenerated = click(qtbot, panel, "regenerate_button")  # the choice carries over
    assert regenerated.feature_names == ("x", "y", "y²")


def test_set_engineered_emits_once_and_ticks_the_boxes(qtbot, panel):
    generate_spiral(qtbot, panel)
    emitted = []
    panel.table_loaded.connect(emitted.append)
    panel.set_engineered(["sin x", "x·y"])
    assert len(emitted) == 1 and emitted[0].feature_names == ("x", "y", "x·y", "sin x")
    assert panel.engineered() == ("x·y", "sin x")
    ticked = [name for name, obj in CHECKS.items() if child(panel, QCheckBox, obj).isChecked()]
    assert ticked == ["x·y", "sin x"]
    x, y = emitted[0].X[:, 0], emitted[0].X[:, 1]
    np.testing.assert_allclose(emitted[0].X[:, 2:], np.column_stack([x * y, np.sin(x)]))


def test_engineered_choice_before_generating_applies_to_the_next_table(qtbot, panel):
    panel.load_sample("iris")
    emitted = []
    panel.table_loaded.connect(emitted.append)
    panel.set_engineered(["x2", "y2"])  # ASCII spellings are accepted
    assert emitted == []  # iris has no x and y: nothing to re-derive
    assert not child(panel, QCheckBox, "engineered_x2").isEnabled()
    assert panel.generate("circle", samples=200, noise=0.0)
    assert emitted[-1].feature_names == ("x", "y", "x²", "y²")


def test_arms_only_for_spiral(qtbot, panel):
    arms = child(panel, QSpinBox, "generator_classes")
    choose(panel, "spiral")
    assert arms.isVisible()
    choose(panel, "circle")
    assert not arms.isVisible()
    table = click(qtbot, panel, "generate_button")
    assert table.path == "gen:circle" and set(table.labels) == {"class 0", "class 1"}
    assert text(panel, "data_format") == "generated 2-D data, data seed 0"


def test_public_generate_syncs_the_controls(qtbot, panel):
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        assert panel.generate("moons", samples=300, noise=0.25, seed=7)
    assert loaded.args[0].n_rows == 300 and panel.data_seed() == 7
    assert child(panel, QComboBox, "generator_picker").currentData() == "moons"
    assert child(panel, QSpinBox, "generator_samples").value() == 300
    assert child(panel, QDoubleSpinBox, "generator_noise").value() == 0.25
    assert text(panel, "generator_seed") == "data seed 7"


def test_regression_generator_shows_the_target_range(qtbot, panel):
    assert panel.generate("multi_gaussian", samples=400, noise=0.0)
    assert text(panel, "data_classes").startswith("Target range")
    assert header_texts(panel)[-1] == "value\nlabel"


def test_gen_name_as_a_sample(qtbot, panel):
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        assert panel.load_sample("gen:xor")
    assert loaded.args[0].path == "gen:xor" and panel.is_generated()


def test_bad_generator_keeps_the_previous_table(qtbot, panel):
    panel.load_sample("iris")
    before = panel.table()
    with qtbot.waitSignal(panel.load_failed) as failed:
        assert not panel.generate("spirals", samples=100, noise=0.1)
    assert "choose one of: circle, xor" in failed.args[0]
    error = child(panel, QLabel, "data_error")
    assert error.isVisible() and "no data generator named 'spirals'" in error.text()
    assert panel.table() is before and not panel.is_generated()
    assert text(panel, "data_file") == "iris.csv"


def test_loading_a_file_after_generating(qtbot, panel):
    generate_spiral(qtbot, panel)
    panel.set_engineered(["x²"])
    assert panel.load_sample("iris")
    assert not panel.is_generated() and panel.table().n_features == 4
    assert not child(panel, QCheckBox, "engineered_x2").isEnabled()
    assert not child(panel, QPushButton, "regenerate_button").isEnabled()
    assert child(panel, QComboBox, "header_mode").isVisible()
    assert text(panel, "data_role_hint").startswith("Click a column heading")


def test_generated_columns_have_fixed_roles(qtbot, panel):
    generate_spiral(qtbot, panel)
    assert not panel.set_column_role(0, "label")
    grid = child(panel, QTableWidget, "data_preview")
    header = grid.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=QPoint(10, header.height() // 2))
    assert panel.findChild(QMenu, "column_role_menu") is None
    assert text(panel, "data_role_hint").startswith("Generated data")


def test_new_controls_are_named_with_tooltips(panel):
    box = child(panel, QGroupBox, "generated_group")
    assert box.title() == "Generated 2-D data"
    names = [
        "generator_picker",
        "generator_samples",
        "generator_noise",
        "generator_classes",
        "generate_button",
        "regenerate_button",
        *CHECKS.values(),
    ]
    for name in names:
        widget = box.findChild(object, name)
        assert widget is not None, name
        assert widget.accessibleName() and widget.toolTip().endswith("."), name
    for name, obj in CHECKS.items():
        assert child(panel, QCheckBox, obj).toolTip() == ENGINEERED_DESCRIPTIONS[name]
        assert child(panel, QCheckBox, obj).text() == name
    assert list(CHECKS) == list(ENGINEERED)
    picker = child(panel, QComboBox, "generator_picker")
    assert [picker.itemData(i) for i in range(picker.count())] == list(GENERATORS)
    assert [picker.itemData(i, Qt.ToolTipRole) for i in range(picker.count())] == [
        info.description for info in GENERATORS.values()
    ]
    samples = child(panel, QSpinBox, "generator_samples")
    noise = child(panel, QDoubleSpinBox, "generator_noise")
    assert (samples.minimum(), samples.maximum()) == (50, 5000)
    assert (noise.minimum(), noise.maximum()) == (0.0, 0.5)
