"""Host latency, throughput and memory of ResNet1D models of every depth (1-12 blocks), per runtime.

Each model is freshly initialised and exported (benchmarks/common.py), then benchmarked as
`edgeppg bench --target host` does. Prints a table and writes
benchmarks/results/host_latency.json and .csv, from which the paper's time/memory curve can be redrawn.

    python benchmarks/host_latency.py [--blocks 1 2 ... 12] [--runs 200] [--threads 1]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import exported_model, write_results
from rich.console import Console

from edgeppg.bench import RUNTIMES, bench_host


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, nargs="+", default=list(range(1, 13)))
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    console = Console(stderr=True)

    rows = []
    with tempfile.TemporaryDirectory(prefix="edgeppg-host-latency-") as tmp:
        for blocks in args.blocks:
            console.rule(f"{blocks} blocks")
            run, report = exported_model(blocks, Path(tmp), console)
            result = bench_host(run, runs=args.runs, threads=args.threads)
            row = {"blocks": blocks, "params": report["params"], "macs": report["macs"],
                   "tflm_arena_bytes": report["tflite_micro"]["arena_bytes"]}
            for rt in RUNTIMES:
                r = result["runtimes"][rt]
                row[f"{rt}_p50_ms"] = round(r["latency_ms"]["p50"], 4)
                row[f"{rt}_p99_ms"] = round(r["latency_ms"]["p99"], 4)
                row[f"{rt}_file_bytes"] = r["file_bytes"]
                row[f"{rt}_rss_growth_bytes"] = r["rss_growth_bytes"]
            rows.append(row)
            console.print(f"{blocks:2d} blocks  {row['params']:>9,} params  int8 p50 {row['tflite_int8_p50_ms']:.3f} ms  "
                          f"TFLM p50 {row['tflite_micro_p50_ms']:.2f} ms  arena {row['tflm_arena_bytes']:,} B  "
                          f"int8 file {row['tflite_int8_file_bytes']:,} B")

    write_results("host_latency", rows, runs=args.runs, threads=args.threads)

if __name__ == "__main__":
    main()
