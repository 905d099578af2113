"""The data panel: samples, files, the column-role UI, inline errors that keep the old table."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QPushButton, QTableWidget

from nnstudio.core.samples import list_samples, sample_path
from nnstudio.gui.palette import SERIES
from nnstudio.gui.widgets.data_panel import DataPanel

# The offscreen platform warns about these whenever a window or popup menu is shown.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
    "This plugin does not support grabbing the keyboard",
)

HEADER_SEMICOLONS = (
    "height;weight;colour;kind\n"
    "1.0;10;red;a\n"
    "2.0;20;blue;b\n"
    "3.0;30;red;a\n"
    "4.0;40;blue;b\n"
    "5.0;50;red;a\n"
    "6.0;60;blue;b\n"
)


@pytest.fixture
def panel(qtbot):
    widget = DataPanel()
    qtbot.addWidget(widget)
    widget.resize(340, 640)
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


def click_role(qtbot, panel, column, role):
    """Click a column heading, then the role in the menu that pops up."""
    grid = child(panel, QTableWidget, "data_preview")
    grid.scrollToItem(grid.item(0, column))
    header = grid.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=QPoint(x, header.height() // 2))
    menu = child(panel, QMenu, "column_role_menu")
    assert menu.isVisible()
    action = child(menu, QAction, f"role_{role}")
    assert action.isEnabled()
    action.trigger()


@pytest.fixture
def semicolon_file(tmp_path):
    path = tmp_path / "shapes.csv"
    path.write_text(HEADER_SEMICOLONS, encoding="utf-8")
    return path


def test_iris_sample_is_described(qtbot, panel):
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        assert panel.load_sample("iris")
    table = loaded.args[0]
    assert panel.table() is table and table.n_rows == 150 and table.n_features == 4
    assert panel.path() == sample_path("iris")
    assert text(panel, "data_file") == "iris.csv"
    assert "comma" in text(panel, "data_format") and "no header" in text(panel, "data_format")
    assert "150 rows × 4 features" in text(panel, "data_summary")
    assert text(panel, "data_classes") == (
        "3 classes: Iris-setosa 50 · Iris-versicolor 50 · Iris-virginica 50"
    )
    assert not child(panel, QLabel, "data_error").isVisible()
    picker = child(panel, QComboBox, "sample_picker")
    assert picker.currentText() == "iris"
    grid = child(panel, QTableWidget, "data_preview")
    assert (grid.rowCount(), grid.columnCount()) == (20, 5)
    assert grid.item(0, 0).text() == "5.1" and grid.item(0, 4).text() == "Iris-setosa"
    assert header_texts(panel)[4] == "species\nlabel"
    assert "first 20 of 150" in text(panel, "data_rows_shown")
    # Headerless: roles are given as indices; the default (last) label is None.
    assert panel.label_column() is None and panel.ignore_columns() == ()


def test_sample_picker_lists_samples_with_descriptions(qtbot, panel):
    picker = child(panel, QComboBox, "sample_picker")
    infos = list_samples()
    assert [picker.itemText(i) for i in range(picker.count())] == [i.name for i in infos]
    assert [picker.itemData(i, Qt.ToolTipRole) for i in range(picker.count())] == [
        i.description for i in infos
    ]
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        qtbot.keyClicks(picker, "diab")  # type-ahead selects (and activates) an item
    assert loaded.args[0].label_name == "progression"
    assert text(panel, "data_classes").startswith("Target range 25 to 346")


def test_semicolon_file_with_header(qtbot, panel, semicolon_file):
    assert panel.load_path(semicolon_file)
    assert "semicolon" in text(panel, "data_format")
    assert "with a header row" in text(panel, "data_format")
    assert text(panel, "data_classes") == "2 classes: a 3 · b 3"
    assert "one-hot encoded" in text(panel, "data_notices")
    assert header_texts(panel)[:2] == ["height\nfeature", "weight\nfeature"]
    assert child(panel, QComboBox, "sample_picker").currentIndex() == -1
    assert child(panel, QComboBox, "label_picker").currentText() == "kind"


def test_choosing_a_label_column_in_the_header_reloads(qtbot, panel, semicolon_file):
    panel.load_path(semicolon_file)
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        click_role(qtbot, panel, 2, "label")
    table = loaded.args[0]
    assert table.label_name == "colour"
    assert table.feature_names == ("height", "weight", "kind=a", "kind=b")
    assert panel.label_column() == "colour"
    assert header_texts(panel)[2] == "colour\nlabel"
    grid = child(panel, QTableWidget, "data_preview")
    tint = grid.item(0, 2).background().color()
    assert (tint.red(), tint.green(), tint.blue()) == QColor(SERIES["accent"]).getRgb()[:3]
    assert grid.item(0, 0).background().style() == Qt.NoBrush
    assert text(panel, "data_classes") == "2 classes: blue 3 · red 3"


def test_label_picker_and_ignore(qtbot, panel, semicolon_file):
    panel.load_path(semicolon_file)
    picker = child(panel, QComboBox, "label_picker")
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        qtbot.keyClick(picker, Qt.Key_Home)
    assert loaded.args[0].label_name == "height"
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        click_role(qtbot, panel, 1, "ignore")
    assert loaded.args[0].feature_names == ("colour=blue", "colour=red", "kind=a", "kind=b")
    assert panel.ignore_columns() == ("weight",)
    assert header_texts(panel)[1] == "weight\nignored"
    assert "6 rows × 4 features" in text(panel, "data_summary")
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        click_role(qtbot, panel, 1, "feature")
    assert "weight" in loaded.args[0].feature_names and panel.ignore_columns() == ()


def test_label_column_cannot_be_ignored_directly(qtbot, panel, semicolon_file):
    panel.load_path(semicolon_file)
    menu = panel.show_role_menu(3, QPoint(0, 0))
    actions = {a.objectName(): a for a in menu.actions()}
    assert actions["role_label"].isChecked()
    assert not actions["role_ignore"].isEnabled() and not actions["role_feature"].isEnabled()
    menu.close()


def test_headerless_roles_are_indices(qtbot, panel, tmp_path):
    path = tmp_path / "plain.txt"
    rows = [f"{i}\t{i * 2}\t{i % 2}\t{i % 3}" for i in range(12)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert panel.load_path(path, label_column=2, ignore_columns=[3])
    assert "tab" in text(panel, "data_format") and "no header" in text(panel, "data_format")
    assert panel.label_column() == 2 and panel.ignore_columns() == (3,)
    assert panel.table().feature_names == ("column 1", "column 2")


def test_header_mode_reloads(qtbot, panel, semicolon_file):
    panel.load_path(semicolon_file)
    mode = child(panel, QComboBox, "header_mode")
    assert [mode.itemText(i) for i in range(mode.count())] == ["Auto", "Yes", "No"]
    with qtbot.waitSignal(panel.table_loaded) as loaded:
        qtbot.keyClick(mode, Qt.Key_End)
    assert loaded.args[0].n_rows == 7  # the header line is now a data row
    assert "no header row" in text(panel, "data_format")
    assert header_texts(panel)[0] == "column 1\nfeature"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"a,b,c\n1,2,3\n4,5\n6,7,8\n", "line 3: expected 3 fields"),
        (b"\x00\x01binary\x00junk", "binary"),
        (b"", "is empty"),
    ],
    ids=["ragged", "binary", "empty"],
)
def test_bad_file_shows_error_and_keeps_the_table(qtbot, panel, tmp_path, content, expected):
    panel.load_sample("iris")
    before = panel.table()
    grid = child(panel, QTableWidget, "data_preview")
    summary = text(panel, "data_summary")
    bad = tmp_path / "broken_table.csv"
    bad.write_bytes(content)
    with qtbot.waitSignal(panel.load_failed) as failed:
        assert not panel.load_path(bad)
    error = child(panel, QLabel, "data_error")
    assert error.isVisible() and error.wordWrap()
    assert "broken_table.csv" in error.text() and expected in error.text()
    assert str(bad) in failed.args[0]
    assert panel.table() is before and panel.path() == sample_path("iris")
    assert text(panel, "data_summary") == summary and grid.item(0, 4).text() == "Iris-setosa"
    assert child(panel, QComboBox, "sample_picker").currentText() == "iris"
    assert panel.load_sample("wine")  # a good load clears the error
    assert not error.isVisible()


def test_failed_role_change_keeps_roles(qtbot, panel, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("x,y\n1,a\n2,b\n3,a\n", encoding="utf-8")
    panel.load_path(path)
    with qtbot.waitSignal(panel.load_failed):
        assert not panel.set_column_role(0, "ignore")  # no feature would be left
    assert "no feature columns" in text(panel, "data_error")
    assert panel.ignore_columns() == () and header_texts(panel)[0] == "x\nfeature"


def test_unknown_sample_is_an_inline_error(qtbot, panel):
    with qtbot.waitSignal(panel.load_failed):
        assert not panel.load_sample("nope")
    assert "no sample data set named 'nope'" in text(panel, "data_error")
    assert panel.table() is None


def test_open_button_uses_the_dialog_path(qtbot, panel, semicolon_file, monkeypatch):
    monkeypatch.setattr(panel, "_ask_open_path", lambda: str(semicolon_file))
    with qtbot.waitSignal(panel.table_loaded):
        qtbot.mouseClick(child(panel, QPushButton, "open_data_button"), Qt.LeftButton)
    assert panel.path() == Path(semicolon_file)
    monkeypatch.setattr(panel, "_ask_open_path", lambda: None)  # cancelled: nothing changes
    assert not panel.open_file_dialog() and panel.path() == Path(semicolon_file)


def test_missing_values_are_noticed(qtbot, panel, tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,label\n1,2,x\n3,NA,y\n5,6,x\n7,,y\n9,10,y\n", encoding="utf-8")
    assert panel.load_path(path)
    notices = child(panel, QLabel, "data_notices")
    assert notices.isVisible()
    assert "Dropped 2 of 5 rows with missing values (first at line 3)" in notices.text()
    assert panel.table().n_rows == 3
    grid = child(panel, QTableWidget, "data_preview")
    assert grid.item(1, 1).toolTip() and not grid.item(0, 1).toolTip()
    np.testing.assert_array_equal(panel.table().X[:, 0], [1, 5, 9])


def test_every_control_is_named_with_a_tooltip(panel):
    panel.load_sample("iris")
    controls = [
        w
        for cls in (QComboBox, QPushButton, QTableWidget)
        for w in panel.findChildren(cls)
        if not w.objectName().startswith("qt_")
    ]
    assert len(controls) == 8
    for w in controls:
        assert w.objectName() and w.accessibleName() and w.toolTip(), w
