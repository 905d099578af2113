"""The small data sets that ship with nnstudio, and where to find them.

An installed wheel carries them in ``nnstudio/sample_data`` (copied there at build
time); a source checkout has them in ``<repo>/sample_data``.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

from nnstudio.core.errors import DataError

_PACKAGE_DIR = pathlib.Path(__file__).resolve().parent.parent  # .../nnstudio
_DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".data")

SAMPLES: dict[str, tuple[str, str]] = {
    "iris": (
        "Fisher's iris flowers: 150 rows, 4 measurements, 3 species (the classic UCI file).",
        "classification",
    ),
    "wine": (
        "Wines from three cultivars: 178 rows, 13 chemical measurements.",
        "classification",
    ),
    "breast_cancer": (
        "Wisconsin breast cancer biopsies: 569 rows, 30 cell-nucleus features, "
        "malignant or benign.",
        "classification",
    ),
    "diabetes": (
        "Diabetes patients: 442 rows, 10 baseline measurements, "
        "disease progression one year later.",
        "regression",
    ),
}
"""Name -> (description, task) of each bundled data file, in the order they are listed."""

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    # The classic iris file has no header row; these are the names from its UCI description.
    "iris": ("sepal_length", "sepal_width", "petal_length", "petal_width", "species"),
}
"""Column names of bundled files that have no header row."""


@dataclass(frozen=True)
class SampleInfo:
    """One bundled data file.

    Attributes
    ----------
    name : str
        File name without extension, e.g. ``"iris"``.
    path : pathlib.Path
    description : str
        One sentence for the user.
    task : str
        ``"classification"``, ``"regression"`` or ``"auto"`` for an undescribed file.
    """

    name: str
    path: pathlib.Path
    description: str
    task: str


def sample_dir() -> pathlib.Path:
    """The folder holding the bundled data files.

    Raises
    ------
    DataError
        If neither the installed nor the source-checkout folder exists.
    """
    candidates = (_PACKAGE_DIR / "sample_data", _PACKAGE_DIR.parent / "sample_data")
    for folder in candidates:
        if folder.is_dir():
            return folder
    raise DataError(
        "the bundled sample data folder is missing; reinstall nnstudio",
        path=str(candidates[0]),
    )


def _data_files() -> dict[str, pathlib.Path]:
    files = sorted(
        p for p in sample_dir().iterdir() if p.is_file() and p.suffix.lower() in _DATA_SUFFIXES
    )
    return {p.stem: p for p in files}


def list_samples() -> list[SampleInfo]:
    """Every bundled data file: the described ones first, in :data:`SAMPLES` order."""
    files = _data_files()
    ordered = [name for name in SAMPLES if name in files]
    ordered += [name for name in files if name not in SAMPLES]
    return [SampleInfo(name, files[name], *SAMPLES.get(name, ("", "auto"))) for name in ordered]


def sample_path(name: str) -> pathlib.Path:
    """The path of a bundled data file given by name, with or without extension.

    Raises
    ------
    DataError
        If there is no such sample; the message lists the available names.
    """
    files = _data_files()
    wanted = name.strip().lower()
    for stem, path in files.items():
        if wanted in (stem.lower(), path.name.lower()):
            return path
    available = ", ".join(info.name for info in list_samples())
    raise DataError(f"there is no sample data set named '{name}'; choose one of: {available}")


def known_column_names(path, count: int) -> tuple[str, ...] | None:
    """The column names of a bundled headerless sample at ``path`` (``None`` for other files)."""
    try:
        path = pathlib.Path(path).resolve()
        files = _data_files()
    except (OSError, DataError):
        return None
    for name, names in COLUMN_NAMES.items():
        if name in files and files[name].resolve() == path and len(names) == count:
            return names
    return None
