"""Training throughput (windows per second) of ResNet1D students and teachers on this CPU.

Measures what the training loop does per batch (forward, loss, backward, AdamW step) on in-memory
windows, after a warm-up, and the synthetic generator's speed. Prints a table and writes
benchmarks/results/train_throughput.json.

    python benchmarks/train_throughput.py [--blocks 1 2 6 12] [--batch-size 128] [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from edgeppg.data import synthetic
from edgeppg.models import ModelSpec, build_model, count_macs, count_params
from edgeppg.runs import environment

RESULTS = Path(__file__).parent / "results"


def train_rate(blocks: int, batch: int, seconds: float) -> float:
    torch.manual_seed(0)
    model = build_model(ModelSpec(blocks=blocks)).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x, y = torch.randn(batch, 200), torch.randint(0, 180, (batch,))

    def step() -> None:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return n * batch / (time.perf_counter() - start)


def generator_seconds_per_hour() -> float:
    cfg = synthetic.SyntheticConfig(subjects=3, minutes=20)  # one hour of signal in all
    synthetic.generate(cfg)  # warm-up
    start = time.perf_counter()
    synthetic.generate(cfg)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, nargs="+", default=[1, 2, 6, 12])
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    rows = []
    print(f"{'blocks':>6} {'params':>9} {'MMACs':>7} {'windows/s':>10}")
    for b in args.blocks:
        model = build_model(ModelSpec(blocks=b))
        rate = train_rate(b, args.batch_size, args.seconds)
        rows.append({"blocks": b, "params": count_params(model), "macs": count_macs(model),
                     "train_windows_per_s": round(rate, 1)})
        print(f"{b:>6} {rows[-1]['params']:>9,} {rows[-1]['macs'] / 1e6:>7.2f} {rate:>10.0f}")
    gen = generator_seconds_per_hour()
    print(f"synthetic generator: {gen:.3f} s per hour of 64 Hz PPG + accelerometer")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "train_throughput.json"
    out.write_text(json.dumps({
        "batch_size": args.batch_size, "threads": args.threads, "cpu": platform.processor() or platform.machine(),
        "rows": rows, "generator_seconds_per_hour": round(gen, 4), "environment": environment(),
    }, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
