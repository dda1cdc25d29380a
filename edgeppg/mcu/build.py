"""Generate the C for a model and build the firmware: for QEMU's Cortex-M4, or natively for the host."""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from edgeppg.codegen import generate
from edgeppg.codegen.planner import Plan
from edgeppg.device.contract import Contract
from edgeppg.errors import EdgeppgError
from edgeppg.mcu import boards
from edgeppg.files import firmware_dir
from edgeppg.mcu.toolchain import require, require_cxx

FLASH_SECTIONS = (".isr_vector", ".text", ".ARM.exidx", ".preinit_array", ".init_array", ".data")
RAM_SECTIONS = (".data", ".bss")  # static RAM; the stack is measured, not counted from its reservation


@dataclass
class Build:
    elf: Path
    plan: Plan | None  # edgeppg's arena plan (None for the TFLite Micro backend)
    flash_bytes: int
    static_ram_bytes: int  # .data + .bss (the activation arena is in .bss)
    sections: dict[str, int]
    arena_bytes: int


def helium_suffix(helium: bool) -> str:
    """What a firmware folder's name adds when its kernels are Helium's, so the two builds never share one."""
    return "-mve" if helium else ""


def _make(args: list[str], what: str, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(["make", "-s", "-C", str(firmware_dir()), *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        text = proc.stderr.strip() or proc.stdout.strip()
        overflow = re.findall(r"region [`'](\w+)' overflowed by (\d+) bytes", text)
        if overflow:
            raise EdgeppgError(f"the {what} does NOT fit: " + ", ".join(f"{r} short by {int(n):,} bytes" for r, n in overflow))
        if "No space left on device" in text:  # make deleted what it was writing (.DELETE_ON_ERROR)
            raise EdgeppgError(f"building the {what} failed: no space left on device (errno 28); free some and "
                               "build again")
        raise EdgeppgError(f"building the {what} failed: {' | '.join(text.splitlines()[-3:])[:400]}")


@contextmanager
def _where_make_can_work(out: Path) -> Iterator[Path]:
    """`out` itself, or, when its path has a space (make splits its words on spaces), a temporary folder
    whose contents move into `out` once the build is done."""
    if " " not in str(out.resolve()):
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="edgeppg-build-") as tmp:
        yield Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for item in Path(tmp).iterdir():
            dest = out / item.name
            if dest.is_dir():
                shutil.rmtree(dest)
            shutil.move(str(item), str(dest))


def section_sizes(elf: Path) -> dict[str, int]:
    proc = subprocess.run(["arm-none-eabi-size", "-A", str(elf)], capture_output=True, text=True, check=True)
    sizes = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


OPTS = ("-O1", "-O2", "-O3", "-Os")  # what --opt takes; -O2 and -Os are the ones docs/results.md measures


def _check_opt(opt: str) -> None:
    if opt not in OPTS:
        raise EdgeppgError(f"unknown optimisation '{opt}' (use {', '.join(OPTS[:-1])} or {OPTS[-1]})")


def _result(elf: Path, plan: Plan | None, arena: int) -> Build:
    sizes = section_sizes(elf)
    return Build(elf, plan, sum(sizes.get(s, 0) for s in FLASH_SECTIONS), sum(sizes.get(s, 0) for s in RAM_SECTIONS),
                 sizes, arena)


def build_cortex_m4(tflite: Path, vectors: tuple[np.ndarray, np.ndarray] | None, out: Path, opt: str = "-O2",
                    plain_c: bool = False, board: str = "mps2_an386", contract: Contract | None = None,
                    app: str = "selftest", extra_cflags: str = "", helium: bool = False) -> Build:
    """Firmware for `tflite` built into `out` for `board`: the self-test with `vectors` compiled in, or
    (app="stream") the heart-rate monitor on a sample stream, which needs the device `contract`."""
    require("arm-none-eabi-gcc", "make")
    _check_opt(opt)
    b = boards.board(board)
    if helium and not b.helium:
        raise EdgeppgError(f"--helium: the {b.core} ({b.name}) has no Helium (MVE); the M55 has")
    with _where_make_can_work(out) as work:
        plan = generate(tflite, work / "gen", vectors, contract)
        _make([f"GEN={(work / 'gen').resolve()}", f"OUT={work.resolve()}", f"OPT={opt}", f"BOARD={b.name}",
               f"APP={app}", f"EXTRA_CFLAGS={extra_cflags}", *(["PLAIN_C=1"] if plain_c else []),
               *(["EP_MVE=1"] if helium else [])],
              f"{app} firmware for {b.name}")
        built = _result(work / "app.elf", plan, plan.arena_bytes)
    return replace(built, elf=out / "app.elf")


def build_cxx_check(out: Path, board: str = "mps2_an386") -> Path:
    """The C++ check (firmware/tflm/ep_cxx_check.cc) for `board`: what the TFLite Micro backend needs from the
    start-up code and the C++ runtime (global constructors, virtual calls, static destructors), with no TFLM."""
    require("make")
    require_cxx()
    b = boards.board(board)
    with _where_make_can_work(out) as work:
        _make([f"OUT={work.resolve()}", f"BOARD={b.name}", "cxx-check"], f"C++ check for {b.name}")
    return out / "cxx_check.elf"


def build_tflm(tflite: Path, vectors: tuple[np.ndarray, np.ndarray], out: Path, arena: int,
               backend: str = "tflm-cmsis-nn", opt: str = "-O2", board: str = "mps2_an386",
               extra_cflags: str = "", app: str = "selftest", stream_arena: int | None = None) -> Build:
    """The same self-test (or `app`: streamtest, for a model of the streaming family, its per-update model
    in `stream_arena` bytes) on TFLite Micro's interpreter with an arena of `arena` bytes, against the tree
    edgeppg.mcu.tflm finds, with the kernels `backend` names (TFLM's library is built once, then cached)."""
    from edgeppg.codegen.tflm import generate_tflm, resolver_ops
    from edgeppg.mcu import tflm

    require("arm-none-eabi-gcc", "make")
    require_cxx()
    _check_opt(opt)
    tree, k = tflm.tflm_dir(), tflm.kernels(backend)
    b = boards.board(board)
    env = tflm.make_env()
    per_update = app == "streamtest"
    ops = resolver_ops(tflite, per_update)
    board_args = [f"BOARD={b.name}", *(["EP_MVE=1"] if b.helium else [])]  # CMSIS-NN's Helium kernels on the M55
    _build_tflm_library(tree, k, ops, b.core, board_args, env)
    with _where_make_can_work(out) as work:
        generate_tflm(tflite, work / "gen", arena, vectors, per_update=per_update, stream_arena=stream_arena)
        args = [f"GEN={(work / 'gen').resolve()}", f"OUT={work.resolve()}", f"OPT={opt}", *board_args, f"APP={app}",
                f"EXTRA_CFLAGS={extra_cflags}", *tflm.make_args(tree, k, ops, b.core)]
        _make(["tflm", *args], f"TFLite Micro firmware ({k.label}) for {b.name}", env)
        built = _result(work / "app_tflm.elf", None, arena)
    return replace(built, elf=out / "app_tflm.elf")


def _build_tflm_library(tree: Path, k, ops: list[str], core: str, board_args: list[str], env: dict[str, str]) -> None:
    """TFLM's library for these kernels and ops, built once into the cache and then reused as it is (a lock
    keeps parallel builds apart; a build that fails or is interrupted leaves no library, so it is redone)."""
    from edgeppg.mcu import tflm

    lib = tflm.library_path(tree, k, ops, core)
    if lib.is_file():
        return
    gendir = lib.parent.parent
    gendir.mkdir(parents=True, exist_ok=True)
    with open(gendir.with_name(gendir.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not lib.is_file():
            _make(["tflm-lib", *board_args, *tflm.make_args(tree, k, ops, core)],
                  f"TFLite Micro library ({k.label}: {', '.join(ops)}) for the {core}", env)


def build_host(tflite: Path, vectors: tuple[np.ndarray, np.ndarray], out: Path) -> Path:
    """The same self-test, native, plain C kernels under AddressSanitizer and UBSan."""
    require("make")
    with _where_make_can_work(out) as work:
        generate(tflite, work / "gen", vectors)
        _make([f"GEN={(work / 'gen').resolve()}", f"OUT={work.resolve()}", "host"], "host self-test")
    return out / "selftest_host"
