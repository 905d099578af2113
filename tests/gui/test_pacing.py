"""Frame pacing: drawing takes at most its share of the GUI thread's time."""

import pytest

from nnstudio.gui.pacing import FramePacer


def test_a_frame_is_ready_at_first_and_after_a_reset():
    pacer = FramePacer(share=0.25)
    assert pacer.ready(0.0, 0.0)
    pacer.started(10.0, 5.0)
    assert not pacer.ready(10.2, 5.1)  # busy 0.1 s of 0.2 s
    pacer.reset()
    assert pacer.ready(10.2, 5.1)


@pytest.mark.parametrize("cost", [0.001, 0.01, 0.08])
def test_frames_wait_until_the_busy_time_is_at_most_the_share(cost):
    pacer = FramePacer(share=0.25)
    pacer.started(1.0, 2.0)
    assert not pacer.ready(1.0 + 4 * cost - 1e-6, 2.0 + cost)
    assert pacer.ready(1.0 + 4 * cost + 1e-9, 2.0 + cost)


def test_the_gui_thread_is_busy_at_most_its_share_over_a_run():
    # A redraw timer every 33 ms; each frame costs 40 ms of the thread's time.
    pacer, now, busy, tick = FramePacer(share=0.35), 0.0, 0.0, 0.033
    for _ in range(1000):
        if pacer.ready(now, busy):
            pacer.started(now, busy)
            busy += 0.040
            now += 0.040
        now += tick
    assert busy / now <= 0.35 + 0.040 / now


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5])
def test_share_must_be_a_fraction(share):
    with pytest.raises(ValueError):
        FramePacer(share=share)
