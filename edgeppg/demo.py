"""`make demo`: the pipeline on the built-in data, start to finish, in a few minutes on two cores.

The reference recipe (edgeppg.recipe) at a smaller budget: a teacher, then a student trained from
scratch and one distilled by DKD with the same budget, the three side by side; then the teacher and the DKD student exported to int8 and benchmarked on the host,
and the paper's comparison: the student's time and memory as a fraction of the teacher's, and what
its accuracy costs; last, the student as firmware on an emulated Cortex-M4. Finished runs and exports are reused and interrupted runs resumed, so rerunning is
cheap.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.console import Console

from edgeppg.bench import bench_host, compare
from edgeppg.bench.report import compare_table, host_table
from edgeppg import recipe
from edgeppg.export.pipeline import ensure_export
from edgeppg.reports import metrics_table
from edgeppg.train import ensure_run


DEMO_THREADS = recipe.TRAIN.threads  # pinned by the recipe, so the demo's figures are the documented ones


def run_folders(out: Path, teacher_blocks: int, student_blocks: int) -> dict[str, Path]:
    """The demo's three run folders inside `out`, by role."""
    return {"teacher": out / f"teacher-{teacher_blocks}b", "scratch": out / f"student-{student_blocks}b-scratch",
            "dkd": out / f"student-{student_blocks}b-dkd"}


def run_demo(out: Path, epochs: int, teacher_blocks: int, student_blocks: int, subjects: int, minutes: float,
             console: Console, log: Console, bench_runs: int = 200, device: str = "auto",
             threads: int = DEMO_THREADS) -> dict[str, dict]:
    """The reference recipe (edgeppg.recipe) at the demo's smaller budget."""
    folder = run_folders(out, teacher_blocks, student_blocks)
    configs = recipe.configs(folder["teacher"], recipe.Budget(subjects, minutes, epochs), threads, device,
                             student=replace(recipe.STUDENT, blocks=student_blocks),
                             teacher=replace(recipe.TEACHER, blocks=teacher_blocks))
    runs = {name: (folder[name], configs[name]) for name in ("teacher", "scratch", "dkd")}
    results = {}
    for name, (path, config) in runs.items():
        log.rule(f"{name}: {config.model.describe()}, {config.distill.strategy}")
        results[name] = ensure_run(config, path, log)
    console.print(metrics_table({p.name: results[n] for n, (p, _) in runs.items()}, "demo: test participants"))
    gap = results["scratch"]["test"]["mae"] - results["dkd"]["test"]["mae"]
    console.print(f"scratch student MAE minus DKD student MAE: {gap:+.2f} BPM over all "
                  f"{results['dkd']['test']['windows']:,} windows of the test participants, same {epochs}-epoch "
                  "budget; one seed, so not a finding (a study with seeds and CIs: edgeppg sweep medium)")

    benches = {}
    for name in ("teacher", "dkd"):
        path = runs[name][0]
        log.rule(f"export and host benchmark: {name}")
        ensure_export(path, log)
        benches[name] = bench_host(path, runs=bench_runs)
        console.print(host_table(benches[name]))
    ratios = compare(benches["teacher"], benches["dkd"])
    console.print(compare_table(benches["teacher"], benches["dkd"], ratios))
    r = ratios["tflite_micro"]
    console.print(f"the int8 student against the int8 teacher in TFLite Micro: {1 - r['latency_p50']:.0%} less time, "
                  f"{1 - r['arena']:.0%} less arena RAM, {1 - r['file_size']:.0%} less flash for the model, "
                  f"for {r['mae_cost_bpm']:+.2f} BPM MAE (export's sample of test windows)")
    results["bench"] = {"teacher": benches["teacher"], "student": benches["dkd"], "ratios": ratios}
    results["cortex_m4"] = student_on_cortex_m4(runs["dkd"][0], console, log)
    return results


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
