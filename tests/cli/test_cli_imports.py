"""``import nnstudio.cli`` stays light: each command imports what it needs when it runs.

The studio imports NumPy and the core itself, before Qt (see ``nnstudio.gui.app``), and
``nnstudio --version`` needs neither; ``train`` and ``predict`` import theirs lazily.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from nnstudio import __version__

HEAVY = ("numpy", "PySide6", "pyqtgraph", "nnstudio.core.config", "nnstudio.core.trainer")


def test_importing_the_cli_loads_no_numpy_qt_or_trainer():
    script = textwrap.dedent(f"""
        import json, sys
        import nnstudio.cli
        heavy = {HEAVY!r}
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy
                                or m in heavy)))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_version_runs_without_numpy():
    script = textwrap.dedent("""
        import sys
        from nnstudio.cli import main
        try:
            main(["--version"])
        except SystemExit as done:
            print("exit", done.code, "numpy" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"nnstudio {__version__}", "exit 0 False"]
