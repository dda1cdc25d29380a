"""The `edgeppg` command: train -> distill -> (export -> bench -> firmware, in later stages)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from edgeppg.config import DistillConfig, RunConfig, TrainConfig
from edgeppg.data.dataset import DataConfig, load_splits
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg import compute, extras, lock, recipe
from edgeppg.errors import EdgeppgError
from edgeppg.settings import SettingError
from edgeppg.models.spec import ModelSpec

app = typer.Typer(
    help="PPG heart-rate models: train, distil, export to int8 and run on Cortex-M.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)
data_app = typer.Typer(help="Prepare and inspect data sets.", no_args_is_help=True)
app.add_typer(data_app, name="data")
# Piped output (CI logs, `| tee`) gets a fixed width instead of rich's 80 columns, so tables stay readable.
# emoji=False: a message naming `e2epyppg:x` must not turn into an emoji.
out = Console(width=None if sys.stdout.isatty() else 120, emoji=False)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120, emoji=False)


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
    track = "track"


# Defaults come from the config dataclasses, so the CLI and the Python API agree.
SYN, TC, DC, MS = SyntheticConfig(), TrainConfig(), DistillConfig(), ModelSpec()

# Options shared by several commands.
Subjects = Annotated[int, typer.Option(help="Synthetic data: participants.")]
Minutes = Annotated[float, typer.Option(help="Synthetic data: minutes per participant.")]
DataSeed = Annotated[int, typer.Option(help="Synthetic data: generator seed.")]
Variety = Annotated[str, typer.Option(help="Synthetic data: what varies beyond the original generator: all, or "
                                           "some of perfusion,sensor,noise,morphology,motion ('' = none).")]
Augment = Annotated[float, typer.Option(help="Chance per window of each label-keeping augmentation (0 = none).")]
StemStride = Annotated[int, typer.Option(help="ResNet1D stem stride (2: later layers see twice as far, at half "
                                              "the cost).")]
Split = Annotated[str, typer.Option(help="'random' (by participant) or 'loso:<participant>'.")]
Dataset = Annotated[str, typer.Option(help="Data set: synthetic (built in), dalia, wildppg or galaxyppg.")]
Root = Annotated[Optional[Path], typer.Option(help="Folder of a real data set (dalia, wildppg, galaxyppg).")]
Site = Annotated[str, typer.Option(help="WildPPG: body site (wrist, head, ankle, sternum).")]
Channel = Annotated[str, typer.Option(help="WildPPG: PPG channel (ppg_g, ppg_ir, ppg_r).")]
LabelSource = Annotated[str, typer.Option("--label", help="GalaxyPPG: label from polar-hr or ecg.")]
Epochs = Annotated[int, typer.Option(help="Maximum epochs.")]
BatchSize = Annotated[int, typer.Option(help="Windows per batch.")]
Lr = Annotated[float, typer.Option(help="Peak learning rate (AdamW, cosine decay).")]
Seed = Annotated[int, typer.Option(help="Seed for weights and batch order.")]
Patience = Annotated[int, typer.Option(help="Stop after this many epochs without a better validation MAE.")]
Threads = Annotated[int, typer.Option(help="Torch threads (0: one per core).")]
Device = Annotated[str, typer.Option(help="auto (a GPU when there is one), cpu, cuda or cuda:N. CUDA trains "
                                          "under bfloat16 autocast; the CPU is the bit-exact reference.")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue an interrupted run in --out.")]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Run folder to create.")]


def _data_config(subjects: int, minutes: float, data_seed: int, split: str, dataset: str = "synthetic",
                 root: Optional[Path] = None, site: str = "wrist", channel: str = "ppg_g",
                 label: str = "polar-hr", variety: str = "") -> DataConfig:
    from edgeppg.data.dataset import DATASETS

    if dataset not in DATASETS:
        raise EdgeppgError(f"unknown dataset '{dataset}' (available: {', '.join(DATASETS)})")
    if dataset != "synthetic" and root is None:
        raise EdgeppgError(f"--dataset {dataset} needs --root, the data set's folder")
    synthetic = SyntheticConfig(subjects=subjects, minutes=minutes, seed=data_seed, variety=variety)
    return DataConfig(dataset=dataset, synthetic=synthetic,
                      split=split, root=str(root.resolve()) if root else "", site=site, channel=channel, label=label)


def _train_config(epochs: int, batch_size: int, lr: float, seed: int, patience: int, threads: int,
                  readout: Readout, device: str, augment: float = 0.0) -> TrainConfig:
    return TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, patience=patience,
                       threads=threads, readout=readout.value, device=device, augment=augment)


@app.command()
def info(
    width: Annotated[int, typer.Option(help="Stem channels.")] = MS.width,
    kernel: Annotated[int, typer.Option(help="Convolution length.")] = MS.kernel,
) -> None:
    """Parameters, MACs per window and last feature map of every ResNet1D size (1-12 blocks) and the MLP."""
    import torch

    from edgeppg.data.windows import WINDOW
    from edgeppg.models import build_model, count_macs, count_params

    table = Table(title=f"edgeppg models (width {width}, kernel {kernel}, 200-sample windows, 180 classes)")
    for col in ("model", "params", "MACs / window", "last feature map"):
        table.add_column(col, justify="right" if col != "model" else "left")
    specs = [ModelSpec(blocks=b, width=width, kernel=kernel) for b in range(1, 13)] + [ModelSpec(arch="mlp")]
    for spec in specs:
        model = build_model(spec).eval()
        with torch.no_grad():
            shape = tuple(model.forward_features(torch.zeros(1, WINDOW))[1][-1].shape[1:])
        table.add_row(spec.describe(), f"{count_params(model):,}", f"{count_macs(model) / 1e6:.2f} M",
                      " x ".join(map(str, shape)))
    out.print(table)


@data_app.command("prepare")
def data_prepare(
    dataset: Dataset = "synthetic", root: Root = None,
    subjects: Subjects = SYN.subjects, minutes: Minutes = SYN.minutes, data_seed: DataSeed = SYN.seed,
    split: Split = DataConfig.split, site: Site = "wrist", channel: Channel = "ppg_g", label: LabelSource = "polar-hr",
    variety: Variety = SYN.variety,
) -> None:
    """Read (or generate) a data set into the window cache and print a per-participant summary."""
    from edgeppg.data.dataset import cache_dir, load_windows
    from edgeppg.reports import data_summary

    cfg = _data_config(subjects, minutes, data_seed, split, dataset, root, site, channel, label, variety)
    windows = load_windows(cfg)
    splits = load_splits(cfg)
    out.print(data_summary(windows, splits))
    out.print(f"cache: {cache_dir()}")


@app.command()
def train(
    out_dir: OutDir = Path("runs/teacher"),
    arch: Annotated[Arch, typer.Option(help="Backbone.")] = Arch.resnet1d,
    blocks: Annotated[int, typer.Option(help="ResNet1D residual blocks.")] = 6,
    width: Annotated[int, typer.Option(help="ResNet1D stem channels.")] = MS.width,
    kernel: Annotated[int, typer.Option(help="ResNet1D convolution length.")] = MS.kernel,
    stem_stride: StemStride = MS.stem_stride,
    hidden: Annotated[int, typer.Option(help="MLP units per layer.")] = MS.hidden,
    dataset: Dataset = "synthetic", root: Root = None,
    subjects: Subjects = SYN.subjects, minutes: Minutes = SYN.minutes, data_seed: DataSeed = SYN.seed,
    variety: Variety = SYN.variety,
    split: Split = DataConfig.split, site: Site = "wrist", channel: Channel = "ppg_g", label: LabelSource = "polar-hr",
    epochs: Epochs = TC.epochs, batch_size: BatchSize = TC.batch_size, lr: Lr = TC.lr, seed: Seed = TC.seed,
    patience: Patience = TC.patience, threads: Threads = TC.threads, device: Device = TC.device,
    readout: Annotated[Readout, typer.Option(help="HR read-out.")] = Readout(TC.readout),
    augment: Augment = TC.augment,
    resume: Resume = False,
) -> None:
    """Train a model from the labels (a teacher, or a student from scratch)."""
    config = RunConfig(
        data=_data_config(subjects, minutes, data_seed, split, dataset, root, site, channel, label, variety),
        model=ModelSpec(arch=arch.value, blocks=blocks, width=width, kernel=kernel, hidden=hidden,
                        stem_stride=stem_stride),
        train=_train_config(epochs, batch_size, lr, seed, patience, threads, readout, device, augment),
    )
    _train(config, out_dir, resume)


@app.command()
def distill(
    teacher: Annotated[Path, typer.Option(help="Teacher run folder (or its model.pt).")],
    out_dir: OutDir = Path("runs/student"),
    strategy: Annotated[Strategy, typer.Option(help="Distillation strategy.")] = Strategy.dkd,
    student_arch: Annotated[Arch, typer.Option(help="Student backbone.")] = Arch.resnet1d,
    student_blocks: Annotated[int, typer.Option(help="Student residual blocks.")] = 1,
    student_hidden: Annotated[int, typer.Option(help="MLP student units per layer.")] = MS.hidden,
    student_width: Annotated[Optional[int], typer.Option(help="ResNet1D student stem channels (default: the "
                                                              "teacher's).")] = None,
    student_stem_stride: StemStride = MS.stem_stride,
    tau: Annotated[float, typer.Option(help="Temperature (0: soft 4, dkd 2).")] = DC.tau,
    alpha: Annotated[float, typer.Option(help="DKD: TCKD weight.")] = DC.alpha,
    beta: Annotated[float, typer.Option(help="DKD: NCKD weight.")] = DC.beta,
    warmup: Annotated[int, typer.Option(help="DKD: warm-up epochs of the KD weight.")] = DC.warmup,
    feature_weight: Annotated[float, typer.Option(help="Feature distillation: MSE weight.")] = DC.feature_weight,
    feature_layer: Annotated[int, typer.Option(help="Feature distillation: teacher block (-1 = last).")] = DC.feature_layer,
    epochs: Epochs = TC.epochs, batch_size: BatchSize = TC.batch_size, lr: Lr = TC.lr, seed: Seed = TC.seed,
    patience: Patience = TC.patience, threads: Threads = TC.threads, device: Device = TC.device,
    readout: Annotated[Readout, typer.Option(help="HR read-out.")] = Readout(TC.readout),
    augment: Augment = TC.augment,
    resume: Resume = False,
) -> None:
    """Train a student from a teacher. The student uses the teacher's data and participant split."""
    from edgeppg.runs import load_model

    _, teacher_cfg = load_model(teacher)
    config = RunConfig(
        data=teacher_cfg.data,
        model=ModelSpec(arch=student_arch.value, blocks=student_blocks,
                        width=teacher_cfg.model.width if student_width is None else student_width,
                        kernel=teacher_cfg.model.kernel, hidden=student_hidden, stem_stride=student_stem_stride),
        train=_train_config(epochs, batch_size, lr, seed, patience, threads, readout, device, augment),
        distill=DistillConfig(strategy=strategy.value, teacher=str(teacher), tau=tau, alpha=alpha, beta=beta,
                              warmup=warmup, feature_weight=feature_weight, feature_layer=feature_layer),
    )
    _train(config, out_dir, resume)


@app.command("eval")
def evaluate_cmd(
    run_dir: Annotated[Path, typer.Argument(help="Run folder or model.pt.")],
    readout: Annotated[Optional[Readout], typer.Option(help="HR read-out (default: the run's).")] = None,
    eval_dataset: Annotated[Optional[str], typer.Option(
        help="Evaluate on every participant of another data set (dalia, wildppg, galaxyppg, synthetic), "
             "or on e2epyppg's real smartwatch recording.")] = None,
    eval_root: Annotated[Optional[Path], typer.Option(help="Folder of --eval-dataset.")] = None,
    site: Site = "wrist", channel: Channel = "ppg_g", label: LabelSource = "polar-hr",
) -> None:
    """Score a trained model on its validation and test participants, or on another data set."""
    from edgeppg.metrics import evaluate_set
    from edgeppg.runs import load_model

    model, cfg = load_model(run_dir)
    r = readout.value if readout else cfg.train.readout
    if eval_dataset is None:
        splits = load_splits(cfg.data)
        sets = {name: getattr(splits, name) for name in ("val", "test")}
        title = f"{run_dir}: {cfg.model.describe()} ({r} read-out)"
    elif eval_dataset == "e2epyppg":
        from edgeppg.data import e2e_recording
        from edgeppg.device.spec import STRIDE_S

        ws = e2e_recording.load()
        sets = {"e2epyppg watch recording": ws,
                f"e2epyppg, reference {e2e_recording.REFERENCE_LAG_WINDOWS * STRIDE_S:g} s later (its lag)":
                    e2e_recording.lag_aligned(ws)}
        title = f"{run_dir} (trained on {cfg.data.dataset}) on a real smartwatch recording, vs the watch's HR"
    else:
        from edgeppg.data.dataset import load_windows

        other = _data_config(SYN.subjects, SYN.minutes, SYN.seed, "random", eval_dataset, eval_root, site, channel,
                             label)
        sets = {f"{eval_dataset}: all participants": load_windows(other)}
        title = f"{run_dir} (trained on {cfg.data.dataset}) evaluated on {eval_dataset}"
    table = Table(title=title)
    for col in ("windows from", "windows", f"MAE ({r}, BPM)", f"RMSE ({r}, BPM)", "MAE argmax", "MAE track"):
        table.add_column(col, justify="right")
    for name, ws in sets.items():
        if len(ws) == 0:
            raise EdgeppgError(f"{name}: no usable windows to evaluate on")
        m = evaluate_set(model, ws, r)
        table.add_row(name, str(m["windows"]), f"{m['mae']:.2f}", f"{m['rmse']:.2f}", f"{m['mae_argmax']:.2f}",
                      f"{m['mae_track']:.2f}")
    out.print(table)


@app.command()
def export(
    run_dir: Annotated[Path, typer.Argument(help="Run folder (or its model.pt).")],
    int8: Annotated[bool, typer.Option("--int8/--no-int8", help="Also convert to float and int8 TFLite.")] = True,
    calib_windows: Annotated[int, typer.Option(min=1, help="Training windows that calibrate int8 ranges.")] = 500,
    eval_windows: Annotated[int, typer.Option(min=1, help="Held-out (test) windows every artefact is scored on.")] = 1000,
    micro_windows: Annotated[int, typer.Option(min=1, help="Held-out windows run through TFLite Micro.")] = 200,
    seed: Annotated[int, typer.Option(min=0, help="Seed that draws the calibration and held-out windows.")] = 0,
) -> None:
    """ONNX, then int8 TFLite, each checked against the float model; TFLite Micro arena and bit-exactness."""
    from edgeppg.export import export_run
    from edgeppg.export.report import export_table

    extras.require("export", "edgeppg export")
    report = export_run(run_dir, int8, calib_windows, eval_windows, micro_windows, seed, err)
    out.print(export_table(report))


@app.command()
def bench(
    runs_: Annotated[list[Path], typer.Argument(metavar="RUN...", help="Run folder(s) (or a model file in one).")],
    target: Annotated[str, typer.Option(help="host, or cortex-m4 (emulated in QEMU).")] = "host",
    compare: Annotated[bool, typer.Option("--compare", help="Two runs: the second as a fraction of the first.")] = False,
    runtime: Annotated[Optional[list[str]], typer.Option(help="host: runtimes to measure (default: all).")] = None,
    n_runs: Annotated[int, typer.Option("--runs", min=1, help="host: timed batch-1 inferences per runtime.")] = 200,
    batch: Annotated[int, typer.Option(min=1, help="host: batch for the throughput figure.")] = 64,
    threads: Annotated[int, typer.Option(min=1, help="host: threads per runtime.")] = 1,
    opt: Annotated[str, typer.Option(help="cortex-m4: compiler optimisation, -O2 or -Os.")] = "-O2",
    windows: Annotated[int, typer.Option(min=1, help="cortex-m4: held-out windows checked bit for bit.")] = 16,
    plain_c: Annotated[bool, typer.Option("--plain-c", help="cortex-m4: kernels without DSP instructions.")] = False,
    backend: Annotated[str, typer.Option(help="cortex-m4: native (edgeppg's C), tflm-cmsis-nn (alias tflm) or "
                                              "tflm-reference (TFLite Micro: needs a TFLM tree, README.md).")] = "native",
    board: Annotated[str, typer.Option(help="cortex-m4: mps2_an386 (QEMU) or nrf52840dk (a real board).")] = "mps2_an386",
    probe: Annotated[Optional[str], typer.Option(help="nrf52840dk: debug probe unique id.")] = None,
    port: Annotated[Optional[str], typer.Option(help="nrf52840dk: serial port of the board's console.")] = None,
    battery_mah: Annotated[float, typer.Option(min=0.001, help="cortex-m4: battery capacity (mAh) for the "
                                                                 "battery-life estimate.")] = 100.0,
    profile: Annotated[bool, typer.Option("--profile", help="cortex-m4: instructions, MACs and instructions/MAC "
                                                            "per op, for either backend.")] = False,
) -> None:
    """Latency and memory: on the host (PyTorch, onnxruntime, TFLite, TFLite Micro) or on a Cortex-M4."""
    from edgeppg.bench import report

    if target not in ("host", "cortex-m4"):
        raise EdgeppgError(f"unknown target '{target}' (available: host, cortex-m4)")
    if compare and len(runs_) != 2:
        raise EdgeppgError(f"--compare takes exactly two runs (teacher, then student), got {len(runs_)}")
    if target == "host":
        extras.require("export", "edgeppg bench (host runtimes)")
    else:
        extras.require("board" if board != "mps2_an386" else "mcu", f"edgeppg bench --target {target}")
    if compare and target == "host":  # a comparison is of exported models: export what is missing first
        from edgeppg.export.pipeline import ensure_export

        for path in runs_:
            ensure_export(path, err)
    results = []
    for path in runs_:
        with err.status(f"benchmarking {path} on {target}") as status:
            if target == "host":
                from edgeppg.bench import RUNTIMES, bench_host

                r = bench_host(path, tuple(runtime or RUNTIMES), n_runs, batch, threads,
                               progress=lambda rt: status.update(f"benchmarking {path}: {rt}"))
            else:
                from edgeppg.bench.cortex_m4 import bench_cortex_m4

                r = bench_cortex_m4(path, opt, windows, plain_c=plain_c, console=err, backend=backend, board=board,
                                    probe=probe, port=port, battery_mah=battery_mah)
        out.print(report.host_table(r) if target == "host" else report.mcu_table(r))
        results.append(r)
        if profile and target == "cortex-m4":
            from edgeppg.bench.cortex_m4 import profile_cortex_m4

            if board != "mps2_an386":
                raise EdgeppgError("--profile counts instructions on the emulated M4 (--board mps2_an386)")
            with err.status(f"profiling {path} op by op"):
                out.print(report.profile_table(profile_cortex_m4(path, opt, err, backend)))
    if compare and target == "host":
        from edgeppg.bench import compare as compare_runs

        out.print(report.compare_table(results[0], results[1], compare_runs(*results)))
    elif compare:
        from edgeppg.bench.cortex_m4 import compare_mcu

        out.print(report.mcu_compare_table(results[0], results[1], compare_mcu(*results)))
    if target == "cortex-m4" and not all(r["bit_exact"] for r in results):
        raise EdgeppgError("the firmware's int8 outputs differ from TFLite's (see MISMATCH above)")


@app.command()
def build(
    run_dir: Annotated[Path, typer.Argument(help="Run folder with an exported model_int8.tflite.")],
    board: Annotated[str, typer.Option(help="mps2_an386 (QEMU) or nrf52840dk.")] = "nrf52840dk",
    backend: Annotated[str, typer.Option(help="native (edgeppg's C), tflm-cmsis-nn (alias tflm) or tflm-reference "
                                              "(TFLite Micro: needs a TFLM tree, README.md).")] = "native",
    opt: Annotated[str, typer.Option(help="Compiler optimisation, -O2 or -Os.")] = "-O2",
    windows: Annotated[int, typer.Option(min=1, help="Held-out windows compiled in for the self-test.")] = 16,
) -> None:
    """Build the self-test firmware for a board and say whether it fits the board's flash and RAM."""
    from edgeppg.bench.cortex_m4 import build as build_firmware
    from edgeppg.bench.cortex_m4 import test_vectors
    from edgeppg.files import exported_folder
    from edgeppg.mcu.boards import FLASH_MEANS
    from edgeppg.mcu.boards import board as get_board
    from edgeppg.mcu.boards import fits as board_fits

    extras.require("mcu", "edgeppg build")
    b = get_board(board)
    folder = exported_folder(run_dir)
    x, y = test_vectors(folder, windows)
    with lock.run_folder(folder, "build"):
        fw = build_firmware(folder, x, y, opt, False, backend, b.name, err)
    stack = fw.sections.get(".stack", 0)  # not run, so the stack counts as the linker reserves it
    flash = fw.flash_bytes - x.nbytes - y.nbytes
    ram = fw.static_ram_bytes + stack
    out.print(f"{fw.elf}: flash {flash:,} of {b.flash_bytes:,} B ({FLASH_MEANS}), RAM {ram:,} of "
              f"{b.ram_bytes:,} B (static {fw.static_ram_bytes:,} incl. arena {fw.arena_bytes:,}, + the stack the "
              f"linker reserves, {stack:,}) on the {b.description}: "
              f"{'fits' if board_fits(flash, ram, b.name) else 'does NOT fit'}")


@app.command()
def flash(
    run_dir: Annotated[Path, typer.Argument(help="Run folder with an exported model_int8.tflite.")],
    board: Annotated[str, typer.Option(help="The dev board: nrf52840dk.")] = "nrf52840dk",
    no_build: Annotated[bool, typer.Option("--no-build", help="Program the firmware built before.")] = False,
    probe: Annotated[Optional[str], typer.Option(help="Debug probe unique id (when several are attached).")] = None,
    port: Annotated[Optional[str], typer.Option(help="Serial port of the board's console (default: the probe's).")] = None,
    backend: Annotated[str, typer.Option(help="native (edgeppg's C), tflm-cmsis-nn (alias tflm) or tflm-reference "
                                              "(TFLite Micro: needs a TFLM tree, README.md).")] = "native",
    opt: Annotated[str, typer.Option(help="Compiler optimisation, -O2 or -Os.")] = "-O2",
    windows: Annotated[int, typer.Option(min=1, help="Held-out windows compiled in for the self-test.")] = 16,
    stream_: Annotated[Optional[str], typer.Option("--stream", help=(
        "Program the heart-rate monitor instead of the self-test and stream this recording to it over the serial "
        "port: synthetic:<participant> or e2epyppg (as for edgeppg stream)."))] = None,
) -> None:
    """Build the firmware for a board, program it with pyOCD and print HR and cycles from its console."""
    from edgeppg.bench.cortex_m4 import build as build_firmware
    from edgeppg.bench.cortex_m4 import firmware_out, run_on_board, test_vectors
    from edgeppg.files import exported_folder
    from edgeppg.mcu.boards import board as get_board
    from edgeppg.mcu.flash import choose_probe

    b = get_board(board)
    if not b.pyocd_target:
        raise EdgeppgError(f"board '{board}' is emulated, not flashed: use edgeppg bench --target cortex-m4")
    extras.require("board", "edgeppg flash")
    uid = choose_probe(probe)
    folder = exported_folder(run_dir)
    if stream_ is not None:
        _flash_stream(folder, b, uid, port, stream_, opt)
        return
    if no_build:
        elf = firmware_out(folder, b.name, opt, backend, False) / ("app.elf" if backend == "native" else "app_tflm.elf")
        if not elf.is_file():
            raise EdgeppgError(f"{elf}: no firmware built before (drop --no-build)")
    else:
        elf = build_firmware(folder, *test_vectors(folder, windows), opt, False, backend, b.name, err).elf
    result = run_on_board(elf, b, uid, port, err)
    cycles = sum(result.window_ticks) / max(len(result.window_ticks), 1)
    out.print(f"{b.description}: {result.windows} windows, {result.mismatched} differing from TFLite, "
              f"{cycles:,.0f} cycles per inference = {cycles / (b.clock_mhz * 1e3):.1f} ms")
    if result.mismatched:
        raise EdgeppgError(f"the board's int8 outputs differ from TFLite's in {result.mismatched} window(s)")


def _flash_stream(folder: Path, b, uid: str, port: Optional[str], name: str, opt: str) -> None:
    """The monitor firmware on a real board, fed a recording over its serial port, heart rate beside the reference."""
    import numpy as np

    from edgeppg import recordings
    from edgeppg.device import contract as device_contract
    from edgeppg.mcu import flash as board_io
    from edgeppg.mcu import stream as fw_stream

    rec = recordings.load(name, folder)
    device_contract.read(folder).resampler(rec.rate_hz)
    fw = fw_stream.build_stream_firmware(folder, opt, b.name, dump_inputs=False)
    board_io.program(fw.elf, b, uid)
    console_port = board_io.console_port(port, uid)
    ref = rec.reference_bpm

    def show(line: str) -> None:
        m = fw_stream.parse_line(line)
        if m is None:
            err.print(line, highlight=False)
            return
        i = m["index"]
        shown = f"{m['tracked']:3d} BPM" if m["available"] else "unavailable"
        truth = f"{ref[i]:5.1f}" if i < len(ref) and np.isfinite(ref[i]) else "  n/a"
        out.print(f"{2 * i + 8:6d} s  HR {shown} (window alone {m['argmax']:3d})  reference {truth}  "
                  f"{m['model'] / (b.clock_mhz * 1e3):.1f} ms model", highlight=False)

    text = board_io.stream_to_board(console_port, fw_stream.stream_bytes(rec.samples, rec.rate_hz), show)
    dev = fw_stream.parse(text, f"{b.name} console")
    n = min(len(dev.index), len(ref))
    mae = fw_stream.mae(dev.tracked_bpm[:n], ref[:n], np.isfinite(ref[:n]))
    out.print(f"{b.description}: {len(dev.index)} windows of {name}, MAE "
              f"{'n/a' if mae is None else f'{mae:.2f} BPM'} (tracked) against the recording's reference; {rec.note}")


@app.command()
def stream(
    run_dir: Annotated[Path, typer.Argument(help="Run folder with an exported model (device.json).")],
    recording: Annotated[Optional[str], typer.Option(
        help="synthetic:<participant> (built-in, 64 Hz; default: the run's first test participant) or "
             "e2epyppg (the real watch recording).")] = None,
    opt: Annotated[str, typer.Option(help="Compiler optimisation, -O2 or -Os.")] = "-O2",
) -> None:
    """Stream a whole recording's raw samples through the heart-rate monitor firmware on the emulated
    Cortex-M4 and compare its heart rate, window by window, with the host's device-equivalent pipeline."""
    from edgeppg import recordings
    from edgeppg.device import contract as device_contract
    from edgeppg.files import exported_folder

    extras.require("mcu", "edgeppg stream")
    folder = exported_folder(run_dir)
    name = recording or recordings.default_synthetic(folder)
    rec = recordings.load(name, folder)
    device_contract.read(folder).resampler(rec.rate_hz)  # an unsupported rate fails here, before building
    with lock.run_folder(folder, "stream"):
        _stream(folder, name, rec, opt)


def _stream(folder: Path, name: str, rec, opt: str) -> None:
    from edgeppg.files import stream_json, write_json
    from edgeppg.mcu import stream as fw_stream
    from edgeppg.mcu.boards import PRODUCT_BOARD, fits

    with err.status("building the heart-rate monitor firmware"):
        fw = fw_stream.build_stream_firmware(folder, opt)
    with err.status(f"streaming {len(rec.samples):,} samples ({len(rec.samples) / rec.rate_hz:.0f} s at "
                    f"{rec.rate_hz:g} Hz) through the firmware under QEMU"):
        device = fw_stream.run_qemu_stream(fw.elf, rec.samples, rec.rate_hz)
    host = fw_stream.host_stream(folder, rec.samples, rec.rate_hz)
    tick = int(device.summary["tick_instructions"])
    report = fw_stream.compare(device, host, rec.reference_bpm, tick)
    stack = int(device.summary["stack"])
    report.update({
        "recording": name, "note": rec.note, "sample_rate_hz": rec.rate_hz, "samples": int(len(rec.samples)),
        "ram_bytes": fw.static_ram_bytes + stack, "static_ram_bytes": fw.static_ram_bytes, "stack_bytes": stack,
        "stream_state_bytes": int(device.summary["state"]), "arena_bytes": fw.arena_bytes,
        "flash_bytes": fw.flash_bytes, "target": "QEMU mps2-an386 (Cortex-M4F)", "opt": opt,
        "fits_board": PRODUCT_BOARD, "fits": fits(fw.flash_bytes, fw.static_ram_bytes + stack),
        "readout": "tracked (ep_tracker) unless named argmax",
    })
    write_json(folder / stream_json(name), report)
    table = Table(title=f"{name}: firmware under QEMU vs the host's device-equivalent pipeline")
    table.add_column("figure")
    table.add_column("value", justify="right")
    ipw = report["instructions_per_window"]

    def fmt(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f}"

    for k, v in (("windows (usable / with reference)", f"{report['windows']} ({report['windows_usable']} / "
                                                        f"{report['windows_labelled']})"),
                 ("argmax HR equal, device vs host", f"{report['agree']:.4f}"),
                 ("tracked HR equal, device vs host", f"{report['agree_tracked']:.4f}"),
                 ("int8 input samples differing", str(report["int8_input_mismatches"])),
                 ("MAE tracked over the labelled windows, device / host (BPM)",
                  f"{fmt(report['mae_bpm'])} / {fmt(report['mae_bpm_host'])}"),
                 ("MAE argmax over the labelled windows, device (BPM)", fmt(report["mae_bpm_argmax"])),
                 ("instructions per window: pre / model / tracker",
                  f"{ipw['preprocessing']:,} / {ipw['model']:,} / {ipw['tracker']:,}"),
                 ("flash / RAM of the whole monitor (B)", f"{report['flash_bytes']:,} / {report['ram_bytes']:,}")):
        table.add_row(k, v)
    out.print(table)
    out.print(f"{folder / stream_json(name)}  ({rec.note})")


@app.command()
def sweep(
    config: Annotated[str, typer.Argument(help="A study file (YAML), or the name of one shipped with edgeppg: "
                                               "quick or paper.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Study folder (default: runs/<name>).")] = None,
    workers: Annotated[int, typer.Option(min=0, help="Cells run at once on this machine (0: one per core).")] = 0,
    ray: Annotated[Optional[str], typer.Option("--ray", help="Run the cells on a Ray cluster: its address, or auto.")] = None,
    device: Device = "auto",
    gpus_per_cell: Annotated[float, typer.Option(min=0.01, max=64, help="--ray with GPUs: the GPU share each "
                                                                         "cell asks for (0.25: four per GPU).")] = 1.0,
) -> None:
    """Run a study's grid of teachers, students, strategies and seeds; resumable, with one results table."""
    from edgeppg.study.config import cells, load_study
    from edgeppg.study.runner import run_study

    study = load_study(config)
    if not ray:
        compute.resolve(device)  # a --device this machine cannot give fails before anything runs
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise EdgeppgError(f"--out {out_dir}: is a file, not a study folder")
    if study.export:
        extras.require("export", f"edgeppg sweep {config} (export: true)")
    if ray:
        from edgeppg.study.runner import connect_ray

        extras.require("ray", "edgeppg sweep --ray")
        connect_ray(ray)
    out_path = out_dir or Path("runs") / study.name
    teachers, students = cells(study)
    err.print(f"study '{study.name}': {len(teachers)} teachers, {len(students)} students -> {out_path}")

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.monotonic()
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[eta]}"), console=err, transient=True)
    task = bar.add_task(f"study {study.name}", total=len(teachers) + len(students), eta="")

    def progress(result: dict, done: int, total: int) -> None:
        status = "[green]done[/]" if result["status"] == "finished" else f"[red]FAILED[/] {result.get('error', '')}"
        elapsed = time.monotonic() - started
        eta = f"ETA {_duration(elapsed / done * (total - done))}" if done < total else ""
        bar.update(task, completed=done, eta=eta)
        bar.console.print(f"[{done}/{total}] {result['cell']}: {status} ({result['seconds']:.0f} s; "
                          f"{_duration(elapsed)} so far{', ' + eta if eta else ''})", soft_wrap=True)

    failed: list[dict] = []

    def record(result: dict, done: int, total: int) -> None:
        progress(result, done, total)
        if result["status"] != "finished":
            failed.append(result)

    try:
        with bar:
            results = run_study(study, out_path, workers, ray, record, device, gpus_per_cell)
    except KeyboardInterrupt:
        err.print(f"interrupted: finished cells are kept in {out_path}; run the same command again to go on "
                  "(an interrupted cell resumes from its last whole epoch)")
        raise typer.Exit(130) from None
    out.print(f"results: {results}  (edgeppg report {results})")
    if failed:
        for r in failed:
            err.print(f"  FAILED {r['cell']}: {r.get('error', '')}", highlight=False, markup=False, soft_wrap=True)
        err.print(f"[bold red]error:[/] {len(failed)} of {len(teachers) + len(students)} cells failed (above; "
                  f"each cell's cell.json has its traceback); the others are in {results}", soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def report(
    results: Annotated[Path, typer.Argument(help="A study's results.csv or its folder.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Report folder (default: beside results).")] = None,
) -> None:
    """HTML and markdown report of a study: strategies, scaling fits, Pareto fronts, DKD beta, distillation gap."""
    from edgeppg.study.report import write_report

    folder = write_report(results, out_dir)
    out.print(f"report: {folder / 'report.html'} and {folder / 'report.md'}")


@app.command()
def card(
    run_dir: Annotated[Path, typer.Argument(help="A finished run folder (or its model.pt).")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Card folder (default: RUN/card).")] = None,
    watch: Annotated[bool, typer.Option("--watch/--no-watch", help="Include the real watch recording "
                                                                   "(needs the e2epyppg package).")] = True,
) -> None:
    """A model card, Markdown and self-contained HTML: data and split, architecture, training curve, MAE per
    split and read-out, heart rate over time, Bland-Altman, float vs int8, host and microcontroller costs,
    and the commands that reproduce it."""
    from edgeppg.card import write_card

    with err.status(f"making the model card of {run_dir}"):
        md, page = write_card(run_dir, out_dir, watch)
    out.print(f"card: {page} and {md}")


@app.command()
def demo(
    out_dir: OutDir = Path("runs/demo"),
    epochs: Epochs = recipe.DEMO.epochs,
    teacher_blocks: Annotated[int, typer.Option(help="Teacher residual blocks.")] = recipe.TEACHER.blocks,
    student_blocks: Annotated[int, typer.Option(help="Student residual blocks.")] = recipe.STUDENT.blocks,
    subjects: Subjects = recipe.DEMO.subjects, minutes: Minutes = recipe.DEMO.minutes, device: Device = TC.device,
    threads: Annotated[Optional[int], typer.Option(min=0, help="Torch threads (0: one per core). Default: the demo's "
                                                              "pinned count, so its figures are the documented ones "
                                                              "on any number of cores.")] = None,
) -> None:
    """The pipeline on built-in data: a teacher, a scratch and a DKD student, export, host benchmarks.

    The reference recipe (edgeppg/recipe.py) at a smaller budget (16 participants x 20 min, 15 epochs) so it
    runs in minutes."""
    from edgeppg.demo import DEMO_THREADS, run_demo

    extras.require("export", "edgeppg demo")
    with _resumable():
        run_demo(out_dir, epochs, teacher_blocks, student_blocks, subjects, minutes, out, err, device=device,
                 threads=DEMO_THREADS if threads is None else threads)


@app.command()
def reference(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where the shipped models go.")] = Path("models"),
    runs: Annotated[Path, typer.Option(help="Run folders to train in (resumed or reused when run again).")] =
    Path("runs/reference"),
    device: Device = TC.device,
) -> None:
    """The reference teacher and student of models/ from scratch: train both with the recipe (edgeppg.recipe),
    export to int8, run on the emulated Cortex-M4, stream the real watch recording through the firmware,
    write each model card, and copy the models, device contracts and cards to --out."""
    from edgeppg import recordings
    from edgeppg.bench import bench_host
    from edgeppg.bench.cortex_m4 import bench_cortex_m4
    from edgeppg.card import write_card
    from edgeppg.export.pipeline import ensure_export
    from edgeppg.reference import make_reference

    extras.require("export", "edgeppg reference")
    extras.require("mcu", "edgeppg reference")

    def finish(folder: Path) -> None:
        ensure_export(folder, err)
        with err.status(f"{folder}: host and Cortex-M4 benchmarks"):
            bench_host(folder)
            bench_cortex_m4(folder, console=err)
        with lock.run_folder(folder, "stream"):
            _stream(folder, "e2epyppg", recordings.load("e2epyppg", folder), "-O2")
        write_card(folder)

    with _resumable():
        metrics = make_reference(runs, out_dir, finish, err, device=device)
    for name, m in metrics.items():
        out.print(f"{out_dir / name}: {m['model']} ({m['strategy']}), test participants MAE {m['test']['mae']:.2f} BPM "
                  f"({m['readout']} read-out); card: {out_dir / name / 'card' / 'card.md'}")


def _train(config: RunConfig, run_dir: Path, resume: bool) -> None:
    from edgeppg.reports import metrics_table
    from edgeppg.train import run

    with _resumable(run_dir):
        metrics = run(config, run_dir, resume, err)
    out.print(metrics_table({run_dir.name: metrics}))


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min {s:02d} s" if m else f"{s} s"


@contextmanager
def _resumable(run_dir: Path | None = None) -> Iterator[None]:
    """Ctrl-C: say what was kept and how to continue (click would only say 'Aborted')."""
    try:
        yield
    except KeyboardInterrupt:
        from edgeppg.files import CHECKPOINT

        if run_dir is None:
            err.print("interrupted: finished runs are kept and an interrupted one keeps its last whole epoch; "
                      "rerun the same command to go on")
        elif (run_dir / CHECKPOINT).is_file():
            err.print(f"interrupted: {run_dir} keeps its last whole epoch; rerun the same command with --resume")
        else:
            err.print(f"interrupted in the first epoch: nothing to resume; rerun the same command to start {run_dir}")
        raise typer.Exit(130) from None


# A setting's option when its name is not the field's: (config class, field, command) -> option.
OPTION_NAMES = {("SyntheticConfig", "seed", None): "--data-seed", ("ModelSpec", "blocks", "distill"): "--student-blocks",
                ("ModelSpec", "hidden", "distill"): "--student-hidden", ("ModelSpec", "arch", "distill"): "--student-arch",
                ("ModelSpec", "width", "distill"): "--student-width",
                ("ModelSpec", "stem_stride", "distill"): "--student-stem-stride"}


def _option(e: SettingError, command: str | None) -> str:
    return (OPTION_NAMES.get((e.owner, e.name, command)) or OPTION_NAMES.get((e.owner, e.name, None))
            or "--" + e.name.replace("_", "-"))


def _os_error(e: OSError) -> str:
    where = e.filename or "edgeppg"
    return f"{where}: {e.strerror or e} (errno {e.errno})" if e.errno else f"{where}: {e}"


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    """Console entry point. Every error a user can cause (a bad option or setting, a bad file, a full disk)
    becomes one line on stderr and exit status 2; a bug still shows its traceback."""
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        code = typer.main.get_command(app).main(argv, prog_name="edgeppg", standalone_mode=False)
    except typer.TyperException as e:  # click's usage errors: unknown option, bad value, missing argument
        if type(e).__name__ == "NoArgsIsHelpError":  # the help was printed
            sys.exit(2)
        _fail(e.format_message() if hasattr(e, "format_message") else str(e))
    except SettingError as e:
        _fail(f"{_option(e, command)}: {e.problem}")
    except EdgeppgError as e:
        _fail(str(e))
    except OSError as e:  # disk full, permission denied, a file that vanished: the stage cleaned up after itself
        _fail(_os_error(e))
    except (KeyboardInterrupt, typer.Abort):
        err.print("interrupted")
        sys.exit(130)
    sys.exit(code or 0)
