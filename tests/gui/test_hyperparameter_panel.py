"""The hyperparameter panel: round trips, the log-scale learning rate, presets, validation."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QSlider,
    QSpinBox,
)

from nnstudio.core.config import CLASSIC, MODERN, PRESET_DESCRIPTIONS
from nnstudio.gui.widgets.hyperparameter_panel import (
    OWNED,
    RESET_FIELDS,
    HyperparameterPanel,
    rate_to_slider,
    slider_to_rate,
)

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)

CUSTOM = MODERN.replace(
    hidden_layers=(8,),
    activations=("relu",),
    output="softmax",
    loss="mse",
    optimizer="momentum",
    momentum=0.95,
    nesterov=True,
    learning_rate=0.0037,
    l1=1e-4,
    l2=0.0,
    batch_size=32,
    sampling="sequential",
    iterations=500,
    eval_every=25,
    report_every=10,
    init="he",
    use_bias=False,
    test_split=0.333,
    standardize=False,
    task="classification",
    dtype="float32",
    seed=42,
    label_column="species",
    ignore_columns=(0,),
)


@pytest.fixture
def panel(qtbot):
    widget = HyperparameterPanel()
    qtbot.addWidget(widget)
    widget.resize(300, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def child(panel, cls, name):
    found = panel.findChild(cls, name)
    assert found is not None, name
    return found


def combo(panel, name):
    return child(panel, QComboBox, name)


def choose(qtbot, box: QComboBox, data: str) -> None:
    """Pick an item by keyboard, as a user would (Home, then Down until it is current)."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key_Home)
    for _ in range(box.count()):
        if box.currentData() == data:
            return
        qtbot.keyClick(box, Qt.Key_Down)
    assert box.currentData() == data


def type_into(qtbot, box: QAbstractSpinBox, text: str) -> None:
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key_Return)


def test_classic_values_are_shown(panel):
    panel.set_config(CLASSIC)
    assert combo(panel, "preset_picker").currentText() == "Classic"
    assert combo(panel, "preset_picker").toolTip() == PRESET_DESCRIPTIONS["classic"]
    assert combo(panel, "loss").currentData() == "sse"
    assert combo(panel, "output").currentData() == "sigmoid"
    assert combo(panel, "optimizer").currentText() == "SGD"
    assert combo(panel, "init").currentData() == "classic_uniform"
    assert combo(panel, "sampling").currentData() == "replacement"
    assert child(panel, QSpinBox, "batch_size").value() == 64
    assert child(panel, QSpinBox, "epochs_or_iterations").value() == 1000
    assert combo(panel, "length_unit").currentText() == "iterations"
    assert child(panel, QSpinBox, "eval_every").text() == "50 steps"
    assert not child(panel, QCheckBox, "use_bias").isChecked()
    assert not child(panel, QCheckBox, "standardize").isChecked()
    assert child(panel, QDoubleSpinBox, "test_split").text() == "0 %"
    assert child(panel, QDoubleSpinBox, "learning_rate").text() == "0.01"
    assert child(panel, QSlider, "learning_rate_slider").value() == rate_to_slider(0.01)
    panel.set_config(MODERN)
    assert combo(panel, "preset_picker").currentText() == "Modern default"
    assert child(panel, QSpinBox, "eval_every").text() == "auto (each epoch)"


@pytest.mark.parametrize(
    ("config", "preset"),
    [(MODERN, "Modern default"), (CLASSIC, "Classic"), (CUSTOM, "Custom")],
    ids=["modern", "classic", "custom"],
)
def test_values_round_trip(panel, config, preset):
    panel.set_config(config)
    values = panel.values()
    assert set(values) == set(OWNED)
    assert config.replace(**values) == config
    assert (
        MODERN.replace(**values).replace(
            hidden_layers=config.hidden_layers,
            activations=config.activations,
            report_every=config.report_every,
            label_column=config.label_column,
            ignore_columns=config.ignore_columns,
        )
        == config
    )
    assert combo(panel, "preset_picker").currentText() == preset


def test_set_config_emits_nothing(qtbot, panel):
    seen = []
    for signal in (panel.config_edited, panel.learning_rate_changed, panel.preset_chosen):
        signal.connect(seen.append)
    for config in (CLASSIC, CUSTOM, MODERN):
        panel.set_config(config)
    assert seen == []


def test_slider_moves_the_rate_on_a_log_scale(qtbot, panel):
    slider = child(panel, QSlider, "learning_rate_slider")
    rate = child(panel, QDoubleSpinBox, "learning_rate")
    start = slider.value()
    slider.setFocus()
    with qtbot.waitSignal(panel.learning_rate_changed) as changed:
        qtbot.keyClick(slider, Qt.Key_PageDown)  # one decade down
    assert slider.value() == start - 20
    assert changed.args[0] == pytest.approx(0.001) and rate.value() == changed.args[0]
    with qtbot.waitSignal(panel.learning_rate_changed) as changed:
        qtbot.keyClick(slider, Qt.Key_Right)  # a twentieth of a decade up
    assert changed.args[0] == pytest.approx(10**-2.95, rel=5e-3)  # 3 significant digits
    assert rate.text() == "0.00112"
    assert panel.values()["learning_rate"] == changed.args[0]
    assert slider_to_rate(0) == 1e-5 and slider_to_rate(slider.maximum()) == 10.0


def test_typed_rate_moves_the_slider(qtbot, panel):
    rate = child(panel, QDoubleSpinBox, "learning_rate")
    edited = []
    panel.config_edited.connect(edited.append)
    with qtbot.waitSignal(panel.learning_rate_changed) as changed:
        type_into(qtbot, rate, "0.003")
    assert changed.args[0] == 0.003 and panel.values()["learning_rate"] == 0.003
    slider = child(panel, QSlider, "learning_rate_slider")
    assert slider_to_rate(slider.value()) == pytest.approx(0.003, rel=0.06)
    assert rate.value() == 0.003  # syncing the slider does not round the typed value
    assert combo(panel, "preset_picker").currentText() == "Custom"
    assert edited == []  # the learning rate has its own signal: it applies live


def test_optimizer_specific_rows(qtbot, panel):
    names = ("momentum", "nesterov", "beta1", "beta2")
    controls = {n: panel.findChild((QDoubleSpinBox, QCheckBox)[n == "nesterov"], n) for n in names}
    visible = {n for n, w in controls.items() if w.isVisible()}
    assert visible == {"beta1", "beta2"}  # adam
    choose(qtbot, combo(panel, "optimizer"), "momentum")
    assert {n for n, w in controls.items() if w.isVisible()} == {"momentum", "nesterov"}
    choose(qtbot, combo(panel, "optimizer"), "sgd")
    assert not any(w.isVisible() for w in controls.values())


def test_choosing_a_preset_emits(qtbot, panel):
    picker = combo(panel, "preset_picker")
    custom = picker.findData("custom")
    assert not picker.model().item(custom).isEnabled()  # shown when it applies, never chosen
    picker.setFocus()
    with qtbot.waitSignal(panel.preset_chosen) as chosen:
        qtbot.keyClick(picker, Qt.Key_Down)
    assert chosen.args == ["classic"]
    assert (
        picker.itemData(picker.findData("classic"), Qt.ToolTipRole)
        == (PRESET_DESCRIPTIONS["classic"])
    )


def test_editing_switches_to_custom_and_back(qtbot, panel):
    batch = child(panel, QSpinBox, "batch_size")
    picker = combo(panel, "preset_picker")
    with qtbot.waitSignal(panel.config_edited) as edited:
        type_into(qtbot, batch, "32")
    assert edited.args == ["batch_size"]
    assert picker.currentText() == "Custom" and "differ" in picker.toolTip()
    with qtbot.waitSignal(panel.config_edited):
        type_into(qtbot, batch, "16")
    assert picker.currentText() == "Modern default"


def test_length_unit_keeps_a_count_per_unit(qtbot, panel):
    with qtbot.waitSignal(panel.config_edited) as edited:
        choose(qtbot, combo(panel, "length_unit"), "iterations")
    assert edited.args == ["iterations"]
    assert child(panel, QSpinBox, "epochs_or_iterations").value() == 1000
    values = panel.values()
    assert values["epochs"] is None and values["iterations"] == 1000
    choose(qtbot, combo(panel, "length_unit"), "epochs")
    assert panel.values()["epochs"] == 100 and panel.values()["iterations"] is None


def test_eval_every_auto_is_none(qtbot, panel):
    every = child(panel, QSpinBox, "eval_every")
    assert panel.values()["eval_every"] is None
    every.setFocus()
    with qtbot.waitSignal(panel.config_edited):
        qtbot.keyClick(every, Qt.Key_Up)
    assert every.text() == "1 steps" and panel.values()["eval_every"] == 1


def test_invalid_combinations_are_explained_inline(qtbot, panel):
    error = child(panel, QLabel, "config_error")
    assert not error.isVisible()
    choose(qtbot, combo(panel, "output"), "linear")
    assert error.isVisible() and "linear" in error.text() and "cross_entropy" in error.text()
    assert combo(panel, "preset_picker").currentText() == "Custom"
    choose(qtbot, combo(panel, "output"), "auto")
    assert not error.isVisible()
    choose(qtbot, combo(panel, "task"), "regression")
    assert error.isVisible() and "regression" in error.text()
    choose(qtbot, combo(panel, "loss"), "mse")
    assert not error.isVisible()
    assert MODERN.replace(**panel.values()).task == "regression"


def test_training_marks_settings_that_need_a_reset(panel):
    note = child(panel, QLabel, "reset_note")
    assert not note.isVisible()
    panel.set_training_active(True)
    assert note.isVisible() and note.text() == "Changes marked * take effect after Reset."
    for field in RESET_FIELDS:
        assert panel._captions[field].text().endswith(" *"), field
    assert not panel._captions["learning_rate"].text().endswith("*")
    assert child(panel, QDoubleSpinBox, "learning_rate").isEnabled()
    panel.set_training_active(False)
    assert not note.isVisible() and panel._captions["loss"].text() == "Loss"


def test_every_control_is_named_with_a_tooltip(panel):
    expected = {
        *("preset_picker", "loss", "output", "l1", "l2", "optimizer", "learning_rate"),
        *("learning_rate_slider", "momentum", "nesterov", "beta1", "beta2", "batch_size"),
        *("sampling", "epochs_or_iterations", "length_unit", "eval_every", "init", "use_bias"),
        *("test_split", "standardize", "task", "dtype", "seed"),
    }
    controls = [
        w
        for cls in (QComboBox, QAbstractSpinBox, QCheckBox, QSlider)
        for w in panel.findChildren(cls)
    ]
    assert {w.objectName() for w in controls} == expected
    assert len(controls) == len(expected)
    for w in controls:
        assert w.accessibleName() and w.toolTip().endswith("."), w.objectName()
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                assert w.itemData(i, Qt.ToolTipRole), (w.objectName(), w.itemText(i))
