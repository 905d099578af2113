"""Saved models: layout of the .npz file, round trip, and damaged files."""

import numpy as np
import pytest

from nnstudio.core.config import MODERN
from nnstudio.core.dataset import prepare_table
from nnstudio.core.errors import ModelFileError
from nnstudio.core.model_io import load_model, save_model
from nnstudio.core.trainer import Trainer


@pytest.fixture
def trained(iris_table):
    data = prepare_table(iris_table, MODERN)
    trainer = Trainer(MODERN, data)
    list(trainer.run(max_steps=50))
    return trainer, data


def test_file_layout_is_plain_arrays_and_json(tmp_path, trained):
    trainer, data = trained
    path = tmp_path / "model.npz"
    save_model(path, trainer.network, MODERN, data.preprocessing)
    with np.load(path, allow_pickle=False) as archive:
        names = set(archive.files)
        assert {"weight_0", "bias_0", "weight_2", "bias_2", "config", "preprocessing"} <= names
        assert archive["weight_0"].shape == (4, 12) and archive["bias_1"].shape == (6,)


def test_round_trip_predicts_the_same(tmp_path, trained):
    trainer, data = trained
    path = tmp_path / "model.npz"
    save_model(path, trainer.network, MODERN, data.preprocessing)
    saved = load_model(path)
    assert saved.config == MODERN
    assert saved.preprocessing.class_names == data.class_names
    np.testing.assert_array_equal(saved.preprocessing.mean, data.preprocessing.mean)
    np.testing.assert_array_equal(
        saved.network.forward(data.X_test), trainer.network.forward(data.X_test)
    )


def test_model_without_biases_round_trips(tmp_path, iris_table):
    config = MODERN.replace(use_bias=False)
    data = prepare_table(iris_table, config)
    trainer = Trainer(config, data)
    save_model(tmp_path / "m.npz", trainer.network, config, data.preprocessing)
    assert load_model(tmp_path / "m.npz").network.biases is None


def test_damaged_files_are_explained(tmp_path):
    text = tmp_path / "text.npz"
    text.write_text("not a zip")
    with pytest.raises(ModelFileError, match="text.npz: not an nnstudio model file"):
        load_model(text)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.zeros(3))
    with pytest.raises(ModelFileError, match="incomplete or damaged"):
        load_model(foreign)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "missing.npz")
