"""Compute each sample once (issue #27): the streaming family beside window models of the same size.

Four runs of the reference recipe (edgeppg.recipe: 144 participants x 7.5 min, a third climbing, the
accelerometer front end with its step stage, augmentation, 30 epochs, tracker read-out), each from the
labels, trained into runs/streaming and reused when finished with the same config:
- the student's size (3 blocks x 16, stride-2 stem) and a 6-block model of the teacher's widths (32-64,
  kernel 5: kernel 9 would look back 34 s), both with block strides 1,5,... (they must divide the 2 s hop);
- each as a window model (per-window normalisation, 'same' padding) and as a streaming model
  (edgeppg.models.stream: `--stream`).
Each is scored on its test participants (all, still, motion), the cadence scenario and the real watch
recording (as recorded and lag-aligned; scored only). The cost is counted from the model: multiply-
accumulates per window, and per 2 s update for the streaming form (only its newest frames). The shipped
pair is scored beside them. Writes benchmarks/results/streaming.json.

    python benchmarks/streaming.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from common import RESULTS, write_results
from rich.console import Console

from edgeppg import recipe
from edgeppg.card.collect import watch_errors
from edgeppg.config import RunConfig
from edgeppg.data import e2e_recording
from edgeppg.data.dataset import DataConfig, load_splits, load_windows
from edgeppg.data.synthetic import CADENCE_SET
from edgeppg.eval_sets import cadence_step_locks
from edgeppg.metrics import evaluate_set, still_motion
from edgeppg.models import ModelSpec
from edgeppg.models.complexity import count_macs
from edgeppg.runs import load_model
from edgeppg.train import ensure_run

RUNS = Path("runs/streaming")
SIZES = {"student": ModelSpec(blocks=3, width=16, stem_stride=2, block_strides="1,5,1"),
         "6-block": ModelSpec(blocks=6, width=32, kernel=5, stem_stride=2, block_strides="1,5,1,1,1,1")}


def runs(models: Path) -> dict[str, tuple[str, RunConfig | None, Path]]:
    """name -> (what it is, run config or None for a shipped model, folder)."""
    base = recipe.configs(models / recipe.TEACHER_RUN)["scratch"]
    out: dict[str, tuple[str, RunConfig | None, Path]] = {}
    for size, spec in SIZES.items():
        for mode in ("window", "stream"):
            config = replace(base, model=spec, data=replace(base.data, stream=mode == "stream"))
            out[f"{size}-{mode}"] = (f"{spec.describe()}, {mode}", config, RUNS / f"{size}-{mode}")
    out["student (shipped)"] = ("models/student", None, models / recipe.STUDENT_RUN)
    out["teacher (shipped)"] = ("models/teacher", None, models / recipe.TEACHER_RUN)
    return out


def score(folder: Path) -> dict:
    model, cfg = load_model(folder)
    test = load_splits(cfg.data).test
    m, parts = evaluate_set(model, test), still_motion(model, test, "track")
    climbing = load_windows(replace(DataConfig(synthetic=CADENCE_SET), inputs=cfg.data.inputs, stream=cfg.data.stream))
    cadence = evaluate_set(model, climbing)
    w = watch_errors(model, e2e_recording.load(inputs=cfg.data.inputs, streaming=cfg.data.stream),
                     e2e_recording.REFERENCE_LAG_WINDOWS)
    window_macs = count_macs(model)
    return {"model": cfg.model.describe(), "blocks": cfg.model.blocks, "mode": "streaming" if cfg.data.stream else "window",
            "params": sum(p.numel() for p in model.parameters()),
            "macs_per_window": window_macs,
            "macs_per_update": model.update_macs() if cfg.data.stream else window_macs,
            "test_track": m["mae_track"], "test_argmax": m["mae_argmax"],
            "test_still_track": parts["still"]["mae"], "test_motion_track": parts["motion"]["mae"],
            "cadence_track": cadence["mae_track"], "step_lock_s": cadence_step_locks(model, climbing)["track"],
            "watch_track": w["tracked"], "watch_track_lag": w["tracked_lag"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="run names (default: all)")
    ap.add_argument("--models", type=Path, default=Path("models"))
    args = ap.parse_args()
    console = Console(stderr=True)
    kept = RESULTS / "streaming.json"  # --only remeasures some rows and keeps the others
    rows = json.loads(kept.read_text())["rows"] if kept.is_file() and args.only else []
    for name, (what, config, folder) in runs(args.models).items():
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        if config is not None:
            ensure_run(config, folder, console)
        row = {"run": name, "what": what, **score(folder), "seconds": round(time.perf_counter() - t0, 1)}
        console.print(row)
        rows = [r for r in rows if r["run"] != name] + [row]
    order = list(runs(args.models))
    rows.sort(key=lambda r: order.index(r["run"]) if r["run"] in order else len(order))
    write_results("streaming", rows, runs=str(RUNS))


if __name__ == "__main__":
    main()
