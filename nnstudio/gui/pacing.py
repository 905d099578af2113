"""How often the studio may draw a frame while it trains.

The training process has a core of its own, and the window has the other: frames
that cost 40 ms drawn 30 times a second would still take the GUI thread entire,
and leave no time for the user's clicks (or for Qt to paint). :class:`FramePacer`
watches how much CPU time the GUI thread really spent since the last frame began
(updating the views, painting them, and anything else it did) and lets the next
frame start only when that is at most ``share`` of the time gone by. Cheap frames
come at the redraw timer's full rate; expensive ones (a huge window, a slow
machine) less often, and the window stays responsive either way.
"""

from __future__ import annotations

DEFAULT_SHARE = 0.75  # of the time, at most, that the GUI thread spends busy while training


class FramePacer:
    """Lets a frame start when the GUI thread has been busy at most ``share`` of the time.

    Times are in seconds: ``now`` from a monotonic clock, ``busy`` the GUI thread's
    CPU time (``time.thread_time()`` on that thread).
    """

    def __init__(self, share: float = DEFAULT_SHARE):
        if not 0.0 < share <= 1.0:
            raise ValueError(f"share must be in (0, 1], not {share!r}")
        self.share = share
        self._last: tuple[float, float] | None = None  # (now, busy) when the last frame began

    def ready(self, now: float, busy: float) -> bool:
        """True when a frame may start at ``now``, the thread having been ``busy`` so far."""
        if self._last is None:
            return True
        started, busy_then = self._last
        return busy - busy_then <= self.share * (now - started)

    def started(self, now: float, busy: float) -> None:
        """A frame starts now."""
        self._last = (now, busy)

    def reset(self) -> None:
        """Let the next frame start at once (e.g. after a pause)."""
        self._last = None
