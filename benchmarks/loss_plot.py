"""How long the loss plot takes to repaint after pan, zoom and live appends at 10^7 steps.

``python -m benchmarks.loss_plot [--points N]`` (from the repository root; offscreen,
no display needed) fills a :class:`~nnstudio.gui.widgets.loss_plot.LossPlot` with
``N`` training steps (10^7 by default), fed as the studio feeds it: one
``record_snapshot`` + ``refresh`` per snapshot of ``--chunk`` steps, with an
evaluation every ``--eval-every`` steps (7: once per epoch of iris at batch 16).
It then shows the plot at 900x500 and times, per action, setting the view (or
the data) and the repaint that follows (``processEvents`` + ``grab()``, which
includes pyqtgraph's clipping and downsampling):

- ``full view``: from a zoomed view back to every step (auto range),
- ``zoom 10x``: a tenth of the run around the middle, from the full view,
- ``pan``: drag steps of 2% of that zoomed view,
- ``last 1%``: the last hundredth of the run, from the full view,
- ``zoom out``: from the last 1% back to the full view,
- ``log scale``: the log-scale checkbox on, from the linear full view,
- ``live append``: one more snapshot of ``--chunk`` steps, ``refresh`` and the repaint,
  with the view following the data,
- ``record+refresh``: the same without the repaint (the cost per snapshot while training).

It prints the median and maximum per action, and the memory the process grew by
while filling the plot, per recorded step. ``--shots DIR`` saves PNGs of the full
view and a zoom.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

SIZE = (900, 500)


def trend(steps: np.ndarray, total: int) -> np.ndarray:
    """The expected loss at ``steps``: a power-law decay and a drop at 40% of the run."""
    decay = 0.03 + 1.2 / np.sqrt(1.0 + steps / 2_000.0)
    return np.where(steps > 0.4 * total, 0.6 * decay, decay)  # a learning-rate drop


def synthetic_losses(steps: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Batch losses that look like a real run: the trend, noise, rare spikes."""
    noise = np.exp(0.35 * rng.standard_normal(steps.shape[0]))
    spikes = np.where(
        rng.random(steps.shape[0]) < 2e-5, rng.uniform(4.0, 15.0, steps.shape[0]), 1.0
    )
    return trend(steps, total) * noise * spikes


def snapshots(start: int, count: int, total: int, chunk: int, eval_every: int) -> Iterator:
    """Snapshots of ``chunk`` steps each, for steps ``start + 1 … start + count``."""
    from nnstudio.core.metrics import Metrics
    from nnstudio.core.trainer import Snapshot

    rng = np.random.default_rng(start)
    for first in range(start + 1, start + count + 1, chunk):
        steps = np.arange(first, min(first + chunk, start + count + 1), dtype=np.int64)
        losses = synthetic_losses(steps, total, rng)
        evals = steps[steps % eval_every == 0]
        expected = 1.06 * trend(evals, total)  # the mean of the log-normal noise
        metrics = tuple(
            Metrics(
                step=int(s), epoch=s / eval_every, train_loss=float(t), test_loss=1.1 * float(t)
            )
            for s, t in zip(evals, expected, strict=True)
        )
        yield Snapshot(
            step=int(steps[-1]),
            total_steps=total,
            epoch=steps[-1] / eval_every,
            weights=(),
            biases=None,
            steps=steps,
            losses=losses,
            gradient_norms=np.zeros(0),
            metrics=metrics,
            learning_rate=0.01,
            seconds=1.0,
            samples_per_second=1.0,
        )


def rss_bytes() -> int:
    """Resident memory of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1e3


class PaintCounter:
    """Counts the paint events of a widget, to check that a timed action really repainted."""

    def __init__(self, widget):
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint

        class Filter(QObject):
            count = 0

            def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
                if event.type() == paint:
                    Filter.count += 1
                return False

        self._filter = Filter()
        widget.installEventFilter(self._filter)
        self._class = Filter

    @property
    def count(self) -> int:
        return self._class.count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000, help="steps to record")
    parser.add_argument("--chunk", type=int, default=3_000, help="steps per snapshot")
    parser.add_argument("--eval-every", type=int, default=7, help="steps between evaluations")
    parser.add_argument(
        "--refresh-every",
        type=int,
        default=1,
        help="snapshots between refreshes while filling (0: once at the end)",
    )
    parser.add_argument("--repeats", type=int, default=9, help="timings per action")
    parser.add_argument("--shots", type=Path, default=None, help="save PNGs in this folder")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    status = run(app, args)
    gc.collect()  # the plot goes before the application does
    return status


def run(app, args) -> int:
    from nnstudio.gui.widgets.loss_plot import LossPlot

    plot = LossPlot()
    plot.resize(*SIZE)
    plot.show()
    view = plot.plot_item.getViewBox()
    paints = PaintCounter(plot.plot_widget.viewport())

    def repaint() -> None:
        """What the event loop does after an input event: deliver what is posted, paint."""
        app.processEvents()

    def settle() -> None:
        """Paint twice, so the next timing starts from a quiet, fully laid-out widget."""
        app.processEvents()
        plot.grab()

    settle()
    gc.collect()
    rss_before = rss_bytes()
    n = args.points
    start = time.perf_counter()
    record_ms, refresh_ms = [], []
    for i, snapshot in enumerate(snapshots(0, n, n, args.chunk, args.eval_every), start=1):
        record_ms.append(timed(lambda s=snapshot: plot.record_snapshot(s)))
        if args.refresh_every and i % args.refresh_every == 0:
            refresh_ms.append(timed(plot.refresh))
    refresh_ms.append(timed(plot.refresh))
    fill_s = time.perf_counter() - start
    first_paint = timed(repaint)
    settle()
    gc.collect()
    held = rss_bytes() - rss_before
    assert plot.point_count() == n

    print(f"LossPlot at {SIZE[0]}x{SIZE[1]}, {n:,} steps in snapshots of {args.chunk:,}, ")
    every = f"every {args.refresh_every} snapshots" if args.refresh_every else "once at the end"
    print(
        f"an evaluation every {args.eval_every} steps; fed through record_snapshot, refresh {every}"
    )
    print(
        f"fill: {fill_s:.1f} s ({len(record_ms):,} snapshots; record median "
        f"{statistics.median(record_ms):.2f} ms, refresh median "
        f"{statistics.median(refresh_ms):.2f} ms, max {max(refresh_ms):.1f} ms)"
    )
    print(f"first paint: {first_paint:.0f} ms")
    print(f"memory grown while filling: {held / 2**20:.0f} MiB = {held / n:.1f} bytes per step")
    if hasattr(plot, "recorded_bytes"):
        recorded = plot.recorded_bytes()
        print(f"recorded series: {recorded / 2**20:.0f} MiB = {recorded / n:.1f} bytes per step")

    lo, hi = 1.0, float(n)
    mid, span = (lo + hi) / 2, (hi - lo) / 10
    results: dict[str, list[float]] = {}
    painted: dict[str, int] = {}

    def measure(name: str, prepare: Callable[[], None], act: Callable[[], None]) -> None:
        times, painted[name] = [], 0
        for _ in range(args.repeats):
            prepare()
            settle()
            before = paints.count
            times.append(timed(lambda: (act(), repaint())))
            painted[name] += paints.count - before
        results[name] = times

    def full() -> None:
        plot.plot_item.enableAutoRange()

    def x_range(a: float, b: float) -> Callable[[], None]:
        return lambda: view.setXRange(a, b, padding=0)

    measure("full view", x_range(mid, mid + span), full)
    measure("zoom 10x", full, x_range(mid - span / 2, mid + span / 2))
    pan_at = [mid - span / 2]

    def pan() -> None:
        pan_at[0] += 0.02 * span
        view.setXRange(pan_at[0], pan_at[0] + span, padding=0)

    measure("pan", lambda: None, pan)
    measure("last 1%", full, x_range(hi - (hi - lo) / 100, hi))
    measure("zoom out", x_range(hi - (hi - lo) / 100, hi), full)

    def log_off() -> None:
        plot.log_scale.setChecked(False)
        full()

    measure("log scale", log_off, lambda: plot.log_scale.setChecked(True))
    log_off()
    settle()

    live = snapshots(n, 10**9, n, args.chunk, args.eval_every)
    pending = []  # the next snapshot, made before the clock starts

    def append() -> None:
        plot.record_snapshot(pending.pop())
        plot.refresh()

    measure("live append", lambda: pending.append(next(live)), lambda: (append(), repaint()))
    results["record+refresh"] = []
    for _ in range(args.repeats):
        pending.append(next(live))
        results["record+refresh"].append(timed(append))
        settle()
    gc.collect()
    after = rss_bytes() - rss_before

    print(f"\n{'action':<16}{'median ms':>10}{'max ms':>9}{'paints':>8}")
    for name, times in results.items():
        count = f"{painted[name] / args.repeats:.1f}" if name in painted else "-"
        print(f"{name:<16}{statistics.median(times):>10.1f}{max(times):>9.1f}{count:>8}")
    print(f"\nmemory after the actions: {after / 2**20:.0f} MiB = {after / n:.1f} bytes per step")

    if args.shots is not None:
        args.shots.mkdir(parents=True, exist_ok=True)
        for name, set_view in (
            ("full", full),
            ("zoom", x_range(mid - span / 20, mid + span / 20)),
            ("start", x_range(1, 3000)),
            ("end", x_range(hi - 2000, hi)),
        ):
            set_view()
            settle()  # pyqtgraph widens an axis for new labels one paint late
            settle()
            plot.grab().save(str(args.shots / f"loss_{name}.png"))
        plot.log_scale.setChecked(True)
        full()
        settle()
        settle()
        plot.grab().save(str(args.shots / "loss_full_log.png"))
        print(f"PNGs in {args.shots}")
    plot.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
