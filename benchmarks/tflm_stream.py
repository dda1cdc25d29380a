"""TFLite Micro computes each sample once too (issue #27): a streaming model's per-update model, its state in
resource variables (edgeppg.codegen.tflm_stream), beside the window models on TFLM and beside edgeppg's
native per-update program.

The dkd-cal pairs of seed 0 at both sizes (benchmarks/streaming.py's runs: trained into runs/streaming when
missing, reused when finished with the same config), exported and run on the emulated Cortex-M4 (-O2), each
on both backends: a window model per window; a streaming model per 2 s update (native: the generated
program; TFLM with CMSIS-NN: the per-update model in its own interpreter), every update checked bit for bit
against the window form on the same backend, and its window form per window. Writes
benchmarks/results/tflm_stream.json.

    python benchmarks/tflm_stream.py [--only NAME ...]
"""

from __future__ import annotations

from pathlib import Path

from common import measure_runs
from rich.console import Console
from streaming import RUNS, pair_key, runs

from edgeppg.bench.cortex_m4 import bench_cortex_m4
from edgeppg.export.pipeline import ensure_export
from edgeppg.runs import load_model

PAIRS = ("student-window-dkd-cal", "student-stream-dkd-cal", "6-block-window-dkd-cal", "6-block-stream-dkd-cal")


def listing(models: Path) -> dict:
    return {name: run for name, run in runs(models).items() if name in PAIRS}


def on(backend: str, folder: Path, console: Console) -> dict:
    """One backend's figures: per window, or per update and the window form's per window."""
    r = bench_cortex_m4(folder, console=console, backend=backend)
    s = r.get("streaming")
    row = {"instructions_per_window": r["instructions_per_inference"], "bit_exact": r["bit_exact"],
           "ram_bytes": r["ram_bytes"], "flash_bytes": r["flash_bytes"]}
    if s is not None:
        row.update(instructions_per_update=s["instructions_per_update"], ram_bytes=s["ram_bytes"],
                   flash_bytes=s["flash_bytes"], state_bytes=s["state_bytes"], window_form_ram_bytes=r["ram_bytes"],
                   window_form_flash_bytes=r["flash_bytes"])
    return {f"{backend}_{k}": v for k, v in row.items()}


def measure(folder: Path, config, console: Console) -> dict:
    ensure_export(folder, console)
    _, cfg = load_model(folder)
    return {"model": pair_key(cfg), "mode": "streaming" if cfg.data.stream else "window",
            "blocks": cfg.model.blocks, **on("native", folder, console), **on("tflm", folder, console)}


def main() -> None:
    measure_runs("tflm_stream", __doc__, listing, measure, runs=str(RUNS))


if __name__ == "__main__":
    main()
