"""Generate the C for a model and build the firmware: for QEMU's Cortex-M4, or natively for the host."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeppg.codegen import generate
from edgeppg.codegen.planner import Plan
from edgeppg.errors import EdgeppgError
from edgeppg.mcu import boards
from edgeppg.mcu.toolchain import firmware_dir, require, require_cxx

FLASH_SECTIONS = (".isr_vector", ".text", ".ARM.exidx", ".preinit_array", ".init_array", ".data")
RAM_SECTIONS = (".data", ".bss")  # static RAM; the stack is measured, not counted from its reservation
# The TensorFlow Lite Micro commit the TFLM backend is built against: the one the pinned tflite-micro
# Python package (requirements.txt), which measures the host arena and checks the model, is built from.
TFLM_COMMIT = "8f6596d"
TFLM_GET = (f"git clone https://github.com/tensorflow/tflite-micro DIR && git -C DIR checkout {TFLM_COMMIT}, "
            "then export TFLM_DIR=DIR")


@dataclass
class Build:
    elf: Path
    plan: Plan | None  # edgeppg's arena plan (None for the TFLite Micro backend)
    flash_bytes: int
    static_ram_bytes: int  # .data + .bss (the activation arena is in .bss)
    sections: dict[str, int]
    arena_bytes: int


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


def _check_opt(opt: str) -> None:
    if opt not in ("-O2", "-Os", "-O3", "-O1"):
        raise EdgeppgError(f"unknown optimisation '{opt}' (use -O2 or -Os)")


def _result(elf: Path, plan: Plan | None, arena: int) -> Build:
    sizes = section_sizes(elf)
    return Build(elf, plan, sum(sizes.get(s, 0) for s in FLASH_SECTIONS), sum(sizes.get(s, 0) for s in RAM_SECTIONS),
                 sizes, arena)


def build_cortex_m4(tflite: Path, vectors: tuple[np.ndarray, np.ndarray], out: Path, opt: str = "-O2",
                    plain_c: bool = False, board: str = "mps2_an386") -> Build:
    """The self-test firmware for `tflite` with `vectors` compiled in, built into `out` for `board`."""
    require("arm-none-eabi-gcc", "make")
    _check_opt(opt)
    b = boards.board(board)
    plan = generate(tflite, out / "gen", vectors)
    _make([f"GEN={(out / 'gen').resolve()}", f"OUT={out.resolve()}", f"OPT={opt}", f"BOARD={b.name}",
           *(["PLAIN_C=1"] if plain_c else [])], f"firmware for {b.name}")
    return _result(out / "app.elf", plan, plan.arena_bytes)


def build_cxx_check(out: Path, board: str = "mps2_an386") -> Path:
    """The C++ check (firmware/tflm/ep_cxx_check.cc) for `board`: what the TFLite Micro backend needs from the
    start-up code and the C++ runtime (global constructors, virtual calls, static destructors), with no TFLM."""
    require("make")
    require_cxx()
    b = boards.board(board)
    _make([f"OUT={out.resolve()}", f"BOARD={b.name}", "cxx-check"], f"C++ check for {b.name}")
    return out / "cxx_check.elf"


def tflm_dir() -> Path:
    """The TensorFlow Lite Micro tree from $TFLM_DIR, or an error saying what is missing."""
    value = os.environ.get("TFLM_DIR", "")
    if not value:
        raise EdgeppgError("TFLM_DIR is not set: the TFLite Micro backend needs a TensorFlow Lite Micro source tree "
                           f"({TFLM_GET}; README.md: 'The TFLite Micro backend')")
    path = Path(value).expanduser().resolve()
    if not (path / "tensorflow" / "lite" / "micro" / "micro_interpreter.h").is_file():
        raise EdgeppgError(f"{path}: not a TensorFlow Lite Micro tree (TFLM_DIR); get one with: {TFLM_GET}")
    return path


def tflm_tree_commit(path: Path) -> str | None:
    """The commit a TFLM git checkout is at; None when it is not a git checkout or git is missing."""
    if not (path / ".git").exists() or shutil.which("git") is None:
        return None
    proc = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def build_tflm(tflite: Path, vectors: tuple[np.ndarray, np.ndarray], out: Path, host_arena: int,
               opt: str = "-O2", board: str = "mps2_an386") -> Build:
    """The same self-test on TFLite Micro's interpreter, against the tree in $TFLM_DIR."""
    from edgeppg.codegen.tflm import generate_tflm

    require("arm-none-eabi-gcc", "make")
    require_cxx()
    _check_opt(opt)
    tflm = tflm_dir()
    b = boards.board(board)
    arena = generate_tflm(tflite, out / "gen", host_arena, vectors)
    args = [f"GEN={(out / 'gen').resolve()}", f"OUT={out.resolve()}", f"OPT={opt}", f"BOARD={b.name}", f"TFLM_DIR={tflm}"]
    _make(["tflm-lib", *args], "TFLite Micro library")  # TFLM's own make: a no-op once the library is built
    _make(["tflm", *args], f"TFLite Micro firmware for {b.name}")
    return _result(out / "app_tflm.elf", None, arena)


def build_host(tflite: Path, vectors: tuple[np.ndarray, np.ndarray], out: Path) -> Path:
    """The same self-test, native, plain C kernels under AddressSanitizer and UBSan."""
    require("make")
    generate(tflite, out / "gen", vectors)
    _make([f"GEN={(out / 'gen').resolve()}", f"OUT={out.resolve()}", "host"], "host self-test")
    return out / "selftest_host"
