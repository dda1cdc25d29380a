"""Flash, RAM and instructions per inference on every emulated Cortex-M core (M0, M3, M4, M7, M33, M55), for
models of 1-6 blocks and the shipped student and teacher, with edgeppg's native backend beside TensorFlow Lite
Micro (CMSIS-NN and reference kernels), as `edgeppg bench --target CORE` measures them.

Each fresh model is initialised with a recorded seed and exported (benchmarks/common.py), then built into the
self-test firmware and run twice under QEMU (`-icount`, so the count is exact and the same on every run):
native at -O2 with the core's own kernels (plain C on the M0 and M3, the DSP ones on the M4, M7, M33 and M55,
and the Helium ones too on the M55; the M4 also at -Os and with the plain C kernels), TFLM with CMSIS-NN
and with its reference kernels on every core (when a TFLM tree is found, README.md). Every row says whether
all outputs equalled TFLite's. Prints a table and writes benchmarks/results/mcu.json and .csv; with
--targets, only those cores' rows are measured again and the others kept.

    python benchmarks/mcu.py [--blocks 1 2 3 4 5 6] [--runs models/student models/teacher] [--windows 8]
                             [--targets cortex-m55 ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from common import RESULTS, exported_model, write_results
from rich.console import Console

from edgeppg.bench.cortex_m4 import CPI, bench_cortex_m4
from edgeppg.mcu import boards
from edgeppg.mcu.tflm import tflm_available


def builds(core: str) -> list[tuple[str, str, bool, bool]]:
    """(backend, opt, plain C, Helium) for a core: its native build, TFLM's two, and the variants it has."""
    b = boards.for_target(core)
    out = [("native", "-O2", False, False)]
    if core == "cortex-m4":
        out += [("native", "-Os", False, False), ("native", "-O2", True, False)]
    if b.helium:
        out.append(("native", "-O2", False, True))
    return out + [("tflm-cmsis-nn", "-O2", False, False), ("tflm-reference", "-O2", False, False)]


def measure(run: Path, name: str, blocks: int, report: dict, cores: list[str], windows: int,
            console: Console) -> list[dict]:
    rows = []
    for core in cores:
        board = boards.for_target(core).name
        for backend, opt, plain, helium in builds(core):
            if backend != "native" and not tflm_available():
                console.print(f"[yellow]no TFLM tree: {backend} left out[/]")
                continue
            r = bench_cortex_m4(run, opt, windows, plain_c=plain, helium=helium, console=console, backend=backend,
                                board=board)
            row = {
                "model": name, "blocks": blocks, "params": report["params"], "macs": report["macs"], "target": core,
                "board": board, "backend": backend, "opt": opt, "kernels": r["kernels"], "bit_exact": r["bit_exact"],
                "reproducible": r["instruction_count_reproducible"], "instructions": r["instructions_per_inference"],
                "instructions_per_mac": round(r["instructions_per_inference"] / report["macs"], 3),
                "est_ms_64mhz": round(r["estimated_ms"]["64 MHz"], 2),
                "flash_bytes": r["flash_bytes"], "ram_bytes": r["ram_bytes"], "static_ram_bytes": r["static_ram_bytes"],
                "arena_bytes": r["arena_bytes"], "arena_used_bytes": r["arena_used_bytes"],
                "stack_bytes": r["stack_bytes"], "tflm_host_arena_bytes": report["tflite_micro"]["arena_bytes"],
                "fits_part": r["fits_board"], "fits": r["fits"],
            }
            rows.append(row)
            print(f"{name:>14} {core:>10} {backend:>14} {opt:>3} {row['kernels']:<31} bit-exact "
                  f"{str(row['bit_exact']):5} {row['instructions']:>12,} instr ({row['instructions_per_mac']:.2f}/MAC)  "
                  f"flash {row['flash_bytes'] / 1024:7.1f} KiB  RAM {row['ram_bytes'] / 1024:5.1f} KiB")
    return rows


def key(row: dict) -> tuple:
    return row["model"], row.get("target", "cortex-m4"), row["backend"], row["opt"], row["kernels"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, nargs="*", default=list(range(1, 7)))
    ap.add_argument("--runs", type=Path, nargs="*", default=[Path("models/student"), Path("models/teacher")],
                    help="exported run folders to add (default: the shipped student and teacher)")
    ap.add_argument("--targets", nargs="*", default=None, help=f"cores (default: all: {', '.join(boards.cores())})")
    ap.add_argument("--windows", type=int, default=8)
    args = ap.parse_args()
    cores = args.targets or list(boards.cores())
    console = Console(stderr=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="edgeppg-mcu-") as tmp:
        for blocks in args.blocks:
            console.rule(f"{blocks} blocks")
            run, report = exported_model(blocks, Path(tmp), console)
            rows += measure(run, f"fresh {blocks}b", blocks, report, cores, args.windows, console)
        for run in args.runs:
            console.rule(str(run))
            report = json.loads((run / "export.json").read_text())
            blocks = json.loads((run / "config.json").read_text())["model"]["blocks"]
            copy = Path(tmp) / run.name  # never write into the run (models/ is committed)
            shutil.copytree(run, copy, ignore=shutil.ignore_patterns("firmware", "card"))
            rows += measure(copy, run.name, blocks, report, cores, args.windows, console)
    kept = RESULTS / "mcu.json"
    if args.targets and kept.is_file():  # the other cores' rows stay as they were measured
        new = {key(r) for r in rows}
        rows = [r for r in json.loads(kept.read_text())["rows"] if key(r) not in new] + rows
        order = {c: i for i, c in enumerate(boards.cores())}
        rows.sort(key=lambda r: (r["model"], order.get(r.get("target", "cortex-m4"), 99)))
    write_results("mcu", rows, cpi_assumed=CPI, windows=args.windows)


if __name__ == "__main__":
    main()
