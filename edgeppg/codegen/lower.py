"""From TFLite ops to calls of edgeppg's int8 kernels, with every constant computed here, once.

Each supported op becomes a `Step`: the C kernel to call, its integer parameters, the constant arrays it
reads, and the activation tensors it reads and writes. Anything the kernels do not implement exactly
(a float model, an unexpected shape, mixed quantisation, an unknown op) is refused here, naming the op
and tensor, before any C is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from edgeppg.codegen import fixedpoint as fp
from edgeppg.export.tflite_model import Graph, Op, Tensor, with_crops
from edgeppg.errors import EdgeppgError

SUPPORTED = ("CONV_2D", "ADD", "PAD", "STRIDED_SLICE", "MEAN", "RESHAPE", "FULLY_CONNECTED")


# Output positions the M4's convolution loop computes per pass: EP_CONV_POSITIONS in ep_kernels.h; and
# the largest distance between two positions' taps (int16) its specialised loop reaches (ep_conv_dot.h)
CONV_POSITIONS, CONV_DOT_MAX_STEP = 6, 168


@dataclass
class Step:
    op: Op
    kernel: str  # C function, or "" for an op with nothing to run (a RESHAPE view, an ADD fused into a conv)
    params: dict = field(default_factory=dict)  # fields of the kernel's parameter struct (a dict: a nested struct)
    consts: dict[str, np.ndarray] = field(default_factory=dict)  # constant arrays, in argument order
    reads: list[int] = field(default_factory=list)  # activation tensors, in argument order
    writes: int = -1
    scratch: int = 0  # int16 scratch the kernel needs (passed after the constants)
    note: str = ""  # why an op has no kernel, for people ("fused into op 3")


# The most positions a convolution gathers at once, and the scratch that may cost: more positions share
# each channel's set-up (its requantisation constants, weights pointer); the scratch is RAM.
CONV_SPAN_MAX, CONV_SCRATCH_BYTES = 2 * CONV_POSITIONS, 1536


def conv_scratch_len(in_c: int, kernel: int, stride: int, row: int, span: int) -> int:
    """The int16 scratch of the M4's convolution: ep_conv_scratch_len() in ep_conv.c, stated again here so
    the generator can allocate it (tests compile the C and compare)."""
    if in_c % 4 == 0:
        return ((span - 1) * stride + kernel) * in_c
    return span * row


def conv_step(in_c: int, stride: int, row: int) -> int:
    """int16 from one output position's taps to the next's in the scratch copy (ep_conv.c's gather)."""
    return stride * in_c if in_c % 4 == 0 else row


def conv_span(in_c: int, kernel: int, stride: int, row: int, out_w: int) -> int:
    """Positions gathered at once: the most (a multiple of CONV_POSITIONS, no more than the layer has) whose
    scratch fits CONV_SCRATCH_BYTES, and never fewer than one pass."""
    spans = range(CONV_POSITIONS, CONV_SPAN_MAX + 1, CONV_POSITIONS)
    fitting = [n for n in spans if 2 * conv_scratch_len(in_c, kernel, stride, row, n) <= CONV_SCRATCH_BYTES
               and n - CONV_POSITIONS < out_w]
    return max(fitting, default=CONV_POSITIONS)


def _fail(graph: Graph, what: str, msg: str) -> EdgeppgError:
    return EdgeppgError(f"{graph.path}: {what}: {msg}")


def _int8(graph: Graph, op: Op, t: Tensor) -> None:
    if t.dtype is not np.int8:
        raise _fail(graph, op.describe(), f"{t.describe()} is not int8 (a float model? export with --int8)")
    if len(t.scales) != 1:
        raise _fail(graph, op.describe(), f"{t.describe()} is quantised per channel; activations must be per tensor")


def _act_range(activation: str, out: Tensor, graph: Graph, op: Op) -> tuple[int, int]:
    """TFLite's CalculateActivationRangeQuantized for int8."""
    def q(v: float) -> int:
        return out.zero_point + int(np.floor(abs(v / out.scale) + 0.5) * np.sign(v / out.scale))

    if activation == "NONE":
        return -128, 127
    if activation == "RELU":
        return max(-128, q(0.0)), 127
    if activation == "RELU6":
        return max(-128, q(0.0)), min(127, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(-128, q(-1.0)), min(127, q(1.0))
    raise _fail(graph, op.describe(), f"fused activation {activation} is not supported")


def _squeeze_nwc(graph: Graph, op: Op, t: Tensor) -> tuple[int, int]:
    """(length, channels) of a [1, L, C] or [1, 1, L, C] tensor."""
    s = t.shape
    if len(s) == 3 and s[0] == 1:
        return s[1], s[2]
    if len(s) == 4 and s[0] == 1 and s[1] == 1:
        return s[2], s[3]
    raise _fail(graph, op.describe(), f"{t.describe()}: expected a 1-D feature map [1, L, C] or [1, 1, L, C]")


def _per_channel(graph: Graph, op: Op, inp: Tensor, w: Tensor, out: Tensor, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    scales = w.scales if len(w.scales) == n_out else (np.full(n_out, w.scales[0]) if len(w.scales) == 1 else None)
    if scales is None:
        raise _fail(graph, op.describe(), f"{w.describe()} has {len(w.scales)} scales for {n_out} output channels")
    if np.any(w.zero_points != 0):
        raise _fail(graph, op.describe(), f"{w.describe()} has non-zero weight zero points (not symmetric)")
    mults, shifts = zip(*(fp.quantize_multiplier(float(inp.scale) * float(s) / float(out.scale)) for s in scales))
    return np.array(mults, np.int32), np.array(shifts, np.int32)


def _bias(graph: Graph, op: Op, b: Tensor | None, n: int) -> np.ndarray:
    if b is None:
        return np.zeros(n, np.int32)
    if b.data is None or b.dtype is not np.int32 or b.data.size != n:
        raise _fail(graph, op.describe(), f"{b.describe()}: expected {n} constant int32 biases")
    return b.data.astype(np.int32).reshape(n)


def _conv(graph: Graph, op: Op) -> Step:
    inp, w, out = (graph.tensors[i] for i in op.inputs[:2] + op.outputs[:1])
    b = graph.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    for t in (inp, out):
        _int8(graph, op, t)
    if w.data is None or w.dtype is not np.int8:
        raise _fail(graph, op.describe(), f"{w.describe()}: weights must be constant int8")
    o = op.options
    if o["dilation_w"] != 1 or o["dilation_h"] != 1:
        raise _fail(graph, op.describe(), "dilated convolutions are not supported")
    in_w, in_c = _squeeze_nwc(graph, op, inp)
    out_w, out_c = _squeeze_nwc(graph, op, out)
    if len(w.shape) != 4 or w.shape[1] != 1 or w.shape[0] != out_c or w.shape[3] != in_c:
        raise _fail(graph, op.describe(), f"{w.describe()}: expected a 1 x k filter [{out_c}, 1, k, {in_c}]")
    k, stride = w.shape[2], o["stride_w"]
    if o["padding"] == "SAME":
        expect = -(-in_w // stride)
        pad_total = max((expect - 1) * stride + k - in_w, 0)
        pad_left = pad_total // 2
    else:
        expect, pad_left = (in_w - k) // stride + 1, 0
    if out_w != expect:
        raise _fail(graph, op.describe(), f"{out.describe()}: length {out_w}, expected {expect}")
    mult, shift = _per_channel(graph, op, inp, w, out, out_c)
    act_min, act_max = _act_range(o["activation"], out, graph, op)
    bias = _bias(graph, op, b, out_c)
    taps = w.data.reshape(out_c, k * in_c)
    row = -(-k * in_c // 4) * 4  # each channel's taps padded with zeros to whole words, as the M4 loop reads them
    span, step = conv_span(in_c, k, stride, row, out_w), conv_step(in_c, stride, row)
    return Step(op, "ep_conv1d_s8", {
        "in_w": in_w, "in_c": in_c, "out_w": out_w, "out_c": out_c, "kernel": k, "stride": stride,
        "pad_left": pad_left, "row": row, "span": span, "input_offset": -inp.zero_point, "output_offset": out.zero_point,
        "act_min": act_min, "act_max": act_max,
        # the inner loop specialised for this layer's step (ep_conv_dot.h), where LDRD's offsets reach
        "dot": f"EP_CONV_DOT({step})" if step <= CONV_DOT_MAX_STEP else "0",
    }, {"filter": np.pad(taps, ((0, 0), (0, row - k * in_c))),
        # the bias with the input offset folded in: all the kernels store (ep_conv.c)
        "bias_full": fp.wrap32(bias.astype(np.int64) - inp.zero_point * taps.astype(np.int64).sum(axis=1)
                               ).astype(np.int32),
        "mult": mult, "shift": shift}, [inp.index], out.index, scratch=conv_scratch_len(in_c, k, stride, row, span))


def _add(graph: Graph, op: Op) -> Step:
    a, b, out = (graph.tensors[i] for i in op.inputs[:2] + op.outputs[:1])
    for t in (a, b, out):
        _int8(graph, op, t)
        if t.data is not None:
            raise _fail(graph, op.describe(), f"{t.describe()}: adding a constant is not supported")
    if a.shape != b.shape or a.shape != out.shape:
        raise _fail(graph, op.describe(), f"shapes {list(a.shape)} + {list(b.shape)} -> {list(out.shape)}: "
                                          "broadcasting is not supported")
    left_shift = 20
    twice_max = 2 * max(float(a.scale), float(b.scale))
    m1, s1 = fp.quantize_multiplier_smaller_than_one(float(a.scale) / twice_max)
    m2, s2 = fp.quantize_multiplier_smaller_than_one(float(b.scale) / twice_max)
    try:
        mo, so = fp.quantize_multiplier_smaller_than_one(twice_max / ((1 << left_shift) * float(out.scale)))
    except ValueError:
        raise _fail(graph, op.describe(), f"{out.describe()}: output scale too small for TFLite's ADD") from None
    act_min, act_max = _act_range(op.options["activation"], out, graph, op)
    return Step(op, "ep_add_s8", {
        "size": int(np.prod(out.shape)), "left_shift": left_shift,
        "in1_offset": -a.zero_point, "in1_mult": m1, "in1_shift": s1,
        "in2_offset": -b.zero_point, "in2_mult": m2, "in2_shift": s2,
        "out_offset": out.zero_point, "out_mult": mo, "out_shift": so, "act_min": act_min, "act_max": act_max,
    }, {"table1": fp.add_input_table(-a.zero_point, left_shift, m1, s1),  # each input's rescaling, per int8 value
        "table2": fp.add_input_table(-b.zero_point, left_shift, m2, s2)}, [a.index, b.index], out.index)


def _moves_values(graph: Graph, op: Op, inp: Tensor, out: Tensor) -> None:
    """An op that moves int8 values without rescaling them (a pad, a crop): both sides int8, one quantisation."""
    _int8(graph, op, inp)
    _int8(graph, op, out)
    if (inp.scale, inp.zero_point) != (out.scale, out.zero_point):
        raise _fail(graph, op.describe(), "input and output quantisation differ")


def _pad(graph: Graph, op: Op) -> Step:
    inp, pads, out = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    _moves_values(graph, op, inp, out)
    if pads.data is None:
        raise _fail(graph, op.describe(), f"{pads.describe()}: paddings must be constant")
    p = pads.data.reshape(-1, 2)
    axis = len(p) - 2  # the length axis of [.., L, C]
    if np.any(np.delete(p, axis, axis=0) != 0):
        raise _fail(graph, op.describe(), f"only the length axis may be padded, got {p.tolist()}")
    in_w, c = _squeeze_nwc(graph, op, inp)
    out_w, _ = _squeeze_nwc(graph, op, out)
    before, after = int(p[axis, 0]), int(p[axis, 1])
    if out_w != in_w + before + after:
        raise _fail(graph, op.describe(), f"{out.describe()}: length {out_w}, expected {in_w + before + after}")
    return Step(op, "ep_pad_s8", {"in_w": in_w, "channels": c, "pad_before": before, "pad_after": after,
                                  "value": out.zero_point}, {}, [inp.index], out.index)


def _crop(graph: Graph, op: Op) -> Step:
    """A run of the length axis (tflite_model.with_crops: a STRIDED_SLICE, with or without layout TRANSPOSEs)."""
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    _moves_values(graph, op, inp, out)
    in_w, c = _squeeze_nwc(graph, op, inp)
    out_w, c_out = _squeeze_nwc(graph, op, out)
    if c_out != c or out_w != op.options["length"] or op.options["begin"] + out_w > in_w:
        raise _fail(graph, op.describe(), f"{out.describe()} is not rows {op.options['begin']}.. of {inp.describe()}")
    return Step(op, "ep_crop_s8", {"in_w": in_w, "channels": c, "begin": op.options["begin"], "out_w": out_w},
                {}, [inp.index], out.index)


def _mean(graph: Graph, op: Op) -> Step:
    inp, axes, out = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    _int8(graph, op, inp)
    _int8(graph, op, out)
    if axes.data is None:
        raise _fail(graph, op.describe(), f"{axes.describe()}: axes must be constant")
    rank = len(inp.shape)
    ax = sorted({int(a) % rank for a in axes.data.reshape(-1)})
    if ax != list(range(ax[0], ax[-1] + 1)):
        raise _fail(graph, op.describe(), f"reduced axes {ax} are not contiguous")
    outer = int(np.prod(inp.shape[: ax[0]]))
    length = int(np.prod(inp.shape[ax[0] : ax[-1] + 1]))
    inner = int(np.prod(inp.shape[ax[-1] + 1 :]))
    mult, shift = fp.mean_multiplier(inp.scale, out.scale, length)
    return Step(op, "ep_mean_s8", {"outer": outer, "length": length, "inner": inner, "input_zp": inp.zero_point,
                                   "mult": mult, "shift": shift, "output_zp": out.zero_point}, {}, [inp.index], out.index)


def _fully_connected(graph: Graph, op: Op) -> Step:
    inp, w, out = (graph.tensors[i] for i in op.inputs[:2] + op.outputs[:1])
    b = graph.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    _int8(graph, op, inp)
    _int8(graph, op, out)
    if w.data is None or w.dtype is not np.int8 or len(w.shape) != 2:
        raise _fail(graph, op.describe(), f"{w.describe()}: weights must be constant int8 [out, in]")
    n_out, n_in = w.shape
    batches = int(np.prod(inp.shape)) // n_in
    if batches * n_in != int(np.prod(inp.shape)) or int(np.prod(out.shape)) != batches * n_out:
        raise _fail(graph, op.describe(), f"{inp.describe()} does not fit {w.describe()}")
    mult, shift = _per_channel(graph, op, inp, w, out, n_out)
    act_min, act_max = _act_range(op.options["activation"], out, graph, op)
    return Step(op, "ep_fully_connected_s8", {
        "batches": batches, "in_features": n_in, "out_features": n_out, "input_offset": -inp.zero_point,
        "output_offset": out.zero_point, "act_min": act_min, "act_max": act_max,
    }, {"weights": w.data, "bias": _bias(graph, op, b, n_out), "mult": mult, "shift": shift}, [inp.index], out.index)


def _reshape(graph: Graph, op: Op) -> Step:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if inp.nbytes != out.nbytes or inp.dtype is not out.dtype:
        raise _fail(graph, op.describe(), f"{inp.describe()} -> {out.describe()} changes the data size")
    if (inp.scale, inp.zero_point) != (out.scale, out.zero_point):
        raise _fail(graph, op.describe(), "a reshape that changes quantisation is not a view")
    return Step(op, "", {}, {}, [inp.index], out.index)


_LOWER = {"CONV_2D": _conv, "ADD": _add, "PAD": _pad, "CROP": _crop, "MEAN": _mean, "RESHAPE": _reshape,
          "FULLY_CONNECTED": _fully_connected}


def buffer_of(steps: list[Step]) -> Callable[[int], int]:
    """Which buffer each tensor lives in, named by a tensor: a step with no kernel (a RESHAPE view, an ADD
    fused into a convolution) writes into its input's buffer. The arena planner and fusion both ask."""
    root: dict[int, int] = {}

    def find(t: int) -> int:
        while root.get(t, t) != t:
            t = root[t]
        return t

    for s in steps:
        if not s.kernel:
            root[s.writes] = find(s.reads[0])
    return find


def fuse_residual_adds(graph: Graph, steps: list[Step]) -> list[Step]:
    """A convolution whose output only feeds an ADD becomes one step that adds its results into the ADD's
    other input in place (ep_conv1d_add_s8): a residual block then needs two feature maps, not three, and
    no separate pass over the sum. Only where that is safe: the other input (the residual) was made
    before the convolution, is read by nothing after the convolution but this ADD (nor is any view of the
    same buffer), is not the convolution's input, and is neither the model's input nor its output."""
    producer = {s.writes: i for i, s in enumerate(steps) if s.kernel}
    readers: dict[int, list[int]] = {}
    for i, s in enumerate(steps):
        for t in s.reads:
            readers.setdefault(t, []).append(i)
    fixed = set(graph.inputs) | set(graph.outputs)
    tensors = {t for s in steps for t in s.reads + [s.writes]}
    out = list(steps)

    for i, add in enumerate(steps):
        if add.kernel != "ep_add_s8":
            continue
        for side in (0, 1):
            conv_t, res_t = add.reads[side], add.reads[1 - side]
            j = producer.get(conv_t, -1)
            if (j < 0 or out[j].kernel != "ep_conv1d_s8" or conv_t == res_t or conv_t in fixed
                    or readers[conv_t] != [i]):
                continue
            find = buffer_of(out)
            conv, shared = out[j], {t for t in tensors if find(t) == find(res_t)}
            if (shared & fixed or shared & set(conv.reads) or producer.get(res_t, len(steps)) >= j
                    or any(k > j and k != i for t in shared for k in readers.get(t, []))):
                continue
            q = dict(add.params)
            t1, t2 = add.consts["table1"], add.consts["table2"]
            if side == 1:  # the convolution is ADD's second input: its parameters go first
                for a, b in (("in1_offset", "in2_offset"), ("in1_mult", "in2_mult"), ("in1_shift", "in2_shift")):
                    q[a], q[b] = add.params[b], add.params[a]
                t1, t2 = t2, t1
            out[j] = Step(conv.op, "ep_conv1d_add_s8", {"conv": conv.params, "add": q},
                          {**conv.consts, "table1": t1, "table2": t2}, [conv.reads[0], res_t], res_t,
                          scratch=conv.scratch)
            out[i] = Step(add.op, "", reads=[res_t], writes=add.writes, note=f"fused into op {j}")
            break
    return out


def lower(graph: Graph, fuse: bool = True) -> list[Step]:
    """One Step per op, or an error naming the first op or tensor the kernels cannot run exactly; `fuse`:
    residual ADDs into their convolutions (not for the streaming program, whose maps keep their history)."""
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise EdgeppgError(f"{graph.path}: expected one input and one output")
    for i in graph.inputs + graph.outputs:
        t = graph.tensors[i]
        if t.dtype is not np.int8:
            raise EdgeppgError(f"{graph.path}: model {t.describe()} is not int8 (a float model? export with --int8)")
    steps = []
    graph = with_crops(graph)
    for op in graph.ops:
        if op.kind not in _LOWER:
            raise _fail(graph, op.describe(), f"op {op.kind} is not supported by edgeppg's code generator "
                                              f"(supported: {', '.join(SUPPORTED)})")
        steps.append(_LOWER[op.kind](graph, op))
    return fuse_residual_adds(graph, steps) if fuse else steps
