"""The Train / Step / Reset toolbar, the progress bar and the status line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QProgressBar, QSizePolicy, QToolBar, QWidget

from nnstudio.core.trainer import Snapshot
from nnstudio.gui.widgets.live_label import LiveLabel


def _format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class TrainControls(QToolBar):
    """Actions to drive a run, and a progress bar that reads a snapshot.

    The window owns what the actions do; this class only builds them with
    their shortcuts, names and tooltips, and formats progress.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Training", parent)
        self.setObjectName("train_toolbar")
        self.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.train_action = self._action(
            "Train", "train_button", "Space", "Start training, or pause a running training (Space)."
        )
        self.step_action = self._action(
            "Step", "step_button", "S", "Train on exactly one batch, then stop (S)."
        )
        self.reset_action = self._action(
            "Reset",
            "reset_button",
            "R",
            "Start again from the seed's initial weights; the same seed gives the same start (R).",
        )
        self.progress = QProgressBar(self)
        self.progress.setObjectName("train_progress")
        self.progress.setAccessibleName("Training progress")
        self.progress.setToolTip("Steps done out of the run's total, with epoch, speed and ETA.")
        self.progress.setMinimumWidth(360)
        self.progress.setTextVisible(True)
        self.progress.setFormat("ready")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.addSeparator()
        self.addWidget(self.progress)
        self.addSeparator()
        # New figures arrive with every evaluation: a LiveLabel takes the toolbar's spare
        # width without laying the window out again for each (its context menu copies).
        self.status = LiveLabel(self)
        self.status.setObjectName("train_status")
        self.status.setAccessibleName("Training status")
        self.status.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.addWidget(self.status)

    def _action(self, text: str, name: str, shortcut: str, tip: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.WindowShortcut)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        self.addAction(action)
        button = self.widgetForAction(action)
        button.setObjectName(name)
        button.setAccessibleName(text)
        return action

    def set_running(self, running: bool) -> None:
        self.train_action.setText("Pause" if running else "Train")
        self.train_action.setToolTip(
            "Pause training (Space)." if running else "Start or resume training (Space)."
        )
        self.widgetForAction(self.train_action).setAccessibleName("Pause" if running else "Train")
        self.step_action.setEnabled(not running)
        self.reset_action.setEnabled(True)

    def show_progress(self, snapshot: Snapshot, epoch: float) -> None:
        total = max(snapshot.total_steps, 1)
        # QProgressBar.setValue repaints at once (synchronously) whenever the bar moves a
        # pixel; with updates off it is painted with the rest of the frame instead.
        self.progress.setUpdatesEnabled(False)
        self.progress.setRange(0, total)
        self.progress.setValue(min(snapshot.step, total))
        self.progress.setUpdatesEnabled(True)  # (schedules the repaint)
        steps_per_second = snapshot.step / snapshot.seconds if snapshot.seconds > 0 else 0.0
        eta = ""
        if steps_per_second > 0 and snapshot.step < total and not snapshot.stop_reason:
            eta = f" · ETA {_format_duration((total - snapshot.step) / steps_per_second)}"
        self.progress.setFormat(
            f"step {snapshot.step:,}/{total:,} · epoch {epoch:.1f} · "
            f"{snapshot.samples_per_second:,.0f} samples/s{eta}"
        )

    def clear_progress(self, total_steps: int) -> None:
        self.progress.setRange(0, max(total_steps, 1))
        self.progress.setValue(0)
        self.progress.setFormat(f"ready · {total_steps:,} steps")

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
