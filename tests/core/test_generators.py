"""Generated 2-D data: seeds, shapes, exact geometry without noise, engineered inputs."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.data import Table
from nnstudio.core.errors import ConfigError, DataError
from nnstudio.core.generators import (
    ENGINEERED,
    GEN_PREFIX,
    GENERATORS,
    add_engineered,
    derive_feature,
    engineered_name,
    generate,
    generator_name,
)

CLASSIFIERS = [name for name, info in GENERATORS.items() if info.task == "classification"]
REGRESSORS = [name for name, info in GENERATORS.items() if info.task == "regression"]


def radius(table: Table) -> np.ndarray:
    return np.hypot(table.X[:, 0], table.X[:, 1])


def test_registry_lists_every_generator_with_a_task_and_description():
    assert CLASSIFIERS == ["circle", "xor", "gaussians", "spiral", "moons"]
    assert REGRESSORS == ["plane", "multi_gaussian"]
    for info in GENERATORS.values():
        assert info.description.endswith(".") and callable(info.function)
        assert {"samples", "noise", "classes"} <= set(info.defaults)
        function, task, description, defaults = info  # a plain tuple as well
        assert task in ("classification", "regression")


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_seed_same_data_other_seed_other_data(name):
    a = generate(name, samples=300, noise=0.2, seed=7)
    b = generate(name, samples=300, noise=0.2, seed=7)
    c = generate(name, samples=300, noise=0.2, seed=8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.X, c.X)


def test_generation_leaves_the_global_random_state_alone():
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    for name in GENERATORS:
        generate(name, seed=5)
    np.testing.assert_array_equal(np.random.random(3), expected)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_table_fields_and_shapes(name):
    table = generate(name, samples=123, noise=0.1, seed=1)
    classification = GENERATORS[name].task == "classification"
    assert isinstance(table, Table)
    assert table.path == f"gen:{name}" and generator_name(table.path) == name
    assert table.feature_names == ("x", "y")
    assert table.X.shape == (123, 2) and table.X.dtype == np.float64
    assert table.labels.shape == (123,)
    assert table.label_name == ("class" if classification else "value")
    assert (table.delimiter, table.has_header, table.rows_dropped, table.notices) == (
        "",
        False,
        0,
        (),
    )
    assert not table.X.flags.writeable and not table.labels.flags.writeable
    assert np.all(np.abs(table.X) <= 7.0)  # roughly [-6, 6]², like the Playground
    if classification:
        assert table.labels.dtype.kind == "U"
        assert set(table.labels) == {"class 0", "class 1"}
    else:
        assert table.labels.dtype == np.float64


@pytest.mark.parametrize("name", ["gaussians", "spiral", "moons"])
def test_classes_get_equal_shares(name):
    table = generate(name, samples=301, noise=0.3, seed=2)
    _, counts = np.unique(table.labels, return_counts=True)
    assert sorted(counts) == [150, 151]


def test_rows_are_shuffled_so_classes_mix():
    labels = generate("spiral", samples=400, seed=0).labels
    assert len(set(labels[:20])) == 2  # not 200 rows of class 0 first


def test_circle_without_noise_is_a_disc_inside_a_ring():
    table = generate("circle", samples=1000, noise=0.0, seed=3)
    r = radius(table)
    inner, outer = table.labels == "class 0", table.labels == "class 1"
    assert inner.sum() == outer.sum() == 500
    assert r[inner].max() < 2.5 <= 3.5 <= r[outer].min() and r[outer].max() <= 5.0


def test_circle_noise_flips_labels_near_the_edge_only():
    clean = generate("circle", samples=1000, noise=0.0, seed=3)
    noisy = generate("circle", samples=1000, noise=0.1, seed=3)
    np.testing.assert_array_equal(clean.X, noisy.X)  # points stay; labels are read off jittered
    flipped = clean.labels != noisy.labels
    assert 0 < flipped.sum() < 100
    # a jitter of at most 0.5 per coordinate cannot flip a point far from the 2.5 edge
    assert np.all(np.abs(radius(clean)[flipped] - 2.5) < 0.5 * np.sqrt(2) + 1e-12)


def test_xor_without_noise_is_the_sign_product():
    table = generate("xor", samples=800, noise=0.0, seed=4)
    x, y = table.X.T
    np.testing.assert_array_equal(table.labels == "class 1", x * y < 0)
    assert np.all(np.abs(table.X) >= 0.3)  # the gap along both axes


def test_xor_noise_mislabels_some_points():
    table = generate("xor", samples=800, noise=0.3, seed=4)
    x, y = table.X.T
    wrong = np.mean((table.labels == "class 1") != (x * y < 0))
    assert 0.02 < wrong < 0.4


def test_gaussians_sit_around_their_centres_and_spread_with_noise():
    clean = generate("gaussians", samples=2000, noise=0.0, seed=5)
    noisy = generate("gaussians", samples=2000, noise=0.5, seed=5)
    for table, variance in ((clean, 0.5), (noisy, 4.0)):
        for label, centre in (("class 0", -2.0), ("class 1", 2.0)):
            points = table.X[table.labels == label]
            np.testing.assert_allclose(points.mean(axis=0), [centre, centre], atol=0.15)
            np.testing.assert_allclose(points.var(axis=0), [variance] * 2, rtol=0.12)
    assert np.all((clean.X.sum(axis=1) > 0) == (clean.labels == "class 1"))  # separable


def test_spiral_with_three_arms_is_balanced_and_exact_without_noise():
    table = generate("spiral", samples=600, noise=0.0, seed=6, classes=3)
    values, counts = np.unique(table.labels, return_counts=True)
    assert list(values) == ["class 0", "class 1", "class 2"] and list(counts) == [200] * 3
    r = radius(table)
    assert r.max() < 5.0
    for k in range(3):
        arm = table.X[table.labels == f"class {k}"]
        rk = np.hypot(*arm.T)
        order = np.argsort(rk)
        # angle = 1.75 turns * r / 5 + k/3 turn, measured like the generator: atan2(x, y)
        expected = 1.75 * 2 * np.pi * rk / 5 + 2 * np.pi * k / 3
        angle = np.arctan2(arm[:, 0], arm[:, 1])
        gap = np.angle(np.exp(1j * (angle - expected)))[order][1:]  # r = 0 has no angle
        np.testing.assert_allclose(gap, 0.0, atol=1e-9)


def test_spiral_noise_moves_points_a_little():
    clean = generate("spiral", samples=400, noise=0.0, seed=6)
    noisy = generate("spiral", samples=400, noise=0.5, seed=6)
    np.testing.assert_array_equal(clean.labels, noisy.labels)
    shift = np.abs(noisy.X - clean.X)
    assert 0.2 < shift.max() <= 0.5  # ±noise for two arms, as in the Playground


def test_moons_without_noise_are_two_half_circles():
    table = generate("moons", samples=400, noise=0.0, seed=7)
    up = table.X[table.labels == "class 0"] / 3.5 + [0.5, 0.25]
    down = table.X[table.labels == "class 1"] / 3.5 + [0.5, 0.25]
    np.testing.assert_allclose(np.hypot(*up.T), 1.0)
    np.testing.assert_allclose(np.hypot(down[:, 0] - 1.0, down[:, 1] - 0.5), 1.0)
    assert np.all(up[:, 1] >= 0) and np.all(down[:, 1] <= 0.5)


def test_plane_is_linear_without_noise_and_noisy_with_it():
    clean = generate("plane", samples=500, noise=0.0, seed=8)
    np.testing.assert_allclose(clean.labels, 0.1 * clean.X[:, 0] + 0.1 * clean.X[:, 1])
    noisy = generate("plane", samples=500, noise=0.2, seed=8)
    residual = noisy.labels - (0.1 * noisy.X[:, 0] + 0.1 * noisy.X[:, 1])
    assert 0.05 < residual.std() and np.abs(residual).max() <= 2 * 0.1 * 6 * 0.2 + 1e-12


def test_multi_gaussian_has_signed_bumps():
    table = generate("multi_gaussian", samples=3000, noise=0.0, seed=9)
    values, (x, y) = table.labels, table.X.T
    assert values.min() < -0.8 and values.max() > 0.8
    near = lambda cx, cy: np.hypot(x - cx, y - cy) < 0.3  # noqa: E731
    assert np.all(values[near(-4, 2.5)] > 0.8) and np.all(values[near(0, 2.5)] < -0.8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "spirals"}, "no data generator named 'spirals'; choose one of: circle, xor"),
        ({"name": "spiral", "samples": 5}, "samples = 5 is not allowed"),
        ({"name": "spiral", "samples": 10.5}, "samples = 10.5"),
        ({"name": "spiral", "noise": -0.1}, "noise = -0.1 is not allowed: use a number from 0"),
        ({"name": "spiral", "noise": float("nan")}, "noise = nan"),
        ({"name": "spiral", "seed": -1}, "seed = -1"),
        ({"name": "spiral", "classes": 1}, "classes = 1 is not allowed: use a whole number"),
        ({"name": "spiral", "classes": 9}, "from 2 to 8"),
        ({"name": "circle", "classes": 3}, "only spiral has a choice of classes"),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    name = kwargs.pop("name")
    error = DataError if message.startswith("no data") else ConfigError
    with pytest.raises(error, match=message.replace("(", r"\(")):
        generate(name, **kwargs)


def test_generator_name():
    assert GEN_PREFIX == "gen:"
    assert generator_name("gen:spiral") == "spiral"
    assert generator_name("iris") is None and generator_name("data/gen.csv") is None


# -- engineered inputs ---------------------------------------------------------------------


def test_add_engineered_appends_the_formulas():
    table = generate("circle", samples=50, seed=1)
    wide = add_engineered(table, ["sin y", "x·y", "x²", "y²", "sin x"])
    assert wide.feature_names == (
        "x",
        "y",
        *ENGINEERED,
    )  # ENGINEERED order, whatever the order given
    x, y = table.X.T
    np.testing.assert_array_equal(wide.X[:, :2], table.X)
    np.testing.assert_allclose(
        wide.X[:, 2:], np.column_stack([x**2, y**2, x * y, np.sin(x), np.sin(y)])
    )
    assert not wide.X.flags.writeable
    assert wide.labels is table.labels and wide.path == table.path
    assert table.feature_names == ("x", "y")  # the original is untouched


def test_add_engineered_accepts_ascii_spellings_and_skips_present_columns():
    table = generate("xor", samples=40, seed=2)
    once = add_engineered(table, ["x2", "XY", "sin(y)"])
    assert once.feature_names == ("x", "y", "x²", "x·y", "sin y")
    twice = add_engineered(once, ["x^2", "y**2"])
    assert twice.feature_names == ("x", "y", "x²", "x·y", "sin y", "y²")
    assert add_engineered(table, []) is table


def test_add_engineered_refuses_unknown_names_and_missing_bases():
    table = generate("xor", samples=40, seed=2)
    with pytest.raises(ConfigError, match="'z²' is not known: use some of x², y², x·y"):
        add_engineered(table, ["z²"])
    no_y = Table("t.csv", ("x", "w"), np.ones((3, 2)), np.zeros(3), "c", ",", True, 0, ())
    assert add_engineered(no_y, ["x²"]).feature_names == ("x", "w", "x²")
    with pytest.raises(DataError, match="t.csv: cannot compute the input 'x·y'"):
        add_engineered(no_y, ["xy"])


def test_engineered_name():
    assert [engineered_name(t) for t in ("x2", "y^2", "x*y", "sinx", "sin x", "x²")] == [
        "x²",
        "y²",
        "x·y",
        "sin x",
        "sin x",
        "x²",
    ]


def test_derive_feature():
    xs, ys = np.array([[0.0, 1.0], [2.0, -3.0]]), np.array([[1.0, 2.0], [0.5, 4.0]])
    columns = {"x": xs, "y": ys}
    np.testing.assert_array_equal(derive_feature("x", columns), xs)
    np.testing.assert_array_equal(derive_feature("x²", columns), xs**2)
    np.testing.assert_array_equal(derive_feature("y²", columns), ys**2)
    np.testing.assert_array_equal(derive_feature("x·y", columns), xs * ys)
    np.testing.assert_array_equal(derive_feature("sin x", columns), np.sin(xs))
    np.testing.assert_array_equal(derive_feature("sin y", columns), np.sin(ys))
    assert derive_feature("x·y", {"x": xs}) is None
    assert derive_feature("y²", {"x": xs}) is None
    assert derive_feature("petal_width", columns) is None
    np.testing.assert_array_equal(derive_feature("petal_width", {"petal_width": xs}), xs)
