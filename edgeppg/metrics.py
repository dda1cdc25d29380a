"""Heart rate read out from logits, and errors in BPM.

Three read-outs: `argmax` (the centre of the most likely bin), `expectation` (the softmax-weighted
mean of the bin centres) and `track` (the device's tracker, edgeppg.device.tracker: each participant's
windows in time order through a forward filter, so it needs to know which windows follow which).
`argmax` is the default: under motion the distribution is often bimodal (pulse and step cadence), and
the expectation then lands between the modes, far from both; argmax also needs no exponentials, so
the microcontroller computes it exactly from int8 logits.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from edgeppg.data.windows import HR_LOW
from edgeppg.device.spec import MOTION_G  # noqa: F401 (the motion threshold, re-exported)

READOUTS = ("argmax", "expectation", "track")
WINDOW_READOUTS = ("argmax", "expectation")  # need nothing but the window itself


def hr_from_logits(logits: Tensor, readout: str = "argmax") -> Tensor:
    if readout == "argmax":
        return logits.argmax(dim=1).to(torch.float64) + HR_LOW
    if readout == "expectation":
        bins = torch.arange(logits.shape[1], dtype=torch.float64) + HR_LOW
        return torch.softmax(logits.to(torch.float64), dim=1) @ bins
    if readout == "track":
        raise ValueError("the track read-out needs the windows' order: use track_hr")
    raise ValueError(f"unknown read-out '{readout}' (use one of {', '.join(READOUTS)})")


def track_hr(logits: Tensor | np.ndarray, subject: np.ndarray, start_s: np.ndarray,
             steps: np.ndarray | None = None) -> np.ndarray:
    """The tracked heart rate of every window (see track_windows)."""
    return track_windows(logits, subject, start_s, steps)[0]


def track_windows(logits: Tensor | np.ndarray, subject: np.ndarray, start_s: np.ndarray,
                  steps: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(tracked heart rate, the window's confidence) of every window: each participant's windows in time
    order through the device's tracker, with each one's step rate from the front end (WindowSet.steps;
    None: none); strides with no window (dropped as unusable) are skipped."""
    from edgeppg.device import tracker
    from edgeppg.device.spec import STRIDE_S

    z = logits.numpy() if isinstance(logits, Tensor) else np.asarray(logits)
    out, conf = np.zeros(len(z), np.float64), np.zeros(len(z), np.float32)
    params = tracker.TrackerParams()
    for who in np.unique(subject):
        idx = np.flatnonzero(subject == who)
        idx = idx[np.argsort(start_s[idx], kind="stable")]
        step = np.rint((start_s[idx] - start_s[idx][0]) / STRIDE_S).astype(np.int64)
        lik = np.zeros((step[-1] + 1, z.shape[1]), np.float32)
        usable = np.zeros(step[-1] + 1, bool)
        rates = np.full(step[-1] + 1, np.nan)
        lik[step], usable[step] = tracker.likelihood(z[idx], params.temperature), True
        if steps is not None:
            rates[step] = steps[idx]
        t = tracker.track(params, likelihood=lik, usable=usable, steps=rates)
        out[idx], conf[idx] = t.tracked_bpm[step], t.confidence[step]
    return out, conf


def step_lock_s(estimate: np.ndarray, hr: np.ndarray, step_bpm: np.ndarray, subject: np.ndarray,
                start_s: np.ndarray, near: float = 5.0) -> float:
    """The longest stretch, in seconds, that the estimate follows the step rate instead of the heart: each
    window within `near` BPM of the accelerometer's dominant rate (or half or twice it: the bands a model
    mistakes for the pulse) and more than `near` from the reference; NaN step rates (still windows) break a
    stretch. Each window stands for one stride of output; consecutive windows of a participant are one
    stride apart."""
    from edgeppg.device.spec import STRIDE_S

    est, hr, steps = (np.asarray(a, np.float64) for a in (estimate, hr, step_bpm))
    with np.errstate(invalid="ignore"):
        on_steps = np.zeros(len(est), bool)
        for k in (0.5, 1.0, 2.0):
            on_steps |= np.abs(est - k * steps) <= near
        locked = on_steps & (np.abs(est - hr) > near)
    longest = 0.0
    for who in np.unique(subject):
        idx = np.flatnonzero(subject == who)
        idx = idx[np.argsort(start_s[idx], kind="stable")]
        run, last = 0, None
        for i in idx:
            follows = last is not None and abs(start_s[i] - start_s[last] - STRIDE_S) < 1e-3
            run = (run + 1 if follows else 1) if locked[i] else 0
            last = i
            longest = max(longest, run * STRIDE_S)
    return longest


def errors(hr_pred: np.ndarray, hr_true: np.ndarray) -> dict[str, float]:
    err = np.asarray(hr_pred, dtype=np.float64) - np.asarray(hr_true, dtype=np.float64)
    return {"mae": float(np.abs(err).mean()), "rmse": float(np.sqrt((err**2).mean()))}


@torch.no_grad()
def predict_logits(model: nn.Module, x: np.ndarray, batch_size: int = 1024) -> Tensor:
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    try:
        return torch.cat([model(torch.from_numpy(x[i : i + batch_size]).to(device)).float().cpu()
                          for i in range(0, len(x), batch_size)])
    finally:
        model.train(was_training)


def readouts(logits: Tensor, order: tuple[np.ndarray, ...] | None = None) -> dict[str, np.ndarray]:
    """Each read-out's heart rates: the window read-outs, and the track when `order` = (participant, start
    time of each window[, step rate]) says which windows follow which (and where the accelerometer showed
    steps)."""
    preds = {r: hr_from_logits(logits, r).numpy() for r in WINDOW_READOUTS}
    if order is not None and len(logits):
        preds["track"] = track_hr(logits, *order)
    return preds


def _scores(preds: dict[str, np.ndarray], hr_true: np.ndarray, readout: str) -> dict[str, float]:
    out: dict[str, float] = {"windows": int(len(hr_true))}
    for r, pred in preds.items():
        for k, v in errors(pred, hr_true).items():
            out[f"{k}_{r}"] = v
    out["mae"], out["rmse"] = out[f"mae_{readout}"], out[f"rmse_{readout}"]
    return out


def evaluate_logits(logits: Tensor, hr_true: np.ndarray, readout: str = "argmax",
                    order: tuple[np.ndarray, ...] | None = None) -> dict[str, float]:
    """MAE/RMSE for every read-out (readouts); `mae` and `rmse` are those of the chosen one."""
    preds = readouts(logits, order)
    if readout == "track" and "track" not in preds:
        raise ValueError("the track read-out needs the windows' order (participant and start time)")
    return _scores(preds, hr_true, readout)


def evaluate(model: nn.Module, x: np.ndarray, hr_true: np.ndarray, readout: str = "argmax",
             order: tuple[np.ndarray, ...] | None = None) -> dict[str, float]:
    return evaluate_logits(predict_logits(model, x), hr_true, readout, order)


def evaluate_set(model: nn.Module, ws, readout: str = "argmax", track: bool = True) -> dict[str, float]:
    """Every read-out on a WindowSet (the track read-out in each participant's time order; track=False
    leaves it out unless it is `readout`, as training's per-epoch validation does)."""
    order = (ws.subject, ws.start_s, ws.steps) if track or readout == "track" else None
    return evaluate(model, ws.x, ws.hr, readout, order)


def mae_by_subject(model: nn.Module, ws, readout: str = "argmax") -> dict[str, float]:
    """The read-out's MAE of each participant of a WindowSet: what paired comparisons resample."""
    return {who: evaluate_set(model, ws.select(ws.subject == who), readout)["mae"] for who in ws.subjects()}


def still_motion(model: nn.Module, ws, readout: str = "argmax") -> dict[str, dict[str, float]]:
    """The read-out's errors over the still and the motion windows (MOTION_G) of a WindowSet, each in its
    participants' time order (so the track read-out follows them through both)."""
    logits = predict_logits(model, ws.x)
    pred = (track_hr(logits, ws.subject, ws.start_s, ws.steps) if readout == "track"
            else hr_from_logits(logits, readout).numpy())
    return split_still_motion(pred, ws)


def evaluate_logits_parts(logits: Tensor, ws, readout: str = "track"
                          ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """evaluate_set's scores (every read-out) and still_motion's split (of `readout`) from a WindowSet's
    logits, each read-out computed once: what a benchmark row reports."""
    preds = readouts(logits, (ws.subject, ws.start_s, ws.steps))
    return _scores(preds, ws.hr, "argmax"), split_still_motion(preds[readout], ws)


def evaluate_set_parts(model: nn.Module, ws, readout: str = "track"
                       ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """evaluate_logits_parts from one pass of the model over the windows."""
    return evaluate_logits_parts(predict_logits(model, ws.x), ws, readout)


def split_still_motion(pred: np.ndarray, ws) -> dict[str, dict[str, float]]:
    """Errors of the heart rates `pred` (one per window of WindowSet `ws`) over its still and its motion
    windows: for a caller that already has the read-out."""
    moving = np.nan_to_num(ws.motion, nan=0.0) > MOTION_G
    return {name: {"windows": int(sel.sum()), **errors(pred[sel], ws.hr[sel])}
            for name, sel in (("still", ~moving), ("motion", moving)) if sel.any()}
