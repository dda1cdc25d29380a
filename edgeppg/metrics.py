"""Heart rate read out from logits, and errors in BPM.

Two read-outs: `argmax` (the centre of the most likely bin) and `expectation` (the softmax-weighted
mean of the bin centres). `argmax` is the default: under motion the distribution is often bimodal
(pulse and step cadence), and the expectation then lands between the modes, far from both; argmax
also needs no exponentials, so the microcontroller computes it exactly from int8 logits.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from edgeppg.data.windows import HR_LOW

READOUTS = ("argmax", "expectation")


def hr_from_logits(logits: Tensor, readout: str = "argmax") -> Tensor:
    if readout == "argmax":
        return logits.argmax(dim=1).to(torch.float64) + HR_LOW
    if readout == "expectation":
        bins = torch.arange(logits.shape[1], dtype=torch.float64) + HR_LOW
        return torch.softmax(logits.to(torch.float64), dim=1) @ bins
    raise ValueError(f"unknown read-out '{readout}' (use one of {', '.join(READOUTS)})")


def errors(hr_pred: np.ndarray, hr_true: np.ndarray) -> dict[str, float]:
    err = np.asarray(hr_pred, dtype=np.float64) - np.asarray(hr_true, dtype=np.float64)
    return {"mae": float(np.abs(err).mean()), "rmse": float(np.sqrt((err**2).mean()))}


@torch.no_grad()
def predict_logits(model: nn.Module, x: np.ndarray, batch_size: int = 1024) -> Tensor:
    was_training = model.training
    model.eval()
    try:
        return torch.cat([model(torch.from_numpy(x[i : i + batch_size])) for i in range(0, len(x), batch_size)])
    finally:
        model.train(was_training)


def evaluate_logits(logits: Tensor, hr_true: np.ndarray, readout: str = "argmax") -> dict[str, float]:
    """MAE/RMSE for both read-outs; `mae` and `rmse` are those of the chosen one."""
    out: dict[str, float] = {"windows": int(len(hr_true))}
    for r in READOUTS:
        for k, v in errors(hr_from_logits(logits, r).numpy(), hr_true).items():
            out[f"{k}_{r}"] = v
    out["mae"], out["rmse"] = out[f"mae_{readout}"], out[f"rmse_{readout}"]
    return out


def evaluate(model: nn.Module, x: np.ndarray, hr_true: np.ndarray, readout: str = "argmax") -> dict[str, float]:
    return evaluate_logits(predict_logits(model, x), hr_true, readout)
