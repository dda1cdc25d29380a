"""`edgeppg sweep`: a study checked up front, then its cells run with a progress bar that says what is
done, what failed and how long the rest should take."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from edgeppg import compute, extras
from edgeppg.errors import EdgeppgError
from edgeppg.study.config import cells, load_study
from edgeppg.study.runner import connect_ray, run_study


@dataclass
class Sweep:
    folder: Path
    cells: int
    results: Path | None = None  # results.csv, once the sweep ended
    failed: list[dict] = field(default_factory=list)


def duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min {s:02d} s" if m else f"{s} s"


def sweep(config: str, out_dir: Path | None, console: Console, workers: int = 0, ray: str | None = None,
          device: str = "auto", gpus_per_cell: float = 1.0) -> Sweep:
    """Run the study `config` (a file or a shipped study's name) into `out_dir` (default runs/<name>).
    Ctrl-C stops it; finished cells are kept and the same call goes on from them."""
    study = load_study(config)
    if not ray:
        compute.resolve(device)  # a --device this machine cannot give fails before anything runs
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise EdgeppgError(f"--out {out_dir}: is a file, not a study folder")
    if study.export:
        extras.require("export", f"edgeppg sweep {config} (export: true)")
    if ray:
        extras.require("ray", "edgeppg sweep --ray")
        connect_ray(ray)
    teachers, students = cells(study)
    run = Sweep(out_dir or Path("runs") / study.name, len(teachers) + len(students))
    console.print(f"study '{study.name}': {len(teachers)} teachers, {len(students)} students -> {run.folder}")

    started = time.monotonic()
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[eta]}"), console=console, transient=True)
    task = bar.add_task(f"study {study.name}", total=run.cells, eta="")

    def record(result: dict, done: int, total: int) -> None:
        status = "[green]done[/]" if result["status"] == "finished" else f"[red]FAILED[/] {result.get('error', '')}"
        elapsed = time.monotonic() - started
        eta = f"ETA {duration(elapsed / done * (total - done))}" if done < total else ""
        bar.update(task, completed=done, eta=eta)
        bar.console.print(f"[{done}/{total}] {result['cell']}: {status} ({result['seconds']:.0f} s; "
                          f"{duration(elapsed)} so far{', ' + eta if eta else ''})", soft_wrap=True)
        if result["status"] != "finished":
            run.failed.append(result)

    try:
        with bar:
            run.results = run_study(study, run.folder, workers, ray, record, device, gpus_per_cell)
    except KeyboardInterrupt:
        console.print(f"interrupted: finished cells are kept in {run.folder}; run the same command again to go on "
                      "(an interrupted cell resumes from its last whole epoch)")
        raise
    return run
