"""Heart rate in motion (issue #23): what the accelerometer front end buys, measured.

Each run is the reference recipe's student (edgeppg.recipe: 3 blocks x 16 channels, stride-2 stem, the
varied generator at 96 participants x 7.5 min, augmentation, 30 epochs, tracker read-out) with one thing
changed: what it sees (`inputs`: the PPG alone, or the PPG after the device's accelerometer front end) and
how it learns (from scratch, or by DKD from the shipped PPG teacher in models/). Trained into runs/motion
(reused when finished with the same config). Every run is scored where it was neither trained nor tuned:
- its test participants, all windows and still / motion apart;
- the cadence scenario's held-out participants (climbing and running, edgeppg.data.cadence);
- the common held-out participants of benchmarks/levers.py (another generator seed);
- the real watch recording, as recorded and lag-aligned (scored only, never used to choose).
The shipped models/student (PPG, DKD) is scored the same way beside them. Writes
benchmarks/results/motion.json.

    python benchmarks/motion.py [--only NAME ...] [--models models]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from common import write_results
from rich.console import Console

from edgeppg import recipe
from edgeppg.card.collect import watch_errors
from edgeppg.config import RunConfig
from edgeppg.data import e2e_recording
from edgeppg.data.dataset import DataConfig, load_splits, load_windows
from edgeppg.data.synthetic import CADENCE_SET, SyntheticConfig
from edgeppg.metrics import evaluate_set, still_motion
from edgeppg.runs import load_model
from edgeppg.train import ensure_run

RUNS = Path("runs/motion")
HELD_OUT = DataConfig(synthetic=SyntheticConfig(subjects=8, minutes=10.0, seed=101, variety="all"))  # as levers.py


def runs(models: Path) -> dict[str, tuple[str, RunConfig | None, Path]]:
    """name -> (what it is, run config or None for a shipped model, folder)."""
    base = recipe.configs(models / "ppg" / recipe.TEACHER_RUN, inputs="ppg")  # the paper's inputs; each run says its own
    acc = replace(base["scratch"].data, inputs="ppg-acc")
    acc_teacher = RUNS / "teacher-ppg-acc"
    return {
        "ppg-dkd (shipped)": ("models/ppg/student: PPG alone, DKD from the PPG teacher", None,
                              models / "ppg" / recipe.STUDENT_RUN),
        "ppg-scratch": ("PPG alone, from scratch", base["scratch"], RUNS / "ppg-scratch"),
        "ppg-acc-scratch": ("PPG after the accelerometer front end, from scratch",
                            replace(base["scratch"], data=acc), RUNS / "ppg-acc-scratch"),
        "ppg-acc-dkd-from-ppg": ("PPG after the front end, DKD from the shipped PPG teacher",
                                 replace(base["dkd"], data=acc), RUNS / "ppg-acc-dkd-from-ppg"),
        "teacher-ppg-acc": ("the recipe's 6-block teacher on the PPG after the front end",
                            replace(base["teacher"], data=acc), acc_teacher),
        "ppg-acc-dkd-from-acc": ("PPG after the front end, DKD from the front-end teacher",
                                 replace(base["dkd"], data=acc, distill=replace(base["dkd"].distill,
                                                                                teacher=str(acc_teacher))),
                                 RUNS / "ppg-acc-dkd-from-acc"),
        "ppg-dkd-from-acc": ("PPG alone, DKD from the front-end teacher (it sees what the student does not)",
                             replace(base["dkd"], distill=replace(base["dkd"].distill, teacher=str(acc_teacher))),
                             RUNS / "ppg-dkd-from-acc"),
    }


def score(folder: Path) -> dict:
    model, cfg = load_model(folder)
    inputs = cfg.data.inputs
    test = load_splits(cfg.data).test
    m, parts = evaluate_set(model, test), still_motion(model, test, "track")
    cadence = evaluate_set(model, load_windows(replace(DataConfig(synthetic=CADENCE_SET), inputs=inputs)))
    held = load_windows(replace(HELD_OUT, inputs=inputs))
    h, hparts = evaluate_set(model, held), still_motion(model, held, "track")
    w = watch_errors(model, e2e_recording.load(inputs=inputs), e2e_recording.REFERENCE_LAG_WINDOWS)
    return {"inputs": inputs, "strategy": cfg.distill.strategy, "model": cfg.model.describe(),
            "test_track": m["mae_track"], "test_still_track": parts["still"]["mae"],
            "test_motion_track": parts["motion"]["mae"],
            "cadence_track": cadence["mae_track"], "cadence_argmax": cadence["mae_argmax"],
            "held_out_track": h["mae_track"], "held_out_motion_track": hparts["motion"]["mae"],
            "watch_track": w["tracked"], "watch_track_lag": w["tracked_lag"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="run names (default: all)")
    ap.add_argument("--models", type=Path, default=Path("models"))
    args = ap.parse_args()
    console = Console(stderr=True)
    rows = []
    for name, (what, config, folder) in runs(args.models).items():
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        if config is not None:
            ensure_run(config, folder, console)
        row = {"run": name, "what": what, **score(folder), "seconds": round(time.perf_counter() - t0, 1)}
        console.print(row)
        rows.append(row)
    write_results("motion", rows, runs=str(RUNS), cadence_set=CADENCE_SET.to_dict(),
                  held_out=HELD_OUT.synthetic.to_dict())


if __name__ == "__main__":
    main()
