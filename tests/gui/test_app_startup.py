"""How the studio starts: the collector is paused while the window is built, then back on."""

import gc
import json
import os
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtWidgets import QWidget

from nnstudio.gui import app


def test_the_callback_waits_for_the_first_paint(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    calls = []
    app._call_after_first_paint(widget, lambda: calls.append("called"))
    qtbot.wait(50)  # events run, nothing painted (the fallback is seconds away)
    assert calls == []
    widget.show()
    qtbot.waitUntil(lambda: calls == ["called"])
    widget.repaint()
    qtbot.wait(20)
    assert calls == ["called"], "called once, not on every paint"


def test_the_callback_comes_even_if_the_window_never_paints(qtbot, monkeypatch):
    monkeypatch.setattr(app, "GC_FALLBACK_MS", 10)
    widget = QWidget()
    qtbot.addWidget(widget)
    calls = []
    app._call_after_first_paint(widget, lambda: calls.append("called"))
    qtbot.waitUntil(lambda: calls == ["called"])


def test_once_its_window_is_up_the_studio_collects_garbage_on_the_gui_thread(tmp_path):
    # The real start-up path: garbage must be collected while the user works, on the
    # GUI thread only, and the window must be the full one with iris loaded.
    script = _studio_script(
        ready="studio._collector is not None",
        with_window="""
            import threading
            seen.append(gc.isenabled())  # Python's own collector: off
            seen.append(os.path.basename(window.table.path))

            class Cycle:
                # Objects enough for the next check to collect (they go with the cycle).
                allocations = [[] for _ in range(2000)]

                def __init__(self):
                    self.me = self

                def __del__(self):
                    seen.append(threading.current_thread() is threading.main_thread())

            Cycle()
            QTimer.singleShot(2500, window.close)
        """,
        after='print("automatic", seen[0], "table", seen[1], "collected on GUI thread", seen[2:])',
        imports="import nnstudio.gui.app as studio",
    )
    result = _run_studio(script, tmp_path)
    assert result.returncode == 0, result.stderr
    expected = "automatic False table iris.csv collected on GUI thread [True]"
    assert expected in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr


def test_the_collector_is_left_as_it_was_when_start_up_fails(monkeypatch):
    def broken(*args):
        raise RuntimeError("no display")

    monkeypatch.setattr(app, "_open_window", broken)
    gc.enable()  # as in a fresh interpreter (the tests collect on the GUI thread)
    try:
        with pytest.raises(RuntimeError, match="no display"):
            app.main()
        assert gc.isenabled()
    finally:
        gc.disable()


def test_closing_the_studio_mid_training_ends_its_training_process(tmp_path):
    script = _studio_script(
        with_window="""
            seen.append(window.training.remote)
            window.training.snapshot_ready.connect(lambda snapshot: window.close())
            window.toggle_training()
        """,
        after='print("trained", bool(seen), "process alive", seen[0].is_alive)',
    )
    result = _run_studio(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "trained True process alive False" in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("screen", "expected"),
    [
        ((1920, 1080), (1400, 1000)),
        ((1600, 900), (1400, 860)),
        ((1024, 800), (1024, 760)),
        ((1366, 728), (1366, 688)),  # a 1366 x 768 laptop screen, less a taskbar
    ],
)
def test_a_first_start_opens_a_window_that_fits_the_screen(tmp_path, screen, expected):
    # The offscreen platform's screen, set by its config file (no window frame: the
    # window's size is what the screen must hold, besides a title bar's allowance).
    width, height = screen
    config = tmp_path / "screen.json"
    screens = [{"name": "screen", "x": 0, "y": 0, "width": width, "height": height, "dpr": 1}]
    config.write_text(json.dumps({"screens": screens}))
    script = _studio_script(
        with_window="""
            heatmaps = window.docks["heatmaps"].height()
            print("window", window.width(), window.height(), "heatmaps", heatmaps)
            print("minimum", window.minimumSizeHint().height())
            window.close()
        """
    )
    result = _run_studio(script, tmp_path, f"offscreen:configfile={config}")
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert words[0] == "window", result.stdout + result.stderr
    assert (int(words[1]), int(words[2])) == expected
    assert int(words[4]) >= 150  # the weights keep room to be read
    assert int(words[6]) <= expected[1]  # the window can be as small as it is


def _studio_script(with_window: str, after: str = "", ready: str = "True", imports="") -> str:
    """Python that starts the real studio and runs ``with_window`` once its window is up.

    ``with_window`` sees the main window as ``window`` and a list ``seen`` to keep
    things in; it runs once the window is visible and ``ready`` is true. ``after`` runs
    when the studio has ended; ``imports`` before anything else.
    """
    script = textwrap.dedent("""
        import gc, os, sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        IMPORTS
        app = QApplication(sys.argv[:1])
        seen = []
        def poll():
            windows = [w for w in app.topLevelWidgets() if w.objectName() == "main_window"]
            if not (windows and windows[0].isVisible() and READY):
                QTimer.singleShot(10, poll)
                return
            window = windows[0]
        WITH_WINDOW
        QTimer.singleShot(0, poll)
        from nnstudio.gui.app import main
        status = main()
        AFTER
        sys.exit(status)
    """)
    body = textwrap.indent(textwrap.dedent(with_window).strip(), " " * 4)
    for name, code in (("IMPORTS", imports), ("READY", ready), ("WITH_WINDOW", body)):
        script = script.replace(name, code)
    return script.replace("AFTER", after)


def _run_studio(script: str, config_home, platform="offscreen") -> subprocess.CompletedProcess:
    """Run ``script`` (which starts the real studio) in a fresh, offscreen interpreter."""
    env = {**os.environ, "QT_QPA_PLATFORM": platform, "XDG_CONFIG_HOME": str(config_home)}
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
