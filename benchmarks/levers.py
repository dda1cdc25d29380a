"""What makes a small model work on unseen people and a real sensor: each lever of issue #14 measured.

Every lever is a run (trained into runs/levers/NAME, reused when finished) scored three ways, none of
which it was trained or tuned on:
- its own data set's test participants;
- a common held-out set of built-in participants (the varied generator at another seed, so people no
  model has seen; still and motion windows apart);
- the real watch recording (e2epyppg), as recorded and with the watch's 3-window lag taken out.
Models are chosen on their validation participants only; the watch is never used to choose.
Each distinct architecture is also exported to int8 and run on the emulated Cortex-M4 (native backend,
-O2) for its instructions, flash and RAM. Prints a table and writes benchmarks/results/levers.json/.csv.

    python benchmarks/levers.py [--only NAME ...]     (from the repository root)
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from common import write_results
from rich.console import Console

from edgeppg import recipe
from edgeppg.bench.cortex_m4 import bench_cortex_m4
from edgeppg.card.collect import watch_errors
from edgeppg.config import RunConfig, TrainConfig
from edgeppg.data import e2e_recording
from edgeppg.data.dataset import DataConfig, load_splits, load_windows
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.export.pipeline import ensure_export
from edgeppg.metrics import evaluate_set, evaluate_set_parts
from edgeppg.models.spec import ModelSpec
from edgeppg import files
from edgeppg.runs import METRICS, load_model, read_json
from edgeppg.train import ensure_run

LAG = e2e_recording.REFERENCE_LAG_WINDOWS
LEVERS, REFERENCE = Path("runs/levers"), Path("runs/reference")  # from the repository root
HELD_OUT = DataConfig(synthetic=SyntheticConfig(subjects=8, minutes=10.0, seed=101, variety="all"))
BASIC = DataConfig()  # the original generator: 24 participants x 30 min
VARIED = DataConfig(synthetic=SyntheticConfig(subjects=24, minutes=30.0, variety="all"))
MANY = replace(recipe.DATA, inputs="ppg")  # 96 x 7.5 min: the same hours, four times the people (the PPG alone)
# Every lever selects its epoch by the tracked validation MAE. The lever runs stop after 8 epochs without a
# better one (the default); the recipe's runs, and the "full-schedule" lever, train all 30.
AUG = replace(recipe.TRAIN, patience=TrainConfig().patience)
PLAIN = replace(AUG, augment=0.0)
ONE = ModelSpec(blocks=1)
STRIDED = replace(ONE, stem_stride=2)
THREE_NARROW = ModelSpec(blocks=3, width=20, stem_stride=2)  # about the 1-block student's parameters
THREE_16 = recipe.STUDENT  # 3 blocks of 16: within the 1-block student's flash
FOUR_NARROW = ModelSpec(blocks=4, width=16, stem_stride=2)


def levers() -> dict[str, tuple[str, RunConfig, Path]]:
    """name -> (what it changes, run config, run folder); in the order they build on each other. The
    reference teacher and student are the runs `edgeppg reference` ships (same configs, same folders)."""
    reference = recipe.configs(REFERENCE / recipe.TEACHER_RUN, inputs="ppg")  # the levers were all PPG-only
    dkd = reference["dkd"].distill
    table = {
        "basic": ("original generator, 1-block student, no augmentation", RunConfig(BASIC, ONE, PLAIN)),
        **{f"only-{a}": (f"generator: {a} only", RunConfig(replace(BASIC, synthetic=replace(
            BASIC.synthetic, variety=a)), ONE, PLAIN))
           for a in ("perfusion", "sensor", "noise", "morphology", "motion")},
        "varied": ("generator: every variety aspect", RunConfig(VARIED, ONE, PLAIN)),
        "varied+aug": ("+ label-keeping augmentation (p 0.5)", RunConfig(VARIED, ONE, AUG)),
        "strided-stem": ("+ stride-2 stem (1 block)", RunConfig(VARIED, STRIDED, AUG)),
        "more-people": ("+ 96 participants x 7.5 min instead of 24 x 30 (same hours)",
                        RunConfig(MANY, STRIDED, AUG)),
        "three-narrow": ("+ 3 blocks of 20 channels, stride-2 stem", RunConfig(VARIED, THREE_NARROW, AUG)),
        "three-16": ("+ 3 blocks of 16 channels, stride-2 stem", RunConfig(VARIED, THREE_16, AUG)),
        "four-narrow": ("+ 4 blocks of 16 channels, stride-2 stem", RunConfig(VARIED, FOUR_NARROW, AUG)),
        "teacher-basic": ("teacher: 6 blocks, original generator", RunConfig(BASIC, ModelSpec(blocks=6), PLAIN)),
        "teacher-24x30": ("teacher: 6 blocks, varied 24 x 30 min, augmentation, all 30 epochs",
                          RunConfig(VARIED, recipe.TEACHER, recipe.TRAIN)),
        "dkd-tau4": ("DKD with tau 4", replace(reference["dkd"], distill=replace(dkd, tau=4.0))),
        "soft": ("soft KD (tau 4) from the reference teacher",
                 replace(reference["dkd"], distill=replace(dkd, strategy="soft"))),
    }
    out = {name: (change, cfg, LEVERS / name) for name, (change, cfg) in table.items()}
    out["teacher-24x30"] = (*out["teacher-24x30"][:2], Path("runs/reference-24x30") / recipe.TEACHER_RUN)
    out["teacher"] = ("teacher: 6 blocks, varied + augmentation (the reference teacher)", reference["teacher"],
                      REFERENCE / recipe.TEACHER_RUN)
    out["scratch"] = ("the reference student's architecture and training, from scratch", reference["scratch"],
                      LEVERS / "scratch")
    out["dkd"] = ("DKD (beta 8, tau 2) from it, 3 x 16 student (the reference student)", reference["dkd"],
                  REFERENCE / recipe.STUDENT_RUN)
    order = [*list(table)[:-2], "teacher", "scratch", "dkd", *list(table)[-2:]]
    return {name: out[name] for name in order}


def score(run: Path, held_out, watch) -> dict:
    model, cfg = load_model(run)
    own = evaluate_set(model, load_splits(cfg.data).test)
    held, parts = evaluate_set_parts(model, held_out)
    w = watch_errors(model, watch, LAG)
    return {"own_test_mae": own["mae"], "own_test_track": own["mae_track"],
            "held_mae": held["mae"], "held_track": held["mae_track"],
            "held_still_track": parts["still"]["mae"], "held_motion_track": parts["motion"]["mae"],
            "watch_mae": w["window"], "watch_track": w["tracked"], "watch_lag3": w["window_lag"],
            "watch_track_lag3": w["tracked_lag"], "watch_pred_std": w["window_std"]}


def mcu_cost(run: Path, console: Console) -> dict:
    """Instructions, flash and RAM of the run's int8 model on the emulated M4 (measured once per run)."""
    ensure_export(run, console)
    done = run / files.bench_mcu_json("mps2_an386", "native")
    r = read_json(done) if done.is_file() else bench_cortex_m4(run, "-O2", 4, console=console)
    return {"instructions": r["instructions_per_inference"], "flash_bytes": r["flash_bytes"],
            "ram_bytes": r["ram_bytes"], "bit_exact": r["bit_exact"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=None,
                    help="levers to train (default: all); finished ones are scored in any case")
    args = ap.parse_args()
    console = Console(stderr=True)
    held_out, watch = load_windows(HELD_OUT), e2e_recording.load()
    costs: dict[str, dict] = {}
    rows = []
    for name, (change, cfg, run) in levers().items():
        finished = (run / METRICS).is_file()
        if args.only is not None and name not in args.only and not finished:
            continue  # not asked for and not trained before: left out of the table
        console.rule(f"{name}: {change}")
        t0 = time.perf_counter()
        metrics = ensure_run(cfg, run, console)
        arch = cfg.model.describe()
        if arch not in costs:
            costs[arch] = mcu_cost(run, console)
        row = {"lever": name, "change": change, "model": arch, "strategy": cfg.distill.strategy,
               "epochs_run": metrics["epochs_run"], "train_seconds": metrics["train_seconds"],
               **{k: round(v, 3) for k, v in score(run, held_out, watch).items()}, **costs[arch]}
        rows.append(row)
        console.print(row, f"({time.perf_counter() - t0:.0f} s)")
    write_results("levers", rows, held_out=HELD_OUT.to_dict(), lag_windows=LAG)


if __name__ == "__main__":
    main()
