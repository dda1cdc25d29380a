"""`edgeppg export RUN_DIR --int8`: every artefact written next to the checkpoint, each one checked.

    model.onnx            float, dynamic batch; compared with PyTorch on held-out windows
    model_float32.tflite  float TFLite (for benchmarks)
    model_int8.tflite     full-integer int8, per-channel weights, int8 input and output
    device.json           the device contract: rates, window, quantisation, tracker, arena (edgeppg.device)
    device_vectors.npz    held-out int8 windows and TFLite's int8 outputs, for the firmware's self-test
    export.json           sizes, op list, accuracy of every artefact, TFLite Micro arena: written last

Held-out windows come from the run's test participants; calibration windows from its training
participants. Both are drawn with a recorded seed.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from rich.console import Console

from edgeppg import lock
from edgeppg.data.dataset import load_splits
from edgeppg.data.windows import WindowSet
from edgeppg.device import contract as device_contract
from edgeppg.errors import EdgeppgError
from edgeppg.export import onnx_export, quant, runtimes, tflite_model
from edgeppg.export.tflite_convert import to_tflite
from edgeppg.files import DEVICE_JSON, EXPORT_JSON, FLOAT_TFLITE, INT8_TFLITE, ONNX_FILE
from edgeppg.files import DEVICE_VECTORS as VECTORS_FILE
from edgeppg.files import fingerprint, read_json, remove_stale_temporaries
from edgeppg.metrics import evaluate_logits, predict_logits
from edgeppg.models.complexity import count_macs, count_params
from edgeppg.runs import load_model, model_path, write_json

INT8_MAE_BUDGET = 0.5  # BPM the int8 model may lose against float before export warns
DEVICE_VECTORS = 64  # held-out windows with TFLite's int8 outputs handed to the firmware stage


def sample(ws: WindowSet, n: int, seed: int) -> WindowSet:
    """`n` windows drawn without replacement by `seed` (all of them if there are fewer), in their order."""
    mask = np.zeros(len(ws), bool)
    mask[np.random.default_rng(seed).permutation(len(ws))[:n]] = True
    return ws.select(mask)


@contextmanager
def _step(console: Console, what: str) -> Iterator[None]:
    """Progress for a step that takes seconds: a spinner on a terminal, a line in a log."""
    if not console.is_terminal:
        console.print(f"[dim]{what}...[/]")
    with console.status(f"{what}..."):
        yield


@lock.locked("export")
def export_run(run: Path, int8: bool = True, calib_windows: int = 500, eval_windows: int = 1000,
               micro_windows: int = 200, seed: int = 0, console: Console | None = None) -> dict:
    """Export the model of a run folder (or a model.pt) and return what export.json records."""
    console = console or Console(stderr=True)
    model_file = model_path(Path(run))
    model, cfg = load_model(model_file)
    out = model_file.parent
    splits = load_splits(cfg.data)
    held = sample(splits.test, eval_windows, seed)
    readout = cfg.train.readout
    report: dict = {
        "model": cfg.model.describe(), "source": str(model_file.name), "params": count_params(model),
        "macs": count_macs(model), "readout": readout, "seed": seed,
        "held_out": {"split": "test", "windows": len(held), "participants": held.subjects()},
        "artefacts": {}, "accuracy": {},
    }
    torch_logits = predict_logits(model, held.x).numpy()
    report["accuracy"]["pytorch"] = evaluate_logits(torch.from_numpy(torch_logits), held.hr, readout, _order(held))

    # Everything is written into a staging folder and published together at the end: an interrupted export
    # leaves the previous one as it was, and a finished one replaces it whole (nothing mixes two exports).
    stage = out / STAGE
    shutil.rmtree(stage, ignore_errors=True)
    remove_stale_temporaries(out)
    stage.mkdir()
    try:
        t0 = time.perf_counter()
        onnx_path = stage / ONNX_FILE
        with _step(console, f"exporting {cfg.model.describe()} to ONNX and scoring it on {len(held)} test windows"):
            onnx_export.to_onnx(model, onnx_path)
            ort_logits = onnx_export.run_onnx(onnx_export.onnx_session(onnx_path), held.x)
        report["artefacts"]["onnx"] = {"file": ONNX_FILE, "bytes": onnx_path.stat().st_size,
                                       "ops": sorted(set(onnx_export.onnx_ops(onnx_path))), "opset": onnx_export.OPSET}
        report["accuracy"]["onnx"] = _compare(ort_logits, torch_logits, held, readout)
        console.print(f"ONNX      {out / ONNX_FILE}  max |logit diff| vs PyTorch "
                      f"{report['accuracy']['onnx']['max_abs_logit_diff']:.2e}  ({time.perf_counter() - t0:.1f} s)")
        if int8:
            _export_tflite(stage, onnx_path, splits.train, held, torch_logits, readout, calib_windows,
                           micro_windows, seed, report, console, cfg.data.inputs)
        write_json(stage / EXPORT_JSON, report)
        _publish(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return report


STAGE = ".export.tmp"  # inside the run folder, so publishing is a rename on the same file system
ARTEFACTS = (ONNX_FILE, FLOAT_TFLITE, INT8_TFLITE, DEVICE_JSON, VECTORS_FILE, EXPORT_JSON)


def _publish(stage: Path, out: Path) -> None:
    """Replace the run folder's export with the staged one: export.json (what says an export is there) goes
    first and comes back last, and a previous export's files the new one does not have are removed."""
    (out / EXPORT_JSON).unlink(missing_ok=True)
    for name in ARTEFACTS[:-1]:
        if (stage / name).is_file():
            os.replace(stage / name, out / name)
        else:
            (out / name).unlink(missing_ok=True)
    os.replace(stage / EXPORT_JSON, out / EXPORT_JSON)


def ensure_export(run: Path, console: Console) -> dict:
    """export.json of a run, exporting it first when that was never done (or left unfinished)."""
    folder = model_path(Path(run)).parent
    if (folder / EXPORT_JSON).is_file() and (folder / INT8_TFLITE).is_file():
        try:
            device_contract.read(folder)  # the model is the one its contract and vectors were made for
            device_contract.read_vectors(folder, 1)
        except EdgeppgError as e:
            console.print(f"{e}; exporting it again")
        else:
            console.print(f"[dim]{folder}: exported before, reusing it[/]")
            return read_json(folder / EXPORT_JSON)
    else:
        console.print(f"{folder}: not exported yet, exporting it first")
    return export_run(folder, console=console)


def _export_tflite(out: Path, onnx_path: Path, train: WindowSet, held: WindowSet, torch_logits: np.ndarray,
                   readout: str, calib_windows: int, micro_windows: int, seed: int, report: dict,
                   console: Console, inputs: str = "ppg") -> None:
    t0 = time.perf_counter()
    calib = sample(train, calib_windows, seed)
    float_path, int8_path = out / FLOAT_TFLITE, out / INT8_TFLITE
    with _step(console, f"converting to float and int8 TFLite with onnx2tf, {len(calib)} calibration windows "
                        "(about 15 s)"):
        to_tflite(onnx_path, calib.x, float_path, int8_path)
    ops = tflite_model.check_ops_for_micro(int8_path)
    q_in, q_out = tflite_model.io_quant(int8_path)
    if (q_in.dtype, q_out.dtype) != ("int8", "int8"):
        raise EdgeppgError(f"{int8_path}: input and output must be int8, got {q_in.dtype} and {q_out.dtype}")
    report["calibration"] = {"split": "train", "windows": len(calib), "seed": seed}
    console.print(f"TFLite    {out.parent / int8_path.name}  ops {' '.join(ops)}  ({time.perf_counter() - t0:.1f} s)")

    with _step(console, f"scoring the TFLite models on {len(held)} test windows"):
        float_logits = runtimes.run_tflite(runtimes.tflite_interpreter(float_path), held.x)
        int8_out = runtimes.run_tflite(runtimes.tflite_interpreter(int8_path), quant.quantize(held.x, q_in))
    int8_logits = quant.dequantize(int8_out, q_out)
    report["accuracy"]["tflite_float32"] = _compare(float_logits, torch_logits, held, readout)
    report["accuracy"]["tflite_int8"] = _compare(int8_logits, torch_logits, held, readout)
    loss = report["accuracy"]["tflite_int8"]["mae"] - report["accuracy"]["pytorch"]["mae"]
    report["int8_mae_loss_bpm"] = loss
    for name, path in (("tflite_float32", float_path), ("tflite_int8", int8_path)):
        report["artefacts"][name] = {"file": path.name, "bytes": path.stat().st_size}
    report["artefacts"]["tflite_int8"].update(ops=ops, input=q_in.to_dict(), output=q_out.to_dict())

    model_bytes = int8_path.read_bytes()
    x_int8 = quant.quantize(held.x[:micro_windows], q_in)
    with _step(console, f"sizing TFLite Micro's arena and checking it bit for bit on {len(x_int8)} windows"):
        arena = runtimes.smallest_arena(model_bytes, x_int8, q_in.shape)
        micro = runtimes.run_tflm(runtimes.tflm_interpreter(model_bytes, arena), x_int8, q_in.shape)
    mismatched = int((micro != int8_out[:micro_windows]).any(axis=1).sum())
    report["tflite_micro"] = {"arena_bytes": arena, "windows_checked": len(x_int8), "windows_mismatched": mismatched,
                              "bit_exact": mismatched == 0}
    vec_x = x_int8[:DEVICE_VECTORS]
    vec_y = runtimes.run_tflite(runtimes.tflite_interpreter(int8_path, reference=True), vec_x)
    device_contract.write(out, device_contract.make((float(q_in.scale), int(q_in.zero_point)),
                                                    (float(q_out.scale), int(q_out.zero_point)),
                                                    tflm_host_arena_bytes=arena, vectors=len(vec_x),
                                                    inputs=inputs, model_sha256=fingerprint(int8_path)), vec_x, vec_y)
    console.print(f"int8      MAE {report['accuracy']['tflite_int8']['mae']:.2f} BPM "
                  f"({loss:+.2f} vs float)  argmax agreement {report['accuracy']['tflite_int8']['argmax_agreement']:.1%}")
    console.print(f"TFLM      arena {arena:,} bytes  {len(x_int8)} windows "
                  f"{'bit-exact with TFLite' if mismatched == 0 else f'{mismatched} MISMATCHED'}")
    if loss > INT8_MAE_BUDGET:
        console.print(f"[yellow]warning: int8 loses {loss:.2f} BPM MAE against float "
                      f"(budget {INT8_MAE_BUDGET} BPM)[/]")


def _order(held: WindowSet) -> tuple[np.ndarray, np.ndarray]:
    """Which windows follow which, for the track read-out: a sample's missing strides are skipped, as the
    device skips windows it cannot use."""
    return held.subject, held.start_s


def _compare(logits: np.ndarray, reference: np.ndarray, held: WindowSet, readout: str) -> dict:
    """Accuracy of `logits`, and how far they are from the PyTorch reference."""
    m = evaluate_logits(torch.from_numpy(np.asarray(logits, np.float32)), held.hr, readout, _order(held))
    m["max_abs_logit_diff"] = float(np.abs(logits - reference).max())
    m["argmax_agreement"] = float((logits.argmax(1) == reference.argmax(1)).mean())
    return m
