"""How many threads NumPy's BLAS uses while a network trains.

NumPy's OpenBLAS splits a product over all cores once it is big enough. On two
cores, two threads train a medium network faster headless (64-[128, 64]-10 with
batch 128: 1.28x in float64, 1.15x in float32), but the studio's training process
cannot use them: the window draws on the second core, and OpenBLAS's threads wait
for each other whenever one of them is descheduled (a training process on two
threads fell to 0.42 of the headless speed). So that a run is as fast in the
studio as headless, :func:`training_threads` picks one thread below
:data:`SMALL_STEP_MACS`; bigger networks (an MNIST-sized step is ~30 million
multiply-adds) keep BLAS's own setting, as their products gain more from a second
thread than the window's share of it costs them. :func:`limited_threads` applies
the choice to NumPy's BLAS only (through threadpoolctl, so other libraries in the
process keep their settings).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence

import numpy as np

# np.dot and np.vdot without the __array_function__ dispatch, which costs ~0.3 us a
# call: a third of a small product. The training step passes its own ndarrays only,
# so there is nothing to dispatch. (``_implementation`` is the documented attribute of
# NumPy's dispatchers holding the C function; without it, the public functions.)
dot = getattr(np.dot, "_implementation", np.dot)
vdot = getattr(np.vdot, "_implementation", np.vdot)

SMALL_STEP_MACS = 8_000_000  # multiply-adds of one step's forward pass

_numpy_blas = None  # threadpoolctl's controller of NumPy's own BLAS, made on first use


def training_threads(sizes: Sequence[int], batch_size: int) -> int | None:
    """1 for a network whose forward pass over a batch is small, else None (BLAS's own)."""
    macs = batch_size * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    return 1 if macs < SMALL_STEP_MACS else None


@contextlib.contextmanager
def limited_threads(threads: int | None) -> Iterator[None]:
    """Within the block, NumPy's BLAS uses at most ``threads`` threads (None: no limit)."""
    controller = _controller() if threads is not None else None
    if controller is None:
        yield
        return
    with controller.limit(limits=threads):
        yield


def _controller():
    global _numpy_blas
    if _numpy_blas is None:
        from threadpoolctl import ThreadpoolController

        numpy_dir = os.path.dirname(np.__file__)
        every = ThreadpoolController().select(user_api="blas")
        ours = [c.filepath for c in every.lib_controllers if _inside(c.filepath, numpy_dir)]
        _numpy_blas = every.select(filepath=ours) if ours else False
    return _numpy_blas or None


def _inside(path: str, numpy_dir: str) -> bool:
    # NumPy's wheels keep their BLAS in numpy.libs/ next to numpy/; other builds link it
    # from the system, which is then NumPy's too.
    site = os.path.dirname(numpy_dir)
    return path.startswith(os.path.join(site, "numpy")) or not path.startswith(site)
