"""PyTorch -> ONNX, checked by the ONNX checker and run by onnxruntime."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from edgeppg.data.windows import WINDOW
from edgeppg.errors import EdgeppgError
from edgeppg.export.graph import export_form
from edgeppg.files import building

OPSET = 17
INPUT_NAME, OUTPUT_NAME = "ppg", "logits"


def to_onnx(model: nn.Module, path: Path) -> None:
    """Write the export form of `model` with a dynamic batch axis (onnxruntime benchmarks larger batches;
    the TFLite conversion fixes it to 1)."""
    import onnx

    form = export_form(model)
    with building(path) as tmp:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
                torch.onnx.export(
                    form, (torch.zeros(1, 1, getattr(model, "input_len", WINDOW)),), str(tmp), opset_version=OPSET, dynamo=False,
                    input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                    dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                )
        except OSError:
            raise  # a full disk is a full disk, not a model PyTorch cannot export
        except Exception as e:  # the exporter raises many types, e.g. for an op ONNX has no symbol for
            reason = " ".join(str(e).split())[:200] or type(e).__name__
            raise EdgeppgError(f"{path}: PyTorch cannot export this model to ONNX ({reason})") from e
        try:
            onnx.checker.check_model(str(tmp), full_check=True)
        except onnx.checker.ValidationError as e:
            raise EdgeppgError(f"{path}: the exported ONNX graph is invalid ({str(e).splitlines()[0]})") from e


def onnx_ops(path: Path) -> list[str]:
    return [node.op_type for node in load_onnx(path).graph.node]


def load_onnx(path: Path):
    import onnx

    try:
        return onnx.load(str(path))
    except FileNotFoundError:
        raise EdgeppgError(f"{path}: file not found") from None
    except Exception as e:  # protobuf's DecodeError and friends
        raise EdgeppgError(f"{path}: not a readable ONNX model ({type(e).__name__})") from e


def onnx_session(path: Path, threads: int = 0):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as e:
        raise EdgeppgError(f"{path}: onnxruntime cannot load it ({str(e).splitlines()[0][:200]})") from e


def run_onnx(session, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Logits for normalised windows x of shape (n, 200)."""
    x = x.reshape(len(x), 1, -1).astype(np.float32)
    return np.concatenate([session.run(None, {INPUT_NAME: x[i : i + batch_size]})[0]
                           for i in range(0, len(x), batch_size)])
