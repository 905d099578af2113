"""Fixtures for the command-line tests: in-process and real-process runners, data files."""

from __future__ import annotations

import contextlib
import io
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from nnstudio.cli import main


@dataclass(frozen=True)
class Run:
    """What one command printed and returned."""

    code: int
    out: str
    err: str


def argv(command, *more) -> list[str]:
    """``argv("train iris --quiet", "--save", path)``: the command words, then ``more`` as is.

    Only a ``str`` first argument is split into words; a path is kept whole.
    """
    words = shlex.split(command) if isinstance(command, str) else [str(command)]
    return [*words, *(str(a) for a in more)]


@pytest.fixture
def cli(capsys):
    """``cli("train iris --iterations 5", "--save", path)`` runs ``nnstudio.cli.main`` here."""

    def run(command: str, *more) -> Run:
        capsys.readouterr()  # drop anything printed before
        code = main(argv(command, *more))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture
def program(tmp_path):
    """``program("train iris", ...)`` runs ``python -m nnstudio train iris ...`` for real."""

    def run(command: str, *more) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "nnstudio", *argv(command, *more)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )

    return run


def _train_quietly(command, *more) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(["train", *argv(command, *more)])


@pytest.fixture
def train_quietly():
    """``train_quietly("iris --save", path)`` trains in-process silently; returns the code."""
    return _train_quietly


# -- data files ----------------------------------------------------------------------


def write_regression_csv(path: Path, n: int = 200, scale: float = 1.0, target_scale=1.0) -> Path:
    """A table ``a,b,y`` with ``y = 3 a - 2 b + 0.5`` exactly (a, b uniform in [-1, 1])."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = 3.0 * x[:, 0] - 2.0 * x[:, 1] + 0.5
    lines = ["a,b,y"]
    lines += [
        f"{float(a) * scale!r},{float(b) * scale!r},{float(t) * target_scale!r}"
        for (a, b), t in zip(x, y, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def regression_csv(tmp_path_factory) -> Path:
    return write_regression_csv(tmp_path_factory.mktemp("data") / "linear.csv")


@pytest.fixture
def huge_targets(tmp_path) -> Path:
    """Inputs in the thousands and targets near 1e12: raw SGD with a big rate diverges."""
    return write_regression_csv(tmp_path / "huge.csv", scale=1e3, target_scale=1e12)


@pytest.fixture(scope="session")
def iris_model(tmp_path_factory) -> Path:
    """A model trained on iris with the modern preset for 150 steps."""
    path = tmp_path_factory.mktemp("models") / "iris.npz"
    assert _train_quietly("iris --iterations 150 --save", path) == 0
    return path
