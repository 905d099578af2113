"""The PySide6 + pyqtgraph studio window. Imports the core; the core never imports this."""
