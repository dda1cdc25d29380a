"""What the benchmark scripts share: freshly initialised models of a given depth, exported for real.

Latency, memory and instruction counts do not depend on what the weights learned, so a benchmark of
every depth need not train twelve models: each is initialised with a recorded seed and exported
exactly as `edgeppg export --int8` does, calibrated on built-in windows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import torch
from rich.console import Console

from edgeppg.config import RunConfig
from edgeppg.data.dataset import DataConfig
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.export import export_run
from edgeppg.models import ModelSpec, build_model
from edgeppg.runs import environment, save_model, write_json

RESULTS = Path(__file__).parent / "results"
DATA = DataConfig(synthetic=SyntheticConfig(subjects=8, minutes=6, seed=0))  # calibration and sanity windows


def exported_model(blocks: int, folder: Path, console: Console, seed: int | None = None) -> tuple[Path, dict]:
    """A run folder holding a fresh `blocks`-block ResNet1D (seed = blocks unless given), exported."""
    torch.manual_seed(blocks if seed is None else seed)
    config = RunConfig(data=DATA, model=ModelSpec(blocks=blocks))
    run = folder / f"resnet1d-{blocks}b"
    run.mkdir(parents=True)
    save_model(run / "model.pt", build_model(config.model).eval(), config)
    write_json(run / "config.json", config.to_dict())
    report = export_run(run, calib_windows=300, eval_windows=200, micro_windows=20, console=console)
    return run, report


def measure_runs(name: str, doc: str, listing: Callable[[Path], dict[str, tuple[str, RunConfig | None, Path]]],
                 measure: Callable[[Path, RunConfig | None, Console], dict], **meta: object) -> None:
    """The main of a script that trains runs and measures each into a row of benchmarks/results/NAME.json:
    `listing(models)` names them (what each is, its config or None for a shipped model, its folder); a run is
    trained when missing (reused when finished with the same config); `--only NAME ...` remeasures some
    rows and keeps the others."""
    import argparse
    import time

    from edgeppg.train import ensure_run

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="run names (default: all)")
    ap.add_argument("--models", type=Path, default=Path("models"))
    args = ap.parse_args()
    console = Console(stderr=True)
    kept = RESULTS / f"{name}.json"
    rows = json.loads(kept.read_text())["rows"] if kept.is_file() and args.only else []
    named = listing(args.models)
    for run_name, (what, config, folder) in named.items():
        if args.only and run_name not in args.only:
            continue
        t0 = time.perf_counter()
        if config is not None:
            ensure_run(config, folder, console)
        row = {"run": run_name, "what": what, **measure(folder, config, console),
               "seconds": round(time.perf_counter() - t0, 1)}
        console.print(row)
        rows = [r for r in rows if r["run"] != run_name] + [row]
    order = list(named)
    rows.sort(key=lambda r: order.index(r["run"]) if r["run"] in order else len(order))
    write_results(name, rows, **meta)


def write_results(name: str, rows: list[dict], **meta: object) -> None:
    """benchmarks/results/NAME.json (rows, settings, environment) and NAME.csv (the rows)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps({**meta, "rows": rows, "environment": environment()},
                                                     indent=2) + "\n")
    with (RESULTS / f"{name}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(dict.fromkeys(k for row in rows for k in row)), restval="")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {RESULTS / name}.json and .csv")
