"""The TFLite interpreters edgeppg runs, chosen in this one place.

TFLite (for the float and int8 models): the first of `ai_edge_litert` (LiteRT, TFLite's current
home), `tflite_runtime`, `tensorflow.lite` that imports. edgeppg pins ai-edge-litert. For checking
arithmetic it always asks for the reference kernels (`BUILTIN_REF`, no XNNPACK): they are the oracle
the firmware and TFLite Micro are compared with. Benchmarks use the default (optimised) kernels.

TFLite Micro: the `tflite-micro` package's host build of the real TFLM interpreter.
"""

from __future__ import annotations

import faulthandler
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from edgeppg.errors import EdgeppgError


def _litert_module():
    for name in ("ai_edge_litert.interpreter", "tflite_runtime.interpreter", "tensorflow.lite"):
        try:
            return __import__(name, fromlist=["Interpreter"]), name.split(".")[0]
        except ImportError:
            continue
    raise EdgeppgError("no TFLite interpreter is installed (pip install ai-edge-litert)")


def tflite_backend() -> str:
    """Which package provides the TFLite interpreter here."""
    return _litert_module()[1]


def tflite_interpreter(path: Path, reference: bool = True, threads: int = 1):
    """A ready TFLite interpreter for `path`; `reference` selects the reference kernels."""
    mod, _ = _litert_module()
    kwargs = {"num_threads": threads}
    if reference:
        kwargs["experimental_op_resolver_type"] = mod.OpResolverType.BUILTIN_REF
    try:
        interp = mod.Interpreter(model_path=str(path), **kwargs)
        interp.allocate_tensors()
    except (ValueError, RuntimeError) as e:
        raise EdgeppgError(f"{path}: the TFLite interpreter cannot load it ({str(e).splitlines()[0][:200]})") from e
    return interp


def run_tflite(interp, x: np.ndarray) -> np.ndarray:
    """Outputs for inputs x of shape (n, 200), already in the model's input dtype; one window at a time."""
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    shape = tuple(inp["shape"])
    results = np.empty((len(x), *out["shape"][1:]), dtype=out["dtype"])
    for i, window in enumerate(x):
        interp.set_tensor(inp["index"], window.reshape(shape).astype(inp["dtype"]))
        interp.invoke()
        results[i] = interp.get_tensor(out["index"])[0]
    return results


def tflm_interpreter(model: bytes, arena_size: int):
    """The TFLite Micro interpreter on `model`, or RuntimeError if it cannot allocate in `arena_size` bytes."""
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_bytes(model, arena_size=arena_size)


def run_tflm(interp, x: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    outs = []
    for window in x:
        interp.set_input(window.reshape(input_shape), 0)
        interp.invoke()
        outs.append(interp.get_output(0)[0].copy())
    return np.stack(outs)


def _in_child(work: Callable[[], object]) -> tuple[bool, str]:
    """Run `work` in a forked child: (did it finish without error, what it wrote to stderr).

    TFLite Micro's host interpreter reports problems only on file descriptor 2, and with a very small
    arena it can crash the process (a segmentation fault was seen here at 100 bytes) instead of raising,
    so every probe of it runs here.
    """
    with tempfile.TemporaryFile() as log:
        pid = os.fork()
        if pid == 0:  # child: never returns
            faulthandler.disable()  # an expected crash needs no traceback on the parent's stderr
            code = 1
            try:
                os.dup2(log.fileno(), 2)
                work()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        log.seek(0)
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, log.read().decode(errors="replace")


def tflm_works(model: bytes, arena_size: int, sample: np.ndarray, input_shape: tuple[int, ...]) -> bool:
    """Does the model allocate and run in an arena of `arena_size` bytes?"""
    return _in_child(lambda: run_tflm(tflm_interpreter(model, arena_size), sample[:1], input_shape))[0]


def smallest_arena(model: bytes, sample: np.ndarray, input_shape: tuple[int, ...], align: int = 16,
                   limit: int = 16 << 20) -> int:
    """The smallest TFLM arena (a multiple of `align` bytes) in which the model runs, by bisection."""
    hi = 64 << 10
    while not tflm_works(model, hi, sample, input_shape):
        hi *= 2
        if hi > limit:
            raise EdgeppgError(f"the model does not run in TFLite Micro even with a {limit >> 20} MiB arena")
    lo = 0  # invariant: lo fails (or is 0), hi works
    while hi - lo > align:
        mid = (lo + hi) // 2 // align * align
        if mid <= lo:
            break
        if tflm_works(model, mid, sample, input_shape):
            hi = mid
        else:
            lo = mid
    return hi


def tflm_missing_ops(model: bytes) -> list[str]:
    """Builtin ops of `model` that this TFLite Micro build has no kernel for (empty if it has them all).

    TFLM reports a missing kernel only as the log line "Didn't find op for builtin opcode 'NAME'".
    """
    _, log = _in_child(lambda: tflm_interpreter(model, 4 << 20))
    return sorted(set(re.findall(r"Didn't find op for builtin opcode '([A-Z0-9_]+)'", log)))
