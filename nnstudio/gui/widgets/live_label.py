"""One line of text that changes many times a second without laying its window out again.

``QLabel.setText`` tells the layouts above the label that its size may have changed
(``updateGeometry``), whatever its size policy. Each such request climbs through the
label's dock to the main window, which lays every dock out again: about a millisecond
of the GUI thread per change with every dock open, for each read-out that changes
with every frame while training. :class:`LiveLabel`'s size never depends on its text,
so :meth:`LiveLabel.setText` only repaints it. Where its text does not fit, it is
elided, and the whole text is in the tooltip and the *Copy* context menu.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget


class LiveLabel(QWidget):
    """A read-out: one line of text that takes the width its layout gives it.

    Parameters
    ----------
    alignment : Qt.AlignmentFlag
        Where the text sits in the widget.
    elide : Qt.TextElideMode
        Which end of a text that does not fit gives way (``Qt.ElideLeft`` keeps its
        end, where a read-out's latest figures usually are).
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        alignment=Qt.AlignLeft | Qt.AlignVCenter,
        elide=Qt.ElideRight,
    ):
        super().__init__(parent)
        self._text = ""
        self._alignment = alignment
        self._elide = elide
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        copy = QAction("Copy", self)
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(self._text))
        self.addAction(copy)
        self.setContextMenuPolicy(Qt.ActionsContextMenu)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name, which it stands in for
        if text != self._text:
            self._text = text
            self.setAccessibleDescription(text)  # what a screen reader reads out
            self.update()

    def shown_text(self) -> str:
        """The text as painted at the present width (elided with … if it does not fit)."""
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self._text, self._elide, max(width, 0))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # Independent of the text, so that no text asks for a new layout.
        return QSize(0, self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.sizeHint()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self._alignment), self.shown_text())

    def event(self, event) -> bool:
        # An elided text shows whole in the tooltip, above the tooltip the owner set.
        if event.type() == QEvent.ToolTip and self.shown_text() != self._text:
            own = self.toolTip()
            tip = self._text if own in ("", self._text) else f"{self._text}\n{own}"
            QToolTip.showText(event.globalPos(), tip, self)
            return True
        return super().event(event)
