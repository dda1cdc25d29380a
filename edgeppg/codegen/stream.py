"""The streaming family's per-update program: the window form's int8 graph, computing each sample once.

A streaming model's int8 graph (edgeppg.models.stream) is a window computation: 'valid' convolutions
over the last 24 s of the stream, crops for the shortcuts, the mean of the read-out's frames (the last 8 s,
or fewer). Every frame in it depends only on the samples before it, so a device keeps, for each feature
map, the frames its readers still need (a convolution: kernel - stride of them; the mean: its read-out
span) and computes, per 2 s update, only the newest frames of every layer, with the same kernels and constants:

- a feature map becomes a buffer of `frames` rows: the history its readers need, then the update's new
  rows (`new` = the hop divided by the map's samples per frame);
- a convolution reads the newest `new + kernel - stride` input rows and writes its `new / stride` rows;
- a crop or a reshape is a view: a shortcut reads the newest rows of its block's input;
- an ADD adds the new rows, the MEAN averages the buffer's rows (the read-out span), the head runs once;
- after the update every buffer drops its oldest `new` rows.

Each op's integer arithmetic on a row is the window form's, so an update's logits equal the window
form's on the last 24 s, bit for bit (the firmware's streamtest checks it against ep_model_invoke).
The state starts as after zeros since forever: ep_model_stream_reset() runs updates of zero-point input
until every buffer holds only what they made.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from edgeppg.codegen.lower import CONV_SCRATCH_BYTES, Step, conv_scratch_len, conv_span, lower
from edgeppg.device.spec import CONTEXT, STRIDE, WINDOW
from edgeppg.errors import EdgeppgError
from edgeppg.export.tflite_model import Graph, read_graph


@dataclass
class Map:
    """A feature map's buffer: rows of `channels`, the last `new` of them written each update."""

    root: int  # the tensor that names it (views share their input's)
    channels: int
    new: int
    frames: int = 0


@dataclass
class Program:
    steps: list[Step]  # the per-update calls, with the widths of an update
    maps: dict[int, Map]  # by root tensor
    where: dict[tuple[int, int], int] = field(default_factory=dict)  # (step, argument) -> first row it reads
    views: dict[int, int] = field(default_factory=dict)  # tensor -> its map's root
    statics: dict[int, int] = field(default_factory=dict)  # tensors without time (after the mean) -> bytes

    @property
    def state_bytes(self) -> int:
        return sum(m.frames * m.channels for m in self.maps.values())

    @property
    def primes(self) -> int:
        """Updates of zeros after which every buffer holds only what zeros make: each map's rows are
        rewritten within frames / new updates of the map feeding it."""
        return sum(-(-m.frames // m.new) for m in self.maps.values()) + 1


def streams(graph: Graph) -> bool:
    """Whether an int8 model is of the streaming family: it reads the window and the context before it."""
    return int(np.prod(graph.tensors[graph.inputs[0]].shape)) == CONTEXT + WINDOW


def is_streaming(tflite: Path) -> bool:
    return streams(read_graph(tflite))


def _length(graph: Graph, t: int) -> int:
    s = graph.tensors[t].shape
    return s[-2] if len(s) >= 3 else 0


def program(graph: Graph) -> Program:
    """The per-update program of a streaming model's int8 graph (read through tflite_model.with_crops), or
    an error naming why it has none."""
    steps = lower(graph, fuse=False)
    inp = graph.inputs[0]
    per_frame: dict[int, int] = {inp: 1}  # input samples per row, for tensors with time
    views: dict[int, int] = {inp: inp}
    for s in steps:
        src = s.reads[0]
        if src not in per_frame:  # after the mean: no time; a reshape there is a view all the same
            views[s.writes] = views.get(src, src) if not s.kernel else s.writes
            continue
        if s.kernel == "ep_crop_s8" and s.params["begin"] + s.params["out_w"] != s.params["in_w"]:
            raise EdgeppgError(f"{graph.path}: {s.op.describe()} keeps rows that are not the newest: "
                               "not a streaming model's graph")
        if s.kernel in ("", "ep_crop_s8"):
            per_frame[s.writes], views[s.writes] = per_frame[src], views[src]
        elif s.kernel == "ep_conv1d_s8":
            if s.params["pad_left"] or (s.params["in_w"] - s.params["kernel"]) % s.params["stride"]:
                raise EdgeppgError(f"{graph.path}: {s.op.describe()} pads or skips rows: not a streaming model's graph")
            per_frame[s.writes] = per_frame[src] * s.params["stride"]
            views[s.writes] = s.writes
        elif s.kernel == "ep_add_s8":
            per_frame[s.writes], views[s.writes] = per_frame[src], s.writes
        elif s.kernel != "ep_mean_s8":
            raise EdgeppgError(f"{graph.path}: {s.op.describe()} ({s.kernel}) has no streaming form")
    if any(STRIDE % j for j in per_frame.values()):
        raise EdgeppgError(f"{graph.path}: its strides do not divide the {STRIDE}-sample hop")
    maps = {r: Map(r, graph.tensors[r].shape[-1], STRIDE // per_frame[r]) for r in set(views.values()) if r in per_frame}

    def need(t: int, rows: int) -> int:
        m = maps[views[t]]
        m.frames = max(m.frames, rows, m.new)
        return m.new

    out, where = [], {}
    for i, s in enumerate(steps):
        if s.reads[0] not in per_frame or s.kernel in ("", "ep_crop_s8"):
            out.append(replace(s, kernel="") if s.kernel == "ep_crop_s8" else s)
            continue
        if s.kernel == "ep_conv1d_s8":
            p = s.params
            n_in = need(s.reads[0], 0)
            rows = n_in + p["kernel"] - p["stride"]
            need(s.reads[0], max(rows, n_in))
            n_out = need(s.writes, 0)
            # an update's few rows in one gather where the scratch allows: one pass per channel, not three
            whole = 2 * conv_scratch_len(p["in_c"], p["kernel"], p["stride"], p["row"], n_out) <= CONV_SCRATCH_BYTES
            span = n_out if whole else conv_span(p["in_c"], p["kernel"], p["stride"], p["row"], n_out)
            out.append(replace(s, params={**p, "in_w": rows, "out_w": n_out, "span": span},
                               scratch=conv_scratch_len(p["in_c"], p["kernel"], p["stride"], p["row"], span)))
            where[(i, 0)] = rows
        elif s.kernel == "ep_add_s8":
            n = need(s.writes, 0)
            for a, t in enumerate(s.reads):
                need(t, n)
                where[(i, a)] = n
            out.append(replace(s, params={**s.params, "size": n * maps[views[s.writes]].channels}))
        else:  # the mean of the read-out's rows (the last 8 s, or fewer: its input's length)
            length = _length(graph, s.reads[0])
            need(s.reads[0], length)
            where[(i, 0)] = length
            out.append(s)
    statics: dict[int, int] = {}
    for s in out:
        for t in [*s.reads, s.writes]:
            if t not in per_frame:
                statics[views.get(t, t)] = max(statics.get(views.get(t, t), 0), graph.tensors[t].nbytes)
    return Program(out, maps, where, views, statics)


def _rows_at(prog: Program, t: int, rows: int) -> str:
    """C pointer to the newest `rows` rows of tensor t's map."""
    m = prog.maps[prog.views[t]]
    return f"g{m.root} + {(m.frames - rows) * m.channels}"


def emit(graph: Graph, prog: Program, c_array, c_fields, params_of: dict[str, str]) -> str:
    """ep_model_stream.c: the state, the per-update calls and the reset."""
    decls, calls = [], []
    for m in prog.maps.values():
        decls.append(f"static int8_t g{m.root}[{m.frames * m.channels}] __attribute__((aligned(8)));"
                     f"  /* {m.frames} rows x {m.channels}, {m.new} new per update */\n")
    for t, n in sorted(prog.statics.items()):
        decls.append(f"static int8_t t{t}[{max(n, 8)}] __attribute__((aligned(8)));\n")
    scratch = max((s.scratch for s in prog.steps), default=0)
    if scratch:
        decls.append(f"static int16_t stream_scratch[{scratch}] __attribute__((aligned(8)));\n")

    def ptr(i: int, a: int, t: int, written: bool = False) -> str:
        if prog.views.get(t, t) in prog.statics:
            return f"t{prog.views.get(t, t)}"
        m = prog.maps[prog.views[t]]
        return _rows_at(prog, t, m.new if written else prog.where[(i, a)])

    for i, s in enumerate(prog.steps):
        if not s.kernel:
            calls.append(f"  /* {s.op.describe()}: a view of the newest rows */\n")
            continue
        decls.append("".join(c_array(f"u{i}_{k}", v) for k, v in s.consts.items()))
        decls.append(f"static const {params_of[s.kernel]} u{i}_params = {{{c_fields(s.params)}}};\n")
        args = [f"&u{i}_params"] + [ptr(i, a, t) for a, t in enumerate(s.reads)] + \
            [f"u{i}_{k}" for k in s.consts] + (["stream_scratch"] if s.scratch else []) + [ptr(i, -1, s.writes, True)]
        calls.append(f"  {s.kernel}({', '.join(args)});  /* {s.op.describe()} */\n")
    shifts = "".join(f"  memmove(g{m.root}, g{m.root} + {m.new * m.channels}, {(m.frames - m.new) * m.channels});\n"
                     for m in prog.maps.values() if m.frames > m.new)
    inp, out = graph.inputs[0], graph.outputs[0]
    out_view = f"t{prog.views.get(out, out)}"
    return (
        "/* Generated by edgeppg (codegen/stream.py): the streaming program. Do not edit. */\n"
        '#include <string.h>\n#include "ep_model.h"\n#include "ep_model_stream.h"\n#include "ep_kernels.h"\n'
        '#include "ep_conv_dot.h"\n\n'
        + "".join(f"EP_CONV_DOT_DEFINE({d[len('EP_CONV_DOT('):-1]})\n" for d in sorted(conv_dots(prog)) if d != "0")
        + "\n" + "".join(decls) + "\n"
        f"int8_t *ep_model_stream_input(void) {{ return {_rows_at(prog, inp, prog.maps[prog.views[inp]].new)}; }}\n"
        f"const int8_t *ep_model_stream_output(void) {{ return {out_view}; }}\n"
        f"uint32_t ep_model_stream_state_bytes(void) {{ return {prog.state_bytes}; }}\n\n"
        "void ep_model_stream_update(void) {\n" + "".join(calls) + shifts + "}\n\n"
        "void ep_model_stream_reset(void) {\n"
        f"  for (int i = 0; i < {prog.primes}; ++i) {{\n"
        f"    memset(ep_model_stream_input(), EP_MODEL_INPUT_ZERO_POINT, EP_STREAM_NEW);\n"
        "    ep_model_stream_update();\n  }\n}\n"
    )


def header(prog: Program, graph: Graph, state: int | None = None, arena: bool = False) -> str:
    """ep_model_stream.h; `state`: the bytes kept between updates, if not the native program's buffers;
    `arena`: the backend runs the program in an arena (TFLite Micro) and can say the smallest that works."""
    new = prog.maps[prog.views[graph.inputs[0]]].new
    used = "uint32_t ep_model_stream_arena_needed(void); /* the smallest arena it allocates in (a test build) */\n"
    return (
        "/* Generated by edgeppg: the streaming program's interface. Do not edit. */\n"
        "#ifndef EP_MODEL_STREAM_H\n#define EP_MODEL_STREAM_H\n#include <stdint.h>\n\n"
        f"#define EP_STREAM_NEW {new} /* int8 samples per update */\n"
        f"#define EP_STREAM_STATE_BYTES {prog.state_bytes if state is None else state}\n\n"
        '#ifdef __cplusplus\nextern "C" {\n#endif\n'
        "int8_t *ep_model_stream_input(void);        /* where an update's newest samples go */\n"
        "const int8_t *ep_model_stream_output(void); /* the int8 logits after ep_model_stream_update() */\n"
        "void ep_model_stream_update(void);\n"
        "void ep_model_stream_reset(void);           /* the state after zeros since forever */\n"
        "uint32_t ep_model_stream_state_bytes(void);\n"
        f"{used if arena else ''}#ifdef __cplusplus\n}}\n#endif\n#endif\n"
    )


def conv_dots(prog: Program) -> set[str]:
    return {s.params.get("dot", "") for s in prog.steps if s.kernel == "ep_conv1d_s8"}


