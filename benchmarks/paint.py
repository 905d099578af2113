"""What one frame of the studio costs, view by view, while W2 trains.

``python -m benchmarks.paint`` (from the repository root) opens the real main
window offscreen at 1920x1080 with every dock visible (as ``benchmarks.studio``
does), trains W2 (10,000 rows x 64 features, 10 classes, MLP [128, 64] relu)
for 3000 steps through the window, then times frames: for each frame a fresh
snapshot is handed to every view (the view's *update* call, timed per view),
then every view is painted on its own with ``grab()`` (its *repaint*, timed per
view), then the window's own event processing (layouts and the real paint of
the window) is timed as well.

Work that is not a view's (the trainer, the weight history, the decision
boundary's and the unit views' forward passes, the diagnostics' forward pass)
runs outside the timed calls. Printed: per view, the median update and repaint
CPU milliseconds of the GUI thread over the frames (CPU time, as the machine may
be shared), and their totals (target: total <= 15 ms, no view above 5 ms).
``--shots DIR`` saves each view's picture after the last frame; ``--profile
VIEWS`` prints where those views' repaints spend their time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

WARM_STEPS = 3000
EVERY_STEPS = 60


def _clock() -> float:
    # CPU time of the GUI thread: the machine is shared, and wall time would count the
    # other processes' turns on the cores as ours.
    return time.thread_time()


def _timed(times: dict, key: str, call, *args, profile: cProfile.Profile | None = None) -> None:
    start = _clock()
    if profile is None:
        call(*args)
    else:
        profile.runcall(call, *args)
    times[key].append((_clock() - start) * 1000.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.paint", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--frames", type=int, default=40, help="frames timed (after warm-up)")
    parser.add_argument("--warm-steps", type=int, default=WARM_STEPS)
    parser.add_argument("--shots", default=None, help="folder for each view's picture")
    parser.add_argument(
        "--profile",
        default="",
        metavar="VIEWS",
        help="comma-separated views: print where their repaints spend time",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import pyqtgraph as pg
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings
    from PySide6.QtWidgets import QApplication

    import benchmarks.studio as studio
    from nnstudio.core.diagnostics import diagnose, summarize
    from nnstudio.core.grid import grid_outputs, unit_grids
    from nnstudio.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(["nnstudio"])
    pg.setConfigOptions(antialias=True)  # as nnstudio.gui.app sets it
    folder = Path(tempfile.mkdtemp())
    csv = studio.write_w2_csv(folder)
    w = MainWindow(settings=QSettings(str(folder / "s.ini"), QSettings.IniFormat))
    w.lay_out(1920, 1080)
    studio.show_every_dock(w)
    w.show()
    if not w.load_data(csv):
        raise SystemExit(f"the studio could not load {csv}")
    w.set_config(studio.w2_config(100_000))
    app.processEvents()

    inside = w.inside
    # A chosen unit, so the unit views show something (as after a click on the diagram).
    inside._on_node_chosen(1, 0)
    run = w.trainer.run(every_steps=EVERY_STEPS, max_steps=args.warm_steps + 100_000)
    for snapshot in run:
        w._on_snapshot_ready(snapshot)
        w._redraw()
        app.processEvents()
        if snapshot.step >= args.warm_steps:
            break

    views = {
        "loss": w.loss_plot,
        "metrics": w.metrics_plot,
        "gradients": w.gradient_plot,
        "heatmaps": w.heatmaps,
        "network": w.editor,
        "boundary": inside.boundary,
        "units": w.docks["units"].widget(),
        "diagnostics": inside.diagnostics,
        "histograms": inside.histograms,
        "timeline": inside.timeline,
        "controls": w.controls,
    }
    update: dict[str, list[float]] = defaultdict(list)
    repaint: dict[str, list[float]] = defaultdict(list)
    events: list[float] = []
    net = w.trainer.network
    data = w.dataset
    pre = data.preprocessing
    previous = inside.history.last

    def loss(snap):
        w.loss_plot.record_snapshot(snap)
        w.loss_plot.refresh()

    def metrics(snap):
        w.metrics_plot.record_snapshot(snap)
        w.metrics_plot.refresh()

    def gradients(snap):
        w.gradient_plot.record_snapshot(snap)
        w.gradient_plot.refresh()

    def diagnostics(step, found):
        inside.diagnostics.record(step, found)
        inside.diagnostics.show_messages(summarize(found))
        inside.diagnostics.refresh()

    def units(grids):
        strip, view = inside.unit_strip, inside.unit_view
        strip.show_layer(1, grids, net.hidden_activations[0])
        strip.select_unit(0)
        view.show_unit(grids[0], inside.spec, f"h1 #1 ({net.hidden_activations[0]})")

    def controls(snap):
        w.controls.show_progress(snap, w.trainer.epoch_at(snap.step))
        w.controls.set_status(f"evaluated at step {snap.step:,}: {w._figures_text()}")

    names = [name for name in args.profile.split(",") if name]
    profiles = {name: cProfile.Profile() for name in names}  # of the repaints
    update_profiles = {name: cProfile.Profile() for name in names}

    def timed_update(name, call, *args):
        _timed(update, name, call, *args, profile=update_profiles.get(name))

    for _ in range(args.frames):
        snap = next(run)
        w._latest = snap
        inside.record(snap)  # the history: not a view
        entry = inside.history.last
        network = inside._network_for(entry)
        outputs = grid_outputs(network, pre, inside.spec)
        grids = unit_grids(network, pre, inside.spec, 1)
        found = diagnose(
            entry.weights,
            entry.biases,
            net.hidden_activations,
            net.output,
            data.X_train[:256],
            previous_weights=previous.weights,
            steps_between=max(1, entry.step - previous.step),
            gradient_norms=entry.gradient_norms,
            masks=entry.masks,
        )
        previous = entry

        timed_update("loss", loss, snap)
        timed_update("metrics", metrics, snap)
        timed_update("gradients", gradients, snap)
        timed_update("heatmaps", w.heatmaps.show_weights, snap.weights, snap.biases)
        timed_update("network", w.editor.show_weights, snap.weights, snap.biases)
        timed_update("boundary", inside.boundary.show_outputs, outputs, inside.spec)
        timed_update("units", units, grids)
        timed_update("diagnostics", diagnostics, entry.step, found)
        timed_update("histograms", inside.histograms.show_history, inside.history)
        timed_update("timeline", inside.timeline.set_steps, inside.history.steps())
        timed_update("controls", controls, snap)
        # Layouts the updates asked for (e.g. a label's new text), before the paints.
        start = _clock()
        QCoreApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        layout_ms = (_clock() - start) * 1000.0
        for name, view in views.items():
            _timed(repaint, name, view.grab, profile=profiles.get(name))
        start = _clock()
        app.processEvents()  # the window's own paint, its caches warm from the grabs
        events.append(layout_ms + (_clock() - start) * 1000.0)

    if args.shots:
        shots = Path(args.shots)
        shots.mkdir(parents=True, exist_ok=True)
        for name, view in views.items():
            view.grab().save(str(shots / f"{name}.png"))
        w.grab().save(str(shots / "window.png"))

    med = {
        name: (statistics.median(update[name]), statistics.median(repaint[name])) for name in views
    }
    print(
        f"W2 in the studio at 1920x1080, step {snap.step:,}, "
        f"median of {args.frames} frames (one snapshot each)"
    )
    print(f"  {'view':<12} {'update ms':>10} {'repaint ms':>11} {'sum ms':>8}")
    for name, (u, r) in med.items():
        flag = "" if u + r <= 5 else "  > 5 ms"
        print(f"  {name:<12} {u:>10.2f} {r:>11.2f} {u + r:>8.2f}{flag}")
    total_u = sum(u for u, _ in med.values())
    total_r = sum(r for _, r in med.values())
    total = total_u + total_r
    print(f"  {'total':<12} {total_u:>10.2f} {total_r:>11.2f} {total:>8.2f}  (target <= 15)")
    print(f"  window layouts + paint after the grabs: {statistics.median(events):.2f} ms")
    for name in names:
        for what, profile in (("updates", update_profiles[name]), ("repaints", profiles[name])):
            print(f"\nwhere the {what} of {name} spend time:")
            pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    w.training.shutdown()
    w.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
