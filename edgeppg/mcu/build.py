"""Generate the C for a model and build the firmware: for QEMU's Cortex-M4, or natively for the host."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeppg.codegen import generate
from edgeppg.codegen.planner import Plan
from edgeppg.errors import EdgeppgError
from edgeppg.mcu.toolchain import firmware_dir, require

FLASH_SECTIONS = (".isr_vector", ".text", ".ARM.exidx", ".data")
RAM_SECTIONS = (".data", ".bss")  # static RAM; the stack is measured, not counted from its reservation


@dataclass
class Build:
    elf: Path
    plan: Plan
    flash_bytes: int
    static_ram_bytes: int  # .data + .bss (the activation arena is in .bss)
    sections: dict[str, int]


def _make(args: list[str], what: str) -> None:
    proc = subprocess.run(["make", "-s", "-C", str(firmware_dir()), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise EdgeppgError(f"building the {what} failed: {' | '.join(detail[-3:])[:400]}")


def section_sizes(elf: Path) -> dict[str, int]:
    proc = subprocess.run(["arm-none-eabi-size", "-A", str(elf)], capture_output=True, text=True, check=True)
    sizes = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def build_cortex_m4(tflite: Path, vectors: tuple[np.ndarray, np.ndarray], out: Path, opt: str = "-O2",
                    plain_c: bool = False) -> Build:
    """The self-test firmware for `tflite` with `vectors` compiled in, built into `out`."""
    require("arm-none-eabi-gcc", "make")
    if opt not in ("-O2", "-Os", "-O3", "-O1"):
        raise EdgeppgError(f"unknown optimisation '{opt}' (use -O2 or -Os)")
    plan = generate(tflite, out / "gen", vectors)
    _make([f"GEN={(out / 'gen').resolve()}", f"OUT={out.resolve()}", f"OPT={opt}", *(["PLAIN_C=1"] if plain_c else [])],
          "Cortex-M4 firmware")
    elf = out / "app.elf"
    sizes = section_sizes(elf)
    return Build(elf, plan, sum(sizes.get(s, 0) for s in FLASH_SECTIONS),
                 sum(sizes.get(s, 0) for s in RAM_SECTIONS), sizes)


def build_host(tflite: Path, vectors: tuple[np.ndarray, np.ndarray], out: Path) -> Path:
    """The same self-test, native, plain C kernels under AddressSanitizer and UBSan."""
    require("make")
    generate(tflite, out / "gen", vectors)
    _make([f"GEN={(out / 'gen').resolve()}", f"OUT={out.resolve()}", "host"], "host self-test")
    return out / "selftest_host"
