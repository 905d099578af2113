import os

# Before any QApplication exists: GUI tests never need a display.
if not os.environ.get("QT_QPA_PLATFORM"):  # unset, or set empty (which Qt reads as unset)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
