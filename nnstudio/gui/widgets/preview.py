"""Shared ``__main__`` preview: show one view alone while a short core run feeds it."""

from __future__ import annotations

import sys
from collections.abc import Callable


def preview_training(
    make_view: Callable,
    title: str,
    *,
    data: str = "iris",
    size: tuple[int, int] = (640, 400),
    prepare_view: Callable | None = None,
    **config_changes,
) -> int:
    """Open ``make_view()`` in a window and feed it snapshots of a live iris (or ``data``) run.

    ``prepare_view(view, trainer)`` sets the view up for the run (shapes, task) before the
    first snapshot; the view needs ``record_snapshot`` and ``refresh``.
    """
    import shiboken6
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio.core.config import MODERN
    from nnstudio.core.data import load_table
    from nnstudio.core.dataset import prepare_table
    from nnstudio.core.samples import sample_path
    from nnstudio.core.trainer import Trainer

    app = QApplication.instance() or QApplication(sys.argv)
    config = MODERN.replace(**{"epochs": 300, **config_changes})
    trainer = Trainer(config, prepare_table(load_table(sample_path(data)), config))
    view = make_view()
    if prepare_view is not None:
        prepare_view(view, trainer)
    view.setWindowTitle(f"nnstudio · {title} preview")
    run = trainer.run(every_steps=5)

    def tick():
        for _ in range(4):
            snapshot = next(run, None)
            if snapshot is None:
                return
            view.record_snapshot(snapshot)
        view.refresh()

    timer = QTimer(view)
    timer.timeout.connect(tick)
    timer.start(33)
    view.resize(*size)
    view.show()
    code = app.exec()
    shiboken6.delete(view)  # before the QApplication goes
    return code
