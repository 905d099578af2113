"""``nnstudio train gen:NAME``: generated 2-D data on the command line, and its mistakes."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from nnstudio.cli import build_train_parser, config_from_args, load_dataset
from nnstudio.core.generators import GENERATORS, generate

# Reliable and fast: every seed from 0 to 19 reaches >= 96% test accuracy, in < 1 s each.
SPIRAL = (
    "train gen:spiral --noise 0.1 --samples 500 --layers 8,8 --activation tanh "
    "--l2 0 --lr 0.03 --batch-size 128 --epochs 500"
)
# The classic Playground experiment: no hidden layer, but x² and y² as inputs.
CIRCLE = "train gen:circle --noise 0.05 --engineered x²,y² --layers none --epochs 50"


def assert_one_error_line(err: str, *fragments: str) -> None:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one error line, got:\n{err}"
    assert lines[0].startswith("nnstudio: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def report(cli, tmp_path, command: str, *more) -> tuple[dict, str]:
    path = tmp_path / "report.json"
    r = cli(command, *more, "--report-json", path)
    assert r.code == 0 and r.err == "", r.err
    return json.loads(path.read_text(encoding="utf-8")), r.out


def test_spiral_learns_with_two_tanh_layers(cli, tmp_path):
    figures, out = report(cli, tmp_path, SPIRAL)
    assert figures["test_accuracy"] >= 0.95, figures
    assert "data: gen:spiral: 350 training rows, 150 test rows, 2 features -> class 0, class 1" in (
        out
    )
    assert "network: 2 -> 8 -> 8 -> 2 (tanh, tanh" in out


def test_circle_with_squares_needs_no_hidden_layer(cli, tmp_path):
    figures, out = report(cli, tmp_path, CIRCLE)
    assert figures["test_accuracy"] >= 0.95, figures
    assert "4 features" in out and "network: 4 -> 2 (no hidden layer" in out
    plain, _ = report(cli, tmp_path, CIRCLE.replace("--engineered x²,y² ", ""))
    assert plain["test_accuracy"] < 0.75  # a straight line cannot cut a disc from its ring


def test_xor_with_product_and_plane_regression(cli, tmp_path):
    figures, _ = report(cli, tmp_path, "train gen:xor --engineered xy --layers none --epochs 30")
    assert figures["test_accuracy"] >= 0.95
    figures, out = report(cli, tmp_path, "train gen:plane --layers none --loss mse --epochs 30")
    assert figures["test_r2"] > 0.95 and "regression target" in out


def test_spiral_arms_are_classes(cli, tmp_path):
    _, out = report(cli, tmp_path, "train gen:spiral --classes 3 --samples 300 --epochs 1")
    assert "-> class 0, class 1, class 2" in out
    assert "210 training rows, 90 test rows" in out


def parsed(command: str):
    args = build_train_parser().parse_args(command.split())
    return config_from_args(args), vars(args)


def test_data_seed_defaults_to_the_run_seed():
    config, options = parsed("gen:moons --seed 3 --samples 200 --noise 0.2")
    table, dataset = load_dataset("gen:moons", config, options)
    expected = generate("moons", samples=200, noise=0.2, seed=3)
    np.testing.assert_array_equal(table.X, expected.X)
    config, options = parsed("gen:moons --seed 3 --data-seed 11 --samples 200 --noise 0.2")
    table, _ = load_dataset("gen:moons", config, options)
    np.testing.assert_array_equal(table.X, generate("moons", samples=200, noise=0.2, seed=11).X)
    assert dataset.n_train + dataset.n_test == 200


def test_engineered_columns_reach_the_dataset():
    config, options = parsed("gen:xor --engineered sinx,x·y")
    table, dataset = load_dataset("gen:xor", config, options)
    assert dataset.feature_names == ("x", "y", "x·y", "sin x") == table.feature_names


def test_unknown_generator_lists_the_available_ones(cli):
    r = cli("train gen:spirall --epochs 1")
    assert r.code == 2
    assert_one_error_line(r.err, "'spirall'", ", ".join(GENERATORS))


def test_unknown_generator_in_a_real_process(program):
    done = program("train gen:nope")
    assert done.returncode == 2 and done.stdout == ""
    assert_one_error_line(done.stderr, "no data generator named 'nope'", "circle, xor")


@pytest.mark.parametrize(
    ("command", "fragments"),
    [
        ("train iris --noise 0.2", ("--noise only applies to generated data", "iris", "gen:")),
        ("train iris --samples 100 --engineered x2", ("--samples", "--engineered")),
        ("train iris --data-seed 4", ("--data-seed only applies",)),
        ("train gen:circle --classes 3", ("classes = 3", "only spiral")),
        ("train gen:spiral --classes 12", ("classes = 12", "from 2 to 8")),
        ("train gen:spiral --noise -1", ("noise = -1.0", "0 (clean)")),
        ("train gen:spiral --samples 2", ("samples = 2", "whole number from 10")),
        ("train gen:spiral --engineered x3", ("'x3' is not known", "x², y², x·y")),
        ("train gen:spiral --samples many", ("--samples", "invalid int value")),
    ],
)
def test_mistakes_are_one_line_and_exit_2(cli, command, fragments):
    r = cli(command)
    assert r.code == 2 and r.out == ""
    assert_one_error_line(r.err, *fragments)


def test_predict_generated_data_with_engineered_inputs(cli, tmp_path):
    model = tmp_path / "circle.npz"
    assert cli(f"{CIRCLE} --quiet --save {model}").code == 0
    out = tmp_path / "predicted.csv"
    r = cli(f"predict {model} gen:circle --noise 0.05 --samples 300 --data-seed 9 -o {out}")
    assert r.code == 0, r.err
    accuracy = float(r.out.split("%")[0].split()[-1]) / 100
    assert accuracy >= 0.95 and "on 300 rows" in r.out
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["row", "class", "predicted", "p(class 0)", "p(class 1)"]
    assert len(rows) == 301


def test_predict_spiral_uses_the_models_number_of_arms(cli, tmp_path):
    model = tmp_path / "spiral3.npz"
    assert cli("train gen:spiral --classes 3 --epochs 2 --quiet --save", model).code == 0
    r = cli(f"predict {model} gen:spiral --samples 30")
    assert r.code == 0, r.err
    assert r.out.splitlines()[0] == "row,class,predicted,p(class 0),p(class 1),p(class 2)"


def test_predict_mistakes(cli, tmp_path, iris_model):
    r = cli(f"predict {iris_model} gen:circle")
    assert r.code == 2
    assert_one_error_line(r.err, "the model needs the input 'sepal_length'")
    r = cli(f"predict {iris_model} gen:plane")
    assert_one_error_line(r.err, "gen:plane is regression data", "classification")
    r = cli(f"predict {iris_model} iris --noise 0.3")
    assert r.code == 2
    assert_one_error_line(r.err, "--noise only applies to generated data")
