"""A memory-bounded record of how the weights evolved, for scrubbing back in time.

:class:`WeightHistory` keeps one :class:`HistoryEntry` per recorded snapshot,
sharing the snapshot's read-only arrays (nothing is copied). When the entries'
arrays (and the histogram rows cached for them, see :func:`distribution_image`)
outgrow the byte budget, the history thins itself: it drops every second entry
of its older half, oldest first (never the first, the last, or one that records
a hand edit), until it fits again. So it always spans step 0 to now, densest
near now, however long the run.

It drops only as many entries as it must, one at a time, picking up the pass
over the older half where the last one left off: a full history then stays just
under its budget, and each new snapshot reuses the memory of the entry it
displaced. (Dropping a quarter of the entries at once would leave the memory
they held to the allocator while the history grew back: the process would
hold the budget's worth of bytes while the history reported three quarters.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_BUDGET_BYTES = 256 * 2**20
ROW_DTYPE = np.dtype(np.int32)  # distribution_image's cached counts (a layer has < 2**31 weights)


@dataclass(frozen=True, eq=False)
class HistoryEntry:
    """The network's state at one step.

    Attributes
    ----------
    step : int
    weights : tuple of ndarray
        ``weights[i]`` has shape ``(fan_in, fan_out)``; read-only.
    biases : tuple of ndarray or None
        ``biases[i]`` has shape ``(fan_out,)``.
    gradient_norms : ndarray, shape (n_layers,)
        Norm of each weight layer's gradient at the latest step before ``step``.
    masks : tuple of (ndarray or None), or None
        Hidden-unit masks (see :attr:`nnstudio.core.network.Network.masks`); None when
        every unit is on.
    edit : str or None
        The hand edits made just before this state ("; "-separated), if any.
    """

    step: int
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...] | None
    gradient_norms: np.ndarray
    masks: tuple[np.ndarray | None, ...] | None = None
    edit: str | None = None

    @property
    def nbytes(self) -> int:
        """Bytes held by the entry's arrays."""
        arrays = [*self.weights, *(self.biases or ()), self.gradient_norms]
        arrays += [m for m in self.masks or () if m is not None]
        return sum(a.nbytes for a in arrays)


class WeightHistory:
    """Entries in step order, kept within ``budget_bytes`` by thinning the older ones.

    Parameters
    ----------
    budget_bytes : int
        Most bytes (:attr:`nbytes`: the entries' arrays and the cached histogram rows)
        the history may hold. The first entry, the last one and entries with edits are
        always kept, so a budget smaller than those alone is exceeded.
    """

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES):
        if not budget_bytes > 0:
            raise ValueError(f"budget_bytes must be > 0, not {budget_bytes!r}")
        self.budget_bytes = int(budget_bytes)
        self.clear()

    def clear(self) -> None:
        """Forget every entry."""
        self._entries: list[HistoryEntry] = []
        self._nbytes = 0  # the entries' arrays
        self._steps: np.ndarray | None = None  # cache of steps(), rebuilt when needed
        self._sweep = 1  # index of the next entry the thinning pass may drop
        # For distribution_image: per weight layer, the smallest and largest finite
        # weight recorded and the bin range in use; per (layer, bins), the range the
        # cached rows were counted over and one row per entry still in the history.
        self._seen: list[tuple[float, float]] = []
        self._edges: dict[int, tuple[float, float]] = {}
        self._rows: dict[tuple[int, int], tuple[float, float, dict[HistoryEntry, np.ndarray]]]
        self._rows = {}
        self._row_bytes = 0

    # -- recording --------------------------------------------------------------------

    def record(self, snapshot) -> HistoryEntry:
        """Record a :class:`~nnstudio.core.trainer.Snapshot`, sharing its arrays."""
        edits = getattr(snapshot, "edits", ())
        return self.record_state(
            snapshot.step,
            snapshot.weights,
            snapshot.biases,
            snapshot.gradient_norms,
            masks=getattr(snapshot, "masks", None),
            edit="; ".join(edits) if edits else None,
        )

    def record_state(
        self, step, weights, biases, gradient_norms, masks=None, edit=None
    ) -> HistoryEntry:
        """Record the state at ``step``; returns the entry that now holds it.

        Read-only arrays that own their data (as in snapshots) are kept as they are;
        other arrays are copied, so later changes to the live network cannot leak in.
        A state at the same step as the last entry replaces it (keeping both entries'
        edits); a state at an earlier step drops the entries after it (a rewind).
        """
        step = int(step)
        while self._entries and self._entries[-1].step > step:
            self._drop_last()
        if self._entries and self._entries[-1].step == step:
            previous = self._drop_last()
            edit = "; ".join(e for e in (previous.edit, edit) if e) or None
        if masks is not None:
            masks = tuple(None if m is None else read_only(m) for m in masks)
        entry = HistoryEntry(
            step=step,
            weights=tuple(read_only(w) for w in weights),
            biases=None if biases is None else tuple(read_only(b) for b in biases),
            gradient_norms=read_only(np.asarray(gradient_norms, dtype=np.float64)),
            masks=masks,
            edit=edit,
        )
        self._entries.append(entry)
        self._nbytes += entry.nbytes
        self._steps = None
        self._note_range(entry.weights)
        self._thin()
        return entry

    def _note_range(self, weights) -> None:
        for i, w in enumerate(weights):
            finite = w if np.isfinite(w).all() else w[np.isfinite(w)]
            if finite.size == 0:
                continue
            low, high = float(finite.min()), float(finite.max())
            if i < len(self._seen):
                low, high = min(low, self._seen[i][0]), max(high, self._seen[i][1])
                self._seen[i] = (low, high)
            else:
                self._seen.append((low, high))

    def _edge_range(self, layer: int) -> tuple[float, float]:
        """The bins' range for ``layer``: kept while it covers every weight seen."""
        low, high = self._seen[layer] if layer < len(self._seen) else (-1.0, 1.0)
        if high <= low:  # every weight equal: a unit-wide range around the value
            low, high = low - 0.5, high + 0.5
        current = self._edges.get(layer)
        if current is not None and current[0] <= low and high <= current[1]:
            return current
        if current is not None:  # widen the side that overflowed by a quarter, so it stays
            margin = 0.25 * (max(high, current[1]) - min(low, current[0]))
            low = min(current[0], low - margin) if low < current[0] else current[0]
            high = max(current[1], high + margin) if high > current[1] else current[1]
        self._edges[layer] = (low, high)
        return low, high

    def _row_cache(self, layer: int, bins: int, low: float, high: float) -> dict:
        """The rows of ``layer`` in ``bins`` bins over ``[low, high]``, by entry."""
        cached = self._rows.get((layer, bins))
        if cached is not None and cached[:2] == (low, high):
            return cached[2]
        if cached is not None:  # new edges: rows of the old ones are of no use any more
            self._row_bytes -= sum(row.nbytes for row in cached[2].values())
        rows: dict[HistoryEntry, np.ndarray] = {}
        self._rows[(layer, bins)] = (low, high, rows)
        return rows

    def _cache_row(self, rows: dict, entry: HistoryEntry, row: np.ndarray) -> None:
        """Keep ``row`` for ``entry`` if it fits in the budget (else it is recounted next time).

        Thinning leaves room for the rows of the bins in use (see :meth:`_thin`), so rows
        only miss out between the first image of a new layer or bin count and the next
        record.
        """
        if self.nbytes + row.nbytes <= self.budget_bytes:
            rows[entry] = row
            self._row_bytes += row.nbytes

    def _drop(self, i: int) -> HistoryEntry:
        """Remove the ``i``-th entry and the rows cached for it (nothing else holds them)."""
        entry = self._entries.pop(i)
        self._nbytes -= entry.nbytes
        for _, _, rows in self._rows.values():
            row = rows.pop(entry, None)
            if row is not None:
                self._row_bytes -= row.nbytes
        self._steps = None
        return entry

    def _drop_last(self) -> HistoryEntry:
        return self._drop(len(self._entries) - 1)

    def set_budget(self, budget_bytes: int) -> None:
        """Change the budget; a smaller one thins the history at once."""
        if not budget_bytes > 0:
            raise ValueError(f"budget_bytes must be > 0, not {budget_bytes!r}")
        self.budget_bytes = int(budget_bytes)
        self._thin()

    def _thin(self) -> None:
        """Drop every second entry of the older half, one at a time, until the history fits.

        A pass drops entries 1, 3, 5... of the older half ``[0, half)`` (indices before
        any drop), so the gaps between recorded steps double from the oldest end; it is
        spread over as many calls as needed, ``_sweep`` being where it got to, and starts
        again from entry 1 when it reaches the middle.
        """
        # Room for one cached row per (layer, bins) in use for every entry, so the rows
        # distribution_image adds until the next record fit in the budget too.
        room = sum(bins * ROW_DTYPE.itemsize for _, bins in self._rows)
        skipped = 0  # candidates in a row that could not go (edits)
        while self._nbytes + room * len(self._entries) > self.budget_bytes:
            entries = self._entries
            half = (len(entries) + 1) // 2  # older half: [0, half)
            if self._sweep >= half:
                self._sweep = 1
                if half <= 1:
                    return  # the first and the last entry only: nothing more can go
            i = self._sweep
            if entries[i].edit is None and i != len(entries) - 1:
                self._drop(i)
                self._sweep, skipped = i + 1, 0  # the next one is the old i + 2
            else:
                self._sweep, skipped = i + 2, skipped + 1
                if skipped > len(entries):
                    return  # only protected entries left: nothing more can go

    # -- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def steps(self) -> np.ndarray:
        """Steps of the entries in order: int64 array, shape ``(len(self),)``; read-only."""
        if self._steps is None:
            self._steps = np.array([e.step for e in self._entries], dtype=np.int64)
            self._steps.setflags(write=False)
        return self._steps

    def entry(self, i: int) -> HistoryEntry:
        """The ``i``-th entry (negative counts from the end)."""
        return self._entries[i]

    def at_step(self, step: int) -> HistoryEntry:
        """The recorded entry nearest to ``step`` (the earlier one on a tie)."""
        if not self._entries:
            raise LookupError("the history is empty: nothing has been recorded yet")
        steps = self.steps()
        i = int(np.searchsorted(steps, step))
        if i == len(steps) or (i > 0 and step - steps[i - 1] <= steps[i] - step):
            i -= 1
        return self._entries[i]

    @property
    def first(self) -> HistoryEntry | None:
        return self._entries[0] if self._entries else None

    @property
    def last(self) -> HistoryEntry | None:
        return self._entries[-1] if self._entries else None

    @property
    def nbytes(self) -> int:
        """Bytes held: the entries' arrays and the cached histogram rows (at most
        :attr:`budget_bytes` unless protected entries alone exceed it, see the class)."""
        return self._nbytes + self._row_bytes


MAX_IMAGE_ROWS = 512  # more rows than a view has pixel columns for


def distribution_image(
    history: WeightHistory, layer: int, bins: int = 64, max_rows: int = MAX_IMAGE_ROWS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histograms of one weight layer's values over time, as an image.

    The studio redraws this twice a second while training, over a history of up
    to thousands of entries, so each entry's row is computed once and cached in
    the history (as long as it has room in its budget; a row leaves with its
    entry); the bin edges stay put while new weights fall inside them (which is
    what keeps the cached rows valid) and widen by a quarter when one falls
    outside.

    Parameters
    ----------
    history : WeightHistory
    layer : int
        0-based weight layer (0 maps the inputs to the first hidden layer).
    bins : int
        Histogram bins, shared by every row: they cover every weight of the layer
        recorded since the history was cleared.
    max_rows : int
        Most rows: a longer history gives this many entries evenly spread over it
        (always the first and the last).

    Returns
    -------
    image : ndarray, shape (rows, bins)
        ``image[t, b]`` counts the weights of row ``t``'s entry in bin ``b`` (float64);
        each row sums to the layer's weight count.
    steps : ndarray, shape (rows,)
        The rows' steps (int64).
    edges : ndarray, shape (bins + 1,)
        Bin edges in weight units.
    """
    if bins < 1:
        raise ValueError(f"bins must be >= 1, not {bins!r}")
    steps = history.steps()
    n = len(history)
    if n == 0:
        return np.zeros((0, bins)), steps, np.linspace(-1.0, 1.0, bins + 1)
    picked = np.arange(n)
    if n > max_rows:
        picked = np.unique(np.linspace(0, n - 1, max_rows).round().astype(np.int64))
    low, high = history._edge_range(layer)
    edges = np.linspace(low, high, bins + 1)
    rows = history._row_cache(layer, bins, low, high)
    image = np.empty((picked.size, bins))
    for r, i in enumerate(picked):
        entry = history.entry(int(i))
        row = rows.get(entry)
        if row is None:
            row = _histogram_row(entry.weights[layer], low, high, bins)
            history._cache_row(rows, entry, row)
        image[r] = row
    return image, steps[picked], edges


def _histogram_row(weights: np.ndarray, low: float, high: float, bins: int) -> np.ndarray:
    """Counts of ``weights`` in ``bins`` equal bins over ``[low, high]``.

    As np.histogram, the maximum lands in the last bin; non-finite weights land at the ends.
    The history caches a row per entry: int32 counts take half the bytes of float64.
    """
    values = np.nan_to_num(weights.ravel(), nan=low, posinf=high, neginf=low)
    index = np.floor((values - low) * (bins / (high - low)))
    index = np.clip(index, 0, bins - 1).astype(np.int64)
    return np.bincount(index, minlength=bins).astype(ROW_DTYPE)


def read_only(a) -> np.ndarray:
    """``a`` itself when it is a read-only array owning its data, else a read-only copy."""
    if isinstance(a, np.ndarray) and not a.flags.writeable and a.flags.owndata:
        return a
    a = np.array(a)
    a.setflags(write=False)
    return a
