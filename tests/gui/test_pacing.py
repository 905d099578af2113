"""Frame pacing: drawing takes at most its share of the GUI thread's time."""

import pytest

from nnstudio.gui.pacing import FramePacer


def test_a_frame_is_ready_at_first_and_after_a_reset():
    pacer = FramePacer(share=0.25)
    assert pacer.ready(0.0)
    pacer.drawn(10.0, 10.1)
    assert not pacer.ready(10.2)
    pacer.reset()
    assert pacer.ready(10.2)


@pytest.mark.parametrize("cost", [0.001, 0.01, 0.08])
def test_frames_are_spaced_by_their_cost_over_the_share(cost):
    pacer = FramePacer(share=0.25)
    pacer.drawn(1.0, 1.0 + cost)
    assert not pacer.ready(1.0 + 4 * cost - 1e-9)
    assert pacer.ready(1.0 + 4 * cost + 1e-9)


def test_drawing_never_takes_more_than_its_share_over_a_run():
    pacer, now, busy, tick = FramePacer(share=0.35), 0.0, 0.0, 0.033
    for _ in range(1000):  # a redraw timer every 33 ms; each frame costs 40 ms
        if pacer.ready(now):
            pacer.drawn(now, now + 0.040)
            busy += 0.040
            now += 0.040
        now += tick
    assert busy / now <= 0.35 + 1e-9


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5])
def test_share_must_be_a_fraction(share):
    with pytest.raises(ValueError):
        FramePacer(share=share)
