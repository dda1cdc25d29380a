"""Measure one runtime on one model, in a process of its own, and print the result as JSON.

A fresh process per runtime keeps the memory figures honest: resident memory is read after the
runtime's libraries are imported and before the model is loaded, so the growth is what the model and
its inference cost, not TensorFlow's import or another runtime's leftovers.

    python -m edgeppg.bench.worker RUNTIME RUN_DIR [--runs N] [--batch B] [--threads T] [--stream]

(`--stream`: a streaming model, whose input is its window and the context before it; bench.host reads
that from the run's config, checked, and says so.)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import psutil

from edgeppg.device.spec import CONTEXT, WINDOW


def _rss() -> int:
    return psutil.Process().memory_info().rss


def _load(runtime: str, run_dir: Path, threads: int):
    """(run one batch of windows, largest batch it takes, imports done before this point)."""
    from edgeppg.export import pipeline as ex
    from edgeppg.device import contract as device_contract
    from edgeppg.export import quant, runtimes, tflite_model

    if runtime == "pytorch":
        import torch

        from edgeppg.runs import load_model

        torch.set_num_threads(threads)
        model, _ = load_model(run_dir)

        def run(x):
            with torch.inference_mode():
                return model(torch.from_numpy(x)).numpy()

        return run, None
    if runtime == "onnxruntime":
        from edgeppg.export.onnx_export import onnx_session, run_onnx

        session = onnx_session(run_dir / ex.ONNX_FILE, threads)
        return (lambda x: run_onnx(session, x)), None
    if runtime == "tflite_float32":
        interp = runtimes.tflite_interpreter(run_dir / ex.FLOAT_TFLITE, reference=False, threads=threads)
        return (lambda x: runtimes.run_tflite(interp, x)), 1
    if runtime == "tflite_int8":
        path = run_dir / ex.INT8_TFLITE
        q_in, _ = tflite_model.io_quant(path)
        interp = runtimes.tflite_interpreter(path, reference=False, threads=threads)
        return (lambda x: runtimes.run_tflite(interp, quant.quantize(x, q_in))), 1
    if runtime == "tflite_micro":
        path = run_dir / ex.INT8_TFLITE
        q_in, _ = tflite_model.io_quant(path)
        arena = device_contract.read(run_dir).tflm_host_arena_bytes
        interp = runtimes.tflm_interpreter(path.read_bytes(), arena)
        return (lambda x: runtimes.run_tflm(interp, quant.quantize(x, q_in), q_in.shape)), 1
    raise ValueError(f"unknown runtime {runtime}")


def _import_runtime(runtime: str) -> None:
    """Import the runtime's libraries before the baseline memory reading."""
    import edgeppg.export.runtimes as rt

    if runtime == "pytorch":
        import torch  # noqa: F401
    elif runtime == "onnxruntime":
        import onnxruntime  # noqa: F401
    elif runtime == "tflite_micro":
        from tflite_micro.python.tflite_micro import runtime as _  # noqa: F401
    else:
        rt.tflite_backend()


def measure(runtime: str, run_dir: Path, runs: int, batch: int, threads: int, stream: bool = False,
            warmup: int = 10) -> dict:
    _import_runtime(runtime)
    base = _rss()
    run, max_batch = _load(runtime, run_dir, threads)
    peak = _rss()  # sampled after each phase: the process's lifetime peak would include the imports
    x = np.random.default_rng(0).standard_normal((max(batch, 1), CONTEXT + WINDOW if stream else WINDOW)).astype(np.float32)
    one = x[:1]
    for _ in range(warmup):
        run(one)
    peak = max(peak, _rss())
    times = np.empty(runs)
    for i in range(runs):
        t0 = time.perf_counter_ns()
        run(one)
        times[i] = time.perf_counter_ns() - t0
    tb = max_batch or batch
    xb, t0, n = x[:tb], time.perf_counter(), 0
    while n < max(runs, 4 * tb) or time.perf_counter() - t0 < 1.0:
        run(xb)
        n += tb
    throughput = n / (time.perf_counter() - t0)
    peak = max(peak, _rss())
    ms = times / 1e6
    return {
        "runtime": runtime, "runs": runs, "threads": threads,
        "latency_ms": {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
                       "p99": float(np.percentile(ms, 99)), "mean": float(ms.mean())},
        "throughput_windows_per_s": throughput, "throughput_batch": tb,
        "rss_growth_bytes": max(0, peak - base),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("runtime")
    p.add_argument("run_dir", type=Path)
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--stream", action="store_true")
    a = p.parse_args()
    json.dump(measure(a.runtime, a.run_dir, a.runs, a.batch, a.threads, a.stream), sys.stdout)


if __name__ == "__main__":
    main()
