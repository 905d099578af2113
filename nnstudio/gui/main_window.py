"""The studio window: wires the panels, the views and the training thread.

Data flows one way: the panels edit a :class:`Config` and a loaded table;
pressing Train builds a core :class:`Trainer` (if the settings changed) and
runs it in the training process through the :class:`TrainingThread`;
snapshots arrive through a queued signal, are recorded by the plots, and the
views redraw on a timer from the latest snapshot only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabBar,
    QWidget,
)

from nnstudio import __version__
from nnstudio.core.config import MODERN, PRESETS, Config
from nnstudio.core.dataset import prepare_table
from nnstudio.core.errors import NNStudioError
from nnstudio.core.metrics import write_history_csv
from nnstudio.core.trainer import DIVERGED, Snapshot, Trainer
from nnstudio.gui.inside import InsideController
from nnstudio.gui.pacing import FramePacer
from nnstudio.gui.train_controls import TrainControls
from nnstudio.gui.widgets.data_panel import DataPanel
from nnstudio.gui.widgets.gradient_plot import GradientNormPlot
from nnstudio.gui.widgets.hyperparameter_panel import HyperparameterPanel
from nnstudio.gui.widgets.loss_plot import LossPlot
from nnstudio.gui.widgets.metrics_plot import MetricsPlot
from nnstudio.gui.widgets.network_editor import NetworkEditor
from nnstudio.gui.widgets.weight_heatmaps import WeightHeatmaps
from nnstudio.gui.worker import TrainingThread

LAZY_VIEW_MINIMUM = (130, 160)  # pixels: about the smallest the lazily built views allow
DEFAULT_SIZE = (1400, 1000)  # pixels, when the screen has room (see lay_out)
TITLE_BAR_ALLOWANCE = 40  # pixels of a window's frame above its contents
# The docks' default sizes in pixels: the side docks' widths, the bottom docks' heights.
SIDE_DOCK_WIDTHS = {"data": 380, "loss": 520}
BOTTOM_DOCK_HEIGHTS = {"heatmaps": 250, "timeline": 70}
DOCK_SEPARATORS = 40  # pixels between the docks and the network editor, all told
# The right column holds two tab groups, one above the other. In a window shorter than
# COMPACT_HEIGHT the lower one joins the weights' tab group (see lay_out): two groups would
# each get under ~150 pixels, too short to read a plot in, and their minimum heights would
# hold the window taller than a 1366x768 laptop screen leaves it room for. (The bottom
# group spans the window, so its tabs keep their names readable, where six tabs in the
# right column would be elided to "Lo…", "Ac…".)
LOWER_RIGHT_GROUP = ("metrics", "gradients", "diagnostics", "units")
COMPACT_HEIGHT = 740
REDRAW_INTERVAL_MS = 33  # at most ~30 frames a second, whatever the snapshot rate
MAX_RECENT_FILES = 8
RESOURCES = Path(__file__).resolve().parent.parent / "resources"

SHORTCUTS = [
    ("Space", "Train / Pause"),
    ("S", "Train one batch (step)"),
    ("R", "Reset weights to the seed's start"),
    ("Ctrl+O", "Open a data file"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo an architecture change"),
    ("Ctrl+S", "Save the configuration"),
    ("Ctrl+Q", "Quit"),
]


def resource_path(name: str) -> Path:
    """A file from ``resources/`` (inside the installed package, or the source tree)."""
    installed = RESOURCES / name
    return (
        installed
        if installed.exists()
        else Path(__file__).resolve().parents[2] / "resources" / name
    )


class ArchitectureCommand(QUndoCommand):
    """An architecture change; undo restores the old layers and, if any, the trained run."""

    def __init__(self, window: MainWindow, old, new, old_trainer: Trainer | None):
        super().__init__(f"layers {list(new[0])}")
        self.window, self.old, self.new, self.old_trainer = window, old, new, old_trainer

    def redo(self):
        self.window._apply_architecture(*self.new)

    def undo(self):
        self.window._apply_architecture(*self.old, trainer=self.old_trainer)


class MainWindow(QMainWindow):
    """The nnstudio window. ``settings`` defaults to the user's QSettings."""

    run_stopped = Signal(str, str)  # reason, message (after the UI has updated)
    frame_drawn = Signal(object)  # the Snapshot every live view now shows

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle("nnstudio")
        self.setWindowIcon(QIcon(str(resource_path("nnstudio.svg"))))
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else QSettings("nnstudio", "nnstudio")
        self.config: Config = MODERN
        self.table = None
        self.dataset = None
        self.trainer: Trainer | None = None
        self._latest: Snapshot | None = None
        self._dirty = False
        self._settings_changed_since_reset = False
        self.undo_stack = QUndoStack(self)

        self.training = TrainingThread(self)
        self.training.snapshot_ready.connect(self._on_snapshot_ready)
        self.training.stopped.connect(self._on_run_stopped)
        self.training.failed.connect(self._on_run_failed)

        self._build_views()
        self.inside = InsideController(self, self.settings)
        self.lay_out()
        self._default_state = self.saveState()
        self._build_menus()
        self._restore_settings()
        self.pacer = FramePacer()
        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self.redraw_timer.timeout.connect(self._redraw)
        self.redraw_timer.start()
        # A live frame is drawn in parts, one view or a few per pass of the event loop,
        # so that Qt paints each part and serves input and timers in between: a frame
        # of every view at once would hold the GUI thread for tens of milliseconds.
        self._frame_parts: list[Callable[[], None]] = []
        self._part_timer = QTimer(self)
        self._part_timer.setSingleShot(True)
        self._part_timer.setInterval(0)  # as soon as the events pending now are handled
        self._part_timer.timeout.connect(self._draw_next_part)

    # -- construction ---------------------------------------------------------------

    def _build_views(self) -> None:
        self.controls = TrainControls(self)
        self.addToolBar(Qt.TopToolBarArea, self.controls)
        self.controls.train_action.triggered.connect(self.toggle_training)
        self.controls.step_action.triggered.connect(self.step_once)
        self.controls.reset_action.triggered.connect(self.reset_weights)

        self.editor = NetworkEditor(self)
        self.editor.architecture_changed.connect(self._on_architecture_changed)
        self.setCentralWidget(self.editor)

        self.data_panel = DataPanel(self)
        self.data_panel.table_loaded.connect(self._on_table_loaded)
        self.hyperparameters = HyperparameterPanel(self)
        self.hyperparameters.config_edited.connect(self._on_config_edited)
        self.hyperparameters.learning_rate_changed.connect(self._on_learning_rate_changed)
        self.hyperparameters.preset_chosen.connect(self._on_preset_chosen)

        self.loss_plot = LossPlot(self)
        self.metrics_plot = MetricsPlot(self)
        self.heatmaps = WeightHeatmaps(self)

        self.docks: dict[str, QDockWidget] = {}
        self._builders: dict[str, Callable[[], QWidget]] = {}
        left = Qt.LeftDockWidgetArea
        bottom = Qt.BottomDockWidgetArea
        right = Qt.RightDockWidgetArea
        # Both panels scroll when their dock is short, so that they do not hold the
        # window taller than a small screen.
        self._dock("data", "Data", _scrolling(self.data_panel, "data_scroll"), left)
        self._dock(
            "hyperparameters",
            "Hyperparameters",
            _scrolling(self.hyperparameters, "hyperparameter_scroll"),
            left,
        )
        self.tabifyDockWidget(self.docks["data"], self.docks["hyperparameters"])
        self.docks["data"].raise_()
        self._dock("loss", "Loss", self.loss_plot, right)
        self._dock("metrics", "Accuracy", self.metrics_plot, right)
        self._lazy_dock("gradients", "Gradient norms", self._build_gradient_plot, right)
        self.tabifyDockWidget(self.docks["metrics"], self.docks["gradients"])
        self.docks["metrics"].raise_()
        self._dock("heatmaps", "Weights", self.heatmaps, bottom)

    def lay_out(self, width: int | None = None, height: int | None = None) -> None:
        """Resize the window and give the docks their default sizes for its new size.

        Without a size, the window takes DEFAULT_SIZE, or less where the screen has
        less room. (A plain resize gives all the new room to the network editor, and
        leaves the docks as narrow as a small screen made them.) The window runs this
        once every dock is in place: while the bottom docks are added, before they are
        tabbed together, they stand one above the other and grow the window (to 1170
        pixels high, past a 1080-pixel screen), and tabbing them does not shrink it.
        Below COMPACT_HEIGHT the right column's lower tab group joins the weights'.
        """
        if width is None or height is None:
            room = self.screen().availableGeometry()
            width = min(DEFAULT_SIZE[0], room.width())
            height = min(DEFAULT_SIZE[1], room.height() - TITLE_BAR_ALLOWANCE)
        self._arrange_right_column(compact=height < COMPACT_HEIGHT)
        self.layout().activate()  # the minimum size of the docks as they stand now
        self.resize(width, height)
        # On a narrow screen the side docks share what the network editor leaves.
        editor = self.centralWidget().minimumSizeHint().width()
        spare = max(0, width - editor - DOCK_SEPARATORS)
        scale = min(1.0, spare / sum(SIDE_DOCK_WIDTHS.values()))
        for name, dock_width in SIDE_DOCK_WIDTHS.items():
            self.resizeDocks([self.docks[name]], [round(dock_width * scale)], Qt.Horizontal)
        bottom = [self.docks[name] for name in BOTTOM_DOCK_HEIGHTS]
        self.resizeDocks(bottom, list(BOTTOM_DOCK_HEIGHTS.values()), Qt.Vertical)
        self.hide_unused_tab_bars()

    def _arrange_right_column(self, compact: bool) -> None:
        """Put LOWER_RIGHT_GROUP in the weights' tab group (``compact``) or under the loss."""
        group = [self.docks[name] for name in LOWER_RIGHT_GROUP]
        weights = self.docks["heatmaps"]
        if compact == (group[0] in self.tabifiedDockWidgets(weights)):
            return
        if compact:
            for dock in group:
                self.tabifyDockWidget(weights, dock)
            weights.raise_()
            return
        # A dock in a tab group can only be tabbed or taken out, not split off: take the
        # group's first dock out, put it under the loss, and tab the rest onto it again.
        self.removeDockWidget(group[0])
        self.addDockWidget(Qt.RightDockWidgetArea, group[0], Qt.Vertical)
        group[0].show()  # removeDockWidget hid it
        for dock in group[1:]:
            self.tabifyDockWidget(group[0], dock)
        group[0].raise_()
        weights.raise_()

    def restoreState(self, state, version: int = 0) -> bool:  # noqa: N802 - Qt's name
        restored = super().restoreState(state, version)
        self.hide_unused_tab_bars()
        return restored

    def hide_unused_tab_bars(self) -> None:
        """Hide the tab bars of dock tab groups that no longer exist.

        Qt's dock layout makes a new tab bar when a tab group changes (as the docks are
        tabbed together at start-up) and leaves the old one where it was, shown with
        the window: a stray "Accuracy | Gradient norms" bar over the network editor once
        the window is resized. Hiding every tab bar and laying the docks out again
        shows only those in use. The window does this after its own layout changes;
        code that moves docks itself should call it after them.
        """
        for bar in self.findChildren(QTabBar, options=Qt.FindDirectChildrenOnly):
            bar.hide()
        self.layout().invalidate()
        self.layout().activate()

    def _dock(self, name: str, title: str, widget: QWidget | None, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}_dock")
        dock.setAccessibleName(f"{title} panel")
        if widget is not None:
            dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        return dock

    def _lazy_dock(self, name: str, title: str, build: Callable[[], QWidget], area) -> QDockWidget:
        """A dock whose view ``build()`` makes the first time the dock is shown (or asked for).

        Most docks start tabbed behind another; building their plots at start-up would
        cost a fifth of a second for views nobody has looked at yet. ``build`` must hand
        the new view whatever state it would have had if it had existed all along.
        """
        # Until then it holds an empty widget that asks for the room a plot needs, so the
        # dock layout (and its tab group) is the same as with the view in it.
        placeholder = QWidget()
        placeholder.setMinimumSize(*LAZY_VIEW_MINIMUM)
        dock = self._dock(name, title, placeholder, area)
        self._builders[name] = build
        dock.visibilityChanged.connect(lambda visible: visible and self.view(name))
        # A dock dragged out of its tab group is a window of its own, in sight; Qt reports
        # it visible only if it lies right of and below the main window's top-left corner.
        dock.topLevelChanged.connect(
            lambda floating: floating and dock.isVisible() and self.view(name)
        )
        return dock

    def view(self, name: str) -> QWidget:
        """The widget in dock ``name``, built now if its dock has never been shown."""
        build = self._builders.pop(name, None)
        if build is not None:
            placeholder = self.docks[name].widget()
            self.docks[name].setWidget(build())
            placeholder.deleteLater()
        return self.docks[name].widget()

    def is_built(self, name: str) -> bool:
        """Whether dock ``name`` holds its view yet (see :meth:`_lazy_dock`)."""
        return name not in self._builders

    def ensure_views(self) -> None:
        """Build every view not built yet, e.g. to find all controls by name."""
        for name in list(self._builders):
            self.view(name)

    @property
    def gradient_plot(self) -> GradientNormPlot:
        return self.view("gradients")

    def _build_gradient_plot(self) -> GradientNormPlot:
        # Every snapshot is recorded through ``gradient_plot``, which builds the plot at
        # the run's first snapshot if its dock is still hidden: there is nothing earlier
        # to replay, only the network's layers.
        plot = GradientNormPlot(self)
        if self.trainer is not None:
            plot.set_layer_shapes([w.shape for w in self.trainer.network.weights])
        return plot

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("file_menu")
        self._menu_action(
            file_menu,
            "&Open data…",
            "open_data_action",
            QKeySequence.Open,
            self.data_panel.open_file_dialog,
        )
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.setObjectName("recent_menu")
        self._rebuild_recent_menu()
        file_menu.addSeparator()
        self._menu_action(
            file_menu, "Open &config…", "open_config_action", None, self.open_config_dialog
        )
        self._menu_action(
            file_menu,
            "&Save config…",
            "save_config_action",
            QKeySequence.Save,
            self.save_config_dialog,
        )
        file_menu.addSeparator()
        self._menu_action(
            file_menu,
            "Export loss &history (CSV)…",
            "export_history_action",
            None,
            self.export_history_dialog,
        )
        export_menu = file_menu.addMenu("Export &plot as PNG")
        export_menu.setObjectName("export_png_menu")
        for key, title in (
            ("loss", "Loss"),
            ("metrics", "Accuracy"),
            ("gradients", "Gradient norms"),
            ("heatmaps", "Weights"),
            ("network", "Network"),
        ):
            self._menu_action(
                export_menu,
                f"{title}…",
                f"export_{key}_png_action",
                None,
                lambda _=False, k=key: self.export_png_dialog(k),
            )
        file_menu.addSeparator()
        self._menu_action(file_menu, "&Quit", "quit_action", QKeySequence("Ctrl+Q"), self.close)

        edit_menu = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.Undo)
        undo.setObjectName("undo_action")
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.Redo)
        redo.setObjectName("redo_action")
        edit_menu.addActions([undo, redo])

        train_menu = bar.addMenu("&Train")
        train_menu.addActions(
            [self.controls.train_action, self.controls.step_action, self.controls.reset_action]
        )

        view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        self._menu_action(
            view_menu,
            "History &memory budget…",
            "history_budget_action",
            None,
            self.ask_history_budget,
        )
        self._menu_action(
            view_menu,
            "Reset &layout",
            "reset_layout_action",
            None,
            lambda: self.restoreState(self._default_state),
        )

        help_menu = bar.addMenu("&Help")
        self._menu_action(
            help_menu, "&Keyboard shortcuts", "shortcuts_action", None, self.show_shortcuts
        )
        self._menu_action(help_menu, "&About nnstudio", "about_action", None, self.show_about)

    def _menu_action(self, menu, text, name, shortcut, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # -- data and configuration ------------------------------------------------------

    def load_data(self, path_or_sample: str | Path) -> bool:
        """Load a file, or a bundled sample by name; False (with an inline error) if it failed."""
        path = Path(path_or_sample)
        if path.exists():
            return self.data_panel.load_path(path)
        return self.data_panel.load_sample(str(path_or_sample))

    def _on_table_loaded(self, table) -> None:
        self.pause_and_wait()
        self.table = table
        self.config = self.config.replace(
            label_column=self.data_panel.label_column(),
            ignore_columns=tuple(self.data_panel.ignore_columns()),
        )
        if self.data_panel.path() is not None:
            self._add_recent_file(str(self.data_panel.path()))
        self._rebuild_trainer()

    def set_config(self, config: Config) -> None:
        """Adopt ``config`` everywhere (panels, editor) and start a fresh run with it."""
        self.pause_and_wait()
        self.config = config
        self.hyperparameters.set_config(config)
        self.editor.set_architecture(config.hidden_layers, config.activations)
        self._rebuild_trainer()

    def _on_preset_chosen(self, name: str) -> None:
        preset = PRESETS[name]
        self.set_config(
            preset.replace(
                label_column=self.config.label_column, ignore_columns=self.config.ignore_columns
            )
        )

    def _on_config_edited(self, field: str) -> None:
        try:
            config = self.config.replace(**self.hyperparameters.values())
        except NNStudioError:
            return  # the panel shows the message inline and keeps the previous config
        self.config = config
        if self.trainer is None or (self.trainer.step == 0 and not self.training.running):
            self._rebuild_trainer()
        else:
            self._settings_changed_since_reset = True
            self.controls.set_status(
                "Settings changed: they take effect after Reset (R). "
                "The learning rate applies at once."
            )

    def _on_learning_rate_changed(self, value: float) -> None:
        self.config = self.config.replace(learning_rate=value)
        if self.trainer is not None:
            self.training.set_learning_rate(value)  # the next step uses it, even mid-run

    def _on_architecture_changed(self, hidden_layers, activations) -> None:
        old = (self.config.hidden_layers, self.config.activations)
        new = (tuple(hidden_layers), tuple(activations))
        if new == old:
            return
        trained = self.trainer is not None and self.trainer.step > 0
        if trained and not self._confirm_discard():
            self.editor.set_architecture(*old)
            return
        self.undo_stack.push(ArchitectureCommand(self, old, new, self.trainer if trained else None))

    def _confirm_discard(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Discard the trained network?",
            "Changing the layers starts a new network and discards the trained weights. "
            "You can undo it with Ctrl+Z.",
            QMessageBox.Discard | QMessageBox.Cancel,
            QMessageBox.Cancel,
        )
        return answer == QMessageBox.Discard

    def _apply_architecture(self, hidden_layers, activations, trainer=None) -> None:
        self.pause_and_wait()
        self.config = self.config.replace(
            hidden_layers=tuple(hidden_layers), activations=tuple(activations)
        )
        self.editor.set_architecture(self.config.hidden_layers, self.config.activations)
        self.hyperparameters.set_config(self.config)  # the preset display may become "Custom"
        self._rebuild_trainer(trainer)

    # -- the run -------------------------------------------------------------------------

    def _rebuild_trainer(self, trainer: Trainer | None = None) -> None:
        """A fresh run from the current table and config (or adopt ``trainer``)."""
        if self.table is None:
            return
        try:
            if trainer is None:
                self.dataset = prepare_table(self.table, self.config)
                trainer = Trainer(self.config, self.dataset)
            else:
                self.dataset = trainer.dataset
        except NNStudioError as exc:
            self.controls.set_status(f"Cannot train with these settings: {exc}")
            return
        self.trainer = trainer
        self.training.set_trainer(trainer)
        self._settings_changed_since_reset = False
        data = self.dataset
        outputs = data.class_names if data.is_classification else (data.preprocessing.label_name,)
        shapes = [w.shape for w in trainer.network.weights]
        self.editor.set_io(data.feature_names, outputs)
        self.editor.set_architecture(self.config.hidden_layers, self.config.activations)
        self.heatmaps.set_architecture(shapes, data.feature_names, outputs)
        if self.is_built("gradients"):
            self.gradient_plot.set_layer_shapes(shapes)
        self.metrics_plot.set_task(data.task)
        self.docks["metrics"].setWindowTitle(
            "Accuracy" if data.is_classification else "RMSE and R²"
        )
        self._clear_views()
        self.inside.reset()
        self.controls.set_running(False)
        self.controls.clear_progress(trainer.total_steps)
        self.controls.set_status(
            f"{data.n_train} training rows, {data.n_test} test rows · "
            f"{trainer.network.n_parameters():,} parameters · press Train (Space)"
        )

    def _clear_views(self) -> None:
        self._latest = None
        self._frame_parts = []  # the rest of a frame of the old run is not drawn
        self.loss_plot.clear()
        self.metrics_plot.clear()
        if self.is_built("gradients"):
            self.gradient_plot.clear()
        weights = [w.copy() for w in self.trainer.network.weights]
        biases = (
            None
            if self.trainer.network.biases is None
            else [b.copy() for b in self.trainer.network.biases]
        )
        self.heatmaps.set_reference(weights, biases)
        self.heatmaps.show_weights(weights, biases)
        self.editor.show_weights(weights, biases)

    def toggle_training(self) -> None:
        """Train, or pause a running training (Space)."""
        if self.training.running:
            self.training.pause()
            return
        if self.trainer is None:
            return
        if self.trainer.is_finished or self._settings_changed_since_reset:
            self.reset_weights()
        self.controls.set_running(True)
        self.hyperparameters.set_training_active(True)
        self.training.start_training()

    def step_once(self) -> None:
        """Train exactly one batch (S)."""
        if self.training.running or self.trainer is None:
            return
        if self.trainer.is_finished:
            self.reset_weights()
        self.training.step(1)

    def reset_weights(self) -> None:
        """Back to the seed's initial weights (R), with any changed settings applied."""
        self.pause_and_wait()
        self._rebuild_trainer()

    def pause_and_wait(self, timeout_ms: int = 5000) -> None:
        """Pause a running training and wait until the worker has stopped."""
        if not self.training.running:
            return
        self.training.pause()
        from PySide6.QtCore import QDeadlineTimer, QEventLoop

        deadline = QDeadlineTimer(timeout_ms)
        loop = QEventLoop(self)
        self.training.stopped.connect(loop.quit)
        self.training.failed.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        while self.training.running and not deadline.hasExpired():
            loop.exec()
        self.training.stopped.disconnect(loop.quit)
        self.training.failed.disconnect(loop.quit)

    def _on_snapshot_ready(self, snapshot: Snapshot) -> None:
        # Every snapshot's losses are recorded; only the latest is drawn (by the timer).
        if self.trainer is None:
            return
        self._latest = snapshot
        self.inside.record(snapshot)
        self.loss_plot.record_snapshot(snapshot)
        self.metrics_plot.record_snapshot(snapshot)
        self.gradient_plot.record_snapshot(snapshot)
        self._dirty = True

    def _redraw(self) -> None:
        """The redraw timer: start drawing the latest snapshot, if the GUI thread has time."""
        if not self._dirty or self._latest is None:
            return
        snapshot = self._latest
        now, busy = time.monotonic(), time.thread_time()
        # A run's last snapshot is always drawn, whole and at once (instead of the rest of
        # a frame being drawn); others wait for the frame being drawn, and while the GUI
        # thread is too busy.
        final = bool(snapshot.stop_reason)
        if not final and (self._frame_parts or not self.pacer.ready(now, busy)):
            return
        self.pacer.started(now, busy)
        self._dirty = False
        self._frame_parts = self._frame(snapshot)
        if final:
            while self._frame_parts:
                self._draw_next_part()
        else:
            self._draw_next_part()

    def _frame(self, snapshot: Snapshot) -> list[Callable[[], None]]:
        """The parts of drawing ``snapshot``, in order; the last one reports the frame drawn."""

        timeline, *inside = self.inside.frame(snapshot)

        def progress():
            self.loss_plot.refresh()
            self.controls.show_progress(snapshot, self.trainer.epoch_at(snapshot.step))
            if not snapshot.stop_reason and self.trainer.history:
                at = self.trainer.history[-1].step
                self.controls.set_status(f"evaluated at step {at:,}: {self._figures_text()}")
            timeline()

        def evaluations():
            self.metrics_plot.refresh()
            self.gradient_plot.refresh()

        parts = [progress, evaluations]
        if self.inside.timeline.is_live():
            parts.append(lambda: self.heatmaps.show_weights(snapshot.weights, snapshot.biases))
            parts.append(lambda: self.editor.show_weights(snapshot.weights, snapshot.biases))
        parts.extend(inside)
        parts.append(lambda: self.frame_drawn.emit(snapshot))
        return parts

    def _draw_next_part(self) -> None:
        if self._frame_parts:
            self._frame_parts.pop(0)()
        if self._frame_parts:
            self._part_timer.start()

    def _figures_text(self) -> str:
        if self.trainer is None or not self.trainer.history:
            return ""
        m = self.trainer.history[-1]
        parts = [f"train loss {m.train_loss:.4g}"]
        if m.test_loss is not None:
            parts.append(f"test loss {m.test_loss:.4g}")
        if m.train_accuracy is not None:
            parts.append(f"train acc {m.train_accuracy:.1%}")
        if m.test_accuracy is not None:
            parts.append(f"test acc {m.test_accuracy:.1%}")
        if m.test_r2 is not None or m.train_r2 is not None:
            r2 = m.test_r2 if m.test_r2 is not None else m.train_r2
            rmse = m.test_rmse if m.test_rmse is not None else m.train_rmse
            parts.append(f"RMSE {rmse:.4g} · R² {r2:.3f}")
        return " · ".join(parts)

    def _on_run_stopped(self, reason: str, message: str) -> None:
        self._dirty = True
        self._redraw()
        self.controls.set_running(False)
        self.hyperparameters.set_training_active(False)
        figures = self._figures_text()
        if reason == DIVERGED:
            self.controls.set_status(f"⚠ {message}")
        else:
            self.controls.set_status(f"{message} {figures}".strip())
        self.run_stopped.emit(reason, message)

    def _on_run_failed(self, details: str) -> None:
        self.controls.set_running(False)
        self.hyperparameters.set_training_active(False)
        QMessageBox.critical(
            self,
            "Training failed",
            "Training stopped because of an internal error. Please report it "
            "with these details:\n\n" + details[-2000:],
        )
        self.run_stopped.emit("failed", details)

    # -- files ---------------------------------------------------------------------------

    def open_config_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open configuration", "", "nnstudio config (*.json);;All files (*)"
        )
        if path:
            self.open_config(path)

    def open_config(self, path: str | Path) -> bool:
        try:
            config = Config.load(path)
        except NNStudioError as exc:
            QMessageBox.warning(self, "Cannot open the configuration", str(exc))
            return False
        self.set_config(config)
        return True

    def save_config_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save configuration", "nnstudio-config.json", "nnstudio config (*.json)"
        )
        if path:
            self.config.save(path)

    def export_history_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export loss history", "loss-history.csv", "CSV (*.csv)"
        )
        if path:
            self.export_history(path)

    def export_history(self, path: str | Path) -> None:
        """Write every recorded step loss, plus the evaluation figures, as CSV."""
        history = self.loss_plot.history()
        rows = (
            (int(step), (repr(float(loss)), repr(float(smooth))))
            for step, loss, smooth in zip(
                history["steps"], history["losses"], history["smoothed"], strict=True
            )
        )
        write_history_csv(
            path,
            ("batch_loss", "smoothed_loss"),
            rows,
            self.trainer.history if self.trainer else [],
        )

    def export_png_dialog(self, key: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export plot", f"nnstudio-{key}.png", "PNG image (*.png)"
        )
        if path:
            self.export_png(key, path)

    def export_png(self, key: str, path: str | Path) -> bool:
        widget = {
            "loss": self.loss_plot,
            "metrics": self.metrics_plot,
            "gradients": self.gradient_plot,
            "heatmaps": self.heatmaps,
            "network": self.editor,
        }[key]
        return widget.grab().save(str(path), "PNG")

    # -- recent files, drag and drop, settings ------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value or []]

    def _add_recent_file(self, path: str) -> None:
        from nnstudio.core.samples import sample_dir

        try:
            if Path(path).resolve().parent == sample_dir().resolve():
                return  # bundled samples have their own picker
        except NNStudioError:
            pass
        files = [path] + [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent_files", files[:MAX_RECENT_FILES])
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.load_data(p))
        self.recent_menu.setEnabled(bool(files))

    def dragEnterEvent(self, event):  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802 - Qt's name
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.data_panel.load_path(url.toLocalFile())
                event.acceptProposedAction()
                return

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        text = self.settings.value("config")
        if isinstance(text, str):
            try:
                self.config = Config.from_json(text)
            except NNStudioError:
                self.config = MODERN  # a config from another version: start from defaults
        self.hyperparameters.set_config(self.config)
        self.editor.set_architecture(self.config.hidden_layers, self.config.activations)

    def _save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("config", self.config.to_json())
        path = self.data_panel.path()
        if path is not None:
            self.settings.setValue("last_data", str(path))
        self.settings.sync()

    def ask_history_budget(self) -> None:
        current = self.inside.history.budget_bytes // 2**20
        value, ok = QInputDialog.getInt(
            self,
            "History memory budget",
            "Megabytes kept for the weight history (older states are thinned when it is full):",
            current,
            8,
            65536,
            64,
        )
        if ok:
            self.set_history_budget(value)

    def set_history_budget(self, megabytes: int) -> None:
        """Keep at most ``megabytes`` of recorded states (remembered between launches)."""
        self.inside.set_budget(megabytes * 2**20)
        self.settings.setValue("history/budget_mb", int(megabytes))

    # -- help and closing -------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in SHORTCUTS
        )
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{rows}</table>")

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About nnstudio",
            f"<h3>nnstudio {__version__}</h3><p>Train small neural networks and watch them "
            "learn: loss curves, weight heatmaps and the network itself, live.</p>"
            "<p>NumPy trainer, PySide6 and pyqtgraph views. MIT licence.</p>",
        )

    def closeEvent(self, event):  # noqa: N802 - Qt's name
        self.redraw_timer.stop()
        self._save_settings()
        self.training.shutdown()
        super().closeEvent(event)


def _scrolling(panel: QWidget, name: str) -> QScrollArea:
    """``panel`` in a scroll area, which gives it all its room and scrolls when short of it."""
    scroll = QScrollArea()
    scroll.setObjectName(name)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.NoFrame)
    scroll.setWidget(panel)
    return scroll
