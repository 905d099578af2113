"""How often the studio may draw a frame while it trains.

The trainer and the window share the machine (and Python's GIL): frames that
cost 40 ms drawn 30 times a second would take the GUI thread entire and starve
both the training and the user's clicks. :class:`FramePacer` watches how much
CPU time the GUI thread really spent since the last frame began (updating the
views, painting them, and anything else it did) and lets the next frame start
only when that is at most ``share`` of the time gone by. Cheap frames come at
the redraw timer's full rate; expensive ones (a huge window, a slow machine)
less often, and the window stays responsive either way.
"""

from __future__ import annotations

import math
import time

DEFAULT_SHARE = 0.35  # of the time, at most, that the GUI thread spends busy while training


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


class AtMostEvery:
    """Lets a costly update run at most once per ``seconds`` (unless forced).

    The studio's views that do more than draw (a forward pass over the plane, a
    diagnosis, a histogram of the whole history) follow a run at their own, slower
    rate than the frames; each keeps one of these.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._last = -math.inf  # when the update last ran (time.monotonic)

    def due(self, force: bool = False) -> bool:
        """True, and counted as run now, when ``seconds`` have passed (or ``force``)."""
        now = time.monotonic()
        if force or now - self._last >= self.seconds:
            self._last = now
            return True
        return False

    def reset(self) -> None:
        """Let the next update run at once."""
        self._last = -math.inf
