"""Where the firmware's tools are, and a clear error naming the missing one and how to get it."""

from __future__ import annotations

import os
import shutil
import subprocess

from edgeppg.errors import EdgeppgError

TOOLS = {
    "arm-none-eabi-gcc": "Debian/Ubuntu: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
                         "(or `make toolchain`); macOS: brew install --cask gcc-arm-embedded",
    "arm-none-eabi-g++": "Debian/Ubuntu: apt-get install gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib "
                         "(or `make toolchain`); macOS: brew install --cask gcc-arm-embedded",
    "qemu-system-arm": "Debian/Ubuntu: apt-get install qemu-system-arm (or `make toolchain`); macOS: brew install qemu",
    "make": "install GNU make",
}



def missing_tools(tools: tuple[str, ...] = tuple(TOOLS)) -> list[str]:
    return [t for t in tools if shutil.which(t) is None]


def require(*tools: str) -> None:
    missing = missing_tools(tools or tuple(TOOLS))
    if missing:
        raise EdgeppgError(f"{missing[0]} not found: the Cortex-M4 target needs it ({TOOLS[missing[0]]})")


def cxx_library_missing() -> bool:
    """True when arm-none-eabi-g++ or its C++ library (a Debian package apart from the compiler) is missing."""
    if shutil.which("arm-none-eabi-g++") is None:
        return True
    lib = subprocess.run(["arm-none-eabi-g++", "-print-file-name=libstdc++_nano.a"], capture_output=True,
                         text=True).stdout.strip()
    return not os.path.isabs(lib)


def require_cxx() -> None:
    """arm-none-eabi-g++ with its C++ library, or an error saying how to get them."""
    require("arm-none-eabi-g++")
    if cxx_library_missing():
        raise EdgeppgError("arm-none-eabi-g++ has no C++ library (libstdc++_nano.a), which the TFLite Micro backend "
                           "needs: Debian/Ubuntu: apt-get install libstdc++-arm-none-eabi-newlib (or `make toolchain`)")
