"""`edgeppg bench RUN...`: each run measured on one target (the host's runtimes, or a Cortex-M4 emulated
or real), a second run compared with the first, and the tables a person reads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from edgeppg import extras
from edgeppg.bench import report
from edgeppg.errors import EdgeppgError
from edgeppg.settings import dashed



def bench_runs(runs: list[Path], target: str, console: Console, show: Callable[[Table], None], compare: bool = False,
               host: dict | None = None, mcu: dict | None = None, profile: bool = False) -> list[dict]:
    """Measure every run on `target` with the host's settings (`host`: runtimes, n_runs, batch, threads)
    or the Cortex-M4's (`mcu`: bench_cortex_m4's keywords), `show` each table, and fail with one line
    when the firmware is not bit-exact."""
    from edgeppg.mcu import boards

    host, mcu = host or {}, mcu or {}
    core_only = [dashed(k) for k in ("board", "probe", "port", "helium", "plain_c") if mcu.get(k)]
    if target == "host" and (core_only or profile):
        core = f" (--board {mcu['board']} is a {boards.board(mcu['board']).core})" if mcu.get("board") else ""
        raise EdgeppgError(f"{', '.join(core_only + ['--profile'] * profile)}: a core's option, not the host's: "
                           f"give --target{core}")
    if target != "host" and host.get("runtimes"):
        raise EdgeppgError(f"--runtime: the host's runtimes, not a core's: --target {target} runs the firmware")
    if target != "host":  # a core: the named board, or the core's emulated one
        mcu = {**mcu, "board": boards.for_target(target, mcu.get("board")).name}
    board = mcu.get("board", "mps2_an386")
    if compare and len(runs) != 2:
        raise EdgeppgError(f"--compare takes exactly two runs (teacher, then student), got {len(runs)}")
    if profile and not boards.board(board).qemu_machine:
        raise EdgeppgError(f"--profile counts instructions on an emulated core, not on --board {board}")
    if target == "host":
        extras.require("export", "edgeppg bench (host runtimes)")
    else:
        extras.require("board" if boards.board(board).pyocd_target else "mcu", f"edgeppg bench --target {target}")
    if compare and target == "host":  # a comparison is of exported models: export what is missing first
        from edgeppg.export.pipeline import ensure_export

        for path in runs:
            ensure_export(path, console)
    results = []
    for path in runs:
        with console.status(f"benchmarking {path} on {target}") as status:
            if target == "host":
                from edgeppg.bench.host import RUNTIMES, bench_host

                r = bench_host(path, tuple(host.get("runtimes") or RUNTIMES), host.get("n_runs", 200),
                               host.get("batch", 64), host.get("threads", 1),
                               progress=lambda rt: status.update(f"benchmarking {path}: {rt}"))
            else:
                from edgeppg.bench.cortex_m4 import bench_cortex_m4

                r = bench_cortex_m4(path, console=console, **mcu)
        show(report.host_table(r) if target == "host" else report.mcu_table(r))
        results.append(r)
        if profile and target != "host":
            from edgeppg.bench.cortex_m4 import profile_cortex_m4

            with console.status(f"profiling {path} op by op"):
                show(report.profile_table(profile_cortex_m4(
                    path, mcu.get("opt", "-O2"), console, mcu.get("backend", "native"), board,
                    mcu.get("helium", False), mcu.get("plain_c", False))))
    if compare and target == "host":
        from edgeppg.bench.host import compare as compare_runs

        show(report.compare_table(results[0], results[1], compare_runs(*results)))
    elif compare:
        from edgeppg.bench.cortex_m4 import compare_mcu

        show(report.mcu_compare_table(results[0], results[1], compare_mcu(*results)))
    if target != "host" and not all(r["bit_exact"] for r in results):
        for r in results:
            if not r["bit_exact"] and vectors_disagree_with_tflite(Path(r["run"]), r["windows"]):
                raise EdgeppgError(f"{r['run']}: the test vectors' expected outputs are not what TFLite computes for "
                                   "this model: the vectors are wrong, not the firmware (export again)")
        raise EdgeppgError("the firmware's int8 outputs differ from TFLite's (see MISMATCH above)")
    return results


def vectors_disagree_with_tflite(folder: Path, windows: int) -> bool:
    """Before the firmware is blamed for a mismatch: does TFLite itself (reference kernels, on the host) give
    the outputs the vectors expect? False when it does, or when TFLite is not installed to ask."""
    from edgeppg.device.contract import read_vectors
    from edgeppg.files import INT8_TFLITE

    try:
        from edgeppg.export import runtimes

        interp = runtimes.tflite_interpreter(folder / INT8_TFLITE, reference=True)
    except (ImportError, EdgeppgError):
        return False
    x, y = read_vectors(folder, windows)
    return not np.array_equal(runtimes.run_tflite(interp, x), y)
