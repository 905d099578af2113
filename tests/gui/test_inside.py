"""Seeing inside in the studio: timeline scrubbing, compare mode, hand edits, decision boundary."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from nnstudio.core.config import MODERN
from nnstudio.gui.main_window import MainWindow

SPIRAL = MODERN.replace(
    hidden_layers=(8, 8), activations="tanh", l2=0.0, learning_rate=0.03, batch_size=128, epochs=500
)


@pytest.fixture
def window(qtbot, tmp_path):
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


def _train(qtbot, window, config, data):
    window.set_config(config)
    if data == "spiral":  # as from the data panel's Generate button
        assert window.data_panel.generate("spiral", samples=500, noise=0.1)
    else:
        assert window.load_data(data)
    with qtbot.waitSignal(window.run_stopped, timeout=60000):
        window.toggle_training()


def test_spiral_reaches_95_percent_and_the_boundary_shows_it(qtbot, window):
    _train(qtbot, window, SPIRAL, "spiral")
    assert window.trainer.history[-1].test_accuracy >= 0.95
    inside = window.inside
    image = inside.boundary.image_rgba()
    assert image is not None and image.shape[:2] == (100, 100)
    # The painted classes agree with the model's own predictions over the grid.
    from nnstudio.core.grid import grid_inputs

    spec = inside.spec
    predicted = window.trainer.network.forward(
        window.dataset.preprocessing.transform(grid_inputs(spec))
    ).argmax(1)
    assert 0.3 < predicted.mean() < 0.7  # both classes take a real share of the plane
    # The grid forward pass agrees with predicting every training point on its own.
    X = window.dataset.X_train[:20]
    together = window.trainer.network.forward(X)
    alone = np.vstack([window.trainer.network.forward(x[None]) for x in X])
    np.testing.assert_allclose(together, alone, rtol=1e-12)


def test_scrubbing_shows_the_recorded_weights(qtbot, window):
    _train(qtbot, window, MODERN.replace(epochs=60), "iris")
    inside, history = window.inside, window.inside.history
    assert len(history) >= 3 and history.first.step == 0
    assert history.last.step == window.trainer.step
    slider = inside.timeline.findChild(object, "timeline_slider")
    with qtbot.waitSignal(inside.timeline.step_selected, timeout=2000) as selected:
        slider.setValue(1)
    entry = history.at_step(selected.args[0])
    assert entry.step < window.trainer.step
    for image, weights in zip(window.heatmaps.images(), entry.weights, strict=True):
        np.testing.assert_allclose(image, weights)
    assert window.loss_plot.marked_step() == entry.step
    # Scrubbing trains nothing.
    assert window.trainer.step == history.last.step
    with qtbot.waitSignal(inside.timeline.live_selected, timeout=2000):
        inside.timeline.findChild(object, "timeline_live").click()
    for image, weights in zip(
        window.heatmaps.images(), window.trainer.network.weights, strict=True
    ):
        np.testing.assert_allclose(image, weights)


def test_compare_mode_shows_b_minus_a(qtbot, window):
    _train(qtbot, window, MODERN.replace(epochs=60), "iris")
    inside, history = window.inside, window.inside.history
    with qtbot.waitSignal(inside.timeline.compare_changed, timeout=2000) as changed:
        inside.timeline.findChild(object, "timeline_compare").setChecked(True)
        inside.timeline.findChild(object, "timeline_slider").setValue(len(history) - 1)
    a, b = history.at_step(changed.args[0]), history.at_step(changed.args[1])
    assert a.step < b.step
    for image, wa, wb in zip(window.heatmaps.images(), a.weights, b.weights, strict=True):
        np.testing.assert_allclose(image, wb - wa)


def test_editing_a_weight_changes_the_next_forward_pass(qtbot, window, monkeypatch):
    window.set_config(MODERN.replace(epochs=50))
    window.load_data("iris")
    for _ in range(3):
        with qtbot.waitSignal(window.run_stopped, timeout=5000):
            window.step_once()
    trainer = window.trainer
    X = window.dataset.X_test[:5]
    before = trainer.network.forward(X).copy()
    monkeypatch.setattr(window.inside, "_ask_value", lambda title, current: 5.0)
    window.heatmaps.cell_clicked.emit(2, 0, 1)  # last layer: h2 #1 -> class 2
    assert trainer.network.weights[2][0, 1] == 5.0
    assert not np.allclose(trainer.network.forward(X), before)
    assert window.inside.history.last.edit  # the history records the edit
    assert window.heatmaps.images()[2][0, 1] == 5.0

    window.editor.unit_toggle_requested.emit(1, 3)  # switch h1 #4 off
    outputs = trainer.network.layer_outputs(X)
    assert np.all(outputs[1][:, 3] == 0)
    # Training goes on from the edited network.
    with qtbot.waitSignal(window.run_stopped, timeout=5000):
        window.step_once()
    assert window.trainer is trainer and trainer.step == 4


def test_edits_are_refused_while_training(qtbot, window, monkeypatch):
    window.set_config(MODERN.replace(epochs=100_000))
    window.load_data("iris")
    asked = []
    monkeypatch.setattr(window.inside, "_ask_value", lambda *a: asked.append(a) or 1.0)
    with qtbot.waitSignal(window.training.snapshot_ready, timeout=5000):
        window.toggle_training()
    window.heatmaps.cell_clicked.emit(0, 0, 0)
    assert asked == [] and "Pause" in window.controls.status.text()
    with qtbot.waitSignal(window.run_stopped, timeout=3000):
        window.toggle_training()


def test_more_than_two_features_hold_the_rest_at_their_mean(qtbot, window):
    window.load_data("iris")
    note = window.inside.boundary.findChild(object, "boundary_note")
    assert "sepal_width" in note.text() or "petal_length" in note.text()
    assert set(window.inside.spec.held_features) == {"petal_length", "petal_width"}


def test_classic_preset_trips_the_saturation_diagnosis(qtbot, window):
    from nnstudio.core.config import CLASSIC

    _train(qtbot, window, CLASSIC, "iris")
    summary = window.inside.diagnostics.findChild(object, "diagnostics_summary")
    assert "saturat" in summary.text().lower()


def test_the_diagnostics_of_a_run_over_in_an_instant_still_draw_a_curve(qtbot, window):
    # Iris trains its 700 steps in a fraction of a second, less than the diagnosis's
    # interval: its curves held the last step alone, one point, which no line draws.
    _train(qtbot, window, MODERN, "iris")
    view = window.inside.diagnostics
    steps = view._steps.view()
    assert steps[0] == 0 and steps[-1] == 700  # the start is diagnosed too
    saturated = view.curves["saturated_fraction"][0]  # tanh layers
    assert np.isfinite(saturated.getData()[1]).all()  # a line from step 0
    # A gradient norm has no value at step 0; its points are marked, so it shows.
    gradient = view.curves["gradient_norm"][0]
    assert np.isfinite(gradient.getData()[1]).sum() >= 1 and gradient.opts["symbol"] == "o"
    # No markers for a figure that does not apply (dead units of a tanh layer).
    assert view.curves["dead_fraction"][0].opts["symbol"] is None


def test_history_budget_can_be_changed_and_is_remembered(qtbot, window):
    window.set_config(MODERN.replace(epochs=60))
    window.load_data("iris")
    # One snapshot per step: a whole run may finish within one or two snapshots.
    for _ in range(6):
        with qtbot.waitSignal(window.run_stopped, timeout=5000):
            window.step_once()
    history = window.inside.history
    entry_bytes = history.last.nbytes
    window.set_history_budget(1)  # megabyte: far more than iris needs, nothing is dropped
    assert history.budget_bytes == 2**20 and len(history) > 3
    history.set_budget(4 * entry_bytes)  # the core thins at once, keeping both ends
    assert history.nbytes <= 4 * entry_bytes and history.first.step == 0
    assert history.last.step == window.trainer.step
    assert int(window.settings.value("history/budget_mb")) == 1


def test_live_frames_redraw_the_plane_views_only_when_their_grids_are_new(
    qtbot, window, monkeypatch
):
    window.load_data("iris")
    inside = window.inside
    window.view("boundary")  # build the boundary and the units, as when their docks are shown
    window.view("units")
    window.docks["units"].show()
    window.docks["units"].raise_()
    inside._on_node_chosen(1, 0)
    drawn, computed = [], []
    monkeypatch.setattr(inside.boundary, "show_outputs", lambda o, s: drawn.append(o))
    import nnstudio.gui.inside as inside_module

    real_unit_grids = inside_module.unit_grids

    def counting_unit_grids(*args):
        computed.append(args)
        return real_unit_grids(*args)

    monkeypatch.setattr(inside_module, "unit_grids", counting_unit_grids)
    entry = inside.history.last
    grid = (entry.step, np.zeros((100, 100, 3)))
    inside._live_grid = grid
    inside._units_due.reset()
    inside._show_state(entry, live=True, paced=True)
    assert len(drawn) == 1 and drawn[0] is grid[1] and len(computed) == 1
    # The next frame at once: the same grid is not drawn again, nor are the units computed.
    inside._show_state(entry, live=True, paced=True)
    assert len(drawn) == 1 and len(computed) == 1
    # A new grid from the worker is drawn; the units wait for their interval.
    inside._live_grid = (entry.step, np.ones((100, 100, 3)))
    inside._show_state(entry, live=True, paced=True)
    assert len(drawn) == 2 and len(computed) == 1
    inside._units_due._last -= inside_module.UNITS_INTERVAL_S  # the interval has passed
    inside._show_state(entry, live=True, paced=True)
    assert len(computed) == 2
    # Unpaced (a run's last frame, a scrub back to live) draws everything.
    inside._show_state(entry, live=True)
    assert len(drawn) == 3 and len(computed) == 3


def test_units_in_a_tabbed_away_dock_are_computed_when_it_is_shown_again(qtbot, window):
    window.load_data("iris")
    inside = window.inside
    window.view("units")
    window.docks["units"].raise_()
    qtbot.waitUntil(lambda: inside._units_on_screen)
    inside._on_node_chosen(1, 2)
    assert inside.unit_strip.unit_count > 0
    window.docks["gradients"].raise_()  # the units' tab is behind another now
    qtbot.waitUntil(lambda: not inside._units_on_screen)
    shown = inside.unit_view.image.image.copy()
    with qtbot.waitSignal(window.training.snapshot_ready):
        window.step_once()  # one batch on: the units' outputs change
    qtbot.waitUntil(lambda: inside.history.last.step == 1)
    inside._show_units(inside.history.last)
    assert inside._units_stale
    np.testing.assert_array_equal(inside.unit_view.image.image, shown)  # not computed
    window.docks["units"].raise_()
    qtbot.waitUntil(lambda: not inside._units_stale)
    assert not np.array_equal(inside.unit_view.image.image, shown)
