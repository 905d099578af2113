"""Errors a user can cause, each explained in one sentence."""

from __future__ import annotations


class NNStudioError(Exception):
    """Base class of every error nnstudio explains to its user instead of a traceback."""


class DataError(NNStudioError):
    """A data file could not be used.

    The message names the file (and line and column where they are known), says
    what is wrong, and what to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | str | None = None,
    ):
        self.path = path
        self.line = line
        self.column = column
        self.reason = message
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ConfigError(NNStudioError, ValueError):
    """A configuration value is not allowed (names the field, the value and what is allowed)."""


class ModelFileError(NNStudioError):
    """A saved model file could not be read or does not fit the data."""
