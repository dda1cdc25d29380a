"""The demo's figures, as docs/results.md shows them: `make demo`'s teacher and students, their test MAE,
the DKD-vs-scratch difference with its 95% interval, and the student on the emulated Cortex-M4.

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
from edgeppg.demo import run_demo, student_folders  # noqa: E402
from edgeppg.runs import read_json  # noqa: E402

SETTINGS = {"subjects": recipe.DEMO.subjects, "minutes": recipe.DEMO.minutes, "epochs": recipe.DEMO.epochs,
            "data_seed": recipe.DEMO_DATA_SEED, "test_fraction": recipe.DEMO_TEST_FRACTION,
            "seeds": list(recipe.DEMO_SEEDS)}


def rows_of(results: dict, out: Path) -> list[dict]:
    """One row per role (teacher, scratch, dkd: the students' means over seeds), then one per student run."""
    rows = []
    for role, m in results["scores"].items():
        t = m["test"]
        rows.append({"run": role, "model": m["model"], "strategy": m["strategy"], "params": m["params"],
                     "macs": m["macs"], "readout": m["readout"], "test_windows": t["windows"],
                     "test_participants": len(m["test_by_subject"]), "mae": round(t["mae"], 4),
                     "rmse": round(t["rmse"], 4), "mae_argmax": round(t["mae_argmax"], 4),
                     "mae_track": round(t["mae_track"], 4)})
    for (role, s), folder in student_folders(out, tuple(recipe.DEMO_SEEDS)).items():
        m, cfg = results["runs"][role, s], read_json(folder / "config.json")
        rows.append({"run": f"{role}-seed{s}", "folder": folder.name, "model": m["model"], "strategy": m["strategy"],
                     "params": m["params"], "macs": m["macs"], "epochs_run": m["epochs_run"],
                     "best_epoch": m["best_epoch"], "seed": cfg["train"]["seed"],
                     "data_seed": cfg["data"]["synthetic"]["seed"], "threads": cfg["train"]["threads"],
                     "readout": m["readout"], "test_windows": m["test"]["windows"],
                     "mae": round(m["test"]["mae"], 4), "mae_argmax": round(m["test"]["mae_argmax"], 4)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("runs/demo"), help="the demo's folder (reused if finished)")
    args = ap.parse_args()
    console = Console(stderr=True)
    folders = student_folders(args.out, tuple(recipe.DEMO_SEEDS)).values()
    reused = all((f / "metrics.json").is_file() for f in folders)  # then the time is not a training's
    start = time.monotonic()
    results = run_demo(args.out, console=console, log=console)
    m4 = results.get("cortex_m4") or {}
    v = results["dkd_vs_scratch"]
    write_results("demo", rows_of(results, args.out), settings=SETTINGS,
                  seconds=round(time.monotonic() - start, 1), reused_runs=reused,
                  dkd_vs_scratch={k: v[k] for k in ("difference_bpm", "ci95", "seeds", "participants", "verdict")},
                  cpu_capability=results["cpu_capability"],
                  student_cortex_m4={k: m4.get(k) for k in ("instructions_per_inference", "flash_bytes", "ram_bytes",
                                                            "bit_exact")})
    print(v["text"])


if __name__ == "__main__":
    main()
