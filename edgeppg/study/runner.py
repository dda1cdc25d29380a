"""Running a study's cells: teachers first, then every student, in parallel processes or on Ray.

Each cell is a run folder under `OUT/cells/`. A cell whose `metrics.json` exists is never run again; one
with a checkpoint resumes from it; one that fails is recorded with its error and the others go on.
After every cell the results table (`OUT/results.csv`) is rewritten from the run folders, so it is
always complete for what has finished.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import time
import traceback
from collections.abc import Callable
from multiprocessing import get_context
from pathlib import Path

from edgeppg import compute, schema
from edgeppg.device.spec import WINDOW
from edgeppg.errors import EdgeppgError
from edgeppg.runs import CHECKPOINT, CONFIG, METRICS, atomic_write_bytes, changed_settings, read_json, write_json
from edgeppg.study.config import Cell, Study, cells, run_config

RESULTS = "results.csv"
COLUMNS = ("cell", "kind", "status", "teacher_blocks", "student_blocks", "strategy", "beta", "seed", "mae", "rmse",
           "mae_expectation", "params", "macs", "epochs_run", "train_seconds", "pytorch_latency_ms", "int8_mae",
           "int8_latency_ms", "tflm_arena_bytes", "int8_bytes", "mcu_instructions", "mcu_flash_bytes",
           "mcu_ram_bytes", "mcu_energy_uj", "error")


def run_cell(study: Study, cell: Cell, out: Path, threads: int, device: str = "cpu") -> dict:
    """Train (or resume, or reuse) one cell; export and benchmark it if the study asks. Never raises."""
    from edgeppg.train import run

    folder = out / "cells" / cell.id
    t0 = time.perf_counter()
    try:
        if not (folder / METRICS).is_file():
            run(run_config(study, cell, out, threads, device), folder, resume=(folder / CHECKPOINT).is_file(),
                console=_quiet_console())
        extra = _measure(study, cell, folder, threads)
        write_json(folder / "cell.json", {**extra, "status": "finished"})  # the status is this run's, always
        return {"cell": cell.id, "status": "finished", "seconds": time.perf_counter() - t0}
    except KeyboardInterrupt:
        raise
    except Exception as e:  # a failed cell is recorded, and the study goes on
        folder.mkdir(parents=True, exist_ok=True)
        msg = f"{type(e).__name__}: {e}" if not isinstance(e, EdgeppgError) else str(e)
        write_json(folder / "cell.json", {"status": "failed", "error": msg, "traceback": traceback.format_exc()})
        return {"cell": cell.id, "status": "failed", "error": msg, "seconds": time.perf_counter() - t0}


def _quiet_console():
    from rich.console import Console

    return Console(file=io.StringIO())


def _measure(study: Study, cell: Cell, folder: Path, threads: int) -> dict:
    """Batch-1 PyTorch latency always; int8 accuracy, latency and memory when the study exports."""
    import numpy as np
    import torch

    from edgeppg.runs import load_model

    extra = {}
    old = read_json(folder / "cell.json") if (folder / "cell.json").is_file() else {}
    if old.get("status") == "finished":  # a failed attempt's error and traceback are never carried over
        extra = {k: v for k, v in old.items() if k not in ("status", "error", "traceback")}
        if (not study.export or "int8_mae" in extra) and (not study.mcu or "mcu_instructions" in extra):
            return extra
    model, _ = load_model(folder)
    torch.set_num_threads(1)
    x = torch.zeros(1, getattr(model, "input_len", WINDOW))
    with torch.inference_mode():
        for _ in range(5):
            model(x)
        times = []
        for _ in range(max(10, study.bench_runs)):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    extra["pytorch_latency_ms"] = float(np.median(times) * 1e3)
    if study.export and cell.kind == "student":
        from edgeppg.bench import bench_host
        from edgeppg.export import export_run

        report = export_run(folder, console=_quiet_console())
        bench = bench_host(folder, ("tflite_int8",), runs=study.bench_runs, threads=1)
        extra.update(int8_mae=report["accuracy"]["tflite_int8"]["mae"],
                     int8_latency_ms=bench["runtimes"]["tflite_int8"]["latency_ms"]["p50"],
                     tflm_arena_bytes=report["tflite_micro"]["arena_bytes"],
                     int8_bytes=report["artefacts"]["tflite_int8"]["bytes"])
        if study.mcu:
            from edgeppg.bench.cortex_m4 import bench_cortex_m4

            m4 = bench_cortex_m4(folder, windows=2, console=_quiet_console())
            if not m4["bit_exact"]:
                raise EdgeppgError(f"{folder}: the firmware's int8 outputs differ from TFLite's")
            extra.update(mcu_instructions=m4["instructions_per_inference"], mcu_flash_bytes=m4["flash_bytes"],
                         mcu_ram_bytes=m4["ram_bytes"], mcu_energy_uj=m4["energy"]["energy_uj_per_inference"])
    torch.set_num_threads(threads)
    return extra


def results_rows(study: Study, out: Path) -> list[dict]:
    teachers, students = cells(study)
    rows = []
    for cell in teachers + students:
        folder = out / "cells" / cell.id
        row = {"cell": cell.id, "kind": cell.kind, "teacher_blocks": cell.teacher_blocks or "",
               "student_blocks": cell.student_blocks, "strategy": cell.strategy, "beta": cell.beta or "",
               "seed": cell.seed, "status": "pending"}
        state = read_json(folder / "cell.json") if (folder / "cell.json").is_file() else {}
        if state.get("status") == "failed":
            row.update(status="failed", error=state.get("error", ""))
        elif (folder / METRICS).is_file():
            m = schema.read(folder / METRICS, schema.METRICS)
            row.update(status="finished" if state.get("status") == "finished" else "trained",
                       mae=m["test"]["mae"], rmse=m["test"]["rmse"], mae_expectation=m["test"]["mae_expectation"],
                       params=m["params"], macs=m["macs"], epochs_run=m["epochs_run"], train_seconds=m["train_seconds"])
            row.update({k: state[k] for k in COLUMNS if k in state and k not in row})
        elif (folder / CHECKPOINT).is_file():
            row["status"] = "interrupted"
        rows.append(row)
    return rows


def write_results(study: Study, out: Path) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(results_rows(study, out))
    atomic_write_bytes(out / RESULTS, buf.getvalue().encode())
    return out / RESULTS


def _refuse_others(study: Study, todo: list[Cell], out: Path) -> None:
    """A cell folder already in `out` is reused (finished) or resumed only when this study would make it with
    the same settings; one made by another study (other epochs, data, width...) would be taken as this one's
    without a word, so the sweep is refused before any cell runs, naming the cell and what differs."""
    for cell in todo:
        folder = out / "cells" / cell.id
        if (folder / CONFIG).is_file():
            changed = changed_settings(folder, run_config(study, cell, out, 1))
            if changed:
                raise EdgeppgError(f"{out}: cell {cell.id} was made with other settings ({', '.join(changed[:4])}"
                                   f"{', ...' if len(changed) > 4 else ''}); this study would take it as its own: "
                                   "give another --out, or remove the cell")


def run_study(study: Study, out: Path, workers: int = 0, ray_address: str | None = None,
              progress: Callable[[dict, int, int], None] | None = None, device: str = "auto",
              gpus_per_cell: float = 1.0) -> Path:
    """Run every cell not finished yet; returns the results table. `device` as for `train`: with
    local processes, GPUs are shared out round-robin; on Ray each cell asks for `gpus_per_cell`."""
    out = out.resolve()  # students name their teacher's folder; workers may run elsewhere
    teachers, students = cells(study)
    _refuse_others(study, teachers + students, out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "study.json", study.to_dict())
    workers = workers or max(1, min(os.cpu_count() or 1, len(students) or 1))
    threads = max(1, (os.cpu_count() or 1) // workers)
    engine = _ray_engine(ray_address, threads, device, gpus_per_cell) if ray_address \
        else _process_engine(workers, device)
    done, total = 0, len(teachers) + len(students)
    try:
        for phase in (teachers, students):  # students need their teachers
            for result in engine(study, phase, out, threads):
                done += 1
                write_results(study, out)
                if progress:
                    progress(result, done, total)
    finally:
        write_results(study, out)
    return out / RESULTS


def _worker_init() -> None:
    """A worker leaves Ctrl-C to the sweep, and stops like Ctrl-C when the sweep terminates it: the cell
    in progress marks itself interrupted and keeps its last whole epoch."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)


_in_cell = False  # per worker process: is a cell running (to stop) or is the worker idle (to just exit)


def _interrupt(signum, frame) -> None:
    if _in_cell:
        raise KeyboardInterrupt
    os._exit(130)


def _run_cell_args(args: tuple) -> dict:  # (study, cell, out, threads, device)
    global _in_cell
    _in_cell = True
    try:
        return run_cell(*args)
    except KeyboardInterrupt:  # the cell has marked itself interrupted on the way out; leave quietly
        os._exit(130)
    finally:
        _in_cell = False


def _process_engine(workers: int, device: str = "cpu"):
    gpus = compute.gpu_count()

    def engine(study: Study, phase: list[Cell], out: Path, threads: int):
        devices = [compute.assign(device, i, gpus) for i in range(len(phase))]
        if workers == 1:
            for cell, dev in zip(phase, devices):
                yield run_cell(study, cell, out, threads, dev)
            return
        # spawn, not fork: each worker starts clean and sets its own torch thread count
        pool = get_context("spawn").Pool(workers, initializer=_worker_init)
        try:
            yield from pool.imap_unordered(_run_cell_args, [(study, cell, out, threads, dev)
                                                            for cell, dev in zip(phase, devices)])
            pool.close()
        except BaseException:  # Ctrl-C: start nothing more, stop the cells in progress now
            pool.terminate()
            raise
        finally:
            pool.join()
    return engine


def connect_ray(address: str) -> None:
    """Join the Ray cluster (once per process), or fail with one line before anything is written."""
    import ray

    if not ray.is_initialized():
        try:
            ray.init(address=address, log_to_driver=False)
        except Exception as e:  # ray raises ConnectionError, RuntimeError, ValueError for a missing cluster
            reason = " ".join(str(e).split())[:200] or type(e).__name__
            raise EdgeppgError(f"--ray {address}: cannot reach a Ray cluster ({reason}); start one with "
                               "`ray start --head`, or run without --ray") from None


def _ray_engine(address: str, threads: int, device: str = "cpu", gpus_per_cell: float = 1.0):
    import ray

    connect_ray(address)
    cluster_gpus = ray.cluster_resources().get("GPU", 0)
    if device.startswith("cuda") and not cluster_gpus:
        raise EdgeppgError(f"--device {device}: the Ray cluster has no GPUs")
    use_gpu = device != "cpu" and cluster_gpus > 0
    # Ray sets CUDA_VISIBLE_DEVICES for each task, so "cuda" is the GPU (share) it was given
    remote = ray.remote(num_cpus=threads, num_gpus=gpus_per_cell if use_gpu else 0)(run_cell)
    cell_device = "cuda" if use_gpu else "cpu"

    def engine(study: Study, phase: list[Cell], out: Path, threads_: int):
        refs = [remote.remote(study, cell, out, threads, cell_device) for cell in phase]
        try:
            while refs:
                ready, refs = ray.wait(refs, num_returns=1)
                yield ray.get(ready[0])
        except KeyboardInterrupt:
            for r in refs:
                ray.cancel(r)
            raise
    return engine
