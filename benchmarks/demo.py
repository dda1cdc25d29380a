"""The demo's figures, as docs/results.md shows them: `make demo`'s three runs, their test MAE per
read-out, and the student on the emulated Cortex-M4.

    python benchmarks/demo.py [--out runs/demo]    -> benchmarks/results/demo.json and .csv

Runs the demo into `--out` (finished runs there are reused, so after `make demo` this only reads them),
then records each run's config, seed and test figures beside the machine they came from
(`environment()`: CPU ISA, threads, library versions). `python benchmarks/docs.py` writes the table in
docs/results.md from the JSON, and the test suite fails if the two differ.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent))
from common import write_results  # noqa: E402

from edgeppg import recipe  # noqa: E402
from edgeppg.demo import run_demo, run_folders  # noqa: E402
from edgeppg.runs import read_json  # noqa: E402

# The demo's settings: the defaults of `edgeppg demo` (and so of `make demo`)
SETTINGS = {"epochs": recipe.DEMO.epochs, "teacher_blocks": recipe.TEACHER.blocks,
            "student_blocks": recipe.STUDENT.blocks, "subjects": recipe.DEMO.subjects, "minutes": recipe.DEMO.minutes}


def rows_of(folders: dict[str, Path], results: dict) -> list[dict]:
    rows = []
    for name, folder in folders.items():
        m = results[name]
        cfg = read_json(folder / "config.json")
        t = m["test"]
        rows.append({"run": name, "folder": folder.name, "model": m["model"], "strategy": m["strategy"],
                     "params": m["params"], "macs": m["macs"], "epochs_run": m["epochs_run"],
                     "seed": cfg["train"]["seed"], "data_seed": cfg["data"]["synthetic"]["seed"],
                     "threads": cfg["train"]["threads"],
                     "readout": m["readout"], "test_windows": t["windows"], "mae": round(t["mae"], 4),
                     "rmse": round(t["rmse"], 4), "mae_argmax": round(t["mae_argmax"], 4),
                     "mae_expectation": round(t["mae_expectation"], 4), "mae_track": round(t["mae_track"], 4)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("runs/demo"), help="the demo's folder (reused if finished)")
    args = ap.parse_args()
    console = Console(stderr=True)
    folders = run_folders(args.out, SETTINGS["teacher_blocks"], SETTINGS["student_blocks"])
    reused = all((f / "metrics.json").is_file() for f in folders.values())  # then the time is not a training's
    start = time.monotonic()
    results = run_demo(args.out, console=console, log=console, **SETTINGS)
    rows = rows_of(folders, results)
    m4 = results.get("cortex_m4") or {}
    write_results("demo", rows, settings=SETTINGS, seconds=round(time.monotonic() - start, 1), reused_runs=reused,
                  student_cortex_m4={k: m4.get(k) for k in ("instructions_per_inference", "flash_bytes", "ram_bytes",
                                                            "bit_exact")})
    for r in rows:
        print(f"{r['run']:8s} MAE {r['mae']:.2f}  RMSE {r['rmse']:.2f}  track {r['mae_track']:.2f}")


if __name__ == "__main__":
    main()
