"""Start the studio: ``nnstudio [DATA] [--config FILE]``."""

from __future__ import annotations

import sys

from nnstudio.core.samples import sample_path

DEFAULT_SAMPLE = "iris"


def main(data: str | None = None, config: str | None = None, argv: list[str] | None = None) -> int:
    """Open the window (with ``data``, or iris), run the event loop, return the exit status."""
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
    window.load_data(sample_path(DEFAULT_SAMPLE))
    if data is not None:
        window.load_data(data)
    window.show()
    status = app.exec()
    # Delete the window before the application so no widget outlives QApplication.
    window.deleteLater()
    del window
    app.processEvents()
    return status
