"""What is inside a .tflite file: operators, tensor types and quantisation, read from the flatbuffer.

The `tflite` package is a generated reader for TFLite's flatbuffer schema; nothing is executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeppg.errors import EdgeppgError

# Layout shuffles that a clean conversion of a 1D convnet never needs: they cost RAM and time on the MCU.
LAYOUT_OPS = frozenset({"TRANSPOSE", "GATHER"})
_TYPES = {9: "int8", 0: "float32", 2: "int32", 3: "uint8", 7: "int16", 4: "int64"}


@dataclass(frozen=True)
class TensorQuant:
    shape: tuple[int, ...]
    dtype: str
    scale: float
    zero_point: int

    def to_dict(self) -> dict:
        return {"shape": list(self.shape), "dtype": self.dtype, "scale": self.scale, "zero_point": self.zero_point}


def read_model(path: Path):
    """The flatbuffer's root object; a clear error for a missing, truncated or foreign file."""
    import tflite

    try:
        buf = Path(path).read_bytes()
    except FileNotFoundError:
        raise EdgeppgError(f"{path}: file not found") from None
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise EdgeppgError(f"{path}: not a TFLite model (no TFL3 identifier)")
    try:
        model = tflite.Model.GetRootAsModel(buf, 0)
        graph = model.Subgraphs(0)
        for i in range(graph.OperatorsLength()):
            graph.Operators(i).OpcodeIndex()
        for i in range(graph.TensorsLength()):
            graph.Tensors(i).ShapeAsNumpy()
    except Exception as e:  # flatbuffers raises struct/index errors on a truncated buffer
        raise EdgeppgError(f"{path}: truncated or corrupt TFLite model ({type(e).__name__})") from e
    return model


def op_names(path: Path) -> list[str]:
    """Builtin operator names in execution order."""
    import tflite

    model = read_model(path)
    graph, names = model.Subgraphs(0), []
    for i in range(graph.OperatorsLength()):
        code = model.OperatorCodes(graph.Operators(i).OpcodeIndex())
        # Codes above 127 live in BuiltinCode; older ones only in DeprecatedBuiltinCode.
        names.append(tflite.opcode2name(max(code.BuiltinCode(), code.DeprecatedBuiltinCode())))
    return names


def check_ops_for_micro(path: Path) -> list[str]:
    """The op list, or an error naming an op TFLite Micro has no kernel for, or a layout op that crept in."""
    from edgeppg.export.runtimes import tflm_missing_ops

    ops = op_names(path)
    missing = tflm_missing_ops(Path(path).read_bytes())
    if missing:
        raise EdgeppgError(f"{path}: op {', '.join(missing)} is not supported by TensorFlow Lite Micro")
    layout = [op for op in ops if op in LAYOUT_OPS]
    if layout:
        raise EdgeppgError(f"{path}: the conversion inserted a layout op ({layout[0]}); the model must not need one")
    return ops


def _tensor_quant(graph, index: int) -> TensorQuant:
    t = graph.Tensors(index)
    q = t.Quantization()
    scale = q.ScaleAsNumpy() if q is not None and q.ScaleLength() else np.array([0.0])
    zp = q.ZeroPointAsNumpy() if q is not None and q.ZeroPointLength() else np.array([0])
    return TensorQuant(tuple(int(d) for d in t.ShapeAsNumpy()), _TYPES.get(t.Type(), str(t.Type())),
                       float(scale[0]), int(zp[0]))


def io_quant(path: Path) -> tuple[TensorQuant, TensorQuant]:
    """Quantisation of the model's single input and single output."""
    graph = read_model(path).Subgraphs(0)
    if graph.InputsLength() != 1 or graph.OutputsLength() != 1:
        raise EdgeppgError(f"{path}: expected one input and one output, found "
                           f"{graph.InputsLength()} and {graph.OutputsLength()}")
    return _tensor_quant(graph, graph.Inputs(0)), _tensor_quant(graph, graph.Outputs(0))
