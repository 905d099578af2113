import pytest

from nnstudio.core.data import load_table
from nnstudio.core.samples import sample_path


@pytest.fixture(scope="session")
def iris_table():
    return load_table(sample_path("iris"))
