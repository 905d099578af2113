"""Tests of the bundled sample data and of locating it."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core import samples
from nnstudio.core.data import load_table, looks_like_classification
from nnstudio.core.errors import DataError
from nnstudio.core.samples import SampleInfo, list_samples, sample_dir, sample_path


@pytest.mark.parametrize(
    ("name", "shape", "label_name", "classes"),
    [
        ("iris", (150, 4), "species", ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]),
        ("wine", (178, 13), "cultivar", ["class_0", "class_1", "class_2"]),
        ("breast_cancer", (569, 30), "diagnosis", ["benign", "malignant"]),
    ],
)
def test_classification_samples_load(name, shape, label_name, classes):
    table = load_table(sample_path(name))
    assert table.X.shape == shape
    assert table.label_name == label_name
    assert sorted(set(table.labels.tolist())) == classes
    assert looks_like_classification(table.labels)
    assert table.rows_dropped == 0 and table.notices == ()
    assert np.all(np.isfinite(table.X))


def test_iris_is_the_classic_uci_file():
    path = sample_path("iris")
    raw = path.read_bytes()
    assert raw.endswith(b"Iris-virginica\n\n")
    lines = raw.decode("ascii").split("\n")
    assert lines[0] == "5.1,3.5,1.4,0.2,Iris-setosa"
    assert lines[149] == "5.9,3.0,5.1,1.8,Iris-virginica"
    assert all(len(v.split(".")[1]) == 1 for line in lines[:150] for v in line.split(",")[:4])
    table = load_table(path)
    assert not table.has_header
    assert table.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    counts = {c: int(np.sum(table.labels == c)) for c in set(table.labels.tolist())}
    assert set(counts.values()) == {50}
    np.testing.assert_allclose(table.X.mean(axis=0), [5.8433, 3.0573, 3.758, 1.1993], atol=1e-3)


def test_wine_and_breast_cancer_headers():
    wine = load_table(sample_path("wine"))
    assert wine.feature_names[:2] == ("alcohol", "malic_acid")
    assert wine.feature_names[-1] == "proline"
    cancer = load_table(sample_path("breast_cancer.csv"))
    assert cancer.feature_names[0] == "mean_radius"
    assert cancer.feature_names[-1] == "worst_fractal_dimension"
    assert int(np.sum(cancer.labels == "malignant")) == 212


def test_diabetes_is_raw_regression_data():
    table = load_table(sample_path("diabetes"))
    assert table.X.shape == (442, 10)
    assert table.feature_names == ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
    assert table.label_name == "progression"
    assert table.labels.dtype == np.float64
    assert not looks_like_classification(table.labels)
    assert table.X[0, 0] == 59 and set(np.unique(table.X[:, 1])) == {1.0, 2.0}
    assert (table.labels.min(), table.labels.max()) == (25.0, 346.0)


def test_list_samples_describes_every_file():
    infos = list_samples()
    assert [i.name for i in infos][:4] == ["iris", "wine", "breast_cancer", "diabetes"]
    for info in infos:
        assert isinstance(info, SampleInfo)
        assert info.path.is_file()
        assert info.description
        assert info.task in ("classification", "regression")
    assert {i.name: i.task for i in infos}["diabetes"] == "regression"


@pytest.mark.parametrize("name", ["iris", "iris.csv", "IRIS", " Iris.CSV "])
def test_sample_path_with_or_without_extension(name):
    assert sample_path(name) == sample_dir() / "iris.csv"


def test_unknown_sample_lists_available_names():
    with pytest.raises(DataError) as info:
        sample_path("titanic")
    message = str(info.value)
    assert "titanic" in message
    for name in ("iris", "wine", "breast_cancer", "diabetes"):
        assert name in message


def test_sample_dir_prefers_the_package_folder(tmp_path, monkeypatch):
    package = tmp_path / "repo" / "nnstudio"
    (package / "sample_data").mkdir(parents=True)
    (tmp_path / "repo" / "sample_data").mkdir()
    monkeypatch.setattr(samples, "_PACKAGE_DIR", package)
    assert sample_dir() == package / "sample_data"


def test_sample_dir_falls_back_to_the_checkout(tmp_path, monkeypatch):
    package = tmp_path / "repo" / "nnstudio"
    package.mkdir(parents=True)
    (tmp_path / "repo" / "sample_data").mkdir()
    monkeypatch.setattr(samples, "_PACKAGE_DIR", package)
    assert sample_dir() == tmp_path / "repo" / "sample_data"


def test_missing_sample_dir_is_a_data_error(tmp_path, monkeypatch):
    monkeypatch.setattr(samples, "_PACKAGE_DIR", tmp_path / "nnstudio")
    with pytest.raises(DataError, match="reinstall"):
        sample_dir()


def test_undescribed_extra_file_is_listed_last(tmp_path, monkeypatch):
    package = tmp_path / "nnstudio"
    folder = package / "sample_data"
    folder.mkdir(parents=True)
    (folder / "iris.csv").write_text("1,2,a\n3,4,b\n")
    (folder / "extra.txt").write_text("1 2 a\n3 4 b\n")
    (folder / "README.md").write_text("# not data\n")
    monkeypatch.setattr(samples, "_PACKAGE_DIR", package)
    infos = list_samples()
    assert [(i.name, i.task) for i in infos] == [("iris", "classification"), ("extra", "auto")]


def test_bundled_names_apply_only_to_the_bundled_file(tmp_path):
    copy = tmp_path / "iris.csv"
    copy.write_bytes(sample_path("iris").read_bytes())
    table = load_table(copy)
    assert table.feature_names == ("column 1", "column 2", "column 3", "column 4")
    assert table.label_name == "column 5"
