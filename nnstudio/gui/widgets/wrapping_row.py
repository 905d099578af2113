"""Two groups of controls side by side where there is room, else one under the other.

A dock can be no narrower than its widest row of controls. A row that holds two
groups would hold the dock, and with it the window, as wide as both together;
:class:`WrappingRow` asks only for the wider group's width, and puts the second
group under the first when the row is narrower than both.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QGridLayout, QLayout, QWidget


class WrappingRow(QWidget):
    """``first`` and ``second`` (layouts of controls) in one row, or in two when narrow."""

    def __init__(self, first: QLayout, second: QLayout, parent: QWidget | None = None):
        super().__init__(parent)
        self.first, self.second = QWidget(self), QWidget(self)
        for box, layout in ((self.first, first), (self.second, second)):
            layout.setContentsMargins(0, 0, 0, 0)
            box.setLayout(layout)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setVerticalSpacing(2)
        # The layout would make the row's minimum its own, both groups' width together:
        # minimumSizeHint says what the row needs instead.
        self._grid.setSizeConstraint(QLayout.SetNoConstraint)
        self._grid.addWidget(self.first, 0, 0)
        self._wrapped: bool | None = None
        self._arrange(wrapped=False)

    def is_wrapped(self) -> bool:
        return bool(self._wrapped)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        first, second = self.first.minimumSizeHint(), self.second.minimumSizeHint()
        return self._size(max(first.width(), second.width()), first, second)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        first, second = self.first.sizeHint(), self.second.sizeHint()
        return self._size(self._side_by_side(first, second), first, second)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        first, second = self.first.minimumSizeHint(), self.second.minimumSizeHint()
        margins = self.contentsMargins()
        room = event.size().width() - margins.left() - margins.right()
        self._arrange(wrapped=room < self._side_by_side(first, second))

    def _side_by_side(self, first: QSize, second: QSize) -> int:
        """The width of groups sized ``first`` and ``second`` in one row."""
        return first.width() + self._grid.horizontalSpacing() + second.width()

    def _size(self, width: int, first: QSize, second: QSize) -> QSize:
        """The row's size, margins included, for groups ``width`` wide and sized ``first``
        and ``second`` (one row's height, or two)."""
        if self._wrapped:
            height = first.height() + self._grid.verticalSpacing() + second.height()
        else:
            height = max(first.height(), second.height())
        margins = self.contentsMargins()
        return QSize(
            width + margins.left() + margins.right(), height + margins.top() + margins.bottom()
        )

    def _arrange(self, wrapped: bool) -> None:
        if wrapped == self._wrapped:
            return
        self._wrapped = wrapped
        self._grid.removeWidget(self.second)
        if wrapped:
            self._grid.addWidget(self.second, 1, 0)
        else:
            self._grid.addWidget(self.second, 0, 1)
        self.updateGeometry()  # one row's height, or two
