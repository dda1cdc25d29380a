"""Flash, RAM and instructions per inference on the emulated Cortex-M4, for students of 1-6 blocks (and
any exported run folders), with edgeppg's native backend beside TensorFlow Lite Micro.

Each model is freshly initialised and exported (benchmarks/common.py), then built into the self-test
firmware and run twice under QEMU (`-icount`, so the instruction count is exact to 40 instructions and
the same on every run), as `edgeppg bench --target cortex-m4` does: native at -O2 with the DSP kernels,
at -Os and with the plain C kernels; TFLM with CMSIS-NN and with its reference kernels (when a TFLM
tree is found, README.md). Every row says whether all outputs equalled TFLite's. Prints a table and
writes benchmarks/results/mcu.json and .csv.

    python benchmarks/mcu.py [--blocks 1 2 3 4 5 6] [--windows 8] [--runs runs/demo/teacher-6b ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from common import exported_model, write_results
from rich.console import Console

from edgeppg.bench.cortex_m4 import CPI, bench_cortex_m4
from edgeppg.mcu.tflm import tflm_available

BUILDS = (("native", "-O2", False), ("native", "-Os", False), ("native", "-O2", True),  # backend, opt, plain C
          ("tflm-cmsis-nn", "-O2", False), ("tflm-reference", "-O2", False))


def measure(run: Path, name: str, blocks: int, report: dict, windows: int, console: Console) -> list[dict]:
    rows = []
    for backend, opt, plain in BUILDS:
        if backend != "native" and not tflm_available():
            console.print(f"[yellow]no TFLM tree: {backend} left out[/]")
            continue
        r = bench_cortex_m4(run, opt, windows, plain_c=plain, console=console, backend=backend)
        rows.append({
            "model": name, "blocks": blocks, "params": report["params"], "macs": report["macs"], "target": r["core"],
            "backend": backend,
            "opt": opt, "kernels": r["kernels"], "bit_exact": r["bit_exact"],
            "reproducible": r["instruction_count_reproducible"], "instructions": r["instructions_per_inference"],
            "instructions_per_mac": round(r["instructions_per_inference"] / report["macs"], 3),
            "est_ms_64mhz": round(r["estimated_ms"]["64 MHz"], 2), "est_ms_168mhz": round(r["estimated_ms"]["168 MHz"], 2),
            "flash_bytes": r["flash_bytes"], "ram_bytes": r["ram_bytes"], "static_ram_bytes": r["static_ram_bytes"],
            "arena_bytes": r["arena_bytes"], "arena_used_bytes": r["arena_used_bytes"], "stack_bytes": r["stack_bytes"],
            "tflm_host_arena_bytes": report["tflite_micro"]["arena_bytes"], "fits_nrf52840": r["fits"],
        })
        row = rows[-1]
        print(f"{name:>14} {backend:>14} {opt:>3} {row['kernels']:<31} bit-exact {str(row['bit_exact']):5} "
              f"{row['instructions']:>12,} instr ({row['instructions_per_mac']:.2f}/MAC)  "
              f"flash {row['flash_bytes'] / 1024:7.1f} KiB  RAM {row['ram_bytes'] / 1024:5.1f} KiB")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, nargs="+", default=list(range(1, 7)))
    ap.add_argument("--windows", type=int, default=8)
    ap.add_argument("--runs", type=Path, nargs="*", default=[], help="exported run folders to add (e.g. the demo's)")
    args = ap.parse_args()
    console = Console(stderr=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="edgeppg-mcu-") as tmp:
        for blocks in args.blocks:
            console.rule(f"{blocks} blocks")
            run, report = exported_model(blocks, Path(tmp), console)
            rows += measure(run, f"fresh {blocks}b", blocks, report, args.windows, console)
        for run in args.runs:
            console.rule(str(run))
            report = json.loads((run / "export.json").read_text())
            blocks = json.loads((run / "config.json").read_text())["model"]["blocks"]
            copy = Path(tmp) / run.name
            shutil.copytree(run, copy, ignore=shutil.ignore_patterns("firmware"))
            rows += measure(copy, run.name, blocks, report, args.windows, console)
    write_results("mcu", rows, cpi_assumed=CPI, windows=args.windows)


if __name__ == "__main__":
    main()
