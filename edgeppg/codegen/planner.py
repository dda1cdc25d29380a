"""Every activation in one static buffer: offsets chosen from the tensors' lifetimes (liveness-based reuse).

A RESHAPE's output is a view of its input, so the two share one buffer, as do a fused residual ADD's
output and its residual (the convolution writes each sum over the element it read; lower.py). A buffer
lives from the step that writes it to the last step that reads it (the model input from the start, the
output to the end); two buffers whose lifetimes touch never overlap, so no kernel writes over an input
it still reads. Buffers
are placed largest first, each at the lowest offset free of every buffer it coexists with.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeppg.export.tflite_model import Graph
from edgeppg.codegen.lower import Step, buffer_of

ALIGN = 8


@dataclass
class Plan:
    offsets: dict[int, int]  # tensor index -> byte offset in the arena
    arena_bytes: int
    naive_bytes: int  # what one buffer per tensor would need, for the record


def plan_arena(graph: Graph, steps: list[Step]) -> Plan:
    find = buffer_of(steps)  # a view's output is its input
    first, last = {}, {}
    for t in graph.inputs:
        first[find(t)] = -1
    for i, s in enumerate(steps):
        first.setdefault(find(s.writes), i)
        for t in s.reads:
            last[find(t)] = max(last.get(find(t), -1), i)
    for t in graph.outputs:
        last[find(t)] = len(steps)
    size = {}
    for t in set(first) | set(last):
        size[t] = (graph.tensors[t].nbytes + ALIGN - 1) // ALIGN * ALIGN
        first.setdefault(t, -1)
        last.setdefault(t, first[t])

    placed: list[tuple[int, int, int]] = []  # (offset, end, tensor)
    offsets: dict[int, int] = {}
    for t in sorted(size, key=lambda t: (-size[t], first[t])):
        busy = sorted((o, e) for o, e, u in placed if first[u] <= last[t] and first[t] <= last[u])
        offset = 0
        for o, e in busy:
            if offset + size[t] <= o:
                break
            offset = max(offset, e)
        placed.append((offset, offset + size[t], t))
        offsets[t] = offset
    arena = max((e for _, e, _ in placed), default=0)
    every = {t for s in steps for t in s.reads + [s.writes]} | set(graph.inputs) | set(graph.outputs)
    return Plan({t: offsets[find(t)] for t in every}, arena, sum(size.values()))
