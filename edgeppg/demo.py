"""`make demo`: the pipeline on the built-in data, start to finish, in minutes on two cores, and the
paper's question answered with an interval: does a distilled student beat its scratch twin?

The shipped teacher (models/teacher, the reference recipe at its full budget) teaches 3-block students
trained on little data (recipe.DEMO: people the teacher never saw, each student with recipe.DEMO_SEEDS); a
scratch twin of each trains alike from the labels. All are scored on the same test participants, and the
difference is given with a 95% bootstrap interval over seeds and participants and a verdict. Then the
teacher and a DKD student are exported to int8 and benchmarked on the host, and the student runs as
firmware on an emulated Cortex-M4. Finished runs and exports are reused, interrupted ones resumed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from rich.console import Console

from edgeppg import recipe
from edgeppg.bench import bench_host, compare
from edgeppg.bench.report import compare_table, host_table
from edgeppg.data.dataset import load_splits
from edgeppg.errors import EdgeppgError
from edgeppg.export.pipeline import ensure_export
from edgeppg.files import METRICS, MODEL
from edgeppg.metrics import evaluate_set, mae_by_subject
from edgeppg.reports import metrics_table
from edgeppg.runs import load_model
from edgeppg.study.stats import BETTER, SAME, WORSE, paired_bootstrap, verdict
from edgeppg.train import ensure_run

DEMO_THREADS = recipe.TRAIN.threads  # pinned by the recipe, so the demo's figures are the documented ones
SHIPPED_TEACHER = Path(__file__).resolve().parents[1] / "models" / recipe.TEACHER_RUN  # in a checkout


def student_folders(out: Path, seeds: tuple[int, ...]) -> dict[tuple[str, int], Path]:
    """The demo's student run folders inside `out`, by (role, seed) in demo_configs' order."""
    return {(role, s): out / f"student-{role}-seed{s}" for s in seeds for role in ("scratch", "dkd")}


def run_demo(out: Path, console: Console, log: Console, teacher: Path = SHIPPED_TEACHER,
             seeds: tuple[int, ...] = recipe.DEMO_SEEDS, budget: recipe.Budget = recipe.DEMO,
             bench_runs: int = 200, device: str = "auto", threads: int = DEMO_THREADS) -> dict:
    """Train the students, compare them with the teacher, export, benchmark; returns every figure shown."""
    mine = copy_teacher(teacher, out / recipe.TEACHER_RUN)
    configs, folders = recipe.demo_configs(mine, seeds, budget, threads, device), student_folders(out, seeds)
    runs = {}
    for (role, s), config in configs.items():
        log.rule(f"{role} student, seed {s}: {config.model.describe()}, {config.distill.strategy}")
        runs[role, s] = ensure_run(config, folders[role, s], log)
    config = configs["scratch", seeds[0]]
    scores = {"teacher": teacher_scores(mine, config.data, config.train.readout)}
    scores |= {role: {**mean_over_seeds([runs[role, s] for s in seeds]), "model": config.model.short()}
               for role in ("scratch", "dkd")}
    console.print(metrics_table(scores, f"demo: {len(scores['dkd']['test_by_subject'])} test participants "
                                        f"nobody trained on; students: mean of {len(seeds)} seeds"))
    verdict = dkd_vs_scratch(runs, seeds)
    console.print(verdict["text"])
    console.print(f"CPU: torch's {torch.backends.cpu.get_cpu_capability()} kernels; on another instruction set "
                  "the same seeds give other weights and figures (docs/results.md)")

    benches = {}
    for name, path in (("teacher", mine), ("dkd", folders["dkd", seeds[0]])):
        log.rule(f"export and host benchmark: {name}")
        ensure_export(path, log)
        benches[name] = bench_host(path, runs=bench_runs)
        console.print(host_table(benches[name]))
    ratios = compare(benches["teacher"], benches["dkd"])
    console.print(compare_table(benches["teacher"], benches["dkd"], ratios))
    r = ratios["tflite_micro"]
    console.print(f"the int8 student against the int8 teacher in TFLite Micro: {1 - r['latency_p50']:.0%} less "
                  f"time, {1 - r['arena']:.0%} less arena RAM, {1 - r['file_size']:.0%} less flash for the model")
    cortex_m4 = student_on_cortex_m4(folders["dkd", seeds[0]], console, log)
    return {"scores": scores, "runs": runs, "dkd_vs_scratch": verdict, "cpu_capability":
            torch.backends.cpu.get_cpu_capability(), "bench": {"teacher": benches["teacher"],
            "student": benches["dkd"], "ratios": ratios}, "cortex_m4": cortex_m4}


def copy_teacher(teacher: Path, mine: Path) -> Path:
    """The teacher's shipped files in the demo's folder (export and benchmarks write beside the model, and the
    shipped models stay as they are)."""
    from edgeppg.reference import ship

    if not (mine / MODEL).is_file():
        if not (teacher / MODEL).is_file():
            raise EdgeppgError(f"{teacher}: no teacher run ({MODEL}); the demo distils from the shipped teacher "
                               "in a checkout's models/ (give --teacher RUN_DIR)")
        ship(teacher, mine)
    return mine


def teacher_scores(teacher: Path, data, readout: str) -> dict:
    """The teacher on the demo's test participants, in the shape of a run's metrics.json."""
    from edgeppg import schema

    model, config = load_model(teacher)
    test = load_splits(data).test
    own = schema.read(teacher / METRICS, schema.METRICS)
    return {"model": config.model.short(), "strategy": f"{config.distill.strategy}, full budget",
            "params": own["params"], "macs": own["macs"], "readout": readout,
            "test": evaluate_set(model, test, readout), "test_by_subject": mae_by_subject(model, test, readout)}


def mean_over_seeds(runs: list[dict]) -> dict:
    """One row for a role: its seeds' test errors averaged (per participant too)."""
    first = runs[0]
    test = {k: float(np.mean([r["test"][k] for r in runs])) if k != "windows" else first["test"][k]
            for k in first["test"]}
    people = first["test_by_subject"]
    return {**first, "test": test,
            "test_by_subject": {p: float(np.mean([r["test_by_subject"][p] for r in runs])) for p in people}}


def dkd_vs_scratch(runs: dict[tuple[str, int], dict], seeds: tuple[int, ...]) -> dict:
    """Scratch's MAE minus DKD's (positive: DKD better), paired by seed and participant, with the 95%
    bootstrap interval over both, and what it means in words."""
    people = sorted(runs["scratch", seeds[0]]["test_by_subject"])
    diff = np.array([[runs["scratch", s]["test_by_subject"][p] - runs["dkd", s]["test_by_subject"][p]
                      for p in people] for s in seeds])
    ci = paired_bootstrap(diff)
    v = verdict({**ci, "lo": -ci["hi"], "hi": -ci["lo"]})  # the studies' rule, on DKD minus scratch
    words = {BETTER: "DKD is better: the interval excludes zero", WORSE: "DKD is worse: the interval excludes zero",
             SAME: "no difference measured: the interval includes zero"}.get(v, v)  # or: too few to tell
    text = (f"scratch student MAE minus DKD student MAE: {ci['mean']:+.2f} BPM (95% interval {ci['lo']:+.2f} to "
            f"{ci['hi']:+.2f}, bootstrap over {len(seeds)} seeds x {len(people)} participants): {words}")
    return {"difference_bpm": ci["mean"], "ci95": [ci["lo"], ci["hi"]], "seeds": len(seeds),
            "participants": len(people), "verdict": words, "text": text}


def student_on_cortex_m4(run_dir: Path, console: Console, log: Console) -> dict | None:
    """The DKD student as firmware on the emulated Cortex-M4, or a note on what is missing."""
    from edgeppg.bench.cortex_m4 import bench_cortex_m4
    from edgeppg.bench.report import mcu_table
    from edgeppg.mcu.toolchain import missing_tools

    log.rule("the student on a Cortex-M4 (QEMU)")
    missing = missing_tools(("arm-none-eabi-gcc", "qemu-system-arm", "make"))
    if missing:
        console.print(f"[yellow]skipped the Cortex-M4 report: {', '.join(missing)} not installed (make toolchain)[/]")
        return None
    r = bench_cortex_m4(run_dir, console=log)
    console.print(mcu_table(r))
    console.print(f"Cortex-M4: {'fits' if r['fits'] else 'does NOT fit'} in {r['fits_limits']} "
                  f"({r['ram_bytes'] / 1024:.1f} KiB RAM, {r['flash_bytes'] / 1024:.1f} KiB flash), "
                  f"{r['instructions_per_inference']:,} instructions per inference, "
                  f"~{r['estimated_ms']['64 MHz']:.0f} ms per window at 64 MHz, "
                  f"bit-exact with TFLite: {'yes' if r['bit_exact'] else 'NO'}")
    return r
