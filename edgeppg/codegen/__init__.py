"""Ahead-of-time C generation: an int8 .tflite file becomes C that calls edgeppg's own kernels
(`firmware/kernels/`), with every activation planned into one static buffer."""

from edgeppg.codegen.emit import generate
from edgeppg.export.tflite_model import Graph, read_graph
from edgeppg.codegen.lower import lower

__all__ = ["Graph", "generate", "lower", "read_graph"]
