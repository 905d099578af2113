"""Time the studio from process start to its first painted window, with iris loaded.

``python -m benchmarks.startup [--repeats N] [--top K]`` (from the repository root)
starts the real ``nnstudio`` entry point (``nnstudio.cli.main`` with no arguments, as
the installed command runs it) in a fresh subprocess each time, on Qt's offscreen
platform and with empty user settings (a first launch). The clock starts in this
process just before the subprocess is created, and stops when the main window has
finished its first paint: a probe in the child puts an event filter on the window
just before the event loop starts, and on the window's first paint event posts a
0-ms timer, which runs once that paint (every dock and plot, composed and flushed)
is done. The probe also checks that iris is the loaded table, then quits.

Prints each run, the median, the median of the phases inside the child, and the
top ``K`` modules by cumulative import time from one more run under
``python -X importtime``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Runs in the child. It imports the CLI first, as the ``nnstudio`` command does, and
# wraps the studio's main only to hook the event loop's start; the app itself runs
# unchanged. Times are wall-clock (time.time), comparable with the parent's.
PROBE = r"""
import json, sys, time
from pathlib import Path
probe_start = time.time()
from nnstudio.cli import main as cli_main
import nnstudio.gui.app as studio

real_main = studio.main

def probed_main(*args, **kwargs):
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    real_exec = QApplication.exec
    times = {"probe_start": probe_start}

    class FirstPaint(QObject):
        def __init__(self, window):
            super().__init__(window)
            self.window, self.seen = window, False

        def eventFilter(self, obj, event):
            if obj is self.window and event.type() == QEvent.Paint and not self.seen:
                self.seen = True
                times["paint_started"] = time.time()
                QTimer.singleShot(0, self.painted)
            return False

        def painted(self):
            times["painted"] = time.time()
            times["cpu"] = time.process_time()
            table = self.window.table
            times["table"] = None if table is None else Path(table.path).stem
            times["rows"] = None if table is None else len(table.X)
            print("STARTUP " + json.dumps(times), flush=True)
            QApplication.instance().quit()

    def probed_exec(*_):
        shown = (w for w in QApplication.topLevelWidgets() if w.isVisible())
        window = next(w for w in shown if w.objectName() == "main_window")
        window.installEventFilter(FirstPaint(window))
        times["event_loop"] = time.time()
        return real_exec()  # a static method in PySide6

    QApplication.exec = probed_exec
    return real_main(*args, **kwargs)

studio.main = probed_main
sys.argv = ["nnstudio"]
sys.exit(cli_main([]))
"""


def _env(config_home: str, pycache: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = config_home  # QSettings: a first launch, and no user's settings
    if pycache is not None:
        # An installed nnstudio has its bytecode compiled (pip does it at install time), even
        # where this shell says PYTHONDONTWRITEBYTECODE; keep that cache outside the tree.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_once(pycache: str | None, extra_args: tuple[str, ...] = ()) -> tuple[float, dict, str]:
    """One start-up: seconds from before Popen to first paint, the child's times, its stderr."""
    with tempfile.TemporaryDirectory(prefix="nnstudio-startup-") as config_home:
        env = _env(config_home, pycache)
        start = time.time()
        proc = subprocess.Popen(
            [sys.executable, *extra_args, "-c", PROBE],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = proc.communicate(timeout=120)
    lines = [line for line in out.splitlines() if line.startswith("STARTUP ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the studio did not start (exit {proc.returncode}):\n{err[-3000:]}")
    times = json.loads(lines[-1][len("STARTUP ") :])
    if times.get("table") != "iris":
        raise RuntimeError(f"the window painted without iris loaded: {times}")
    clock = {k: v - start for k, v in times.items() if k not in ("table", "rows", "cpu")}
    return times["painted"] - start, {**times, **clock}, err


def import_breakdown(stderr: str, top: int) -> list[tuple[int, int, int, str]]:
    """``(cumulative_us, self_us, depth, module)`` of the ``top`` costliest imports."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append((int(cumulative), int(own), depth, name.strip()))
    rows.sort(reverse=True)
    return rows[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed start-ups (default 5)")
    parser.add_argument("--top", type=int, default=15, help="modules in the import breakdown")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep this shell's PYTHONDONTWRITEBYTECODE, so every start compiles nnstudio's "
        "sources (by default the runs share a bytecode cache, as an installed copy has)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="nnstudio-pycache-") as cache_dir:
        pycache = None if args.no_bytecode_cache else cache_dir
        run_once(pycache)  # warm-up: the bytecode cache and the OS file cache
        totals, phases = [], []
        for i in range(args.repeats):
            total, times, _ = run_once(pycache)
            totals.append(total)
            phases.append(times)
            print(
                f"run {i + 1}: {total:.3f} s to first paint, {times['cpu']:.3f} s CPU "
                f"(python up {times['probe_start']:.3f}, event loop {times['event_loop']:.3f}, "
                f"paint {times['paint_started']:.3f}-{times['painted']:.3f}; "
                f"iris {times['rows']} rows)"
            )
        print(
            f"median: {statistics.median(totals):.3f} s over {args.repeats} runs "
            f"(min {min(totals):.3f}, max {max(totals):.3f}; "
            f"bytecode cache {'off' if pycache is None else 'on'})"
        )
        keys = ("probe_start", "event_loop", "paint_started", "painted", "cpu")
        print(
            "median phases: "
            + ", ".join(f"{key} {statistics.median(p[key] for p in phases):.3f} s" for key in keys)
        )

        _, _, err = run_once(pycache, ("-X", "importtime"))
    print(f"\ntop {args.top} imports by cumulative time (python -X importtime, one start-up):")
    print(f"{'cumulative':>12} {'self':>9}  module")
    for cumulative, own, depth, name in import_breakdown(err, args.top):
        print(f"{cumulative / 1000:9.1f} ms {own / 1000:6.1f} ms  {'  ' * depth}{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
