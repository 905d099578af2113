"""Health checks of a network's hidden layers, in figures and in plain sentences.

:func:`diagnose` runs a few probe rows through the network and measures, for
each hidden layer:

* **dead units** (``relu`` only): units whose output is 0 for every probe row.
  Their gradient is 0 too, so they never come back.
* **saturation** (``sigmoid`` and ``tanh``): the share of (row, unit) outputs
  on the flat ends of the curve, where the activation's slope is below a tenth
  of its peak (``SATURATION_SLOPE``). That is ``a < 0.026`` or ``a > 0.974``
  for sigmoid and ``|a| > 0.949`` for tanh: gradients through those outputs
  shrink at least tenfold.
* **update ratio**: how much the layer's incoming weights changed per step,
  relative to their size, ``||W_now - W_prev|| / ||W_prev|| / steps_between``.
  Around ``1e-3`` is healthy; steps that oscillate partly cancel, so over many
  steps this is a lower bound of the per-step ratio.
* **gradient norm** of the layer's incoming weights, as the trainer measured it.

Switched-off units (see :attr:`nnstudio.core.network.Network.masks`) are left out
of the dead and saturated shares. :func:`summarize` turns the figures into
sentences when they cross the thresholds below.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.core.activations import HIDDEN_ACTIVATIONS
from nnstudio.core.network import Network

SATURATION_SLOPE = 0.1
"""An output is saturated where the activation's slope is below this share of its peak."""

PEAK_SLOPE = {"sigmoid": 0.25, "tanh": 1.0}
"""Largest slope of each saturating activation (the ones checked for saturation)."""

DEAD_ACTIVATIONS = ("relu",)
"""Activations whose units can die (output 0 for every input)."""

DEAD_LIMIT = 0.5
"""Report a layer when more than this share of its units is dead."""

SATURATED_LIMIT = 0.5
"""Report a layer when more than this share of its outputs is saturated."""

FAST_UPDATES = 1e-1
"""Report steps as too large when weights change by more than this share per step."""

SLOW_UPDATES = 1e-6
"""Report weights as barely changing below this share per step."""


@dataclass(frozen=True)
class LayerDiagnostics:
    """Figures about one hidden layer; ``None`` where a figure does not apply.

    Attributes
    ----------
    layer : int
        1-based hidden layer (1 is the first hidden layer).
    activation : str
    dead_fraction : float or None
        Share of the layer's (switched-on) units that are dead; ``relu`` layers only.
    saturated_fraction : float or None
        Share of (probe row, unit) outputs that are saturated; ``sigmoid``/``tanh`` only.
    update_ratio : float or None
        Relative change of the incoming weights per step; None without previous weights.
    gradient_norm : float
        Norm of the incoming weights' gradient (NaN when not given).
    """

    layer: int
    activation: str
    dead_fraction: float | None
    saturated_fraction: float | None
    update_ratio: float | None
    gradient_norm: float


def diagnose(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray] | None,
    hidden_activations: Sequence[str],
    output: str,
    X_probe: np.ndarray,
    *,
    previous_weights: Sequence[np.ndarray] | None = None,
    steps_between: int = 1,
    gradient_norms: np.ndarray | None = None,
    masks: Sequence[np.ndarray | None] | None = None,
) -> list[LayerDiagnostics]:
    """Diagnose every hidden layer of the network given by its parameters.

    Parameters
    ----------
    weights : sequence of ndarray
        ``weights[i]`` has shape ``(fan_in, fan_out)``, as in a snapshot.
    biases : sequence of ndarray or None
        ``biases[i]`` has shape ``(fan_out,)``.
    hidden_activations : sequence of str
        One name per hidden layer.
    output : str
        The output activation.
    X_probe : ndarray, shape (n, d)
        Network inputs (already preprocessed) to look at the activations with, e.g. a
        few hundred training rows. With ``n == 0`` dead and saturated shares are None.
    previous_weights : sequence of ndarray, optional
        The weights ``steps_between`` steps earlier, for the update ratio.
    steps_between : int
        Training steps between ``previous_weights`` and ``weights`` (>= 1).
    gradient_norms : ndarray, shape (len(weights),), optional
        Norm of each weight layer's gradient (``Snapshot.gradient_norms``).
    masks : sequence of (ndarray or None), optional
        Hidden-unit masks, one per hidden layer (``Snapshot.masks``).

    Returns
    -------
    list of LayerDiagnostics
        One per hidden layer, in order (empty for a network without hidden layers).
    """
    if steps_between < 1:
        raise ValueError(f"steps_between must be >= 1, not {steps_between!r}")
    network = Network(
        list(weights), None if biases is None else list(biases), hidden_activations, output, masks
    )
    X_probe = np.asarray(X_probe, dtype=network.dtype)
    with np.errstate(all="ignore"):  # a diverged network gives NaNs, not warnings
        outputs = network.layer_outputs(X_probe) if X_probe.shape[0] else None
    found = []
    for i, name in enumerate(network.hidden_activations):
        dead = saturated = None
        if outputs is not None:
            mask = network.masks[i]
            on = outputs[i + 1] if mask is None else outputs[i + 1][:, mask != 0]
            dead = _dead_fraction(name, on)
            saturated = _saturated_fraction(name, on)
        ratio = None
        if previous_weights is not None:
            ratio = _update_ratio(network.weights[i], previous_weights[i], steps_between)
        gradient = math.nan if gradient_norms is None else float(gradient_norms[i])
        found.append(LayerDiagnostics(i + 1, name, dead, saturated, ratio, gradient))
    return found


def summarize(diagnostics: Sequence[LayerDiagnostics]) -> list[str]:
    """Plain sentences about the figures that cross a threshold, worst problems first.

    Returns
    -------
    list of str
        Empty when every layer looks healthy.
    """
    messages = []
    for d in diagnostics:
        where = f"Hidden layer {d.layer} ({d.activation})"
        if d.dead_fraction is not None and d.dead_fraction > DEAD_LIMIT:
            messages.append(
                f"{where}: {d.dead_fraction:.0%} of its units are dead (they output 0 for "
                "every probe row, so they no longer learn). Try a smaller learning rate, "
                "he initialization, or leaky_relu / elu."
            )
        if d.saturated_fraction is not None and d.saturated_fraction > SATURATED_LIMIT:
            messages.append(
                f"{where} is saturated: {d.saturated_fraction:.0%} of its outputs sit on the "
                "flat ends of the curve, where gradients almost vanish. Try standardized "
                "inputs, smaller initial weights (xavier), or relu."
            )
    for d in diagnostics:
        where = f"The weights into hidden layer {d.layer}"
        if d.update_ratio is None or not math.isfinite(d.update_ratio):
            continue
        if d.update_ratio > FAST_UPDATES:
            messages.append(
                f"{where} change by {d.update_ratio:.0%} of their size per step: the steps "
                "are too large. Try a smaller learning rate."
            )
        elif d.update_ratio < SLOW_UPDATES:
            messages.append(
                f"{where} are barely changing ({d.update_ratio:.1e} of their size per step). "
                "Try a larger learning rate, or fix saturated or dead units first."
            )
    return messages


# -- the figures -------------------------------------------------------------------


def _dead_fraction(activation: str, outputs: np.ndarray) -> float | None:
    """Share of the units (columns of ``outputs``, shape (n, units)) that are 0 on every row."""
    if activation not in DEAD_ACTIVATIONS or outputs.shape[1] == 0:
        return None
    return float(np.mean(np.all(outputs == 0, axis=0)))


def _saturated_fraction(activation: str, outputs: np.ndarray) -> float | None:
    """Share of the entries of ``outputs`` (shape (n, units)) where the slope is nearly flat."""
    if activation not in PEAK_SLOPE or outputs.size == 0:
        return None
    slope = HIDDEN_ACTIVATIONS[activation].derivative(outputs)
    return float(np.mean(slope < SATURATION_SLOPE * PEAK_SLOPE[activation]))


def _update_ratio(now: np.ndarray, before: np.ndarray, steps: int) -> float | None:
    """``||now - before|| / ||before|| / steps``; None when it cannot be measured."""
    if now.shape != np.shape(before):
        return None
    size = float(np.linalg.norm(before))
    if not size > 0:
        return None
    return float(np.linalg.norm(now - before)) / size / steps
