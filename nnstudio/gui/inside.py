"""The "see inside" views and the weight-history timeline, wired to the window.

:class:`InsideController` owns the :class:`WeightHistory` and the views that
show what a network computes (decision boundary, unit views, weight
histograms, diagnostics) plus the timeline. Live, it shows the latest
snapshot; when the user scrubs the timeline, every view (including the
window's heatmaps, diagram and loss marker) shows the recorded state instead,
computed on demand from the history — scrubbing trains nothing.

The inside views start tabbed behind other docks, so each is built the first
time its dock is shown (or code asks for it through the properties below) and
is then handed the state it would have had all along: the data, the shown
state, the history, and every diagnosis recorded since the run began.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QInputDialog, QWidget

from nnstudio.core.diagnostics import LayerDiagnostics, diagnose, summarize
from nnstudio.core.grid import GridSpec, grid_outputs, unit_grids
from nnstudio.core.history import HistoryEntry, WeightHistory
from nnstudio.core.network import Network
from nnstudio.core.rate_limit import AtMostEvery
from nnstudio.gui.widgets.decision_boundary import DecisionBoundaryView
from nnstudio.gui.widgets.diagnostics_view import DiagnosticsView
from nnstudio.gui.widgets.neuron_view import UnitsPanel, UnitStrip, UnitView
from nnstudio.gui.widgets.timeline import TimelineWidget
from nnstudio.gui.widgets.weight_histograms import WeightHistogramView

DEFAULT_HISTORY_MB = 256
PROBE_ROWS = 256  # rows the diagnostics look at: enough to be stable, cheap to run
DIAGNOSTICS_INTERVAL_S = 0.2  # while training, diagnose at most five times a second
UNITS_INTERVAL_S = 0.1  # while training, compute the unit views' grids at most ten times a second
HISTOGRAMS_INTERVAL_S = 0.5  # the distribution images span the whole history: twice a second
GRID_RESOLUTION = 100


def raw_features(X: np.ndarray, preprocessing) -> np.ndarray:
    """Undo the standardization of network inputs ``X`` (shape ``(n, d)``)."""
    if preprocessing.mean is None:
        return np.asarray(X, dtype=np.float64)
    return np.asarray(X, dtype=np.float64) * preprocessing.scale + preprocessing.mean


class InsideController(QObject):
    """History, timeline and the inside views of one :class:`MainWindow`."""

    def __init__(self, window, settings: QSettings):
        super().__init__(window)
        self.window = window
        budget_mb = int(settings.value("history/budget_mb", DEFAULT_HISTORY_MB))
        self.history = WeightHistory(budget_bytes=budget_mb * 2**20)
        self.spec: GridSpec | None = None
        self._live_grid = None  # (step, outputs) of the latest live decision boundary
        self._drawn_grid = None  # the live grid the boundary view shows now
        self._units_due = AtMostEvery(UNITS_INTERVAL_S)
        self._units_stale = False  # the units dock was hidden when they last changed
        # Told by the dock's visibilityChanged (a dock behind another tab still counts as
        # visible to isVisible()).
        self._units_on_screen = True
        self._selected_unit: tuple[int, int] | None = None  # (layer 1-based, unit)
        self._previous_entry: HistoryEntry | None = None
        self._steps_dirty = False
        # The views, None until their docks are first shown (see the properties below).
        self._boundary: DecisionBoundaryView | None = None
        self._unit_view: UnitView | None = None
        self._unit_strip: UnitStrip | None = None
        self._histograms: WeightHistogramView | None = None
        self._diagnostics: DiagnosticsView | None = None
        # The run's diagnoses while the diagnostics view is not built, to replay into it.
        self._diagnosed: list[tuple[int, list[LayerDiagnostics]]] = []

        self.timeline = TimelineWidget(window)
        self.timeline.step_selected.connect(self._on_step_selected)
        self.timeline.live_selected.connect(self._on_live_selected)
        self.timeline.compare_changed.connect(self._on_compare_changed)
        self.timeline.compare_closed.connect(self._on_live_or_selected)

        right, bottom = Qt.RightDockWidgetArea, Qt.BottomDockWidgetArea
        window._lazy_dock("boundary", "Decision boundary", self._build_boundary, right)
        window._lazy_dock("units", "Units", self._build_units, right)
        window._lazy_dock("diagnostics", "Diagnostics", self._build_diagnostics, right)
        window._dock("timeline", "Timeline", self.timeline, bottom)
        window._lazy_dock("histograms", "Weight histograms", self._build_histograms, bottom)
        # The timeline sits under the weight views; histograms share the heatmaps' place.
        window.splitDockWidget(window.docks["heatmaps"], window.docks["timeline"], Qt.Vertical)
        window.tabifyDockWidget(window.docks["heatmaps"], window.docks["histograms"])
        window.tabifyDockWidget(window.docks["loss"], window.docks["boundary"])
        window.tabifyDockWidget(window.docks["gradients"], window.docks["diagnostics"])
        window.tabifyDockWidget(window.docks["gradients"], window.docks["units"])
        window.docks["loss"].raise_()
        window.docks["heatmaps"].raise_()
        window.docks["metrics"].raise_()
        self._histograms_due = AtMostEvery(HISTOGRAMS_INTERVAL_S)
        self._diagnosis_due = AtMostEvery(DIAGNOSTICS_INTERVAL_S)

        window.docks["units"].visibilityChanged.connect(self._on_units_visibility_changed)
        window.editor.node_clicked.connect(self._on_node_chosen)
        window.editor.node_hovered.connect(self._on_node_chosen)
        window.editor.edge_clicked.connect(self._on_edge_clicked)
        window.editor.unit_toggle_requested.connect(self._on_unit_toggle)
        window.heatmaps.cell_clicked.connect(self._on_cell_clicked)
        window.training.grid_ready.connect(self._on_grid_ready)

    # -- the views, built when first shown ------------------------------------------------------

    @property
    def boundary(self) -> DecisionBoundaryView:
        """The decision boundary view (built now if its dock has never been shown)."""
        self.window.view("boundary")
        return self._boundary

    @property
    def unit_view(self) -> UnitView:
        self.window.view("units")
        return self._unit_view

    @property
    def unit_strip(self) -> UnitStrip:
        self.window.view("units")
        return self._unit_strip

    @property
    def histograms(self) -> WeightHistogramView:
        self.window.view("histograms")
        return self._histograms

    @property
    def diagnostics(self) -> DiagnosticsView:
        self.window.view("diagnostics")
        return self._diagnostics

    def _build_boundary(self) -> DecisionBoundaryView:
        self._boundary = DecisionBoundaryView(self.window)
        self._boundary.axes_changed.connect(self._on_axes_changed)
        if self.window.dataset is not None:
            self._set_boundary_data()
            self._show_state(self._shown_entry(), live=self.timeline.is_live())
        return self._boundary

    def _build_units(self) -> QWidget:
        # The units are drawn over the decision boundary's grid (its axes and ranges).
        self.window.view("boundary")
        self._unit_view = UnitView()
        self._unit_strip = UnitStrip()
        self._unit_strip.unit_clicked.connect(self._on_node_chosen)
        units = UnitsPanel(self._unit_view, self._unit_strip, self.window)
        entry = self._shown_entry()
        if entry is not None:
            self._show_units(entry)
        return units

    def _build_histograms(self) -> WeightHistogramView:
        self._histograms = WeightHistogramView(self.window)
        if len(self.history):
            self._histograms.show_history(self.history)
        self._histograms.mark_step(self._marked_step())
        return self._histograms

    def _build_diagnostics(self) -> DiagnosticsView:
        view = self._diagnostics = DiagnosticsView(self.window)
        for step, found in self._diagnosed:
            view.record(step, found)
        if self._diagnosed:
            view.show_messages(summarize(self._diagnosed[-1][1]))
        self._diagnosed = []
        view.refresh()
        view.mark_step(self._marked_step())
        return view

    def _marked_step(self) -> int | None:
        """The step the curves mark: the shown recorded state, or None when live."""
        entry = None if self.timeline.is_live() else self._shown_entry()
        return None if entry is None else entry.step

    def _set_boundary_data(self) -> None:
        data = self.window.dataset
        pre = data.preprocessing
        self._boundary.set_data(
            raw_features(data.X_train, pre),
            data.y_train,
            raw_features(data.X_test, pre),
            data.y_test,
            data.feature_names,
            data.class_names,
            preprocessing=pre,
        )
        self.spec = self._boundary.grid_spec()
        self.window.training.set_grid_job((self.spec, pre))
        self._live_grid = None

    def set_budget(self, budget_bytes: int) -> None:
        """Change the history's memory budget; a smaller one thins the history at once."""
        self.history.set_budget(budget_bytes)
        self._steps_dirty = True

    # -- a new run -------------------------------------------------------------------------

    def reset(self) -> None:
        """A new trainer (new data, settings or weights): start an empty history."""
        window, trainer = self.window, self.window.trainer
        self.history.clear()
        self._diagnosis_due.reset()
        self._previous_entry = None
        self._live_grid = None
        self._diagnosed = []
        if self._diagnostics is not None:
            self._diagnostics.clear()
        if self._histograms is not None:
            self._histograms.clear()
        if self._boundary is not None:
            self._set_boundary_data()
        else:  # no grid to compute until the boundary (or the units) are shown
            self.spec = None
            window.training.set_grid_job(None)
        self.timeline.go_live()
        self.record(trainer.state_snapshot())
        # The starting point of the diagnostics' curves: a short run (iris's 700 steps
        # take a fraction of a second) may otherwise leave them its last step alone, a
        # single point that no line joins.
        self._record_diagnostics(self.history.last)
        self._show_state(self.history.last, live=True)
        self._refresh_histograms(force=True)

    def _on_axes_changed(self, x_feature: int, y_feature: int) -> None:
        data = self.window.dataset
        if data is None:
            return
        self.spec = self._boundary.grid_spec()
        self.window.training.set_grid_job((self.spec, data.preprocessing))
        self._live_grid = None
        self._show_state(self._shown_entry(), live=self.timeline.is_live())

    # -- live updates -----------------------------------------------------------------------

    def record(self, snapshot) -> None:
        """Every snapshot goes into the history (cheap: the arrays are shared, not copied)."""
        self.history.record(snapshot)
        self._steps_dirty = True

    def _on_grid_ready(self, step: int, outputs, spec) -> None:
        if spec is self.spec:
            self._live_grid = (step, outputs)

    def frame(self, snapshot) -> list:
        """The parts of drawing ``snapshot`` in the inside views (see ``MainWindow._frame``)."""
        final = bool(snapshot.stop_reason)
        entry = self.history.last  # the snapshot's own state, recorded when it came

        def timeline():
            # First, with the window's progress figures: both count the same steps.
            if self._steps_dirty:
                self._steps_dirty = False
                self.timeline.set_steps(self.history.steps())

        def diagnostics():
            # The diagnostics run a forward pass of the probe rows: a few times a second
            # is plenty for a curve over the whole run, and keeps the GUI thread free.
            if entry is not None and self._diagnosis_due.due(force=final):
                self._record_diagnostics(entry)

        parts = [timeline, diagnostics]
        if self.timeline.is_live():
            parts.append(lambda: self._show_state(entry, live=True, paced=not final))
            # A run's last snapshot is always drawn, so a paused run shows all its history.
            parts.append(lambda: self._refresh_histograms(force=final))
        return parts

    def _refresh_histograms(self, force: bool = False) -> None:
        """Redraw the distribution images at most twice a second (they span the whole history)."""
        if self._histograms is None:
            return  # built from the whole history when first shown
        if self._histograms_due.due(force=force):
            if len(self.history):
                self._histograms.show_history(self.history)

    def _record_diagnostics(self, entry: HistoryEntry) -> None:
        previous = self._previous_entry
        if previous is not None and previous.step == entry.step:
            return
        data, net = self.window.dataset, self.window.trainer.network
        probe = data.X_train[:PROBE_ROWS]
        found = diagnose(
            entry.weights,
            entry.biases,
            net.hidden_activations,
            net.output,
            probe,
            previous_weights=None if previous is None else previous.weights,
            steps_between=max(1, entry.step - previous.step) if previous else 1,
            gradient_norms=entry.gradient_norms,
            masks=entry.masks,
        )
        self._previous_entry = entry
        if self._diagnostics is None:
            self._diagnosed.append((entry.step, found))
            return
        self._diagnostics.record(entry.step, found)
        self._diagnostics.show_messages(summarize(found))
        self._diagnostics.refresh()

    # -- what the views show ------------------------------------------------------------------

    def _shown_entry(self) -> HistoryEntry | None:
        step = self.timeline.selected_step()
        if step is None:
            return self.history.last
        return self.history.at_step(step) if len(self.history) else None

    def _network_for(self, entry: HistoryEntry) -> Network:
        net = self.window.trainer.network
        return Network(entry.weights, entry.biases, net.hidden_activations, net.output, entry.masks)

    def _show_state(self, entry: HistoryEntry | None, *, live: bool, paced: bool = False) -> None:
        """Show ``entry`` (the live state, or a recorded one) in the views that follow it.

        ``paced`` (live frames while training): the boundary is drawn only when the
        worker sent a new grid, and the units' grids are computed at most every
        :data:`UNITS_INTERVAL_S`, as both cost a forward pass over the whole plane.
        """
        window = self.window
        if entry is None or window.dataset is None:
            return
        if not live:
            window.heatmaps.show_weights(entry.weights, entry.biases)
            window.editor.show_weights(entry.weights, entry.biases)
            window.editor.show_masks(entry.masks)
            window.heatmaps.set_caption(f"Step {entry.step:,} (recorded)")
        if self._boundary is not None and self.spec is not None:
            if live and self._live_grid is not None:
                if not (paced and self._live_grid is self._drawn_grid):
                    self._boundary.show_outputs(self._live_grid[1], self.spec)
                    self._drawn_grid = self._live_grid
            else:  # scrubbed, or no grid from the worker yet: one forward pass here
                pre = window.dataset.preprocessing
                outputs = grid_outputs(self._network_for(entry), pre, self.spec)
                self._boundary.show_outputs(outputs, self.spec)
                self._drawn_grid = None
        if self._units_due.due(force=not paced):
            self._show_units(entry)
        marker = None if live else entry.step
        window.loss_plot.mark_step(marker)
        for view in (self._histograms, self._diagnostics):
            if view is not None:
                view.mark_step(marker)

    def _show_units(self, entry: HistoryEntry) -> None:
        if self._unit_view is None or self._selected_unit is None or self.spec is None:
            return
        # Tabbed away or closed: computed when shown again.
        self._units_stale = not self._units_on_screen
        if self._units_stale:
            return
        layer, unit = self._selected_unit
        net = self.window.trainer.network
        if layer > len(net.hidden_activations) + 1:
            return
        grids = unit_grids(
            self._network_for(entry), self.window.dataset.preprocessing, self.spec, layer
        )
        activation = (
            net.hidden_activations[layer - 1]
            if layer <= len(net.hidden_activations)
            else net.output
        )
        is_output = layer > len(net.hidden_activations)
        if is_output:
            self._unit_strip.show_layer(layer, grids, activation, name="output")
        else:
            self._unit_strip.show_layer(layer, grids, activation)
        unit = min(unit, grids.shape[0] - 1)
        self._unit_strip.select_unit(unit)
        name = (
            f"h{layer} #{unit + 1}"
            if layer <= len(net.hidden_activations)
            else f"output #{unit + 1}"
        )
        self._unit_view.show_unit(grids[unit], self.spec, f"{name} ({activation})")

    def _on_units_visibility_changed(self, visible: bool) -> None:
        self._units_on_screen = visible
        entry = self._shown_entry()
        if visible and self._units_stale and entry is not None:
            self._show_units(entry)

    def _on_node_chosen(self, layer: int, unit: int) -> None:
        if layer == 0:  # an input node computes nothing
            return
        self._selected_unit = (layer, unit)
        entry = self._shown_entry()
        if entry is not None:
            self._show_units(entry)

    # -- timeline ------------------------------------------------------------------------------

    def _on_step_selected(self, step: int) -> None:
        entry = self.history.at_step(step)
        self._show_state(entry, live=False)
        if self._histograms is not None:
            self._histograms.show_history(self.history)
            self._histograms.mark_step(entry.step)

    def _on_live_selected(self) -> None:
        window = self.window
        window.heatmaps.set_caption(None)
        entry = self.history.last
        if entry is not None:
            window.heatmaps.show_weights(entry.weights, entry.biases)
            window.editor.show_weights(entry.weights, entry.biases)
            window.editor.show_masks(entry.masks)
        self._show_state(entry, live=True)

    def _on_live_or_selected(self) -> None:
        step = self.timeline.selected_step()
        if step is None:
            self._on_live_selected()
        else:
            self._on_step_selected(step)

    def _on_compare_changed(self, a_step: int, b_step: int) -> None:
        a, b = self.history.at_step(a_step), self.history.at_step(b_step)
        weights = [wb - wa for wa, wb in zip(a.weights, b.weights, strict=True)]
        biases = (
            None
            if a.biases is None
            else [bb - ba for ba, bb in zip(a.biases, b.biases, strict=True)]
        )
        self.window.heatmaps.show_weights(weights, biases)
        self.window.editor.show_weights(weights, biases)
        self.window.heatmaps.set_caption(f"B − A: step {b.step:,} minus step {a.step:,}")
        self.window.loss_plot.mark_step(b.step)

    # -- hand edits ------------------------------------------------------------------------------

    def _can_edit(self) -> bool:
        window = self.window
        if window.trainer is None or window.training.running:
            window.controls.set_status("Pause training (Space) to edit weights by hand.")
            return False
        if not self.timeline.is_live():
            window.controls.set_status("Edits apply to the current network: press Live first.")
            return False
        return True

    def _ask_value(self, title: str, current: float) -> float | None:
        value, ok = QInputDialog.getDouble(self.window, "Edit weight", title, current, -1e6, 1e6, 6)
        return value if ok else None

    def _on_cell_clicked(self, layer: int, row: int, col: int) -> None:
        if not self._can_edit():
            return
        net = self.window.trainer.network
        if row == net.weights[layer].shape[0]:  # the bias row
            if net.biases is None:
                return
            value = self._ask_value(
                f"Bias of unit {col + 1} in layer {layer + 1}:", float(net.biases[layer][col])
            )
            if value is not None:
                self.window.trainer.edit_bias(layer, col, value)
                self._after_edit()
            return
        self._on_edge_clicked(layer, row, col)

    def _on_edge_clicked(self, layer: int, row: int, col: int) -> None:
        if not self._can_edit():
            return
        net = self.window.trainer.network
        value = self._ask_value(
            f"Weight from unit {row + 1} to unit {col + 1} of layer {layer + 1}:",
            float(net.weights[layer][row, col]),
        )
        if value is not None:
            self.window.trainer.edit_weight(layer, row, col, value)
            self._after_edit()

    def _on_unit_toggle(self, layer: int, unit: int) -> None:
        if not self._can_edit():
            return
        net = self.window.trainer.network
        masks = getattr(net, "masks", None)
        currently_on = masks is None or masks[layer - 1] is None or masks[layer - 1][unit] > 0
        self.window.trainer.set_unit_enabled(layer, unit, not currently_on)
        self._after_edit()

    def _after_edit(self) -> None:
        snapshot = self.window.trainer.state_snapshot()
        self.history.record(snapshot)
        self._steps_dirty = True
        window = self.window
        window.heatmaps.show_weights(snapshot.weights, snapshot.biases)
        window.editor.show_weights(snapshot.weights, snapshot.biases)
        window.editor.show_masks(snapshot.masks)
        self._live_grid = None
        self._show_state(self.history.last, live=True)
        edit = snapshot.edits[-1] if snapshot.edits else "edited"
        window.controls.set_status(f"{edit}. Press Train to continue from the edited network.")
