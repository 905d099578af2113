"""Tests of the table loader: delimiters, headers, missing values, text columns, refusals."""

from __future__ import annotations

import pathlib
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.data import Preview, Table, load_table, looks_like_classification, read_preview
from nnstudio.core.errors import DataError


def write(tmp_path, text: str, name: str = "table.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def refusal(path, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        load_table(path, **kwargs)
    message = str(info.value)
    assert path.name in message, message
    assert "Traceback" not in message
    return info.value


SIMPLE = "1.0,2.0,a\n3.0,4.0,b\n5.0,6.0,a\n7.0,8.0,b\n"
EXPECTED_X = np.array([[1, 2], [3, 4], [5, 6], [7, 8]], dtype=float)


# --- delimiters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "expected"),
    [(",", ","), (";", ";"), ("\t", "\t"), (" ", " "), ("   ", " ")],
)
def test_delimiters(tmp_path, delimiter, expected):
    path = write(tmp_path, SIMPLE.replace(",", delimiter))
    table = load_table(path)
    assert table.delimiter == expected
    np.testing.assert_array_equal(table.X, EXPECTED_X)
    assert table.labels.tolist() == ["a", "b", "a", "b"]


def test_mixed_spaces_and_tabs_are_whitespace(tmp_path):
    path = write(tmp_path, "1 \t2\ta\n3  4 b\n5\t 6 a\n7 8\t\tb\n", name="data.data")
    table = load_table(path)
    assert table.delimiter == " "
    np.testing.assert_array_equal(table.X, EXPECTED_X)
    assert table.labels.tolist() == ["a", "b", "a", "b"]


def test_whitespace_with_leading_and_trailing_spaces(tmp_path):
    path = write(tmp_path, "  1   2  a  \n  3   4  b\n5 6 a   \n 7 8 b\n", name="data.txt")
    table = load_table(path)
    assert table.delimiter == " "
    np.testing.assert_array_equal(table.X, EXPECTED_X)


def test_semicolon_file_with_decimal_commas_is_split_on_semicolons(tmp_path):
    path = write(tmp_path, "1,5;2;a\n3,5;4;b\n5,5;6;a\n")
    table = load_table(path, string_features="ignore")
    assert table.delimiter == ";"
    assert table.feature_names == ("column 2",)
    assert any("'column 1' holds text; ignored" in n for n in table.notices)


def test_tab_file_with_spaces_inside_header_names(tmp_path):
    path = write(tmp_path, "sepal length\tsepal width\tspecies\n1\t2\tx\n3\t4\ty\n5\t6\tx\n")
    table = load_table(path)
    assert table.delimiter == "\t"
    assert table.feature_names == ("sepal length", "sepal width")
    assert table.label_name == "species"


# --- header -------------------------------------------------------------------------------------


def test_header_detected(tmp_path):
    path = write(tmp_path, "height,weight,kind\n" + SIMPLE)
    table = load_table(path)
    assert table.has_header
    assert table.feature_names == ("height", "weight")
    assert table.label_name == "kind"
    assert table.n_rows == 4


def test_no_header_gives_numbered_names(tmp_path):
    table = load_table(write(tmp_path, SIMPLE))
    assert not table.has_header
    assert table.feature_names == ("column 1", "column 2")
    assert table.label_name == "column 3"
    assert table.n_rows == 4 and table.n_features == 2


def test_header_forced_on_for_numeric_first_row(tmp_path):
    path = write(tmp_path, "10,20,30\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    assert not load_table(path).has_header
    table = load_table(path, header=True)
    assert table.has_header
    assert table.feature_names == ("10", "20")
    assert table.label_name == "30"
    assert table.n_rows == 4


def test_header_forced_off_all_text_columns_are_noticed(tmp_path):
    path = write(tmp_path, "x,y,label\n1,2,a\n3,4,b\n")
    table = load_table(path, header=False)
    assert table.feature_names == ("column 1=1", "column 1=3", "column 1=x") + (
        "column 2=2",
        "column 2=4",
        "column 2=y",
    )
    assert table.labels.tolist() == ["label", "a", "b"]


# --- text encodings and line ends ---------------------------------------------------------------


def test_utf8_bom_is_stripped(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfh\xc3\xb6he,width,kind\n1,2,a\n3,4,b\n")
    table = load_table(path)
    assert table.has_header
    assert table.feature_names == ("höhe", "width")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_ends(tmp_path, newline):
    path = write(tmp_path, SIMPLE.replace("\n", newline))
    table = load_table(path)
    np.testing.assert_array_equal(table.X, EXPECTED_X)
    assert table.labels.tolist() == ["a", "b", "a", "b"]


def test_quoted_fields_with_delimiters_inside(tmp_path):
    text = 'x,y,city\n1,2,"Paris, France"\n3,4,"Rome, Italy"\n5,6,"Paris, France"\n'
    table = load_table(write(tmp_path, text))
    assert table.labels.tolist() == ["Paris, France", "Rome, Italy", "Paris, France"]
    np.testing.assert_array_equal(table.X, [[1, 2], [3, 4], [5, 6]])


def test_quoted_numbers_and_quoted_feature_text(tmp_path):
    text = '"a","b;c","label"\n"1.5","x;y",0\n"2.5","z",1\n"3.5","x;y",0\n"4.5","z",1\n'
    table = load_table(write(tmp_path, text))
    assert table.delimiter == ","
    assert table.feature_names == ("a", "b;c=x;y", "b;c=z")
    np.testing.assert_array_equal(table.X[:, 0], [1.5, 2.5, 3.5, 4.5])


def test_blank_lines_anywhere_are_ignored_but_line_numbers_stay_real(tmp_path):
    text = "\n1,2,a\n\n   \n3,4,b\n5,6,a\n\n7,x,b,9\n\n"
    err = refusal(write(tmp_path, text))
    assert err.line == 8
    assert "line 8" in str(err)


def test_blank_trailing_lines(tmp_path):
    table = load_table(write(tmp_path, SIMPLE + "\n\n\n"))
    assert table.n_rows == 4
    assert table.rows_dropped == 0
    assert table.notices == ()


# --- label and ignored columns ------------------------------------------------------------------


def test_label_by_index(tmp_path):
    table = load_table(write(tmp_path, "a,b,c\n1,10,0\n2,20,1\n3,30,0\n4,40,1\n"), label_column=0)
    assert table.label_name == "a"
    assert table.feature_names == ("b", "c")
    np.testing.assert_array_equal(table.labels, [1, 2, 3, 4])
    assert table.labels.dtype == np.float64


def test_label_by_negative_index(tmp_path):
    table = load_table(write(tmp_path, "a,b,c\n1,10,0\n2,20,1\n3,30,0\n"), label_column=-2)
    assert table.label_name == "b"
    assert table.feature_names == ("a", "c")
    np.testing.assert_array_equal(table.labels, [10, 20, 30])


def test_label_by_name(tmp_path):
    table = load_table(write(tmp_path, "kind,b,c\nx,10,0\ny,20,1\nx,30,0\n"), label_column="kind")
    assert table.label_name == "kind"
    assert table.labels.tolist() == ["x", "y", "x"]
    assert table.feature_names == ("b", "c")


def test_unknown_label_name_lists_the_columns(tmp_path):
    err = refusal(write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n"), label_column="species")
    message = str(err)
    assert "species" in message
    assert "'a', 'b', 'c'" in message


def test_label_index_out_of_range(tmp_path):
    err = refusal(write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n"), label_column=3)
    assert "3 columns" in str(err)


def test_ignore_columns_by_index_and_name(tmp_path):
    path = write(tmp_path, "id,name,x,y,label\n1,ann,0.5,1,a\n2,bob,1.5,2,b\n3,cy,2.5,3,a\n")
    table = load_table(path, ignore_columns=[0, "name"])
    assert table.feature_names == ("x", "y")
    np.testing.assert_array_equal(table.X, [[0.5, 1], [1.5, 2], [2.5, 3]])
    assert table.notices == ()


def test_ignored_column_may_hold_missing_values(tmp_path):
    path = write(tmp_path, "note,x,label\n,1,a\nNA,2,b\n?,3,a\n")
    table = load_table(path, ignore_columns=["note"])
    assert table.rows_dropped == 0
    assert table.n_rows == 3


def test_label_cannot_also_be_ignored(tmp_path):
    err = refusal(write(tmp_path, SIMPLE), ignore_columns=[-1])
    assert "both the label and ignored" in str(err)


# --- text feature columns -----------------------------------------------------------------------


COLOURS = "size,colour,kind\n1,red,a\n2,blue,b\n3,green,a\n4,red,b\n"


def test_text_column_one_hot_encoded(tmp_path):
    table = load_table(write(tmp_path, COLOURS))
    assert table.feature_names == ("size", "colour=blue", "colour=green", "colour=red")
    np.testing.assert_array_equal(table.X, [[1, 0, 0, 1], [2, 1, 0, 0], [3, 0, 1, 0], [4, 0, 0, 1]])
    assert table.notices == ("Column 'colour' holds text; one-hot encoded into 3 features.",)


def test_text_column_ignored_on_request(tmp_path):
    table = load_table(write(tmp_path, COLOURS), string_features="ignore")
    assert table.feature_names == ("size",)
    assert table.notices == ("Column 'colour' holds text; ignored.",)


def test_text_column_with_many_values_is_ignored(tmp_path):
    rows = "".join(f"{i},name{i},{'ab'[i % 2]}\n" for i in range(60))
    table = load_table(write(tmp_path, "x,name,kind\n" + rows))
    assert table.feature_names == ("x",)
    assert len(table.notices) == 1
    assert "'name'" in table.notices[0] and "60 different values" in table.notices[0]


def test_numeric_labels_with_one_text_value_become_strings(tmp_path):
    table = load_table(write(tmp_path, "x,y\n1,0\n2,1\n3,two\n"))
    assert table.labels.dtype.kind in "UO"
    assert table.labels.tolist() == ["0", "1", "two"]


def test_arrays_are_read_only_float64(tmp_path):
    table = load_table(write(tmp_path, SIMPLE))
    assert isinstance(table, Table)
    assert table.X.dtype == np.float64
    assert not table.X.flags.writeable
    assert not table.labels.flags.writeable
    with pytest.raises(ValueError):
        table.X[0, 0] = 9.0


# --- missing values -----------------------------------------------------------------------------


def test_missing_values_drop_rows_with_count_and_notice(tmp_path):
    text = "x,y,kind\n1,2,a\n3,NA,b\n5,6,a\n,8,b\n9,10,?\n11,12,b\n13,N/a,a\n15,16,b\n"
    table = load_table(write(tmp_path, text))
    assert table.rows_dropped == 4
    assert table.n_rows == 4
    np.testing.assert_array_equal(table.X[:, 0], [1, 5, 11, 15])
    assert table.notices == ("Dropped 4 of 8 rows with missing values (first at line 3).",)


@pytest.mark.parametrize("marker", ["", "NA", "n/a", "NaN", "nan", "?", "NULL", "null"])
def test_each_missing_marker(tmp_path, marker):
    table = load_table(write(tmp_path, f"1,2,a\n3,{marker},b\n5,6,a\n7,8,b\n"))
    assert table.rows_dropped == 1
    assert table.n_rows == 3


def test_too_few_rows_left_after_dropping(tmp_path):
    err = refusal(write(tmp_path, "x,y,k\n1,2,a\n3,NA,b\n?,6,a\n"))
    assert "only 1 of 3 rows" in str(err)
    assert err.line == 3


def test_min_rows(tmp_path):
    path = write(tmp_path, SIMPLE)
    assert load_table(path, min_rows=4).n_rows == 4
    err = refusal(path, min_rows=5)
    assert "at least 5" in str(err)


def test_empty_column_from_trailing_delimiters_is_ignored(tmp_path):
    table = load_table(write(tmp_path, "1,2,a,\n3,4,b,\n5,6,a,\n"), label_column=2)
    assert table.feature_names == ("column 1", "column 2")
    assert table.rows_dropped == 0
    assert table.notices == ("Column 'column 4' is empty; ignored.",)


def test_infinite_value_is_refused_with_line_and_column(tmp_path):
    err = refusal(write(tmp_path, "x,y,k\n1,2,a\n3,inf,b\n5,6,a\n"))
    assert (err.line, err.column) == (3, 2)
    assert "line 3, column 2" in str(err)


# --- refusals -----------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    err = refusal(tmp_path / "nowhere.csv")
    assert "not found" in str(err)


def test_folder_instead_of_file(tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "folder" in str(refusal(folder))


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\r\n"])
def test_empty_file(tmp_path, text):
    assert "empty" in str(refusal(write(tmp_path, text, name="empty.csv")))


def test_only_delimiters(tmp_path):
    assert "only delimiters" in str(refusal(write(tmp_path, ",,,\n;;\n,,,\n")))


def test_binary_file_with_nul_bytes(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"1,2,a\n3,4,b\nPK\x03\x04\x00\x00junk")
    err = refusal(path)
    assert err.line == 3
    assert "UTF-8" in str(err)


def test_utf16_file_is_refused_as_not_utf8(tmp_path):
    err = refusal(write(tmp_path, "x,y,k\n1,2,a\n3,4,b\n", encoding="utf-16"))
    assert "UTF-8" in str(err)


def test_latin1_file_names_line_and_column(tmp_path):
    path = write(tmp_path, "x,y,k\n1,2,a\n3,4,b\n5,6,caf\xe9\n", encoding="latin-1")
    err = refusal(path)
    assert (err.line, err.column) == (4, 8)
    assert "line 4, column 8" in str(err)
    assert "UTF-8" in str(err)


def test_ragged_row_names_line_and_counts(tmp_path):
    err = refusal(write(tmp_path, "x,y,k\n1,2,a\n\n3,4\n5,6,a\n"))
    assert err.line == 4
    assert "expected 3 fields" in str(err) and "found 2" in str(err)


def test_ragged_row_after_many_good_rows(tmp_path):
    rows = "".join(f"{i},{i},a\n" for i in range(100))
    err = refusal(write(tmp_path, rows + "1,2,3,b\n"))
    assert err.line == 101
    assert "found 4" in str(err)


def test_one_column_file(tmp_path):
    err = refusal(write(tmp_path, "1\n2\n3\n"))
    assert "two columns" in str(err)


def test_one_class(tmp_path):
    err = refusal(write(tmp_path, "x,y,k\n1,2,a\n3,4,a\n5,6,a\n"))
    assert "only one class" in str(err) and "at least two" in str(err)


def test_one_numeric_class(tmp_path):
    err = refusal(write(tmp_path, "x,k\n1,1\n2,1\n3,1\n4,1\n"))
    assert "only one class" in str(err)


def test_constant_regression_target_is_not_a_class_error(tmp_path):
    table = load_table(write(tmp_path, "x,t\n1,0.5\n2,0.5\n3,0.5\n"))
    assert table.labels.tolist() == [0.5, 0.5, 0.5]


def test_single_data_row(tmp_path):
    err = refusal(write(tmp_path, "x,y,k\n1,2,a\n"))
    assert "single data row" in str(err)
    with pytest.raises(DataError, match="single data row"):
        load_table(write(tmp_path, "1,2,a\n", name="one.csv"), min_rows=1)


def test_header_only(tmp_path):
    err = refusal(write(tmp_path, "x,y,k\n"), header=True)
    assert "no data rows" in str(err)


def test_no_feature_columns_left(tmp_path):
    err = refusal(write(tmp_path, "x,y,k\n1,2,a\n3,4,b\n"), ignore_columns=["x", "y"])
    assert "no feature columns" in str(err)


# --- looks_like_classification ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (np.array(["a", "b", "a"]), True),
        (np.array(["only"], dtype=object), True),
        (np.array([0.0, 1.0, 2.0, 1.0, 0.0, 2.0, 1.0]), True),
        (np.repeat(np.arange(20.0), 3), True),
        (np.repeat(np.arange(21.0), 3), False),  # more than 20 distinct values
        (np.array([0.0, 1.0, 2.0, 3.0]), False),  # as many distinct values as rows
        (np.array([0.5, 1.0, 0.5, 1.0, 0.5, 1.0]), False),  # not whole numbers
        (np.array([0, 1, 1, 0, 1]), True),  # integer dtype
        (np.array([], dtype=float), False),
        (np.array([1.0, np.nan, 1.0, 2.0, 2.0]), False),
    ],
)
def test_looks_like_classification(labels, expected):
    assert looks_like_classification(labels) is expected


# --- read_preview -------------------------------------------------------------------------------


def test_read_preview_with_header(tmp_path):
    rows = "".join(f"{i},{i * 2},{'ab'[i % 2]}\n" for i in range(30))
    preview = read_preview(write(tmp_path, "x,y,k\n" + rows), max_rows=5)
    assert isinstance(preview, Preview)
    assert preview.column_names == ("x", "y", "k")
    assert preview.rows[:2] == (("0", "0", "a"), ("1", "2", "b"))
    assert len(preview.rows) == 5
    assert preview.n_rows_total == 30
    assert preview.has_header and preview.delimiter == ","


def test_read_preview_without_header_and_forced(tmp_path):
    path = write(tmp_path, "1\t2\tx\n3\t4\ty\n\n")
    preview = read_preview(path)
    assert preview.column_names == ("column 1", "column 2", "column 3")
    assert preview.rows == (("1", "2", "x"), ("3", "4", "y"))
    assert preview.delimiter == "\t" and not preview.has_header
    forced = read_preview(path, header=True)
    assert forced.column_names == ("1", "2", "x")
    assert forced.n_rows_total == 1


def test_read_preview_refuses_binary(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00\x01\x02")
    with pytest.raises(DataError, match="x.bin"):
        read_preview(path)


# --- anything else ------------------------------------------------------------------------------

cells = st.sampled_from(["1", "2.5", "-3e2", "a", "b c", '"x,y"', "", "NA", "?", "inf", '"'])
separators = st.sampled_from([",", ";", "\t", " ", "  "])
lines = st.lists(cells, min_size=0, max_size=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(lines, max_size=8),
    separators,
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.binary(max_size=4),
)
def test_any_text_gives_a_table_or_a_data_error(rows, separator, newline, junk):
    text = newline.join(separator.join(row) for row in rows).encode() + junk
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "fuzz.csv"
        path.write_bytes(text)
        try:
            table = load_table(path)
        except DataError as exc:
            assert str(exc).startswith(str(path))
        else:
            assert table.X.shape == (table.n_rows, len(table.feature_names))
            assert table.labels.shape == (table.n_rows,)
            assert np.all(np.isfinite(table.X))
        try:
            read_preview(path)
        except DataError:
            pass
