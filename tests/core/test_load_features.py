"""Reading rows to predict: columns matched by name, by position, or rebuilt one-hot."""

import numpy as np
import pytest

from nnstudio.core.data import load_features
from nnstudio.core.errors import DataError

FEATURES = ("a", "b", "colour=blue", "colour=red")


def test_header_columns_are_matched_by_name_in_any_order(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("colour,b,extra,a,label\nred,2,9,1,x\nblue,4,9,3,y\n")
    X, labels = load_features(path, FEATURES, label_name="label")
    np.testing.assert_array_equal(X, [[1, 2, 0, 1], [3, 4, 1, 0]])
    assert list(labels) == ["x", "y"]


def test_headerless_rows_are_features_with_or_without_the_label(tmp_path):
    features_only = tmp_path / "f.csv"
    features_only.write_text("1,2\n3,4\n")
    X, labels = load_features(features_only, ("p", "q"))
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert labels is None
    label_first = tmp_path / "l.csv"
    label_first.write_text("cat,1,2\ndog,3,4\n")
    X, labels = load_features(label_first, ("p", "q"), label_column=0)
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert list(labels) == ["cat", "dog"]


def test_missing_and_text_values_are_refused_with_their_place(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("1,2\n3,?\n")
    with pytest.raises(DataError, match="line 2, column 2"):
        load_features(path, ("p", "q"))
    path.write_text("1,2\n3,x\n")
    with pytest.raises(DataError, match="not a number"):
        load_features(path, ("p", "q"))
