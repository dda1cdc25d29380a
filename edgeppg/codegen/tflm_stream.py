"""The streaming program as a TFLite model for TensorFlow Lite Micro: resource variables hold the state.

TFLite Micro runs graphs, not edgeppg's per-update C, but its resource variables (VAR_HANDLE,
READ_VARIABLE, ASSIGN_VARIABLE) keep a tensor from one Invoke to the next. So the per-update program of
codegen/stream.py is written again as a TFLite graph over the window form's constants:

- the input is an update's newest 2 s of int8 samples;
- a feature map that keeps history is a variable of its `frames - new` oldest rows: an update reads it,
  concatenates the new rows, lets each reader take the newest rows it needs (a STRIDED_SLICE), and at the
  end assigns the newest `frames - new` rows back;
- convolutions, ADDs, the MEAN and the head are the window form's ops on fewer rows, with its constants
  and quantisation, so each row's integer arithmetic is the window form's: an update's logits equal the
  window form's on the last 24 s, bit for bit;
- a CALL_ONCE subgraph gives every variable its rows after zeros since forever (the window form's rows on
  a zero-point input), so the first update starts where ep_model_stream_reset() leaves the native program.

Written with the `tflite` package's flatbuffer builders, so the firmware stage needs no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeppg.codegen.stream import Program, program
from edgeppg.errors import EdgeppgError
from edgeppg.export.tflite_model import Graph, Tensor, read_graph, with_crops

VERSIONS = {"CONCATENATION": 2, "STRIDED_SLICE": 2}  # the int8 kernels' op versions; 1 for the rest
_NP_TYPES = {np.int8: 9, np.int32: 2, np.float32: 0, np.int64: 4, np.int16: 7, np.uint8: 3}  # TensorType
INT8, RESOURCE = 9, 13  # TensorType: int8 activations, and a variable's handle
CONTAINER = "edgeppg"


@dataclass
class _Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: int  # TensorType
    data: bytes | None = None
    quant: Tensor | None = None  # whose quantisation it has


@dataclass
class _Op:
    kind: str
    inputs: list[int]
    outputs: list[int]
    options: dict = field(default_factory=dict)


@dataclass
class _Subgraph:
    name: str
    tensors: list[_Tensor] = field(default_factory=list)
    ops: list[_Op] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)

    def tensor(self, t: _Tensor) -> int:
        self.tensors.append(t)
        return len(self.tensors) - 1

    def const(self, name: str, a: np.ndarray, quant: Tensor | None = None) -> int:
        """A constant tensor; the same name and bytes give the same tensor."""
        for i, t in enumerate(self.tensors):
            if t.name == name and t.data == a.tobytes():
                return i
        return self.tensor(_Tensor(name, a.shape, _NP_TYPES[a.dtype.type], a.tobytes(), quant))

    def op(self, kind: str, inputs: list[int], outputs: list[int], **options) -> None:
        self.ops.append(_Op(kind, inputs, outputs, options))


def per_update_model(tflite: Path) -> bytes:
    """The per-update TFLite model of a streaming model's int8 window form (an error names why it has none)."""
    graph = with_crops(read_graph(tflite))
    return model_of(graph, program(graph))


def model_of(graph: Graph, prog: Program) -> bytes:
    """The per-update TFLite model of a window form already read (with_crops) and its program."""
    return _flatbuffer(_build(graph, prog, primed_rows(graph, prog)))


def per_update_ops(graph: Graph) -> list[str]:
    """The builtin ops of the per-update model of a streaming model's window form (with_crops read)."""
    return list(dict.fromkeys(op.kind for sg in _build(graph, program(graph), None) for op in sg.ops))


def state_bytes(prog: Program) -> int:
    """What the variables hold: each map's rows kept from one update to the next."""
    return sum((m.frames - m.new) * m.channels for m in prog.maps.values())


def variables(prog: Program) -> int:
    return sum(m.frames > m.new for m in prog.maps.values())


PROBE_ARENA = 1 << 22  # bytes: TFLM's host interpreter, for the probe only


def primed_rows(graph: Graph, prog: Program) -> dict[int, np.ndarray]:
    """What each map keeps after zeros since forever, found as ep_model_stream_reset() finds it: a probe
    model that also outputs the kept rows runs `prog.primes` updates of zero-point input in TFLM."""
    from edgeppg.export.runtimes import tflm_interpreter

    interp = tflm_interpreter(_flatbuffer(_build(graph, prog, None)), PROBE_ARENA)
    inp = graph.inputs[0]
    zeros = np.full((1, prog.maps[inp].new, 1), graph.tensors[inp].zero_point, np.int8)
    for _ in range(prog.primes):
        interp.set_input(zeros, 0)
        interp.invoke()
    kept = [r for r, m in prog.maps.items() if m.frames > m.new]
    return {r: interp.get_output(1 + k).copy() for k, r in enumerate(kept)}


def _build(graph: Graph, prog: Program, primed: dict[int, np.ndarray] | None) -> list[_Subgraph]:
    """The per-update model; without `primed` rows, a probe: the variables start at the zero point, and
    the rows each map keeps are outputs after the logits."""
    main, init = _Subgraph("update"), _Subgraph("init")
    main.op("CALL_ONCE", [], [], InitSubgraphIndex=1)
    full: dict[int, int] = {}  # map root -> the tensor of its frames (history, then the update's new rows)
    statics: dict[int, int] = {}  # window-form tensor (constants, and what follows the mean) -> its tensor here
    newest: dict[tuple[int, int], int] = {}  # (map root, rows) -> the slice of its newest rows

    def q(t: int) -> Tensor:
        return graph.tensors[t]

    def handle(sg: _Subgraph, root: int) -> int:
        h = sg.tensor(_Tensor(f"state_{root}_handle", (), RESOURCE))
        sg.op("VAR_HANDLE", [], [h], Container=CONTAINER, SharedName=f"state_{root}")
        return h

    def rows3(sg: _Subgraph, name: str, rows: int, root: int) -> int:
        return sg.tensor(_Tensor(name, (1, rows, prog.maps[root].channels), INT8, quant=q(root)))

    def arrive(root: int, new_rows: int) -> None:
        """The update's new rows of a map are in: put them after the map's history."""
        m = prog.maps[root]
        if m.frames == m.new:
            full[root] = new_rows
            return
        h = m.frames - m.new
        history = rows3(main, f"state_{root}", h, root)
        main.op("READ_VARIABLE", [handle(main, root)], [history])
        full[root] = rows3(main, f"map_{root}", m.frames, root)
        main.op("CONCATENATION", [history, new_rows], [full[root]], Axis=1)
        value = primed[root] if primed else np.full((1, h, m.channels), q(root).zero_point, np.int8)
        init.op("ASSIGN_VARIABLE", [handle(init, root), init.const(f"state_{root}_primed", value, q(root))], [])

    def read(t: int, rows: int) -> int:
        """The newest `rows` rows of tensor t's map."""
        root = prog.views[t]
        m = prog.maps[root]
        if rows == m.frames:
            return full[root]
        if (root, rows) not in newest:
            out = rows3(main, f"map_{root}_newest_{rows}", rows, root)
            begin, end = np.array([0, m.frames - rows, 0], np.int32), np.array([1, m.frames, m.channels], np.int32)
            main.op("STRIDED_SLICE", [full[root], main.const(f"begin_{root}_{rows}", begin),
                                      main.const(f"end_{root}_{rows}", end), main.const("ones", np.ones(3, np.int32))],
                    [out])
            newest[(root, rows)] = out
        return newest[(root, rows)]

    def reshape(sg: _Subgraph, src: int, shape: tuple[int, ...], like: int) -> int:
        out = sg.tensor(_Tensor(f"{sg.tensors[src].name}_as_{len(shape)}d", shape, INT8, quant=q(like)))
        sg.op("RESHAPE", [src, sg.const(f"shape_{'x'.join(map(str, shape))}", np.array(shape, np.int32))], [out],
              NewShape=list(shape))
        return out

    def copy_const(t: int) -> int:
        if t not in statics:
            statics[t] = main.const(q(t).name, q(t).data, q(t))
        return statics[t]

    def static_out(op) -> int:
        """The output of an op that runs once per update on what has no time axis (the mean, the head)."""
        t = q(op.outputs[0])
        statics[t.index] = main.tensor(_Tensor(t.name, t.shape, INT8, quant=t))
        return statics[t.index]

    inp = graph.inputs[0]
    n_in = prog.maps[inp].new
    main.inputs = [main.tensor(_Tensor("input", (1, n_in, 1), INT8, quant=q(inp)))]
    arrive(inp, main.inputs[0])
    for i, s in enumerate(prog.steps):
        op = s.op
        if prog.views.get(s.reads[0], s.reads[0]) not in prog.maps:  # after the mean: the op as it is
            ins = [statics[t] if t in statics else copy_const(t) for t in op.inputs]
            main.op(op.kind, ins, [static_out(op)], **_options(op, q))
            continue
        if not s.kernel:  # a view: a reshape or a crop of the newest rows
            continue
        if op.kind == "CONV_2D":
            root = prog.views[s.writes]
            rows = prog.where[(i, 0)]
            x = reshape(main, read(s.reads[0], rows), (1, 1, rows, prog.maps[prog.views[s.reads[0]]].channels),
                        prog.views[s.reads[0]])
            n_out = prog.maps[root].new
            y = main.tensor(_Tensor(f"conv_{i}", (1, 1, n_out, prog.maps[root].channels), INT8, quant=q(root)))
            main.op("CONV_2D", [x, copy_const(op.inputs[1]), copy_const(op.inputs[2])], [y], **_options(op, q))
            arrive(root, reshape(main, y, (1, n_out, prog.maps[root].channels), root))
        elif op.kind == "ADD":
            root = prog.views[s.writes]
            n = prog.maps[root].new
            y = rows3(main, f"add_{i}", n, root)
            main.op("ADD", [read(t, prog.where[(i, a)]) for a, t in enumerate(s.reads)], [y], **_options(op, q))
            arrive(root, y)
        elif op.kind == "MEAN":
            x = read(s.reads[0], prog.where[(i, 0)])
            if len(q(op.inputs[0]).shape) != 3:
                x = reshape(main, x, q(op.inputs[0]).shape, prog.views[s.reads[0]])
            main.op("MEAN", [x, copy_const(op.inputs[1])], [static_out(op)], **_options(op, q))
        else:
            raise EdgeppgError(f"{graph.path}: {op.describe()} has no form in the TFLite Micro streaming model")
    kept = []  # what each map with history keeps for the next update: its newest frames - new rows
    for root, m in prog.maps.items():
        if m.frames > m.new:
            kept.append(read(root, m.frames - m.new))
            main.op("ASSIGN_VARIABLE", [handle(main, root), kept[-1]], [])
    main.outputs = [statics[graph.outputs[0]], *(kept if primed is None else [])]
    return [main, init]


def _options(op, q) -> dict:
    """The window form's op options, as the TFLite option table's fields."""
    o = op.options
    if op.kind == "CONV_2D":
        return {"Padding": _PADDING[o["padding"]], "StrideW": o["stride_w"], "StrideH": o["stride_h"],
                "DilationWFactor": o["dilation_w"], "DilationHFactor": o["dilation_h"],
                "FusedActivationFunction": _ACTIVATION[o["activation"]]}
    if op.kind == "ADD":
        return {"FusedActivationFunction": _ACTIVATION[o["activation"]]}
    if op.kind == "MEAN":
        return {"KeepDims": o["keep_dims"]}
    if op.kind == "RESHAPE":
        return {"NewShape": list(q(op.outputs[0]).shape)}
    raise EdgeppgError(f"{op.describe()}: no TFLite Micro streaming form for {op.kind}")


_PADDING = {"SAME": 0, "VALID": 1}
_ACTIVATION = {"NONE": 0, "RELU": 1, "RELU6": 3}
# Each op's option table in TFLite's schema (BuiltinOptions), by the op's name.
_OPTION_TABLES = {"CONV_2D": "Conv2DOptions", "ADD": "AddOptions", "MEAN": "ReducerOptions",
                  "RESHAPE": "ReshapeOptions", "CONCATENATION": "ConcatenationOptions",
                  "STRIDED_SLICE": "StridedSliceOptions", "VAR_HANDLE": "VarHandleOptions",
                  "READ_VARIABLE": "ReadVariableOptions", "ASSIGN_VARIABLE": "AssignVariableOptions",
                  "CALL_ONCE": "CallOnceOptions"}


def _flatbuffer(subgraphs: list[_Subgraph]) -> bytes:
    """The TFLite flatbuffer of these subgraphs (constants 16-byte aligned, as TFLite's converter writes)."""
    import flatbuffers
    import tflite

    b = flatbuffers.Builder(1 << 16)
    kinds = list(dict.fromkeys(op.kind for sg in subgraphs for op in sg.ops))
    datas: list[bytes] = [b""]  # buffer 0 is the empty one

    def vec(a: np.ndarray) -> int:
        return b.CreateNumpyVector(a)

    def table_vec(start, offsets: list[int]) -> int:
        start(b, len(offsets))
        for o in reversed(offsets):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    def table(name: str, **fields) -> int:
        """One table of the schema: its strings and int lists written first, then its fields in order."""
        made = {k: b.CreateString(v) if isinstance(v, str) else vec(np.array(v, np.int32)) if isinstance(v, list)
                else v for k, v in fields.items()}
        getattr(tflite, f"{name}Start")(b)
        for k, v in made.items():
            if v is not None:
                getattr(tflite, f"{name}Add{k}")(b, v)
        return getattr(tflite, f"{name}End")(b)

    def tensor(t: _Tensor) -> int:
        buffer = 0
        if t.data is not None:
            datas.append(t.data)
            buffer = len(datas) - 1
        name, shape = b.CreateString(t.name), vec(np.array(t.shape, np.int32))
        quant = None
        if t.quant is not None and len(t.quant.scales):
            scale, zero = vec(t.quant.scales.astype(np.float32)), vec(t.quant.zero_points.astype(np.int64))
            quant = table("QuantizationParameters", Scale=scale, ZeroPoint=zero, QuantizedDimension=t.quant.quant_dim)
        return table("Tensor", Shape=shape, Type=t.dtype, Buffer=buffer, Name=name, Quantization=quant)

    def operator(op: _Op) -> int:
        ins, outs = vec(np.array(op.inputs, np.int32)), vec(np.array(op.outputs, np.int32))
        kind = _OPTION_TABLES[op.kind]
        return table("Operator", OpcodeIndex=kinds.index(op.kind), Inputs=ins, Outputs=outs,
                     BuiltinOptionsType=getattr(tflite.BuiltinOptions, kind), BuiltinOptions=table(kind, **op.options))

    def subgraph(sg: _Subgraph) -> int:
        tensors = table_vec(tflite.SubGraphStartTensorsVector, [tensor(t) for t in sg.tensors])
        ops = table_vec(tflite.SubGraphStartOperatorsVector, [operator(op) for op in sg.ops])
        ins, outs = vec(np.array(sg.inputs, np.int32)), vec(np.array(sg.outputs, np.int32))
        return table("SubGraph", Tensors=tensors, Inputs=ins, Outputs=outs, Operators=ops, Name=sg.name)

    def buffer(data: bytes) -> int:
        if not data:
            return table("Buffer")
        b.StartVector(1, len(data), 16)
        b.head -= len(data)
        b.Bytes[b.head:b.head + len(data)] = data
        return table("Buffer", Data=b.EndVector())

    subs = table_vec(tflite.ModelStartSubgraphsVector, [subgraph(sg) for sg in subgraphs])
    codes = [table("OperatorCode", DeprecatedBuiltinCode=min(code, 127), BuiltinCode=code,
                   Version=VERSIONS.get(kind, 1)) for kind in kinds for code in [getattr(tflite.BuiltinOperator, kind)]]
    codes_vec = table_vec(tflite.ModelStartOperatorCodesVector, codes)
    buffers = table_vec(tflite.ModelStartBuffersVector, [buffer(d) for d in datas])
    desc = b.CreateString("edgeppg: the streaming program, per 2 s update (codegen/tflm_stream.py)")
    model = table("Model", Version=3, OperatorCodes=codes_vec, Subgraphs=subs, Description=desc, Buffers=buffers)
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())
