"""What the benchmark scripts share: freshly initialised models of a given depth, exported for real.

Latency, memory and instruction counts do not depend on what the weights learned, so a benchmark of
every depth need not train twelve models: each is initialised with a recorded seed and exported
exactly as `edgeppg export --int8` does, calibrated on built-in windows.
"""

from __future__ import annotations

import csv
import json
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
