"""The ``nnstudio`` command: the studio window, or headless training and prediction.

``nnstudio [DATA]`` opens the studio; ``nnstudio train DATA [options]`` trains
with the core's trainer and prints as it goes; ``nnstudio predict MODEL DATA``
writes predictions. Mistakes a user can make end with one line
``nnstudio: error: ...`` on stderr and exit status 2; a diverged run exits 3.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

# Only what every command needs; each command imports the rest where it uses it. The
# studio imports NumPy and the core itself, before Qt (see nnstudio.gui.app), and
# `nnstudio --version` needs neither.
from nnstudio import __version__
from nnstudio.core.errors import ConfigError, NNStudioError

if TYPE_CHECKING:
    from nnstudio.core.config import Config

EXIT_USAGE = 2
EXIT_DIVERGED = 3


class UsageError(NNStudioError):
    """A command line that cannot be carried out."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one ``nnstudio: error:`` line."""

    def error(self, message):
        raise UsageError(message)


# -- the command line ------------------------------------------------------------------


def _layers(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text.lower() in ("", "none", "[]"):
        return ()
    try:
        return tuple(int(part) for part in text.replace(" ", "").strip("[]").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of layer widths; write e.g. 12,6 (or none)"
        ) from None


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _column(text: str) -> int | str:
    """A column given as a number counting from 1 (negative from the end) or a header name."""
    try:
        number = int(text)
    except ValueError:
        return text
    if number == 0:
        raise argparse.ArgumentTypeError("columns are numbered from 1 (or -1 for the last)")
    return number - 1 if number > 0 else number


def _columns(text: str) -> tuple[int | str, ...]:
    return tuple(_column(part) for part in _names(text))


def build_train_parser() -> argparse.ArgumentParser:
    from nnstudio.core.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
    from nnstudio.core.config import DTYPES, PRESETS, SAMPLING, TASKS
    from nnstudio.core.initializers import INITIALIZERS
    from nnstudio.core.losses import LOSSES
    from nnstudio.core.optimizers import OPTIMIZERS

    p = _Parser(
        prog="nnstudio train",
        description="Train a network on a table (CSV/TXT), a bundled sample (iris, wine, ...) "
        "or generated 2-D data (gen:circle, gen:spiral, ...).",
        argument_default=argparse.SUPPRESS,  # only options given on the command line override
    )
    p.add_argument(
        "data",
        help="data file, the name of a bundled sample such as iris, "
        "or a generated data set such as gen:spiral",
    )
    g = p.add_argument_group("starting point")
    g.add_argument("--preset", choices=sorted(PRESETS), help="start from a preset (default modern)")
    g.add_argument("--config", metavar="FILE.json", help="start from a saved configuration")
    g = p.add_argument_group("network")
    g.add_argument(
        "--layers",
        dest="hidden_layers",
        type=_layers,
        metavar="12,6",
        help="hidden layer widths, comma-separated ('none' for no hidden layer)",
    )
    g.add_argument(
        "--activation",
        dest="activations",
        type=_names,
        metavar="NAME[,NAME...]",
        help=f"hidden activation(s): {', '.join(HIDDEN_ACTIVATIONS)}",
    )
    g.add_argument("--output", choices=("auto", *OUTPUT_ACTIVATIONS), help="output activation")
    g.add_argument("--init", choices=list(INITIALIZERS), help="weight initializer")
    g.add_argument("--no-bias", dest="use_bias", action="store_false", help="no bias terms")
    g = p.add_argument_group("training")
    g.add_argument("--loss", choices=list(LOSSES))
    g.add_argument("--optimizer", choices=OPTIMIZERS)
    g.add_argument("--lr", dest="learning_rate", type=float, metavar="RATE", help="learning rate")
    g.add_argument("--momentum", type=float, help="momentum coefficient (momentum optimizer)")
    g.add_argument("--nesterov", action="store_true", help="Nesterov momentum")
    g.add_argument("--beta1", type=float, help="Adam's first-moment decay")
    g.add_argument("--beta2", type=float, help="Adam's second-moment decay")
    g.add_argument("--l1", type=float, help="L1 regularization rate")
    g.add_argument("--l2", type=float, help="L2 regularization rate")
    g.add_argument("--batch-size", dest="batch_size", type=int)
    g.add_argument("--sampling", choices=SAMPLING, help="how batches are drawn")
    length = g.add_mutually_exclusive_group()
    length.add_argument("--iterations", type=int, help="train for this many steps")
    length.add_argument("--epochs", type=int, help="train for this many passes over the data")
    g.add_argument(
        "--eval-every",
        dest="eval_every",
        type=int,
        metavar="STEPS",
        help="steps between evaluations (default once per epoch)",
    )
    g.add_argument("--seed", type=int)
    g.add_argument("--dtype", choices=DTYPES)
    g = p.add_argument_group("data")
    g.add_argument(
        "--label-column",
        dest="label_column",
        type=_column,
        metavar="COLUMN",
        help="label column: number from 1 (-1 = last, the default) or header name",
    )
    g.add_argument(
        "--ignore-columns",
        dest="ignore_columns",
        type=_columns,
        metavar="A,B",
        help="columns to leave out, by number or header name",
    )
    g.add_argument("--task", choices=TASKS)
    g.add_argument(
        "--test-split",
        dest="test_split",
        type=float,
        metavar="FRACTION",
        help="fraction held out for testing (0 = none)",
    )
    g.add_argument(
        "--no-standardize",
        dest="standardize",
        action="store_false",
        help="feed the raw feature values",
    )
    _add_generator_options(p)
    g = p.add_argument_group("output")
    g.add_argument(
        "--report-every",
        dest="report_every",
        type=int,
        metavar="STEPS",
        help="steps between printed losses",
    )
    g.add_argument("--quiet", action="store_true", help="print only the summary")
    g.add_argument("--save", metavar="MODEL.npz", help="write the trained model")
    g.add_argument("--init-from", metavar="MODEL.npz", help="start from a saved model's weights")
    g.add_argument("--log", metavar="FILE.csv", help="write the loss and metric history")
    g.add_argument("--report-json", metavar="FILE", help="write the final figures as JSON")
    return p


def config_from_args(args: argparse.Namespace) -> Config:
    """The preset or config file, with every option given on the command line applied."""
    from nnstudio.core.config import PRESETS, Config

    config_options = {f for f in Config.__dataclass_fields__ if f != "schema_version"}
    given = vars(args)
    if "preset" in given and "config" in given:
        raise UsageError("--preset and --config both give a starting point; use one")
    if "config" in given:
        base = Config.load(given["config"])
    else:
        base = PRESETS[given.get("preset", "modern")]
    changes = {k: v for k, v in given.items() if k in config_options}
    return base.replace(**changes)


# -- data -----------------------------------------------------------------------------

GENERATOR_OPTIONS = {  # dest -> flag, of the options that only generated data takes
    "samples": "--samples",
    "noise": "--noise",
    "classes": "--classes",
    "engineered": "--engineered",
    "data_seed": "--data-seed",
}


def _add_generator_options(p: argparse.ArgumentParser, *, engineered: bool = True) -> None:
    from nnstudio.core.generators import ENGINEERED, GENERATORS

    g = p.add_argument_group(
        "generated data (DATA is gen:NAME)",
        f"generators: {', '.join(GENERATORS)}",
    )
    none = argparse.SUPPRESS  # absent options stay absent, so a file can refuse given ones
    g.add_argument(
        "--samples", type=int, metavar="N", default=none, help="number of points (default 400)"
    )
    g.add_argument(
        "--noise",
        type=float,
        default=none,
        help="0 = clean geometry ... 0.5 = very noisy (default 0.1)",
    )
    g.add_argument(
        "--classes",
        type=int,
        metavar="K",
        default=none,
        help="number of spiral arms (default 2)",
    )
    if engineered:
        g.add_argument(
            "--engineered",
            type=_names,
            metavar="NAMES",
            default=none,
            help=f"extra inputs computed from x and y: {', '.join(ENGINEERED)} "
            "(ASCII: x2, y2, xy, sinx, siny)",
        )
    g.add_argument(
        "--data-seed",
        dest="data_seed",
        type=int,
        metavar="N",
        default=none,
        help="seed of the generated points (default: the run's --seed)",
    )


def _generated_table(name: str, options: dict, seed: int, engineered=()):
    """Draw ``gen:NAME`` data with the generator options given, then add engineered inputs."""
    from nnstudio.core.generators import add_engineered, generate

    params = {k: options[k] for k in ("samples", "noise", "classes") if k in options}
    table = generate(name, seed=options.get("data_seed", seed), **params)
    return add_engineered(table, (*options.get("engineered", ()), *engineered))


def _check_generator_options(data: str, options: dict) -> None:
    """Refuse generator options with a data file: they would silently do nothing."""
    given = [flag for dest, flag in GENERATOR_OPTIONS.items() if dest in options]
    if given:
        raise UsageError(
            f"{given[0]} only applies to generated data, but {data} is a file or sample; "
            "give DATA as gen:NAME (e.g. gen:spiral) or leave out " + ", ".join(given)
        )


# -- train --------------------------------------------------------------------------


def _resolve_data(name: str) -> Path:
    path = Path(name)
    if path.exists():
        return path
    from nnstudio.core.samples import sample_path

    if not any(sep in name for sep in "/\\") and "." not in name:
        return sample_path(name)
    from nnstudio.core.samples import list_samples

    names = ", ".join(sample.name for sample in list_samples())
    raise UsageError(f"{name}: no such file; give a CSV/TXT table or a sample name ({names})")


def load_dataset(data: str, config: Config, options: dict | None = None):
    """Load a data file (or sample), or generate ``gen:NAME`` data, and prepare it.

    ``options`` holds the parsed command-line options; the generator ones (``samples``,
    ``noise``, ``classes``, ``engineered``, ``data_seed``) apply to generated data only,
    whose seed defaults to the run's ``config.seed``.
    """
    from nnstudio.core.data import load_table
    from nnstudio.core.dataset import prepare_table
    from nnstudio.core.generators import generator_name

    options = options or {}
    name = generator_name(data)
    if name is not None:
        table = _generated_table(name, options, config.seed)
    else:
        _check_generator_options(data, options)
        table = load_table(
            _resolve_data(data),
            label_column=config.label_column,
            ignore_columns=config.ignore_columns,
        )
    return table, prepare_table(table, config)


class _Progress:
    """A one-line progress bar on a terminal's stderr; silent elsewhere."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.shown = total, enabled and sys.stderr.isatty(), False

    def update(self, step: int, loss: float, seconds: float):
        if not self.enabled:
            return
        fraction = step / self.total if self.total else 1.0
        bar = "#" * int(30 * fraction)
        eta = seconds / fraction - seconds if fraction > 0 else 0.0
        sys.stderr.write(
            f"\r[{bar:<30}] {fraction:4.0%} step {step}/{self.total} "
            f"loss {loss:.4g} ETA {eta:4.1f}s "
        )
        sys.stderr.flush()
        self.shown = True

    def clear(self):
        if self.shown:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()
            self.shown = False


def _format_metrics(m) -> str:
    parts = [f"train loss {m.train_loss:.4f}"]
    if m.test_loss is not None:
        parts.append(f"test loss {m.test_loss:.4f}")
    for name in ("train_accuracy", "test_accuracy"):
        if getattr(m, name) is not None:
            parts.append(f"{name.replace('_', ' ')} {getattr(m, name):.1%}")
    for name in ("train_rmse", "test_rmse", "train_r2", "test_r2"):
        if getattr(m, name) is not None:
            label = name.replace("_r2", " R²").replace("_rmse", " RMSE")
            parts.append(f"{label} {getattr(m, name):.4g}")
    return "  ".join(parts)


def _initial_network(path: str, config: Config, dataset):
    from nnstudio.core.model_io import load_model

    saved = load_model(path)
    expected = (dataset.n_features, *config.hidden_layers, dataset.n_outputs)
    if saved.network.sizes != expected:
        raise UsageError(
            f"{path}: the model has layer sizes {list(saved.network.sizes)} but this data and "
            f"config need {list(expected)}; use the same --layers (and data) it was trained with"
        )
    if saved.preprocessing.class_names != dataset.class_names:
        raise UsageError(
            f"{path}: the model was trained on other classes "
            f"({', '.join(saved.preprocessing.class_names or ())})"
        )
    return saved.network


def run_train(argv: list[str]) -> int:
    from nnstudio.core.trainer import DIVERGED, Trainer

    args = build_train_parser().parse_args(argv)
    options = vars(args)
    config = config_from_args(args)
    table, dataset = load_dataset(args.data, config, options)
    quiet = options.get("quiet", False)
    out = sys.stdout
    if not quiet:
        for notice in table.notices:
            print(f"note: {notice}", file=out)
        names = ", ".join(dataset.class_names) if dataset.class_names else "regression target"
        print(
            f"data: {table.path}: {dataset.n_train} training rows, {dataset.n_test} test rows, "
            f"{dataset.n_features} features -> {names}",
            file=out,
        )
    network = (
        _initial_network(options["init_from"], config, dataset) if "init_from" in options else None
    )
    trainer = Trainer(config, dataset, network)
    if not quiet:
        layers = " -> ".join(str(s) for s in trainer.sizes)
        print(
            f"network: {layers} ({', '.join(config.activations) or 'no hidden layer'}; "
            f"output {trainer.output}), {trainer.network.n_parameters()} parameters",
            file=out,
        )
        print(
            f"training: {config.optimizer} lr {config.learning_rate}, {config.loss} loss, "
            f"batch {config.batch_size} ({config.sampling}), {trainer.total_steps} steps",
            file=out,
        )

    report_every = config.report_every or max(1, trainer.total_steps // 20)
    progress = _Progress(trainer.total_steps, not quiet)
    log_rows: list[tuple[int, float]] = []
    last = None
    for snapshot in trainer.run(every_steps=report_every, every_seconds=0.1):
        last = snapshot
        log_rows.extend(zip(snapshot.steps.tolist(), snapshot.losses.tolist(), strict=True))
        if not quiet:
            for step, loss in zip(snapshot.steps, snapshot.losses, strict=True):
                if step % report_every == 0:
                    progress.clear()
                    print(
                        f"step {step:>7}  epoch {trainer.epoch_at(step):8.2f}  "
                        f"batch loss {loss:.6f}",
                        file=out,
                    )
            if len(snapshot.losses):
                progress.update(snapshot.step, float(snapshot.losses[-1]), trainer.seconds)
    progress.clear()

    final = trainer.history[-1] if trainer.history else None
    if trainer.stop_reason != DIVERGED and (final is None or final.step != trainer.step):
        final = trainer.evaluate()
    print(
        f"{last.stop_reason}: {trainer.step} steps ({trainer.epoch:.2f} epochs) in "
        f"{trainer.seconds:.2f} s, {last.samples_per_second:,.0f} samples/s",
        file=out,
    )
    if final is not None:
        print(_format_metrics(final), file=out)
        if final.confusion is not None and not quiet:
            _print_confusion(
                final.confusion, dataset.class_names, "test" if dataset.n_test else "train", out
            )

    if "save" in options:
        from nnstudio.core.model_io import save_model

        save_model(options["save"], trainer.network, config, dataset.preprocessing)
        if not quiet:
            print(f"saved the model to {options['save']}", file=out)
    if "log" in options:
        _write_log(options["log"], log_rows, trainer)
    if "report_json" in options:
        _write_report(options["report_json"], trainer, final, last)
    if trainer.stop_reason == DIVERGED:
        print(f"nnstudio: error: {last.message}", file=sys.stderr)
        return EXIT_DIVERGED
    return 0


def _print_confusion(matrix, class_names, part, out):
    width = max(8, *(len(n) for n in class_names)) + 1
    print(f"confusion matrix ({part} rows: true class, columns: predicted):", file=out)
    print(" " * width + "".join(f"{n:>{width}}" for n in class_names), file=out)
    for name, row in zip(class_names, matrix, strict=True):
        print(f"{name:>{width}}" + "".join(f"{v:>{width}}" for v in row), file=out)


def _write_log(path: str, rows, trainer) -> None:
    """One row per step: the batch loss, and the evaluation figures on steps that have them."""
    from nnstudio.core.metrics import write_history_csv

    write_history_csv(
        path,
        ("epoch", "batch_loss"),
        ((step, (round(trainer.epoch_at(step), 6), repr(loss))) for step, loss in rows),
        trainer.history,
        initial=(0.0, ""),
    )


def _write_report(path: str, trainer, final, last) -> None:
    import json

    report = {
        "steps": trainer.step,
        "epochs": trainer.epoch,
        "stop_reason": trainer.stop_reason or last.stop_reason,
        "seconds": trainer.seconds,
        "samples_per_second": last.samples_per_second,
    }
    names = (
        "train_loss",
        "test_loss",
        "train_accuracy",
        "test_accuracy",
        "train_rmse",
        "test_rmse",
        "train_r2",
        "test_r2",
    )
    for name in names:
        report[name] = getattr(final, name) if final is not None else None
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")


# -- predict -----------------------------------------------------------------------


def build_predict_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="nnstudio predict", description="Predict the rows of a table with a saved model."
    )
    p.add_argument("model", help="a model saved with 'nnstudio train ... --save MODEL.npz'")
    p.add_argument(
        "data",
        help="data file with the model's feature columns (label optional), "
        "or generated data such as gen:spiral",
    )
    p.add_argument("--output", "-o", metavar="FILE.csv", help="write here instead of stdout")
    _add_generator_options(p, engineered=False)  # the model says which inputs it needs
    return p


def _generated_features(name: str, options: dict, saved):
    """``(X, labels)`` of ``gen:NAME`` data with the model's inputs, engineered ones included.

    The data seed defaults to the seed the model was trained with, and a spiral has as
    many arms as the model has classes.
    """
    from nnstudio.core.generators import ENGINEERED, GENERATORS

    pre = saved.preprocessing
    info = GENERATORS.get(name)
    if info is not None and info.task != pre.task:
        raise UsageError(
            f"gen:{name} is {info.task} data but the model was trained for {pre.task}; "
            "predict data of the kind it was trained on"
        )
    options = dict(options)
    if name == "spiral" and "classes" not in options and pre.class_names:
        options["classes"] = len(pre.class_names)
    engineered = [f for f in pre.feature_names if f in ENGINEERED]
    table = _generated_table(name, options, saved.config.seed, engineered)
    missing = [f for f in pre.feature_names if f not in table.feature_names]
    if missing:
        raise UsageError(
            f"the model needs the input '{missing[0]}', which generated data does not have; "
            f"give a data file with its columns ({', '.join(pre.feature_names)})"
        )
    X = table.X[:, [table.feature_names.index(f) for f in pre.feature_names]]
    return X, table.labels


def run_predict(argv: list[str]) -> int:
    import csv

    import numpy as np

    from nnstudio.core.data import load_features
    from nnstudio.core.generators import generator_name
    from nnstudio.core.metrics import predict
    from nnstudio.core.model_io import load_model

    args = build_predict_parser().parse_args(argv)
    saved = load_model(args.model)
    pre = saved.preprocessing
    name = generator_name(args.data)
    if name is not None:
        X, labels = _generated_features(name, vars(args), saved)
    else:
        _check_generator_options(args.data, vars(args))
        label_column = saved.config.label_column
        X, labels = load_features(
            _resolve_data(args.data),
            pre.feature_names,
            label_name=pre.label_name,
            label_column=label_column if isinstance(label_column, int) else None,
        )
    outputs = predict(saved.network, pre.transform(X, saved.network.dtype))

    handle = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    try:
        writer = csv.writer(handle)
        if pre.task == "classification":
            names = pre.class_names
            header = ["row", "predicted", *(f"p({n})" for n in names)]
            if labels is not None:
                header.insert(1, pre.label_name)
            writer.writerow(header)
            for i, probabilities in enumerate(outputs):
                row = [
                    i + 1,
                    names[int(np.argmax(probabilities))],
                    *(f"{p:.6f}" for p in probabilities),
                ]
                if labels is not None:
                    row.insert(1, labels[i])
                writer.writerow(row)
        else:
            values = pre.decode_outputs(outputs)
            writer.writerow(["row", *([pre.label_name] if labels is not None else []), "predicted"])
            for i, value in enumerate(values):
                writer.writerow(
                    [
                        i + 1,
                        *([repr(float(labels[i]))] if labels is not None else []),
                        f"{value:.6g}",
                    ]
                )
    finally:
        if args.output:
            handle.close()
    if labels is not None and pre.task == "classification" and args.output:
        truth = pre.encode_labels(labels)
        print(
            f"accuracy {np.mean(truth == outputs.argmax(axis=1)):.1%} on {len(truth)} rows; "
            f"predictions written to {args.output}"
        )
    return 0


# -- the studio ---------------------------------------------------------------------


def build_studio_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="nnstudio",
        description="Train small neural networks and watch them learn. "
        "Without a command, opens the studio window.",
        epilog="commands:\n  train DATA [options]    train headless (nnstudio train -h)\n"
        "  predict MODEL DATA      predict with a saved model (nnstudio predict -h)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("data", nargs="?", help="data file or sample name to open (default iris)")
    p.add_argument("--config", metavar="FILE.json", help="configuration to open")
    p.add_argument("--version", action="version", version=f"nnstudio {__version__}")
    return p


def run_studio(argv: list[str]) -> int:
    args = build_studio_parser().parse_args(argv)
    try:
        from nnstudio.gui.app import main as studio_main
    except ImportError as exc:
        if exc.name and exc.name.startswith("nnstudio.gui"):
            print(
                "nnstudio: the studio window is not available in this build yet; "
                "use 'nnstudio train DATA' to train headless.",
                file=sys.stderr,
            )
            return 1
        raise
    return studio_main(data=args.data, config=args.config)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    commands = {"train": run_train, "predict": run_predict}
    try:
        if argv and argv[0] in commands:
            return commands[argv[0]](argv[1:])
        return run_studio(argv)
    except (NNStudioError, ConfigError) as exc:
        print(f"nnstudio: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. piped into `head`: the reader has all it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 0
    except KeyboardInterrupt:
        print("nnstudio: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # e.g. --save into a folder that does not exist
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"nnstudio: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
