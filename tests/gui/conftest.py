"""GUI tests run offscreen; Qt warnings fail the test (qt_log_level_fail in pyproject)."""

import gc
import os

if not os.environ.get("QT_QPA_PLATFORM"):  # unset, or set empty (which Qt reads as unset)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest  # noqa: E402

from nnstudio.gui.app import collect_on_gui_thread, stop_collecting_on_gui_thread  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def garbage_collected_on_the_gui_thread(qapp):
    """As in the studio (see collect_on_gui_thread): a collection on a training thread
    could delete the GUI thread's Qt objects there, and hang the test run."""
    collect_on_gui_thread()
    yield
    stop_collecting_on_gui_thread()
    gc.enable()


@pytest.fixture(scope="session")
def iris_table():
    from nnstudio.core.data import load_table
    from nnstudio.core.samples import sample_path

    return load_table(sample_path("iris"))
