"""Where the firmware's tools are, and a clear error naming the missing one and how to get it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from edgeppg.errors import EdgeppgError

TOOLS = {
    "arm-none-eabi-gcc": "Debian/Ubuntu: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
                         "(or `make toolchain`); macOS: brew install --cask gcc-arm-embedded",
    "qemu-system-arm": "Debian/Ubuntu: apt-get install qemu-system-arm (or `make toolchain`); macOS: brew install qemu",
    "make": "install GNU make",
}


def firmware_dir() -> Path:
    """The firmware sources: `$EDGEPPG_FIRMWARE`, else `firmware/` beside the package (a source checkout)."""
    path = Path(os.environ.get("EDGEPPG_FIRMWARE") or Path(__file__).resolve().parents[2] / "firmware")
    if not (path / "Makefile").is_file():
        raise EdgeppgError(f"{path}: no firmware sources here (set EDGEPPG_FIRMWARE to the firmware/ folder)")
    return path


def missing_tools(tools: tuple[str, ...] = tuple(TOOLS)) -> list[str]:
    return [t for t in tools if shutil.which(t) is None]


def require(*tools: str) -> None:
    missing = missing_tools(tools or tuple(TOOLS))
    if missing:
        raise EdgeppgError(f"{missing[0]} not found: the Cortex-M4 target needs it ({TOOLS[missing[0]]})")
