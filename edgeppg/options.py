"""The command line's choices and the options several commands share; defaults come from the config
dataclasses and choices from the stages' own lists, so the CLI and the Python API agree."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from edgeppg.config import DistillConfig, TrainConfig
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.distill import FROM_TEACHER, STRATEGIES
from edgeppg.errors import EdgeppgError
from edgeppg.mcu.boards import BOARDS
from edgeppg.metrics import READOUTS
from edgeppg.models.spec import ARCHS, READ_BY, ModelSpec
from edgeppg.settings import dashed


def _choices(name: str, values: tuple[str, ...]) -> type[Enum]:
    """A choice option from the stage's own list (typer takes choices as an Enum)."""
    return Enum(name, {v: v for v in values}, type=str)


Strategy, Arch, Readout = _choices("Strategy", FROM_TEACHER), _choices("Arch", ARCHS), _choices("Readout", READOUTS)


SYN, TC, DC, MS = SyntheticConfig(), TrainConfig(), DistillConfig(), ModelSpec()


def given(ctx: typer.Context, *params: str) -> list[str]:
    """The options among `params` (parameter names) that the command line gave, as the user wrote them."""
    return [dashed(p) for p in params
            if p in ctx.params and ctx.get_parameter_source(p).name != "DEFAULT"]  # typer vendors click's enum


def refuse_unread(ctx: typer.Context, arch: str, prefix: str = "") -> None:
    """An architecture's options given for another one (`--kernel` for an MLP) are refused, not ignored."""
    foreign = given(ctx, *(prefix + f for a, fields in READ_BY.items() if a != arch for f in fields))
    if foreign:
        own = [dashed(prefix + f) for f in READ_BY[arch] if prefix + f in ctx.params]
        raise EdgeppgError(f"{', '.join(foreign)}: not read by the {arch} (its options: {', '.join(own)})")


# Options shared by several commands.
Subjects = Annotated[int, typer.Option(help="Synthetic data: participants.")]
Minutes = Annotated[float, typer.Option(help="Synthetic data: minutes per participant.")]
DataSeed = Annotated[int, typer.Option(help="Synthetic data: generator seed.")]
Variety = Annotated[str, typer.Option(help="Synthetic data: what varies beyond the original generator: all, or "
                                           "some of perfusion,sensor,noise,morphology,motion ('' = none).")]
Scenario = Annotated[str, typer.Option(help="Synthetic data: '' (free living) or cadence (climbing and running, "
                                            "steps at half, once or twice the heart rate).")]
CadenceShare = Annotated[float, typer.Option(help="Synthetic data: share of participants recorded in the cadence "
                                                  "scenario beside free living (0 = none).")]
Inputs = Annotated[str, typer.Option(help="What the model sees: ppg (the paper's), ppg-acc (the PPG after the "
                                          "device's accelerometer front end, which removes what the axes explain), "
                                          "ppg-acc-steps (that, and what sits at the step rate and twice it) or "
                                          "ppg-acc-steps-stream (the same front end in its streaming form: each 2 s "
                                          "computed once).")]
Stream = Annotated[bool, typer.Option(help="The streaming family: the model computes each 2 s once on a device "
                                          "(models/stream.py; needs strides that divide 50, e.g. --stem-stride 2 "
                                          "--block-strides 1,5,1).")]
BlockStrides = Annotated[str, typer.Option(help="ResNet1D: each block's stride, comma-separated ('': every "
                                                "second block 2).")]
StudentWidth = Annotated[Optional[int], typer.Option(help="ResNet1D student stem channels (default: the teacher's).")]
StudentKernel = Annotated[Optional[int], typer.Option(help="Student convolution length (default: the teacher's).")]
StudentStream = Annotated[Optional[bool], typer.Option("--student-stream/--student-window", help=(
    "The student in the streaming family, or not (default: as the teacher)."))]
StudentInputs = Annotated[Optional[str], typer.Option(help="What the student sees, ppg, ppg-acc, ppg-acc-steps or "
                                                           "ppg-acc-steps-stream (default: the teacher's).")]
Calibrate = Annotated[bool, typer.Option(help="End by fitting the tracker's temperature on the validation "
                                              "participants, folded into the head (edgeppg/calibrate.py).")]
Augment = Annotated[float, typer.Option(help="Chance per window of each label-keeping augmentation (0 = none).")]
Ema = Annotated[float, typer.Option(min=0.0, max=0.9999, help=(
    "Decay per step of a moving average of the weights, which is validated and kept; 1 / (1 - decay) steps "
    "should span a few epochs (0 = none)."))]
PoolS = Annotated[int, typer.Option(help="Streaming ResNet1D: seconds of the newest frames the read-out averages "
                                         "(8: the window; 2: each update's new frames).")]
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
Opt = Annotated[str, typer.Option(help="Compiler optimisation, -O1, -O2, -O3 or -Os.")]
Backend = Annotated[str, typer.Option(help="native (edgeppg's C), tflm-cmsis-nn (alias tflm) or tflm-reference "
                                           "(TFLite Micro: needs a TFLM tree, README.md).")]
Windows = Annotated[int, typer.Option(min=1, help="Held-out windows compiled in for the self-test.")]
PARTS = ", ".join(n for n, b in BOARDS.items() if b.pyocd_target)  # the real boards
BoardName = Annotated[Optional[str], typer.Option("--board", help=(
    f"A board: a core's QEMU one (mps2_an386, ...) or a real one ({PARTS}). "
    "Default: bench and stream the core's QEMU board, build its wearable part."))]
DevBoard = Annotated[str, typer.Option(help=f"The dev board: {PARTS}.")]
Probe = Annotated[Optional[str], typer.Option(help="A real board: debug probe unique id (when several are attached).")]
Port = Annotated[Optional[str], typer.Option(help="A real board: serial port of its console (default: the probe's; "
                                                  "none on a board whose console is RTT).")]
Target = Annotated[Optional[str], typer.Option(help="A core: cortex-m0, -m3, -m4, -m7, -m33 or -m55 (default: the "
                                                    "board's, else cortex-m4).")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue an interrupted run in --out.")]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Run folder to create.")]


Tau = Annotated[float, typer.Option(help="Temperature (0: the strategy's own, " + ", ".join(
    f"{s.name} {s.tau:g}" for s in STRATEGIES.values() if s.needs_teacher) + ").")]
