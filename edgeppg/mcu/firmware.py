"""The self-test firmware of a run: its backends, where each build goes, building it from what export
handed over (the int8 model, the device contract, the test vectors), and running it on a real board.

`edgeppg build`, `edgeppg flash` and `edgeppg bench --target cortex-m4` all build through here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.console import Console

from edgeppg import lock
from edgeppg.device import contract as device_contract
from edgeppg.errors import EdgeppgError
from edgeppg.files import FIRMWARE_DIR, INT8_TFLITE, exported_folder
from edgeppg.mcu import boards, tflm
from edgeppg.mcu.build import Build, build_cortex_m4, build_tflm, helium_suffix
from edgeppg.mcu.flash import board_console, choose_probe, program, read_console
from edgeppg.mcu.qemu import SelfTest, parse, run_qemu

BACKENDS = ("native", *tflm.KERNELS)  # and 'tflm', short for tflm-cmsis-nn


def backend_name(backend: str) -> str:
    """The canonical name of a backend, or a one-line error listing them."""
    name = tflm.ALIASES.get(backend, backend)
    if name not in BACKENDS:
        raise EdgeppgError(f"unknown backend '{backend}' (available: {', '.join(BACKENDS)}; tflm = tflm-cmsis-nn)")
    return name


def elf_name(backend: str) -> str:
    """The firmware file a backend's build links (the firmware Makefile's `app.elf` or `app_tflm.elf`)."""
    return "app.elf" if backend_name(backend) == "native" else "app_tflm.elf"


def test_vectors(folder: Path, windows: int) -> tuple[np.ndarray, np.ndarray]:
    """Quantised held-out windows of the run's test participants and TFLite's int8 logits for them, as
    export computed them once (device_vectors.npz)."""
    return device_contract.read_vectors(folder, windows)


def firmware_out(folder: Path, board: str, opt: str, backend: str, plain_c: bool = False, helium: bool = False) -> Path:
    name = backend_name(backend)
    return folder / FIRMWARE_DIR / (f"{board}{opt}{'' if name == 'native' else '-' + name}{'-plain' if plain_c else ''}"
                                    f"{helium_suffix(helium)}")


def build(folder: Path, x: np.ndarray, y: np.ndarray, opt: str, plain_c: bool, backend: str, board: str,
          console: Console | None = None, contract: device_contract.Contract | None = None,
          extra_cflags: str = "", out: Path | None = None, helium: bool = False) -> Build:
    """The self-test firmware for a run, with edgeppg's generated C or with TFLite Micro."""
    name = backend_name(backend)
    contract = contract or device_contract.read(folder)
    out = out or firmware_out(folder, board, opt, name, plain_c, helium)
    if name == "native":
        return build_cortex_m4(folder / INT8_TFLITE, (x, y), out, opt, plain_c, board, contract,
                               extra_cflags=extra_cflags, helium=helium)
    with (console or Console(stderr=True)).status(
            f"{tflm.kernels(name).label}: TFLM's make builds its library (minutes, once per machine), "
            "then the firmware, whose arena is sized from what TFLM uses on the emulated M4"):
        arena = tflm_device_arena(folder, contract, x, y, opt, name)
        return build_tflm(folder / INT8_TFLITE, (x, y), out, arena, name, opt, board, extra_cflags)


def tflm_device_arena(folder: Path, contract: device_contract.Contract, x: np.ndarray, y: np.ndarray, opt: str,
                      backend: str) -> int:
    """TFLM's arena for this model and kernels: built once with the provisional size (from the host
    interpreter, in the contract), run under QEMU, and sized from the bytes TFLM says it used there
    (see codegen.tflm)."""
    from edgeppg.codegen.tflm import arena_size, device_arena

    sizing = firmware_out(folder, "mps2_an386", opt, backend).with_name("arena-sizing")
    fw = build_tflm(folder / INT8_TFLITE, (x[:1], y[:1]), sizing, arena_size(contract.tflm_host_arena_bytes),
                    backend, opt)
    return device_arena(run_qemu(fw.elf).arena_used_bytes)


def run_on_board(elf: Path, b: boards.Board, uid: str, port: str | None, console: Console) -> SelfTest:
    """Program the board, then read its self-test from its console, echoing each line."""
    program(elf, b, uid)
    with board_console(b, port, uid, elf) as link:
        text = read_console(link, lambda line: console.print(line, highlight=False))
    # a board has no exit status to report: the summary line's mismatch count is the verdict
    return parse(text, 0, f"{b.name} console")


def build_for_board(run_dir: Path, board: str, backend: str, opt: str, windows: int,
                    console: Console | None = None) -> dict:
    """`edgeppg build`: the self-test for a board, and whether it fits the board's flash and RAM."""
    b = boards.board(board)
    folder = exported_folder(run_dir)
    x, y = test_vectors(folder, windows)
    with lock.run_folder(folder, "build"):
        fw = build(folder, x, y, opt, False, backend, b.name, console, helium=boards.fastest_kernels(b))
    stack = fw.sections.get(".stack", 0)  # not run, so the stack counts as the linker reserves it
    flash, ram = fw.flash_bytes - x.nbytes - y.nbytes, fw.static_ram_bytes + stack
    return {"elf": fw.elf, "board": b, "flash_bytes": flash, "ram_bytes": ram, "static_ram_bytes": fw.static_ram_bytes,
            "arena_bytes": fw.arena_bytes, "stack_bytes": stack, "fits": boards.fits(flash, ram, b.name)}


def flash_selftest(run_dir: Path, board: str, probe: str | None, port: str | None, backend: str, opt: str,
                   windows: int, no_build: bool, console: Console) -> SelfTest:
    """`edgeppg flash`: the self-test built (or the one built before) and run on a real board. What the user
    gave is checked before the hardware is looked for, and the probe is found before minutes of building."""
    b = boards.board(board)
    folder = exported_folder(run_dir)
    if no_build:
        elf = firmware_out(folder, b.name, opt, backend, helium=boards.fastest_kernels(b)) / elf_name(backend)
        if not elf.is_file():
            raise EdgeppgError(f"{elf}: no firmware built before (drop --no-build)")
        uid = choose_probe(probe, b, port)
    else:
        contract, vectors = device_contract.read(folder), test_vectors(folder, windows)
        uid = choose_probe(probe, b, port)
        elf = build(folder, *vectors, opt, False, backend, b.name, console, contract=contract,
                    helium=boards.fastest_kernels(b)).elf
    return run_on_board(elf, b, uid, port, console)


__all__ = ["BACKENDS", "backend_name", "build", "build_for_board", "choose_probe", "elf_name", "firmware_out",
           "flash_selftest", "run_on_board", "test_vectors"]
