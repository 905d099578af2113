"""docs/controls.md lists names that really exist in the window."""

import re
from pathlib import Path

from PySide6.QtCore import QObject, QSettings

from nnstudio.gui.main_window import MainWindow

DOC = Path(__file__).resolve().parents[2] / "docs" / "controls.md"


def test_every_documented_name_exists(qtbot, tmp_path):
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.load_data("iris")
    window.show()
    qtbot.waitExposed(window)
    # Views in tabbed-away docks are built when first shown: bring each to the front,
    # as a user clicking its tab would, so every control is reached the way a user reaches it.
    for dock in window.docks.values():
        dock.raise_()
    assert [name for name in window.docks if not window.is_built(name)] == []
    names = re.findall(r"^\| `([a-z0-9_]+)` \|", DOC.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(names) > 60
    missing = [name for name in names if window.findChild(QObject, name) is None]
    assert missing == []
    window.close()
