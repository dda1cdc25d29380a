"""What the tracking read-out buys: MAE per read-out on a run's unseen test participants (all, still and
motion windows) and on the real watch recording (against its reference as recorded and shifted by the
watch's lag), and MAE against coverage when low-confidence windows are flagged "HR unavailable".

    python benchmarks/tracker.py RUN [RUN ...]     -> benchmarks/results/tracker.json and .csv

Nothing is tuned here: the tracker's parameters are the device contract's defaults.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import write_results  # noqa: E402

from edgeppg.data import e2e_recording  # noqa: E402
from edgeppg.data.dataset import load_splits  # noqa: E402
from edgeppg.device.tracker import TrackerParams  # noqa: E402
from edgeppg.metrics import hr_from_logits, predict_logits, track_windows  # noqa: E402
from edgeppg.runs import load_model  # noqa: E402

MOTION_G = 0.1  # a window whose |acc| varies more than this (std, g) counts as motion
WATCH_LAG_WINDOWS = 3  # the watch's own HR trails its PPG by about 6 s
THRESHOLDS = (0.0, 0.02, 0.05, 0.1, 0.2)


def _readouts(model, ws) -> tuple[dict[str, np.ndarray], np.ndarray]:
    logits = predict_logits(model, ws.x)
    tracked, conf = track_windows(logits, ws.subject, ws.start_s, ws.steps)
    return {"argmax": hr_from_logits(logits, "argmax").numpy(), "expectation": hr_from_logits(logits, "expectation").numpy(),
            "track": tracked}, conf


def _mae(pred: np.ndarray, ref: np.ndarray, mask: np.ndarray | None = None) -> float | None:
    mask = np.ones(len(ref), bool) if mask is None else mask
    return round(float(np.abs(pred[mask] - ref[mask]).mean()), 4) if mask.any() else None


def measure(run: Path) -> list[dict]:
    model, cfg = load_model(run)
    rows = []
    test = load_splits(cfg.data).test
    preds, conf = _readouts(model, test)
    moving = test.motion > MOTION_G
    for r, pred in preds.items():
        rows.append({"run": run.name, "model": cfg.model.describe(), "set": "test participants", "readout": r,
                     "windows": len(test), "mae_all": _mae(pred, test.hr), "mae_still": _mae(pred, test.hr, ~moving),
                     "mae_motion": _mae(pred, test.hr, moving), "motion_share": round(float(moving.mean()), 3)})
    for thr in THRESHOLDS[1:]:
        keep = conf >= thr
        rows.append({"run": run.name, "model": cfg.model.describe(), "set": "test participants",
                     "readout": f"track, confidence >= {thr}", "windows": int(keep.sum()),
                     "coverage": round(float(keep.mean()), 3), "mae_all": _mae(preds["track"], test.hr, keep)})
    watch = e2e_recording.load(inputs=cfg.data.inputs)
    wpreds, _ = _readouts(model, watch)
    order = np.argsort(watch.start_s)
    for r, pred in wpreds.items():
        p, ref = pred[order], watch.hr[order]
        lag = WATCH_LAG_WINDOWS
        rows.append({"run": run.name, "model": cfg.model.describe(), "set": "watch recording", "readout": r,
                     "windows": len(watch), "mae_all": _mae(p, ref),
                     "mae_lag_aligned": _mae(p[:-lag], ref[lag:])})
    return rows


def main(runs: list[str]) -> None:
    rows = [row for run in runs for row in measure(Path(run))]
    for row in rows:
        print(row)
    write_results("tracker", rows, tracker=TrackerParams().to_dict(), motion_threshold_g=MOTION_G,
                  watch_lag_windows=WATCH_LAG_WINDOWS)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python benchmarks/tracker.py RUN [RUN ...]")
    main(sys.argv[1:])
