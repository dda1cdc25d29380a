"""A shipped study, run as a user runs it, with its raw output kept where docs/results.md is written from.

    python benchmarks/study.py medium [--out runs/medium] [--workers 2]
        -> benchmarks/results/study_medium/{results.csv, facts.json, run.json}

`edgeppg sweep NAME` (resumable: a finished study folder is only re-read), then `edgeppg report`; the
results table and the report's findings as data are copied here beside the wall time, the study file
and the machine (`environment()`). `python benchmarks/docs.py` writes the study's tables in
docs/results.md from them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

from rich.console import Console

from common import RESULTS

from edgeppg.runs import environment
from edgeppg.study.config import load_study, study_path
from edgeppg.study.report import FACTS, write_report
from edgeppg.study.runner import RESULTS as RESULTS_CSV
from edgeppg.study.sweep import sweep


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("study", help="a study shipped with edgeppg (quick, medium, paper) or a study file")
    ap.add_argument("--out", type=Path, help="study folder (default: runs/<name>)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    study = load_study(args.study)
    out = args.out or Path("runs") / study.name
    started = time.time()
    t0 = time.perf_counter()
    run = sweep(args.study, out, Console(stderr=True), args.workers, device="cpu")
    if run.failed:
        raise SystemExit(f"{len(run.failed)} of {run.cells} cells failed: {', '.join(r['cell'] for r in run.failed)}")
    seconds = time.perf_counter() - t0
    report = write_report(out)
    dest = RESULTS / f"study_{study.name}"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / RESULTS_CSV, dest / RESULTS_CSV)
    shutil.copyfile(report / FACTS, dest / FACTS)
    (dest / "run.json").write_text(json.dumps({
        "study": study.to_dict(), "study_file": study_path(args.study).name, "workers": args.workers,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "wall_seconds": round(seconds, 1),
        "environment": environment()}, indent=2) + "\n")
    print(f"study {study.name}: {seconds / 60:.1f} min with {args.workers} workers; raw output in {dest}")


if __name__ == "__main__":
    main()
