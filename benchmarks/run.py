"""Train the same networks on the same data with nnstudio, scikit-learn and PyTorch.

``python -m benchmarks`` (from the repository root, with ``pip install -e '.[bench]'``)
prints a table of training throughput (median samples/s over repeats), the
ratio of nnstudio to each peer, each run's final training accuracy (so every
contender really trained), and each trainer's achieved FLOP rate as a
fraction of this machine's GEMM rate. Results are also written as JSON.

Every contender uses plain minibatch SGD (no momentum, no regularization),
reshuffles once per epoch, and runs the same number of epochs; scikit-learn
also runs with Adam, against nnstudio's Adam. Repeats go round the contenders
(every contender's first run, then every second run, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    sizes: tuple[int, ...]  # inputs, hidden..., classes
    activation: str
    batch_size: int
    epochs: int
    learning_rate: float
    rows: int

    @property
    def parameters(self) -> int:
        return sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True))


WORKLOADS = {
    "W1-b64": Workload(
        "W1-b64", "iris 4-[12,6]-3 sigmoid, batch 64", (4, 12, 6, 3), "sigmoid", 64, 400, 0.5, 150
    ),
    "W1-b16": Workload(
        "W1-b16", "iris 4-[12,6]-3 sigmoid, batch 16", (4, 12, 6, 3), "sigmoid", 16, 150, 0.2, 150
    ),
    "W2": Workload(
        "W2",
        "10,000x64, [128, 64] relu, 10 classes, batch 128",
        (64, 128, 64, 10),
        "relu",
        128,
        3,
        0.05,
        10_000,
    ),
    "W3": Workload(
        "W3",
        "60,000x784, [256, 128] relu, 10 classes, batch 128, one epoch",
        (784, 256, 128, 10),
        "relu",
        128,
        1,
        0.05,
        60_000,
    ),
}


def make_data(workload: Workload, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Standardized features and integer labels; iris for W1, a learnable synthetic set else."""
    if workload.name.startswith("W1"):
        from nnstudio.core.data import load_table
        from nnstudio.core.samples import sample_path

        table = load_table(sample_path("iris"))
        X = (table.X - table.X.mean(0)) / table.X.std(0)
        y = np.unique(table.labels, return_inverse=True)[1]
        return X.astype(dtype), y
    rng = np.random.default_rng(0)
    n, d, k = workload.rows, workload.sizes[0], workload.sizes[-1]
    centres = rng.normal(size=(k, d))
    y = rng.integers(0, k, size=n)
    X = centres[y] + rng.normal(scale=1.5, size=(n, d))
    return X.astype(dtype), y


@dataclass
class Result:
    workload: str
    dtype: str
    contender: str
    samples_per_second: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_per_second)


# -- contenders: each trains and returns (seconds, training accuracy) ----------------------------


def train_nnstudio(workload, X, y, dtype, optimizer="sgd"):
    from nnstudio.core.config import Config
    from nnstudio.core.dataset import prepare
    from nnstudio.core.trainer import Trainer

    steps_per_epoch = -(-len(X) // workload.batch_size)
    config = Config(
        hidden_layers=workload.sizes[1:-1],
        activations=workload.activation,
        output="softmax",
        loss="cross_entropy",
        optimizer=optimizer,
        learning_rate=workload.learning_rate if optimizer == "sgd" else 0.001,
        l2=0.0,
        batch_size=workload.batch_size,
        sampling="shuffle",
        epochs=workload.epochs,
        test_split=0.0,
        standardize=False,
        dtype=np.dtype(dtype).name,
        eval_every=workload.epochs * steps_per_epoch,
        init="xavier",
    )
    data = prepare(
        X, y, task="classification", test_split=0.0, standardize=False, dtype=config.dtype
    )
    trainer = Trainer(config, data)
    start = time.perf_counter()
    for _ in trainer.run():
        pass
    # The peers' timings hold no evaluation; nnstudio's run evaluates at its start and end.
    seconds = time.perf_counter() - start - trainer.evaluation_seconds
    return seconds, trainer.history[-1].train_accuracy


def train_sklearn(workload, X, y, dtype, solver="sgd"):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=workload.sizes[1:-1],
        activation="logistic" if workload.activation == "sigmoid" else workload.activation,
        solver=solver,
        learning_rate_init=workload.learning_rate if solver == "sgd" else 0.001,
        batch_size=workload.batch_size,
        max_iter=workload.epochs,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        shuffle=True,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    seconds = time.perf_counter() - start
    return seconds, float(model.score(X, y))


def train_torch(workload, X, y, dtype, threads=1):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    act = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}
    layers = []
    for a, b in zip(workload.sizes[:-2], workload.sizes[1:-1], strict=True):
        layers += [torch.nn.Linear(a, b), act[workload.activation]()]
    layers.append(torch.nn.Linear(workload.sizes[-2], workload.sizes[-1]))
    torch_dtype = torch.float32 if np.dtype(dtype) == np.float32 else torch.float64
    model = torch.nn.Sequential(*layers).to(torch_dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=workload.learning_rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(workload.epochs):
        order = torch.randperm(len(Xt), generator=generator)
        Xe, ye = Xt[order], yt[order]
        for i in range(0, len(Xt), workload.batch_size):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xe[i : i + workload.batch_size]), ye[i : i + workload.batch_size])
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = float((model(Xt).argmax(1) == yt).double().mean())
    return seconds, accuracy


def contenders(include_peers: bool):
    found = {
        "nnstudio sgd": train_nnstudio,
        "nnstudio adam": lambda *a: train_nnstudio(*a, optimizer="adam"),
    }
    if not include_peers:
        return found
    try:
        import sklearn  # noqa: F401

        found["sklearn sgd"] = train_sklearn
        found["sklearn adam"] = lambda *a: train_sklearn(*a, solver="adam")
    except ImportError:
        print("scikit-learn is not installed: pip install -e '.[bench]'")
    try:
        import torch  # noqa: F401

        found["torch 1 thread"] = lambda *a: train_torch(*a, threads=1)
        found["torch 2 threads"] = lambda *a: train_torch(*a, threads=2)
    except ImportError:
        print("PyTorch is not installed: pip install torch==2.13.0")
    return found


# -- GEMM rate ------------------------------------------------------------------------------------


def gemm_rate(m: int, k: int, n: int, dtype, seconds: float = 0.5) -> float:
    """FLOP/s of ``(m, k) @ (k, n)`` in NumPy's BLAS, best of repeated timings."""
    rng = np.random.default_rng(0)
    a = rng.random((m, k)).astype(dtype)
    b = rng.random((k, n)).astype(dtype)
    out = np.empty((m, n), dtype)
    np.matmul(a, b, out=out)
    best, spent = float("inf"), 0.0
    while spent < seconds:
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        took = time.perf_counter() - start
        best, spent = min(best, took), spent + took
    return 2.0 * m * k * n / best


def machine() -> dict:
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }
    try:
        with open("/proc/cpuinfo") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if "model name" in line]
        if names:
            info["processor"] = names[0]
    except OSError:
        pass
    return info


# -- the run --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--workloads", default="W1-b64,W1-b16,W2,W3")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-peers", action="store_true", help="nnstudio only")
    parser.add_argument("--json", default="benchmarks/results.json")
    args = parser.parse_args(argv)

    runners = contenders(not args.no_peers)
    gemm = {dt: gemm_rate(2048, 2048, 2048, dt) for dt in ("float32", "float64")}
    gemm_w3 = {dt: gemm_rate(128, 784, 256, dt) for dt in ("float32", "float64")}
    print(f"machine: {machine()}")
    for dt in gemm:
        print(
            f"GEMM {dt}: 2048² {gemm[dt] / 1e9:.1f} GFLOP/s; "
            f"W3 first layer (128x784 @ 784x256) {gemm_w3[dt] / 1e9:.1f} GFLOP/s"
        )

    results: list[Result] = []
    for name in args.workloads.split(","):
        workload = WORKLOADS[name]
        for dtype in args.dtypes.split(","):
            X, y = make_data(workload, dtype)
            samples = workload.epochs * len(X)
            block = {c: Result(workload.name, dtype, c) for c in runners}
            # Round the contenders once per repeat rather than repeating each in turn: a
            # shared machine changes speed for seconds at a time (on a 2-core VM, two BLAS
            # threads ran 1.2-1.3x faster in some spells than in others), and rounds spread
            # such a spell over every contender instead of landing on one.
            for _ in range(args.repeats):
                for contender, train in runners.items():
                    seconds, accuracy = train(workload, X, y, dtype)
                    block[contender].samples_per_second.append(samples / seconds)
                    block[contender].accuracy.append(accuracy)
            results.extend(block.values())
            _print_block(
                workload,
                dtype,
                [r for r in results if r.workload == name and r.dtype == dtype],
                gemm,
            )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump(
            {
                "machine": machine(),
                "gemm_flops": gemm,
                "gemm_w3_flops": gemm_w3,
                "workloads": {k: asdict(v) for k, v in WORKLOADS.items()},
                "results": [asdict(r) | {"median": r.median} for r in results],
            },
            handle,
            indent=2,
        )
    print(f"\nwrote {args.json}")
    return 0


def _print_block(workload: Workload, dtype: str, rows: list[Result], gemm: dict) -> None:
    print(f"\n{workload.name} ({workload.description}), {dtype}, {workload.epochs} epochs")
    ours = next(r for r in rows if r.contender == "nnstudio sgd").median
    ours_adam = next(r for r in rows if r.contender == "nnstudio adam").median
    print(
        f"  {'contender':<16} {'samples/s':>12} {'nnstudio ×':>11} {'accuracy':>9} "
        f"{'FLOP/s':>9} {'of GEMM':>8}"
    )
    for r in rows:
        reference = ours_adam if r.contender.endswith("adam") else ours
        ratio = "" if r.contender.startswith("nnstudio") else f"{reference / r.median:.2f}"
        flops = 6 * workload.parameters * r.median
        print(
            f"  {r.contender:<16} {r.median:>12,.0f} {ratio:>11} "
            f"{statistics.median(r.accuracy):>9.3f} {flops / 1e9:>8.2f}G "
            f"{flops / gemm[dtype]:>8.1%}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
