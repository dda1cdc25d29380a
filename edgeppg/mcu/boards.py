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
    power: PowerModel | None  # the part's currents that price its cycles (None: no datasheet figures recorded)
    pyocd_target: str = ""  # empty: not a physical board (pyOCD's built-in target name otherwise)
    counter: str = ""
    core: str = "cortex-m4"  # what benchmark rows call the target
    qemu_machine: str = ""  # QEMU's -M for an emulated board
    qemu_args: tuple[str, ...] = ()  # more of QEMU's options for it (the M0's enlarged memory)
    dsp: bool = True  # the DSP extension (SMLAD): the kernels' fast path; without it, their plain C
    helium: bool = False  # the M-profile vector extension (MVE): the kernels' Helium inner loops
    part: str = ""  # the wearable board whose memory answers "does it fit" for this one ('' : its own)
    ram_image: bool = False  # loaded into its RAM (code and data) over the probe and started there, not flashed
    rtt: bool = False  # its console is SEGGER RTT over the debug probe, not a serial port


EMULATED = "instructions (SysTick under -icount)"
CYCLES = "cycles (DWT CYCCNT)"
SYSTICK = "cycles (SysTick)"  # the M0 has no DWT cycle counter
# QEMU's nRF51 with 4 MiB of flash and of RAM instead of the part's 256 KiB and 16 KiB, so that every model can
# be measured on the M0 (the memory map has room; platform/microbit/link.ld lays it out)
NRF51_ENLARGED = ("-global", "nrf51-soc.flash-size=4194304", "-global", "nrf51-soc.sram-size=4194304")
# Emulated boards price QEMU's count as the product part (the nRF52840) and answer "fits" for their core's part.
BOARDS = {
    "microbit": Board("microbit", "QEMU microbit (nRF51822's Cortex-M0, memory enlarged, emulated)", 16.0, 4 << 20,
                      4 << 20, NRF52840, counter=EMULATED, core="cortex-m0", qemu_machine="microbit",
                      qemu_args=NRF51_ENLARGED, dsp=False, part="microbit_v1"),
    "mps2_an385": Board("mps2_an385", "QEMU mps2-an385 (Cortex-M3, no DSP or FPU, emulated)", 25.0, 4 << 20,
                        4 << 20, NRF52840, counter=EMULATED, core="cortex-m3", qemu_machine="mps2-an385",
                        dsp=False, part="max32600mbed"),
    "mps2_an386": Board("mps2_an386", "QEMU mps2-an386 (Cortex-M4F, emulated)", 25.0, 4 << 20, 4 << 20,
                        NRF52840, counter=EMULATED, qemu_machine="mps2-an386", part="nrf52840dk"),
    "mps2_an500": Board("mps2_an500", "QEMU mps2-an500 (Cortex-M7, emulated)", 25.0, 4 << 20, 4 << 20,
                        NRF52840, counter=EMULATED, core="cortex-m7", qemu_machine="mps2-an500", part="nucleo_f767zi"),
    "mps2_an505": Board("mps2_an505", "QEMU mps2-an505 (Cortex-M33, emulated)", 20.0, 4 << 20, 4 << 20,
                        NRF52840, counter=EMULATED, core="cortex-m33", qemu_machine="mps2-an505", part="nrf54l15dk"),
    "mps3_an547": Board("mps3_an547", "QEMU mps3-an547 (Cortex-M55 with Helium, emulated)", 32.0, 512 << 10,
                        512 << 10, NRF52840, counter=EMULATED, core="cortex-m55", qemu_machine="mps3-an547",
                        helium=True, part="alif_b1_dk"),
    # the wearable parts, one per core, that `edgeppg flash` programs with pyOCD (its built-in targets; for the
    # M55, whose part pyOCD does not know, a target made from the part's TCMs: edgeppg.mcu.flash); `rtt`: the
    # console is read through the probe, so the part's UART needs no set-up of its own
    "nrf52840dk": Board("nrf52840dk", "Nordic nRF52840 DK (Cortex-M4F, 64 MHz)", 64.0, 1 << 20, 256 << 10, NRF52840,
                        pyocd_target="nrf52840", counter=CYCLES),
    "microbit_v1": Board("microbit_v1", "BBC micro:bit v1 (nRF51822, Cortex-M0, 16 MHz)", 16.0, 256 << 10, 16 << 10,
                         None, pyocd_target="nrf51", counter=SYSTICK, core="cortex-m0", dsp=False),
    "nrf9160dk": Board("nrf9160dk", "Nordic nRF9160 DK (Cortex-M33, 64 MHz)", 64.0, 1 << 20, 256 << 10, None,
                       pyocd_target="nrf91", counter=CYCLES, core="cortex-m33"),
    "nucleo_f767zi": Board("nucleo_f767zi", "ST NUCLEO-F767ZI (STM32F767, Cortex-M7, at its 16 MHz reset clock)",
                           16.0, 2 << 20, 512 << 10, None, pyocd_target="stm32f767zi", counter=CYCLES,
                           core="cortex-m7"),
    "nrf54l15dk": Board("nrf54l15dk", "Nordic nRF54L15 DK (nRF54L15, Cortex-M33, 64 MHz)", 64.0, 1524 << 10,
                        256 << 10, None, pyocd_target="nrf54l", counter=CYCLES, core="cortex-m33", rtt=True),
    "max32600mbed": Board("max32600mbed", "Maxim MAX32600MBED (MAX32600 wellness MCU, Cortex-M3, 24 MHz)", 24.0,
                          256 << 10, 32 << 10, None, pyocd_target="max32600", counter=CYCLES, core="cortex-m3",
                          dsp=False, rtt=True),
    "alif_b1_dk": Board("alif_b1_dk", "Alif Balletto B1 DevKit (Cortex-M55 with Helium, RTSS-HE at 160 MHz)", 160.0,
                        512 << 10, 1496 << 10, None, pyocd_target="alif_b1_he", counter=CYCLES, core="cortex-m55",
                        helium=True, ram_image=True, rtt=True),
}


def cores() -> tuple[str, ...]:
    """Every core some board has, for `--target`."""
    return tuple(sorted({b.core for b in BOARDS.values()}, key=lambda c: int(c.removeprefix("cortex-m"))))


def for_target(target: str | None, name: str | None = None, wearable: bool = False) -> Board:
    """The board `--target CORE [--board NAME]` means: the named one, which must have that core (the core is
    the board's when no target is given), else the core's emulated board, or with `wearable` its part."""
    if name:
        b = board(name)
        if target and b.core != target:
            raise EdgeppgError(f"--board {b.name} is a {b.core}, not a {target} (--target)")
        return b
    emulated = [b for b in BOARDS.values() if b.core == (target or "cortex-m4") and b.qemu_machine]
    if not emulated:
        raise EdgeppgError(f"unknown target '{target}' (available: host, {', '.join(cores())})")
    return part(emulated[0].name) if wearable else emulated[0]


def fastest_kernels(b: Board) -> bool:
    """Whether firmware for the board takes the Helium kernels: a real part with Helium runs its fastest build
    (`build`, `flash`); on a QEMU board both are measured, and `--helium` chooses."""
    return b.helium and bool(b.pyocd_target)


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


def part(name: str) -> Board:
    """The board whose memory says whether firmware built for `name` fits: its core's wearable part for an
    emulated board (QEMU's memory is larger than any part's), the board itself otherwise."""
    b = board(name)
    return board(b.part) if b.part else b


def fits(flash_bytes: int, ram_bytes: int, name: str = PRODUCT_BOARD) -> bool:
    """Does firmware of this flash and RAM (FLASH_MEANS, RAM_MEANS) fit the part (boards.part) of the board?
    The one answer bench, build and stream all give."""
    b = part(name)
    return flash_bytes <= b.flash_bytes and ram_bytes <= b.ram_bytes


def limits(name: str = PRODUCT_BOARD) -> str:
    b = part(name)
    return f"{b.ram_bytes >> 10} KiB RAM / {b.flash_bytes >> 10} KiB flash ({b.name})"
