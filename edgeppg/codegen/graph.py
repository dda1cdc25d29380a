"""A .tflite file as plain Python data: tensors with their quantisation and constants, ops with options.

Read with the `tflite` package (a generated flatbuffer reader); nothing is interpreted or executed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeppg.errors import EdgeppgError
from edgeppg.export.tflite_model import read_model

_DTYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}
_PADDING = {0: "SAME", 1: "VALID"}
_ACTIVATION = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT", 6: "SIGMOID"}


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: type
    scales: np.ndarray  # float32, one per channel (or one)
    zero_points: np.ndarray
    quant_dim: int
    data: np.ndarray | None = None  # constants only

    @property
    def scale(self) -> float:
        return float(self.scales[0]) if len(self.scales) else 0.0

    @property
    def zero_point(self) -> int:
        return int(self.zero_points[0]) if len(self.zero_points) else 0

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize

    def describe(self) -> str:
        return f"tensor {self.index} '{self.name}' {list(self.shape)} {np.dtype(self.dtype).name}"


@dataclass
class Op:
    index: int
    kind: str
    inputs: list[int]
    outputs: list[int]
    options: dict = field(default_factory=dict)

    def describe(self) -> str:
        return f"op {self.index} ({self.kind})"


@dataclass
class Graph:
    path: Path
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]


def _options(op, kind: str) -> dict:
    import tflite

    table = op.BuiltinOptions()
    readers = {
        "CONV_2D": (tflite.Conv2DOptions, lambda o: {
            "padding": _PADDING[o.Padding()], "stride_w": o.StrideW(), "stride_h": o.StrideH(),
            "dilation_w": o.DilationWFactor(), "dilation_h": o.DilationHFactor(),
            "activation": _ACTIVATION[o.FusedActivationFunction()]}),
        "DEPTHWISE_CONV_2D": (tflite.DepthwiseConv2DOptions, lambda o: {
            "padding": _PADDING[o.Padding()], "activation": _ACTIVATION[o.FusedActivationFunction()]}),
        "ADD": (tflite.AddOptions, lambda o: {"activation": _ACTIVATION[o.FusedActivationFunction()]}),
        "FULLY_CONNECTED": (tflite.FullyConnectedOptions, lambda o: {
            "activation": _ACTIVATION[o.FusedActivationFunction()], "keep_num_dims": bool(o.KeepNumDims())}),
        "MEAN": (tflite.ReducerOptions, lambda o: {"keep_dims": bool(o.KeepDims())}),
    }
    if kind not in readers or table is None:
        return {}
    cls, read = readers[kind]
    opts = cls()
    opts.Init(table.Bytes, table.Pos)
    return read(opts)


def read_graph(path: Path) -> Graph:
    """The first subgraph of a .tflite file."""
    import tflite

    path = Path(path)
    model = read_model(path)
    if model.SubgraphsLength() != 1:
        raise EdgeppgError(f"{path}: {model.SubgraphsLength()} subgraphs; edgeppg generates code for one")
    g = model.Subgraphs(0)
    tensors = []
    for i in range(g.TensorsLength()):
        t = g.Tensors(i)
        if t.Type() not in _DTYPES:
            raise EdgeppgError(f"{path}: tensor {i} '{t.Name().decode()}' has an unsupported type code {t.Type()}")
        q = t.Quantization()
        scales = q.ScaleAsNumpy() if q is not None and q.ScaleLength() else np.zeros(0, np.float32)
        zps = q.ZeroPointAsNumpy() if q is not None and q.ZeroPointLength() else np.zeros(0, np.int64)
        buf = model.Buffers(t.Buffer())
        data = None
        if buf is not None and buf.DataLength():
            data = buf.DataAsNumpy().view(_DTYPES[t.Type()]).reshape(tuple(t.ShapeAsNumpy()))
        tensors.append(Tensor(i, t.Name().decode(errors="replace"), tuple(int(d) for d in t.ShapeAsNumpy()),
                              _DTYPES[t.Type()], np.asarray(scales, np.float32), np.asarray(zps, np.int64),
                              int(q.QuantizedDimension()) if q is not None else 0, data))
    ops = []
    for i in range(g.OperatorsLength()):
        op = g.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        kind = tflite.opcode2name(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
        ops.append(Op(i, kind, [int(x) for x in op.InputsAsNumpy()], [int(x) for x in op.OutputsAsNumpy()],
                      _options(op, kind)))
    return Graph(path, tensors, ops, [int(x) for x in g.InputsAsNumpy()], [int(x) for x in g.OutputsAsNumpy()])
