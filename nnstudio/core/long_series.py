"""Compact storage and level-of-detail drawing for series with one value per training step.

A long run records ten million batch losses. Drawing them means handing a plot a
few thousand points for the visible steps, chosen so that every spike stays
visible: the minimum and the maximum of each pixel column. Scanning ten million
values for that on every frame is too slow, so :class:`MinMaxPyramid` keeps the
minima and maxima of blocks of 16, 256, 4096, … values, appended incrementally,
and :func:`envelope` reads the coarsest level that still gives at least one
block per column. The pieces:

- :class:`GrowableArray`: a 1-D array that grows by doubling (small series).
- :class:`ChunkedArray`: a 1-D array in fixed-size chunks, for the per-step values:
  no doubling slack and no copy of the whole history when it grows.
- :class:`StepRuns`: increasing step numbers stored as arithmetic runs, so
  consecutive steps cost nothing per step.
- :class:`MovingAverage`: the bias-corrected exponential moving average, with a
  checkpoint of its state every :data:`EMA_BLOCK` values, so any range of it can
  be recomputed from the stored values instead of being stored.

Qt-free and NumPy only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

INITIAL_CAPACITY = 1024
CHUNK = 1 << 16  # values per ChunkedArray chunk (512 KiB of float64)
FANOUT = 16  # values per block at the first pyramid level; blocks per block above
EMA_BLOCK = 256  # values per matrix product of the moving average, and per checkpoint

Source = Callable[[int, int], np.ndarray]  # (start, stop) -> values[start:stop]


class GrowableArray:
    """A 1-D array that grows by doubling.

    Appending is amortised O(1) and :meth:`view` hands out the filled part
    without copying.

    Parameters
    ----------
    capacity : int
        Elements to preallocate.
    dtype : numpy dtype
        Element type (float64 by default).
    """

    def __init__(self, capacity: int = INITIAL_CAPACITY, dtype=np.float64):
        self._buffer = np.empty(max(1, int(capacity)), dtype=dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def capacity(self) -> int:
        return self._buffer.shape[0]

    @property
    def nbytes(self) -> int:
        """Bytes allocated (the capacity, not just the filled part)."""
        return self._buffer.nbytes

    def _reserve(self, needed: int) -> None:
        if needed <= self._buffer.shape[0]:
            return
        capacity = self._buffer.shape[0]
        while capacity < needed:
            capacity *= 2
        # A fresh buffer: views handed out earlier keep pointing at the old one, which
        # still holds exactly the values they showed.
        grown = np.empty(capacity, dtype=self._buffer.dtype)
        grown[: self._size] = self._buffer[: self._size]
        self._buffer = grown

    def append(self, value: float) -> None:
        """Add one value at the end."""
        self._reserve(self._size + 1)
        self._buffer[self._size] = value
        self._size += 1

    def extend(self, values: np.ndarray) -> None:
        """Add every value of the 1-D array ``values`` at the end."""
        values = np.asarray(values).ravel()
        end = self._size + values.shape[0]
        self._reserve(end)
        self._buffer[self._size : end] = values
        self._size = end

    def truncate(self, size: int) -> None:
        """Keep only the first ``size`` values (later appends overwrite the rest in place)."""
        self._size = min(self._size, max(0, int(size)))

    def view(self) -> np.ndarray:
        """The filled part, shape ``(len(self),)``; a read-only view, no copy."""
        view = self._buffer[: self._size]
        view.flags.writeable = False
        return view

    def last(self, default: float | None = None) -> float | None:
        """The last value, or ``default`` when empty."""
        return self._buffer[self._size - 1].item() if self._size else default

    def clear(self) -> None:
        """Forget every value (the capacity is kept).

        Later appends overwrite the buffer in place, so a caller that handed
        :meth:`view` results to a plot must give the plot new data first.
        """
        self._size = 0


class ChunkedArray:
    """A 1-D array stored in chunks of :data:`CHUNK` values.

    Growing never copies what is stored and wastes at most one chunk, which
    matters at ten million values (a doubling array briefly holds three times
    its data while it grows, and half of it may stay unused).
    """

    def __init__(self, dtype=np.float64, chunk: int = CHUNK):
        self._dtype = np.dtype(dtype)
        self._chunk = int(chunk)
        self._chunks: list[np.ndarray] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        """Bytes allocated."""
        return len(self._chunks) * self._chunk * self._dtype.itemsize

    def extend(self, values: np.ndarray) -> None:
        """Add every value of the 1-D array ``values`` at the end."""
        values = np.asarray(values, dtype=self._dtype).ravel()
        done = 0
        while done < values.shape[0]:
            offset = self._size % self._chunk
            if offset == 0:
                self._chunks.append(np.empty(self._chunk, dtype=self._dtype))
            take = min(self._chunk - offset, values.shape[0] - done)
            self._chunks[-1][offset : offset + take] = values[done : done + take]
            done += take
            self._size += take

    def get(self, start: int, stop: int) -> np.ndarray:
        """``values[start:stop]`` (indexes clipped to the filled part), read-only."""
        start, stop = max(0, int(start)), min(self._size, int(stop))
        if stop <= start:
            return np.empty(0, dtype=self._dtype)
        first, last = start // self._chunk, (stop - 1) // self._chunk
        if first == last:  # within one chunk: a view, no copy
            base = first * self._chunk
            part = self._chunks[first][start - base : stop - base]
        else:
            pieces = [self._chunks[first][start - first * self._chunk :]]
            pieces += self._chunks[first + 1 : last]
            pieces.append(self._chunks[last][: stop - last * self._chunk])
            part = np.concatenate(pieces)
        part.flags.writeable = False
        return part

    def array(self) -> np.ndarray:
        """A copy of every value, shape ``(len(self),)``."""
        return self.get(0, self._size).copy()

    def last(self, default: float | None = None) -> float | None:
        """The last value, or ``default`` when empty."""
        if not self._size:
            return default
        return self._chunks[-1][(self._size - 1) % self._chunk].item()

    def clear(self) -> None:
        """Forget every value and free the memory."""
        self._chunks = []
        self._size = 0


class StepRuns:
    """Strictly increasing integer steps, stored as arithmetic runs.

    Consecutive steps (1, 2, 3, …) or evaluations every k steps are one run of
    three numbers, however long; a gap or a change of stride starts a new run.
    """

    def __init__(self):
        self._index = GrowableArray(16, np.int64)  # position of each run's first step
        self._start = GrowableArray(16, np.int64)  # each run's first step
        self._stride = GrowableArray(16, np.int64)  # each run's step spacing (0: one step yet)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        return self._index.nbytes + self._start.nbytes + self._stride.nbytes

    @property
    def runs(self) -> int:
        return len(self._index)

    def last(self, default: int | None = None) -> int | None:
        """The last step, or ``default`` when empty."""
        if not self._size:
            return default
        index, start, stride = self._index.last(), self._start.last(), self._stride.last()
        return int(start + stride * (self._size - 1 - index))

    def extend(self, steps: np.ndarray) -> None:
        """Append ``steps`` (1-D integers, increasing, after the last step).

        Raises
        ------
        ValueError
            If a step is not larger than the one before it.
        """
        steps = np.asarray(steps, dtype=np.int64).ravel()
        if not steps.shape[0]:
            return
        previous = self.last()
        if (previous is not None and steps[0] <= previous) or np.any(np.diff(steps) <= 0):
            raise ValueError(
                f"steps must increase: got {steps[:3].tolist()}… after step {previous}"
            )
        done = 0
        if previous is not None:
            done = self._continue_last_run(steps)
        if done == steps.shape[0]:
            return
        rest = steps[done:]
        # A run starts at point i with stride rest[i+1] - rest[i] and lasts while the gaps
        # stay equal; the next run starts after its last point.
        gaps = np.diff(rest)
        changes = np.flatnonzero(gaps[1:] != gaps[:-1]) + 1  # gaps[c] differs from gaps[c-1]
        i = 0
        while i < rest.shape[0]:
            if i == rest.shape[0] - 1:
                self._add_run(self._size, int(rest[i]), 0, 1)
                break
            later = changes[np.searchsorted(changes, i, side="right") :]
            end = int(later[0]) if later.shape[0] else gaps.shape[0]  # the run's last gap + 1
            self._add_run(self._size, int(rest[i]), int(gaps[i]), end - i + 1)
            i = end + 1

    def _add_run(self, index: int, start: int, stride: int, length: int) -> None:
        self._index.append(index)
        self._start.append(start)
        self._stride.append(stride)
        self._size += length

    def _continue_last_run(self, steps: np.ndarray) -> int:
        """Append the leading ``steps`` that continue the last run; how many did."""
        start, stride = self._start.last(), self._stride.last()
        if stride == 0:  # a run of one step takes the stride of the step that follows it
            stride = int(steps[0]) - start
            self._stride.truncate(len(self._stride) - 1)
            self._stride.append(stride)
        expected = self.last() + stride * np.arange(1, steps.shape[0] + 1)
        match = steps == expected
        count = steps.shape[0] if match.all() else int(np.argmin(match))
        self._size += count
        return count

    def at(self, indexes: np.ndarray) -> np.ndarray:
        """The steps at positions ``indexes`` (each in ``[0, len(self))``), as int64."""
        indexes = np.asarray(indexes, dtype=np.int64)
        run_index = self._index.view()
        runs = np.searchsorted(run_index, indexes, side="right") - 1
        return self._start.view()[runs] + self._stride.view()[runs] * (indexes - run_index[runs])

    def array(self) -> np.ndarray:
        """Every step, shape ``(len(self),)``, int64."""
        return self.at(np.arange(self._size))

    def searchsorted(self, x: float, side: str = "left") -> int:
        """Where ``x`` would go among the steps, as :func:`numpy.searchsorted` would say."""
        if not self._size:
            return 0
        starts = self._start.view()
        run = int(np.searchsorted(starts, x, side="right")) - 1
        if run < 0:
            return 0
        index, start, stride = int(self._index.view()[run]), starts[run], self._stride.view()[run]
        length = (int(self._index.view()[run + 1]) if run + 1 < self.runs else self._size) - index
        if stride == 0:
            inside = 1 if (x > start or (side == "right" and x == start)) else 0
        else:
            ratio = (x - start) / stride
            inside = int(np.ceil(ratio)) if side == "left" else int(np.floor(ratio)) + 1
        return index + min(max(inside, 0), length)

    def clear(self) -> None:
        for array in (self._index, self._start, self._stride):
            array.clear()
        self._size = 0


class MinMaxPyramid:
    """Minima and maxima of a growing series over blocks of ``fanout**k`` values, k = 1, 2, ….

    Level ``k`` holds one (min, max) pair per block of ``fanout**k`` consecutive
    values, the last block possibly partial, so every level covers every value.
    Appending m values costs O(m). NaN values are ignored (a block of NaN only is NaN).
    """

    def __init__(self, fanout: int = FANOUT):
        self.fanout = int(fanout)
        self._levels: list[tuple[GrowableArray, GrowableArray]] = []
        self._tail = np.empty(0)  # values since the last multiple of fanout
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        return sum(lo.nbytes + hi.nbytes for lo, hi in self._levels)

    @property
    def depth(self) -> int:
        """Levels above the values themselves."""
        return len(self._levels)

    def level(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Minima and maxima of level ``k`` (1 … depth): views, shape ``(ceil(n / fanout**k),)``."""
        lo, hi = self._levels[k - 1]
        return lo.view(), hi.view()

    def extend(self, values: np.ndarray) -> None:
        """Append the 1-D array ``values``."""
        values = np.asarray(values, dtype=np.float64).ravel()
        if not values.shape[0]:
            return
        f = self.fanout
        block = self._size // f  # the level-1 block the tail belongs to
        series = np.concatenate((self._tail, values)) if self._tail.shape[0] else values
        self._size += values.shape[0]
        keep = self._size % f
        self._tail = series[series.shape[0] - keep :].copy() if keep else np.empty(0)
        lows = highs = series
        k = 0
        while True:
            offsets = np.arange(0, lows.shape[0], f)
            lows, highs = np.fmin.reduceat(lows, offsets), np.fmax.reduceat(highs, offsets)
            if k == len(self._levels):
                self._levels.append((GrowableArray(256), GrowableArray(256)))
            lo, hi = self._levels[k]
            lo.truncate(block)  # the last, partial block is recomputed
            hi.truncate(block)
            lo.extend(lows)
            hi.extend(highs)
            if len(lo) <= f and k + 1 == len(self._levels):
                return  # the top level: at most fanout blocks
            # The level above is recomputed from the block holding the first changed one.
            block //= f
            lows, highs = lo.view()[block * f :], hi.view()[block * f :]
            k += 1

    def envelope(
        self, start: int, stop: int, columns: int, source: Source
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact minima and maxima of ``values[start:stop]`` in at most ``columns`` buckets.

        Buckets are aligned to the blocks of the level used, so the first may begin
        a little before ``start`` and the last end a little after ``stop`` (never
        past the data). ``source(a, b)`` gives ``values[a:b]`` for the finest
        zooms, where no level is fine enough.

        Returns
        -------
        first : ndarray of int64, shape (b,)
            Index of each bucket's first value (bucket ``j`` ends where ``j + 1`` begins,
            the last one at ``min(stop rounded up to its level's block, len(self))``).
        lows, highs : ndarray, shape (b,)
            Minimum and maximum of each bucket.
        """
        start, stop, columns = max(0, int(start)), min(self._size, int(stop)), max(1, columns)
        if stop <= start:
            empty = np.empty(0)
            return np.empty(0, np.int64), empty, empty
        f, k, size = self.fanout, 0, 1
        while k < self.depth and size * f <= (stop - start) / columns:
            k, size = k + 1, size * f
        first, last = start // size, -(-stop // size)  # entries of level k that cover the range
        if k == 0:
            lows = highs = source(first, last)
        else:
            lows, highs = self.level(k)
            lows, highs = lows[first:last], highs[first:last]
        group = -(-(last - first) // columns)  # entries per bucket: at most `columns` buckets
        offsets = np.arange(0, last - first, group)
        return (
            (first + offsets) * size,
            np.fmin.reduceat(lows, offsets),
            np.fmax.reduceat(highs, offsets),
        )

    def clear(self) -> None:
        self._levels = []
        self._tail = np.empty(0)
        self._size = 0


def envelope_points(
    steps: StepRuns,
    pyramid: MinMaxPyramid,
    source: Source,
    x_range: tuple[float, float] | None,
    columns: int,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """The points to draw for the steps in ``x_range`` (all of them if None) on ``columns`` pixels.

    With at most two values per column the values themselves are drawn. Otherwise
    each column gets its bucket's minimum and maximum at the bucket's first step
    (a vertical stroke, as pyqtgraph's peak downsampling draws), and the last
    value of the range closes the curve at its true last step. One value beyond
    each end of the range is included so the line runs to the view's edges.

    Returns
    -------
    x : ndarray of float64, shape (p,)
    y : ndarray of float64, shape (p,)
    reduced : bool
        True when ``x, y`` are minima and maxima rather than the values themselves.
    """
    n = len(steps)
    if x_range is None:
        start, stop = 0, n
    else:
        start = max(steps.searchsorted(x_range[0], "left") - 1, 0)
        stop = min(steps.searchsorted(x_range[1], "right") + 1, n)
    if stop <= start:
        return np.empty(0), np.empty(0), False
    if stop - start <= 2 * columns:
        return steps.at(np.arange(start, stop)).astype(np.float64), source(start, stop), False
    first, lows, highs = pyramid.envelope(start, stop, columns, source)
    x = np.empty(2 * first.shape[0] + 1)
    y = np.empty_like(x)
    x[:-1] = np.repeat(steps.at(first), 2)
    y[0:-1:2], y[1:-1:2] = lows, highs
    x[-1], y[-1] = steps.at(np.array([stop - 1]))[0], source(stop - 1, stop)[0]
    return x, y, True


@functools.lru_cache(maxsize=8)
def _ema_kernel(beta: float, block: int) -> tuple[np.ndarray, np.ndarray]:
    """``kernel[k, j] = (1 - beta) beta^(k - j)`` for ``j <= k`` (else 0), and ``beta^(k+1)``."""
    lags = np.subtract.outer(np.arange(block), np.arange(block))
    kernel = np.where(lags >= 0, (1.0 - beta) * beta ** np.maximum(lags, 0), 0.0)
    powers = beta ** np.arange(1, block + 1)
    kernel.flags.writeable = powers.flags.writeable = False  # shared by every caller
    return kernel, powers


def ema_extend(
    values: np.ndarray,
    state: float,
    count: int,
    beta: float,
    block: int = EMA_BLOCK,
    checkpoints: GrowableArray | None = None,
) -> tuple[np.ndarray, float, int]:
    """Bias-corrected exponential moving average of ``values``, continuing a running one.

    ``state`` is the uncorrected average after ``count`` earlier values (0.0 and
    0 at the start). The smoothed value after ``t`` values is
    ``s_t / (1 - beta**t)`` with ``s_t = beta * s_{t-1} + (1 - beta) * x_t``
    (the correction removes the pull towards the zero start, as in Adam).
    Computed in blocks with a small lower-triangular matrix instead of a Python
    loop, so a snapshot with thousands of steps costs microseconds. Blocks end at
    multiples of ``block`` values since the start, where ``checkpoints`` (if
    given) receives ``s_t``.

    Parameters
    ----------
    values : ndarray, shape (m,)
    state : float
    count : int
    beta : float
        Weight of the past, in [0, 1).

    Returns
    -------
    smoothed : ndarray, shape (m,)
    state : float
        The uncorrected average after the last value.
    count : int
        ``count + m``.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    out = np.empty_like(values)
    kernel, powers = _ema_kernel(float(beta), int(block))
    start = 0
    while start < values.shape[0]:
        n = min(block - count % block, values.shape[0] - start)
        raw = kernel[:n, :n] @ values[start : start + n] + powers[:n] * state
        steps = count + np.arange(1, n + 1)
        out[start : start + n] = raw / (1.0 - beta**steps)
        state, count, start = float(raw[-1]), count + n, start + n
        if checkpoints is not None and count % block == 0:
            checkpoints.append(state)
    return out, state, count


class MovingAverage:
    """The moving average of a growing series, recomputable over any range of it.

    Only a checkpoint of the running state per :data:`EMA_BLOCK` values is kept
    (8 bytes per 256 values); :meth:`values` recomputes any range from the series.

    Parameters
    ----------
    beta : float
        Weight of the past, in [0, 1).
    """

    def __init__(self, beta: float):
        self.beta = float(beta)
        self._state, self._count = 0.0, 0
        self._checkpoints = GrowableArray(64)
        self._checkpoints.append(0.0)  # the state before any value
        self.last: float | None = None

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        return self._checkpoints.nbytes

    def extend(self, values: np.ndarray) -> np.ndarray:
        """Continue over ``values``; their smoothed values, shape ``(m,)``."""
        smoothed, self._state, self._count = ema_extend(
            values, self._state, self._count, self.beta, EMA_BLOCK, self._checkpoints
        )
        if smoothed.shape[0]:
            self.last = float(smoothed[-1])
        return smoothed

    def values(self, source: Source, start: int, stop: int) -> np.ndarray:
        """Smoothed values ``start … stop - 1`` recomputed from ``source(a, b) = values[a:b]``."""
        start, stop = max(0, int(start)), min(self._count, int(stop))
        if stop <= start:
            return np.empty(0)
        checkpoint = start // EMA_BLOCK
        begin = checkpoint * EMA_BLOCK
        state = float(self._checkpoints.view()[checkpoint])
        smoothed, _, _ = ema_extend(source(begin, stop), state, begin, self.beta)
        return smoothed[start - begin :]
