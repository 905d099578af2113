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
    feed: Callable | None = None,
    every_steps: int = 5,
    per_tick: int = 4,
    **config_changes,
) -> int:
    """Open ``make_view()`` in a window and feed it snapshots of a live run.

    ``data`` is a bundled sample name or ``"gen:NAME"`` (a generated set, noise 0.1).
    ``prepare_view(view, trainer)`` sets the view up before the first snapshot.
    ``feed(view, trainer, snapshot)`` hands over each snapshot; by default it calls
    ``view.record_snapshot``. After every ``per_tick`` snapshots the view's ``refresh``
    (if it has one) runs, at about 30 frames a second.
    """
    import shiboken6
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio.core.config import MODERN
    from nnstudio.core.dataset import prepare_table
    from nnstudio.core.trainer import Trainer

    app = QApplication.instance() or QApplication(sys.argv)
    config = MODERN.replace(**{"epochs": 300, **config_changes})
    if data.startswith("gen:"):
        from nnstudio.core.generators import generate

        table = generate(data[4:], noise=0.1)
    else:
        from nnstudio.core.data import load_table
        from nnstudio.core.samples import sample_path

        table = load_table(sample_path(data))
    trainer = Trainer(config, prepare_table(table, config))
    view = make_view()
    if prepare_view is not None:
        prepare_view(view, trainer)
    view.setWindowTitle(f"nnstudio · {title} preview")
    run = trainer.run(every_steps=every_steps)

    def tick():
        for _ in range(per_tick):
            snapshot = next(run, None)
            if snapshot is None:
                return
            if feed is None:
                view.record_snapshot(snapshot)
            else:
                feed(view, trainer, snapshot)
        if hasattr(view, "refresh"):
            view.refresh()

    timer = QTimer(view)
    timer.timeout.connect(tick)
    timer.start(33)
    view.resize(*size)
    view.show()
    code = app.exec()
    shiboken6.delete(view)  # before the QApplication goes
    return code
