"""The test suite runs without a display however QT_QPA_PLATFORM is left."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("platform", [None, ""])
def test_gui_tests_run_offscreen_when_no_platform_is_chosen(platform):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    if platform is not None:
        env["QT_QPA_PLATFORM"] = platform  # an empty value made Qt look for a display
    test = "tests/gui/test_series.py::test_an_axis_keeps_its_drawing_when_told_the_range_it_has"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
