"""The studio under load: train W2 in the real window, offscreen, with every live view on.

``python -m benchmarks.studio`` (from the repository root) first times the
headless core on the same data and settings, then opens the real main window
offscreen, makes every dock visible (loss, accuracy, gradient norms, decision
boundary, units, diagnostics, weights, histograms, timeline, and the network
diagram in the middle), loads the data through the window as a user would,
presses Train and measures, until the run ends:

- trainer throughput in the studio as a fraction of the headless core
  (wall-clock samples/s, both with the same evaluations; target >= 0.85);
- UI responsiveness: how late a 10 ms timer on the GUI thread fires
  (target p99 <= 30 ms, max <= 100 ms);
- snapshots drawn per second (target 15 to 30);
- resident memory (the window's process and its training process) after 10^4
  steps and at the end (10^6 steps by default):
  growth beyond what the weight history holds (target <= 64 MB), and the
  history's own bytes against its configured budget.

Results are printed and written as JSON (``benchmarks/studio.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.run import WORKLOADS, machine, make_data

MB = 2**20
EARLY_STEPS = 10_000


def write_w2_csv(folder: Path) -> Path:
    """W2's data (10,000 rows, 64 features, 10 classes) as a CSV file the studio opens."""
    X, y = make_data(WORKLOADS["W2"], "float64")
    path = folder / "w2.csv"
    header = ",".join([f"x{i + 1}" for i in range(X.shape[1])] + ["class"])
    rows = np.column_stack([X.round(5), y]).tolist()
    with open(path, "w") as handle:
        handle.write(header + "\n")
        for row in rows:
            handle.write(",".join(f"{v:g}" for v in row[:-1]) + f",c{int(row[-1])}\n")
    return path


def w2_config(steps: int):
    from nnstudio.core.config import MODERN

    workload = WORKLOADS["W2"]
    return MODERN.replace(
        hidden_layers=workload.sizes[1:-1],
        activations=workload.activation,
        optimizer="sgd",
        learning_rate=workload.learning_rate,
        l2=0.0,
        batch_size=workload.batch_size,
        epochs=None,
        iterations=steps,
        dtype="float32",
        label_column="class",
    )


def headless_rate(table, config, steps: int) -> float:
    """Wall-clock samples/s of the core alone, evaluations included, no snapshots."""
    from nnstudio.core.dataset import prepare_table
    from nnstudio.core.trainer import Trainer

    trainer = Trainer(config, prepare_table(table, config))
    for _ in trainer.run(max_steps=200):  # warm up buffers and caches
        pass
    first_samples = trainer.samples_seen
    start = time.perf_counter()
    for _ in trainer.run(max_steps=steps):
        pass
    return (trainer.samples_seen - first_samples) / (time.perf_counter() - start)


def show_every_dock(window) -> None:
    """Untabify the docks so every live view is on screen and painted."""
    from PySide6.QtCore import Qt

    docks = window.docks
    right, bottom = Qt.RightDockWidgetArea, Qt.BottomDockWidgetArea
    for name in ("loss", "boundary", "metrics", "gradients", "diagnostics", "units"):
        window.addDockWidget(right, docks[name])
    for name in ("heatmaps", "histograms", "timeline"):
        window.addDockWidget(bottom, docks[name])
    window.splitDockWidget(docks["loss"], docks["boundary"], Qt.Horizontal)
    window.splitDockWidget(docks["metrics"], docks["gradients"], Qt.Horizontal)
    window.splitDockWidget(docks["diagnostics"], docks["units"], Qt.Horizontal)
    window.splitDockWidget(docks["heatmaps"], docks["histograms"], Qt.Horizontal)
    for dock in docks.values():
        dock.show()
    # Moving docks out of their tab groups leaves the groups' old tab bars behind.
    window.hide_unused_tab_bars()


def resident_bytes(process) -> tuple[int, int]:
    """Resident memory of the window's process and of its training process(es)."""
    children = 0
    for child in process.children(recursive=True):
        try:
            children += child.memory_info().rss
        except Exception:  # psutil.NoSuchProcess: it ended in between
            pass
    return process.memory_info().rss, children


class Probe:
    """Watches the window from the GUI thread while it trains."""

    def __init__(self, window, process):
        from PySide6.QtCore import Qt, QTimer

        self.window, self.process = window, process
        self.ticks: list[float] = []
        self.snapshots: list[tuple[float, int, int]] = []  # (time, step, samples seen)
        self.drawn = 0
        self._last_drawn = None
        self.early_rss = self.early_history = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        window.frame_drawn.connect(self._on_frame_drawn)
        window.training.snapshot_ready.connect(self._on_snapshot)

    def start(self) -> None:
        self.ticks.append(time.perf_counter())
        self.gui_cpu = -time.thread_time()  # of this, the GUI thread
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.gui_cpu += time.thread_time()

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def _on_frame_drawn(self, snapshot) -> None:
        # Every live view now shows this snapshot (a frame is drawn in parts).
        if snapshot is not self._last_drawn:
            self._last_drawn = snapshot
            self.drawn += 1

    def _on_snapshot(self, snapshot) -> None:
        trainer = self.window.trainer
        self.snapshots.append((time.perf_counter(), snapshot.step, trainer.samples_seen))
        if self.early_rss is None and snapshot.step >= EARLY_STEPS:
            self.early_rss = resident_bytes(self.process)
            self.early_history = self.window.inside.history.nbytes

    def lateness_ms(self) -> np.ndarray:
        return (np.diff(np.asarray(self.ticks)) - 0.010) * 1000.0


def studio_run(csv: Path, config, settings_path: Path) -> dict:
    import gc

    import psutil
    import pyqtgraph as pg
    from PySide6.QtCore import QEventLoop, QSettings
    from PySide6.QtWidgets import QApplication

    from nnstudio.gui.app import collect_on_gui_thread
    from nnstudio.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(["nnstudio"])
    pg.setConfigOptions(antialias=True)  # as nnstudio.gui.app sets it
    settings = QSettings(str(settings_path), QSettings.IniFormat)
    window = MainWindow(settings=settings)
    window.lay_out(1920, 1080)
    show_every_dock(window)
    window.show()
    if not window.load_data(csv):
        raise SystemExit(f"the studio could not load {csv}")
    window.set_config(config)
    app.processEvents()
    window.grab().save(str(Path(tempfile.gettempdir()) / "nnstudio-studio-bench.png"))
    # As nnstudio.gui.app does after the first paint: later full collections skip the
    # start-up's long-lived objects, and only the GUI thread collects.
    gc.collect()
    gc.freeze()
    collect_on_gui_thread()

    process = psutil.Process()
    probe = Probe(window, process)
    loop = QEventLoop()
    window.training.stopped.connect(lambda *_: loop.quit())
    window.training.failed.connect(lambda *_: loop.quit())
    probe.start()
    window.toggle_training()
    loop.exec()
    probe.stop()
    app.processEvents()
    end_rss = resident_bytes(process)  # before the window closes and the child idles
    end_history = window.inside.history.nbytes
    budget = window.inside.history.budget_bytes

    times = np.array([t for t, _, _ in probe.snapshots])
    samples = np.array([s for _, _, s in probe.snapshots])
    seconds = times[-1] - times[0]
    rate = (samples[-1] - samples[0]) / seconds
    lateness = probe.lateness_ms()
    result = {
        "steps": int(probe.snapshots[-1][1]),
        "seconds": seconds,
        "samples_per_second": rate,
        "snapshots_received_per_second": (len(times) - 1) / seconds,
        "snapshots_drawn_per_second": probe.drawn / seconds,
        "gui_thread_busy": probe.gui_cpu / (probe.ticks[-1] - probe.ticks[0]),
        "timer_lateness_ms": {
            "median": float(np.median(lateness)),
            "p99": float(np.percentile(lateness, 99)),
            "max": float(lateness.max()),
            "ticks": int(lateness.size),
        },
        "rss_mb": {"early": sum(probe.early_rss) / MB, "end": sum(end_rss) / MB},
        "training_process_rss_mb": {"early": probe.early_rss[1] / MB, "end": end_rss[1] / MB},
        "history_mb": {
            "early": probe.early_history / MB,
            "end": end_history / MB,
            "budget": budget / MB,
        },
    }
    window.close()
    app.processEvents()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.studio", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--steps", type=int, default=1_000_000, help="length of the studio run")
    parser.add_argument("--headless-steps", type=int, default=20_000)
    parser.add_argument("--json", default="benchmarks/studio.json")
    args = parser.parse_args(argv)
    if args.steps <= EARLY_STEPS:
        parser.error(f"--steps must be more than {EARLY_STEPS}")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from nnstudio.core.data import load_table

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        csv = write_w2_csv(folder)
        config = w2_config(args.steps)
        table = load_table(csv, label_column="class")
        rates = [headless_rate(table, config, args.headless_steps) for _ in range(3)]
        headless = statistics.median(rates)
        print(f"machine: {machine()}")
        print(f"headless core: {headless:,.0f} samples/s (median of {len(rates)})")
        studio = studio_run(csv, config, folder / "settings.ini")

    late = studio["timer_lateness_ms"]
    rss, history = studio["rss_mb"], studio["history_mb"]
    child = studio["training_process_rss_mb"]
    growth = rss["end"] - rss["early"]
    beyond = growth - (history["end"] - history["early"])
    ratio = studio["samples_per_second"] / headless
    rows = [
        ("throughput in the studio / headless", f"{ratio:.2f}", ">= 0.85", ratio >= 0.85),
        ("10 ms timer lateness p99", f"{late['p99']:.1f} ms", "<= 30 ms", late["p99"] <= 30),
        ("10 ms timer lateness max", f"{late['max']:.1f} ms", "<= 100 ms", late["max"] <= 100),
        (
            "snapshots drawn per second",
            f"{studio['snapshots_drawn_per_second']:.1f}",
            "15 to 30",
            15 <= studio["snapshots_drawn_per_second"] <= 30,
        ),
        (
            f"memory growth, step {EARLY_STEPS:,} to {studio['steps']:,}, beyond the history",
            f"{beyond:.1f} MB",
            "<= 64 MB",
            beyond <= 64,
        ),
        (
            "weight history held / budget",
            f"{history['end']:.0f} / {history['budget']:.0f} MB",
            "<= budget",
            history["end"] <= history["budget"],
        ),
    ]
    print(
        f"\nstudio, W2 ({WORKLOADS['W2'].description}), float32, {studio['steps']:,} steps "
        f"in {studio['seconds']:.0f} s: {studio['samples_per_second']:,.0f} samples/s"
    )
    print(f"  {'measure':<58} {'value':>16} {'target':>10}")
    for what, value, target, met in rows:
        print(f"  {what:<58} {value:>16} {target:>10}  {'met' if met else 'NOT MET'}")
    print(
        f"  (RSS {rss['early']:.0f} MB at step {EARLY_STEPS:,}, {rss['end']:.0f} MB at the end, "
        f"of which the training process {child['early']:.0f} and {child['end']:.0f} MB; "
        f"timer median lateness {late['median']:.2f} ms over {late['ticks']:,} ticks; "
        f"GUI thread busy {studio['gui_thread_busy']:.0%} of the run)"
    )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump(
            {"machine": machine(), "headless_samples_per_second": headless, "studio": studio},
            handle,
            indent=2,
        )
    print(f"\nwrote {args.json}")
    return 0 if all(met for *_, met in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
