"""The core and the CLI never import Qt (or pyqtgraph), not even indirectly.

Every module under ``nnstudio.core`` is found with :mod:`pkgutil`, so new modules are
covered without editing this test. The imports run in a fresh interpreter, where a
hook also refuses (and records) any attempt to import a Qt package, so a guarded
``try: import PySide6`` is caught as well.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "PyQt", "shiboken6", "pyqtgraph")

SCRIPT = textwrap.dedent(
    """
    import contextlib, importlib, io, json, pkgutil, sys

    FORBIDDEN = {forbidden!r}
    attempts = []

    def forbidden(name):
        return name.startswith(FORBIDDEN)

    class RefuseQt:
        def find_spec(self, name, path=None, target=None):
            if forbidden(name):
                attempts.append(name)
                raise ImportError(f"{{name}} must not be imported here")
            return None

    sys.meta_path.insert(0, RefuseQt())

    import nnstudio.core

    modules = sorted(
        info.name for info in pkgutil.walk_packages(nnstudio.core.__path__, "nnstudio.core.")
    )
    for name in modules:
        importlib.import_module(name)
    import nnstudio.cli

    # A headless run imports more of the core lazily: that must stay Qt-free too.
    with contextlib.redirect_stdout(io.StringIO()):
        code = nnstudio.cli.main(["train", "iris", "--iterations", "2", "--quiet"])

    loaded = sorted(name for name in sys.modules if forbidden(name))
    print(json.dumps({{"modules": modules, "loaded": loaded, "attempts": attempts,
                      "code": code}}))
    """
).format(forbidden=FORBIDDEN)


def test_core_and_cli_import_no_qt():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    # Discovery works: the known core modules are among those imported.
    for name in ("config", "data", "dataset", "model_io", "network", "trainer"):
        assert f"nnstudio.core.{name}" in result["modules"]
    assert result["code"] == 0
    assert result["attempts"] == [], f"tried to import {result['attempts']}"
    assert result["loaded"] == [], f"loaded {result['loaded']}"
