"""The weight history: shared arrays, thinning within the budget, lookups, distributions."""

import numpy as np
import pytest

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.history import HistoryEntry, WeightHistory, distribution_image
from nnstudio.core.trainer import Trainer


def _frozen(a):
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def _state(step, shapes=((3, 4), (4, 2)), value=None):
    """Weights, biases and gradient norms of a small network at ``step``."""
    rng = np.random.default_rng(step)
    weights = tuple(
        _frozen(rng.normal(size=s) if value is None else np.full(s, value)) for s in shapes
    )
    biases = tuple(_frozen(np.zeros(s[1])) for s in shapes)
    return weights, biases, _frozen(np.ones(len(shapes)))


def _record(history, step, edit=None, **kwargs):
    weights, biases, norms = _state(step, **kwargs)
    return history.record_state(step, weights, biases, norms, edit=edit)


def _entry_bytes():
    weights, biases, norms = _state(0)
    return HistoryEntry(0, weights, biases, norms).nbytes


def test_entries_share_the_snapshots_read_only_arrays(iris_table):
    trainer = Trainer(MODERN.replace(epochs=2), prepare_table(iris_table, MODERN))
    history = WeightHistory()
    snapshots = list(trainer.run(every_steps=3))
    for snapshot in snapshots:
        history.record(snapshot)
    entry = history.last
    assert entry.step == snapshots[-1].step == trainer.step
    for a, b in zip(entry.weights, snapshots[-1].weights, strict=True):
        assert a is b
    for a, b in zip(entry.biases, snapshots[-1].biases, strict=True):
        assert a is b
    assert entry.gradient_norms is snapshots[-1].gradient_norms
    assert entry.masks is None and entry.edit is None
    assert (
        entry.nbytes
        == sum(w.nbytes for w in entry.weights)
        + sum(b.nbytes for b in entry.biases)
        + entry.gradient_norms.nbytes
    )


def test_record_state_copies_writable_arrays():
    history = WeightHistory()
    live = np.zeros((2, 2))
    history.record_state(0, [live], None, np.zeros(1))
    live[0, 0] = 5.0
    assert history.last.weights[0][0, 0] == 0.0
    assert not history.last.weights[0].flags.writeable


def test_a_long_run_stays_within_the_budget_and_spans_step_0_to_now():
    size = _entry_bytes()
    history = WeightHistory(budget_bytes=60 * size)
    most = 0
    for step in range(0, 1_000_001, 100):  # 10^6 steps recorded every 100 steps
        _record(history, step)
        assert history.nbytes <= history.budget_bytes
        most = max(most, len(history))
    assert most <= 60
    assert 30 <= len(history) <= 60
    steps = history.steps()
    assert steps[0] == 0 and steps[-1] == 1_000_000
    assert history.first.step == 0 and history.last.step == 1_000_000
    assert np.all(np.diff(steps) > 0)
    # Newest densest: the gaps between recorded steps never shrink going back in time.
    gaps = np.diff(steps)
    assert gaps[-1] == 100
    assert np.all(np.diff(gaps) <= 0)
    assert history.nbytes == sum(history.entry(i).nbytes for i in range(len(history)))


def test_step_0_and_the_last_entry_are_never_dropped():
    history = WeightHistory(budget_bytes=3 * _entry_bytes())
    for step in range(0, 500, 10):
        _record(history, step)
        assert history.first.step == 0
        assert history.last.step == step
        assert len(history) <= 3


def test_a_real_run_with_a_tiny_budget(iris_table):
    config = MODERN.replace(epochs=60)
    trainer = Trainer(config, prepare_table(iris_table, config))
    history = WeightHistory(budget_bytes=20_000)
    history.record(trainer.state_snapshot())
    for snapshot in trainer.run(every_steps=1):
        history.record(snapshot)
        assert history.nbytes <= 20_000
    assert trainer.step == 420
    assert history.first.step == 0 and history.last.step == 420
    assert 5 <= len(history) <= 20_000 // history.last.nbytes


def test_edits_survive_thinning():
    history = WeightHistory(budget_bytes=20 * _entry_bytes())
    edited = {1_300, 2_700, 50_000}
    for step in range(0, 100_001, 100):
        _record(history, step, edit=f"edit at {step}" if step in edited else None)
    kept = {history.entry(i).step: history.entry(i).edit for i in range(len(history))}
    for step in edited:
        assert kept[step] == f"edit at {step}"
    assert history.nbytes <= history.budget_bytes


def test_at_step_returns_the_nearest_entry():
    history = WeightHistory()
    for step in (0, 10, 20, 50):
        _record(history, step)
    assert [history.at_step(s).step for s in (-5, 0, 4, 5, 6, 14, 36, 35, 34, 50, 99)] == [
        0, 0, 0, 0, 10, 10, 50, 20, 20, 50, 50
    ]  # fmt: skip
    np.testing.assert_array_equal(history.steps(), [0, 10, 20, 50])
    assert history.steps().dtype == np.int64
    assert history.entry(-1) is history.last and history.entry(0) is history.first


def test_an_empty_history():
    history = WeightHistory()
    assert len(history) == 0 and history.nbytes == 0
    assert history.first is None and history.last is None
    assert history.steps().shape == (0,)
    with pytest.raises(LookupError, match="empty"):
        history.at_step(3)
    with pytest.raises(ValueError, match="budget"):
        WeightHistory(budget_bytes=0)


def test_the_same_step_replaces_the_last_entry_and_keeps_its_edits():
    history = WeightHistory()
    _record(history, 0)
    _record(history, 100)
    _record(history, 100, edit="Set a weight", value=1.0)
    _record(history, 100, edit="Switched h1 #2 off", value=2.0)
    assert len(history) == 2
    assert history.last.edit == "Set a weight; Switched h1 #2 off"
    assert history.last.weights[0][0, 0] == 2.0


def test_an_earlier_step_rewinds_and_clear_empties():
    history = WeightHistory()
    for step in (0, 10, 20, 30):
        _record(history, step)
    _record(history, 15)
    np.testing.assert_array_equal(history.steps(), [0, 10, 15])
    assert history.nbytes == 3 * _entry_bytes()
    history.clear()
    assert len(history) == 0 and history.nbytes == 0


def test_snapshot_edits_and_masks_are_recorded(iris_table):
    trainer = Trainer(MODERN, prepare_table(iris_table, MODERN))
    history = WeightHistory()
    history.record(trainer.state_snapshot())
    trainer.set_unit_enabled(1, 2, False)
    trainer.edit_weight(0, 0, 0, 0.5)
    history.record(trainer.state_snapshot())
    assert len(history) == 1
    entry = history.last
    assert entry.edit.count("; ") == 1 and "h1 #3 off" in entry.edit
    assert entry.masks[0][2] == 0 and entry.masks[1] is None
    assert entry.nbytes == HistoryEntry(
        0, entry.weights, entry.biases, entry.gradient_norms
    ).nbytes + (entry.masks[0].nbytes)


def test_distribution_image():
    history = WeightHistory()
    for step in range(0, 50, 10):
        _record(history, step)
    for layer, count in ((0, 12), (1, 8)):
        image, steps, edges = distribution_image(history, layer, bins=16)
        assert image.shape == (5, 16)
        np.testing.assert_array_equal(image.sum(axis=1), count)
        np.testing.assert_array_equal(steps, [0, 10, 20, 30, 40])
        assert edges.shape == (17,)
        values = np.concatenate([history.entry(i).weights[layer].ravel() for i in range(5)])
        assert edges[0] == values.min() and edges[-1] == values.max()
        expected = np.histogram(history.entry(2).weights[layer], bins=edges)[0]
        np.testing.assert_array_equal(image[2], expected)


def test_distribution_image_of_equal_weights_and_of_an_empty_history():
    history = WeightHistory()
    _record(history, 0, value=0.5)
    _record(history, 1, value=0.5)
    image, _, edges = distribution_image(history, 0, bins=8)
    np.testing.assert_array_equal(image.sum(axis=1), [12, 12])
    assert edges[0] < 0.5 < edges[-1]
    image, steps, edges = distribution_image(WeightHistory(), 0, bins=8)
    assert image.shape == (0, 8) and steps.shape == (0,) and edges.shape == (9,)


def test_a_smaller_budget_thins_at_once():
    from nnstudio.core.history import WeightHistory

    history = WeightHistory(budget_bytes=10**9)
    for step in range(0, 1000, 10):
        w = np.full((4, 4), float(step))
        history.record_state(step, (w,), None, np.zeros(1))
    size = history.last.nbytes
    history.set_budget(10 * size)
    assert history.nbytes <= 10 * size
    assert history.first.step == 0 and history.last.step == 990


def _expected_image(history, layer, edges, rows=None):
    rows = range(len(history)) if rows is None else rows
    return np.array(
        [np.histogram(history.entry(i).weights[layer], bins=edges)[0] for i in rows], float
    )


def test_distribution_image_edges_widen_when_a_weight_falls_outside_and_rows_stay_exact():
    history = WeightHistory()
    for step in range(3):
        _record(history, step)
    _, _, before = distribution_image(history, 0, bins=16)
    weights, biases, norms = _state(3)
    weights = [w.copy() for w in weights]
    weights[0][0, 0] = before[-1] + 1.0  # beyond the current range
    history.record_state(3, weights, biases, norms)
    image, steps, edges = distribution_image(history, 0, bins=16)
    values = np.concatenate([history.entry(i).weights[0].ravel() for i in range(4)])
    assert edges[0] <= values.min() and edges[-1] > values.max()  # widened, with a margin
    np.testing.assert_array_equal(steps, [0, 1, 2, 3])
    np.testing.assert_array_equal(image, _expected_image(history, 0, edges))
    # New weights inside the range keep the edges (and the cached rows) as they are.
    _record(history, 4)
    image, _, again = distribution_image(history, 0, bins=16)
    np.testing.assert_array_equal(again, edges)
    np.testing.assert_array_equal(image, _expected_image(history, 0, edges))


def test_distribution_image_of_a_long_history_spreads_its_rows():
    history = WeightHistory()
    for step in range(100):
        _record(history, step)
    image, steps, edges = distribution_image(history, 1, bins=8, max_rows=10)
    assert image.shape == (10, 8)
    assert steps[0] == 0 and steps[-1] == 99 and np.all(np.diff(steps) > 0)
    np.testing.assert_array_equal(image, _expected_image(history, 1, edges, rows=steps))


def test_a_full_history_stays_just_under_its_budget():
    # Thinning drops one entry at a time, so the memory the history's entries held is
    # reused by the next ones instead of a quarter of the budget lying free between passes.
    size = _entry_bytes()
    history = WeightHistory(budget_bytes=40 * size)
    for step in range(0, 100_001, 100):
        _record(history, step)
        if step >= 4_000:  # full since then
            assert history.budget_bytes - size < history.nbytes <= history.budget_bytes
            assert len(history) == 40


def test_thinning_keeps_every_edit_even_when_they_fill_the_older_half():
    size = _entry_bytes()
    history = WeightHistory(budget_bytes=8 * size)
    for step in range(0, 1_000, 10):
        _record(history, step, edit=f"edit at {step}" if step < 100 else None)
    kept = [history.entry(i).step for i in range(len(history))]
    assert all(step in kept for step in range(0, 100, 10))
    assert kept[-1] == 990


def _cached_row_bytes(history):
    return sum(r.nbytes for _, _, rows in history._rows.values() for r in rows.values())


def test_cached_histogram_rows_leave_with_their_entries_and_count_in_nbytes():
    # The studio draws the distribution image over the whole history twice a second;
    # rows cached for entries the thinning dropped must not keep those entries alive.
    import gc
    import weakref

    size = _entry_bytes()
    history = WeightHistory(budget_bytes=50 * size)
    recorded = []
    for step in range(0, 50_001, 50):
        recorded.append(weakref.ref(_record(history, step)))
        if step % 200 == 0:
            distribution_image(history, 0, bins=8, max_rows=16)
            distribution_image(history, 1, bins=8, max_rows=16)
        assert history.nbytes <= history.budget_bytes
    gc.collect()
    assert sum(ref() is not None for ref in recorded) == len(history)
    entry_bytes = sum(history.entry(i).nbytes for i in range(len(history)))
    assert _cached_row_bytes(history) > 0
    assert history.nbytes == entry_bytes + _cached_row_bytes(history)
    kept = {history.entry(i) for i in range(len(history))}
    assert all(set(rows) <= kept for _, _, rows in history._rows.values())
    del kept
    # A rewind and a clear forget the rows too.
    _record(history, 25_000)
    entry_bytes = sum(history.entry(i).nbytes for i in range(len(history)))
    assert history.nbytes == entry_bytes + _cached_row_bytes(history)
    history.clear()
    gc.collect()
    assert history.nbytes == 0 and all(ref() is None for ref in recorded)


def test_the_rows_of_a_full_history_stay_cached():
    # Thinning leaves room for one row per entry and layer in use, so a full history's
    # image is drawn from the cache rather than recounted every time.
    size = _entry_bytes()
    history = WeightHistory(budget_bytes=30 * size)
    for step in range(0, 10_001, 100):
        _record(history, step)
        distribution_image(history, 0, bins=8)
    ((_, _, rows),) = history._rows.values()
    assert len(rows) == len(history)
    assert history.nbytes <= history.budget_bytes
