"""The `edgeppg` command: train -> distill -> export -> bench -> firmware (build, flash, stream) -> study.

A shell over the stages: each command parses its options, calls one function of its stage and prints
what comes back. Every error a user can cause becomes one line and exit status 2 (main)."""

from __future__ import annotations

import sys
from dataclasses import replace
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from edgeppg import extras, recipe, settings
from edgeppg.config import DistillConfig, RunConfig, TrainConfig
from edgeppg.data.dataset import DataConfig, data_config
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.errors import EdgeppgError, Interrupted
from edgeppg.models.spec import ModelSpec
from edgeppg.options import (DC, MS, SYN, TC, Arch, Augment, Backend, BatchSize, BlockStrides, BoardName, CadenceShare,
                             Calibrate, Channel, Dataset, DataSeed, DevBoard, Device, Ema, Epochs, Inputs, LabelSource,
                             Lr, Minutes, Opt, OutDir, Patience, PoolS, Port, Probe, Readout, Resume, Root, Scenario,
                             Seed, Site, Split, StemStride, Strategy, Stream, StudentInputs, StudentKernel,
                             StudentStream, StudentWidth, Subjects, Target, Tau, Threads, Variety, Windows, given,
                             refuse_unread)
from edgeppg.settings import SettingError
from edgeppg.study.config import packaged_studies

app = typer.Typer(help="PPG heart-rate models: train, distil, export to int8 and run on Cortex-M.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
data_app = typer.Typer(help="Prepare and inspect data sets.", no_args_is_help=True)
app.add_typer(data_app, name="data")
# Piped output (CI logs, `| tee`) gets a fixed width instead of rich's 80 columns, so tables stay readable.
# emoji=False: a message naming `e2epyppg:x` must not turn into an emoji.
out = Console(width=None if sys.stdout.isatty() else 120, emoji=False)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120, emoji=False)


def _train_config(epochs: int, batch_size: int, lr: float, seed: int, patience: int, threads: int,
                  readout: Readout, device: str, augment: float, calibrate: bool, ema: float) -> TrainConfig:
    return TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, patience=patience, threads=threads,
                       readout=readout.value, device=device, augment=augment, calibrate=calibrate, ema=ema)


@app.command()
def info(
    width: Annotated[int, typer.Option(help="Stem channels.")] = MS.width,
    kernel: Annotated[int, typer.Option(help="Convolution length.")] = MS.kernel,
) -> None:
    """Parameters, MACs per window and last feature map of every ResNet1D size (1-12 blocks) and the MLP."""
    from edgeppg.reports import size_table

    out.print(size_table(width, kernel))


@data_app.command("prepare")
def data_prepare(
    dataset: Dataset = "synthetic", root: Root = None,
    subjects: Subjects = SYN.subjects, minutes: Minutes = SYN.minutes, data_seed: DataSeed = SYN.seed,
    split: Split = DataConfig.split, site: Site = "wrist", channel: Channel = "ppg_g", label: LabelSource = "polar-hr",
    variety: Variety = SYN.variety, scenario: Scenario = SYN.scenario, cadence_share: CadenceShare = SYN.cadence_share,
) -> None:
    """Read (or generate) a data set into the window cache and print a per-participant summary."""
    from edgeppg.data.dataset import cache_dir, load_splits, load_windows
    from edgeppg.reports import data_summary

    syn = SyntheticConfig(subjects, minutes, seed=data_seed, variety=variety, scenario=scenario,
                          cadence_share=cadence_share)
    cfg = data_config(dataset, root, split, syn, site, channel, label)
    windows = load_windows(cfg)
    splits = load_splits(cfg)
    out.print(data_summary(windows, splits))
    out.print(f"cache: {cache_dir()}")


@app.command()
def train(
    ctx: typer.Context, out_dir: OutDir = Path("runs/teacher"),
    arch: Annotated[Arch, typer.Option(help="Backbone.")] = Arch.resnet1d,
    blocks: Annotated[int, typer.Option(help="ResNet1D residual blocks.")] = 6,
    width: Annotated[int, typer.Option(help="ResNet1D stem channels.")] = MS.width,
    kernel: Annotated[int, typer.Option(help="ResNet1D convolution length.")] = MS.kernel,
    stem_stride: StemStride = MS.stem_stride, block_strides: BlockStrides = MS.block_strides, pool_s: PoolS = MS.pool_s,
    hidden: Annotated[int, typer.Option(help="MLP units per layer.")] = MS.hidden,
    dataset: Dataset = "synthetic", root: Root = None,
    subjects: Subjects = SYN.subjects, minutes: Minutes = SYN.minutes, data_seed: DataSeed = SYN.seed,
    variety: Variety = SYN.variety, scenario: Scenario = SYN.scenario, cadence_share: CadenceShare = SYN.cadence_share,
    inputs: Inputs = DataConfig.inputs, stream: Stream = False, split: Split = DataConfig.split,
    site: Site = "wrist", channel: Channel = "ppg_g", label: LabelSource = "polar-hr",
    epochs: Epochs = TC.epochs, batch_size: BatchSize = TC.batch_size, lr: Lr = TC.lr, seed: Seed = TC.seed,
    patience: Patience = TC.patience, threads: Threads = TC.threads, device: Device = TC.device,
    readout: Annotated[Readout, typer.Option(help="HR read-out.")] = Readout(TC.readout),
    augment: Augment = TC.augment, calibrate: Calibrate = TC.calibrate, ema: Ema = TC.ema, resume: Resume = False,
) -> None:
    """Train a model from the labels (a teacher, or a student from scratch)."""
    refuse_unread(ctx, arch.value)
    config = RunConfig(
        data=data_config(dataset, root, split, SyntheticConfig(subjects, minutes, seed=data_seed, variety=variety,
                                                               scenario=scenario, cadence_share=cadence_share),
                         site, channel, label, inputs, stream),
        model=ModelSpec(arch=arch.value, blocks=blocks, width=width, kernel=kernel, hidden=hidden,
                        stem_stride=stem_stride, block_strides=block_strides, pool_s=pool_s),
        train=_train_config(epochs, batch_size, lr, seed, patience, threads, readout, device, augment, calibrate, ema),
    )
    _train(config, out_dir, resume)


@app.command()
def distill(
    ctx: typer.Context, teacher: Annotated[Path, typer.Option(help="Teacher run folder (or its model.pt).")],
    out_dir: OutDir = Path("runs/student"),
    strategy: Annotated[Strategy, typer.Option(help="Distillation strategy.")] = Strategy.dkd,
    student_arch: Annotated[Arch, typer.Option(help="Student backbone.")] = Arch.resnet1d,
    student_blocks: Annotated[int, typer.Option(help="Student residual blocks.")] = 1,
    student_hidden: Annotated[int, typer.Option(help="MLP student units per layer.")] = MS.hidden,
    student_width: StudentWidth = None, student_kernel: StudentKernel = None,
    student_stem_stride: StemStride = MS.stem_stride, student_block_strides: BlockStrides = MS.block_strides,
    student_pool_s: PoolS = MS.pool_s, student_stream: StudentStream = None, student_inputs: StudentInputs = None,
    tau: Tau = DC.tau,
    alpha: Annotated[float, typer.Option(help="DKD: TCKD weight.")] = DC.alpha,
    beta: Annotated[float, typer.Option(help="DKD: NCKD weight.")] = DC.beta,
    warmup: Annotated[int, typer.Option(help="DKD: warm-up epochs of the KD weight.")] = DC.warmup,
    feature_weight: Annotated[float, typer.Option(help="Feature distillation: MSE weight.")] = DC.feature_weight,
    feature_layer: Annotated[int, typer.Option(help="Feature distillation: teacher block (-1 = last).")] = DC.feature_layer,
    epochs: Epochs = TC.epochs, batch_size: BatchSize = TC.batch_size, lr: Lr = TC.lr, seed: Seed = TC.seed,
    patience: Patience = TC.patience, threads: Threads = TC.threads, device: Device = TC.device,
    readout: Annotated[Readout, typer.Option(help="HR read-out.")] = Readout(TC.readout),
    augment: Augment = TC.augment, calibrate: Calibrate = TC.calibrate, ema: Ema = TC.ema, resume: Resume = False,
) -> None:
    """Train a student from a teacher. The student uses the teacher's data and participant split."""
    from edgeppg.runs import load_model

    refuse_unread(ctx, student_arch.value, "student_")
    _, teacher_cfg = load_model(teacher)
    config = RunConfig(
        data=replace(teacher_cfg.data, inputs=student_inputs or teacher_cfg.data.inputs,
                     stream=teacher_cfg.data.stream if student_stream is None else student_stream),
        model=ModelSpec(arch=student_arch.value, blocks=student_blocks,
                        width=teacher_cfg.model.width if student_width is None else student_width,
                        kernel=student_kernel or teacher_cfg.model.kernel, hidden=student_hidden,
                        stem_stride=student_stem_stride, block_strides=student_block_strides,
                        pool_s=student_pool_s),
        train=_train_config(epochs, batch_size, lr, seed, patience, threads, readout, device, augment, calibrate, ema),
        distill=DistillConfig(strategy=strategy.value, teacher=str(teacher), tau=tau, alpha=alpha, beta=beta,
                              warmup=warmup, feature_weight=feature_weight, feature_layer=feature_layer),
    )
    _train(config, out_dir, resume)


@app.command("eval")
def evaluate_cmd(
    run_dir: Annotated[Path, typer.Argument(help="Run folder or model.pt.")],
    readout: Annotated[Optional[Readout], typer.Option(help="HR read-out (default: the run's).")] = None,
    eval_dataset: Annotated[Optional[str], typer.Option(
        help="Evaluate on every participant of another data set (dalia, wildppg, galaxyppg, synthetic), the "
             "built-in cadence scenario (cadence) or e2epyppg's real smartwatch recording.")] = None,
    eval_root: Annotated[Optional[Path], typer.Option(help="Folder of --eval-dataset.")] = None,
    site: Site = "wrist", channel: Channel = "ppg_g", label: LabelSource = "polar-hr",
    recording: Annotated[Optional[Path], typer.Option(help="A CSV recording of your own (README.md).")] = None,
) -> None:
    """Score a trained model on its validation and test participants, another data set or a recording."""
    from edgeppg.eval_sets import eval_sets, eval_table
    from edgeppg.runs import load_model

    model, cfg = load_model(run_dir)
    r = readout.value if readout else cfg.train.readout
    title, sets = eval_sets(cfg, run_dir, r, eval_dataset, eval_root, site, channel, label, recording)
    out.print(eval_table(title, model, sets, r))


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
    target: Annotated[str, typer.Option(help="host, or a core: cortex-m0, -m3, -m4, -m7, -m33, -m55 (QEMU).")] = "host",
    compare: Annotated[bool, typer.Option("--compare", help="Two runs: the second as a fraction of the first.")] = False,
    runtime: Annotated[Optional[list[str]], typer.Option(help="host: runtimes to measure (default: all).")] = None,
    n_runs: Annotated[int, typer.Option("--runs", min=1, help="host: timed batch-1 inferences per runtime.")] = 200,
    batch: Annotated[int, typer.Option(min=1, help="host: batch for the throughput figure.")] = 64,
    threads: Annotated[int, typer.Option(min=1, help="host: threads per runtime.")] = 1,
    opt: Annotated[str, typer.Option(help="a core: compiler optimisation, -O1, -O2, -O3 or -Os.")] = "-O2",
    windows: Annotated[int, typer.Option(min=1, help="a core: held-out windows checked bit for bit.")] = 16,
    plain_c: Annotated[bool, typer.Option("--plain-c", help="a core: kernels without DSP instructions.")] = False,
    helium: Annotated[bool, typer.Option("--helium", help="cortex-m55: the Helium (MVE) kernels.")] = False,
    backend: Backend = "native", board: BoardName = None, probe: Probe = None, port: Port = None,
    battery_mah: Annotated[float, typer.Option(min=0.001, help="a core: battery capacity (mAh) for the "
                                                                 "battery-life estimate.")] = 100.0,
    profile: Annotated[bool, typer.Option("--profile", help="a core: instructions, MACs and instructions/MAC "
                                                            "per op, for either backend.")] = False,
) -> None:
    """Latency and memory: on the host (PyTorch, onnxruntime, TFLite, TFLite Micro) or on a Cortex-M core."""
    from edgeppg.bench.runs import bench_runs

    bench_runs(runs_, target, err, out.print, compare, host=dict(runtimes=runtime, n_runs=n_runs, batch=batch,
                                                                threads=threads),
               mcu=dict(opt=opt, windows=windows, plain_c=plain_c, helium=helium, backend=backend, board=board,
                        probe=probe, port=port, battery_mah=battery_mah), profile=profile)


@app.command()
def build(
    run_dir: Annotated[Path, typer.Argument(help="Run folder with an exported model_int8.tflite.")],
    target: Target = None, board: BoardName = None,
    backend: Backend = "native", opt: Opt = "-O2", windows: Windows = 16,
) -> None:
    """Build the self-test firmware for a board and say whether it fits the board's flash and RAM."""
    from edgeppg.mcu.boards import FLASH_MEANS, for_target
    from edgeppg.mcu.firmware import build_for_board

    extras.require("mcu", "edgeppg build")
    r = build_for_board(run_dir, for_target(target, board, wearable=True).name, backend, opt, windows, err)
    b = r["board"]
    out.print(f"{r['elf']}: flash {r['flash_bytes']:,} of {b.flash_bytes:,} B ({FLASH_MEANS}), RAM {r['ram_bytes']:,} of "
              f"{b.ram_bytes:,} B (static {r['static_ram_bytes']:,} incl. arena {r['arena_bytes']:,}, + the stack the "
              f"linker reserves, {r['stack_bytes']:,}) on the {b.description}: "
              f"{'fits' if r['fits'] else 'does NOT fit'}")


@app.command()
def flash(
    ctx: typer.Context,
    run_dir: Annotated[Path, typer.Argument(help="Run folder with an exported model_int8.tflite.")],
    board: DevBoard = "nrf52840dk",
    no_build: Annotated[bool, typer.Option("--no-build", help="Program the firmware built before.")] = False,
    probe: Probe = None, port: Port = None,
    backend: Backend = "native", opt: Opt = "-O2", windows: Windows = 16,
    stream_: Annotated[Optional[str], typer.Option("--stream", help=(
        "Program the heart-rate monitor instead of the self-test and stream this recording to it over its "
        "console: synthetic:<participant>, e2epyppg or a CSV file (as for edgeppg stream)."))] = None,
) -> None:
    """Build the firmware for a board, program it with pyOCD and print HR and cycles from its console."""
    from edgeppg.files import exported_folder
    from edgeppg.mcu.boards import board as get_board
    from edgeppg.mcu.firmware import flash_selftest

    b = get_board(board)
    if not b.pyocd_target:
        raise EdgeppgError(f"board '{board}' is emulated, not flashed: use edgeppg bench --target {b.core}")
    extras.require("board", "edgeppg flash")
    if stream_ is not None:
        from edgeppg.mcu.stream import flash_recording

        flash_recording(exported_folder(run_dir), b, stream_, probe, port, opt,
                        given(ctx, "backend", "no_build", "windows"), out, err)
        return
    result = flash_selftest(run_dir, b.name, probe, port, backend, opt, windows, no_build, err)
    cycles = sum(result.window_ticks) / max(len(result.window_ticks), 1)
    out.print(f"{b.description}: {result.windows} windows, {result.mismatched} differing from TFLite, "
              f"{cycles:,.0f} cycles per inference = {cycles / (b.clock_mhz * 1e3):.1f} ms")
    if result.mismatched:
        raise EdgeppgError(f"the board's int8 outputs differ from TFLite's in {result.mismatched} window(s)")


@app.command()
def stream(
    run_dir: Annotated[Path, typer.Argument(help="Run folder with an exported model (device.json).")],
    recording: Annotated[Optional[str], typer.Option(
        help="synthetic:<participant> (built-in, 64 Hz; default: the run's first test participant), "
             "e2epyppg (the real watch recording) or a CSV file of your own (as for edgeppg eval).")] = None,
    opt: Opt = "-O2", target: Target = None,
) -> None:
    """Stream a whole recording's raw samples through the heart-rate monitor firmware on an emulated core (the
    M4 unless --target says) and compare its heart rate, window by window, with the host's device-equivalent
    pipeline."""
    from edgeppg import recordings
    from edgeppg.files import exported_folder
    from edgeppg.mcu.boards import for_target
    from edgeppg.mcu.stream import run_stream, show_stream

    extras.require("mcu", "edgeppg stream")
    folder, board = exported_folder(run_dir), for_target(target).name
    rec = recordings.load(recording or recordings.default_synthetic(folder), folder)
    show_stream(folder, rec, run_stream(folder, rec, opt, err, board), out.print)


@app.command()
def sweep(
    config: Annotated[str, typer.Argument(help="A study file (YAML), or the name of one shipped with edgeppg "
                                               f"({', '.join(packaged_studies())}).")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Study folder (default: runs/<name>).")] = None,
    workers: Annotated[int, typer.Option(min=0, help="Cells run at once on this machine (0: one per core).")] = 0,
    ray: Annotated[Optional[str], typer.Option("--ray", help="Run the cells on a Ray cluster: its address, or auto.")] = None,
    device: Device = "auto",
    gpus_per_cell: Annotated[float, typer.Option(min=0.01, max=64, help="--ray with GPUs: the GPU share each "
                                                                         "cell asks for (0.25: four per GPU).")] = 1.0,
) -> None:
    """Run a study's grid of teachers, students, strategies and seeds; resumable, with one results table."""
    from edgeppg.study.sweep import sweep as run_sweep

    try:
        run = run_sweep(config, out_dir, err, workers, ray, device, gpus_per_cell)
    except KeyboardInterrupt:  # the sweep said what was kept
        raise Interrupted("") from None
    out.print(f"results: {run.results}  (edgeppg report {run.results})")
    if run.failed:
        for r in run.failed:
            err.print(f"  FAILED {r['cell']}: {r.get('error', '')}", highlight=False, markup=False, soft_wrap=True)
        err.print(f"[bold red]error:[/] {len(run.failed)} of {run.cells} cells failed (above; each cell's cell.json "
                  f"has its traceback); the others are in {run.results}", soft_wrap=True)
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
    """A model card (Markdown and self-contained HTML): data, architecture, training, MAE per split and read-out,
    heart rate over time, Bland-Altman, float vs int8, host and MCU costs, and how to reproduce it."""
    from edgeppg.card import write_card

    with err.status(f"making the model card of {run_dir}"):
        md, page = write_card(run_dir, out_dir, watch)
    out.print(f"card: {page} and {md}")


@app.command()
def demo(
    out_dir: OutDir = Path("runs/demo"),
    teacher: Annotated[Optional[Path], typer.Option(help="The teacher run (default: the shipped one, "
                                                         "models/teacher beside the package).")] = None,
    seeds: Annotated[int, typer.Option(min=1, help="Training seeds of each student.")] = len(recipe.DEMO_SEEDS),
    epochs: Epochs = recipe.DEMO.epochs, subjects: Subjects = recipe.DEMO.subjects,
    minutes: Minutes = recipe.DEMO.minutes, device: Device = TC.device,
    threads: Annotated[Optional[int], typer.Option(min=0, help="Torch threads (0: one per core). Default: the demo's "
                                                              "pinned count, so its figures are the documented ones "
                                                              "on any number of cores.")] = None,
) -> None:
    """The pipeline on built-in data: the shipped teacher, DKD students and their scratch twins over seeds, the
    difference with a 95% interval, export, host benchmarks, the Cortex-M4 (recipe.DEMO: minutes)."""
    from edgeppg.demo import DEMO_THREADS, SHIPPED_TEACHER, run_demo

    extras.require("export", "edgeppg demo")
    with _resumable():
        run_demo(out_dir, out, err, teacher or SHIPPED_TEACHER, tuple(range(seeds)),
                 recipe.Budget(subjects, minutes, epochs), device=device,
                 threads=DEMO_THREADS if threads is None else threads)


@app.command()
def reference(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where the shipped models go.")] = Path("models"),
    runs: Annotated[Path, typer.Option(help="Run folders to train in (resumed or reused when run again).")] =
    Path("runs/reference"),
    device: Device = TC.device, inputs: Inputs = recipe.DATA.inputs,
) -> None:
    """The reference teacher and student of models/ from scratch: train both with the recipe (edgeppg.recipe),
    export to int8, run on the emulated Cortex-M4, stream the real watch recording through the firmware,
    write each model card, and copy the models, device contracts and cards to --out."""
    from edgeppg.reference import make_reference

    for extra in ("export", "mcu"):
        extras.require(extra, "edgeppg reference")
    with _resumable():
        metrics = make_reference(runs, out_dir, err, device=device, inputs=inputs)
    for name, m in metrics.items():
        out.print(f"{out_dir / name}: {m['model']} ({m['strategy']}), test participants MAE {m['test']['mae']:.2f} BPM "
                  f"({m['readout']} read-out); card: {out_dir / name / 'card' / 'card.md'}")


def _train(config: RunConfig, run_dir: Path, resume: bool) -> None:
    from edgeppg.reports import metrics_table
    from edgeppg.train import run

    with _resumable(run_dir):
        metrics = run(config, run_dir, resume, err)
    out.print(metrics_table({run_dir.name: {**metrics, "model": config.model.short()}}))


@contextmanager
def _resumable(run_dir: Path | None = None) -> Iterator[None]:
    """Ctrl-C: say what was kept and how to continue (click would only say 'Aborted')."""
    try:
        yield
    except KeyboardInterrupt:
        from edgeppg.runs import interrupted

        raise Interrupted(interrupted(run_dir)) from None


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
        _fail(f"{settings.option_name(e.owner, e.name, command)}: {e.problem}")
    except EdgeppgError as e:
        _fail(str(e))
    except OSError as e:  # disk full, permission denied, a file that vanished: the stage cleaned up after itself
        _fail(f"{e.filename or 'edgeppg'}: {e.strerror or e} (errno {e.errno})" if e.errno else
              f"{e.filename or 'edgeppg'}: {e}")
    except Interrupted as e:  # the command said what it kept
        err.print(str(e), highlight=False, end="\n" if str(e) else "")
        sys.exit(130)
    except (KeyboardInterrupt, typer.Abort):  # outside a command; inside one, typer makes it exit code 130
        code = 130
    if code == 130:  # files are written whole or not at all: nothing half-written stays
        err.print(f"interrupted: edgeppg {command or ''} stopped; what it had not finished was not kept",
                  highlight=False)
    sys.exit(code or 0)
