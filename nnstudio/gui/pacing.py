"""How often the studio may draw a frame while it trains.

The trainer and the window share the machine (and Python's GIL): a frame that
costs 40 ms drawn 30 times a second would take the GUI thread entire and
starve both the training and the user's clicks. :class:`FramePacer` measures
what each frame really cost (updating the views and painting them) and spaces
the frames so drawing takes at most ``share`` of the time: cheap frames come at
the redraw timer's full rate, expensive ones (a huge window, a slow machine)
less often, and the window stays responsive either way.
"""

from __future__ import annotations

DEFAULT_SHARE = 0.35  # of the GUI thread's time spent drawing, at most


class FramePacer:
    """Spaces frames so drawing takes at most ``share`` of the time.

    Call :meth:`ready` before drawing a frame and :meth:`drawn` once it has been
    painted, with times in seconds from one monotonic clock.
    """

    def __init__(self, share: float = DEFAULT_SHARE):
        if not 0.0 < share <= 1.0:
            raise ValueError(f"share must be in (0, 1], not {share!r}")
        self.share = share
        self._next = float("-inf")

    def ready(self, now: float) -> bool:
        """True when a frame may be drawn at ``now``."""
        return now >= self._next

    def drawn(self, started: float, finished: float) -> None:
        """A frame began at ``started`` and was painted by ``finished``."""
        cost = max(0.0, finished - started)
        self._next = started + cost / self.share

    def reset(self) -> None:
        """Draw the next frame at once (e.g. after a pause)."""
        self._next = float("-inf")
