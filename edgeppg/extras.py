"""Which optional dependencies ("extras", declared in pyproject.toml) each command needs, and the one
error a user sees when one is missing: the extra to install, not an ImportError from deep inside."""

from __future__ import annotations

import importlib.util

from edgeppg.errors import EdgeppgError

# import names; tests/test_packaging.py checks each is declared under its extra in pyproject.toml
EXTRAS: dict[str, tuple[str, ...]] = {
    "export": ("onnx", "onnxruntime", "onnx2tf", "tensorflow", "tf_keras", "onnx_graphsurgeon", "sng4onnx",
               "ai_edge_litert", "tflite", "tflite_micro", "flatbuffers", "psutil"),
    "mcu": ("tflite", "tflite_micro", "flatbuffers"),
    "board": ("tflite", "pyocd", "serial", "elftools"),
    "ray": ("ray",),
}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules (blocked)
        return False


def missing(extra: str) -> list[str]:
    return [m for m in EXTRAS[extra] if not _installed(m)]


def require(extra: str, what: str) -> None:
    """Fail before any work when `what` (a command) needs an extra that is not installed."""
    gone = missing(extra)
    if gone:
        raise EdgeppgError(f"{what} needs edgeppg's '{extra}' extra ({', '.join(gone)} not installed): "
                           f"pip install 'edgeppg[{extra}]'")
