"""A rate limit for updates that cost more than they are worth at every chance."""

from __future__ import annotations

import math
import time


class AtMostEvery:
    """Lets a costly update run at most once per ``seconds`` (unless forced).

    The studio's views that do more than draw (a forward pass over the plane, a
    diagnosis, a histogram of the whole history), and the training process's
    boundary grids, follow a run at their own, slower rate than the frames; each
    keeps one of these.
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
