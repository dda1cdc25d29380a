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


# The part a model must fit to count as wearable-ready, whichever board it was measured on.
PRODUCT_BOARD = "nrf52840dk"

# What "flash" and "RAM" mean in every figure edgeppg prints or saves (bench, build, stream, card).
FLASH_MEANS = "code + constants incl. the model, without self-test vectors"
RAM_MEANS = "static data incl. the tensor arena, + stack"


def fits(flash_bytes: int, ram_bytes: int, name: str = PRODUCT_BOARD) -> bool:
    """Does firmware of this flash and RAM (FLASH_MEANS, RAM_MEANS) fit the board? The one answer bench,
    build and stream all give."""
    b = board(name)
    return flash_bytes <= b.flash_bytes and ram_bytes <= b.ram_bytes


def limits(name: str = PRODUCT_BOARD) -> str:
    b = board(name)
    return f"{b.ram_bytes >> 10} KiB RAM / {b.flash_bytes >> 10} KiB flash ({b.name})"
