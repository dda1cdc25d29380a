"""`edgeppg bench RUN --target cortex-m4`: the int8 model as C on an emulated Cortex-M4.

Generates the C (edgeppg.codegen), builds the self-test firmware with held-out windows compiled in,
runs it twice under QEMU, and reports: bit-exactness against TFLite's reference kernels, flash and RAM
(RAM = static data and the activation arena + the measured peak stack), and executed instructions per
inference. QEMU executes instructions, it does not model cycles: the latency is an estimate,
instructions x CPI at a stated clock, with the cost model in docs/design.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.console import Console

from edgeppg.bench.host import run_folder
from edgeppg.data.dataset import load_splits
from edgeppg.errors import EdgeppgError
from edgeppg.export import quant, runtimes, tflite_model
from edgeppg.export.pipeline import INT8_TFLITE, sample
from edgeppg.mcu.build import build_cortex_m4
from edgeppg.mcu.qemu import run_qemu
from edgeppg.runs import load_model, write_json

BENCH_JSON = "bench_cortex_m4.json"
CPI = 1.25  # estimated Cortex-M4 cycles per instruction for these kernels (see docs/design.md)
CLOCKS_MHZ = (64, 168)
BUDGET = {"ram_bytes": 256 * 1024, "flash_bytes": 1024 * 1024}  # a wearable-class part (nRF52840)


def test_vectors(folder: Path, windows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Quantised held-out windows of the run's test participants, and TFLite's int8 logits for them."""
    path = folder / INT8_TFLITE
    q_in, _ = tflite_model.io_quant(path)
    _, cfg = load_model(folder)
    held = sample(load_splits(cfg.data).test, windows, seed)
    x = quant.quantize(held.x, q_in)
    return x, runtimes.run_tflite(runtimes.tflite_interpreter(path, reference=True), x)


def bench_cortex_m4(path: Path, opt: str = "-O2", windows: int = 16, seed: int = 0, plain_c: bool = False,
                    console: Console | None = None) -> dict:
    console = console or Console(stderr=True)
    folder = run_folder(path)
    if not (folder / INT8_TFLITE).is_file():
        raise EdgeppgError(f"{folder}: no {INT8_TFLITE} (run: edgeppg export {folder} --int8)")
    x, y = test_vectors(folder, windows, seed)
    out = folder / "firmware" / f"cortex-m4{opt}{'-plain' if plain_c else ''}"
    build = build_cortex_m4(folder / INT8_TFLITE, (x, y), out, opt, plain_c)
    first, second = run_qemu(build.elf), run_qemu(build.elf)
    if first.mismatches:
        console.print(f"[red]{len(first.mismatches)} window(s) differ from TFLite:[/] {first.mismatches[0]}")
    per_window = np.array(first.window_ticks, dtype=np.int64) * first.tick_instructions
    instructions = int(per_window.mean())
    vectors_bytes = x.nbytes + y.nbytes
    ram = build.static_ram_bytes + first.stack_bytes
    flash = build.flash_bytes - vectors_bytes
    report = {
        "run": str(folder), "target": "cortex-m4 (QEMU mps2-an386)", "opt": opt,
        "kernels": "plain C" if plain_c else "DSP (SMLAD)",
        "bit_exact": first.mismatched == 0 and first.exit_code == 0, "windows": first.windows,
        "windows_mismatched": first.mismatched, "mismatches": first.mismatches[:5],
        "instructions_per_inference": instructions,
        "instructions_min_max": [int(per_window.min()), int(per_window.max())],
        "instruction_count_reproducible": first.window_ticks == second.window_ticks,
        "counter": f"{first.counter}, {first.tick_instructions} instructions per tick",
        "cpi_assumed": CPI,
        "estimated_ms": {f"{mhz} MHz": instructions * CPI / (mhz * 1e3) for mhz in CLOCKS_MHZ},
        "flash_bytes": flash, "flash_bytes_with_test_vectors": build.flash_bytes,
        "ram_bytes": ram, "static_ram_bytes": build.static_ram_bytes, "arena_bytes": build.plan.arena_bytes,
        "stack_bytes": first.stack_bytes, "sections": build.sections,
        "budget": BUDGET, "fits": ram <= BUDGET["ram_bytes"] and flash <= BUDGET["flash_bytes"],
    }
    write_json(folder / BENCH_JSON, report)
    return report


def compare_mcu(a: dict, b: dict) -> dict[str, float]:
    """B's instructions, RAM and flash as fractions of A's."""
    return {"instructions": b["instructions_per_inference"] / a["instructions_per_inference"],
            "ram": b["ram_bytes"] / a["ram_bytes"], "flash": b["flash_bytes"] / a["flash_bytes"]}
