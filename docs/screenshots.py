"""Render the README's screenshots offscreen: ``python docs/screenshots.py``.

Opens the real studio window on iris, trains with the Modern preset for a
while, and saves the window mid-training; then the Classic preset after its
run. Pictures go to ``docs/images/``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnstudio.core.config import CLASSIC, MODERN  # noqa: E402
from nnstudio.gui.main_window import MainWindow  # noqa: E402

OUT = Path(__file__).resolve().parent / "images"


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def train_until(window: MainWindow, step: int, timeout_ms: int = 30000) -> None:
    window.toggle_training()
    waited = 0
    while window.trainer.step < step and window.training.running and waited < timeout_ms:
        wait(20)
        waited += 20
    if window.training.running:
        window.toggle_training()
    wait(300)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.IniFormat)
    window = MainWindow(settings)
    window.resize(1600, 1000)
    window.set_config(MODERN.replace(epochs=400))
    window.load_data("iris")
    window.show()
    wait(300)
    OUT.mkdir(parents=True, exist_ok=True)

    train_until(window, 1400)
    window.grab().save(str(OUT / "studio-modern-iris.png"))

    window.set_config(CLASSIC)
    train_until(window, CLASSIC.iterations)
    window.grab().save(str(OUT / "studio-classic-iris.png"))
    window.close()
    print(f"saved screenshots to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
