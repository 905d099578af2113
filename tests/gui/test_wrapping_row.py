"""WrappingRow: two groups of controls in one row, or one under the other when narrow."""

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel

from nnstudio.gui.widgets.wrapping_row import WrappingRow


def _row(qtbot):
    first, second = QHBoxLayout(), QHBoxLayout()
    first.addWidget(QLabel("a long label to the left of the row"))
    first.addStretch(1)
    second.addWidget(QCheckBox("first option"))
    second.addWidget(QCheckBox("second option"))
    row = WrappingRow(first, second)
    qtbot.addWidget(row)
    row.show()
    return row


def test_a_row_asks_only_for_its_wider_group(qtbot):
    row = _row(qtbot)
    first, second = row.first.minimumSizeHint(), row.second.minimumSizeHint()
    assert row.minimumSizeHint().width() == max(first.width(), second.width())
    assert row.sizeHint().width() > first.width() + second.width()
    row.setContentsMargins(4, 0, 4, 0)  # as the decision boundary has it
    assert row.minimumSizeHint().width() == max(first.width(), second.width()) + 8


def test_a_narrow_row_puts_its_second_group_under_the_first(qtbot):
    row = _row(qtbot)
    row.resize(row.sizeHint().width() + 50, 40)
    qtbot.waitUntil(lambda: row.second.geometry().left() > 0)
    assert not row.is_wrapped()
    assert row.second.geometry().left() >= row.first.geometry().right()
    one_row = row.minimumSizeHint().height()
    row.resize(row.minimumSizeHint().width(), 60)
    qtbot.waitUntil(lambda: row.second.geometry().top() > 0)
    assert row.is_wrapped()
    assert row.second.geometry().top() >= row.first.geometry().bottom()
    assert row.second.geometry().left() == row.first.geometry().left()
    assert row.minimumSizeHint().height() > one_row  # the parent makes room for two rows
    row.resize(row.sizeHint().width() + 50, 40)  # and back
    qtbot.waitUntil(lambda: not row.is_wrapped())
    assert row.minimumSizeHint().height() == one_row
