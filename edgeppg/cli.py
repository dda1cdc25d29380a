"""The `edgeppg` command: train -> distill -> (export -> bench -> firmware, in later stages)."""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from edgeppg.config import DistillConfig, RunConfig, TrainConfig
from edgeppg.data.dataset import DataConfig, load_splits
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.errors import EdgeppgError
from edgeppg.models.spec import ModelSpec

app = typer.Typer(
    help="PPG heart-rate models: train, distil, export to int8 and run on Cortex-M.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)
data_app = typer.Typer(help="Prepare and inspect data sets.", no_args_is_help=True)
app.add_typer(data_app, name="data")
# Piped output (CI logs, `| tee`) gets a fixed width instead of rich's 80 columns, so tables stay readable.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


class Strategy(str, Enum):
    hard = "hard"
    soft = "soft"
    dkd = "dkd"
    feature = "feature"


class Arch(str, Enum):
    resnet1d = "resnet1d"
    mlp = "mlp"


class Readout(str, Enum):
    argmax = "argmax"
    expectation = "expectation"


# Options shared by several commands.
Subjects = Annotated[int, typer.Option(help="Synthetic data: participants.")]
Minutes = Annotated[float, typer.Option(help="Synthetic data: minutes per participant.")]
DataSeed = Annotated[int, typer.Option(help="Synthetic data: generator seed.")]
Split = Annotated[str, typer.Option(help="'random' (by participant) or 'loso:<participant>'.")]
Epochs = Annotated[int, typer.Option(help="Maximum epochs.")]
BatchSize = Annotated[int, typer.Option(help="Windows per batch.")]
Lr = Annotated[float, typer.Option(help="Peak learning rate (AdamW, cosine decay).")]
Seed = Annotated[int, typer.Option(help="Seed for weights and batch order.")]
Patience = Annotated[int, typer.Option(help="Stop after this many epochs without a better validation MAE.")]
Threads = Annotated[int, typer.Option(help="Torch threads (0: one per core).")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue an interrupted run in --out.")]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Run folder to create.")]


def _data_config(subjects: int, minutes: float, data_seed: int, split: str) -> DataConfig:
    return DataConfig(synthetic=SyntheticConfig(subjects=subjects, minutes=minutes, seed=data_seed), split=split)


def _train_config(epochs: int, batch_size: int, lr: float, seed: int, patience: int, threads: int,
                  readout: Readout) -> TrainConfig:
    return TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, patience=patience,
                       threads=threads, readout=readout.value)


@app.command()
def info(
    width: Annotated[int, typer.Option(help="Stem channels.")] = 32,
    kernel: Annotated[int, typer.Option(help="Convolution length.")] = 5,
) -> None:
    """Parameters, MACs per window and last feature map of every ResNet1D size (1-12 blocks) and the MLP."""
    import torch

    from edgeppg.models import build_model, count_macs, count_params

    table = Table(title=f"edgeppg models (width {width}, kernel {kernel}, 200-sample windows, 180 classes)")
    for col in ("model", "params", "MACs / window", "last feature map"):
        table.add_column(col, justify="right" if col != "model" else "left")
    specs = [ModelSpec(blocks=b, width=width, kernel=kernel) for b in range(1, 13)] + [ModelSpec(arch="mlp")]
    for spec in specs:
        model = build_model(spec).eval()
        with torch.no_grad():
            shape = tuple(model.forward_features(torch.zeros(1, 200))[1][-1].shape[1:])
        table.add_row(spec.describe(), f"{count_params(model):,}", f"{count_macs(model) / 1e6:.2f} M",
                      " x ".join(map(str, shape)))
    out.print(table)


@data_app.command("prepare")
def data_prepare(
    dataset: Annotated[str, typer.Option(help="Data set: synthetic.")] = "synthetic",
    subjects: Subjects = 16, minutes: Minutes = 20.0, data_seed: DataSeed = 0, split: Split = "random",
) -> None:
    """Generate (or read from the cache) the windows and print a per-participant summary."""
    from edgeppg.data.dataset import cache_dir, load_windows
    from edgeppg.reports import data_summary

    cfg = replace(_data_config(subjects, minutes, data_seed, split), dataset=dataset)
    windows = load_windows(cfg)
    splits = load_splits(cfg)
    out.print(data_summary(windows, splits))
    out.print(f"cache: {cache_dir()}")


@app.command()
def train(
    out_dir: OutDir = Path("runs/teacher"),
    arch: Annotated[Arch, typer.Option(help="Backbone.")] = Arch.resnet1d,
    blocks: Annotated[int, typer.Option(help="ResNet1D residual blocks.")] = 6,
    width: Annotated[int, typer.Option(help="ResNet1D stem channels.")] = 32,
    kernel: Annotated[int, typer.Option(help="ResNet1D convolution length.")] = 5,
    hidden: Annotated[int, typer.Option(help="MLP units per layer.")] = 64,
    subjects: Subjects = 16, minutes: Minutes = 20.0, data_seed: DataSeed = 0, split: Split = "random",
    epochs: Epochs = 30, batch_size: BatchSize = 128, lr: Lr = 3e-3, seed: Seed = 0, patience: Patience = 8,
    threads: Threads = 0, readout: Annotated[Readout, typer.Option(help="HR read-out.")] = Readout.argmax,
    resume: Resume = False,
) -> None:
    """Train a model from the labels (a teacher, or a student from scratch)."""
    from edgeppg.train import run

    config = RunConfig(
        data=_data_config(subjects, minutes, data_seed, split),
        model=ModelSpec(arch=arch.value, blocks=blocks, width=width, kernel=kernel, hidden=hidden),
        train=_train_config(epochs, batch_size, lr, seed, patience, threads, readout),
    )
    _report(run(config, out_dir, resume, err), out_dir)


@app.command()
def distill(
    teacher: Annotated[Path, typer.Option(help="Teacher run folder (or its model.pt).")],
    out_dir: OutDir = Path("runs/student"),
    strategy: Annotated[Strategy, typer.Option(help="Distillation strategy.")] = Strategy.dkd,
    student_arch: Annotated[Arch, typer.Option(help="Student backbone.")] = Arch.resnet1d,
    student_blocks: Annotated[int, typer.Option(help="Student residual blocks.")] = 1,
    student_hidden: Annotated[int, typer.Option(help="MLP student units per layer.")] = 64,
    tau: Annotated[float, typer.Option(help="Temperature (0: soft 4, dkd 2).")] = 0.0,
    alpha: Annotated[float, typer.Option(help="DKD: TCKD weight.")] = 1.0,
    beta: Annotated[float, typer.Option(help="DKD: NCKD weight.")] = 8.0,
    warmup: Annotated[int, typer.Option(help="DKD: warm-up epochs of the KD weight.")] = 5,
    feature_weight: Annotated[float, typer.Option(help="Feature distillation: MSE weight.")] = 1.0,
    feature_layer: Annotated[int, typer.Option(help="Feature distillation: teacher block (-1 = last).")] = -1,
    epochs: Epochs = 30, batch_size: BatchSize = 128, lr: Lr = 3e-3, seed: Seed = 0, patience: Patience = 8,
    threads: Threads = 0, readout: Annotated[Readout, typer.Option(help="HR read-out.")] = Readout.argmax,
    resume: Resume = False,
) -> None:
    """Train a student from a teacher. The student uses the teacher's data and participant split."""
    from edgeppg.runs import load_model
    from edgeppg.train import run

    _, teacher_cfg = load_model(teacher)
    config = RunConfig(
        data=teacher_cfg.data,
        model=ModelSpec(arch=student_arch.value, blocks=student_blocks, width=teacher_cfg.model.width,
                        kernel=teacher_cfg.model.kernel, hidden=student_hidden),
        train=_train_config(epochs, batch_size, lr, seed, patience, threads, readout),
        distill=DistillConfig(strategy=strategy.value, teacher=str(teacher), tau=tau, alpha=alpha, beta=beta,
                              warmup=warmup, feature_weight=feature_weight, feature_layer=feature_layer),
    )
    _report(run(config, out_dir, resume, err), out_dir)


@app.command("eval")
def evaluate_cmd(
    run_dir: Annotated[Path, typer.Argument(help="Run folder or model.pt.")],
    readout: Annotated[Optional[Readout], typer.Option(help="HR read-out (default: the run's).")] = None,
) -> None:
    """Score a trained model on its validation and test participants."""
    from edgeppg.metrics import evaluate
    from edgeppg.runs import load_model

    model, cfg = load_model(run_dir)
    splits = load_splits(cfg.data)
    r = readout.value if readout else cfg.train.readout
    table = Table(title=f"{run_dir}: {cfg.model.describe()} ({r} read-out)")
    for col in ("split", "windows", "MAE (BPM)", "RMSE (BPM)"):
        table.add_column(col, justify="right")
    for name in ("val", "test"):
        ws = getattr(splits, name)
        m = evaluate(model, ws.x, ws.hr, r)
        table.add_row(name, str(m["windows"]), f"{m['mae']:.2f}", f"{m['rmse']:.2f}")
    out.print(table)


@app.command()
def demo(
    out_dir: OutDir = Path("runs/demo"),
    epochs: Epochs = 25,
    teacher_blocks: Annotated[int, typer.Option(help="Teacher residual blocks.")] = 6,
    student_blocks: Annotated[int, typer.Option(help="Student residual blocks.")] = 1,
    subjects: Subjects = 16, minutes: Minutes = 20.0,
) -> None:
    """The pipeline on built-in data: a teacher, a scratch student and a DKD student, side by side."""
    from edgeppg.demo import run_demo

    run_demo(out_dir, epochs, teacher_blocks, student_blocks, subjects, minutes, out, err)


def _report(metrics: dict, run_dir: Path) -> None:
    from edgeppg.reports import metrics_table

    out.print(metrics_table({run_dir.name: metrics}))


def main() -> None:
    """Console entry point: EdgeppgError becomes one line on stderr; Ctrl-C leaves a resumable run."""
    try:
        app()
    except EdgeppgError as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted: the last whole epoch is checkpointed; rerun the same command with --resume")
        sys.exit(130)
