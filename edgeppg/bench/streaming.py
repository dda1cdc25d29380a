"""`edgeppg bench RUN --target cortex-mN` for a model of the streaming family: the per-update program on
the emulated core.

Builds the streamtest firmware (firmware/apps/streamtest.c) twice: once with the window form beside the
streaming program, to check every update bit for bit against a from-scratch window computation and to
count both (instructions per 2 s update, and per window of the same model); once with the streaming
program alone, for its flash and RAM (the state included, and the measured peak stack).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from edgeppg.mcu import boards
from edgeppg.mcu.build import build_cortex_m4
from edgeppg.mcu.qemu import run_qemu_text, summary, tick_instructions


@dataclass(frozen=True)
class StreamRun:
    updates: int
    mismatched: int
    update_instructions: int
    window_instructions: int
    state_bytes: int
    stack_bytes: int


def parse(text: str, status: int, what: str) -> StreamRun:
    kv = summary(text, "EDGEPPG_STREAM", what, "streaming test")
    per_tick = Fraction(kv["tick_instructions"])
    mismatched = int(kv["mismatched"]) + (status != 0 and int(kv["mismatched"]) == 0)
    return StreamRun(int(kv["updates"]), mismatched, tick_instructions(int(kv["update_ticks"]), per_tick),
                     tick_instructions(int(kv["window_ticks"]), per_tick), int(kv["state"]), int(kv["stack"]))


def bench_stream(tflite: Path, x: np.ndarray, y: np.ndarray, out: Path, board: str = "mps2_an386",
                 opt: str = "-O2", helium: bool = False, plain_c: bool = False) -> dict:
    """The streaming program's cost and its agreement with the window form, on `board` under QEMU, with the
    kernels the window bench used (`helium`: the M55's Helium ones; `plain_c`: the plain C ones)."""
    b = boards.board(board)
    checked = build_cortex_m4(tflite, (x, y), out / "checked", opt, board=b.name, app="streamtest", helium=helium,
                              plain_c=plain_c)
    run = parse(*run_qemu_text(checked.elf, machine=b.qemu_machine), str(checked.elf))
    alone = build_cortex_m4(tflite, (x, y), out / "alone", opt, board=b.name, app="streamtest",
                            extra_cflags="-DEP_STREAM_ONLY", helium=helium, plain_c=plain_c)
    solo = parse(*run_qemu_text(alone.elf, machine=b.qemu_machine), str(alone.elf))
    vectors = x.nbytes + y.nbytes
    return {"board": b.name, "core": b.core, "opt": opt, "updates": run.updates, "bit_exact": run.mismatched == 0,
            "instructions_per_update": run.update_instructions, "instructions_per_window": run.window_instructions,
            "state_bytes": run.state_bytes, "flash_bytes": alone.flash_bytes - vectors,
            "ram_bytes": alone.static_ram_bytes + solo.stack_bytes}
