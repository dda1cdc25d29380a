"""A model is named by a small spec, saved with every checkpoint so it can be rebuilt exactly."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar

from torch import nn

from edgeppg.device.spec import FS, STRIDE_S, WINDOW_S
from edgeppg.errors import EdgeppgError
from edgeppg.models.mlp import MLP
from edgeppg.models.resnet1d import ResNet1D
from edgeppg.models.stream import StreamResNet1D
from edgeppg.settings import SettingError, check, one_of, text, whole

ARCHS = ("resnet1d", "mlp")
READ_BY = {"resnet1d": ("blocks", "width", "kernel", "stem_stride", "block_strides", "pool_s"),
           "mlp": ("hidden", "layers")}  # the fields each architecture is built from; the others it ignores


@dataclass(frozen=True)
class ModelSpec:
    OPTION_PREFIX: ClassVar[dict[str, str]] = {"distill": "--student-"}  # the student's, beside the teacher's
    arch: str = field(default="resnet1d", metadata=one_of(*ARCHS))
    blocks: int = field(default=6, metadata=whole(1, 32))  # resnet1d: residual blocks
    width: int = field(default=32, metadata=whole(1, 1024))  # resnet1d: stem channels
    # resnet1d: convolution length (9: a 1-block model sees one beat); distilled: the teacher's unless given
    kernel: int = field(default=9, metadata=whole(1, 199, option={"train": "--kernel", "distill": "--kernel"}))
    # resnet1d: the stem's stride; 2 halves every later layer's positions and doubles what one sees
    stem_stride: int = field(default=1, metadata=whole(1, 8))
    # resnet1d: each block's stride, comma-separated ("1,5,1"); "" downsamples every second block by 2
    block_strides: str = field(default="", metadata=text())
    # resnet1d streaming: seconds of the newest last-layer frames the read-out averages (8: the window; 2: each
    # update's new frames only, so consecutive outputs share none and the tracker sees fresh evidence)
    pool_s: int = field(default=int(WINDOW_S), metadata=whole(int(STRIDE_S), int(WINDOW_S)))
    hidden: int = field(default=64, metadata=whole(1, 65_536))  # mlp: units per layer
    layers: int = field(default=2, metadata=whole(1, 64, option=None))  # mlp: hidden layers

    def __post_init__(self) -> None:
        check(self)
        strides = self.block_strides.split(",") if self.block_strides else []
        if strides and (not all(s.strip().isdigit() and int(s) >= 1 for s in strides) or len(strides) != self.blocks):
            raise SettingError(type(self), "block_strides", f"must be {self.blocks} whole numbers >= 1 separated by "
                                                            f"commas (one per block), got {self.block_strides!r}")
        if self.pool_s % STRIDE_S:
            raise SettingError(type(self), "pool_s", f"must be whole {STRIDE_S:g} s updates, got {self.pool_s}")

    def check_window(self) -> None:
        """A window ResNet's 'same' padding needs an odd kernel; a streaming one's valid convolutions take any."""
        if self.arch == "resnet1d" and self.kernel % 2 == 0:
            raise SettingError(type(self), "kernel", f"must be odd for a window model's 'same' padding, got "
                                                     f"{self.kernel} (a streaming model, --stream, takes any)")

    @property
    def strides(self) -> tuple[int, ...]:
        """Each block's stride as block_strides gives them; () for the default plan."""
        return tuple(int(s) for s in self.block_strides.split(",")) if self.block_strides else ()

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        if self.arch == "mlp":
            return f"MLP {self.layers}x{self.hidden}"
        name = f"ResNet1D {self.blocks} block{'s' if self.blocks > 1 else ''}"
        extras = [f"width {self.width}"] if self.width != 32 else []
        extras += [f"stem stride {self.stem_stride}"] if self.stem_stride != 1 else []
        extras += [f"kernel {self.kernel}"] if self.kernel != 9 else []
        extras += [f"block strides {self.block_strides}"] if self.block_strides else []
        extras += [f"pool {self.pool_s} s"] if self.pool_s != WINDOW_S else []
        return f"{name} ({', '.join(extras)})" if extras else name

    def short(self) -> str:
        """describe() in a table cell: `ResNet 3b w16 s2`, `MLP 2x64`."""
        if self.arch == "mlp":
            return self.describe()
        return " ".join([f"ResNet {self.blocks}b", *([f"w{self.width}"] if self.width != 32 else []),
                         *([f"s{self.stem_stride}"] if self.stem_stride != 1 else []),
                         *([f"k{self.kernel}"] if self.kernel != 9 else []),
                         *([f"b{self.block_strides.replace(',', '')}"] if self.block_strides else []),
                         *([f"p{self.pool_s}"] if self.pool_s != WINDOW_S else [])])

    @property
    def depth(self) -> int:
        """Blocks for a ResNet, hidden layers for an MLP: what 'a deeper teacher' compares."""
        return self.blocks if self.arch == "resnet1d" else self.layers


def build_model(spec: ModelSpec, stream: bool = False) -> nn.Module:
    """The model a spec names; `stream` (the data's): its streaming form (edgeppg.models.stream)."""
    if spec.arch == "resnet1d" and stream:
        try:
            return StreamResNet1D(spec.blocks, spec.width, spec.kernel, spec.stem_stride, spec.strides,
                                  pool=int(spec.pool_s * FS))
        except ValueError as e:
            raise EdgeppgError(f"--stream: {e}") from None
    if stream:
        raise EdgeppgError(f"--stream: the {spec.arch} has no streaming form (use --arch resnet1d)")
    if spec.pool_s != WINDOW_S:
        raise EdgeppgError(f"--pool-s {spec.pool_s}: a window model pools its whole window; only a streaming model "
                           "(--stream) pools less")
    if spec.arch == "resnet1d":  # the spec checked its own ranges when it was made
        spec.check_window()
        return ResNet1D(spec.blocks, spec.width, spec.kernel, stem_stride=spec.stem_stride, block_strides=spec.strides)
    if spec.arch == "mlp":
        return MLP(spec.hidden, spec.layers)
    raise EdgeppgError(f"unknown architecture '{spec.arch}' (available: {', '.join(ARCHS)})")
