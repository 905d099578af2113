"""Storage and level of detail for per-step series: exact values, exact minima and maxima."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.long_series import (
    EMA_BLOCK,
    ChunkedArray,
    GrowableArray,
    MinMaxPyramid,
    MovingAverage,
    StepRuns,
    ema_extend,
    envelope_points,
)


def pieces(values: np.ndarray, rng: np.random.Generator, largest: int):
    """``values`` cut into consecutive pieces of 1 … ``largest`` elements."""
    start = 0
    while start < values.shape[0]:
        size = int(rng.integers(1, largest + 1))
        yield values[start : start + size]
        start += size


def test_growable_array_truncates_and_overwrites():
    array = GrowableArray(2)
    array.extend(np.arange(5.0))
    array.truncate(3)
    array.append(9.0)
    np.testing.assert_array_equal(array.view(), [0, 1, 2, 9])
    assert array.nbytes == array.capacity * 8


def test_chunked_array_keeps_every_value_across_chunks():
    rng = np.random.default_rng(0)
    values = rng.random(1000)
    array = ChunkedArray(chunk=64)
    for piece in pieces(values, rng, 150):
        array.extend(piece)
    assert len(array) == 1000 and array.last() == values[-1]
    np.testing.assert_array_equal(array.array(), values)
    for start, stop in rng.integers(-5, 1010, size=(200, 2)):
        expected = values[max(start, 0) : max(stop, 0)]  # indexes are clipped, not wrapped
        np.testing.assert_array_equal(array.get(start, stop), expected)
    assert not array.get(0, 10).flags.writeable
    assert array.nbytes == 16 * 64 * 8  # 1000 values in 16 chunks: no doubling slack
    array.clear()
    assert len(array) == 0 and array.nbytes == 0 and array.last() is None


def test_consecutive_steps_are_one_run_however_they_arrive():
    runs = StepRuns()
    for start in range(0, 10_000, 3_000):
        runs.extend(np.arange(start + 1, min(start + 3_001, 10_001)))
    assert len(runs) == 10_000 and runs.runs == 1 and runs.last() == 10_000
    np.testing.assert_array_equal(runs.array(), np.arange(1, 10_001))


def test_evaluation_steps_keep_their_stride_and_an_odd_last_step():
    runs = StepRuns()
    runs.extend([0])  # the evaluation before training
    runs.extend([7, 14])
    runs.extend(np.arange(21, 700, 7))
    runs.extend([700, 703])  # the last evaluation comes at the run's last step
    expected = np.concatenate([np.arange(0, 701, 7), [703]])
    np.testing.assert_array_equal(runs.array(), expected)
    assert runs.runs == 2


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.sampled_from([1, 1, 1, 2, 3, 7, 50]), min_size=1, max_size=300),
    first=st.integers(0, 1000),
    seed=st.integers(0, 1000),
)
def test_step_runs_store_any_increasing_steps_exactly(gaps, first, seed):
    steps = first + np.cumsum(gaps)
    rng = np.random.default_rng(seed)
    runs = StepRuns()
    for piece in pieces(steps, rng, 40):
        runs.extend(piece)
    np.testing.assert_array_equal(runs.array(), steps)
    indexes = rng.integers(0, steps.shape[0], 20)
    np.testing.assert_array_equal(runs.at(indexes), steps[indexes])
    for x in np.concatenate([rng.uniform(first - 5, steps[-1] + 5, 30), steps[:5], [steps[-1]]]):
        for side in ("left", "right"):
            assert runs.searchsorted(x, side) == np.searchsorted(steps, x, side), (x, side)


def test_steps_that_do_not_increase_are_refused():
    runs = StepRuns()
    runs.extend([1, 2, 3])
    with pytest.raises(ValueError, match="steps must increase"):
        runs.extend([3, 4])
    with pytest.raises(ValueError, match="steps must increase"):
        runs.extend([5, 5])
    np.testing.assert_array_equal(runs.array(), [1, 2, 3])  # a refused piece adds nothing


def brute_levels(values: np.ndarray, fanout: int, k: int):
    size = fanout**k
    offsets = np.arange(0, values.shape[0], size)
    return np.fmin.reduceat(values, offsets), np.fmax.reduceat(values, offsets)


def test_pyramid_levels_are_the_block_minima_and_maxima_however_built():
    rng = np.random.default_rng(2)
    values = rng.standard_normal(20_000) * np.exp(rng.standard_normal(20_000))
    whole = MinMaxPyramid(fanout=4)
    whole.extend(values)
    chunked = MinMaxPyramid(fanout=4)
    for piece in pieces(values, rng, 700):
        chunked.extend(piece)
    assert whole.depth == chunked.depth and 4 ** (whole.depth - 1) < 20_000 <= 4 ** (
        whole.depth + 1
    )
    for k in range(1, whole.depth + 1):
        lows, highs = brute_levels(values, 4, k)
        for pyramid in (whole, chunked):
            np.testing.assert_array_equal(pyramid.level(k)[0], lows)
            np.testing.assert_array_equal(pyramid.level(k)[1], highs)
    assert len(whole.level(whole.depth)[0]) <= 4  # the top level is small


def test_envelope_buckets_hold_the_exact_minimum_and_maximum():
    rng = np.random.default_rng(3)
    values = rng.standard_normal(100_000)
    values[rng.integers(0, 100_000, 30)] *= 50  # spikes
    pyramid = MinMaxPyramid()
    for piece in pieces(values, rng, 5_000):
        pyramid.extend(piece)

    def source(a, b):
        return values[a:b]

    for start, stop, columns in [
        (0, 100_000, 900),  # every step
        (40_000, 50_000, 900),  # a tenth
        (99_000, 100_000, 300),  # the last percent: the values themselves are bucketed
        (12_345, 67_891, 777),
    ]:
        first, lows, highs = pyramid.envelope(start, stop, columns, source)
        assert 0 < first.shape[0] <= columns
        assert first[0] <= start and np.all(np.diff(first) > 0)
        for a, b, low, high in zip(first[:-1], first[1:], lows, highs, strict=False):
            assert low == values[a:b].min() and high == values[a:b].max()
        # The last bucket runs from its first value to the end of its block, past `stop`.
        lowest = np.minimum.accumulate(values[first[-1] :])[stop - first[-1] - 1 :]
        highest = np.maximum.accumulate(values[first[-1] :])[stop - first[-1] - 1 :]
        assert np.any((lowest == lows[-1]) & (highest == highs[-1]))
        # Buckets are at most a few pixels wide: the curve keeps its shape.
        assert np.diff(first).max() <= 2 * (stop - start) / columns + 16


def test_envelope_ignores_nan():
    pyramid = MinMaxPyramid(fanout=2)
    pyramid.extend([np.nan, 1.0, np.nan, np.nan, 3.0, 2.0, np.nan, 0.5])
    first, lows, highs = pyramid.envelope(0, 8, 2, lambda a, b: None)
    np.testing.assert_array_equal(first, [0, 4])
    np.testing.assert_array_equal(lows, [1.0, 0.5])
    np.testing.assert_array_equal(highs, [1.0, 3.0])


def test_envelope_points_draw_values_when_they_fit_and_extremes_when_not():
    steps_array = np.arange(1001, 51_001)
    rng = np.random.default_rng(4)
    values = rng.random(50_000)
    steps, pyramid = StepRuns(), MinMaxPyramid()
    steps.extend(steps_array)
    pyramid.extend(values)

    def source(a, b):
        return values[a:b]

    # A narrow view: the values themselves, one beyond each edge.
    x, y, reduced = envelope_points(steps, pyramid, source, (2000.5, 2100.5), 200)
    assert not reduced
    np.testing.assert_array_equal(x, np.arange(2000, 2102))
    np.testing.assert_array_equal(y, values[999:1101])

    # Everything: pairs of extremes, and the last value at the last step.
    x, y, reduced = envelope_points(steps, pyramid, source, None, 500)
    assert reduced and len(x) <= 2 * 500 + 1
    assert x[0] == 1001 and x[-1] == 51_000 and y[-1] == values[-1]
    assert np.all(np.diff(x) >= 0)
    assert y.max() == values.max() and y.min() == values.min()

    # A view past the data holds only the last value (the line runs towards it); an empty
    # series holds nothing.
    x, y, _ = envelope_points(steps, pyramid, source, (60_000, 70_000), 500)
    np.testing.assert_array_equal(x, [51_000])
    assert envelope_points(StepRuns(), MinMaxPyramid(), source, None, 500)[0].shape == (0,)


def test_moving_average_is_recomputed_from_checkpoints():
    rng = np.random.default_rng(5)
    values = rng.random(5_000)
    whole, _, _ = ema_extend(values, 0.0, 0, 0.99)
    average = MovingAverage(0.99)
    smoothed = np.concatenate([average.extend(p) for p in pieces(values, rng, 900)])
    np.testing.assert_allclose(smoothed, whole, rtol=1e-12)
    assert average.last == smoothed[-1] and len(average) == 5_000
    assert average.nbytes < 5_000  # a checkpoint per EMA_BLOCK values, not a value per step

    def source(a, b):
        return values[a:b]

    for start, stop in [(0, 5_000), (0, 1), (EMA_BLOCK, 2 * EMA_BLOCK), (1234, 4321), (4990, 6000)]:
        np.testing.assert_allclose(
            average.values(source, start, stop), whole[start:stop], rtol=1e-12
        )
    assert average.values(source, 10, 10).shape == (0,)
