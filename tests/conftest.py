import os

# Before any QApplication exists: GUI tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
