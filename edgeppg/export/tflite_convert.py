"""ONNX -> TFLite with onnx2tf: a float32 model and a full-integer int8 one (int8 in and out,
per-channel weights, calibrated on normalised training windows).

onnx2tf runs in a subprocess: TensorFlow stays out of edgeppg's own process, its very long log goes to
a file, and a failure becomes one line that names the ONNX file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from edgeppg.errors import EdgeppgError
from edgeppg.files import building
from edgeppg.export.onnx_export import INPUT_NAME, OUTPUT_NAME, load_onnx

# Normalised windows are already zero-mean, unit-variance: onnx2tf must not rescale them.
_NO_NORMALISATION = ("[[[0.0]]]", "[[[1.0]]]")


def onnx2tf_command(onnx_path: Path, out_dir: Path, calib_path: Path) -> list[str]:
    return [
        sys.executable, "-m", "onnx2tf", "-i", str(onnx_path), "-o", str(out_dir),
        "-oiqt", "-qt", "per-channel", "-iqd", "int8", "-oqd", "int8",
        "-cind", INPUT_NAME, str(calib_path), *_NO_NORMALISATION,
        "-v", "error",
    ]


def pin_batch(onnx_path: Path, out: Path) -> None:
    """A copy of the model with batch 1 written into the graph. The microcontroller runs one window at a
    time, and onnx2tf mistakes the layout after global pooling when it fixes a dynamic batch itself (`-b 1`)."""
    import onnx
    from onnx.tools import update_model_dims

    model = load_onnx(onnx_path)
    window = model.graph.input[0].type.tensor_type.shape.dim[2].dim_value
    classes = model.graph.output[0].type.tensor_type.shape.dim[1].dim_value
    model = update_model_dims.update_inputs_outputs_dims(model, {INPUT_NAME: [1, 1, window]},
                                                         {OUTPUT_NAME: [1, classes]})
    onnx.save(onnx.shape_inference.infer_shapes(model), str(out))


def simplify_crops(path: Path) -> None:
    """A graph with crops (the streaming family's Slices) simplified in place by onnxsim: onnx2tf maps a
    Slice of a channels-first tensor to the channels-last length axis only once every shape is a constant
    (without it, it slices the channels). Graphs without a Slice are left as they are."""
    import onnx
    import onnxsim

    model = load_onnx(path)
    if not any(node.op_type == "Slice" for node in model.graph.node):
        return
    simplified, ok = onnxsim.simplify(model)
    if not ok:
        raise EdgeppgError(f"{path}: onnxsim could not check its simplification of the graph")
    onnx.save(simplified, str(path))


def to_tflite(onnx_path: Path, calibration: np.ndarray, float_out: Path, int8_out: Path) -> None:
    """Convert `onnx_path`; `calibration` holds normalised windows, shape (n, input samples)."""
    with tempfile.TemporaryDirectory(prefix="edgeppg-onnx2tf-") as tmp:
        tmp = Path(tmp)
        pinned = tmp / onnx_path.name
        pin_batch(onnx_path, pinned)
        simplify_crops(pinned)
        calib_path = tmp / "calibration.npy"
        np.save(calib_path, calibration.reshape(len(calibration), -1, 1).astype(np.float32))  # NWC
        log = tmp / "onnx2tf.log"
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
        with log.open("w") as fh:
            proc = subprocess.run(onnx2tf_command(pinned, tmp / "out", calib_path), stdout=fh,
                                  stderr=subprocess.STDOUT, env=env, cwd=tmp)
        stem = onnx_path.stem
        produced = {"float": tmp / "out" / f"{stem}_float32.tflite",
                    "int8": tmp / "out" / f"{stem}_full_integer_quant.tflite"}
        if proc.returncode != 0 or not all(p.is_file() for p in produced.values()):
            raise EdgeppgError(f"{onnx_path}: onnx2tf could not convert it ({_last_error(log)})")
        for src, dst in ((produced["float"], float_out), (produced["int8"], int8_out)):
            with building(dst) as tmp_dst:
                shutil.copyfile(src, tmp_dst)


def _last_error(log: Path) -> str:
    lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    errs = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errs or lines or ["no output"])[-1][:300]
