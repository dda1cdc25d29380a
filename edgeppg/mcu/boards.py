"""The boards edgeppg builds firmware for, and what each one is."""

from __future__ import annotations

from dataclasses import dataclass

from edgeppg.errors import EdgeppgError


@dataclass(frozen=True)
class Board:
    name: str  # folder under firmware/bsp/
    description: str
    clock_mhz: float
    flash_bytes: int
    ram_bytes: int
    pyocd_target: str = ""  # empty: not a physical board
    counter: str = ""


BOARDS = {
    "mps2_an386": Board("mps2_an386", "QEMU mps2-an386 (Cortex-M4F, emulated)", 25.0, 4 << 20, 4 << 20,
                        counter="instructions (SysTick under -icount)"),
    "nrf52840dk": Board("nrf52840dk", "Nordic nRF52840 DK (Cortex-M4F, 64 MHz)", 64.0, 1 << 20, 256 << 10,
                        pyocd_target="nrf52840", counter="cycles (DWT CYCCNT)"),
}


def board(name: str) -> Board:
    key = name.replace("-", "_")
    if key not in BOARDS:
        raise EdgeppgError(f"unknown board '{name}' (available: {', '.join(BOARDS)})")
    return BOARDS[key]
