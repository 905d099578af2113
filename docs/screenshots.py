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

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

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
    window.lay_out(1600, 1000)
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

    # The decision boundary on a spiral, with the units of the second hidden layer.
    window.set_config(
        MODERN.replace(
            hidden_layers=(8, 8),
            activations="tanh",
            l2=0.0,
            learning_rate=0.03,
            batch_size=128,
            epochs=500,
        )
    )
    window.data_panel.generate("spiral", samples=500, noise=0.1)
    train_until(window, 10**9)
    window.docks["boundary"].raise_()
    window.docks["units"].raise_()
    window.inside._on_node_chosen(2, 3)
    wait(300)
    window.grab().save(str(OUT / "studio-spiral-boundary.png"))

    # Compare mode: B (the end) minus A (a third of the way in).
    timeline = window.inside.timeline
    timeline.findChild(QWidget, "timeline_compare").setChecked(True)
    wait(100)
    timeline.findChild(QWidget, "timeline_compare_slider").setValue(
        timeline.findChild(QWidget, "timeline_slider").maximum() // 3
    )
    timeline.findChild(QWidget, "timeline_slider").setValue(
        timeline.findChild(QWidget, "timeline_slider").maximum()
    )
    window.docks["heatmaps"].raise_()
    window.resizeDocks([window.docks["heatmaps"]], [310], Qt.Vertical)
    wait(300)
    window.grab().save(str(OUT / "studio-timeline-compare.png"))
    window.close()
    print(f"saved screenshots to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
