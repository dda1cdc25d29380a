"""`edgeppg reference`: the reference teacher and student of `models/`, from nothing, in one command.

Trains both with the recipe (edgeppg.recipe) into a runs folder (resuming an interrupted run, reusing a
finished one only when its config is the recipe's), exports each to int8, runs it on the emulated
Cortex-M4 and streams the real watch recording through the heart-rate monitor firmware, writes its
model card, then copies what a user needs into the output folder: the weights and config (for
`edgeppg eval`), the int8 model, the device contract and test vectors (for `edgeppg build`), the
figures behind the card, and the card.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from edgeppg import files, recipe
from edgeppg.errors import EdgeppgError
from edgeppg.train import ensure_run

# recipe config -> folder (runs and models/): the teacher, and the student the recipe ships
ROLES = {"teacher": recipe.TEACHER_RUN, recipe.STUDENT_ROLE: recipe.STUDENT_RUN}
# what `edgeppg eval`, `card` and `build` need; then the measurements behind the card, when they were made
SHIPPED = (files.MODEL, files.CONFIG, files.METRICS, files.ENV, files.EXPORT_JSON,
           files.INT8_TFLITE, files.DEVICE_JSON, files.DEVICE_VECTORS)
MEASURED = (files.BENCH_HOST_JSON, files.bench_mcu_json("mps2_an386", "native"), files.stream_json("e2epyppg"))


def check_destination(out: Path) -> None:
    """Where a shipped model goes: nothing, or a shipped model (the only thing ever replaced), in a folder."""
    for above in (out.parent, *out.parent.parents):
        if above.exists():
            if not above.is_dir():
                raise EdgeppgError(f"{above}: a file, not a folder; choose another --out")
            break
    if out.exists() and not (out / files.MODEL).is_file():
        raise EdgeppgError(f"{out}: exists and holds no shipped model ({files.MODEL}); choose another --out")


def ship(run_dir: Path, out: Path) -> None:
    """Copy the run's shipped files and its card into `out`, replacing what was there."""
    missing = [name for name in SHIPPED + (files.CARD_DIR,) if not (run_dir / name).exists()]
    if missing:
        raise EdgeppgError(f"{run_dir}: no {missing[0]} to ship")
    check_destination(out)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in SHIPPED + tuple(m for m in MEASURED if (run_dir / m).is_file()):
        shutil.copy2(run_dir / name, tmp / name)
    shutil.copytree(run_dir / files.CARD_DIR, tmp / files.CARD_DIR)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


def finish_run(folder: Path, console: Console) -> None:
    """Everything behind a shipped model's card: export, host and Cortex-M4 benchmarks, the real watch
    recording streamed through the firmware, and the card."""
    from edgeppg import recordings
    from edgeppg.bench import bench_host
    from edgeppg.bench.cortex_m4 import bench_cortex_m4
    from edgeppg.card import write_card
    from edgeppg.export.pipeline import ensure_export
    from edgeppg.mcu.stream import run_stream

    ensure_export(folder, console)
    with console.status(f"{folder}: host and Cortex-M4 benchmarks"):
        bench_host(folder)
        bench_cortex_m4(folder, console=console)
    run_stream(folder, recordings.load("e2epyppg", folder), "-O2", console)
    write_card(folder)


def make_reference(runs: Path, out: Path, console: Console, threads: int = recipe.TRAIN.threads,
                   device: str = "auto", budget: recipe.Budget = recipe.Budget(), inputs: str = recipe.DATA.inputs,
                   finish: Callable[[Path, Console], None] = finish_run) -> dict[str, dict]:
    """Train (or reuse) both models, `finish` each run folder (export, benchmarks, stream, card), ship."""
    for name in ROLES.values():  # before hours of work, not after
        check_destination(out / name)
    configs = recipe.configs(runs / recipe.TEACHER_RUN, budget, threads=threads, device=device, inputs=inputs)
    metrics = {}
    for role, name in ROLES.items():
        console.rule(f"{name}: {configs[role].model.describe()}, {configs[role].distill.strategy}")
        metrics[name] = ensure_run(configs[role], runs / name, console)
        finish(runs / name, console)
    for name in ROLES.values():
        ship(runs / name, out / name)
    return metrics
