"""The timeline: scrubbing, live, replay, compare mode, coalescing and keyboard."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QPushButton, QSlider

from nnstudio.gui.widgets.live_label import LiveLabel
from nnstudio.gui.widgets.timeline import LIVE_TEXT, NOT_LIVE_TEXT, SPEEDS, TimelineWidget

STEPS = np.array([0, 50, 100, 200, 400, 800, 1234, 2000, 3500, 5000], dtype=np.int64)


@pytest.fixture
def timeline(qtbot):
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.set_steps(STEPS)
    widget.resize(900, 80)
    return widget


@pytest.fixture
def emitted(timeline):
    calls = []
    timeline.step_selected.connect(lambda step: calls.append(("step", step)))
    timeline.live_selected.connect(lambda: calls.append(("live",)))
    timeline.compare_changed.connect(lambda a, b: calls.append(("compare", a, b)))
    timeline.compare_closed.connect(lambda: calls.append(("closed",)))
    return calls


def child(widget, cls, name):
    found = widget.findChild(cls, name)
    assert found is not None, name
    return found


def test_controls_are_named_with_tooltips(timeline):
    assert timeline.objectName() == "timeline"
    for cls, name in [
        (QSlider, "timeline_slider"),
        (QPushButton, "timeline_play"),
        (QComboBox, "timeline_speed"),
        (QPushButton, "timeline_live"),
        (QCheckBox, "timeline_compare"),
        (QSlider, "timeline_compare_slider"),
        (LiveLabel, "timeline_label"),
    ]:
        widget = child(timeline, cls, name)
        assert widget.accessibleName() and widget.toolTip(), name
    speed = child(timeline, QComboBox, "timeline_speed")
    assert [speed.itemData(i) for i in range(speed.count())] == list(SPEEDS)


def test_starts_live_on_the_newest_state(timeline):
    slider = child(timeline, QSlider, "timeline_slider")
    assert timeline.is_live() and timeline.selected_step() is None
    assert (slider.minimum(), slider.maximum(), slider.value()) == (0, 9, 9)
    assert timeline.label.text() == "step 5,000 of 5,000 (recorded 10 states) · live"
    assert timeline.live.isChecked() and timeline.live.text() == LIVE_TEXT
    timeline.set_steps(np.append(STEPS, 6000))  # live follows the newest
    assert slider.value() == 10 and timeline.selected_step() is None


def test_moving_the_slider_selects_that_step_and_leaves_live(qtbot, timeline, emitted):
    slider = child(timeline, QSlider, "timeline_slider")
    with qtbot.waitSignal(timeline.step_selected) as blocker:
        slider.setValue(6)
    assert blocker.args == [1234]
    assert emitted == [("step", 1234)]
    assert not timeline.is_live() and timeline.selected_step() == 1234
    assert not timeline.live.isChecked() and timeline.live.text() == NOT_LIVE_TEXT
    assert timeline.label.text() == "step 1,234 of 5,000 (recorded 10 states)"


def test_set_steps_keeps_the_selected_step(qtbot, timeline, emitted):
    slider = child(timeline, QSlider, "timeline_slider")
    with qtbot.waitSignal(timeline.step_selected):
        slider.setValue(3)  # step 200
    timeline.set_steps(np.append(STEPS, [6000, 7000]))  # training went on
    assert timeline.selected_step() == 200 and slider.value() == 3
    thinned = np.array([0, 100, 400, 1234, 5000, 7000])  # 200 dropped: nearest is 100
    timeline.set_steps(thinned)
    assert timeline.selected_step() == 100 and slider.maximum() == 5
    qtbot.wait(0)  # any pending (coalesced) emission would come now
    assert emitted == [("step", 200)]  # programmatic changes emit nothing


def test_live_button_jumps_to_the_newest(qtbot, timeline, emitted):
    slider = child(timeline, QSlider, "timeline_slider")
    with qtbot.waitSignal(timeline.step_selected):
        slider.setValue(2)
    with qtbot.waitSignal(timeline.live_selected):
        qtbot.mouseClick(timeline.live, Qt.LeftButton)
    assert timeline.is_live() and timeline.live.isChecked() and slider.value() == 9
    assert timeline.selected_step() is None
    # Unchecking Live freezes the view on the newest state.
    with qtbot.waitSignal(timeline.step_selected) as blocker:
        qtbot.mouseClick(timeline.live, Qt.LeftButton)
    assert blocker.args == [5000] and not timeline.is_live()
    timeline.go_live()  # programmatic: silent
    assert timeline.is_live() and emitted == [("step", 100), ("live",), ("step", 5000)]


def test_replay_advances_to_the_end_and_stops(qtbot, timeline):
    slider = child(timeline, QSlider, "timeline_slider")
    speed = child(timeline, QComboBox, "timeline_speed")
    speed.setCurrentIndex(SPEEDS.index(60))
    with qtbot.waitSignal(timeline.step_selected):
        slider.setValue(6)
    shown = []
    timeline.step_selected.connect(shown.append)
    with qtbot.waitSignal(timeline.step_selected) as blocker:
        qtbot.mouseClick(timeline.play, Qt.LeftButton)
        assert timeline.is_replaying() and timeline.play.text() == "Pause"
    assert blocker.args == [2000]
    qtbot.waitUntil(lambda: not timeline.is_replaying(), timeout=3000)
    assert shown == [2000, 3500, 5000]
    assert slider.value() == 9 and timeline.play.text() == "Play"
    assert not timeline.is_live()  # replaying to the end is not live
    # Play at the end starts again from the first state.
    with qtbot.waitSignal(timeline.step_selected) as blocker:
        qtbot.mouseClick(timeline.play, Qt.LeftButton)
    assert blocker.args == [0]
    qtbot.mouseClick(timeline.play, Qt.LeftButton)  # pause
    assert not timeline.is_replaying()


def test_scrubbing_pauses_the_replay(qtbot, timeline):
    slider = child(timeline, QSlider, "timeline_slider")
    with qtbot.waitSignal(timeline.step_selected):
        slider.setValue(0)
    qtbot.mouseClick(timeline.play, Qt.LeftButton)
    with qtbot.waitSignal(timeline.step_selected) as blocker:
        slider.setValue(5)
    assert blocker.args == [800] and not timeline.is_replaying()


def test_compare_mode_emits_a_and_b(qtbot, timeline, emitted):
    slider = child(timeline, QSlider, "timeline_slider")
    compare_slider = child(timeline, QSlider, "timeline_compare_slider")
    assert not compare_slider.isVisibleTo(timeline)
    with qtbot.waitSignal(timeline.step_selected):
        slider.setValue(7)  # B = 2000
    with qtbot.waitSignal(timeline.compare_changed) as blocker:
        qtbot.mouseClick(timeline.compare, Qt.LeftButton)
    assert blocker.args == [0, 2000]  # A starts at the first state
    assert compare_slider.isVisibleTo(timeline)
    with qtbot.waitSignal(timeline.compare_changed) as blocker:
        compare_slider.setValue(2)
    assert blocker.args == [100, 2000] and timeline.compare_steps() == (100, 2000)
    assert timeline.compare_label.text() == "showing B − A: step 2,000 minus step 100"
    with qtbot.waitSignal(timeline.compare_changed) as blocker:
        slider.setValue(8)  # moving B also compares
    assert blocker.args == [100, 3500]
    with qtbot.waitSignal(timeline.compare_closed):
        qtbot.mouseClick(timeline.compare, Qt.LeftButton)
    assert timeline.compare_steps() is None and not compare_slider.isVisibleTo(timeline)
    assert timeline.selected_step() == 3500
    assert emitted == [
        ("step", 2000),
        ("compare", 0, 2000),
        ("compare", 100, 2000),
        ("compare", 100, 3500),
        ("closed",),
    ]


def test_live_ends_compare_mode(qtbot, timeline, emitted):
    qtbot.mouseClick(timeline.compare, Qt.LeftButton)
    assert not timeline.is_live() and timeline.compare_steps() == (0, 5000)
    with qtbot.waitSignal(timeline.live_selected):
        qtbot.mouseClick(timeline.live, Qt.LeftButton)
    assert timeline.is_live() and not timeline.compare.isChecked()
    assert timeline.compare_steps() is None
    assert emitted == [("compare", 0, 5000), ("live",)]


def test_rapid_slider_changes_emit_once(qtbot, timeline, emitted):
    slider = child(timeline, QSlider, "timeline_slider")
    with qtbot.waitSignal(timeline.step_selected) as blocker:
        for index in range(9):  # one event-loop turn, nine moves
            slider.setValue(index)
    assert blocker.args == [3500]
    qtbot.wait(0)
    assert emitted == [("step", 3500)]


def test_keyboard_steps_through_entries(qtbot, timeline):
    slider = child(timeline, QSlider, "timeline_slider")
    timeline.show()
    qtbot.waitExposed(timeline)
    slider.setFocus()
    for key, expected in [
        (Qt.Key_Left, 3500),
        (Qt.Key_Left, 2000),
        (Qt.Key_Right, 3500),
        (Qt.Key_Home, 0),
        (Qt.Key_End, 5000),
    ]:
        with qtbot.waitSignal(timeline.step_selected) as blocker:
            qtbot.keyClick(slider, key)
        assert blocker.args == [expected], key
    assert not timeline.is_live()


def test_no_steps_disables_the_controls(qtbot):
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    assert not widget.slider.isEnabled() and not widget.play.isEnabled()
    assert not widget.compare.isEnabled() and "No recorded states" in widget.label.text()
    assert widget.selected_step() is None and widget.compare_steps() is None
    widget.set_steps(np.array([0]))
    assert widget.slider.isEnabled()
    assert widget.label.text() == "step 0 of 0 (recorded 1 state) · live"
