"""How the studio starts: the collector is paused while the window is built, then back on."""

import gc
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


def test_the_studio_collects_garbage_again_once_its_window_is_up(tmp_path):
    # The real start-up path: the collector must be on while the user works, and the
    # window must be the full one with iris loaded.
    script = textwrap.dedent("""
        import gc, os, sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication(sys.argv[:1])
        seen = []
        def poll():
            windows = [w for w in app.topLevelWidgets() if w.objectName() == "main_window"]
            if windows and windows[0].isVisible() and gc.isenabled():
                seen.append(windows[0].table.path)
                windows[0].close()
            else:
                QTimer.singleShot(10, poll)
        QTimer.singleShot(0, poll)
        from nnstudio.gui.app import main
        status = main()
        print("collector", gc.isenabled(), "table", os.path.basename(seen[0]))
        sys.exit(status)
    """)
    result = _run_studio(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "collector True table iris.csv" in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr


def test_the_collector_is_left_as_it_was_when_start_up_fails(monkeypatch):
    def broken(*args):
        raise RuntimeError("no display")

    monkeypatch.setattr(app, "_open_window", broken)
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="no display"):
        app.main()
    assert gc.isenabled()


def test_closing_the_studio_mid_training_ends_its_training_process(tmp_path):
    script = textwrap.dedent("""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication(sys.argv[:1])
        remotes = []
        def poll():
            windows = [w for w in app.topLevelWidgets() if w.objectName() == "main_window"]
            if not (windows and windows[0].isVisible()):
                QTimer.singleShot(10, poll)
                return
            window = windows[0]
            remotes.append(window.training.remote)
            window.training.snapshot_ready.connect(lambda snapshot: window.close())
            window.toggle_training()
        QTimer.singleShot(0, poll)
        from nnstudio.gui.app import main
        status = main()
        print("trained", bool(remotes), "process alive", remotes[0].is_alive)
        sys.exit(status)
    """)
    result = _run_studio(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "trained True process alive False" in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def _run_studio(script: str, config_home) -> subprocess.CompletedProcess:
    """Run ``script`` (which starts the real studio) in a fresh, offscreen interpreter."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config_home)}
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
