"""`make demo`: the pipeline on the built-in data, start to finish, in a few minutes on two cores.

A teacher, then a student trained from scratch and one distilled by DKD with the same budget, then the
three side by side. Finished runs are reused and interrupted ones resumed, so rerunning is cheap.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from edgeppg.config import DistillConfig, RunConfig, TrainConfig
from edgeppg.data.dataset import DataConfig
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.models.spec import ModelSpec
from edgeppg.reports import metrics_table
from edgeppg.runs import CHECKPOINT, METRICS, read_json
from edgeppg.train import run


def ensure_run(config: RunConfig, out: Path, console: Console) -> dict:
    """Metrics of the run in `out`: read if finished, resumed if interrupted, trained otherwise."""
    if (out / METRICS).is_file():
        console.print(f"[dim]{out}: finished before, reusing it[/]")
        return read_json(out / METRICS)
    return run(config, out, resume=(out / CHECKPOINT).is_file(), console=console)


def run_demo(out: Path, epochs: int, teacher_blocks: int, student_blocks: int, subjects: int, minutes: float,
             console: Console, log: Console) -> dict[str, dict]:
    data = DataConfig(synthetic=SyntheticConfig(subjects=subjects, minutes=minutes))
    train = TrainConfig(epochs=epochs)
    teacher_dir = out / f"teacher-{teacher_blocks}b"
    runs = {
        "teacher": (teacher_dir, RunConfig(data, ModelSpec(blocks=teacher_blocks), train)),
        "scratch": (out / f"student-{student_blocks}b-scratch", RunConfig(data, ModelSpec(blocks=student_blocks), train)),
        "dkd": (out / f"student-{student_blocks}b-dkd", RunConfig(
            data, ModelSpec(blocks=student_blocks), train, DistillConfig(strategy="dkd", teacher=str(teacher_dir)))),
    }
    results = {}
    for name, (path, config) in runs.items():
        log.rule(f"{name}: {config.model.describe()}, {config.distill.strategy}")
        results[name] = ensure_run(config, path, log)
    console.print(metrics_table({p.name: results[n] for n, (p, _) in runs.items()}, "demo: test participants"))
    gap = results["scratch"]["test"]["mae"] - results["dkd"]["test"]["mae"]
    console.print(f"DKD student vs scratch student: {gap:+.2f} BPM MAE "
                  f"({'better' if gap > 0 else 'not better'} with the teacher), same {epochs}-epoch budget")
    return results
