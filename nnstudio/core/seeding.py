"""One seed, several independent random streams.

The split, the initial weights and the batch order each get their own
generator spawned from the run's seed, so that (for example) resetting the
weights never changes which rows are in the test set.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("split", "init", "sampling", "data")


def random_stream(seed: int, purpose: str) -> np.random.Generator:
    """The generator for ``purpose`` (one of :data:`STREAMS`) under ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return np.random.default_rng(children[STREAMS.index(purpose)])
