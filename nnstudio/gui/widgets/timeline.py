"""The weight-history timeline: scrub, replay and compare recorded training states.

:class:`TimelineWidget` sits under the views. Its slider runs over the entries
of the weight history (by index: entry 0 is the first recorded state), so a
long run with thinned older entries still moves one recorded state per key
press. While "Live" is checked the views follow training; moving the slider,
replaying or comparing shows a recorded state instead.

The widget only picks steps; the window looks the states up in the history and
shows them. Scrubbing emits at most once per event-loop turn, however fast the
slider moves, so a view that redraws on every signal stays smooth.

Run ``python -m nnstudio.gui.widgets.timeline`` for a preview under a heatmap.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui.widgets.live_label import LiveLabel

SPEEDS = (5, 10, 30, 60)  # replayed states per second the speed box offers
DEFAULT_SPEED = 10
LIVE_TEXT, NOT_LIVE_TEXT = "● Live", "Go live"  # the dot says "following", like a recorder


def _named(widget: QWidget, name: str, accessible: str, tip: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    widget.setToolTip(tip)
    return widget


class TimelineWidget(QWidget):
    """A slider over the recorded states, with replay, "Live" and B − A comparison.

    Signals
    -------
    step_selected(int)
        The user scrubbed, stepped or replay advanced: show the state recorded at this step.
        Not emitted in compare mode (``compare_changed`` is, instead).
    live_selected()
        The user clicked "Live": follow training again (this also ends compare mode).
    compare_changed(int, int)
        ``(a_step, b_step)``: show the difference B − A of these recorded states.
    compare_closed()
        The user unchecked "Compare"; :meth:`selected_step` says what to show now.

    Programmatic calls (:meth:`set_steps`, :meth:`go_live`) emit nothing.
    """

    step_selected = Signal(int)
    live_selected = Signal()
    compare_changed = Signal(int, int)
    compare_closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setAccessibleName("Timeline")
        self._steps = np.zeros(0, dtype=np.int64)
        self._live = True
        self._updating = False  # True while the code (not the user) moves a slider
        # One zero-ms single shot: many slider moves in one event-loop turn emit once.
        self._emit_timer = QTimer(self)
        self._emit_timer.setSingleShot(True)
        self._emit_timer.setInterval(0)
        self._emit_timer.timeout.connect(self._on_emit_timer_timeout)
        self._replay_timer = QTimer(self)
        self._replay_timer.timeout.connect(self._on_replay_timer_timeout)
        self._build()
        # As tall as its controls: extra height would only stretch empty space.
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self._update_controls()

    def _build(self) -> None:
        self.play = _named(
            QPushButton("Play", self),
            "timeline_play",
            "Replay recorded states",
            "Replay the recorded states from the selected one to the newest.",
        )
        self.play.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))
        self.play.clicked.connect(self._on_play_clicked)
        self.speed = _named(
            QComboBox(self),
            "timeline_speed",
            "Replay speed",
            "How many recorded states the replay shows per second.",
        )
        for speed in SPEEDS:
            self.speed.addItem(f"{speed} states/s", speed)
        self.speed.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self.speed.currentIndexChanged.connect(self._on_speed_current_index_changed)
        self.slider = _named(
            QSlider(Qt.Horizontal, self),
            "timeline_slider",
            "Recorded state",
            "Drag (or use the arrow keys, Home and End) to show an earlier recorded state.",
        )
        self.slider.setFocusPolicy(Qt.StrongFocus)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.live = _named(
            QPushButton(LIVE_TEXT, self),
            "timeline_live",
            "Follow training live",
            "Checked: the views follow training; click to jump back to the newest state.",
        )
        self.live.setCheckable(True)
        self.live.setChecked(True)
        widths = []
        for text in (NOT_LIVE_TEXT, LIVE_TEXT):  # one width for both texts: no jumping
            self.live.setText(text)
            widths.append(self.live.sizeHint().width())
        self.live.setMinimumWidth(max(widths))
        self.live.clicked.connect(self._on_live_clicked)
        self.compare = _named(
            QCheckBox("Compare", self),
            "timeline_compare",
            "Compare two states",
            "Show how the weights changed between two recorded states (B minus A).",
        )
        self.compare.toggled.connect(self._on_compare_toggled)
        # Its text changes every frame: a LiveLabel does not lay the window out again.
        self.label = _named(
            LiveLabel(self), "timeline_label", "Shown step", "The step shown and how many are kept."
        )
        self.b_caption = QLabel("B", self)
        self.b_caption.setToolTip("The main slider picks state B.")
        self.a_caption = QLabel("A", self)
        self.a_caption.setToolTip("This slider picks state A.")
        self.compare_slider = _named(
            QSlider(Qt.Horizontal, self),
            "timeline_compare_slider",
            "Compared state A",
            "Pick state A; the views show B (the main slider) minus A.",
        )
        self.compare_slider.setFocusPolicy(Qt.StrongFocus)
        self.compare_slider.valueChanged.connect(self._on_compare_slider_value_changed)
        self.compare_label = _named(
            LiveLabel(self),
            "timeline_compare_label",
            "Compared steps",
            "The difference the views show: state B minus state A.",
        )

        # Controls and read-outs on top; the B and A sliders below, one above the other,
        # so the same recorded state sits at the same x on both.
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.play)
        top.addWidget(self.speed)
        top.addSpacing(6)
        top.addWidget(self.label, 1)
        top.addWidget(self.compare_label, 1)
        top.addWidget(self.compare)
        top.addWidget(self.live)
        sliders = QGridLayout()
        sliders.setHorizontalSpacing(6)
        sliders.setVerticalSpacing(4)
        sliders.addWidget(self.b_caption, 0, 0)
        sliders.addWidget(self.slider, 0, 1)
        sliders.addWidget(self.a_caption, 1, 0)
        sliders.addWidget(self.compare_slider, 1, 1)
        sliders.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(sliders)
        for widget in (self.b_caption, self.a_caption, self.compare_slider, self.compare_label):
            widget.hide()

    # -- public API ---------------------------------------------------------------------------

    def set_steps(self, steps: np.ndarray) -> None:
        """Set the recorded steps (shape ``(n,)``, ascending), e.g. ``WeightHistory.steps()``.

        Live, the selection moves to the newest; otherwise it stays on the same step
        (or the nearest one still recorded, after the history thinned out).
        """
        old_b, old_a = (
            self._step_at(self.slider.value()),
            self._step_at(self.compare_slider.value()),
        )
        self._steps = np.asarray(steps, dtype=np.int64).ravel().copy()
        n = len(self._steps)
        self._updating = True
        try:
            for slider in (self.slider, self.compare_slider):
                slider.setRange(0, max(n - 1, 0))
                slider.setPageStep(max(1, n // 10))
            self.slider.setValue(n - 1 if self._live else self._index_of(old_b))
            self.compare_slider.setValue(self._index_of(old_a))
        finally:
            self._updating = False
        if n == 0:
            self._stop_replay()
        self._update_controls()

    def steps(self) -> np.ndarray:
        """The recorded steps the slider runs over (a copy)."""
        return self._steps.copy()

    def selected_step(self) -> int | None:
        """The step shown (state B when comparing), or None while live."""
        if self._live or not len(self._steps):
            return None
        return self._step_at(self.slider.value())

    def compare_steps(self) -> tuple[int, int] | None:
        """``(a_step, b_step)`` in compare mode, else None."""
        if not self.compare.isChecked() or not len(self._steps):
            return None
        return self._step_at(self.compare_slider.value()), self._step_at(self.slider.value())

    def is_live(self) -> bool:
        """Whether the views follow training (the newest state)."""
        return self._live

    def go_live(self) -> None:
        """Follow training again: newest state, no replay, no comparison (emits nothing)."""
        self._stop_replay()
        self._emit_timer.stop()
        self._live = True
        self.live.setChecked(True)
        self._updating = True
        try:
            self.compare.setChecked(False)
            self.slider.setValue(self.slider.maximum())
        finally:
            self._updating = False
        self._update_controls()

    def is_replaying(self) -> bool:
        """Whether the replay (Play) is running."""
        return self._replay_timer.isActive()

    # -- helpers ------------------------------------------------------------------------------

    def _step_at(self, index: int) -> int | None:
        if not len(self._steps):
            return None
        return int(self._steps[min(max(index, 0), len(self._steps) - 1)])

    def _index_of(self, step: int | None) -> int:
        """Index of ``step`` in the recorded steps, or of the nearest one."""
        n = len(self._steps)
        if step is None or n == 0:
            return max(n - 1, 0)
        i = int(np.searchsorted(self._steps, step))
        if i >= n:
            return n - 1
        if i > 0 and step - self._steps[i - 1] <= self._steps[i] - step:
            return i - 1
        return i

    def _leave_live(self) -> None:
        if self._live:
            self._live = False
            self.live.setChecked(False)

    def _schedule_emit(self) -> None:
        self._emit_timer.start()  # restarting a pending zero-ms shot still fires once

    def _emit_current(self) -> None:
        compared = self.compare_steps()
        if compared is not None:
            self.compare_changed.emit(*compared)
        elif not self._live and len(self._steps):
            self.step_selected.emit(self._step_at(self.slider.value()))

    def _update_controls(self) -> None:
        n = len(self._steps)
        for widget in (self.slider, self.play, self.compare, self.compare_slider):
            widget.setEnabled(n > 0)
        self.live.setEnabled(n > 0 or not self._live)
        self.live.setText(LIVE_TEXT if self._live else NOT_LIVE_TEXT)
        if n == 0:
            self.label.setText("No recorded states yet: train to record some.")
            self.compare_label.setText("")
            return
        shown = self._step_at(self.slider.value())
        newest = int(self._steps[-1])
        states = "state" if n == 1 else "states"
        text = f"step {shown:,} of {newest:,} (recorded {n:,} {states})"
        self.label.setText(text + (" · live" if self._live else ""))
        compared = self.compare_steps()
        if compared is not None:
            self.compare_label.setText(
                f"showing B − A: step {compared[1]:,} minus step {compared[0]:,}"
            )

    # -- user actions -------------------------------------------------------------------------

    def _on_slider_value_changed(self, _index: int) -> None:
        if self._updating:
            return
        self._stop_replay()  # the user took over
        self._leave_live()
        self._update_controls()
        self._schedule_emit()

    def _on_compare_slider_value_changed(self, _index: int) -> None:
        if self._updating:
            return
        self._update_controls()
        self._schedule_emit()

    def _on_emit_timer_timeout(self) -> None:
        self._emit_current()

    def _on_live_clicked(self, checked: bool) -> None:
        if checked:
            self.go_live()
            self.live_selected.emit()
        else:  # stop following: keep showing the newest state, frozen
            self._stop_replay()
            self._leave_live()
            self._update_controls()
            self._emit_current()

    def _on_compare_toggled(self, on: bool) -> None:
        for widget in (self.b_caption, self.a_caption, self.compare_slider, self.compare_label):
            widget.setVisible(on)
        if self._updating:
            return
        self._stop_replay()
        if on:
            self._leave_live()  # B stays where it is; A starts at the first state
            self._updating = True
            try:
                self.compare_slider.setValue(0)
            finally:
                self._updating = False
            self._update_controls()
            self._emit_timer.stop()
            self._emit_current()
        else:
            self._emit_timer.stop()
            self._update_controls()
            self.compare_closed.emit()

    def _on_play_clicked(self) -> None:
        if self.is_replaying():
            self._stop_replay()
            return
        if not len(self._steps):
            return
        self._leave_live()
        if self.slider.value() >= self.slider.maximum():
            self._updating = True  # from the start again, shown by the first tick
            try:
                self.slider.setValue(0)
            finally:
                self._updating = False
            self._emit_current()
        self._update_controls()
        self._replay_timer.start(round(1000 / self.speed.currentData()))
        self.play.setText("Pause")
        self.play.setIcon(self.style().standardIcon(QStyle.SP_MediaPause))
        self.play.setToolTip("Pause the replay.")

    def _on_speed_current_index_changed(self, _index: int) -> None:
        if self.is_replaying():
            self._replay_timer.setInterval(round(1000 / self.speed.currentData()))

    def _on_replay_timer_timeout(self) -> None:
        index = self.slider.value() + 1
        if index > self.slider.maximum():
            self._stop_replay()
            return
        self._updating = True
        try:
            self.slider.setValue(index)
        finally:
            self._updating = False
        self._update_controls()
        self._emit_current()  # the timer already paces it: no coalescing needed
        if index >= self.slider.maximum():
            self._stop_replay()

    def _stop_replay(self) -> None:
        if self._replay_timer.isActive():
            self._replay_timer.stop()
        self.play.setText("Play")
        self.play.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))
        self.play.setToolTip("Replay the recorded states from the selected one to the newest.")


def _demo() -> QWidget:  # pragma: no cover - manual preview
    """Train iris briefly, record every snapshot, and scrub them under a weight heatmap."""
    from nnstudio.core.config import MODERN
    from nnstudio.core.data import load_table
    from nnstudio.core.dataset import prepare_table
    from nnstudio.core.samples import sample_path
    from nnstudio.core.trainer import Trainer
    from nnstudio.gui.widgets.weight_heatmaps import WeightHeatmaps

    config = MODERN.replace(hidden_layers=(12, 6), epochs=100)
    data = prepare_table(load_table(sample_path("iris")), config)
    trainer = Trainer(config, data)
    start = (list(trainer.network.weights), list(trainer.network.biases))
    states = {0: start}
    for snapshot in trainer.run(every_steps=25):
        states[snapshot.step] = (snapshot.weights, snapshot.biases)
    steps = np.array(sorted(states), dtype=np.int64)

    window = QWidget()
    window.setWindowTitle("nnstudio · timeline preview")
    heatmaps = WeightHeatmaps(window)
    heatmaps.set_architecture([w.shape for w in start[0]], data.feature_names, data.class_names)
    heatmaps.set_reference(*start)
    timeline = TimelineWidget(window)
    timeline.set_steps(steps)
    window.heatmaps, window.timeline = heatmaps, timeline

    def nearest(step: int):
        return states[int(steps[timeline._index_of(step)])]

    def show_step(step: int) -> None:
        heatmaps.show_weights(*nearest(step))
        heatmaps.set_caption(f"Step {step:,} (recorded)")

    def show_live() -> None:
        heatmaps.show_weights(*states[int(steps[-1])])
        heatmaps.set_caption(None)

    def show_compare(a: int, b: int) -> None:
        (wa, ba), (wb, bb) = nearest(a), nearest(b)
        heatmaps.show_weights(
            [y - x for x, y in zip(wa, wb, strict=True)],
            [y - x for x, y in zip(ba, bb, strict=True)],
        )
        heatmaps.set_caption(f"B − A: step {b:,} minus step {a:,}")

    timeline.step_selected.connect(show_step)
    timeline.live_selected.connect(show_live)
    timeline.compare_changed.connect(show_compare)
    timeline.compare_closed.connect(
        lambda: show_live() if timeline.is_live() else show_step(timeline.selected_step())
    )
    show_live()
    layout = QVBoxLayout(window)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(heatmaps, 1)
    layout.addWidget(timeline)
    window.resize(1100, 420)
    return window


def _preview() -> int:  # pragma: no cover - manual preview
    import sys

    import shiboken6
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    window = _demo()
    window.show()
    code = app.exec()
    shiboken6.delete(window)  # before the QApplication goes
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
