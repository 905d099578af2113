"""LiveLabel: read-outs that change every frame without laying the window out again."""

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QHelpEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QToolTip, QWidget

from nnstudio.core.config import MODERN
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.widgets.live_label import LiveLabel

LONG = "step 123,456 · batch loss 0.2529 · average 0.1868 · and a good deal more text"


class LayoutRequests(QObject):
    """Counts the LayoutRequest events each object receives (an application filter)."""

    def __init__(self):
        super().__init__()
        self.received: list[QObject] = []
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.LayoutRequest:
            self.received.append(obj)
        return False

    def remove(self):
        QApplication.instance().removeEventFilter(self)


@pytest.fixture
def requests():
    counter = LayoutRequests()
    yield counter
    counter.remove()


def _in_a_row(qtbot, label):
    row = QWidget()
    qtbot.addWidget(row)
    layout = QHBoxLayout(row)
    layout.addWidget(QLabel("Loss:"))
    layout.addWidget(label, 1)
    row.resize(700, 40)
    row.show()
    qtbot.waitExposed(row)
    return row


def _change_text_many_times(label):
    for i in range(20):
        label.setText(f"step {i * 98765:,} · loss {i / 7:.4f}")
        QApplication.processEvents()


def test_new_text_asks_no_layout_for_a_new_size(qtbot, requests):
    live, plain = LiveLabel(), QLabel()
    rows = [_in_a_row(qtbot, live), _in_a_row(qtbot, plain)]  # noqa: F841 - kept alive
    QApplication.processEvents()
    requests.received.clear()
    _change_text_many_times(plain)  # what QLabel does, which this test can see
    assert requests.received
    requests.received.clear()
    _change_text_many_times(live)
    assert requests.received == []
    assert live.text() == "step 1,876,535 · loss 2.7143"


def test_text_that_does_not_fit_is_elided_at_the_chosen_end(qtbot):
    keep_end = LiveLabel(alignment=Qt.AlignRight | Qt.AlignVCenter, elide=Qt.ElideLeft)
    keep_start = LiveLabel()
    rows = []
    for label in (keep_end, keep_start):
        row = _in_a_row(qtbot, label)
        rows.append(row)
        label.setText(LONG)
        assert label.shown_text() == LONG  # 400 pixels: it fits
        row.resize(160, 40)
        qtbot.waitUntil(lambda label=label: label.width() < 140)
        assert label.text() == LONG
    assert keep_end.shown_text().startswith("…") and LONG.endswith(keep_end.shown_text()[1:])
    assert keep_start.shown_text().endswith("…") and LONG.startswith(keep_start.shown_text()[:-1])


def test_it_paints_its_text(qtbot):
    label = LiveLabel()
    row = _in_a_row(qtbot, label)  # noqa: F841 - kept alive
    blank = label.grab().toImage()
    label.setText(LONG)
    assert label.grab().toImage() != blank


def test_an_elided_text_shows_whole_in_the_tooltip_and_copies_whole(qtbot):
    label = LiveLabel()
    label.setToolTip("The latest loss.")
    row = _in_a_row(qtbot, label)
    label.setText(LONG)
    row.resize(160, 40)
    qtbot.waitUntil(lambda: label.shown_text() != LONG)
    centre = label.rect().center()
    QApplication.sendEvent(label, QHelpEvent(QEvent.ToolTip, centre, label.mapToGlobal(centre)))
    assert QToolTip.text() == f"{LONG}\nThe latest loss."
    QToolTip.hideText()
    (copy,) = [a for a in label.actions() if a.text() == "Copy"]
    assert label.contextMenuPolicy() == Qt.ActionsContextMenu
    copy.trigger()
    assert QGuiApplication.clipboard().text() == LONG
    assert label.accessibleDescription() == LONG  # what a screen reader reads out


def _wait_until_settled(qtbot, requests, window, quiet_ms=250):
    """Returns once the window has asked for no layout for quiet_ms, with requests cleared.

    A fixed wait is not enough: on a slow machine the docks go on building their views
    and laying the window out well after it is first painted.
    """

    def quiet():
        requests.received.clear()
        qtbot.wait(quiet_ms)
        return window not in requests.received

    qtbot.waitUntil(quiet, timeout=10_000)
    requests.received.clear()


def test_the_window_is_not_laid_out_again_by_its_read_outs(qtbot, tmp_path, requests):
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.set_config(MODERN)
    assert window.load_data("iris")
    window.resize(1400, 900)
    for dock in window.docks.values():
        dock.show()
    window.show()
    qtbot.waitExposed(window)
    timeline = window.findChild(QWidget, "timeline")
    read_outs = [window.loss_plot.status, window.controls.status, timeline.label]
    _wait_until_settled(qtbot, requests, window)  # the docks shown build their views
    for i in range(10):
        window.controls.set_status(f"evaluated at step {i * 4321:,}: train loss {i / 3:.4f}")
        for label in read_outs[::2]:
            label.setText(f"{LONG} {i * 77777}")
        QApplication.processEvents()
    assert window not in requests.received
    assert not any(isinstance(obj, type(window.docks["loss"])) for obj in requests.received)
    window.close()


def test_a_text_that_fits_keeps_the_owners_tooltip(qtbot):
    label = LiveLabel()
    label.setToolTip("The latest loss.")
    row = _in_a_row(qtbot, label)  # noqa: F841 - kept alive
    label.setText("short")
    QToolTip.hideText()
    event = QHelpEvent(QEvent.ToolTip, QPoint(2, 2), label.mapToGlobal(QPoint(2, 2)))
    QApplication.sendEvent(label, event)
    assert QToolTip.text() == "The latest loss."
