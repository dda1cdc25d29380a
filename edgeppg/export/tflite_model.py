"""A .tflite file as plain Python data: tensors with their quantisation and constants, ops with options.

The one reader of the flatbuffer in edgeppg: export checks ops and quantisation with it, and code
generation lowers its graph. Read with the `tflite` package (a generated flatbuffer reader); nothing is
interpreted or executed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeppg.errors import EdgeppgError

# Layout shuffles that a clean conversion of a 1D convnet never needs: they cost RAM and time on the MCU.
LAYOUT_OPS = frozenset({"TRANSPOSE", "GATHER"})
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
        "STRIDED_SLICE": (tflite.StridedSliceOptions, lambda o: {
            "begin_mask": o.BeginMask(), "end_mask": o.EndMask(), "other_masks": o.EllipsisMask() | o.NewAxisMask()
            | o.ShrinkAxisMask(), "offset": bool(o.Offset())}),
    }
    if kind not in readers or table is None:
        return {}
    cls, read = readers[kind]
    opts = cls()
    opts.Init(table.Bytes, table.Pos)
    return read(opts)


def read_graph(path: Path) -> Graph:
    """The only subgraph of a .tflite file; a damaged file is one clear error, never a traceback."""
    path = Path(path)
    model = read_model(path)
    try:
        return _graph(path, model)
    except EdgeppgError:
        raise
    except Exception as e:  # flatbuffers raises struct, index and type errors on damaged offsets
        raise EdgeppgError(f"{path}: truncated or corrupt TFLite model ({type(e).__name__})") from e


def _graph(path: Path, model) -> Graph:
    import tflite

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
    return [op.kind for op in read_graph(path).ops]


def check_ops_for_micro(path: Path) -> list[str]:
    """The op list, or an error naming an op TFLite Micro has no kernel for, or a layout op that crept in."""
    from edgeppg.export.runtimes import tflm_missing_ops

    ops = op_names(path)
    missing = tflm_missing_ops(Path(path).read_bytes())
    if missing:
        raise EdgeppgError(f"{path}: op {', '.join(missing)} is not supported by TensorFlow Lite Micro")
    layout = [op.kind for op in with_crops(read_graph(path)).ops if op.kind in LAYOUT_OPS]
    if layout:
        raise EdgeppgError(f"{path}: the conversion inserted a layout op ({layout[0]}); the model must not need one")
    return ops


def with_crops(graph: Graph) -> Graph:
    """The graph with every crop of a feature map's length axis as one CROP op (options `begin`, `length`),
    and no layout shuffles around crops.

    The streaming family crops its shortcuts (edgeppg.models.stream). onnx2tf writes a crop as a
    STRIDED_SLICE, and where the cropped map comes out of a residual ADD it goes channels-first for it:
    TRANSPOSE, STRIDED_SLICE (and sometimes the ADD itself) channels-first, TRANSPOSE back. A slice of the
    length axis is a crop in either layout and an ADD is elementwise, so each such island is read back as
    its channels-last ops, and the device copies rows instead of shuffling layouts (TFLite Micro runs the
    ops as written). A channels-first tensor that anything else reads leaves the graph as it was."""
    tensors = list(graph.tensors)
    last: dict[int, int] = {}  # channels-first tensor -> its channels-last twin
    alias: dict[int, int] = {}  # a TRANSPOSE back's output -> the twin it equals
    ops: list[Op] = []

    def twin(t: int, like: int) -> int:
        src = tensors[like]
        tensors.append(Tensor(len(tensors), src.name + "/nwc", (src.shape[0], src.shape[2], src.shape[1]), src.dtype,
                              src.scales, src.zero_points, src.quant_dim))
        last[t] = len(tensors) - 1
        return last[t]

    for op in graph.ops:
        ins = [alias.get(t, t) for t in op.inputs]
        swap = op.kind == "TRANSPOSE" and len(graph.tensors[ins[0]].shape) == 3 and _perm(graph, op) == [0, 2, 1]
        span = _slice_span(graph, op)
        if swap and ins[0] in last:
            alias[op.outputs[0]] = last[ins[0]]
        elif swap:
            last[op.outputs[0]] = ins[0]
        elif span and ins[0] in last and span[0] == 2:
            ops.append(Op(op.index, "CROP", [last[ins[0]]], [twin(op.outputs[0], op.outputs[0])],
                          {"begin": span[1], "length": span[2]}))
        elif span and span[0] == len(graph.tensors[ins[0]].shape) - 2 and graph.tensors[ins[0]].shape[0] == 1:
            ops.append(Op(op.index, "CROP", ins[:1], op.outputs, {"begin": span[1], "length": span[2]}))
        elif op.kind == "ADD" and all(t in last for t in ins[:2]):
            ops.append(Op(op.index, "ADD", [last[t] for t in ins[:2]], [twin(op.outputs[0], op.outputs[0])], op.options))
        else:
            ops.append(Op(op.index, op.kind, ins, op.outputs, op.options))
    read = {t for op in ops for t in op.inputs} | {alias.get(t, t) for t in graph.outputs}
    if read & set(last):  # a channels-first tensor something else reads: not ours to rewrite
        return graph
    return Graph(graph.path, tensors, ops, graph.inputs, [alias.get(t, t) for t in graph.outputs])


def _perm(graph: Graph, op: Op) -> list[int] | None:
    p = graph.tensors[op.inputs[1]].data if len(op.inputs) > 1 else None
    return None if p is None else [int(v) for v in p.reshape(-1)]


def _slice_span(graph: Graph, op: Op) -> tuple[int, int, int] | None:
    """(axis, begin, length) of a STRIDED_SLICE that keeps a contiguous run of one axis, else None."""
    if op.kind != "STRIDED_SLICE" or len(op.inputs) != 4 or op.options.get("other_masks") or op.options.get("offset"):
        return None
    shape = graph.tensors[op.inputs[0]].shape
    consts = [graph.tensors[i].data for i in op.inputs[1:]]
    if any(c is None or c.size != len(shape) for c in consts):
        return None
    begin, end, strides = (c.reshape(-1).astype(np.int64) for c in consts)
    cut = []
    for i, dim in enumerate(shape):
        b = 0 if op.options["begin_mask"] >> i & 1 else int(begin[i]) % dim if begin[i] < 0 else int(begin[i])
        e = dim if op.options["end_mask"] >> i & 1 else min(int(end[i]) + (dim if end[i] < 0 else 0), dim)
        if strides[i] != 1 or not 0 <= b < e:
            return None
        if (b, e) != (0, dim):
            cut.append((i, b, e - b))
    return cut[0] if len(cut) == 1 else None


def _quant(t: Tensor) -> TensorQuant:
    return TensorQuant(t.shape, np.dtype(t.dtype).name, t.scale, t.zero_point)


def io_quant(path: Path) -> tuple[TensorQuant, TensorQuant]:
    """Quantisation of the model's single input and single output."""
    graph = read_graph(path)
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise EdgeppgError(f"{path}: expected one input and one output, found "
                           f"{len(graph.inputs)} and {len(graph.outputs)}")
    return _quant(graph.tensors[graph.inputs[0]]), _quant(graph.tensors[graph.outputs[0]])
