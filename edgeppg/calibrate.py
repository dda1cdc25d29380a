"""The tracker's temperature, fitted on the validation participants and folded into the model's head.

The tracker (edgeppg.device.tracker) multiplies each window's softmax into its belief. Training leaves the
logits' scale wherever the loss put it: an overconfident softmax lets a run of wrong windows outvote the
track, an underconfident one lets it drift. With `--calibrate` (TrainConfig.calibrate) training ends by
choosing, from TEMPERATURES, the temperature T whose tracked MAE on the validation participants is lowest
(with the track read-out each epoch is scored so too: the epoch kept is the best as it will be read), and
dividing the head's weights and bias by it (temperature scaling: Guo et al., "On Calibration of Modern
Neural Networks", ICML 2017, here chosen for the tracker's error rather than the likelihood). The model's
own logits are then the tracker's evidence at the contract's temperature 1: the host's tracker, the
exported ONNX and int8 models and the device all see the same, and nothing beside the weights carries it.
Each window's argmax is unchanged. Off by default: the reference models were made without it.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from edgeppg.metrics import errors, predict_logits, track_hr

TEMPERATURES = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


def fit_temperature(logits: np.ndarray, ws, temperatures: tuple[float, ...] = TEMPERATURES
                    ) -> tuple[float, dict[str, float]]:
    """(the temperature whose tracked MAE on WindowSet `ws` is lowest, each one's MAE); ties go to the one
    nearest 1, so a model the tracker already suits is left as it is."""
    z = np.asarray(logits, np.float64)
    mae = {t: errors(track_hr(z / t, ws.subject, ws.start_s, ws.steps), ws.hr)["mae"] for t in temperatures}
    best = min(temperatures, key=lambda t: (round(mae[t], 9), abs(math.log(t))))
    return best, {f"{t:g}": round(m, 4) for t, m in mae.items()}


@torch.no_grad()
def fold(model: nn.Module, temperature: float) -> None:
    """Divide the model's logits by `temperature`, in its head's weights and bias (every edgeppg model ends
    in a linear `head`)."""
    model.head.weight.div_(temperature)
    if model.head.bias is not None:
        model.head.bias.div_(temperature)


def validation_score(model: nn.Module, val) -> dict[str, float]:
    """Tracked MAE and RMSE on the validation WindowSet `val` at the temperature that suits the model best:
    what a calibrated run keeps its best epoch by, since that is how it will be read."""
    z = predict_logits(model, val.x).numpy().astype(np.float64)
    t, _ = fit_temperature(z, val)
    return {"temperature": t, **errors(track_hr(z / t, val.subject, val.start_s, val.steps), val.hr)}


def calibrate(model: nn.Module, val) -> dict:
    """Fit the temperature on the validation WindowSet `val`, fold it into `model`, and say what was done."""
    temperature, mae = fit_temperature(predict_logits(model, val.x).numpy(), val)
    fold(model, temperature)
    return {"temperature": temperature, "val_mae_track": mae}
