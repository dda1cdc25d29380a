"""Flash, RAM and instructions per inference on the emulated Cortex-M4, for students of 1-6 blocks.

Each model is freshly initialised and exported (benchmarks/common.py), compiled by edgeppg's code
generator into the self-test firmware and run twice under QEMU (`-icount`, so the instruction count is
exact to 40 instructions and the same on every run), as `edgeppg bench --target cortex-m4` does; at
-O2 with the DSP kernels, at -Os, and at -O2 with the plain C kernels. Prints a table and writes
benchmarks/results/mcu.json and .csv.

    python benchmarks/mcu.py [--blocks 1 2 3 4 5 6] [--windows 8]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import exported_model, write_results
from rich.console import Console

from edgeppg.bench.cortex_m4 import CPI, bench_cortex_m4

BUILDS = (("-O2", False), ("-Os", False), ("-O2", True))  # (optimisation, plain C kernels)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, nargs="+", default=list(range(1, 7)))
    ap.add_argument("--windows", type=int, default=8)
    args = ap.parse_args()
    console = Console(stderr=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="edgeppg-mcu-") as tmp:
        for blocks in args.blocks:
            console.rule(f"{blocks} blocks")
            run, report = exported_model(blocks, Path(tmp), console)
            for opt, plain in BUILDS:
                r = bench_cortex_m4(run, opt, args.windows, plain_c=plain, console=console)
                rows.append({
                    "blocks": blocks, "params": report["params"], "macs": report["macs"], "opt": opt,
                    "kernels": r["kernels"], "bit_exact": r["bit_exact"], "reproducible": r["instruction_count_reproducible"],
                    "instructions": r["instructions_per_inference"],
                    "instructions_per_mac": round(r["instructions_per_inference"] / report["macs"], 3),
                    "est_ms_64mhz": round(r["estimated_ms"]["64 MHz"], 2),
                    "est_ms_168mhz": round(r["estimated_ms"]["168 MHz"], 2),
                    "flash_bytes": r["flash_bytes"], "ram_bytes": r["ram_bytes"], "arena_bytes": r["arena_bytes"],
                    "stack_bytes": r["stack_bytes"], "tflm_arena_bytes": report["tflite_micro"]["arena_bytes"],
                    "fits_256k_ram_1m_flash": r["fits"],
                })
                row = rows[-1]
                print(f"{blocks} blocks {opt:>3} {row['kernels']:<12} bit-exact {str(row['bit_exact']):5} "
                      f"{row['instructions']:>12,} instr ({row['instructions_per_mac']:.2f}/MAC)  "
                      f"~{row['est_ms_64mhz']:7.1f} ms @64MHz  flash {row['flash_bytes'] / 1024:7.1f} KiB  "
                      f"RAM {row['ram_bytes'] / 1024:5.1f} KiB (TFLM arena {row['tflm_arena_bytes'] / 1024:.1f} KiB)")
    write_results("mcu", rows, cpi_assumed=CPI, windows=args.windows)

if __name__ == "__main__":
    main()
