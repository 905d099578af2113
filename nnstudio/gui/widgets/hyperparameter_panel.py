"""The hyperparameter panel: every training setting apart from the layers and the data columns.

:class:`HyperparameterPanel` edits the :class:`~nnstudio.core.config.Config`
fields in groups (objective, optimizer, schedule, initialization, data,
numerics). It never builds a config itself: :meth:`~HyperparameterPanel.values`
returns the fields for ``Config.replace(**values)``, and an invalid combination
is explained inline with the config's own :class:`~nnstudio.core.errors.ConfigError`
message. The learning rate sits on a log-scale slider paired with a typed value
and is reported at once (:attr:`~HyperparameterPanel.learning_rate_changed`), so
it can change during a run.

Run ``python -m nnstudio.gui.widgets.hyperparameter_panel`` for a preview.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import activations, initializers, losses, optimizers
from nnstudio.core.config import (
    DTYPES,
    MODERN,
    PRESET_DESCRIPTIONS,
    PRESETS,
    SAMPLING,
    TASKS,
    Config,
)
from nnstudio.core.errors import ConfigError
from nnstudio.gui.widgets.data_panel import ERROR_COLOUR

LR_MIN_EXPONENT, LR_MAX_EXPONENT, TICKS_PER_DECADE = -5, 1, 20
OWNED = (  # Config fields this panel edits (the editor and the data panel own the others)
    *("loss", "output", "l1", "l2", "optimizer", "learning_rate", "momentum", "nesterov"),
    *("beta1", "beta2", "batch_size", "sampling", "epochs", "iterations", "eval_every"),
    *("init", "use_bias", "test_split", "standardize", "task", "dtype", "seed"),
)
RESET_FIELDS = (  # changes that need new weights: shown with * while a run is active
    *("init", "use_bias", "dtype", "seed", "test_split", "standardize", "task", "output"),
    *("loss", "optimizer"),
)
PRESET_NAMES = {"modern": "Modern default", "classic": "Classic"}
CUSTOM_TIP = "Your own settings: they differ from both presets."
GROUPS = (  # (title, rows); a row's name is its control's objectName
    ("Objective", ("loss", "output", "l1", "l2")),
    ("Optimizer", ("optimizer", "learning_rate", "momentum", "nesterov", "beta1", "beta2")),
    ("Schedule", ("batch_size", "sampling", "epochs_or_iterations", "eval_every")),
    ("Initialization", ("init", "use_bias")),
    ("Data", ("test_split", "standardize", "task")),
    ("Numerics", ("dtype", "seed")),
)
PAIRED = {"learning_rate": "learning_rate_slider", "epochs_or_iterations": "length_unit"}
SPECS: dict[str, tuple] = {  # objectName: (kind, minimum, maximum, step)
    **dict.fromkeys(
        ("preset_picker", "loss", "output", "optimizer", "sampling", "length_unit", "init")
        + ("task", "dtype"),
        ("combo",),
    ),
    **dict.fromkeys(("nesterov", "use_bias", "standardize"), ("check",)),
    "l1": ("number", 0.0, 10.0, 0.001),
    "l2": ("number", 0.0, 10.0, 0.001),
    "learning_rate": ("number", 1e-6, 100.0),
    "learning_rate_slider": ("slider",),
    "momentum": ("number", 0.0, 0.999, 0.05),
    "beta1": ("number", 0.0, 0.9999, 0.01),
    "beta2": ("number", 0.0, 0.99999, 0.001),
    "batch_size": ("int", 1, 1_000_000),
    "epochs_or_iterations": ("int", 1, 100_000_000),
    "eval_every": ("int", 0, 100_000_000),  # 0 shows as "auto" and means None
    "test_split": ("percent", 0.0, 95.0, 5.0),
    "seed": ("int", 0, 2**31 - 1),
}

# objectName: (row caption, accessible name, one-sentence tooltip)
FIELDS: dict[str, tuple[str, str, str]] = {
    "preset_picker": ("Preset", "Preset", "Start from a tested set of settings."),
    "loss": ("Loss", "Loss", "What training minimizes: how far the outputs are from the targets."),
    "output": ("Output", "Output activation", "The last layer's activation; auto picks "
               "softmax for cross-entropy, sigmoid otherwise, linear for regression."),
    "l1": ("L1 penalty", "L1 penalty", "Pushes small weights to exactly zero (0 = off)."),
    "l2": ("L2 penalty", "L2 penalty", "Weight decay: keeps weights small against overfitting "
           "(0 = off)."),
    "optimizer": ("Optimizer", "Optimizer", "How each step turns gradients into weight changes."),
    "learning_rate": ("Learning rate", "Learning rate", "Step size of each update; type a value "
                      "or drag the slider (it applies at once, even while training)."),
    "learning_rate_slider": ("", "Learning rate slider", "The learning rate on a log scale from "
                             "0.00001 to 10; drag it or use the arrow keys."),
    "momentum": ("Momentum", "Momentum", "Share of the previous step's velocity kept in each "
                 "step (0.9 is typical)."),
    "nesterov": ("Nesterov", "Nesterov momentum", "Take the gradient one velocity step ahead "
                 "(Nesterov's variant), which often converges faster."),
    "beta1": ("Beta 1", "Adam beta 1", "Adam's decay rate for the running mean of gradients "
              "(0.9 is typical)."),
    "beta2": ("Beta 2", "Adam beta 2", "Adam's decay rate for the running mean of squared "
              "gradients (0.999 is typical)."),
    "batch_size": ("Batch size", "Batch size", "Rows per training step; smaller batches give "
                   "noisier but more frequent updates."),
    "sampling": ("Sampling", "Batch sampling", "How rows are drawn into batches."),
    "epochs_or_iterations": ("Length", "Run length", "How long a run lasts, counted in the "
                             "unit chosen beside it."),
    "length_unit": ("", "Run length unit", "Count the run in epochs (passes over the training "
                    "rows) or iterations (batches)."),
    "eval_every": ("Evaluate every", "Evaluate every", "Steps between measurements of the "
                   "training and test metrics; auto measures once per epoch."),
    "init": ("Weights", "Weight initialization", "How the starting weights are drawn."),
    "use_bias": ("Use biases", "Use biases", "Give every unit a learned offset; the classic "
                 "algorithm has none."),
    "test_split": ("Test split", "Test split", "Share of rows held out to test on unseen data "
                   "(0 % trains on every row)."),
    "standardize": ("Standardize features", "Standardize features", "Rescale every feature to "
                    "mean 0 and standard deviation 1, fitted on the training rows."),
    "task": ("Task", "Task", "Classification predicts a class, regression a number; auto "
             "decides from the label column."),
    "dtype": ("Precision", "Floating-point precision", "The number type of weights and "
              "arithmetic: float32 is faster, float64 more exact."),
    "seed": ("Seed", "Random seed", "Seeds every random choice (weights, split, batches): the "
             "same seed gives the same run."),
}  # fmt: skip
TEXTS = {  # friendlier display text for stored names (others show as stored)
    "cross_entropy": "Cross-entropy", "mse": "Mean squared error",
    "sse": "Sum of squared errors", "sgd": "SGD", "momentum": "Momentum", "adam": "Adam",
    "classic_uniform": "Classic [0, 1)", "xavier": "Xavier", "he": "He",
    "shuffle": "Shuffle each epoch", "replacement": "With replacement",
    "sequential": "File order", "auto": "Auto", "classification": "Classification",
    "regression": "Regression",
}  # fmt: skip
TIPS = {  # tooltips of choices the core registries do not describe
    "auto": "Softmax for cross-entropy, sigmoid otherwise, linear for regression.",
    "shuffle": "Every epoch visits each row once, in a new order.",
    "replacement": "Each batch draws random rows, possibly repeated, as in the classic algorithm.",
    "sequential": "Batches follow the file's order, with no randomness.",
    "epochs": "One epoch is one pass over the training rows.",
    "iterations": "One iteration is one batch (one weight update).",
    "classification": "Predict one class per row.",
    "regression": "Predict a number per row.",
    "float64": "Double precision (about 16 digits): the exact default.",
    "float32": "Single precision (about 7 digits): faster for wide networks.",
}
TASK_AUTO_TIP = "Classification for text labels or a few whole numbers, else regression."


def _choices(names, descriptions=TIPS) -> list[tuple[str, str, str]]:
    """(text, stored name, tooltip) of each name, in the registry's own order."""
    return [(TEXTS.get(n, n), n, descriptions.get(n) or TIPS.get(n, n)) for n in names]


CHOICES: dict[str, list[tuple[str, str, str]]] = {  # combo objectName: its items
    "loss": _choices(losses.LOSSES, losses.DESCRIPTIONS),
    "output": _choices(("auto", *activations.OUTPUT_ACTIVATIONS), activations.DESCRIPTIONS),
    "optimizer": _choices(optimizers.OPTIMIZERS, optimizers.DESCRIPTIONS),
    "sampling": _choices(SAMPLING),
    "length_unit": [(n, n, TIPS[n]) for n in ("epochs", "iterations")],
    "init": _choices(initializers.INITIALIZERS, initializers.DESCRIPTIONS),
    "task": _choices(TASKS, {"auto": TASK_AUTO_TIP}),
    "dtype": [(n, n, TIPS.get(n, n)) for n in DTYPES],
}


def slider_to_rate(position: int) -> float:
    """The learning rate at a slider position, rounded to 3 significant digits."""
    return float(f"{10 ** (LR_MIN_EXPONENT + position / TICKS_PER_DECADE):.3g}")


def rate_to_slider(rate: float) -> int:
    """The nearest slider position for a learning rate (clamped to the slider's range)."""
    position = round((math.log10(max(rate, 1e-300)) - LR_MIN_EXPONENT) * TICKS_PER_DECADE)
    return min(max(position, 0), (LR_MAX_EXPONENT - LR_MIN_EXPONENT) * TICKS_PER_DECADE)


class NumberBox(QDoubleSpinBox):
    """A spin box that shows numbers compactly (``0.001``, ``1e-05``) and accepts any typed float.

    With ``log_steps`` the arrows move by a twentieth of a decade instead of a fixed step.
    """

    def __init__(self, parent: QWidget, log_steps: bool = False):
        super().__init__(parent)
        self._log_steps = log_steps
        self.setDecimals(12)  # keep typed values exact; display is handled by textFromValue
        self.setKeyboardTracking(False)  # report a typed value on Enter, not at every keystroke

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's name
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            value = float(text.strip())
        except ValueError:
            return QValidator.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.Acceptable if ok else QValidator.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        if not self._log_steps or self.value() <= 0:
            super().stepBy(steps)
            return
        exponent = math.log10(self.value()) + steps / TICKS_PER_DECADE
        self.setValue(float(f"{10**exponent:.3g}"))


class HyperparameterPanel(QWidget):
    """Edit the training settings of a :class:`Config` (apart from layers and data columns).

    Signals
    -------
    config_edited(str)
        The Config field the user just changed (any field but the learning rate).
    learning_rate_changed(float)
        The new learning rate, at once, from the slider or a typed value.
    preset_chosen(str)
        ``"modern"`` or ``"classic"``: the owner applies it (architecture too) via set_config.
    """

    config_edited = Signal(str)
    learning_rate_changed = Signal(float)
    preset_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("hyperparameter_panel")
        self._config: Config = MODERN
        self._setting = False  # True while set_config fills the controls: no signals then
        self._exact: dict[str, tuple[float, Any]] = {}  # field: (value shown, exact value)
        self._length = {"epochs": 100, "iterations": 1000}  # last count per unit
        self._captions: dict[str, QWidget] = {}
        self._forms: dict[str, QFormLayout] = {}
        self.controls: dict[str, QWidget] = {}  # objectName: control
        self._build()
        self.set_config(MODERN)

    # -- construction ---------------------------------------------------------------------

    def _make(self, name: str) -> QWidget:
        """Create, name and fill the control for ``name`` from :data:`SPECS`."""
        kind, *limits = SPECS[name]
        if kind == "combo":
            widget = QComboBox(self)
            # May shrink below its longest item in a narrow dock.
            widget.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(6)
            for text, data, tip in CHOICES.get(name, ()):
                widget.addItem(text, data)
                widget.setItemData(widget.count() - 1, tip, Qt.ToolTipRole)
        elif kind == "check":
            widget = QCheckBox(FIELDS[name][0], self)
        elif kind == "slider":
            widget = QSlider(Qt.Horizontal, self)
            widget.setRange(0, (LR_MAX_EXPONENT - LR_MIN_EXPONENT) * TICKS_PER_DECADE)
            widget.setPageStep(TICKS_PER_DECADE)  # Page Up/Down: one decade
            widget.setTickInterval(TICKS_PER_DECADE)
            widget.setTickPosition(QSlider.TicksBelow)
        else:
            if kind == "int":
                widget = QSpinBox(self)
            elif kind == "percent":
                widget = QDoubleSpinBox(self)
                widget.setDecimals(0)
                widget.setSuffix(" %")
            else:
                widget = NumberBox(self, log_steps=name == "learning_rate")
            widget.setRange(*limits[:2])
            widget.setSingleStep(limits[2] if len(limits) > 2 else 1)
            widget.setMinimumWidth(widget.fontMetrics().horizontalAdvance("00000") + 24)
        _, accessible, tip = FIELDS[name]
        widget.setObjectName(name)
        widget.setAccessibleName(accessible)
        widget.setToolTip(tip)
        self.controls[name] = widget
        return widget

    def _row(self, form: QFormLayout, name: str) -> None:
        """Add the row of ``name`` (with its partner control, if any) under a caption."""
        widget = self._make(name)
        if name in PAIRED:
            first, second = widget, self._make(PAIRED[name])
            if name == "learning_rate":
                first, second = second, first  # the slider, then the exact value
            row = QWidget(self)
            pair = QHBoxLayout(row)
            pair.setContentsMargins(0, 0, 0, 0)
            pair.addWidget(first, 1)
            pair.addWidget(second)
            widget = row
        if isinstance(widget, QCheckBox):
            form.addRow(widget)
            self._captions[name] = widget
        else:
            caption = QLabel(FIELDS[name][0], self)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
            self._captions[name] = caption
        self._forms[name] = form

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        form = QFormLayout()  # the preset needs no box around it
        form.setContentsMargins(7, 0, 7, 0)  # lines up with the fields in the boxes below
        layout.addLayout(form)
        self._row(form, "preset_picker")
        picker = self.controls["preset_picker"]
        for name, text in PRESET_NAMES.items():
            picker.addItem(text, name)
            picker.setItemData(picker.count() - 1, PRESET_DESCRIPTIONS[name], Qt.ToolTipRole)
        picker.addItem("Custom", "custom")
        picker.setItemData(picker.count() - 1, CUSTOM_TIP, Qt.ToolTipRole)
        picker.model().item(picker.count() - 1).setEnabled(False)  # shown, never chosen
        picker.activated.connect(self._on_preset_activated)
        self.reset_note = self._note("reset_note", "Changes marked * take effect after Reset.")
        self.config_error = self._note("config_error", "")
        self.config_error.setStyleSheet(
            f"QLabel {{ color: {ERROR_COLOUR}; border: 1px solid {ERROR_COLOUR};"
            " border-radius: 3px; padding: 4px; }"
        )
        form.addRow(self.reset_note)
        form.addRow(self.config_error)

        for title, names in GROUPS:
            box = QGroupBox(title, self)
            box.setObjectName(f"{title.lower()}_group")
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
            form.setContentsMargins(6, 4, 6, 6)
            layout.addWidget(box)
            for name in names:
                self._row(form, name)
        layout.addStretch(1)
        # One caption width for every group, so the fields line up down the panel.
        captions = [w for w in self._captions.values() if isinstance(w, QLabel)]
        width = max(w.fontMetrics().horizontalAdvance(w.text() + " *") for w in captions)
        for caption in captions:
            caption.setMinimumWidth(width)

        c = self.controls
        c["eval_every"].setSpecialValueText("auto (each epoch)")  # shown for 0, meaning None
        c["eval_every"].setSuffix(" steps")
        c["learning_rate"].setMinimumWidth(
            c["learning_rate"].fontMetrics().horizontalAdvance("0.00000") + 24
        )
        c["learning_rate_slider"].valueChanged.connect(self._on_slider_moved)
        c["learning_rate"].valueChanged.connect(self._on_rate_typed)
        for name, widget in c.items():
            if name in ("preset_picker", "learning_rate", "learning_rate_slider"):
                continue
            if isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(partial(self._on_field_edited, name))
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(partial(self._on_field_edited, name))
            else:
                widget.valueChanged.connect(partial(self._on_field_edited, name))

    def _note(self, name: str, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.hide()
        return label

    # -- public API -------------------------------------------------------------------------

    def set_config(self, config: Config) -> None:
        """Show ``config``'s values; emits nothing."""
        self._config = config
        c = self.controls
        with self._quiet():
            for name in _CHOICE_FIELDS:
                c[name].setCurrentIndex(c[name].findData(getattr(config, name)))
            for name in _BOOL_FIELDS:
                c[name].setChecked(getattr(config, name))
            for name in _FLOATS:
                c[name].setValue(getattr(config, name))
            c["test_split"].setValue(config.test_split * 100.0)
            c["learning_rate_slider"].setValue(rate_to_slider(config.learning_rate))
            c["batch_size"].setValue(config.batch_size)
            c["seed"].setValue(min(config.seed, c["seed"].maximum()))
            c["eval_every"].setValue(config.eval_every or 0)
            unit = "epochs" if config.epochs is not None else "iterations"
            self._length[unit] = getattr(config, unit)
            c["length_unit"].setCurrentIndex(c["length_unit"].findData(unit))
            c["epochs_or_iterations"].setValue(self._length[unit])
        # Values the boxes round for display come back exactly as given (round trip).
        self._exact = {name: (c[name].value(), getattr(config, name)) for name in _FLOATS}
        self._exact["test_split"] = (c["test_split"].value(), config.test_split)
        self._refresh()

    def values(self) -> dict[str, Any]:
        """The owned Config fields as shown, ready for ``Config.replace(**values)``."""
        c = self.controls
        out: dict[str, Any] = {}
        for name in _CHOICE_FIELDS:
            out[name] = c[name].currentData()
        for name in _BOOL_FIELDS:
            out[name] = c[name].isChecked()
        for name in _FLOATS:
            out[name] = self._exact_value(name, c[name].value())
        out["test_split"] = self._exact_value("test_split", c["test_split"].value(), scale=100.0)
        out["batch_size"] = c["batch_size"].value()
        out["seed"] = c["seed"].value()
        out["eval_every"] = c["eval_every"].value() or None
        unit = c["length_unit"].currentData()
        out["epochs"] = out["iterations"] = None
        out[unit] = c["epochs_or_iterations"].value()
        return out

    def set_training_active(self, active: bool) -> None:
        """Mark the settings that need new weights (*) while a run is active."""
        for field in RESET_FIELDS:
            caption = self._captions[field]
            base = FIELDS[field][0]
            caption.setText(f"{base} *" if active else base)
        self.reset_note.setVisible(active)

    def learning_rate(self) -> float:
        """The learning rate shown."""
        return self.values()["learning_rate"]

    # -- internals ------------------------------------------------------------------------

    @contextmanager
    def _quiet(self):
        before, self._setting = self._setting, True
        try:
            yield
        finally:
            self._setting = before

    def _exact_value(self, name: str, shown: float, scale: float = 1.0) -> Any:
        if name in self._exact and self._exact[name][0] == shown:
            return self._exact[name][1]
        return shown / scale

    def _refresh(self) -> None:
        """Show the rows that apply, the preset that matches and any validation error."""
        optimizer = self.controls["optimizer"].currentData()
        for name in ("momentum", "nesterov"):
            self._forms[name].setRowVisible(self.controls[name], optimizer == "momentum")
        for name in ("beta1", "beta2"):
            self._forms[name].setRowVisible(self.controls[name], optimizer == "adam")
        try:
            config = self._config.replace(**self.values())
        except ConfigError as exc:
            config = None
            self.config_error.setText(f"{exc}.")
        self.config_error.setVisible(config is None)
        preset = next((n for n, p in PRESETS.items() if _same(config, p)), "custom")
        picker = self.controls["preset_picker"]
        picker.blockSignals(True)
        picker.setCurrentIndex(picker.findData(preset))
        picker.blockSignals(False)
        picker.setToolTip(PRESET_DESCRIPTIONS.get(preset, CUSTOM_TIP))

    def _on_field_edited(self, name: str, *_) -> None:
        c = self.controls
        if name in ("length_unit", "epochs_or_iterations"):
            unit = c["length_unit"].currentData()
            if name == "length_unit":  # each unit keeps its own count (100 epochs, 1000 steps)
                with self._quiet():
                    c["epochs_or_iterations"].setValue(self._length[unit])
            self._length[unit] = c["epochs_or_iterations"].value()
            name = unit
        if self._setting:
            return
        self._refresh()
        self.config_edited.emit(name)

    def _on_slider_moved(self, position: int) -> None:
        if not self._setting:
            self.controls["learning_rate"].setValue(slider_to_rate(position))

    def _on_rate_typed(self, value: float) -> None:
        slider = self.controls["learning_rate_slider"]
        slider.blockSignals(True)
        slider.setValue(rate_to_slider(value))
        slider.blockSignals(False)
        if self._setting:
            return
        self._refresh()
        self.learning_rate_changed.emit(self.learning_rate())

    def _on_preset_activated(self, index: int) -> None:
        name = self.controls["preset_picker"].itemData(index)
        if name in PRESETS:
            self.preset_chosen.emit(name)


_FLOATS = ("l1", "l2", "momentum", "beta1", "beta2", "learning_rate")
_CHOICE_FIELDS = [n for n, spec in SPECS.items() if spec[0] == "combo" and n in OWNED]
_BOOL_FIELDS = [n for n, spec in SPECS.items() if spec[0] == "check"]
_COMPARED = (*OWNED, "hidden_layers", "activations")


def _same(config: Config | None, preset: Config) -> bool:
    """Whether ``config`` matches ``preset`` in everything but the data columns."""
    return config is not None and all(getattr(config, f) == getattr(preset, f) for f in _COMPARED)


def _preview() -> int:  # pragma: no cover - manual preview
    """The panel beside a live iris run: the learning rate applies at once, the rest on restart."""
    import sys

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QScrollArea
    from shiboken6 import delete

    from nnstudio.core.data import load_table
    from nnstudio.core.dataset import prepare_table
    from nnstudio.core.samples import sample_path
    from nnstudio.core.trainer import Trainer

    app = QApplication.instance() or QApplication(sys.argv)
    table = load_table(sample_path("iris"))
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    panel = HyperparameterPanel(scroll)
    scroll.setWidget(panel)
    run: dict[str, Any] = {}

    def restart(config: Config) -> None:
        run["trainer"] = Trainer(config, prepare_table(table, config))
        panel.set_config(config)
        panel.set_training_active(True)

    def tick() -> None:
        trainer = run["trainer"]
        if trainer.is_finished:
            panel.set_training_active(False)
            return
        snapshot = list(trainer.run(max_steps=5))[-1]
        loss = float(snapshot.losses[-1]) if snapshot.losses.size else float("nan")
        scroll.setWindowTitle(
            f"step {snapshot.step} · loss {loss:.4f} · lr {trainer.learning_rate}"
        )

    def edited(field: str) -> None:
        try:
            config = run["trainer"].config.replace(**panel.values())
        except ConfigError:
            return  # shown inline by the panel
        print(f"{field} edited; restarting")
        restart(config)

    panel.config_edited.connect(edited)
    panel.learning_rate_changed.connect(lambda v: run["trainer"].set_learning_rate(v))
    panel.preset_chosen.connect(lambda name: restart(PRESETS[name]))
    restart(MODERN.replace(epochs=2000))
    timer = QTimer(scroll)
    timer.timeout.connect(tick)
    timer.start(33)
    scroll.resize(330, 760)
    scroll.show()
    code = app.exec()
    delete(scroll)  # before the QApplication goes
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
