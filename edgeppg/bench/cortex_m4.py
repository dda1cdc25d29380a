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
from edgeppg.export.pipeline import EXPORT_JSON, INT8_TFLITE, sample
from edgeppg.mcu import boards
from edgeppg.mcu.build import TFLM_COMMIT, Build, build_cortex_m4, build_tflm, tflm_dir, tflm_tree_commit
from edgeppg.mcu.flash import choose_probe, console_port, program, read_console
from edgeppg.mcu.qemu import SelfTest, parse, run_qemu
from edgeppg.runs import load_model, read_json, write_json

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


def result_name(board: str, backend: str) -> str:
    """Where a Cortex-M4 bench is saved: one file per board and backend, so no run overwrites another's."""
    base = BENCH_JSON.removesuffix(".json") if board == "mps2_an386" else f"bench_{board}"
    return f"{base}{'_tflm' if backend == 'tflm' else ''}.json"


def firmware_out(folder: Path, board: str, opt: str, backend: str, plain_c: bool) -> Path:
    return folder / "firmware" / f"{board}{opt}{'-tflm' if backend == 'tflm' else ''}{'-plain' if plain_c else ''}"


def build(folder: Path, x: np.ndarray, y: np.ndarray, opt: str, plain_c: bool, backend: str, board: str,
          console: Console | None = None) -> Build:
    """The self-test firmware for a run, with edgeppg's generated C or with TFLite Micro."""
    out = firmware_out(folder, board, opt, backend, plain_c)
    if backend == "tflm":
        host_arena = read_json(folder / EXPORT_JSON)["tflite_micro"]["arena_bytes"]
        with (console or Console(stderr=True)).status(
                "TFLite Micro: TFLM's make builds its library (the first time it fetches TFLM's third-party code "
                "and takes minutes), then the firmware"):
            return build_tflm(folder / INT8_TFLITE, (x, y), out, host_arena, opt, board)
    if backend != "native":
        raise EdgeppgError(f"unknown backend '{backend}' (available: native, tflm)")
    return build_cortex_m4(folder / INT8_TFLITE, (x, y), out, opt, plain_c, board)


def bench_cortex_m4(path: Path, opt: str = "-O2", windows: int = 16, seed: int = 0, plain_c: bool = False,
                    console: Console | None = None, backend: str = "native", board: str = "mps2_an386",
                    probe: str | None = None, port: str | None = None) -> dict:
    console = console or Console(stderr=True)
    folder = run_folder(path)
    if not (folder / INT8_TFLITE).is_file():
        raise EdgeppgError(f"{folder}: no {INT8_TFLITE} (run: edgeppg export {folder} --int8)")
    b = boards.board(board)
    uid = choose_probe(probe) if b.pyocd_target else None  # fail before building when no board is attached
    x, y = test_vectors(folder, windows, seed)
    fw = build(folder, x, y, opt, plain_c, backend, b.name, console)
    if b.pyocd_target:
        first = run_on_board(fw.elf, b, uid, port, console)
        second = first  # real cycles: nothing to compare a second run with
    else:
        first, second = run_qemu(fw.elf), run_qemu(fw.elf)
    if first.mismatches:
        console.print(f"[red]{len(first.mismatches)} window(s) differ from TFLite:[/] {first.mismatches[0]}")
    ticks = np.array(first.window_ticks, dtype=np.int64)
    vectors_bytes = x.nbytes + y.nbytes
    ram = fw.static_ram_bytes + first.stack_bytes
    flash = fw.flash_bytes - vectors_bytes
    report = {
        "run": str(folder), "target": b.description, "board": b.name, "opt": opt, "backend": backend,
        "kernels": "TFLite Micro" if backend == "tflm" else ("plain C" if plain_c else "DSP (SMLAD)"),
        "bit_exact": first.mismatched == 0 and first.exit_code == 0, "windows": first.windows,
        "windows_mismatched": first.mismatched, "mismatches": first.mismatches[:5],
        "counter": f"{first.counter}" + (f", {first.tick_instructions} instructions per tick"
                                         if first.tick_instructions else ""),
        "flash_bytes": flash, "flash_bytes_with_test_vectors": fw.flash_bytes,
        "ram_bytes": ram, "static_ram_bytes": fw.static_ram_bytes, "arena_bytes": fw.arena_bytes,
        "stack_bytes": first.stack_bytes, "sections": fw.sections,
        "budget": BUDGET, "fits": ram <= BUDGET["ram_bytes"] and flash <= BUDGET["flash_bytes"],
    }
    if first.tick_instructions:  # emulated: instructions, and an estimated time
        per_window = ticks * first.tick_instructions
        instructions = int(per_window.mean())
        report.update({
            "instructions_per_inference": instructions,
            "instructions_min_max": [int(per_window.min()), int(per_window.max())],
            "instruction_count_reproducible": first.window_ticks == second.window_ticks,
            "cpi_assumed": CPI,
            "estimated_ms": {f"{mhz} MHz": instructions * CPI / (mhz * 1e3) for mhz in CLOCKS_MHZ},
        })
    else:  # a real board: measured cycles
        cycles = int(ticks.mean())
        report.update({"cycles_per_inference": cycles, "cycles_min_max": [int(ticks.min()), int(ticks.max())],
                       "measured_ms": {f"{b.clock_mhz:g} MHz": cycles / (b.clock_mhz * 1e3)}})
    if backend == "tflm":
        tree = tflm_dir()
        commit = tflm_tree_commit(tree)
        report["tflm_tree"] = {"path": str(tree), "commit": commit, "tested_commit": TFLM_COMMIT}
        if commit is not None and not commit.startswith(TFLM_COMMIT):
            console.print(f"[yellow]warning: TFLM_DIR is at commit {commit[:12]}; edgeppg builds and checks the "
                          f"TFLite Micro backend against {TFLM_COMMIT} (README.md)[/]")
    write_json(folder / result_name(b.name, backend), report)
    return report


def run_on_board(elf: Path, b, uid: str, port: str | None, console: Console) -> SelfTest:
    """Program the board, then read its self-test from the serial console, echoing each line."""
    program(elf, b, uid)
    text = read_console(console_port(port, uid), lambda line: console.print(line, highlight=False))
    # a board has no exit status to report: the summary line's mismatch count is the verdict
    return parse(text, 0, f"{b.name} console")


def compare_mcu(a: dict, b: dict) -> dict[str, float]:
    """B's instructions (or cycles), RAM and flash as fractions of A's."""
    key = "instructions_per_inference" if "instructions_per_inference" in a else "cycles_per_inference"
    return {"instructions": b[key] / a[key],
            "ram": b["ram_bytes"] / a["ram_bytes"], "flash": b["flash_bytes"] / a["flash_bytes"]}
