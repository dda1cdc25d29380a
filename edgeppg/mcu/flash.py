"""`edgeppg flash`: program a dev board with pyOCD and read its console over the serial port.

pyOCD (its Python API) finds the debug probe, knows the nRF52840 natively and programs the ELF;
pyserial reads the firmware's console. The self-test firmware prints one line per window (HR and
cycles per inference, from the DWT cycle counter) and a summary line, the same as under QEMU.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from edgeppg.errors import EdgeppgError
from edgeppg.mcu.boards import Board

BAUD = 115200


def connected_probes() -> list:
    from pyocd.core.helpers import ConnectHelper

    return ConnectHelper.get_all_connected_probes(blocking=False)


def choose_probe(probe_uid: str | None) -> str:
    """The unique id of the probe to use, or a one-line error when there is none (or not that one)."""
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


def program(elf: Path, board: Board, probe_uid: str) -> None:
    from pyocd.core.helpers import ConnectHelper
    from pyocd.flash.file_programmer import FileProgrammer

    session = ConnectHelper.session_with_chosen_probe(unique_id=probe_uid, target_override=board.pyocd_target,
                                                      options={"frequency": 4_000_000})
    if session is None:
        raise EdgeppgError(f"could not open the debug probe {probe_uid}")
    with session:
        FileProgrammer(session).program(str(elf))
        session.target.reset()


def console_port(port: str | None, probe_uid: str) -> str:
    """The serial port: --port, else the one whose USB serial number is the probe's (the DK's VCOM)."""
    if port:
        return port
    from serial.tools import list_ports

    for p in list_ports.comports():
        if p.serial_number and p.serial_number.lstrip("0") == probe_uid.lstrip("0"):
            return p.device
    raise EdgeppgError(f"no serial port belongs to probe {probe_uid}: give --port (e.g. /dev/ttyACM0)")


def _lines(ser, timeout: float) -> Iterator[str]:
    """The board's console lines as they arrive, until the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = ser.readline()
        if raw:
            yield raw.decode(errors="replace").rstrip()


def read_console(port: str, on_line: Callable[[str], None], timeout: float = 120.0) -> str:
    """Lines from the board until the self-test's summary line (or the timeout); returns them all."""
    import serial

    lines = []
    try:
        with serial.Serial(port, BAUD, timeout=1.0) as ser:
            for line in _lines(ser, timeout):
                lines.append(line)
                on_line(line)
                if line.startswith(("EDGEPPG_RESULT", "EDGEPPG_FAULT")):
                    break
    except serial.SerialException as e:
        raise EdgeppgError(f"{port}: cannot read the board's console ({e})") from e
    if not any(ln.startswith("EDGEPPG_RESULT") for ln in lines):
        raise EdgeppgError(f"{port}: no result from the board within {timeout:.0f} s")
    return "\n".join(lines) + "\n"


def stream_to_board(port: str, data: bytes, on_line: Callable[[str], None], timeout: float = 3600.0) -> str:
    """Hardware in the loop: send a recording to the streaming firmware as it asks for it
    (`EDGEPPG_READY <bytes>`: the board receives each chunk whole by DMA, so nothing is lost while its
    model runs), echoing every other line, until its summary line. Returns the lines."""
    import serial

    lines, sent = [], 0
    try:
        with serial.Serial(port, BAUD, timeout=1.0) as ser:
            for line in _lines(ser, timeout):
                ask = re.fullmatch(r"EDGEPPG_READY (\d+)", line)
                if ask:
                    chunk = data[sent: sent + int(ask.group(1))]
                    if not chunk:
                        raise EdgeppgError(f"{port}: the board asked for more than the {len(data)} bytes of the stream")
                    ser.write(chunk)
                    sent += len(chunk)
                    continue
                lines.append(line)
                on_line(line)
                if line.startswith(("EDGEPPG_STREAM ", "EDGEPPG_STREAM_ERROR", "EDGEPPG_FAULT")):
                    break
    except serial.SerialException as e:
        raise EdgeppgError(f"{port}: cannot talk to the board ({e})") from e
    if not any(ln.startswith("EDGEPPG_STREAM ") for ln in lines):
        last = lines[-1] if lines else "nothing"
        raise EdgeppgError(f"{port}: the board did not finish the stream ({last})")
    return "\n".join(lines) + "\n"
