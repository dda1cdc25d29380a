"""`edgeppg bench RUN --target host`: latency, throughput and memory of every runtime that can run the model.

Each runtime is measured in a process of its own (`edgeppg.bench.worker`). Latency is batch 1 (what a
wearable does: one window every 2 s) and single-threaded by default, so runtimes compare fairly and
the figures mean something for a small core; throughput uses a larger batch where the runtime takes
one (PyTorch, onnxruntime) and back-to-back single windows otherwise (TFLite, TFLite Micro).
Memory is resident-set growth for the runtimes and arena bytes for TFLite Micro, which allocates
nothing else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from edgeppg import lock, schema
from edgeppg.config import RunConfig
from edgeppg.errors import EdgeppgError
from edgeppg.files import BENCH_HOST_JSON, CONFIG
from edgeppg.export import pipeline as ex
from edgeppg.runs import METRICS, model_path, read_json, write_json

RUNTIMES = ("pytorch", "onnxruntime", "tflite_float32", "tflite_int8", "tflite_micro")
_FILES = {"pytorch": "model.pt", "onnxruntime": ex.ONNX_FILE, "tflite_float32": ex.FLOAT_TFLITE,
          "tflite_int8": ex.INT8_TFLITE, "tflite_micro": ex.INT8_TFLITE}
_ACCURACY_OF = {  # runtime -> the export.json accuracy entry of the artefact it runs
   "pytorch": "pytorch", "onnxruntime": "onnx", "tflite_float32": "tflite_float32",
              "tflite_int8": "tflite_int8", "tflite_micro": "tflite_int8"}


def run_folder(path: Path) -> Path:
    """A run folder, from the folder itself or any file in it."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if not model_path(folder).is_file():
        raise EdgeppgError(f"{path}: not a run folder or a model in one (no model.pt)")
    return folder


@lock.locked("bench")
def bench_host(path: Path, runtimes: tuple[str, ...] = RUNTIMES, runs: int = 200, batch: int = 64,
               threads: int = 1, progress=None) -> dict:
    """Measure every requested runtime whose artefact exists; say why the others were skipped."""
    folder = run_folder(path)
    export = schema.read(folder / ex.EXPORT_JSON, schema.EXPORT) if (folder / ex.EXPORT_JSON).is_file() else {}
    metrics = schema.read(folder / METRICS, schema.METRICS) if (folder / METRICS).is_file() else {}
    config = RunConfig.from_dict(read_json(folder / CONFIG), str(folder / CONFIG)) \
        if (folder / CONFIG).is_file() else None  # checked here: the workers take the input's length from it
    result = {"run": str(folder), "model": export.get("model") or metrics.get("model"),
              "params": export.get("params", metrics.get("params")), "macs": export.get("macs", metrics.get("macs")),
              "runs": runs, "batch": batch, "threads": threads, "runtimes": {}, "skipped": {},
              # which windows the MAE column comes from: two runs' MAE are compared only on the same ones
              "mae_scored_on": {"data": config.to_dict()["data"] if config else None,
                                "participants": export.get("held_out", {}).get("participants")}}
    for rt in runtimes:
        if rt not in RUNTIMES:
            raise EdgeppgError(f"unknown runtime '{rt}' (available: {', '.join(RUNTIMES)})")
        file = folder / _FILES[rt]
        if not file.is_file():
            result["skipped"][rt] = f"no {file.name} (run: edgeppg export {folder} --int8)"
            continue
        if progress:
            progress(rt)
        row = _measure(rt, folder, runs, batch, threads, bool(config and config.data.stream))
        row["file_bytes"] = file.stat().st_size
        acc = export.get("accuracy", {}).get(_ACCURACY_OF[rt])
        if acc:
            row["mae_bpm"] = acc["mae"]
        if rt == "tflite_micro":
            row["arena_bytes"] = export.get("tflite_micro", {}).get("arena_bytes")
        result["runtimes"][rt] = row
    write_json(folder / BENCH_HOST_JSON, result)
    return result


def _measure(runtime: str, folder: Path, runs: int, batch: int, threads: int, stream: bool) -> dict:
    cmd = [sys.executable, "-m", "edgeppg.bench.worker", runtime, str(folder), "--runs", str(runs),
           "--batch", str(batch), "--threads", str(threads), *(["--stream"] if stream else [])]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "",
           "OMP_NUM_THREADS": str(threads)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]
        raise EdgeppgError(f"{folder}: benchmarking {runtime} failed ({last})")
    return json.loads(proc.stdout)


def compare(a: dict, b: dict) -> dict[str, dict]:
    """Per runtime measured in both: B's batch-1 latency, process memory growth, TFLite Micro arena (that
    runtime only) and file size as fractions of A's, and B's MAE cost when both were scored on the same
    windows. Like is only divided by like."""
    out = {}
    for rt in RUNTIMES:
        ra, rb = a["runtimes"].get(rt), b["runtimes"].get(rt)
        if not (ra and rb):
            continue
        out[rt] = {
            "latency_p50": rb["latency_ms"]["p50"] / ra["latency_ms"]["p50"],
            "rss_growth": rb["rss_growth_bytes"] / max(ra["rss_growth_bytes"], 1),
            "file_size": rb["file_bytes"] / ra["file_bytes"],
        }
        if ra.get("arena_bytes") and rb.get("arena_bytes"):
            out[rt]["arena"] = rb["arena_bytes"] / ra["arena_bytes"]
        if "mae_bpm" in ra and "mae_bpm" in rb and a.get("mae_scored_on") == b.get("mae_scored_on"):
            out[rt]["mae_cost_bpm"] = rb["mae_bpm"] - ra["mae_bpm"]
    return out
