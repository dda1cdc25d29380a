"""Heart rate in motion (issue #23): what the accelerometer front end buys, measured.

Each run is the reference recipe's student (edgeppg.recipe: 3 blocks x 16 channels, stride-2 stem, the
varied generator at 96 participants x 7.5 min, augmentation, 30 epochs, tracker read-out) with one thing
changed: what it sees (`inputs`: the PPG alone, or the PPG after the device's accelerometer front end, with
or without its step stage), what it trains on (free living only, or the recipe's mix where a third of the
participants climb and run) and how it learns (from scratch, or by DKD from a teacher). Trained into
runs/motion (reused when finished with the same config). Every run is scored where it was neither trained
nor tuned:
- its test participants, all windows and still / motion apart;
- the cadence scenario's held-out participants (climbing and running, edgeppg.data.cadence), and the
  longest stretch its tracked estimate follows the step rate instead of the heart;
- the common held-out participants of benchmarks/levers.py (another generator seed);
- the real watch recording, as recorded and lag-aligned (scored only, never used to choose).
The shipped models (models/ppg/student, models/teacher, models/student) are scored the same way beside
them, with their Cortex-M4 cost. Writes benchmarks/results/motion.json.

    python benchmarks/motion.py [--only NAME ...] [--models models]
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from common import measure_runs

from edgeppg import files, recipe
from edgeppg.card.collect import watch_errors
from edgeppg.config import RunConfig
from edgeppg.data import e2e_recording
from edgeppg.data.dataset import DataConfig, load_splits, load_windows
from edgeppg.data.synthetic import CADENCE_SET, SyntheticConfig
from edgeppg.eval_sets import cadence_step_locks
from edgeppg.metrics import evaluate_set, evaluate_set_parts
from edgeppg.runs import load_model

RUNS = Path("runs/motion")
STEPS_DKD = Path("runs/reference-steps144/student-dkd")  # the DKD student the recipe made before it chose scratch
HELD_OUT = DataConfig(synthetic=SyntheticConfig(subjects=8, minutes=10.0, seed=101, variety="all"))  # as levers.py


def runs(models: Path) -> dict[str, tuple[str, RunConfig | None, Path]]:
    """name -> (what it is, run config or None for a shipped model, folder)."""
    recipe_runs = recipe.configs(models / "ppg" / recipe.TEACHER_RUN, inputs="ppg")  # each run says its own inputs
    # the first measurements: the recipe's data as it was then, 96 participants living freely (none climbing)
    free = {k: replace(c, data=replace(c.data, synthetic=replace(c.data.synthetic, subjects=96, cadence_share=0.0)))
            for k, c in recipe_runs.items()}
    acc = replace(free["scratch"].data, inputs="ppg-acc")
    acc_teacher = RUNS / "teacher-ppg-acc"
    mixed = recipe_runs["scratch"].data  # the recipe's data: a third of the participants climb and run
    steps_teacher = models / recipe.TEACHER_RUN
    return {
        "ppg-dkd (shipped)": ("models/ppg/student: PPG alone, DKD from the PPG teacher", None,
                              models / "ppg" / recipe.STUDENT_RUN),
        "ppg-scratch": ("PPG alone, from scratch", free["scratch"], RUNS / "ppg-scratch"),
        "ppg-acc-scratch": ("PPG after the accelerometer front end, from scratch",
                            replace(free["scratch"], data=acc), RUNS / "ppg-acc-scratch"),
        "ppg-acc-dkd-from-ppg": ("PPG after the front end, DKD from the shipped PPG teacher",
                                 replace(free["dkd"], data=acc), RUNS / "ppg-acc-dkd-from-ppg"),
        "teacher-ppg-acc": ("the recipe's 6-block teacher on the PPG after the front end",
                            replace(free["teacher"], data=acc), acc_teacher),
        "ppg-acc-dkd-from-acc": ("PPG after the front end, DKD from the front-end teacher",
                                 replace(free["dkd"], data=acc, distill=replace(free["dkd"].distill,
                                                                                teacher=str(acc_teacher))),
                                 RUNS / "ppg-acc-dkd-from-acc"),
        "ppg-dkd-from-acc": ("PPG alone, DKD from the front-end teacher (it sees what the student does not)",
                             replace(free["dkd"], distill=replace(free["dkd"].distill, teacher=str(acc_teacher))),
                             RUNS / "ppg-dkd-from-acc"),
        # the recipe's data (a third climbing), each input set from scratch, then the shipped pair
        "mixed-ppg-scratch": ("a third climbing: PPG alone, from scratch", replace(recipe_runs["scratch"],
                              data=replace(mixed, inputs="ppg")), RUNS / "mixed-ppg-scratch"),
        "mixed-ppg-acc-scratch": ("a third climbing: the front end without its step stage, from scratch",
                                  replace(recipe_runs["scratch"], data=replace(mixed, inputs="ppg-acc")),
                                  RUNS / "mixed-ppg-acc-scratch"),
        "teacher-steps (shipped)": ("models/teacher: the front end with its step stage, a third climbing", None,
                                    steps_teacher),
        "steps-scratch (shipped)": ("models/student: the front end with its step stage, from scratch", None,
                                    models / recipe.STUDENT_RUN),
        "steps-dkd": ("the front end with its step stage, DKD from models/teacher (trained by edgeppg reference "
                      "before the recipe chose scratch)", None, STEPS_DKD),
        "mixed-ppg-dkd-from-steps": ("a third climbing: PPG alone, DKD from models/teacher (it sees the front end)",
                                     replace(recipe_runs["dkd"], data=replace(mixed, inputs="ppg"),
                                             distill=replace(recipe_runs["dkd"].distill, teacher=str(steps_teacher))),
                                     RUNS / "mixed-ppg-dkd-from-steps"),
    }


def score(folder: Path) -> dict:
    model, cfg = load_model(folder)
    inputs = cfg.data.inputs
    test = load_splits(cfg.data).test
    m, parts = evaluate_set_parts(model, test)
    climbing = load_windows(replace(DataConfig(synthetic=CADENCE_SET), inputs=inputs))
    cadence = evaluate_set(model, climbing)
    lock = cadence_step_locks(model, climbing)["track"]
    held = load_windows(replace(HELD_OUT, inputs=inputs))
    h, hparts = evaluate_set_parts(model, held)
    w = watch_errors(model, e2e_recording.load(inputs=inputs), e2e_recording.REFERENCE_LAG_WINDOWS)
    m4 = folder / files.bench_mcu_json("mps2_an386", "native")
    cost = files.read_json(m4) if m4.is_file() else {}
    return {"inputs": inputs, "strategy": cfg.distill.strategy, "model": cfg.model.describe(),
            "cadence_share": cfg.data.synthetic.cadence_share,
            "test_track": m["mae_track"], "test_still_track": parts["still"]["mae"],
            "test_motion_track": parts["motion"]["mae"],
            "cadence_track": cadence["mae_track"], "cadence_argmax": cadence["mae_argmax"], "step_lock_s": lock,
            "held_out_track": h["mae_track"], "held_out_motion_track": hparts["motion"]["mae"],
            "watch_track": w["tracked"], "watch_track_lag": w["tracked_lag"],
            "m4_instructions": cost.get("instructions_per_inference"), "m4_flash_bytes": cost.get("flash_bytes"),
            "m4_ram_bytes": cost.get("ram_bytes")}


def main() -> None:
    measure_runs("motion", __doc__, runs, lambda folder, config, console: score(folder), runs=str(RUNS),
                 cadence_set=CADENCE_SET.to_dict(), held_out=HELD_OUT.synthetic.to_dict())


if __name__ == "__main__":
    main()
