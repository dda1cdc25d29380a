"""The TensorFlow Lite Micro backend's generated half: the model as a C array, an op resolver that
registers exactly the ops the model uses, and the arena size.

TFLM's sources are not part of this repository; `firmware/tflm/` compiles this output against a TFLM
tree the user points `TFLM_DIR` at. The arena is the smallest that worked in TFLM's host interpreter
(`export.json`) plus a margin: the host build is 64-bit, so its bookkeeping is larger than on the M4,
but optimised kernels (CMSIS-NN) ask for scratch buffers the reference kernels do not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeppg.codegen.emit import model_header, write_test_vectors
from edgeppg.files import write_text
from edgeppg.export.tflite_model import read_graph, with_crops
from edgeppg.device.contract import Contract
from edgeppg.errors import EdgeppgError



@dataclass(frozen=True)
class TflmOp:
    """What one TFLite builtin op takes from TFLM: the op resolver's method that registers its kernel, the
    kernel's source files (stems under TFLM's kernels/, its cmsis_nn/ variant replacing a stem when the
    CMSIS-NN kernels are built) and the CMSIS-NN source folders those call. The firmware's TFLM library is
    compiled from TFLM's core plus these for the model's ops, not from all 150 kernels."""

    method: str
    kernels: tuple[str, ...]
    cmsis_nn: tuple[str, ...] = ()


OPS = {
    "ADD": TflmOp("AddAdd", ("add", "add_common"), ("BasicMathFunctions",)),
    "ASSIGN_VARIABLE": TflmOp("AddAssignVariable", ("assign_variable",)),
    "AVERAGE_POOL_2D": TflmOp("AddAveragePool2D", ("pooling", "pooling_common"), ("PoolingFunctions",)),
    "CALL_ONCE": TflmOp("AddCallOnce", ("call_once",)),
    "CONCATENATION": TflmOp("AddConcatenation", ("concatenation",)),
    "CONV_2D": TflmOp("AddConv2D", ("conv", "conv_common"), ("ConvolutionFunctions",)),
    "DEPTHWISE_CONV_2D": TflmOp("AddDepthwiseConv2D", ("depthwise_conv", "depthwise_conv_common"),
                                ("ConvolutionFunctions",)),
    "DEQUANTIZE": TflmOp("AddDequantize", ("dequantize", "dequantize_common")),
    "EXPAND_DIMS": TflmOp("AddExpandDims", ("expand_dims",)),
    "FULLY_CONNECTED": TflmOp("AddFullyConnected", ("fully_connected", "fully_connected_common"),
                              ("FullyConnectedFunctions", "ConvolutionFunctions")),
    "MAX_POOL_2D": TflmOp("AddMaxPool2D", ("pooling", "pooling_common"), ("PoolingFunctions",)),
    "MEAN": TflmOp("AddMean", ("reduce", "reduce_common")),
    "MUL": TflmOp("AddMul", ("mul", "mul_common"), ("BasicMathFunctions",)),
    "PAD": TflmOp("AddPad", ("pad", "pad_common"), ("PadFunctions",)),
    "QUANTIZE": TflmOp("AddQuantize", ("quantize", "quantize_common")),
    "READ_VARIABLE": TflmOp("AddReadVariable", ("read_variable",)),
    "RELU": TflmOp("AddRelu", ("activations", "activations_common")),
    "RESHAPE": TflmOp("AddReshape", ("reshape", "reshape_common")),
    "SOFTMAX": TflmOp("AddSoftmax", ("softmax", "softmax_common"), ("SoftmaxFunctions",)),
    "SQUEEZE": TflmOp("AddSqueeze", ("squeeze",)),
    "STRIDED_SLICE": TflmOp("AddStridedSlice", ("strided_slice", "strided_slice_common")),
    "SUM": TflmOp("AddSum", ("reduce", "reduce_common")),
    "TRANSPOSE": TflmOp("AddTranspose", ("transpose", "transpose_common"), ("TransposeFunctions",)),
    "VAR_HANDLE": TflmOp("AddVarHandle", ("var_handle",)),
}
# What every kernel links against, whatever the ops; and CMSIS-NN's helpers every CMSIS-NN kernel calls.
COMMON_KERNELS = ("kernel_util", "micro_tensor_utils")
COMMON_CMSIS_NN = ("NNSupportFunctions",)


def library_sources(ops: list[str]) -> tuple[list[str], list[str]]:
    """The TFLM kernel stems and CMSIS-NN source folders the firmware of a model with these ops links."""
    kernels = list(dict.fromkeys([*COMMON_KERNELS, *(k for op in ops for k in OPS[op].kernels)]))
    folders = list(dict.fromkeys([*COMMON_CMSIS_NN, *(d for op in ops for d in OPS[op].cmsis_nn)]))
    return kernels, folders


ARENA_MARGIN = 0.25  # provisional arena: fraction of the host-measured arena added
ARENA_SLACK = 2048  # provisional arena: bytes added on top (alignment, CMSIS-NN scratch buffers)
# The final arena: TFLM's measured use on the device plus this. Allocation is deterministic for a given
# model, kernels and TFLM, so the margin only covers TFLM's own 16-byte alignment of the arena start.
DEVICE_MARGIN = 64


def arena_size(host_arena: int) -> int:
    """The provisional arena, before the device has said what it uses."""
    return _align16(host_arena * (1 + ARENA_MARGIN) + ARENA_SLACK)


def device_arena(used: int) -> int:
    """The arena to ship: what TFLM used on the device plus DEVICE_MARGIN."""
    return _align16(used + DEVICE_MARGIN)


def _align16(n: float) -> int:
    return int(math.ceil(n / 16) * 16)


def resolver_ops(tflite_path: Path, per_update: bool = False) -> list[str]:
    """The distinct builtin ops of the model, in first-use order, each with its resolver method; with
    `per_update` (a model of the streaming family), its per-update model's too (codegen.tflm_stream)."""
    from edgeppg.codegen import tflm_stream

    graph = read_graph(tflite_path)
    ops = list(dict.fromkeys(op.kind for op in graph.ops))
    if per_update:
        ops = list(dict.fromkeys([*ops, *tflm_stream.per_update_ops(with_crops(graph))]))
    missing = [op for op in ops if op not in OPS]
    if missing:
        raise EdgeppgError(f"{tflite_path}: op {missing[0]} has no TFLite Micro resolver method edgeppg knows")
    return ops


def _c_bytes(name: str, data: bytes) -> str:
    a = np.frombuffer(data, np.uint8)
    rows = ",\n  ".join(", ".join(f"0x{b:02x}" for b in a[i : i + 16]) for i in range(0, len(a), 16))
    return f"alignas(16) const unsigned char {name}[{len(a)}] = {{\n  {rows}\n}};\n"


def generate_tflm(tflite_path: Path, out_dir: Path, arena: int,
                  vectors: tuple[np.ndarray, np.ndarray] | None = None, contract: Contract | None = None,
                  per_update: bool = False, stream_arena: int | None = None) -> int:
    """Write ep_model.h and ep_model_tflm.cc for the TFLM backend with an arena of `arena` bytes; with
    `per_update` (a model of the streaming family), its per-update model too, behind ep_model_stream.h, in
    an arena of `stream_arena` bytes (by default the provisional one, from the host)."""
    from edgeppg.codegen import stream, tflm_stream
    from edgeppg.codegen.contract import generate_contract

    graph = read_graph(tflite_path)
    ops = resolver_ops(tflite_path, per_update)
    registrations = "\n".join(f"  if (r.{OPS[op].method}() != kTfLiteOk) return false;" for op in ops)
    defines = {"EP_MODEL_RESOLVER_OPS": len(ops), "EP_MODEL_STREAMING": int(per_update)}
    stream_data = ""
    out_dir.mkdir(parents=True, exist_ok=True)
    if per_update:
        crops = with_crops(graph)
        prog = stream.program(crops)
        model = tflm_stream.model_of(crops, prog)
        stream_data = _c_bytes("ep_tflm_stream_model_data", model)
        new = prog.maps[graph.inputs[0]].new
        defines.update({"EP_STREAM_ARENA_BYTES": stream_arena or host_stream_arena(model, new),
                        "EP_STREAM_VARIABLES": tflm_stream.variables(prog), "EP_STREAM_PRIMES": prog.primes})
        header = stream.header(prog, graph, tflm_stream.state_bytes(prog), arena=True)
        write_text(out_dir / "ep_model_stream.h", header)
    write_text(out_dir / "ep_model.h", model_header(
        graph, f"for the TFLite Micro backend from {Path(tflite_path).name}", arena,
        "what TFLM allocated in the arena (after the first invoke)",
        "board ticks spent in each op (TFLM's profiler hook)", cxx=True, defines=defines))
    write_text(out_dir / "ep_model_tflm.cc", f"""/* Generated by edgeppg: the model and exactly the kernels it uses
 * ({', '.join(ops)}). Do not edit. */
#include "ep_model.h"
#include "ep_tflm_backend.h"

{_c_bytes("ep_tflm_model_data", Path(tflite_path).read_bytes())}{stream_data}
bool ep_tflm_register_ops(EpOpResolver &r) {{
{registrations}
  return true;
}}
""")
    generate_contract(contract, out_dir)
    if vectors is not None:
        write_test_vectors(out_dir, *vectors)
    return arena


def host_stream_arena(model: bytes, new: int) -> int:
    """The per-update interpreter's arena: the smallest that works in TFLM's host interpreter, plus the
    provisional margin (the window form's arena is measured on the device instead)."""
    from edgeppg.export.runtimes import smallest_arena

    return arena_size(smallest_arena(model, np.zeros((1, new), np.int8), (1, new, 1)))
