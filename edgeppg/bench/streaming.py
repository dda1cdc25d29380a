"""`edgeppg bench RUN --target cortex-mN` for a model of the streaming family: the per-update program on
the emulated core.

Builds the streamtest firmware (firmware/apps/streamtest.c) twice, with edgeppg's generated program or
with TFLite Micro running the per-update model (codegen/tflm_stream.py): once with the window form beside
it, to check every update bit for bit against a from-scratch window computation and to count both
(instructions per 2 s update, and per window of the same model); once with the streaming program alone,
for its flash and RAM (the state included, and the measured peak stack; TFLM's per-update arena as small
as the first build found it can be).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from edgeppg.codegen.tflm import device_arena
from edgeppg.mcu import boards
from edgeppg.mcu.build import build_cortex_m4, build_tflm
from edgeppg.mcu.qemu import run_qemu_text, summary, tick_instructions


@dataclass(frozen=True)
class StreamRun:
    updates: int
    mismatched: int
    update_instructions: int
    window_instructions: int
    state_bytes: int
    stack_bytes: int
    arena_used: int  # TFLite Micro's per-update interpreter; 0 for the generated program


def parse(text: str, status: int, what: str) -> StreamRun:
    kv = summary(text, "EDGEPPG_STREAM", what, "streaming test")
    per_tick = Fraction(kv["tick_instructions"])
    mismatched = int(kv["mismatched"]) + (status != 0 and int(kv["mismatched"]) == 0)
    return StreamRun(int(kv["updates"]), mismatched, tick_instructions(int(kv["update_ticks"]), per_tick),
                     tick_instructions(int(kv["window_ticks"]), per_tick), int(kv["state"]), int(kv["stack"]),
                     int(kv.get("arena", 0)))


def bench_stream(tflite: Path, x: np.ndarray, y: np.ndarray, out: Path, board: str = "mps2_an386",
                 opt: str = "-O2", helium: bool = False, plain_c: bool = False, backend: str = "native",
                 arena: int = 0) -> dict:
    """The streaming program's cost and its agreement with the window form, on `board` under QEMU, with the
    kernels the window bench used (`helium`: the M55's Helium ones; `plain_c`: the plain C ones), or on
    TFLite Micro (`backend` tflm-*: the per-update model of codegen.tflm_stream, beside the window form in
    its `arena`)."""
    b = boards.board(board)

    def firmware(where: str, flags: str = "", stream_arena: int | None = None):
        if backend != "native":
            return build_tflm(tflite, (x, y), out / where, arena, backend, opt, b.name, flags, app="streamtest",
                              stream_arena=stream_arena)
        return build_cortex_m4(tflite, (x, y), out / where, opt, board=b.name, app="streamtest", helium=helium,
                               plain_c=plain_c, extra_cflags=flags)

    checked = firmware("checked")  # TFLM: the per-update interpreter in the host-sized arena, with a margin
    run = parse(*run_qemu_text(checked.elf, machine=b.qemu_machine), str(checked.elf))
    alone = firmware("alone", "-DEP_STREAM_ONLY", device_arena(run.arena_used) if run.arena_used else None)
    solo = parse(*run_qemu_text(alone.elf, machine=b.qemu_machine), str(alone.elf))
    vectors = x.nbytes + y.nbytes
    return {"board": b.name, "core": b.core, "opt": opt, "backend": backend, "updates": run.updates,
            "bit_exact": run.mismatched == 0,
            "instructions_per_update": run.update_instructions, "instructions_per_window": run.window_instructions,
            "state_bytes": run.state_bytes, "flash_bytes": alone.flash_bytes - vectors,
            "ram_bytes": alone.static_ram_bytes + solo.stack_bytes}
