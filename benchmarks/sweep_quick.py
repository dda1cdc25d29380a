"""Wall time of the quick study (studies/quick.yaml), run cell after cell and in parallel processes.

Prints both and the speed-up, and writes benchmarks/results/sweep_quick.json. Each run starts from an
empty study folder (the window cache is warmed first, so both runs time training, not data generation).

    python benchmarks/sweep_quick.py [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from common import RESULTS

from edgeppg.data.dataset import load_windows
from edgeppg.runs import environment
from edgeppg.study.config import STUDIES_DIR, cells, load_study
from edgeppg.study.config import data_config
from edgeppg.study.runner import run_study

QUICK = STUDIES_DIR / "quick.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    study = load_study(QUICK)
    load_windows(data_config(study))
    times = {}
    for workers in (1, args.workers):
        with tempfile.TemporaryDirectory(prefix="edgeppg-sweep-") as tmp:
            t0 = time.perf_counter()
            run_study(study, Path(tmp), workers=workers)
            times[workers] = time.perf_counter() - t0
        print(f"{workers} worker(s): {times[workers]:.1f} s")
    speedup = times[1] / times[args.workers]
    teachers, students = cells(study)
    print(f"speed-up with {args.workers} workers: {speedup:.2f}x ({len(teachers) + len(students)} cells)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sweep_quick.json").write_text(json.dumps({
        "cells": len(teachers) + len(students), "seconds": {str(k): round(v, 1) for k, v in times.items()},
        "speedup": round(speedup, 2), "environment": environment()}, indent=2) + "\n")


if __name__ == "__main__":
    main()
