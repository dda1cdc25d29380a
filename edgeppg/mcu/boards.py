"""The boards edgeppg builds firmware for, and what each one is."""

from __future__ import annotations

from dataclasses import dataclass

from edgeppg.errors import EdgeppgError
from edgeppg.mcu.energy import PowerModel

# Nordic's nRF52840 Product Specification, "Current consumption" tables (typical values at 3 V, 25 C, with
# the DC/DC regulator on, as the nRF52840 DK runs it). Check them against the revision of your part.
NRF52840 = PowerModel(
    part="nRF52840", clock_mhz=64.0, supply_v=3.0, run_ma=3.3, sleep_ua=3.16,
    sources={
        "run_ma": "nRF52840 Product Specification, current consumption, CPU running: I_CPU0 (CoreMark from flash, "
                  "cache enabled, 64 MHz, DC/DC, 3 V), typical 3.3 mA",
        "sleep_ua": "nRF52840 Product Specification, current consumption, sleep: I_ON_RAMON_RTC (System ON, full "
                    "256 kB RAM retained, wake on RTC), typical 3.16 uA",
        "supply_v": "the specification's test condition, 3 V",
    })


@dataclass(frozen=True)
class Board:
    name: str  # folder under firmware/platform/ (its board.mk says the compiler's -mcpu and float ABI)
    description: str
    clock_mhz: float
    flash_bytes: int
    ram_bytes: int
    power: PowerModel  # the part's currents that price its cycles (energy per inference, battery life)
    pyocd_target: str = ""  # empty: not a physical board
    counter: str = ""
    core: str = "cortex-m4"  # what benchmark rows call the target
    qemu_machine: str = ""  # QEMU's -M for an emulated board
    dsp: bool = True  # the DSP extension (SMLAD): the kernels' fast path; without it, their plain C
    helium: bool = False  # the M-profile vector extension (MVE): the kernels' Helium inner loops


EMULATED = "instructions (SysTick under -icount)"
BOARDS = {
    "mps2_an386": Board("mps2_an386", "QEMU mps2-an386 (Cortex-M4F, emulated)", 25.0, 4 << 20, 4 << 20,
                        NRF52840,  # QEMU's count is priced as the product part
                        counter=EMULATED, qemu_machine="mps2-an386"),
    "mps2_an385": Board("mps2_an385", "QEMU mps2-an385 (Cortex-M3, no DSP or FPU, emulated)", 25.0, 4 << 20,
                        4 << 20, NRF52840, counter=EMULATED, core="cortex-m3", qemu_machine="mps2-an385",
                        dsp=False),
    "mps2_an500": Board("mps2_an500", "QEMU mps2-an500 (Cortex-M7, emulated)", 25.0, 4 << 20, 4 << 20,
                        NRF52840, counter=EMULATED, core="cortex-m7", qemu_machine="mps2-an500"),
    "mps2_an505": Board("mps2_an505", "QEMU mps2-an505 (Cortex-M33, emulated)", 20.0, 4 << 20, 4 << 20,
                        NRF52840, counter=EMULATED, core="cortex-m33", qemu_machine="mps2-an505"),
    "mps3_an547": Board("mps3_an547", "QEMU mps3-an547 (Cortex-M55 with Helium, emulated)", 32.0, 512 << 10,
                        512 << 10, NRF52840, counter=EMULATED, core="cortex-m55", qemu_machine="mps3-an547",
                        helium=True),
    "nrf52840dk": Board("nrf52840dk", "Nordic nRF52840 DK (Cortex-M4F, 64 MHz)", 64.0, 1 << 20, 256 << 10, NRF52840,
                        pyocd_target="nrf52840", counter="cycles (DWT CYCCNT)"),
}


def cores() -> tuple[str, ...]:
    """Every core some board has, for `--target`."""
    return tuple(sorted({b.core for b in BOARDS.values()}, key=lambda c: int(c.removeprefix("cortex-m"))))


def for_target(target: str, name: str | None = None) -> Board:
    """The board `--target CORE [--board NAME]` means: the named one, which must have that core, else the
    core's emulated board."""
    if name:
        b = board(name)
        if b.core != target:
            raise EdgeppgError(f"--board {b.name} is a {b.core}, not a {target} (--target)")
        return b
    emulated = [b for b in BOARDS.values() if b.core == target and b.qemu_machine]
    if not emulated:
        raise EdgeppgError(f"unknown target '{target}' (available: host, {', '.join(cores())})")
    return emulated[0]


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
