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

from edgeppg import lock
from edgeppg.errors import EdgeppgError
from edgeppg.files import INT8_TFLITE, bench_mcu_json, exported_folder, profile_json, write_json
from edgeppg.bench.streaming import bench_stream
from edgeppg.codegen import stream
from edgeppg.mcu import boards, energy, tflm
from edgeppg.mcu.firmware import backend_name, build, choose_probe, firmware_out, run_on_board, test_vectors
from edgeppg.mcu.qemu import parse, run_qemu, tick_instructions

CPI = 1.25  # estimated Cortex-M4 cycles per instruction for these kernels (see docs/design.md)
CLOCKS_MHZ = (64, 168)


def kernels_label(b: boards.Board, backend: str, plain_c: bool = False, helium: bool = False) -> str:
    """What computes a build's layers, as reports and benchmark rows name it."""
    if tflm.is_tflm(backend):
        return tflm.kernels(backend).label
    return "plain C" if plain_c or not b.dsp else "Helium (MVE)" if b.helium and helium else "DSP (SMLAD)"


def result_name(board: str, backend: str) -> str:
    """Where a Cortex-M4 bench is saved: one file per board and backend, so no run overwrites another's."""
    return bench_mcu_json(board, backend_name(backend))


@lock.locked("bench --target cortex-m4")
def bench_cortex_m4(path: Path, opt: str = "-O2", windows: int = 16, plain_c: bool = False, helium: bool = False,
                    console: Console | None = None, backend: str = "native", board: str = "mps2_an386",
                    probe: str | None = None, port: str | None = None, battery_mah: float | None = 100.0) -> dict:
    console = console or Console(stderr=True)
    backend = backend_name(backend)
    folder = exported_folder(path)
    b = boards.board(board)
    uid = choose_probe(probe, b, port) if b.pyocd_target else None  # fail before building when no board is attached
    x, y = test_vectors(folder, windows)
    fw = build(folder, x, y, opt, plain_c, backend, b.name, console, helium=helium)
    if b.pyocd_target:
        first = run_on_board(fw.elf, b, uid, port, console)
        second = first  # real cycles: nothing to compare a second run with
    else:
        first, second = run_qemu(fw.elf, machine=b.qemu_machine), run_qemu(fw.elf, machine=b.qemu_machine)
    if first.mismatches:
        console.print(f"[red]{len(first.mismatches)} window(s) differ from TFLite:[/] {first.mismatches[0]}")
    ticks = np.array(first.window_ticks, dtype=np.int64)
    vectors_bytes = x.nbytes + y.nbytes
    ram = fw.static_ram_bytes + first.stack_bytes
    flash = fw.flash_bytes - vectors_bytes
    report = {
        "run": str(folder), "target": b.description, "board": b.name, "opt": opt, "backend": backend,
        "kernels": kernels_label(b, backend, plain_c, helium),
        "core": b.core,
        "bit_exact": first.mismatched == 0 and first.exit_code == 0, "windows": first.windows,
        "windows_mismatched": first.mismatched, "mismatches": first.mismatches[:5],
        "counter": f"{first.counter}" + (f", {first.tick_instructions} instructions per tick"
                                         if first.tick_instructions else ""),
        "flash_bytes": flash, "flash_bytes_with_test_vectors": fw.flash_bytes,
        "ram_bytes": ram, "static_ram_bytes": fw.static_ram_bytes, "arena_bytes": fw.arena_bytes,
        "arena_used_bytes": first.arena_used_bytes,
        "stack_bytes": first.stack_bytes, "sections": fw.sections,
        "fits_board": boards.part(b.name).name, "fits_limits": boards.limits(b.name),
        "fits": boards.fits(flash, ram, b.name),
    }
    if first.tick_instructions:  # emulated: instructions, and an estimated time
        per_window = tick_instructions(ticks, first.tick_instructions)
        instructions = int(per_window.mean())
        report.update({
            "instructions_per_inference": instructions,
            "instructions_min_max": [int(per_window.min()), int(per_window.max())],
            "instruction_count_reproducible": first.window_ticks == second.window_ticks,
            "cpi_assumed": CPI,
            "estimated_ms": {f"{mhz} MHz": instructions * CPI / (mhz * 1e3) for mhz in CLOCKS_MHZ},
        })
        if b.power:
            report["energy"] = energy.estimate(instructions * CPI, b.power, battery_mah=battery_mah)
    else:  # a real board: measured cycles
        cycles = int(ticks.mean())
        report.update({"cycles_per_inference": cycles, "cycles_min_max": [int(ticks.min()), int(ticks.max())],
                       "measured_ms": {f"{b.clock_mhz:g} MHz": cycles / (b.clock_mhz * 1e3)}})
        if b.power:
            report["energy"] = energy.estimate(cycles, b.power, battery_mah=battery_mah)
    if tflm.is_tflm(backend):
        tree = tflm.tflm_dir()
        commit = tflm.tflm_tree_commit(tree)
        report["tflm_tree"] = {"path": str(tree), "commit": commit, "tested_commit": tflm.TFLM_COMMIT}
        if commit is not None and not commit.startswith(tflm.TFLM_COMMIT):
            console.print(f"[yellow]warning: the TFLM tree is at commit {commit[:12]}; edgeppg builds and checks the "
                          f"TFLite Micro backend against {tflm.TFLM_COMMIT} (README.md)[/]")
    if stream.is_streaming(folder / INT8_TFLITE) and b.qemu_machine:
        with console.status("the streaming program: every update against the window form, under QEMU..."):
            report["streaming"] = bench_stream(folder / INT8_TFLITE, x, y, fw.elf.parent.with_name(
                fw.elf.parent.name + "-stream"), b.name, opt, helium, plain_c, backend, fw.arena_bytes)
        report["bit_exact"] = report["bit_exact"] and report["streaming"]["bit_exact"]
    write_json(folder / result_name(b.name, backend), report)
    return report


def compare_mcu(a: dict, b: dict) -> dict[str, float]:
    """B's instructions (or cycles), RAM and flash as fractions of A's."""
    key = "instructions_per_inference" if "instructions_per_inference" in a else "cycles_per_inference"
    return {"instructions": b[key] / a[key],
            "ram": b["ram_bytes"] / a["ram_bytes"], "flash": b["flash_bytes"] / a["flash_bytes"]}


def op_macs(step) -> int:
    """Multiply-accumulates of one lowered op (element operations for ADD and MEAN, none for views)."""
    q = step.params.get("conv", step.params)  # a convolution with a fused ADD: its ADD costs no MACs
    if step.kernel in ("ep_conv1d_s8", "ep_conv1d_add_s8"):
        return q["out_w"] * q["out_c"] * q["kernel"] * q["in_c"]
    if step.kernel == "ep_fully_connected_s8":
        return q["batches"] * q["in_features"] * q["out_features"]
    if step.kernel == "ep_add_s8":
        return q["size"]
    if step.kernel == "ep_mean_s8":
        return q["outer"] * q["length"] * q["inner"]
    return 0


@lock.locked("bench --profile")
def profile_cortex_m4(path: Path, opt: str = "-O2", console: Console | None = None, backend: str = "native",
                      board: str = "mps2_an386", helium: bool = False, plain_c: bool = False) -> dict:
    """Instructions per op on an emulated core (the M4 unless `board` says another), for either backend: the
    native code is a flat list of kernel calls, each timed by the board's counter; TFLM reports each op it
    invokes to a profiler hook, timed the same way (EP_PROFILE). Written to profile_cortex_m4.json
    (profile_cortex_m4_<backend>.json for TFLM) for the M4, with the board's name for another."""
    import re

    from edgeppg.codegen import lower, read_graph
    from edgeppg.mcu.qemu import run_qemu_text

    folder = exported_folder(path)
    backend = backend_name(backend)
    x, y = test_vectors(folder, 1)
    b = boards.board(board)
    if not b.qemu_machine:
        raise EdgeppgError(f"--profile counts instructions on an emulated core, not on {b.name}")
    out = firmware_out(folder, b.name, opt, backend, plain_c, helium)
    fw = build(folder, x, y, opt, plain_c, backend, b.name, console, extra_cflags="-DEP_PROFILE",
               out=out.with_name(out.name + "-profile"), helium=helium)
    text, code = run_qemu_text(fw.elf, machine=b.qemu_machine)
    per_tick = parse(text, code, str(fw.elf)).tick_instructions  # the board says what one tick is
    ticks = {int(i): int(t) for i, t in re.findall(r"^op i=(\d+) ticks=(\d+)$", text, re.M)}
    steps = lower(read_graph(folder / INT8_TFLITE))
    if len(ticks) != len(steps):
        raise EdgeppgError(f"{fw.elf}: the profile build printed {len(ticks)} ops, the model has {len(steps)}")
    rows = []
    for i, step in enumerate(steps):
        macs, instr = op_macs(step), tick_instructions(ticks[i], per_tick)
        kernel = (step.kernel or f"({step.note or 'view'})") if backend == "native" else f"TFLM {step.op.kind}"
        rows.append({"op": i, "kind": step.op.kind, "what": step.op.describe(), "kernel": kernel,
                     "shape": {k: v for k, v in step.params.get("conv", step.params).items()
                               if k in ("in_w", "in_c", "out_w", "out_c", "kernel", "stride", "size")},
                     "macs": macs, "instructions": instr,
                     "instructions_per_mac": round(instr / macs, 3) if macs else None})
    total = sum(r["instructions"] for r in rows)
    report = {"run": str(folder), "board": b.name, "core": b.core, "opt": opt, "backend": backend,
              "kernels": kernels_label(b, backend, plain_c, helium), "ops": rows, "instructions_in_ops": total,
              "macs": sum(r["macs"] for r in rows if r["kind"] in ("CONV_2D", "FULLY_CONNECTED")),
              "resolution": f"{per_tick} instructions (one SysTick tick under -icount)"}
    write_json(folder / profile_json(backend, b.name, helium), report)
    return report
