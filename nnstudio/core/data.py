"""Reading a table of numbers (an iris-style CSV) into features and labels.

:func:`load_table` turns a delimited text file into a :class:`Table`: a float
feature matrix ``X`` and a label vector. It sniffs the delimiter (comma,
semicolon, tab or runs of whitespace) and whether the first row is a header,
skips blank lines, drops rows with missing values and one-hot encodes text
columns, telling the user about each of these in :attr:`Table.notices`.
Anything that makes a file unusable raises :class:`~nnstudio.core.errors.DataError`
naming the file, the line where it is known, and what to do.

:func:`read_preview` gives the GUI the first rows as text before anything is chosen.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.core.errors import DataError

MISSING = frozenset({"", "na", "n/a", "nan", "?", "null"})
"""Cell values (compared case-insensitively, after stripping spaces) that mean "missing"."""

MAX_ONEHOT_VALUES = 50
"""A text column with more distinct values than this is ignored rather than one-hot encoded."""

_SNIFF_LINES = 50
_DELIMITERS = ("\t", ";", ",", " ")  # preference order when several fit equally well
_DELIMITER_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs", " ": "spaces"}
_WHITESPACE_FIELD = re.compile(r'"((?:[^"]|"")*)"|(\S+)')


@dataclass(frozen=True)
class Table:
    """A loaded data table: numeric features and one label per row.

    Attributes
    ----------
    path : str
        The file, as given to :func:`load_table`.
    feature_names : tuple of str, length n_features
        Names of the columns of ``X``; a one-hot encoded text column ``colour``
        contributes ``"colour=blue"``, ``"colour=red"``, ...
    X : ndarray of float64, shape (n_rows, n_features)
        The features, read-only.
    labels : ndarray, shape (n_rows,)
        Strings if the label column held any non-numeric value, else float64. Read-only.
    label_name : str
        Header name of the label column, or ``"column N"`` (1-based) without a header.
    delimiter : str
        ``","``, ``";"``, ``"\\t"`` or ``" "`` (meaning runs of spaces and tabs).
    has_header : bool
    rows_dropped : int
        Rows left out because a used cell was missing.
    notices : tuple of str
        Plain sentences for the user: rows dropped, columns encoded or ignored.
    """

    path: str
    feature_names: tuple[str, ...]
    X: np.ndarray
    labels: np.ndarray
    label_name: str
    delimiter: str
    has_header: bool
    rows_dropped: int
    notices: tuple[str, ...]

    @property
    def n_rows(self) -> int:
        """Number of data rows kept."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns in ``X``."""
        return int(self.X.shape[1])


@dataclass(frozen=True)
class Preview:
    """The first rows of a file as text, for showing before loading.

    Attributes
    ----------
    column_names : tuple of str, length n_columns
        Header names, or ``"column 1"``, ``"column 2"``, ... without a header.
    rows : tuple of tuple of str, shape (min(max_rows, n_rows_total), n_columns)
    delimiter : str
    has_header : bool
    n_rows_total : int
        Number of non-blank data rows in the whole file.
    """

    column_names: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    delimiter: str
    has_header: bool
    n_rows_total: int


@dataclass
class _Parsed:
    names: list[str]
    rows: list[list[str]]  # data rows only, every one with len(names) cells, stripped
    lines: list[int]  # 1-based file line where each data row starts
    delimiter: str
    has_header: bool


def looks_like_classification(labels: np.ndarray) -> bool:
    """Guess whether labels name classes (True) or are regression targets (False).

    Parameters
    ----------
    labels : ndarray, shape (n,)

    Returns
    -------
    bool
        True for text labels, and for whole numbers with at most 20 distinct
        values that are also fewer than half the number of rows.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind in "USb" or (
        labels.dtype.kind == "O" and any(isinstance(v, str) for v in labels.ravel())
    ):
        return True
    if labels.size == 0:
        return False
    values = labels.astype(np.float64).ravel()
    if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        return False
    n_distinct = np.unique(values).size
    return n_distinct <= 20 and n_distinct < values.size / 2


def read_preview(
    path: str | os.PathLike[str], max_rows: int = 20, *, header: bool | None = None
) -> Preview:
    """Read a file's column names and first ``max_rows`` data rows as text.

    Raises
    ------
    DataError
        For the same unreadable, empty, binary or ragged files :func:`load_table` refuses.
    """
    parsed = _parse(path, header)
    return Preview(
        column_names=tuple(parsed.names),
        rows=tuple(tuple(row) for row in parsed.rows[: max(max_rows, 0)]),
        delimiter=parsed.delimiter,
        has_header=parsed.has_header,
        n_rows_total=len(parsed.rows),
    )


def load_table(
    path: str | os.PathLike[str],
    *,
    label_column: int | str | None = None,
    ignore_columns: Sequence[int | str] = (),
    header: bool | None = None,
    string_features: str = "onehot",
    min_rows: int = 2,
) -> Table:
    """Load a delimited text table into features ``X`` and ``labels``.

    Parameters
    ----------
    path : str or path-like
        A UTF-8 text file (a byte-order mark is allowed) with one row per line.
    label_column : int, str or None
        ``None`` for the last column, a 0-based index (negative counts from the
        end) or a header name.
    ignore_columns : sequence of int or str
        Columns left out, by 0-based index or header name.
    header : bool or None
        Whether the first row holds names; ``None`` detects it.
    string_features : {"onehot", "ignore"}
        What to do with feature columns that hold text.
    min_rows : int
        Fewest data rows accepted after dropping rows with missing values (at least 2).

    Returns
    -------
    Table

    Raises
    ------
    DataError
        When the file cannot be read or used; the message says where and what to do.
    """
    if string_features not in ("onehot", "ignore"):
        raise ValueError(f"string_features must be 'onehot' or 'ignore', not {string_features!r}")
    where = os.fspath(path)
    parsed = _parse(path, header)
    names = parsed.names
    label = _column_index(label_column if label_column is not None else -1, names, where, "label")
    ignored = {_column_index(c, names, where, "ignored") for c in ignore_columns}
    if label in ignored:
        raise DataError(
            f"column '{names[label]}' is both the label and ignored; choose one", path=where
        )
    notices: list[str] = []
    columns = [[row[j] for row in parsed.rows] for j in range(len(names))]
    used = _used_columns(columns, names, label, ignored, where, notices)

    n_total = len(parsed.rows)
    complete = [not any(_is_missing(columns[j][i]) for j in used) for i in range(n_total)]
    keep = [i for i in range(n_total) if complete[i]]
    dropped = n_total - len(keep)
    first_missing = next((parsed.lines[i] for i in range(n_total) if not complete[i]), None)
    if dropped:
        notices.append(
            f"Dropped {dropped} of {n_total} rows with missing values "
            f"(first at line {first_missing})."
        )
    _check_row_count(len(keep), max(min_rows, 2), n_total, first_missing, where)

    lines = [parsed.lines[i] for i in keep]
    label_cells = [columns[label][i] for i in keep]
    numbers = _as_numbers(label_cells, lines, label, names[label], where)
    labels = numbers if numbers is not None else np.array(label_cells, dtype=str)
    features: list[np.ndarray] = []  # blocks of shape (n_rows, k)
    feature_names: list[str] = []
    for j in used:
        if j == label:
            continue
        cells = [columns[j][i] for i in keep]
        block, block_names, notice = _feature_block(
            cells, _as_numbers(cells, lines, j, names[j], where), names[j], string_features
        )
        features.append(block)
        feature_names.extend(block_names)
        if notice:
            notices.append(notice)
    if not feature_names:
        raise DataError(
            f"no feature columns are left besides the label '{names[label]}'; "
            "a table needs at least one numeric or text feature column — check the ignored columns",
            path=where,
        )
    _check_classes(labels, names[label], where)
    X = np.hstack(features).astype(np.float64)
    X.setflags(write=False)
    labels.setflags(write=False)
    return Table(
        path=where,
        feature_names=tuple(feature_names),
        X=X,
        labels=labels,
        label_name=names[label],
        delimiter=parsed.delimiter,
        has_header=parsed.has_header,
        rows_dropped=dropped,
        notices=tuple(notices),
    )


def load_features(
    path: str | os.PathLike[str],
    feature_names: Sequence[str],
    *,
    label_name: str | None = None,
    label_column: int | str | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows to predict: a model's feature columns, and its label column if the file has one.

    With a header row, columns are found by name (in any order; other columns are
    left out), and a one-hot feature ``"colour=red"`` is rebuilt from a text column
    ``colour``. Without one, the file holds exactly the features in training order,
    or those plus the label at ``label_column`` (default: last).

    Returns
    -------
    X : ndarray, shape (n, len(feature_names))
    labels : ndarray, shape (n,), or None when the file has no label column
    """
    where = os.fspath(path)
    parsed = _parse(path, None)
    names, rows, lines = parsed.names, parsed.rows, parsed.lines
    columns = [[row[j] for row in rows] for j in range(len(names))]
    n_features = len(feature_names)
    if parsed.has_header and all(f in names or f.split("=", 1)[0] in names for f in feature_names):
        sources = [
            names.index(f) if f in names else names.index(f.split("=", 1)[0]) for f in feature_names
        ]
        label = names.index(label_name) if label_name in names else None
    elif len(names) == n_features:
        sources, label = list(range(n_features)), None
    elif len(names) == n_features + 1:
        label = -1 if label_column is None or isinstance(label_column, str) else label_column
        label = label % len(names)
        sources = [j for j in range(len(names)) if j != label]
    else:
        raise DataError(
            f"has {len(names)} columns but the model needs its {n_features} feature columns "
            f"({', '.join(feature_names)}), optionally with the label; "
            "give a table with those columns",
            path=where,
        )
    blocks = []
    for name, j in zip(feature_names, sources, strict=True):
        cells = columns[j]
        for i, cell in enumerate(cells):
            if _is_missing(cell):
                raise DataError(
                    f"the value of '{names[j]}' is missing; every feature is needed to predict",
                    path=where,
                    line=lines[i],
                    column=j + 1,
                )
        if "=" in name and name not in names:  # a one-hot feature rebuilt from its text column
            value = name.split("=", 1)[1]
            blocks.append(np.array([cell == value for cell in cells], dtype=np.float64))
            continue
        values = _as_numbers(cells, lines, j, names[j], where)
        if values is None:
            i = next(i for i, cell in enumerate(cells) if not _is_number(cell))
            raise DataError(
                f"the value '{cells[i]}' in column '{names[j]}' is not a number",
                path=where,
                line=lines[i],
                column=j + 1,
            )
        blocks.append(values)
    X = np.column_stack(blocks) if blocks else np.empty((len(rows), 0))
    labels = None
    if label is not None:
        cells = columns[label]
        numbers = _as_numbers(cells, lines, label, names[label], where)
        labels = numbers if numbers is not None else np.array(cells, dtype=str)
    return X, labels


# --- reading text -------------------------------------------------------------------------------


def _read_text(path: str | os.PathLike[str]) -> str:
    """Read a file as UTF-8 text, refusing missing, unreadable and binary files."""
    where = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise DataError("file not found; check the name and folder", path=where) from None
    except IsADirectoryError:
        raise DataError("is a folder, not a file; choose a data file in it", path=where) from None
    except OSError as exc:
        raise DataError(
            f"cannot be read ({exc.strerror or exc}); check that you may open it", path=where
        ) from None
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position(data, nul)
        raise DataError(
            "contains NUL bytes, so it is binary (or UTF-16) rather than a UTF-8 text table; "
            "save it as a UTF-8 CSV file",
            path=where,
            line=line,
            column=column,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise DataError(
            "is not valid UTF-8 text; the table must be a UTF-8 text file — "
            "save it again as UTF-8 CSV",
            path=where,
            line=line,
            column=column,
        ) from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) of byte ``offset``, counting CRLF, LF and CR as line ends."""
    prefix = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    line_start = prefix.rfind(b"\n") + 1
    column = len(prefix[line_start:].decode("utf-8", errors="replace")) + 1
    return prefix.count(b"\n") + 1, column


def _split_rows(lines: list[str], delimiter: str) -> list[tuple[int, list[str]]]:
    """Split lines into (start line, stripped cells), skipping blank lines.

    ``lines`` end in ``"\\n"``; a quoted field may span lines except with whitespace delimiters.
    """
    records: list[tuple[int, list[str]]] = []
    if delimiter == " ":
        for number, line in enumerate(lines, start=1):
            cells = [
                quoted.replace('""', '"') if plain == "" else plain
                for quoted, plain in _WHITESPACE_FIELD.findall(line)
            ]
            cells = [c.strip() for c in cells]
            if any(cells):
                records.append((number, cells))
        return records
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True, strict=False)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            raise DataError(f"cannot be split into fields ({exc})", line=start) from None
        cells = [c.strip() for c in cells]
        if any(cells):
            records.append((start, cells))


def _sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter whose field counts agree best over the first non-blank lines."""
    sample = [line for line in lines if line.strip()][:_SNIFF_LINES]
    best, best_score = None, 0.0
    for delimiter in _DELIMITERS:
        try:
            counts = [len(cells) for _, cells in _split_rows(sample, delimiter)]
        except DataError:
            continue
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        score = hits / len(counts)
        if mode >= 2 and score > best_score:
            best, best_score = delimiter, score
    return best


def _parse(path: str | os.PathLike[str], header: bool | None) -> _Parsed:
    """Read, split and check a file into header names and equally long data rows."""
    where = os.fspath(path)
    text = _read_text(path)
    lines = [line + "\n" for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if lines and lines[-1] == "\n":
        lines.pop()
    if not any(line.strip() for line in lines):
        raise DataError("is empty; choose a file with a table of data in it", path=where)
    delimiter = _sniff_delimiter(lines)
    if delimiter is None and not re.search(r'[^,;"\s]', text):
        raise DataError(
            "holds no values, only delimiters; choose a file with data in it", path=where
        )
    if delimiter is None:
        raise DataError(
            "holds only one column; a table needs at least two columns (features and a label) "
            "separated by commas, semicolons, tabs or spaces",
            path=where,
        )
    try:
        records = _split_rows(lines, delimiter)
    except DataError as exc:
        raise DataError(exc.reason, path=where, line=exc.line) from None
    # The most common field count (the earliest one on a tie) is taken as right.
    expected = Counter(len(cells) for _, cells in records).most_common(1)[0][0]
    for number, cells in records:
        if len(cells) != expected:
            hint = " (quote fields that contain the delimiter)" if len(cells) > expected else ""
            raise DataError(
                f"expected {expected} fields separated by {_DELIMITER_WORDS[delimiter]}, "
                f"found {len(cells)}; make every row have {expected} fields{hint}",
                path=where,
                line=number,
            )
    if header is None:
        header = _looks_like_header([cells for _, cells in records])
    if header:
        names = _unique_names(records[0][1])
        records = records[1:]
    else:
        names = _headerless_names(path, expected)
    if not records:
        raise DataError(
            "has a header but no data rows; add rows of data below the header", path=where
        )
    return _Parsed(
        names=names,
        rows=[cells for _, cells in records],
        lines=[number for number, _ in records],
        delimiter=delimiter,
        has_header=bool(header),
    )


def _headerless_names(path: str | os.PathLike[str], count: int) -> list[str]:
    """Column names for a file without a header: known ones for bundled samples."""
    from nnstudio.core.samples import known_column_names

    return list(known_column_names(path, count) or (f"column {j + 1}" for j in range(count)))


def _looks_like_header(rows: list[list[str]]) -> bool:
    """True if some first-row cell is text in a column whose other cells are numbers."""
    if len(rows) < 2:
        return False
    for j, first in enumerate(rows[0]):
        if _is_missing(first) or _is_number(first):
            continue
        rest = [row[j] for row in rows[1:] if not _is_missing(row[j])]
        if rest and all(_is_number(cell) for cell in rest):
            return True
    return False


def _unique_names(cells: list[str]) -> list[str]:
    """Header names, with blanks named by position and repeats made unique."""
    names: list[str] = []
    for j, cell in enumerate(cells):
        name = cell or f"column {j + 1}"
        while name in names:
            name = f"{name} ({j + 1})"
        names.append(name)
    return names


# --- cells and columns --------------------------------------------------------------------------


def _is_missing(cell: str) -> bool:
    return cell.lower() in MISSING


def _is_number(cell: str) -> bool:
    if "_" in cell:
        return False
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _as_numbers(
    cells: list[str], lines: list[int], j: int, name: str, where: str
) -> np.ndarray | None:
    """The column as float64 of shape (n,), or None if any cell is not a number."""
    if not all(_is_number(cell) for cell in cells):
        return None
    values = np.array([float(cell) for cell in cells], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"the value '{cells[i]}' in column '{name}' is not a finite number; "
            "replace it with a number, or leave the cell empty to drop the row",
            path=where,
            line=lines[i],
            column=j + 1,
        )
    return values


def _used_columns(
    columns: list[list[str]],
    names: list[str],
    label: int,
    ignored: set[int],
    where: str,
    notices: list[str],
) -> list[int]:
    """Indices of the columns to read: not ignored and not entirely empty."""
    used: list[int] = []
    for j, cells in enumerate(columns):
        if j in ignored:
            continue
        if all(_is_missing(cell) for cell in cells):
            if j == label:
                raise DataError(
                    f"the label column '{names[j]}' is empty; choose another label column",
                    path=where,
                )
            notices.append(f"Column '{names[j]}' is empty; ignored.")
            continue
        used.append(j)
    return used


def _feature_block(
    cells: list[str], numbers: np.ndarray | None, name: str, string_features: str
) -> tuple[np.ndarray, list[str], str | None]:
    """One column as features: (block of shape (n, k), k names, notice or None)."""
    if numbers is not None:
        return numbers[:, None], [name], None
    distinct = sorted(set(cells))
    if len(distinct) > MAX_ONEHOT_VALUES:
        notice = (
            f"Column '{name}' holds text with {len(distinct)} different values "
            f"(more than {MAX_ONEHOT_VALUES}); ignored."
        )
        return np.empty((len(cells), 0)), [], notice
    if string_features == "ignore":
        return np.empty((len(cells), 0)), [], f"Column '{name}' holds text; ignored."
    onehot = (np.array(cells, dtype=str)[:, None] == np.array(distinct)[None, :]).astype(float)
    notice = f"Column '{name}' holds text; one-hot encoded into {len(distinct)} features."
    return onehot, [f"{name}={value}" for value in distinct], notice


def _column_index(column: int | str, names: list[str], where: str, role: str) -> int:
    """0-based index of a column given by index (negative allowed) or by name."""
    n = len(names)
    if isinstance(column, str):
        if column in names:
            return names.index(column)
        listed = ", ".join(f"'{name}'" for name in names)
        raise DataError(
            f"has no column named '{column}' to use as the {role} column; the columns are {listed}",
            path=where,
        )
    if isinstance(column, bool) or not isinstance(column, int | np.integer):
        raise TypeError(f"a column is given by index or name, not {column!r}")
    if not -n <= column < n:
        raise DataError(
            f"has no column {column} to use as the {role} column; it has {n} columns "
            f"(indices 0 to {n - 1}, or -{n} to -1 from the end)",
            path=where,
        )
    return int(column) % n


def _check_row_count(
    n_left: int, min_rows: int, n_total: int, first_missing: int | None, where: str
) -> None:
    if n_left >= min_rows:
        return
    if n_left < n_total:
        raise DataError(
            f"only {n_left} of {n_total} rows have no missing values, but at least {min_rows} "
            "are needed; fill in the empty or 'NA' cells",
            path=where,
            line=first_missing,
        )
    if n_total == 1:
        raise DataError(
            "holds a single data row; a network needs at least 2 rows to learn from — add rows",
            path=where,
        )
    raise DataError(
        f"holds only {n_total} data rows; at least {min_rows} are needed — add rows", path=where
    )


def _check_classes(labels: np.ndarray, label_name: str, where: str) -> None:
    """Refuse a classification label column that holds a single class."""
    if not looks_like_classification(labels):
        return
    distinct = np.unique(labels)
    if distinct.size == 1:
        value = distinct[0]
        shown = value if labels.dtype.kind in "US" else f"{float(value):g}"
        raise DataError(
            f"the label column '{label_name}' holds only one class ('{shown}'); "
            "a classifier needs at least two — choose another label column or add rows "
            "of other classes",
            path=where,
        )
