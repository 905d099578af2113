"""The ``nnstudio`` command line: train, predict, files it writes, and every error it reports.

Most runs call :func:`nnstudio.cli.main` in this process; a few start the real program
(``python -m nnstudio``) to check its exit status and what it writes on stderr.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import warnings

import numpy as np
import pytest

import nnstudio
from nnstudio.cli import UsageError, build_train_parser, config_from_args, load_dataset, main
from nnstudio.core.config import CLASSIC, MODERN, Config
from nnstudio.core.data import load_table
from nnstudio.core.metrics import predict
from nnstudio.core.model_io import load_model
from nnstudio.core.samples import sample_path

STEP_LINE = re.compile(r"^step\s+(\d+)\s+epoch\s+(\d+\.\d\d)\s+batch loss\s+(\S+)$")
LOG_HEADER = (
    "step,epoch,batch_loss,train_loss,test_loss,train_accuracy,test_accuracy,"
    "train_rmse,test_rmse,train_r2,test_r2"
)
REPORT_KEYS = {
    "steps",
    "epochs",
    "train_loss",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
    "seconds",
    "samples_per_second",
}
IRIS_CLASSES = ("Iris-setosa", "Iris-versicolor", "Iris-virginica")


# -- helpers -------------------------------------------------------------------------


def step_lines(out: str) -> list[tuple[int, float, float]]:
    """(step, epoch, batch loss) of every printed step line."""
    found = []
    for line in out.splitlines():
        if line.startswith("step"):
            match = STEP_LINE.match(line)
            assert match, f"malformed step line: {line!r}"
            found.append((int(match[1]), float(match[2]), float(match[3])))
    return found


def summary_lines(out: str) -> tuple[str, str]:
    """The ``completed: ...`` line and the metrics line after it."""
    lines = out.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(("completed:", "diverged:")))
    return lines[index], lines[index + 1]


def percent(line: str, name: str) -> float:
    """The figure printed as ``<name> 95.6%``, as a fraction."""
    match = re.search(rf"{name} (\d+\.\d)%", line)
    assert match, f"no {name!r} in {line!r}"
    return float(match[1]) / 100


def assert_one_error_line(err: str, *fragments: str) -> None:
    """stderr is exactly one ``nnstudio: error: `` line, mentioning every fragment."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one error line, got:\n{err}"
    assert lines[0].startswith("nnstudio: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def parse(*args) -> Config:
    return config_from_args(build_train_parser().parse_args([str(a) for a in args]))


def saved_arrays(path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


# -- 1. train iris with the default preset ------------------------------------------------


def test_train_iris_default_prints_data_network_training_steps_summary_confusion(cli):
    r = cli("train", "iris")
    assert r.code == 0
    assert r.err == ""
    lines = r.out.splitlines()
    assert lines[0].startswith("data: ") and lines[0].split(":")[1].strip().endswith("iris.csv")
    assert "105 training rows, 45 test rows, 4 features -> " + ", ".join(IRIS_CLASSES) in lines[0]
    assert lines[1] == "network: 4 -> 12 -> 6 -> 3 (tanh, tanh; output softmax), 159 parameters"
    assert lines[2] == "training: adam lr 0.01, cross_entropy loss, batch 16 (shuffle), 700 steps"

    steps = step_lines(r.out)
    assert [s for s, _, _ in steps] == list(range(35, 701, 35))  # about 20 lines a run
    assert [e for _, e, _ in steps] == [float(k) for k in range(5, 101, 5)]
    assert all(np.isfinite(loss) and loss > 0 for _, _, loss in steps)

    done, metrics = summary_lines(r.out)
    assert done.startswith("completed: 700 steps (100.00 epochs) in ")
    assert done.endswith(" samples/s")
    for name in ("train loss", "test loss", "train accuracy", "test accuracy"):
        assert name in metrics
    assert percent(metrics, "test accuracy") > 0.85

    start = lines.index("confusion matrix (test rows: true class, columns: predicted):")
    assert lines[start + 1].split() == list(IRIS_CLASSES)
    matrix = []
    for name, line in zip(IRIS_CLASSES, lines[start + 2 : start + 5], strict=True):
        cells = line.split()
        assert cells[0] == name
        matrix.append([int(c) for c in cells[1:]])
    matrix = np.array(matrix)
    assert matrix.shape == (3, 3)
    assert matrix.sum(axis=1).tolist() == [15, 15, 15]  # stratified 30 % test split
    assert percent(metrics, "test accuracy") == pytest.approx(
        round(np.trace(matrix) / 45, 3), abs=1e-9
    )


def test_quiet_prints_only_the_summary(cli, tmp_path):
    r = cli("train", "iris", "--quiet", "--save", tmp_path / "m.npz")
    assert r.code == 0 and r.err == ""
    lines = r.out.splitlines()
    assert len(lines) == 2, r.out
    assert lines[0].startswith("completed: 700 steps (100.00 epochs)")
    assert lines[1].startswith("train loss ") and "test accuracy" in lines[1]
    assert step_lines(r.out) == []
    assert not any(w in r.out for w in ("data:", "network:", "training:", "confusion", "saved"))


def test_same_seed_gives_the_same_run(cli):
    first = cli("train", "iris", "--iterations", 40)
    second = cli("train", "iris", "--iterations", 40)
    other = cli("train", "iris", "--iterations", 40, "--seed", 5)
    assert step_lines(first.out) == step_lines(second.out)
    assert summary_lines(first.out)[1] == summary_lines(second.out)[1]
    assert step_lines(first.out) != step_lines(other.out)


# -- 2. every option reaches the Config -------------------------------------------------

OPTION_CASES = [
    (["--layers", "8,4"], {"hidden_layers": (8, 4)}),
    (["--layers", "8"], {"hidden_layers": (8,)}),
    (["--layers", "8,4,2"], {"hidden_layers": (8, 4, 2)}),
    (["--layers", "none"], {"hidden_layers": ()}),
    (["--activation", "relu"], {"activations": ("relu", "relu")}),
    (["--activation", "relu,tanh"], {"activations": ("relu", "tanh")}),
    (["--layers", "5", "--activation", "elu"], {"hidden_layers": (5,), "activations": ("elu",)}),
    (["--output", "sigmoid"], {"output": "sigmoid"}),
    (["--output", "softmax"], {"output": "softmax"}),
    (["--loss", "mse"], {"loss": "mse"}),
    (["--loss", "sse"], {"loss": "sse"}),
    (["--optimizer", "sgd"], {"optimizer": "sgd"}),
    (["--optimizer", "momentum"], {"optimizer": "momentum"}),
    (["--optimizer", "adam"], {"optimizer": "adam"}),
    (["--lr", "0.05"], {"learning_rate": 0.05}),
    (["--optimizer", "momentum", "--momentum", "0.5"], {"optimizer": "momentum", "momentum": 0.5}),
    (["--optimizer", "momentum", "--nesterov"], {"optimizer": "momentum", "nesterov": True}),
    (["--beta1", "0.8", "--beta2", "0.99"], {"beta1": 0.8, "beta2": 0.99}),
    (["--batch-size", "32"], {"batch_size": 32}),
    (["--iterations", "5"], {"iterations": 5, "epochs": None}),
    (["--epochs", "2"], {"epochs": 2, "iterations": None}),
    (["--init", "he"], {"init": "he"}),
    (["--init", "classic_uniform"], {"init": "classic_uniform"}),
    (["--no-bias"], {"use_bias": False}),
    (["--l1", "0.001"], {"l1": 0.001}),
    (["--l2", "0"], {"l2": 0.0}),
    (["--sampling", "replacement"], {"sampling": "replacement"}),
    (["--sampling", "sequential"], {"sampling": "sequential"}),
    (["--test-split", "0"], {"test_split": 0.0}),
    (["--test-split", "0.5"], {"test_split": 0.5}),
    (["--no-standardize"], {"standardize": False}),
    (["--seed", "7"], {"seed": 7}),
    (["--dtype", "float32"], {"dtype": "float32"}),
    (["--label-column", "-1"], {"label_column": -1}),
    (["--label-column", "5"], {"label_column": 4}),  # 1-based on the command line
    (["--ignore-columns", "1,2"], {"ignore_columns": (0, 1)}),
    (["--task", "classification"], {"task": "classification"}),
    (["--eval-every", "2"], {"eval_every": 2}),
    (["--report-every", "3"], {"report_every": 3}),
]


@pytest.mark.parametrize(
    ("options", "changes"), OPTION_CASES, ids=[" ".join(o) for o, _ in OPTION_CASES]
)
def test_option_reaches_the_config_of_the_run(cli, tmp_path, options, changes):
    length = [] if {"--iterations", "--epochs"} & set(options) else ["--iterations", "3"]
    model = tmp_path / "m.npz"
    r = cli("train", "iris", "--quiet", "--save", model, *length, *options)
    assert r.code == 0, r.err
    assert r.err == ""
    expected = MODERN.replace(**({"iterations": 3} if length else {}), **changes)
    for name, value in changes.items():
        assert getattr(expected, name) == value
    assert parse("iris", *length, *options) == expected
    assert load_model(model).config == expected


def test_layers_shape_the_network_and_its_weights(cli, tmp_path):
    r = cli("train", "iris", "--iterations", 3, "--layers", "8,4", "--save", tmp_path / "a.npz")
    assert r.code == 0
    assert "network: 4 -> 8 -> 4 -> 3 (tanh, tanh; output softmax), 91 parameters" in r.out
    arrays = saved_arrays(tmp_path / "a.npz")
    assert [arrays[f"weight_{i}"].shape for i in range(3)] == [(4, 8), (8, 4), (4, 3)]
    assert [arrays[f"bias_{i}"].shape for i in range(3)] == [(8,), (4,), (3,)]

    r = cli("train", "iris", "--iterations", 3, "--layers", "none", "--save", tmp_path / "b.npz")
    assert r.code == 0
    assert "network: 4 -> 3 (no hidden layer; output softmax), 15 parameters" in r.out
    arrays = saved_arrays(tmp_path / "b.npz")
    assert arrays["weight_0"].shape == (4, 3) and arrays["bias_0"].shape == (3,)
    assert "weight_1" not in arrays


def test_activation_output_and_loss_are_printed(cli):
    r = cli("train", "iris", "--iterations", 3, "--activation", "relu,tanh", "--output", "sigmoid")
    assert "(relu, tanh; output sigmoid)" in r.out
    r = cli("train", "iris", "--iterations", 3, "--activation", "relu", "--loss", "mse")
    assert "(relu, relu; output sigmoid)" in r.out  # auto output for a squared loss
    assert ", mse loss," in r.out


def test_training_line_shows_optimizer_rate_batch_and_sampling(cli):
    r = cli(
        "train iris --optimizer sgd --lr 0.05 --batch-size 32 --sampling replacement --epochs 3"
    )
    assert r.code == 0
    # 105 training rows in batches of 32: 4 steps an epoch.
    assert "training: sgd lr 0.05, cross_entropy loss, batch 32 (replacement), 12 steps" in r.out


def test_epochs_and_iterations_set_the_length(cli):
    r = cli("train", "iris", "--quiet", "--epochs", 2)
    assert summary_lines(r.out)[0].startswith("completed: 14 steps (2.00 epochs)")
    r = cli("train", "iris", "--quiet", "--epochs", 2, "--batch-size", 500)  # one batch an epoch
    assert summary_lines(r.out)[0].startswith("completed: 2 steps (2.00 epochs)")
    r = cli("train", "iris", "--quiet", "--iterations", 7)
    assert summary_lines(r.out)[0].startswith("completed: 7 steps (1.00 epochs)")


@pytest.mark.parametrize("order", [("--iterations", "--epochs"), ("--epochs", "--iterations")])
def test_iterations_and_epochs_exclude_each_other(cli, order):
    r = cli("train", "iris", order[0], 5, order[1], 3)
    assert r.code == 2
    assert_one_error_line(r.err, "--iterations", "--epochs")
    assert r.out == ""


def test_no_bias_saves_no_biases(cli, tmp_path):
    r = cli("train", "iris", "--iterations", 3, "--no-bias", "--save", tmp_path / "m.npz")
    assert "138 parameters" in r.out  # 4*12 + 12*6 + 6*3
    assert not any(name.startswith("bias_") for name in saved_arrays(tmp_path / "m.npz"))
    assert load_model(tmp_path / "m.npz").network.biases is None


def test_dtype_float32_trains_in_float32(cli, tmp_path):
    r = cli("train iris --quiet --iterations 5 --dtype float32 --save", tmp_path / "m.npz")
    assert r.code == 0
    arrays = saved_arrays(tmp_path / "m.npz")
    assert {arrays[f"weight_{i}"].dtype for i in range(3)} == {np.dtype(np.float32)}
    assert {arrays[f"bias_{i}"].dtype for i in range(3)} == {np.dtype(np.float32)}


def test_test_split_zero_means_no_test_figures(cli):
    r = cli("train", "iris", "--iterations", 20, "--test-split", 0)
    assert r.code == 0
    assert "150 training rows, 0 test rows" in r.out
    metrics = summary_lines(r.out)[1]
    assert "train loss" in metrics and "train accuracy" in metrics
    assert "test" not in metrics
    assert "confusion matrix (train rows" in r.out
    r = cli("train", "iris", "--iterations", 20, "--test-split", 0.5)
    assert "75 training rows, 75 test rows" in r.out


def test_test_split_zero_gives_null_test_figures_in_the_report(cli, tmp_path):
    cli("train iris --quiet --iterations 5 --test-split 0 --report-json", tmp_path / "r.json")
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["test_loss"] is None and report["test_accuracy"] is None
    assert report["train_accuracy"] is not None


def test_no_standardize_keeps_raw_features(cli, tmp_path):
    cli("train iris --quiet --iterations 3 --save", tmp_path / "s.npz")
    cli("train iris --quiet --iterations 3 --no-standardize --save", tmp_path / "raw.npz")
    assert load_model(tmp_path / "s.npz").preprocessing.mean is not None
    raw = load_model(tmp_path / "raw.npz").preprocessing
    assert raw.mean is None and raw.scale is None


def test_seed_changes_the_initial_weights(cli, tmp_path):
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        cli(f"train iris --quiet --iterations 1 --seed {seed} --save", tmp_path / f"{name}.npz")
    a, b, c = (saved_arrays(tmp_path / f"{n}.npz")["weight_0"] for n in "abc")
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


CHANGE_CASES = [
    ([], ["--lr", "0.05"]),
    ([], ["--batch-size", "8"]),
    ([], ["--beta1", "0.5"]),
    ([], ["--beta2", "0.9"]),
    ([], ["--l1", "0.01"]),
    ([], ["--l2", "0"]),
    ([], ["--init", "he"]),
    ([], ["--sampling", "sequential"]),
    ([], ["--loss", "mse"]),
    ([], ["--optimizer", "sgd"]),
    (["--optimizer", "momentum"], ["--momentum", "0.3"]),
    (["--optimizer", "momentum"], ["--nesterov"]),
]


@pytest.mark.parametrize(
    ("base", "option"), CHANGE_CASES, ids=[" ".join(b + o) for b, o in CHANGE_CASES]
)
def test_option_changes_the_training(cli, tmp_path, base, option):
    """The option is not only recorded: it changes the weights the run ends with."""
    common = ["train", "iris", "--quiet", "--iterations", 15, "--activation", "relu", *base]
    assert cli(*common, "--save", tmp_path / "base.npz").code == 0
    assert cli(*common, *option, "--save", tmp_path / "changed.npz").code == 0
    before = saved_arrays(tmp_path / "base.npz")["weight_0"]
    after = saved_arrays(tmp_path / "changed.npz")["weight_0"]
    assert not np.allclose(before, after, rtol=0, atol=1e-12)


def test_label_column_by_name_number_and_from_the_end_on_wine(cli, tmp_path):
    variants = {
        "default": "",
        "name": "--label-column cultivar",
        "number": "--label-column 14",
        "last": "--label-column -1",
    }
    for name, options in variants.items():
        r = cli(f"train wine --quiet --iterations 3 {options} --save", tmp_path / f"{name}.npz")
        assert r.code == 0, (name, r.err)
        pre = load_model(tmp_path / f"{name}.npz").preprocessing
        assert pre.label_name == "cultivar", name
        assert pre.class_names == ("class_0", "class_1", "class_2"), name
        assert len(pre.feature_names) == 13 and "cultivar" not in pre.feature_names
    assert load_model(tmp_path / "name.npz").config.label_column == "cultivar"


def test_label_column_counts_from_one(cli, tmp_path):
    r = cli(
        "train wine --quiet --iterations 3 --label-column 1 --task regression --loss mse --save",
        tmp_path / "m.npz",
    )
    assert r.code == 0, r.err
    pre = load_model(tmp_path / "m.npz").preprocessing
    assert pre.label_name == "alcohol" and pre.task == "regression"
    assert "alcohol" not in pre.feature_names and "cultivar=class_0" in pre.feature_names


def test_ignore_columns_by_number_and_by_name(cli, tmp_path):
    r = cli("train iris --iterations 3 --ignore-columns 1,2")
    assert r.code == 0
    assert "105 training rows, 45 test rows, 2 features" in r.out
    r = cli(
        "train wine --quiet --iterations 3 --ignore-columns alcohol,proline --save",
        tmp_path / "m.npz",
    )
    assert r.code == 0
    names = load_model(tmp_path / "m.npz").preprocessing.feature_names
    assert len(names) == 11 and "alcohol" not in names and "proline" not in names


def test_task_regression_on_a_numeric_column_prints_regression_figures(cli):
    r = cli("train iris --iterations 10 --label-column 1 --task regression --loss mse")
    assert r.code == 0, r.err
    assert "-> regression target" in r.out
    metrics = summary_lines(r.out)[1]
    assert "RMSE" in metrics and "R²" in metrics and "accuracy" not in metrics


def test_report_every_sets_the_printed_steps(cli):
    r = cli("train", "iris", "--iterations", 9, "--report-every", 3)
    assert [s for s, _, _ in step_lines(r.out)] == [3, 6, 9]
    r = cli("train", "iris", "--iterations", 5, "--report-every", 1)
    assert [s for s, _, _ in step_lines(r.out)] == [1, 2, 3, 4, 5]


def _evaluated_steps(log_text: str) -> list[int]:
    rows = list(csv.DictReader(io.StringIO(log_text)))
    return [int(row["step"]) for row in rows if row["train_loss"] != ""]


def test_eval_every_sets_the_evaluated_steps(cli, tmp_path):
    log = tmp_path / "log.csv"
    cli("train", "iris", "--quiet", "--iterations", 10, "--eval-every", 5, "--log", log)
    assert _evaluated_steps(log.read_text()) == [0, 5, 10]
    cli("train", "iris", "--quiet", "--iterations", 14, "--log", log)  # default: every epoch
    assert _evaluated_steps(log.read_text()) == [0, 7, 14]


# -- 2b. where the configuration comes from ----------------------------------------------


def test_no_starting_point_means_the_modern_preset():
    assert parse("iris") == MODERN
    assert parse("iris", "--preset", "modern") == MODERN
    assert parse("iris", "--preset", "classic") == CLASSIC


def test_options_override_the_preset():
    assert parse("iris", "--preset", "classic", "--batch-size", 150) == CLASSIC.replace(
        batch_size=150
    )
    config = parse("iris", "--preset", "classic", "--epochs", 3)
    assert config.epochs == 3 and config.iterations is None
    assert config == CLASSIC.replace(epochs=3, iterations=None)


def test_flags_not_given_keep_the_starting_point():
    # --no-bias, --no-standardize and --nesterov are absent: the preset's values stay.
    classic = parse("iris", "--preset", "classic", "--lr", 0.1)
    assert classic.use_bias is False and classic.standardize is False
    assert classic == CLASSIC.replace(learning_rate=0.1)


def test_options_override_a_config_file(tmp_path):
    saved = Config(
        hidden_layers=(5,),
        activations=("relu",),
        optimizer="momentum",
        learning_rate=0.2,
        nesterov=True,
        use_bias=False,
        standardize=False,
        iterations=40,
        epochs=None,
        seed=3,
        test_split=0.25,
    )
    path = tmp_path / "run.json"
    saved.save(path)
    assert parse("iris", "--config", path) == saved
    changed = parse("iris", "--config", path, "--lr", 0.5, "--layers", "7,3", "--seed", 9)
    assert changed == saved.replace(learning_rate=0.5, hidden_layers=(7, 3), seed=9)
    assert changed.activations == ("relu", "relu")
    assert changed.use_bias is False and changed.nesterov is True and changed.test_split == 0.25
    by_epochs = parse("iris", "--config", path, "--epochs", 4)
    assert by_epochs.epochs == 4 and by_epochs.iterations is None


def test_a_config_file_drives_the_run(cli, tmp_path):
    saved = Config(hidden_layers=(5,), activations=("relu",), iterations=12, epochs=None, seed=4)
    saved.save(tmp_path / "run.json")
    r = cli("train", "iris", "--config", tmp_path / "run.json", "--save", tmp_path / "m.npz")
    assert r.code == 0
    assert "network: 4 -> 5 -> 3 (relu; output softmax)" in r.out
    assert summary_lines(r.out)[0].startswith("completed: 12 steps")
    assert load_model(tmp_path / "m.npz").config == saved


def test_preset_and_config_together_are_an_error(cli, tmp_path):
    MODERN.save(tmp_path / "run.json")
    with pytest.raises(UsageError, match="--preset and --config"):
        parse("iris", "--preset", "classic", "--config", tmp_path / "run.json")
    r = cli("train", "iris", "--preset", "classic", "--config", tmp_path / "run.json")
    assert r.code == 2
    assert_one_error_line(r.err, "--preset", "--config")


# -- 3. the classic preset ---------------------------------------------------------------


def test_classic_preset_prints_the_batch_loss_every_50_of_1000_steps(cli):
    r = cli("train", "iris", "--preset", "classic")
    assert r.code == 0 and r.err == ""
    assert "150 training rows, 0 test rows" in r.out
    assert "network: 4 -> 12 -> 6 -> 3 (sigmoid, sigmoid; output sigmoid), 138 parameters" in r.out
    assert "training: sgd lr 0.01, sse loss, batch 64 (replacement), 1000 steps" in r.out
    steps = step_lines(r.out)
    assert len(steps) == 20
    assert [s for s, _, _ in steps] == list(range(50, 1001, 50))
    # Batches of 64 drawn with replacement from 150 rows: 50 steps are 21.33 epochs.
    assert steps[0][1] == pytest.approx(21.33) and steps[-1][1] == pytest.approx(426.67)
    done, metrics = summary_lines(r.out)
    assert done.startswith("completed: 1000 steps (426.67 epochs)")
    assert "train accuracy" in metrics and "test" not in metrics


# -- 4. saving a model and starting from one -----------------------------------------------


def test_saved_model_has_fan_in_fan_out_weights_and_the_run_config(cli, tmp_path):
    model = tmp_path / "m.npz"
    options = ["--layers", "8,4", "--activation", "relu,tanh", "--iterations", 20, "--seed", 2]
    r = cli("train", "iris", *options, "--save", model)
    assert r.code == 0
    assert f"saved the model to {model}" in r.out

    arrays = saved_arrays(model)
    required = {"weight_0", "bias_0", "weight_1", "bias_1", "weight_2", "bias_2"}
    assert required | {"config", "preprocessing"} <= set(arrays)
    assert "weight_3" not in arrays and "bias_3" not in arrays
    assert [arrays[f"weight_{i}"].shape for i in range(3)] == [(4, 8), (8, 4), (4, 3)]
    assert Config.from_json(str(arrays["config"])) == parse("iris", *options)
    assert json.loads(str(arrays["preprocessing"]))["class_names"] == list(IRIS_CLASSES)

    saved = load_model(model)
    assert saved.config == parse("iris", *options)
    assert [w.shape for w in saved.network.weights] == [(4, 8), (8, 4), (4, 3)]
    for i, w in enumerate(saved.network.weights):
        np.testing.assert_array_equal(w, arrays[f"weight_{i}"])
        np.testing.assert_array_equal(saved.network.biases[i], arrays[f"bias_{i}"])
    assert saved.network.hidden_activations == ("relu", "tanh")
    assert saved.preprocessing.class_names == IRIS_CLASSES


def test_saved_model_reproduces_the_reported_test_accuracy(cli, tmp_path):
    r = cli(
        "train iris --quiet --iterations 60",
        *("--save", tmp_path / "m.npz", "--report-json", tmp_path / "r.json"),
    )
    assert r.code == 0
    report = json.loads((tmp_path / "r.json").read_text())
    saved = load_model(tmp_path / "m.npz")
    _, dataset = load_dataset("iris", saved.config)
    predicted = predict(saved.network, dataset.X_test).argmax(axis=1)
    assert report["test_accuracy"] == pytest.approx(np.mean(predicted == dataset.y_test))
    predicted = predict(saved.network, dataset.X_train).argmax(axis=1)
    assert report["train_accuracy"] == pytest.approx(np.mean(predicted == dataset.y_train))


def test_init_from_starts_from_the_saved_weights(cli, tmp_path):
    first = cli(
        "train iris --quiet --iterations 60",
        *("--save", tmp_path / "a.npz", "--report-json", tmp_path / "a.json"),
    )
    assert first.code == 0
    tiny = "train iris --quiet --iterations 1 --optimizer sgd --lr 1e-12"
    again = cli(
        tiny,
        *("--init-from", tmp_path / "a.npz", "--save", tmp_path / "b.npz"),
        *("--report-json", tmp_path / "b.json"),
    )
    assert again.code == 0, again.err
    a = json.loads((tmp_path / "a.json").read_text())
    b = json.loads((tmp_path / "b.json").read_text())
    assert b["steps"] == 1
    assert b["test_accuracy"] == a["test_accuracy"]
    assert b["train_accuracy"] == a["train_accuracy"]
    assert b["train_loss"] == pytest.approx(a["train_loss"], rel=1e-9)
    for i in range(3):
        np.testing.assert_allclose(
            saved_arrays(tmp_path / "b.npz")[f"weight_{i}"],
            saved_arrays(tmp_path / "a.npz")[f"weight_{i}"],
            rtol=0,
            atol=1e-9,
        )
    # Without --init-from the same one tiny step leaves the fresh (untrained) weights.
    fresh = cli(tiny, "--report-json", tmp_path / "c.json")
    assert fresh.code == 0
    c = json.loads((tmp_path / "c.json").read_text())
    assert c["train_loss"] != pytest.approx(a["train_loss"], rel=1e-3)


def test_init_from_with_other_layers_is_an_error(cli, iris_model):
    r = cli("train", "iris", "--init-from", iris_model, "--layers", "5")
    assert r.code == 2
    assert_one_error_line(r.err, str(iris_model), "[4, 12, 6, 3]", "[4, 5, 3]")
    assert "completed" not in r.out


def test_init_from_a_model_of_other_classes_is_an_error(cli, tmp_path, iris_model):
    text = sample_path("iris").read_text()
    renamed = text.replace("Iris-setosa", "a").replace("Iris-versicolor", "b")
    (tmp_path / "renamed.csv").write_text(renamed.replace("Iris-virginica", "c"))
    r = cli("train", tmp_path / "renamed.csv", "--init-from", iris_model)
    assert r.code == 2
    assert_one_error_line(r.err, str(iris_model), "other classes")


def test_init_from_keeps_the_requested_dtype(cli, tmp_path, iris_model):
    """A float64 model continued with --dtype float32 trains (and is saved) in float32."""
    r = cli(
        "train iris --quiet --iterations 2 --dtype float32",
        *("--init-from", iris_model, "--save", tmp_path / "m.npz"),
    )
    assert r.code == 0, r.err
    assert load_model(tmp_path / "m.npz").config.dtype == "float32"
    dtypes = {w.dtype for w in saved_arrays(tmp_path / "m.npz").values() if w.ndim == 2}
    assert dtypes == {np.dtype(np.float32)}


def test_init_from_a_model_with_other_activations_is_refused_or_consistent(
    cli, tmp_path, train_quietly
):
    """The run must not say (and save) tanh while it trains the saved model's relu layers."""
    assert train_quietly("iris --iterations 5 --activation relu --save", tmp_path / "relu.npz") == 0
    r = cli(
        "train iris --iterations 2",
        *("--init-from", tmp_path / "relu.npz", "--save", tmp_path / "next.npz"),
    )
    if r.code == 2:
        assert_one_error_line(r.err, "relu")
        return
    assert r.code == 0
    saved = load_model(tmp_path / "next.npz")
    assert saved.config.activations == saved.network.hidden_activations
    printed = re.search(r"^network: .*\((.*);", r.out, re.M)[1]
    assert printed == ", ".join(saved.network.hidden_activations)


# -- 5. the log and the JSON report ---------------------------------------------------------


def test_log_has_a_header_the_step_0_evaluation_and_one_row_per_step(cli, tmp_path):
    log = tmp_path / "log.csv"
    r = cli(
        "train iris --iterations 30 --eval-every 10 --report-every 10",
        *("--log", log, "--report-json", tmp_path / "r.json"),
    )
    assert r.code == 0
    text = log.read_text()
    assert text.splitlines()[0] == LOG_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["step"]) for row in rows] == list(range(31))
    assert rows[0]["batch_loss"] == "" and float(rows[0]["epoch"]) == 0.0
    assert all(np.isfinite(float(row["batch_loss"])) for row in rows[1:])
    assert [float(row["epoch"]) for row in rows[1:]] == pytest.approx(
        [step / 7 for step in range(1, 31)], abs=1e-6
    )  # 105 training rows, batches of 16: 7 steps an epoch
    assert _evaluated_steps(text) == [0, 10, 20, 30]
    for row in rows:
        assert row["train_rmse"] == row["test_rmse"] == row["train_r2"] == row["test_r2"] == ""
        if row["train_loss"]:
            assert 0 <= float(row["train_accuracy"]) <= 1 and 0 <= float(row["test_accuracy"]) <= 1
    # The printed batch losses are the logged ones.
    logged = {int(row["step"]): float(row["batch_loss"]) for row in rows[1:]}
    for step, _, loss in step_lines(r.out):
        assert logged[step] == pytest.approx(loss, abs=5e-7)
    # The last evaluation is the reported one.
    report = json.loads((tmp_path / "r.json").read_text())
    assert float(rows[-1]["test_accuracy"]) == report["test_accuracy"]
    assert float(rows[-1]["train_loss"]) == report["train_loss"]


def test_report_json_has_the_final_figures(cli, tmp_path):
    path = tmp_path / "report.json"
    r = cli("train", "iris", "--epochs", 3, "--report-json", path)
    assert r.code == 0
    report = json.loads(path.read_text())
    assert REPORT_KEYS <= set(report)
    assert report["steps"] == 21  # 3 epochs of 7 batches
    assert report["epochs"] == pytest.approx(3.0)
    assert report["seconds"] > 0 and report["samples_per_second"] > 0
    assert report["samples_per_second"] == pytest.approx(3 * 105 / report["seconds"], rel=1e-6)
    metrics = summary_lines(r.out)[1]
    assert report["test_accuracy"] == pytest.approx(percent(metrics, "test accuracy"), abs=5e-4)
    assert report["train_accuracy"] == pytest.approx(percent(metrics, "train accuracy"), abs=5e-4)
    train_loss = float(re.search(r"train loss (\S+)", metrics)[1])
    assert report["train_loss"] == pytest.approx(train_loss, abs=5e-5)
    assert report["test_loss"] > 0


def test_report_json_steps_equal_the_configured_iterations(cli, tmp_path):
    path = tmp_path / "report.json"
    assert cli("train", "iris", "--quiet", "--iterations", 33, "--report-json", path).code == 0
    report = json.loads(path.read_text())
    assert report["steps"] == 33
    assert 0 <= report["train_accuracy"] <= 1 and 0 <= report["test_accuracy"] <= 1


# -- 6. predict -------------------------------------------------------------------------------


def _expected_probabilities(model, X) -> np.ndarray:
    saved = load_model(model)
    return predict(saved.network, saved.preprocessing.transform(X))


def test_predict_writes_csv_with_probabilities_to_stdout(cli, iris_model):
    r = cli("predict", iris_model, "iris")
    assert r.code == 0 and r.err == ""
    rows = read_csv(r.out)
    header = ["row", "species", "predicted", *(f"p({name})" for name in IRIS_CLASSES)]
    assert rows[0] == header
    table = load_table(sample_path("iris"))
    body = rows[1:]
    assert len(body) == 150
    assert [int(row[0]) for row in body] == list(range(1, 151))
    assert [row[1] for row in body] == table.labels.tolist()
    p = np.array([[float(v) for v in row[3:]] for row in body])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert [row[2] for row in body] == [IRIS_CLASSES[i] for i in p.argmax(axis=1)]
    np.testing.assert_allclose(p, _expected_probabilities(iris_model, table.X), atol=5e-7)
    assert np.mean([row[1] == row[2] for row in body]) > 0.8


def test_predict_to_a_file_prints_the_accuracy(cli, tmp_path, iris_model):
    out = tmp_path / "predictions.csv"
    r = cli("predict", iris_model, "iris", "-o", out)
    assert r.code == 0
    rows = read_csv(out.read_text())[1:]
    accuracy = np.mean([row[1] == row[2] for row in rows])
    assert r.out.splitlines() == [
        f"accuracy {accuracy:.1%} on 150 rows; predictions written to {out}"
    ]
    assert read_csv(out.read_text()) == read_csv(cli("predict", iris_model, "iris").out)


def test_predict_a_table_without_the_label_column(cli, tmp_path, iris_model):
    table = load_table(sample_path("iris"))
    features = tmp_path / "features.csv"
    features.write_text("\n".join(",".join(repr(float(v)) for v in row) for row in table.X) + "\n")
    r = cli("predict", iris_model, features)
    assert r.code == 0, r.err
    rows = read_csv(r.out)
    assert rows[0] == ["row", "predicted", *(f"p({name})" for name in IRIS_CLASSES)]
    full = read_csv(cli("predict", iris_model, "iris").out)
    assert [row[:1] + row[2:] for row in full[1:]] == rows[1:]


def test_predict_a_table_with_the_wrong_number_of_columns_is_an_error(cli, tmp_path, iris_model):
    three = tmp_path / "three.csv"
    lines = sample_path("iris").read_text().splitlines()
    three.write_text("".join(",".join(line.split(",")[:3]) + "\n" for line in lines))
    r = cli("predict", iris_model, three)
    assert r.code == 2
    assert_one_error_line(r.err, "three.csv", "needs its 4 feature columns")
    assert r.out == ""
    r = cli("predict", iris_model, "wine")
    assert r.code == 2
    assert_one_error_line(r.err, "wine.csv", "14 columns")


def test_predict_uses_the_header_name_of_the_label(cli, tmp_path, train_quietly):
    assert train_quietly("wine --iterations 40 --save", tmp_path / "w.npz") == 0
    rows = read_csv(cli("predict", tmp_path / "w.npz", "wine").out)
    assert rows[0] == ["row", "cultivar", "predicted", "p(class_0)", "p(class_1)", "p(class_2)"]
    assert len(rows) == 179


def _wine_features_only(tmp_path):
    lines = sample_path("wine").read_text().splitlines()
    path = tmp_path / "wine_features.csv"
    path.write_text("".join(line.rsplit(",", 1)[0] + "\n" for line in lines))
    return path


def test_predict_without_the_label_column_when_the_label_was_chosen_by_name(
    cli, tmp_path, train_quietly
):
    model = tmp_path / "w.npz"
    assert train_quietly("wine --iterations 40 --label-column cultivar --save", model) == 0
    r = cli("predict", model, _wine_features_only(tmp_path))
    assert r.err == "" and r.code == 0
    full = read_csv(cli("predict", model, "wine").out)
    assert [row[:1] + row[2:] for row in full[1:]] == read_csv(r.out)[1:]


def test_predict_without_the_label_column_when_the_label_was_the_first_column(
    cli, tmp_path, train_quietly
):
    table = load_table(sample_path("iris"))
    label_first = tmp_path / "label_first.csv"
    rows = [",".join(repr(float(v)) for v in row) for row in table.X]
    label_first.write_text("".join(f"{y},{x}\n" for y, x in zip(table.labels, rows, strict=True)))
    features = tmp_path / "features.csv"
    features.write_text("".join(x + "\n" for x in rows))
    model = tmp_path / "m.npz"
    assert (
        train_quietly(label_first, *"--iterations 60 --label-column 1 --save".split(), model) == 0
    )
    expected = _expected_probabilities(model, table.X)
    with_label = read_csv(cli("predict", model, label_first).out)
    got = np.array([[float(v) for v in row[3:]] for row in with_label[1:]])
    np.testing.assert_allclose(got, expected, atol=5e-7)
    r = cli("predict", model, features)
    # Either the features are read in their own order, or the table is refused;
    # never silently predicted from shuffled columns.
    if r.code == 2:
        assert_one_error_line(r.err)
        return
    assert r.code == 0
    got = np.array([[float(v) for v in row[2:]] for row in read_csv(r.out)[1:]])
    np.testing.assert_allclose(got, expected, atol=5e-7)


def test_predict_regression_writes_values_in_the_data_units(
    cli, tmp_path, train_quietly, regression_csv
):
    model = tmp_path / "r.npz"
    assert train_quietly(regression_csv, *"--loss mse --epochs 40 --save".split(), model) == 0
    r = cli("predict", model, regression_csv)
    assert r.code == 0, r.err
    rows = read_csv(r.out)
    assert rows[0] == ["row", "y", "predicted"]
    y = np.array([float(row[1]) for row in rows[1:]])
    predicted = np.array([float(row[2]) for row in rows[1:]])
    table = load_table(regression_csv)
    np.testing.assert_allclose(y, table.labels)
    assert 1 - np.sum((y - predicted) ** 2) / np.sum((y - y.mean()) ** 2) > 0.95


# -- 7. regression ------------------------------------------------------------------------


def test_train_regression_prints_rmse_and_r2(cli, tmp_path, regression_csv):
    report, model = tmp_path / "r.json", tmp_path / "r.npz"
    r = cli(
        "train",
        regression_csv,
        *"--loss mse --epochs 40".split(),
        *("--report-json", report, "--save", model),
    )
    assert r.code == 0, r.err
    assert "140 training rows, 60 test rows, 2 features -> regression target" in r.out
    metrics = summary_lines(r.out)[1]
    for name in ("train RMSE", "test RMSE", "train R²", "test R²"):
        assert name in metrics
    assert "accuracy" not in metrics and "confusion" not in r.out
    figures = json.loads(report.read_text())
    assert REPORT_KEYS | {"test_r2", "test_rmse"} <= set(figures)
    assert figures["train_accuracy"] is None and figures["test_accuracy"] is None
    assert figures["test_r2"] > 0.95
    assert float(re.search(r"test R² (\S+)", metrics)[1]) == pytest.approx(
        figures["test_r2"], rel=1e-3
    )
    # The reported R² and RMSE are those of the saved model on the test rows.
    saved = load_model(model)
    _, dataset = load_dataset(str(regression_csv), saved.config)
    predicted = saved.preprocessing.decode_outputs(predict(saved.network, dataset.X_test))
    truth = dataset.y_test
    r2 = 1 - np.sum((truth - predicted) ** 2) / np.sum((truth - truth.mean()) ** 2)
    assert figures["test_r2"] == pytest.approx(r2, rel=1e-6)
    assert figures["test_rmse"] == pytest.approx(np.sqrt(np.mean((truth - predicted) ** 2)))


def test_train_diabetes_with_mse(cli, tmp_path):
    r = cli("train diabetes --loss mse --epochs 5 --report-json", tmp_path / "r.json")
    assert r.code == 0, r.err
    assert "10 features -> regression target" in r.out
    assert "R²" in summary_lines(r.out)[1]
    assert json.loads((tmp_path / "r.json").read_text())["test_r2"] is not None


def test_train_regression_sample_with_the_default_loss_does_not_crash(program):
    """``nnstudio train diabetes`` (auto task = regression, default loss cross_entropy)."""
    done = program("train", "diabetes", "--epochs", 2)
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 2), done.stderr
    if done.returncode == 2:
        assert_one_error_line(done.stderr, "cross_entropy")


# -- 8. bad input ------------------------------------------------------------------------------


@pytest.fixture
def bad_files(tmp_path, iris_model):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "binary.dat").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "ragged.csv").write_text("1,2,3\n4,5\n6,7,8\n1,2,3\n")
    (tmp_path / "bad.json").write_text('{"learning_rate": 0.1,,}\n')
    (tmp_path / "unknown.json").write_text('{"learning_rat": 0.1}\n')
    (tmp_path / "bad_value.json").write_text('{"learning_rate": -1}\n')
    (tmp_path / "bad.npz").write_text("this is not a model\n")
    return {"tmp": tmp_path, "model": iris_model}


BAD_INPUT = {
    "missing file": (["train", "{tmp}/missing.csv"], ["missing.csv"]),
    "unknown sample": (["train", "no_such_sample"], ["no_such_sample"]),
    "directory": (["train", "{tmp}"], []),
    "empty file": (["train", "{tmp}/empty.csv"], ["empty.csv", "empty"]),
    "binary file": (["train", "{tmp}/binary.dat"], ["binary.dat"]),
    "ragged file": (["train", "{tmp}/ragged.csv"], ["ragged.csv", "line 2"]),
    "no data argument": (["train"], ["data"]),
    "unknown option": (["train", "iris", "--speed", "9"], ["--speed"]),
    "lr -1": (["train", "iris", "--lr", "-1"], ["learning_rate"]),
    "lr 0": (["train", "iris", "--lr", "0"], ["learning_rate"]),
    "lr nan": (["train", "iris", "--lr", "nan"], ["learning_rate"]),
    "lr inf": (["train", "iris", "--lr", "inf"], ["learning_rate"]),
    "lr text": (["train", "iris", "--lr", "fast"], ["--lr", "fast"]),
    "layers 1,x": (["train", "iris", "--layers", "1,x"], ["--layers", "1,x"]),
    "layers 0": (["train", "iris", "--layers", "0"], []),
    "layers 4,0": (["train", "iris", "--layers", "4,0"], ["hidden_layers"]),
    "layers -3": (["train", "iris", "--layers", "-3"], ["hidden_layers"]),
    "layers too wide": (["train", "iris", "--layers", "5000"], ["hidden_layers"]),
    "unknown activation": (["train", "iris", "--activation", "swish"], ["swish"]),
    "activation count": (["train", "iris", "--activation", "relu,tanh,relu"], ["activations"]),
    "unknown optimizer": (["train", "iris", "--optimizer", "rmsprop"], ["rmsprop"]),
    "unknown loss": (["train", "iris", "--loss", "hinge"], ["hinge"]),
    "unknown dtype": (["train", "iris", "--dtype", "float16"], ["float16"]),
    "batch size 0": (["train", "iris", "--batch-size", "0"], ["batch_size"]),
    "iterations 0": (["train", "iris", "--iterations", "0"], ["iterations"]),
    "test split 1": (["train", "iris", "--test-split", "1"], ["test_split"]),
    "momentum 1": (["train", "iris", "--momentum", "1"], ["momentum"]),
    "negative l2": (["train", "iris", "--l2", "-0.1"], ["l2"]),
    "negative seed": (["train", "iris", "--seed", "-1"], ["seed"]),
    "label column 0": (["train", "iris", "--label-column", "0"], ["--label-column"]),
    "label column 9": (["train", "iris", "--label-column", "9"], ["iris.csv"]),
    "unknown label name": (["train", "wine", "--label-column", "grape"], ["grape"]),
    "label also ignored": (["train", "iris", "--ignore-columns", "5"], ["iris.csv"]),
    "text label regression": (
        ["train", "iris", "--task", "regression", "--loss", "mse"],
        ["regression"],
    ),
    "cross_entropy regression": (
        ["train", "iris", "--task", "regression", "--loss", "cross_entropy"],
        ["cross_entropy"],
    ),
    "linear output cross_entropy": (["train", "iris", "--output", "linear"], ["output"]),
    "invalid JSON config": (["train", "iris", "--config", "{tmp}/bad.json"], ["bad.json", "JSON"]),
    "unknown config field": (
        ["train", "iris", "--config", "{tmp}/unknown.json"],
        ["unknown.json", "learning_rat"],
    ),
    "bad config value": (
        ["train", "iris", "--config", "{tmp}/bad_value.json"],
        ["bad_value.json", "learning_rate"],
    ),
    "missing config": (["train", "iris", "--config", "{tmp}/nope.json"], ["nope.json"]),
    "predict bad model": (["predict", "{tmp}/bad.npz", "iris"], ["bad.npz"]),
    "predict missing model": (["predict", "{tmp}/none.npz", "iris"], ["none.npz"]),
    "predict missing data": (["predict", "{model}", "{tmp}/none.csv"], ["none.csv"]),
    "predict into missing dir": (
        ["predict", "{model}", "iris", "-o", "{tmp}/no/dir/p.csv"],
        ["p.csv"],
    ),
    "init-from bad model": (
        ["train", "iris", "--init-from", "{tmp}/bad.npz"],
        ["bad.npz"],
    ),
    "init-from missing model": (["train", "iris", "--init-from", "{tmp}/none.npz"], ["none.npz"]),
    "save into missing dir": (
        ["train", "iris", "--iterations", "2", "--save", "{tmp}/no/dir/m.npz"],
        ["m.npz"],
    ),
    "log into missing dir": (
        ["train", "iris", "--iterations", "2", "--log", "{tmp}/no/dir/log.csv"],
        ["log.csv"],
    ),
    "report into missing dir": (
        ["train", "iris", "--iterations", "2", "--report-json", "{tmp}/no/dir/r.json"],
        ["r.json"],
    ),
}


def _fill(args, files):
    return [a.format(**files) for a in args]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # so that a run that trains fails below
@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_error_line_and_exit_2(cli, bad_files, case):
    args, fragments = BAD_INPUT[case]
    r = cli(*_fill(args, bad_files))
    assert r.code == 2, (r.code, r.err)
    assert_one_error_line(r.err, *fragments)
    assert "Traceback" not in r.out


@pytest.mark.parametrize("command", ["predict", "init-from"])
def test_a_damaged_model_file_is_an_error_and_is_closed(cli, tmp_path, iris_model, command):
    damaged = tmp_path / "truncated.npz"
    damaged.write_bytes(iris_model.read_bytes()[:300])  # a zip archive cut short
    args = (
        ["predict", damaged, "iris"]
        if command == "predict"
        else ["train iris --init-from", damaged]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = cli(*args)
        gc.collect()
    assert r.code == 2
    assert_one_error_line(r.err, "truncated.npz")
    leaked = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaked == [], "the damaged model file was left open"


SUBPROCESS_BAD_INPUT = [
    "missing file",
    "ragged file",
    "binary file",
    "lr -1",
    "unknown config field",
    "predict bad model",
    "save into missing dir",
]


@pytest.mark.parametrize("case", SUBPROCESS_BAD_INPUT)
def test_bad_input_in_the_real_program(program, bad_files, case):
    args, fragments = BAD_INPUT[case]
    done = program(*_fill(args, bad_files))
    assert done.returncode == 2
    assert_one_error_line(done.stderr, *fragments)
    assert "Traceback" not in done.stdout


# -- 9. divergence -------------------------------------------------------------------------------

DIVERGING = "--no-standardize --loss sse --optimizer sgd --lr 10 --activation linear".split()


def test_divergence_exits_3_and_says_so(program, huge_targets):
    done = program("train", huge_targets, *DIVERGING)
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("nnstudio: error: Diverged at step ")
    assert re.search(r"^diverged: \d+ steps", done.stdout, re.M)
    assert "completed:" not in done.stdout


def test_divergence_stderr_is_one_line(program, huge_targets):
    """A diverged run explains itself in one line; numpy's RuntimeWarnings do not leak out."""
    done = program("train", huge_targets, *DIVERGING)
    assert done.returncode == 3
    assert_one_error_line(done.stderr, "Diverged")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_in_process_writes_the_report(cli, tmp_path, huge_targets):
    report = tmp_path / "r.json"
    r = cli("train", huge_targets, "--quiet", *DIVERGING, "--report-json", report)
    assert r.code == 3
    assert r.err.splitlines()[-1].startswith("nnstudio: error: Diverged")
    figures = json.loads(report.read_text())
    assert figures["stop_reason"] == "diverged"
    assert figures["steps"] < 900  # stopped long before the configured end


# -- 10. version, help, and the real program -----------------------------------------------------


def test_version(program):
    done = program("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"nnstudio {nnstudio.__version__}"


def test_train_help(program):
    done = program("train", "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: nnstudio train")
    for option in ("--preset", "--layers", "--activation", "--lr", "--save", "--init-from"):
        assert option in done.stdout
    assert done.stderr == ""


def test_predict_help_in_process(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("usage: nnstudio predict")


def test_real_program_trains_quietly_with_clean_stderr(program, tmp_path):
    done = program("train", "iris", "--iterations", 10, "--save", tmp_path / "m.npz")
    assert done.returncode == 0
    assert done.stderr == ""
    assert [s for s, _, _ in step_lines(done.stdout)] == list(range(1, 11))
    assert (tmp_path / "m.npz").is_file()
    done = program("predict", tmp_path / "m.npz", "iris")
    assert done.returncode == 0 and done.stderr == ""
    assert len(done.stdout.splitlines()) == 151
