"""The shipped reference models against issues #14's and #23's targets, from `models/` alone.

For the student and the teacher in `models/` (the accelerometer front-end pair) and in `models/ppg/` (the
PPG-only pair):
- the test participants' MAE (track read-out), all, still and motion windows;
- the real watch recording, float, as recorded and lag-aligned;
- the built-in cadence scenario's held-out participants (climbing and running, edgeppg.data.cadence): MAE,
  and the longest stretch the estimate follows the step rate instead of the heart (metrics.step_lock_s);
- the int8 model on the device: the firmware's own tracked MAE on the watch recording
  (stream_e2epyppg.json, from QEMU);
- what int8 costs against float, on the test sample export scored and on the watch;
- the Cortex-M4 cost beside the 1-block student's (benchmarks/results/mcu.json, fresh 1-block, native -O2).

Writes benchmarks/results/reference.json; `python benchmarks/docs.py` puts the table in docs/results.md.

    python benchmarks/reference.py [--models models]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import RESULTS, write_results

from edgeppg import files
from edgeppg.card.collect import watch_errors
from edgeppg.data import e2e_recording
from edgeppg.data.dataset import data_config, load_splits, load_windows
from edgeppg.data.synthetic import CADENCE_SET
from edgeppg.eval_sets import cadence_step_locks
from edgeppg.metrics import evaluate_set, evaluate_set_parts
from edgeppg.runs import load_model


def one_block_cost() -> dict:
    rows = json.loads((RESULTS / "mcu.json").read_text())["rows"]
    r = next(r for r in rows if r["model"] == "fresh 1b" and r["backend"] == "native" and r["opt"] == "-O2"
             and r["kernels"] != "plain C")
    return {"instructions": r["instructions"], "flash_bytes": r["flash_bytes"], "ram_bytes": r["ram_bytes"]}


def measure(folder: Path) -> dict:
    model, cfg = load_model(folder)
    test = load_splits(cfg.data).test
    m, parts = evaluate_set_parts(model, test)
    climbing = load_windows(data_config(synthetic_config=CADENCE_SET, inputs=cfg.data.inputs))
    cadence = evaluate_set(model, climbing)
    lock = cadence_step_locks(model, climbing)
    ws = e2e_recording.load(inputs=cfg.data.inputs)
    w = watch_errors(model, ws, e2e_recording.REFERENCE_LAG_WINDOWS)
    export = files.read_json(folder / files.EXPORT_JSON)
    stream = files.read_json(folder / files.stream_json("e2epyppg"))
    m4 = files.read_json(folder / files.bench_mcu_json("mps2_an386", "native"))
    return {
        "model": cfg.model.describe(), "strategy": cfg.distill.strategy, "params": int(sum(
            p.numel() for p in model.parameters())),
        "test_windows": m["windows"], "test_track": m["mae_track"], "test_argmax": m["mae_argmax"],
        "test_still_track": parts["still"]["mae"], "test_motion_track": parts["motion"]["mae"],
        "cadence_track": cadence["mae_track"], "cadence_argmax": cadence["mae_argmax"],
        "scenario_windows": cadence["windows"], "scenario_step_lock_s": lock["track"],
        "scenario_step_lock_argmax_s": lock["argmax"],
        "watch_track": w["tracked"], "watch_argmax": w["window"],
        "watch_track_lag": w["tracked_lag"], "watch_argmax_lag": w["window_lag"],
        "watch_device_int8_track": stream["mae_bpm"], "watch_device_int8_argmax": stream["mae_bpm_argmax"],
        "watch_device_equals_host": stream["agree_tracked"] == 1.0 and stream["agree"] == 1.0,
        "int8_cost_test": export["int8_mae_loss_bpm"], "int8_cost_watch": stream["mae_bpm"] - w["tracked"],
        "instructions": m4["instructions_per_inference"], "flash_bytes": m4["flash_bytes"],
        "ram_bytes": m4["ram_bytes"], "bit_exact": m4["bit_exact"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=Path("models"))
    args = ap.parse_args()
    # the front-end pair (models/), then the PPG-only pair (models/ppg/) where it is
    folders = {"teacher": args.models / "teacher", "student": args.models / "student",
               "ppg-teacher": args.models / "ppg" / "teacher", "ppg-student": args.models / "ppg" / "student"}
    rows = [{"role": role, **measure(folder)} for role, folder in folders.items() if folder.is_dir()]
    for r in rows:
        print(r)
    write_results("reference", rows, one_block_student=one_block_cost(),
                  lag_windows=e2e_recording.REFERENCE_LAG_WINDOWS)


if __name__ == "__main__":
    main()
