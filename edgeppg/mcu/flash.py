"""`edgeppg flash`: program a dev board with pyOCD and talk to its firmware over its console.

pyOCD (its Python API) finds the debug probe and programs the ELF: into flash with its built-in target for
the part, or, for a part it does not know (the Alif Balletto B1), into the part's RAM through a target made
here from the part's memory, then started there. The console is the board's serial port (pyserial) or, on a
part whose UART the host cannot reach, SEGGER RTT through the same probe. The self-test firmware prints one
line per window (HR and cycles per inference, from the DWT cycle counter) and a summary line, as under QEMU.
"""

from __future__ import annotations

import re
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from edgeppg.errors import EdgeppgError
from edgeppg.mcu.boards import Board

BAUD = 115200
RTT_BLOCK = "ep_rtt"  # the firmware's RTT control block (platform/segger_rtt)
CODE_BASE, DATA_BASE = 0x00000000, 0x20000000  # a RAM-loaded part's code and data RAM: the M55's ITCM and DTCM


class Link(Protocol):
    """What the console code needs of a board's console: a serial port, or RTT through the probe."""

    def readline(self) -> bytes: ...

    def write(self, data: bytes) -> object: ...


def connected_probes() -> list:
    from pyocd.core.helpers import ConnectHelper

    return ConnectHelper.get_all_connected_probes(blocking=False)


def choose_probe(probe_uid: str | None, board: Board | None = None, port: str | None = None) -> str:
    """The unique id of the probe to use, or a one-line error when there is none (or not that one), or when
    --port is given for a board whose console is not a serial port."""
    if board is not None and board.rtt and port:
        raise EdgeppgError(f"--port: the {board.name}'s console is RTT through its debug probe, not a serial port")
    probes = connected_probes()
    if not probes:
        raise EdgeppgError("no debug probe found: connect the board's debug USB port (is it powered on?)")
    ids = [p.unique_id for p in probes]
    if probe_uid is None:
        if len(ids) > 1:
            raise EdgeppgError(f"{len(ids)} debug probes found ({', '.join(ids)}): choose one with --probe")
        return ids[0]
    if probe_uid not in ids:
        raise EdgeppgError(f"no debug probe '{probe_uid}' (found: {', '.join(ids)})")
    return probe_uid


def pyocd_target(board: Board) -> str:
    """pyOCD's name for the board's part: its built-in target, or for a RAM-loaded part pyOCD does not know, a
    target registered here whose memory is the part's code and data RAM (nothing to erase: RAM is written)."""
    from pyocd.target import TARGET

    if not board.ram_image or board.pyocd_target in TARGET:
        return board.pyocd_target
    from pyocd.coresight.coresight_target import CoreSightTarget

    memory = ram_memory(board)

    def init(self, session):
        CoreSightTarget.__init__(self, session, memory)

    TARGET[board.pyocd_target] = type(board.pyocd_target, (CoreSightTarget,), {"VENDOR": "edgeppg", "__init__": init})
    return board.pyocd_target


def ram_memory(board: Board):
    """A RAM-loaded part's memory as pyOCD maps it: its code RAM and its data RAM, both written directly."""
    from pyocd.core.memory_map import MemoryMap, RamRegion

    return MemoryMap(RamRegion(name="code", start=CODE_BASE, length=board.flash_bytes, access="rwx"),
                     RamRegion(name="data", start=DATA_BASE, length=board.ram_bytes, access="rwx"))


def _session(board: Board, probe_uid: str, attach: bool = False):
    from pyocd.core.helpers import ConnectHelper

    options = {"frequency": 4_000_000, **({"connect_mode": "attach"} if attach else {})}
    session = ConnectHelper.session_with_chosen_probe(unique_id=probe_uid, target_override=pyocd_target(board),
                                                      options=options)
    if session is None:
        raise EdgeppgError(f"could not open the debug probe {probe_uid}")
    return session


def image_start(elf: Path) -> tuple[int, int, int]:
    """A firmware's vector table: its address, and its first two entries (the stack's top, the reset handler)."""
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        table = ELFFile(f).get_section_by_name(".isr_vector")
        if table is None:
            raise EdgeppgError(f"{elf}: no vector table (.isr_vector): not edgeppg's firmware")
        return table["sh_addr"], *struct.unpack_from("<II", table.data())


def symbol(elf: Path, name: str) -> int:
    """The address of a symbol of the firmware."""
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        found = table.get_symbol_by_name(name) if table is not None else None
        if not found:
            raise EdgeppgError(f"{elf}: no symbol '{name}' (built for another console?)")
        return found[0]["st_value"]


def start_in_ram(target, elf: Path) -> None:
    """Start a RAM-loaded image as a reset would start a flashed one: its vector table (VTOR), the main stack
    pointer and the program counter from its first two entries, Thumb state, then run."""
    vtor, sp, reset = image_start(elf)
    target.write32(0xE000ED08, vtor)  # SCB->VTOR
    target.write_core_register("msp", sp)
    target.write_core_register("pc", reset & ~1)
    target.write_core_register("xpsr", 1 << 24)
    target.resume()


def program(elf: Path, board: Board, probe_uid: str) -> None:
    """Program the board: flash and reset it, or (a RAM-loaded part) halt it, load the image and start it."""
    from pyocd.flash.file_programmer import FileProgrammer

    with _session(board, probe_uid) as session:
        if board.ram_image:
            session.target.halt()
            FileProgrammer(session).program(str(elf))
            start_in_ram(session.target, elf)
        else:
            FileProgrammer(session).program(str(elf))
            session.target.reset()


class RTTConsole:
    """The firmware's console through the debug probe: the first up and down rings of its RTT block (at the
    symbol `ep_rtt`), read and written by pyOCD's RTT code, with a serial port's readline and write."""

    def __init__(self, target, address: int, timeout: float = 10.0):
        from pyocd.core.exceptions import RTTError
        from pyocd.debug.rtt import GenericRTTControlBlock

        deadline = time.monotonic() + timeout
        while True:  # the firmware writes the block's id when it starts
            block = GenericRTTControlBlock(target, address=address)
            try:
                block.start()
                break
            except RTTError:
                if time.monotonic() > deadline:
                    raise EdgeppgError(f"no RTT console at {address:#010x} within {timeout:.0f} s: "
                                       "is the firmware running?") from None
                time.sleep(0.05)
        self._up, self._down, self._pending = block.up_channels[0], block.down_channels[0], b""

    def readline(self, timeout: float = 1.0) -> bytes:
        """A line, or what came within the timeout (b"" when nothing), as pyserial's readline gives it."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending and time.monotonic() < deadline:
            data = self._up.read()
            self._pending += data
            if not data:
                time.sleep(0.005)
        line, sep, rest = self._pending.partition(b"\n")
        self._pending = rest if sep else b""
        return line + sep

    def write(self, data: bytes) -> int:
        self._down.write(data, blocking=True)
        return len(data)


@contextmanager
def board_console(board: Board, port: str | None, probe_uid: str, elf: Path) -> Iterator[Link]:
    """The console of the board running `elf`: its serial port (--port, else the probe's own), or RTT through
    the probe for a board without one; every failure to talk to it one line."""
    if board.rtt:
        from pyocd.core.exceptions import Error as PyocdError

        address = symbol(elf, RTT_BLOCK)
        try:
            with _session(board, probe_uid, attach=True) as session:
                yield RTTConsole(session.target, address)
        except PyocdError as e:
            raise EdgeppgError(f"probe {probe_uid}: cannot talk to the {board.name} ({e})") from e
        except EdgeppgError as e:
            raise EdgeppgError(f"probe {probe_uid}: {e}") from e
        return
    import serial

    name = console_port(port, probe_uid)
    try:
        with serial.Serial(name, BAUD, timeout=1.0) as ser:
            yield ser
    except serial.SerialException as e:
        raise EdgeppgError(f"{name}: cannot talk to the board ({e})") from e
    except EdgeppgError as e:
        raise EdgeppgError(f"{name}: {e}") from e


def console_port(port: str | None, probe_uid: str) -> str:
    """The serial port: --port, else the one whose USB serial number is the probe's (the DK's VCOM)."""
    if port:
        return port
    from serial.tools import list_ports

    for p in list_ports.comports():
        if p.serial_number and p.serial_number.lstrip("0") == probe_uid.lstrip("0"):
            return p.device
    raise EdgeppgError(f"no serial port belongs to probe {probe_uid}: give --port (e.g. /dev/ttyACM0)")


def _lines(link: Link, timeout: float) -> Iterator[str]:
    """The board's console lines as they arrive, until the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = link.readline()
        if raw:
            yield raw.decode(errors="replace").rstrip()


def read_console(link: Link, on_line: Callable[[str], None], timeout: float = 120.0) -> str:
    """Lines from the board until the self-test's summary line (or the timeout); returns them all."""
    lines = []
    for line in _lines(link, timeout):
        lines.append(line)
        on_line(line)
        if line.startswith(("EDGEPPG_RESULT", "EDGEPPG_FAULT")):
            break
    if not any(ln.startswith("EDGEPPG_RESULT") for ln in lines):
        raise EdgeppgError(f"no result from the board within {timeout:.0f} s")
    return "\n".join(lines) + "\n"


def stream_to_board(link: Link, data: bytes, on_line: Callable[[str], None], timeout: float = 3600.0) -> str:
    """Hardware in the loop: send a recording to the streaming firmware as it asks for it
    (`EDGEPPG_READY <bytes>`: the board takes each chunk whole before its model runs again, so nothing is lost
    while it computes), echoing every other line, until its summary line. Returns the lines."""
    lines, sent = [], 0
    for line in _lines(link, timeout):
        ask = re.fullmatch(r"EDGEPPG_READY (\d+)", line)
        if ask:
            chunk = data[sent: sent + int(ask.group(1))]
            if not chunk:
                raise EdgeppgError(f"the board asked for more than the {len(data)} bytes of the stream")
            link.write(chunk)
            sent += len(chunk)
            continue
        lines.append(line)
        on_line(line)
        if line.startswith(("EDGEPPG_STREAM ", "EDGEPPG_STREAM_ERROR", "EDGEPPG_FAULT")):
            break
    if not any(ln.startswith("EDGEPPG_STREAM ") for ln in lines):
        last = lines[-1] if lines else "nothing"
        raise EdgeppgError(f"the board did not finish the stream ({last})")
    return "\n".join(lines) + "\n"
