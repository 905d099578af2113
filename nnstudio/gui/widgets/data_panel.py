"""The data panel: choose a table, see what was read, and say which column is the label.

:class:`DataPanel` loads a bundled sample or a file through the core loader
(:func:`nnstudio.core.data.load_table`), describes what it found (delimiter,
header row, rows × features, classes or target range, notices such as dropped
rows) and previews the first rows. Clicking a column heading (or right-clicking
a cell) sets that column's role: feature, label or ignored; the label column is
tinted and the ignored ones greyed. A file that cannot be used shows its
one-sentence error inline and the previous table stays loaded.

The "Generated 2-D data" box draws a TensorFlow-Playground-style data set
(:mod:`nnstudio.core.generators`: circle, xor, spiral, ...) instead of reading a
file; *Regenerate* draws it again with the next data seed, and the engineered-input
check boxes (x², y², x·y, sin x, sin y) add computed columns to it.

Run ``python -m nnstudio.gui.widgets.data_panel`` for a preview on iris
(``... data_panel gen:spiral`` for generated data).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.data import (
    MISSING,
    Preview,
    Table,
    load_table,
    looks_like_classification,
    read_preview,
)
from nnstudio.core.errors import DataError, NNStudioError
from nnstudio.core.generators import (
    ENGINEERED,
    ENGINEERED_DESCRIPTIONS,
    GENERATORS,
    MAX_CLASSES,
    add_engineered,
    engineered_name,
    generator_name,
)
from nnstudio.core.generators import generate as generate_table
from nnstudio.core.samples import list_samples, sample_path
from nnstudio.gui.palette import SERIES

PREVIEW_ROWS = 20
MAX_COLUMN_WIDTH = 140  # px; a long name or value is elided rather than hiding other columns
ERROR_COLOUR = "#d55e00"  # Okabe-Ito vermillion (LAYER_COLOURS[5]); readable on light and dark
LABEL_TINT = SERIES["accent"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", " ": "whitespace"}
HEADER_MODES = (  # (text, header argument of load_table, tooltip)
    ("Auto", None, "Detect whether the first row holds column names."),
    ("Yes", True, "The first row holds column names."),
    ("No", False, "The first row is data; columns are named by position."),
)
ROLES = (  # (role, menu text, tooltip)
    ("feature", "Feature", "An input of the network."),
    ("label", "Label (what to predict)", "The column the network learns to predict."),
    ("ignore", "Ignore", "Left out of the training data."),
)
ROLE_HINT = "Click a column heading to make it a feature, the label or ignored."
GENERATED_HINT = "Generated data: x and y are the inputs; tick extra inputs above to add more."
FILE_FILTER = "Data tables (*.csv *.tsv *.txt *.data);;All files (*)"
GENERATED_SAMPLES = (50, 5000, 50)  # (minimum, maximum, step) of the points spin box
GENERATED_NOISE = (0.0, 0.5, 0.05)  # (minimum, maximum, step): 0 clean, 0.5 very noisy
ENGINEERED_OBJECTS = dict(zip(ENGINEERED, ("x2", "y2", "xy", "sinx", "siny"), strict=True))
"""Engineered input name -> the suffix of its check box's objectName (``engineered_x2``)."""
ENGINEERED_SPOKEN = dict(
    zip(ENGINEERED, ("x squared", "y squared", "x times y", "sine of x", "sine of y"), strict=True)
)


CONTROLS = {  # objectName: (accessible name, tooltip)
    "sample_picker": (
        "Sample data set",
        "Load one of the small data sets that ship with nnstudio.",
    ),
    "open_data_button": (
        "Open a data file",
        "Open a CSV or other delimited text table from disk (Ctrl+O).",
    ),
    "header_mode": (
        "Header row",
        "Whether the file's first row holds column names; changing it reloads the file.",
    ),
    "label_picker": (
        "Label column",
        "The column the network learns to predict; the other columns are its inputs.",
    ),
    "data_preview": (
        "Data preview",
        "The first rows of the file; click a column heading to set that column's role.",
    ),
    "generator_picker": (
        "Generated data set",
        "The shape of the generated 2-D data; press Generate to draw it.",
    ),
    "generator_samples": (
        "Number of generated points",
        "How many points to generate, shared equally among the classes.",
    ),
    "generator_noise": (
        "Noise of the generated data",
        "0 draws the exact shape; 0.5 is very noisy (labels near the boundary flip).",
    ),
    "generator_classes": (
        "Number of spiral arms",
        "How many interleaved spiral arms (classes) to generate.",
    ),
    "generate_button": (
        "Generate data",
        "Draw the chosen data set with these settings and the current data seed.",
    ),
    "regenerate_button": (
        "Regenerate data",
        "Draw the same kind of data again with the next data seed: new points, same shape.",
    ),
}


def _name(widget: QWidget, name: str) -> None:
    """Give a control its stable objectName, accessible name and one-sentence tooltip."""
    accessible, tip = CONTROLS[name]
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    widget.setToolTip(tip)


def _add_items(combo: QComboBox, items) -> None:
    """Add (text, data, tooltip) items to a combo box, each with its own tooltip."""
    for text, data, tip in items:
        combo.addItem(text, data)
        combo.setItemData(combo.count() - 1, tip, Qt.ToolTipRole)


def _label_text(value) -> str:
    """A label value for people: whole-number floats without ``.0``."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def describe_labels(table: Table) -> str:
    """Class counts (``"setosa 50 · versicolor 50"``) or the regression target's range."""
    labels = table.labels
    if looks_like_classification(labels):
        values, counts = np.unique(labels, return_counts=True)
        parts = [f"{_label_text(v)} {c}" for v, c in zip(values, counts, strict=True)]
        return f"{len(values)} classes: " + " · ".join(parts)
    y = labels.astype(np.float64)
    return f"Target range {y.min():.4g} to {y.max():.4g} (mean {y.mean():.4g}): regression"


def _short_message(exc: NNStudioError) -> str:
    """The error with only the file's name (the full path goes into the tooltip)."""
    if getattr(exc, "path", None) is None:
        return str(exc)
    where = [Path(exc.path).name]
    if exc.line is not None:
        where.append(f"line {exc.line}")
    if exc.column is not None:
        where.append(f"column {exc.column}")
    return f"{', '.join(where)}: {exc.reason}"


class DataPanel(QWidget):
    """Load a data table and choose its label and ignored columns.

    Signals
    -------
    table_loaded(object)
        The new :class:`~nnstudio.core.data.Table`, after each successful load or role change,
        and after each generation or change of engineered inputs of generated data.
    load_failed(str)
        The one-sentence error of a load that failed (the previous table stays).
    """

    table_loaded = Signal(object)
    load_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("data_panel")
        self._table: Table | None = None
        self._preview: Preview | None = None
        self._path: Path | None = None
        self._label = -1  # 0-based column index of the label
        self._ignored: frozenset[int] = frozenset()
        self._role_menu: QMenu | None = None
        self._header_index = 0  # header_mode of the loaded table, restored when a reload fails
        self._scroll_to_label = False
        self._generated: dict | None = None  # generator settings of generated data, else None
        self._generated_base: Table | None = None  # generated table without engineered inputs
        self._engineered: tuple[str, ...] = ()
        self._data_seed = 0
        self._build()

    # -- construction -------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QGridLayout()
        self.sample_picker = QComboBox(self)
        _name(self.sample_picker, "sample_picker")
        self.sample_picker.setPlaceholderText("Bundled sample…")
        samples = list_samples()
        self._sample_files = [info.path.resolve() for info in samples]
        _add_items(self.sample_picker, [(i.name, i.name, i.description) for i in samples])
        self.sample_picker.setCurrentIndex(-1)
        self.sample_picker.activated.connect(self._on_sample_activated)
        self.open_data_button = QPushButton("Open…", self)
        _name(self.open_data_button, "open_data_button")
        self.open_data_button.clicked.connect(self.open_file_dialog)
        top.addWidget(self.sample_picker, 0, 0)
        top.addWidget(self.open_data_button, 0, 1)
        top.setColumnStretch(0, 1)
        layout.addLayout(top)
        layout.addWidget(self._build_generated())

        self.file_label = QLabel("No data loaded", self)
        self.file_label.setObjectName("data_file")
        bold = self.file_label.font()
        bold.setBold(True)
        self.file_label.setFont(bold)
        self.file_label.setWordWrap(True)  # a long generated description must not widen the panel
        layout.addWidget(self.file_label)

        fmt = QGridLayout()
        self.format_label = QLabel("", self)
        self.format_label.setObjectName("data_format")
        self.format_label.setWordWrap(True)
        self.header_mode = QComboBox(self)
        _name(self.header_mode, "header_mode")
        _add_items(self.header_mode, HEADER_MODES)
        self.header_mode.activated.connect(self._on_header_mode_activated)
        self.header_caption = QLabel("Header row:", self)
        self.header_caption.setBuddy(self.header_mode)
        fmt.addWidget(self.format_label, 0, 0)
        fmt.addWidget(self.header_caption, 0, 1)
        fmt.addWidget(self.header_mode, 0, 2)
        fmt.setColumnStretch(0, 1)
        layout.addLayout(fmt)

        self.summary_label = self._text_label("data_summary")
        self.classes_label = self._text_label("data_classes")
        self.notices_label = self._text_label("data_notices")
        self.error_label = self._text_label("data_error")
        self.error_label.setStyleSheet(
            f"QLabel {{ color: {ERROR_COLOUR}; border: 1px solid {ERROR_COLOUR};"
            " border-radius: 3px; padding: 4px; }"
        )
        self.error_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.error_label.hide()
        for label in (self.summary_label, self.classes_label, self.notices_label, self.error_label):
            layout.addWidget(label)

        roles = QGridLayout()
        self.label_picker = QComboBox(self)
        _name(self.label_picker, "label_picker")
        self.label_picker.activated.connect(self._on_label_picker_activated)
        predict = QLabel("Predict:", self)
        predict.setBuddy(self.label_picker)
        roles.addWidget(predict, 0, 0)
        roles.addWidget(self.label_picker, 0, 1)
        roles.setColumnStretch(1, 1)
        layout.addLayout(roles)
        self.role_hint = QLabel(ROLE_HINT, self)
        self.role_hint.setObjectName("data_role_hint")
        self.role_hint.setWordWrap(True)
        self.role_hint.setForegroundRole(QPalette.PlaceholderText)
        layout.addWidget(self.role_hint)

        self.preview_table = QTableWidget(self)
        _name(self.preview_table, "data_preview")
        self.preview_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.preview_table.setHorizontalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.preview_table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.preview_table.customContextMenuRequested.connect(self._on_cell_menu_requested)
        header = self.preview_table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.sectionClicked.connect(self._on_header_clicked)
        self.preview_table.verticalHeader().setDefaultSectionSize(
            self.preview_table.fontMetrics().height() + 6
        )
        layout.addWidget(self.preview_table, 1)
        self.rows_label = self._text_label("data_rows_shown")
        self.rows_label.setForegroundRole(QPalette.PlaceholderText)
        layout.addWidget(self.rows_label)
        self._set_loaded_widgets_enabled(False)
        self._update_generated_widgets()

    def _build_generated(self) -> QGroupBox:
        """The "Generated 2-D data" box: shape, points, noise, arms, buttons, extra inputs."""
        box = QGroupBox("Generated 2-D data", self)
        box.setObjectName("generated_group")
        grid = QGridLayout(box)
        grid.setContentsMargins(6, 6, 6, 6)
        self.generator_picker = QComboBox(box)
        _name(self.generator_picker, "generator_picker")
        _add_items(
            self.generator_picker,
            [
                (
                    name + (" (regression)" if info.task == "regression" else ""),
                    name,
                    info.description,
                )
                for name, info in GENERATORS.items()
            ],
        )
        # "multi_gaussian (regression)" must not widen the whole panel; it elides instead
        self.generator_picker.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.generator_picker.setMinimumContentsLength(8)
        self.generator_picker.setCurrentIndex(list(GENERATORS).index("spiral"))
        self.generator_picker.currentIndexChanged.connect(self._on_generator_changed)
        self.generator_samples = QSpinBox(box)
        _name(self.generator_samples, "generator_samples")
        low, high, step = GENERATED_SAMPLES
        self.generator_samples.setRange(low, high)
        self.generator_samples.setSingleStep(step)
        self.generator_samples.setValue(GENERATORS["spiral"].defaults["samples"])
        self.generator_noise = QDoubleSpinBox(box)
        _name(self.generator_noise, "generator_noise")
        low, high, step = GENERATED_NOISE
        self.generator_noise.setRange(low, high)
        self.generator_noise.setSingleStep(step)
        self.generator_noise.setDecimals(2)
        self.generator_noise.setValue(GENERATORS["spiral"].defaults["noise"])
        self.generator_classes = QSpinBox(box)
        _name(self.generator_classes, "generator_classes")
        self.generator_classes.setRange(2, MAX_CLASSES)
        self.classes_caption = self._caption("Arms:", self.generator_classes, box)

        grid.addWidget(self._caption("Shape:", self.generator_picker, box), 0, 0)
        grid.addWidget(self.generator_picker, 0, 1, 1, 3)
        grid.addWidget(self._caption("Points:", self.generator_samples, box), 1, 0)
        grid.addWidget(self.generator_samples, 1, 1)
        grid.addWidget(self._caption("Noise:", self.generator_noise, box), 1, 2)
        grid.addWidget(self.generator_noise, 1, 3)
        grid.addWidget(self.classes_caption, 2, 0)
        grid.addWidget(self.generator_classes, 2, 1)
        self.seed_label = QLabel("", box)
        self.seed_label.setObjectName("generator_seed")
        self.seed_label.setToolTip("The seed the points were drawn with; Regenerate adds one.")
        self.seed_label.setForegroundRole(QPalette.PlaceholderText)
        grid.addWidget(self.seed_label, 2, 2, 1, 2)

        buttons = QHBoxLayout()
        self.generate_button = QPushButton("Generate", box)
        _name(self.generate_button, "generate_button")
        self.generate_button.clicked.connect(self._on_generate_clicked)
        self.regenerate_button = QPushButton("Regenerate", box)
        _name(self.regenerate_button, "regenerate_button")
        self.regenerate_button.clicked.connect(self._on_regenerate_clicked)
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.regenerate_button)
        grid.addLayout(buttons, 3, 0, 1, 4)

        extra_caption = QLabel("Extra inputs (from x and y):", box)
        extra_caption.setWordWrap(True)
        grid.addWidget(extra_caption, 4, 0, 1, 4)
        extra = QGridLayout()  # two short rows keep the panel narrow: x² y² x·y / sin x sin y
        self.engineered_boxes: dict[str, QCheckBox] = {}
        for i, name in enumerate(ENGINEERED):
            check = QCheckBox(name, box)
            check.setObjectName(f"engineered_{ENGINEERED_OBJECTS[name]}")
            check.setAccessibleName(f"Extra input {ENGINEERED_SPOKEN[name]}")
            check.setToolTip(ENGINEERED_DESCRIPTIONS[name])
            check.toggled.connect(self._on_engineered_toggled)
            self.engineered_boxes[name] = check
            extra.addWidget(check, i // 3, i % 3)
        extra.setColumnStretch(3, 1)
        grid.addLayout(extra, 5, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _caption(self, text: str, buddy: QWidget, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setBuddy(buddy)
        return label

    def _text_label(self, name: str) -> QLabel:
        label = QLabel("", self)
        label.setObjectName(name)
        label.setWordWrap(True)
        return label

    def _set_loaded_widgets_enabled(self, enabled: bool) -> None:
        for widget in (self.header_mode, self.label_picker, self.preview_table):
            widget.setEnabled(enabled)

    # -- public API ---------------------------------------------------------------------

    def table(self) -> Table | None:
        """The loaded table, or None before the first successful load."""
        return self._table

    def path(self) -> Path | None:
        """The loaded file, or None."""
        return self._path

    def is_generated(self) -> bool:
        """True when the loaded table was generated (then :meth:`path` is None)."""
        return self._generated is not None

    def data_seed(self) -> int:
        """The seed of the generated points (the next Generate uses it; Regenerate adds one)."""
        return self._data_seed

    def label_column(self) -> int | str | None:
        """The label column as ``load_table`` takes it; None means the last column (its default).

        A header name when the file has a header row, else a 0-based index.
        """
        if self._preview is None or self._label == len(self._preview.column_names) - 1:
            return None
        return self._column_key(self._label)

    def ignore_columns(self) -> tuple[int | str, ...]:
        """The ignored columns as ``load_table`` takes them (names with a header, else indices)."""
        return tuple(self._column_key(j) for j in sorted(self._ignored))

    def load_sample(self, name: str) -> bool:
        """Load a bundled sample by name; False (error shown inline) if that failed.

        ``"gen:spiral"`` and the like generate that data set with the box's settings.
        """
        generator = generator_name(name)
        if generator is not None:
            return self.generate(
                generator,
                samples=self.generator_samples.value(),
                noise=self.generator_noise.value(),
                classes=self.generator_classes.value(),
            )
        try:
            path = sample_path(name)
        except DataError as exc:
            self._fail(exc)
            return False
        return self.load_path(path)

    def load_path(
        self,
        path: str | os.PathLike[str],
        *,
        label_column: int | str | None = None,
        ignore_columns: Sequence[int | str] = (),
    ) -> bool:
        """Load a file (header detected) with the given roles; False if it failed.

        On failure the error appears in ``data_error``, :attr:`load_failed` is
        emitted and the previous table, preview and summary stay as they were.
        """
        ok = self._load(Path(path), label_column, tuple(ignore_columns), header=None)
        if ok:
            self.header_mode.setCurrentIndex(0)
            self._header_index = 0
        return ok

    def set_column_role(self, column: int, role: str) -> bool:
        """Make column ``column`` (0-based) a ``"feature"``, the ``"label"`` or ``"ignore"`` it.

        Reloads the table; False (previous roles kept, error shown) if that failed.
        """
        if self._preview is None or self.is_generated():
            return False  # generated data has fixed roles; engineered inputs add features
        if role not in {r for r, _, _ in ROLES}:
            raise ValueError(f"role must be feature, label or ignore, not {role!r}")
        if column == self._label and role != "label":
            return False  # the label cannot lose its role without another column taking it
        label = column if role == "label" else self._label
        ignored = set(self._ignored) - {column}
        if role == "ignore":
            ignored.add(column)
        return self._load(self._path, label, tuple(sorted(ignored)), header=self._header_arg())

    def column_role(self, column: int) -> str:
        """The role of a 0-based column: ``"feature"``, ``"label"`` or ``"ignore"``."""
        if column == self._label:
            return "label"
        return "ignore" if column in self._ignored else "feature"

    def open_file_dialog(self) -> bool:
        """Ask for a file and load it; False if cancelled or it failed."""
        path = self._ask_open_path()
        return bool(path) and self.load_path(path)

    def _ask_open_path(self) -> str | None:
        """The file the user picked in a dialog, or None (tests replace this)."""
        start = str(self._path.parent) if self._path is not None else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open a data table", start, FILE_FILTER)
        return path or None

    def generate(
        self, name: str, *, samples: int, noise: float, classes: int = 2, seed: int | None = None
    ) -> bool:
        """Generate a 2-D data set and show it like a loaded file.

        Parameters
        ----------
        name : str
            A generator of :data:`nnstudio.core.generators.GENERATORS`.
        samples : int
            Number of points.
        noise : float
            0 (exact shape) to 0.5 (very noisy).
        classes : int
            Spiral arms; ignored by the other generators.
        seed : int or None
            The data seed; None keeps the current one (:meth:`data_seed`).

        Returns
        -------
        bool
            False (error shown inline, :attr:`load_failed` emitted, previous table kept)
            for an unknown name or a value out of range.
        """
        seed = self._data_seed if seed is None else seed
        classes = classes if name == "spiral" else 2
        try:
            base = generate_table(name, samples=samples, noise=noise, seed=seed, classes=classes)
            table = add_engineered(base, self._engineered)
        except NNStudioError as exc:
            self._fail(exc)
            return False
        self._data_seed = seed
        self._generated = {"name": name, "samples": samples, "noise": noise, "classes": classes}
        self._generated_base = base
        self._path = None
        self._sync_generator_controls()
        self._show_generated(table)
        return True

    def set_engineered(self, names: Sequence[str]) -> None:
        """Choose the engineered inputs (names from ``ENGINEERED``, e.g. ``["x²", "y²"]``).

        Ticks their check boxes; with generated data loaded, re-derives the table and
        emits :attr:`table_loaded`. The choice also applies to data generated later.

        Raises
        ------
        ConfigError
            For a name that is not an engineered input.
        """
        chosen = {engineered_name(n) for n in names}
        self._engineered = tuple(n for n in ENGINEERED if n in chosen)
        for name, check in self.engineered_boxes.items():
            check.blockSignals(True)  # one re-derivation for the whole choice
            check.setChecked(name in chosen)
            check.blockSignals(False)
        if self._generated_base is not None and self.is_generated():
            self._show_generated(add_engineered(self._generated_base, self._engineered))

    def engineered(self) -> tuple[str, ...]:
        """The chosen engineered inputs, in ``ENGINEERED`` order."""
        return self._engineered

    # -- loading --------------------------------------------------------------------------

    def _header_arg(self) -> bool | None:
        return HEADER_MODES[self.header_mode.currentIndex()][1]

    def _column_key(self, column: int) -> int | str:
        return self._preview.column_names[column] if self._preview.has_header else column

    def _load(self, path: Path, label, ignored: tuple, header: bool | None) -> bool:
        try:
            table = load_table(path, label_column=label, ignore_columns=ignored, header=header)
            preview = read_preview(path, PREVIEW_ROWS, header=header)
        except DataError as exc:
            self._fail(exc)
            return False
        names = preview.column_names
        new_file = path != self._path
        self._table, self._preview, self._path = table, preview, path
        self._generated = None
        self._update_generated_widgets()
        self._label = names.index(table.label_name)
        self._ignored = frozenset(
            names.index(c) if isinstance(c, str) else int(c) % len(names) for c in ignored
        )
        self.error_label.hide()
        self.error_label.clear()
        self._show_table(scroll_to_label=new_file)
        self.table_loaded.emit(table)
        return True

    def _show_generated(self, table: Table) -> None:
        """Make a generated table the loaded one: preview, summary, and :attr:`table_loaded`."""
        self._table = table
        self._preview = _generated_preview(table)
        self._label = len(self._preview.column_names) - 1
        self._ignored = frozenset()
        self.error_label.hide()
        self.error_label.clear()
        self._update_generated_widgets()
        self._show_table(scroll_to_label=False)
        self.table_loaded.emit(table)

    def _fail(self, exc: NNStudioError) -> None:
        self.error_label.setText(_short_message(exc))
        self.error_label.setToolTip(str(exc))
        self.error_label.show()
        self._sync_sample_picker()  # back to what is really loaded
        self.load_failed.emit(str(exc))

    # -- showing ------------------------------------------------------------------------

    def _sync_sample_picker(self) -> None:
        """Select the loaded file in the sample picker if it is a sample, else show none."""
        loaded = self._path.resolve() if self._path is not None else None
        self.sample_picker.setCurrentIndex(
            self._sample_files.index(loaded) if loaded in self._sample_files else -1
        )

    def _show_table(self, scroll_to_label: bool) -> None:
        table, preview = self._table, self._preview
        self._set_loaded_widgets_enabled(True)
        self._sync_sample_picker()
        generated = self.is_generated()
        self.header_mode.setVisible(not generated)  # no file: no header row to choose
        self.header_caption.setVisible(not generated)
        if generated:
            settings = self._generated
            self.label_picker.setEnabled(False)  # the label of generated data is fixed
            self.file_label.setText(
                f"generated: {settings['name']}, {table.n_rows} points, noise {settings['noise']:g}"
            )
            self.file_label.setToolTip(GENERATORS[settings["name"]].description)
            arms = f"{settings['classes']} arms, " if settings["name"] == "spiral" else ""
            self.format_label.setText(f"generated 2-D data, {arms}data seed {self._data_seed}")
        else:
            self.file_label.setText(self._path.name)
            self.file_label.setToolTip(str(self._path))
            header = "with a header row" if preview.has_header else "no header row"
            self.format_label.setText(f"{DELIMITER_NAMES[preview.delimiter]}-separated, {header}")
        self.summary_label.setText(
            f"{table.n_rows} rows × {table.n_features} features · label: {table.label_name}"
        )
        self.classes_label.setText(describe_labels(table))
        self.notices_label.setText("\n".join(f"• {n}" for n in table.notices))
        self.notices_label.setVisible(bool(table.notices))
        self.label_picker.clear()
        self.label_picker.addItems(list(preview.column_names))
        self.label_picker.setCurrentIndex(self._label)
        shown = len(preview.rows)
        self.rows_label.setText(
            f"Showing the first {shown} of {preview.n_rows_total} rows."
            if shown < preview.n_rows_total
            else f"Showing all {shown} rows."
        )
        self._fill_preview(scroll_to_label)

    def _fill_preview(self, scroll_to_label: bool) -> None:
        preview, grid = self._preview, self.preview_table
        scrolled = grid.horizontalScrollBar().value()
        grid.clear()
        grid.setColumnCount(len(preview.column_names))
        grid.setRowCount(len(preview.rows))
        tint = QColor(LABEL_TINT)
        tint.setAlpha(70)
        strong = QColor(LABEL_TINT)
        strong.setAlpha(150)
        muted = self.palette().color(QPalette.PlaceholderText)
        for j, name in enumerate(preview.column_names):
            role = self.column_role(j)
            head = QTableWidgetItem(f"{name}\n{'ignored' if role == 'ignore' else role}")
            if not self.is_generated():
                tip = f"Column {j + 1} '{name}' is {_role_phrase(role)}; click to change."
            elif name in ENGINEERED:
                tip = f"'{name}' is computed from x and y: {ENGINEERED_DESCRIPTIONS[name]}"
            else:
                tip = f"'{name}' is {_role_phrase(role)} of the generated data."
            head.setToolTip(tip)
            font = QFont(self.font())
            if role == "label":
                font.setBold(True)
                head.setBackground(strong)
            elif role == "ignore":
                font.setItalic(True)
                font.setStrikeOut(True)
                head.setForeground(muted)
            head.setFont(font)
            grid.setHorizontalHeaderItem(j, head)
            for i, row in enumerate(preview.rows):
                cell = QTableWidgetItem(row[j])
                if role == "label":
                    cell.setBackground(tint)
                if role == "ignore":
                    cell.setForeground(muted)
                elif row[j].lower() in MISSING:  # its row is dropped: show why
                    cell.setForeground(QColor(ERROR_COLOUR))
                    cell.setToolTip("A missing value: this row is left out.")
                grid.setItem(i, j, cell)
        grid.resizeColumnsToContents()  # now, not lazily, so the scroll below lands right
        for j in range(grid.columnCount()):
            grid.setColumnWidth(j, min(grid.columnWidth(j), MAX_COLUMN_WIDTH))
        grid.horizontalScrollBar().setValue(scrolled)  # a role change keeps the user's place
        self._scroll_to_label = scroll_to_label  # a new file: show its label column
        self._show_label_column()

    def _show_label_column(self) -> None:
        """Scroll a new file's label column (often the last of many) into view once laid out."""
        if self._scroll_to_label and self.isVisible() and self.preview_table.rowCount():
            self.preview_table.scrollToItem(self.preview_table.item(0, self._label))
            self._scroll_to_label = False

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._show_label_column()  # the table's real width is known only now

    # -- slots ----------------------------------------------------------------------------

    def _on_sample_activated(self, index: int) -> None:
        self.load_sample(self.sample_picker.itemData(index))

    def _on_header_mode_activated(self, index: int) -> None:
        if self._path is None:
            return
        labelled = (self._label, tuple(sorted(self._ignored)))
        if self._load(self._path, *labelled, header=HEADER_MODES[index][1]):
            self._header_index = index
        else:
            self.header_mode.setCurrentIndex(self._header_index)

    def _on_label_picker_activated(self, index: int) -> None:
        if not self.set_column_role(index, "label"):
            self.label_picker.setCurrentIndex(self._label)

    def _on_header_clicked(self, column: int) -> None:
        if self.is_generated():
            return  # fixed roles; the engineered-input check boxes change the inputs
        header = self.preview_table.horizontalHeader()
        x = header.sectionViewportPosition(column)
        self.show_role_menu(column, header.mapToGlobal(QPoint(x, header.height())))

    def _on_cell_menu_requested(self, pos: QPoint) -> None:
        column = self.preview_table.columnAt(pos.x())
        if column >= 0 and not self.is_generated():
            viewport = self.preview_table.viewport()
            self.show_role_menu(column, viewport.mapToGlobal(pos))

    # -- generated data ---------------------------------------------------------------------

    def _sync_generator_controls(self) -> None:
        """Show the settings of the generated table in the box's controls."""
        settings = self._generated
        controls = (
            self.generator_picker,
            self.generator_samples,
            self.generator_noise,
            self.generator_classes,
        )
        for widget in controls:
            widget.blockSignals(True)
        self.generator_picker.setCurrentIndex(list(GENERATORS).index(settings["name"]))
        self.generator_samples.setValue(settings["samples"])
        self.generator_noise.setValue(settings["noise"])
        if settings["name"] == "spiral":
            self.generator_classes.setValue(settings["classes"])
        for widget in controls:
            widget.blockSignals(False)

    def _update_generated_widgets(self) -> None:
        """Arms only for spiral; Regenerate and extra inputs only with generated data."""
        spiral = self.generator_picker.currentData() == "spiral"
        self.generator_classes.setVisible(spiral)
        self.classes_caption.setVisible(spiral)
        generated = self.is_generated()
        self.regenerate_button.setEnabled(generated)
        for check in self.engineered_boxes.values():
            check.setEnabled(generated)
        self.seed_label.setText(f"data seed {self._data_seed}")
        self.role_hint.setText(GENERATED_HINT if generated else ROLE_HINT)

    def _generate_from_controls(self, seed: int | None) -> bool:
        return self.generate(
            self.generator_picker.currentData(),
            samples=self.generator_samples.value(),
            noise=round(self.generator_noise.value(), 4),
            classes=self.generator_classes.value(),
            seed=seed,
        )

    def _on_generator_changed(self, _index: int) -> None:
        self._update_generated_widgets()

    def _on_generate_clicked(self) -> None:
        self._generate_from_controls(seed=None)

    def _on_regenerate_clicked(self) -> None:
        self._generate_from_controls(seed=self._data_seed + 1)

    def _on_engineered_toggled(self, _checked: bool) -> None:
        self.set_engineered([n for n, check in self.engineered_boxes.items() if check.isChecked()])

    def show_role_menu(self, column: int, global_pos: QPoint) -> QMenu:
        """Pop up the feature / label / ignore menu for a column (returns it, for tests)."""
        if self._role_menu is not None:
            self._role_menu.deleteLater()
        menu = self._role_menu = QMenu(self)
        menu.setObjectName("column_role_menu")
        menu.setToolTipsVisible(True)
        group = QActionGroup(menu)
        current = self.column_role(column)
        for role, text, tip in ROLES:
            action = QAction(text, menu)
            action.setObjectName(f"role_{role}")
            action.setCheckable(True)
            action.setChecked(role == current)
            if current == "label" and role != "label":
                action.setEnabled(False)
                tip = "Choose another label column first."
            action.setToolTip(tip)
            action.triggered.connect(lambda _=False, r=role: self.set_column_role(column, r))
            group.addAction(action)
            menu.addAction(action)
        menu.popup(global_pos)
        return menu


def _role_phrase(role: str) -> str:
    return {"feature": "a feature", "label": "the label", "ignore": "ignored"}[role]


def _generated_preview(table: Table) -> Preview:
    """The first rows of a generated table as text, like a file's preview."""
    if table.labels.dtype.kind in "US":
        labels = [str(v) for v in table.labels[:PREVIEW_ROWS]]
    else:
        labels = [f"{v:.3f}" for v in table.labels[:PREVIEW_ROWS]]
    rows = tuple(
        (*(f"{v:.3f}" for v in x), label)
        for x, label in zip(table.X[:PREVIEW_ROWS], labels, strict=True)
    )
    return Preview(
        column_names=(*table.feature_names, table.label_name),
        rows=rows,
        delimiter="",
        has_header=True,
        n_rows_total=table.n_rows,
    )


def _preview() -> int:  # pragma: no cover - manual preview
    import sys

    from PySide6.QtWidgets import QApplication
    from shiboken6 import delete

    app = QApplication.instance() or QApplication(sys.argv)
    panel = DataPanel()
    panel.setWindowTitle("nnstudio · data panel preview")
    panel.table_loaded.connect(
        lambda t: print(f"loaded {t.n_rows}×{t.n_features} → {t.label_name}")
    )
    panel.load_failed.connect(lambda m: print("failed:", m))
    panel.load_sample(sys.argv[1] if len(sys.argv) > 1 else "iris")
    panel.resize(340, 640)
    panel.show()
    code = app.exec()
    delete(panel)  # before the QApplication goes
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
