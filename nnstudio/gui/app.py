"""Start the studio: ``nnstudio [DATA] [--config FILE]``."""

from __future__ import annotations

import gc
import sys

DEFAULT_SAMPLE = "iris"
GC_FALLBACK_MS = 2000  # collect again even if the window is never painted (e.g. minimized)


def main(data: str | None = None, config: str | None = None, argv: list[str] | None = None) -> int:
    """Open the window (with ``data``, or iris), run the event loop, return the exit status."""
    # Start-up creates ~10^5 objects that live as long as the window (modules, classes,
    # Qt enums and wrappers); the cyclic collector would walk them again and again while
    # they are made (~50 ms of the start-up). So it waits until the window has painted.
    collecting = gc.isenabled()
    gc.disable()
    try:
        window, app = _open_window(data, config, argv)
    except BaseException:
        if collecting:
            gc.enable()
        raise
    # The training process starts once the window shows (it imports NumPy, ~0.2 s on
    # the other core), so that the first press of Train need not wait for it.
    _call_after_first_paint(window, window.training.prepare)
    if collecting:
        _call_after_first_paint(window, _resume_collecting)
    status = app.exec()
    stop_collecting_on_gui_thread()
    if collecting:
        gc.enable()
    # Delete the window before the application so no widget outlives QApplication.
    window.deleteLater()
    del window
    app.processEvents()
    from nnstudio.gui.worker import close_idle_processes

    close_idle_processes()
    return status


def _open_window(data, config, argv):
    # NumPy and the core first: once PySide6 is imported, it reads the source of every
    # module imported after it (to look for its __feature__ switches), which costs
    # ~20 ms more for these ~150 modules. The window needs all of them anyway; loading
    # iris imports the first three on first use (np.unique of its string labels imports
    # numpy.ma), ~30 ms after PySide6 and a few ms here.
    import encodings.utf_8_sig  # noqa: F401
    import heapq  # noqa: F401

    import numpy.ma  # noqa: F401

    import nnstudio.core.trainer  # noqa: F401
    from nnstudio.core.samples import sample_path

    iris = sample_path(DEFAULT_SAMPLE)

    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from nnstudio.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("nnstudio")
    app.setOrganizationName("nnstudio")
    app.setDesktopFileName("nnstudio")
    pg.setConfigOptions(antialias=True)

    window = MainWindow()
    if config is not None:
        window.open_config(config)
    # Iris first, so a file that fails to load shows its error with iris still in place.
    window.load_data(iris)
    if data is not None:
        window.load_data(data)
    window.show()
    return window, app


def _resume_collecting() -> None:
    # One full collection frees the start-up's cyclic leftovers (e.g. a failed load's
    # traceback); freezing the survivors keeps them out of every later collection, so
    # each full one while training does not walk them again (~40 ms each).
    gc.collect()
    gc.freeze()
    collect_on_gui_thread()


_collector = None  # pyqtgraph's GarbageCollector, while it collects in Python's place


def collect_on_gui_thread() -> None:
    """From now on, only a timer on the GUI thread collects garbage cycles.

    Python collects on whichever thread allocates when a collection is due, and the
    training thread allocates as it receives snapshots. A cycle holding Qt objects of
    the GUI thread (a closed dialog, its menus) could then be deleted on the training
    thread, and that deadlocked both threads: the training thread held a QObject's lock
    and waited for the GIL, which the GUI thread held while deleting a widget that
    waited for that lock. pyqtgraph's GarbageCollector turns Python's collector off and
    collects, generation by generation as Python would, from a timer (once a second).
    """
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector()


def stop_collecting_on_gui_thread() -> None:
    """Stop the timer of :func:`collect_on_gui_thread`; Python's collector stays off."""
    global _collector
    if _collector is not None:
        _collector.timer.stop()
        _collector = None


def _call_after_first_paint(window, callback) -> None:
    """Call ``callback`` once ``window`` has finished its first paint (or after a while)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def __init__(self):
            super().__init__(window)
            self.fallback = QTimer(self)
            self.fallback.setSingleShot(True)
            self.fallback.timeout.connect(self.done)
            self.fallback.start(GC_FALLBACK_MS)

        def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
            if watched is window and event.type() == QEvent.Paint:
                window.removeEventFilter(self)
                QTimer.singleShot(0, self, self.done)  # once the whole window is painted
            return False

        def done(self):
            if self.fallback is None:
                return
            self.fallback.stop()
            self.fallback = None
            window.removeEventFilter(self)
            self.deleteLater()
            callback()

    window.installEventFilter(FirstPaint())
