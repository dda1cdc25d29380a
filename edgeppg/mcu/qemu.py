"""Run firmware under one of QEMU's emulated Cortex-M boards (mps2-an386, the Cortex-M4, unless a board
says otherwise: edgeppg.mcu.boards) and read what its self-test printed."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from dataclasses import dataclass, field
from pathlib import Path

from edgeppg.errors import EdgeppgError
from edgeppg.mcu.toolchain import require

MACHINE = "mps2-an386"


def qemu_command(elf: Path, machine: str = MACHINE) -> list[str]:
    # -icount shift=0: one instruction per virtual nanosecond, so the board's SysTick counts executed
    # instructions and the count is the same on every run, whatever the host is doing.
    # Semihosting output goes to an explicit stdio chardev: without one, QEMU writes it to stderr.
    from edgeppg.mcu.boards import BOARDS

    extra = next((b.qemu_args for b in BOARDS.values() if b.qemu_machine == machine), ())
    return ["qemu-system-arm", "-M", machine, *extra, "-display", "none", "-monitor", "none", "-serial", "none",
            "-chardev", "stdio,id=console", "-semihosting-config", "enable=on,target=native,chardev=console",
            "-icount", "shift=0,align=off,sleep=off", "-kernel", str(elf)]


@dataclass
class SelfTest:
    windows: int
    mismatched: int
    ticks: int
    tick_instructions: Fraction  # a tick need not be a whole number of instructions (the M55's 32 MHz: 125/4)
    stack_bytes: int
    arena_bytes: int
    counter: str
    arena_used_bytes: int = 0
    mismatches: list[str] = field(default_factory=list)
    window_ticks: list[int] = field(default_factory=list)
    hr_argmax: list[int] = field(default_factory=list)
    exit_code: int = 0

    @property
    def instructions(self) -> int:
        return tick_instructions(self.ticks, self.tick_instructions)


def tick_instructions(ticks, per_tick: Fraction):
    """Instructions in `ticks` counter ticks (a number or an integer array), `per_tick` each, rounded down."""
    return (ticks * per_tick.numerator) // per_tick.denominator


def summary(output: str, tag: str, what: str, test: str = "self-test") -> dict[str, str]:
    """The key=value fields of a test build's `tag` line (EDGEPPG_RESULT, EDGEPPG_STREAM), or one error
    saying where it stopped: the fault it reported, else its last lines."""
    found = re.search(rf"^{tag} (.*)$", output, re.M)
    if found is None:
        fault = re.search(r"^EDGEPPG_FAULT (.*)$", output, re.M)
        tail = " | ".join(output.strip().splitlines()[-3:])[:300] or "no output"
        raise EdgeppgError(f"{what}: the {test} did not finish ({fault.group(1) if fault else tail})")
    return dict(item.split("=", 1) for item in found.group(1).split())


def parse(output: str, exit_code: int, what: str) -> SelfTest:
    kv = summary(output, "EDGEPPG_RESULT", what)
    windows = re.findall(r"^window=(\d+) hr_argmax=(-?\d+) hr_expectation_x10=-?\d+ ticks=(\d+)$", output, re.M)
    return SelfTest(
        windows=int(kv["windows"]), mismatched=int(kv["mismatched"]), ticks=int(kv["ticks"]),
        tick_instructions=Fraction(kv["tick_instructions"]), stack_bytes=int(kv["stack"]), arena_bytes=int(kv["arena"]),
        counter=kv["counter"], arena_used_bytes=int(kv.get("arena_used", kv["arena"])), mismatches=re.findall(r"^(MISMATCH .*)$", output, re.M),
        window_ticks=[int(t) for _, _, t in windows], hr_argmax=[int(h) for _, h, _ in windows], exit_code=exit_code,
    )


def run_qemu_text(elf: Path, timeout: float = 600.0, machine: str = MACHINE) -> tuple[str, int]:
    """What the firmware printed under QEMU, and QEMU's exit status."""
    require("qemu-system-arm")
    try:
        proc = subprocess.run(qemu_command(elf, machine), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise EdgeppgError(f"{elf}: QEMU did not finish within {timeout:.0f} s") from None
    return proc.stdout, proc.returncode


def run_qemu(elf: Path, timeout: float = 600.0, machine: str = MACHINE) -> SelfTest:
    return parse(*run_qemu_text(elf, timeout, machine), str(elf))


def run_host(binary: Path, timeout: float = 600.0) -> SelfTest:
    proc = subprocess.run([str(binary)], capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 and "EDGEPPG_RESULT" not in proc.stdout:
        raise EdgeppgError(f"{binary}: the host self-test failed ({proc.stderr.strip().splitlines()[-1:]})")
    return parse(proc.stdout, proc.returncode, str(binary))


if __name__ == "__main__":  # python -m edgeppg.mcu.qemu FIRMWARE.elf [MACHINE]: run a build by hand, as edgeppg does
    import sys

    text, status = run_qemu_text(Path(sys.argv[1]), machine=sys.argv[2] if len(sys.argv) > 2 else MACHINE)
    print(text, end="")
    sys.exit(status)
