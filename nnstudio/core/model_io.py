"""Saving and loading trained models as ``.npz`` files.

The file holds ``weight_0, bias_0, weight_1, ...`` arrays of shape
``(fan_in, fan_out)`` and ``(fan_out,)``, plus two JSON strings: ``config``
(the full :class:`~nnstudio.core.config.Config`) and ``preprocessing`` (feature
names, class names, standardization), so a model predicts on raw rows without
anything else. It loads with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnstudio.core.config import Config
from nnstudio.core.dataset import Preprocessing
from nnstudio.core.errors import ConfigError, ModelFileError
from nnstudio.core.network import Network

FORMAT = "nnstudio-model"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class SavedModel:
    network: Network
    config: Config
    preprocessing: Preprocessing


def save_model(
    path: str | Path, network: Network, config: Config, preprocessing: Preprocessing
) -> None:
    """Write ``network`` with its config and preprocessing to ``path`` (``.npz``)."""
    arrays = {f"weight_{i}": w for i, w in enumerate(network.weights)}
    if network.biases is not None:
        arrays.update({f"bias_{i}": b for i, b in enumerate(network.biases)})
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "output": network.output,
        "hidden_activations": list(network.hidden_activations),
    }
    with open(path, "wb") as handle:
        np.savez(
            handle,
            **arrays,
            meta=np.array(json.dumps(meta)),
            config=np.array(config.to_json()),
            preprocessing=np.array(json.dumps(preprocessing.to_dict())),
        )


def load_model(path: str | Path) -> SavedModel:
    """Read a model written by :func:`save_model`; errors name the file and the problem."""
    try:
        # np.load leaves a truncated archive's file open unless it is given the handle.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as archive:
            contents = {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        raise ModelFileError(
            f"{path}: not an nnstudio model file (save one with 'nnstudio train ... --save')"
        ) from None
    try:
        meta = json.loads(str(contents["meta"]))
        if meta.get("format") != FORMAT:
            raise KeyError("meta")
        config = Config.from_json(str(contents["config"]))
        preprocessing = Preprocessing.from_dict(json.loads(str(contents["preprocessing"])))
        n_layers = sum(1 for name in contents if name.startswith("weight_"))
        weights = [contents[f"weight_{i}"] for i in range(n_layers)]
        biases = [contents[f"bias_{i}"] for i in range(n_layers)] if "bias_0" in contents else None
        network = Network(weights, biases, meta["hidden_activations"], meta["output"])
    except (KeyError, ValueError, TypeError, ConfigError) as exc:
        raise ModelFileError(f"{path}: the model file is incomplete or damaged ({exc})") from None
    for i in range(n_layers - 1):
        if weights[i].shape[1] != weights[i + 1].shape[0]:
            raise ModelFileError(
                f"{path}: layer shapes do not chain (weight_{i} -> weight_{i + 1})"
            )
    return SavedModel(network, config, preprocessing)
