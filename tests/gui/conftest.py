"""GUI tests run offscreen; Qt warnings fail the test (qt_log_level_fail in pyproject)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def iris_table():
    from nnstudio.core.data import load_table
    from nnstudio.core.samples import sample_path

    return load_table(sample_path("iris"))
