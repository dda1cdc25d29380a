"""Training throughput (windows per second) of ResNet1D students and teachers, per device.

Measures what the training loop does per batch (forward, loss, backward, AdamW step) on windows
already on the device, after a warm-up, as `edgeppg train --device` runs it (bfloat16 autocast on
CUDA), and the synthetic generator's speed. Prints a table and writes
benchmarks/results/train_throughput[_<device>].json; with the measured rate it states what the
paper's study grid (studies/paper.yaml) would take on that device.

    python benchmarks/train_throughput.py [--device auto|cpu|cuda] [--blocks 1 2 6 12] [--batch-size 128]
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

from edgeppg import compute
from edgeppg.data import synthetic
from edgeppg.models import ModelSpec, build_model, count_macs, count_params
from edgeppg.runs import environment

RESULTS = Path(__file__).parent / "results"


def train_rate(blocks: int, batch: int, seconds: float, device: torch.device) -> float:
    torch.manual_seed(0)
    model = build_model(ModelSpec(blocks=blocks)).train().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x, y = torch.randn(batch, 200, device=device), torch.randint(0, 180, (batch,), device=device)

    def step() -> None:
        with compute.autocast(device):
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(3):
        step()
    sync()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    sync()
    return n * batch / (time.perf_counter() - start)


def paper_grid_hours(rows: list[dict]) -> float | None:
    """Training time of studies/paper.yaml's cells at the measured rates (sizes not measured are
    interpolated in MACs); None when too few sizes were measured."""
    import numpy as np

    from edgeppg.data.dataset import DataConfig
    from edgeppg.study.config import cells, load_study
    from edgeppg.study.config import data_config

    if len(rows) < 2:
        return None
    study = load_study("paper")
    data: DataConfig = data_config(study)
    minutes = data.synthetic.subjects * data.synthetic.minutes
    train_windows = (1 - data.val_fraction - data.test_fraction) * minutes * 60 / 2  # 2 s stride
    macs = np.array([r["macs"] for r in rows], float)
    rate = np.array([r["train_windows_per_s"] for r in rows], float)
    order = np.argsort(macs)
    seconds = 0.0
    teachers, students = cells(study)
    for cell in teachers + students:
        epochs = (study.teacher_epochs or study.epochs) if cell.kind == "teacher" else study.epochs
        cell_macs = count_macs(build_model(ModelSpec(blocks=cell.student_blocks, width=study.width,
                                                     kernel=study.kernel)))
        r = float(np.interp(cell_macs, macs[order], rate[order]))
        seconds += epochs * train_windows / r
    return seconds / 3600


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
    ap.add_argument("--device", default="cpu", help="auto, cpu, cuda or cuda:N")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = compute.resolve(args.device)

    rows = []
    print(f"{'blocks':>6} {'params':>9} {'MMACs':>7} {'windows/s':>10}")
    for b in args.blocks:
        model = build_model(ModelSpec(blocks=b))
        rate = train_rate(b, args.batch_size, args.seconds, device)
        rows.append({"blocks": b, "params": count_params(model), "macs": count_macs(model),
                     "train_windows_per_s": round(rate, 1)})
        print(f"{b:>6} {rows[-1]['params']:>9,} {rows[-1]['macs'] / 1e6:>7.2f} {rate:>10.0f}")
    gen = generator_seconds_per_hour()
    print(f"synthetic generator: {gen:.3f} s per hour of 64 Hz PPG + accelerometer")

    RESULTS.mkdir(parents=True, exist_ok=True)
    grid = paper_grid_hours(rows)
    if grid is not None:
        print(f"studies/paper.yaml on {device}: about {grid:.1f} h of training at these rates "
              f"(every cell's epochs x its training windows / the rate of its size; export and benchmarks extra)")
    out = RESULTS / ("train_throughput.json" if device.type == "cpu" else f"train_throughput_{device.type}.json")
    out.write_text(json.dumps({
        "batch_size": args.batch_size, "threads": args.threads, "cpu": platform.processor() or platform.machine(),
        "device": str(device), "rows": rows, "generator_seconds_per_hour": round(gen, 4),
        "paper_grid_training_hours": grid, "environment": environment(device),
    }, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
