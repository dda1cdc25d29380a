"""The native firmware on every emulated Cortex-M core (issue #26, first increment): instructions per
inference, instructions per MAC, flash and RAM of the shipped student and teacher on the M3 (plain C),
M4, M7, M33 and M55 (DSP kernels, and the Helium ones beside them), each bit-exact with TFLite or not.
TensorFlow Lite Micro builds for the M4 only so far, so the ratio to TFLM + CMSIS-NN is given there.

    python benchmarks/cores.py [--models models] [--windows 4]   -> benchmarks/results/cores.json and .csv
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from common import write_results
from rich.console import Console

from edgeppg.bench.cortex_m4 import bench_cortex_m4
from edgeppg.mcu import boards
from edgeppg.mcu.tflm import tflm_available


def builds() -> list[tuple[str, str, bool]]:
    """(board, backend, helium): every core's emulated board natively, the M55 with Helium too, and TFLM +
    CMSIS-NN on the M4 for the ratio."""
    out = [(boards.for_target(core).name, "native", False) for core in boards.cores()]
    out += [(b.name, "native", True) for b in boards.BOARDS.values() if b.helium]
    return out + ([("mps2_an386", "tflm-cmsis-nn", False)] if tflm_available() else [])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=Path("models"), help="the shipped models' folder")
    ap.add_argument("--windows", type=int, default=4)
    args = ap.parse_args()
    console = Console(stderr=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="edgeppg-cores-") as tmp:
        for role in ("student", "teacher"):
            run = Path(tmp) / role
            shutil.copytree(args.models / role, run, ignore=shutil.ignore_patterns("firmware", "card"))
            export = json.loads((run / "export.json").read_text())
            blocks = json.loads((run / "config.json").read_text())["model"]["blocks"]
            for board, backend, helium in builds():
                b = boards.board(board)
                r = bench_cortex_m4(run, windows=args.windows, backend=backend, board=board, helium=helium,
                                    console=console)
                rows.append({"model": role, "blocks": blocks, "macs": export["macs"], "target": b.core,
                             "board": board, "backend": backend, "kernels": r["kernels"], "opt": r["opt"],
                             "bit_exact": r["bit_exact"], "instructions": r["instructions_per_inference"],
                             "instructions_per_mac": round(r["instructions_per_inference"] / export["macs"], 3),
                             "flash_bytes": r["flash_bytes"], "ram_bytes": r["ram_bytes"]})
                print(f"{role:8} {b.core:11} {backend:14} {r['kernels']:16} bit-exact {r['bit_exact']!s:5} "
                      f"{r['instructions_per_inference']:>12,} instr  flash {r['flash_bytes']:>8,}  "
                      f"RAM {r['ram_bytes']:>7,}")
    write_results("cores", rows, windows=args.windows)


if __name__ == "__main__":
    main()
