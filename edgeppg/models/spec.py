"""A model is named by a small spec, saved with every checkpoint so it can be rebuilt exactly."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar

from torch import nn

from edgeppg.errors import EdgeppgError
from edgeppg.models.mlp import MLP
from edgeppg.models.resnet1d import ResNet1D
from edgeppg.settings import check, one_of, whole

ARCHS = ("resnet1d", "mlp")


@dataclass(frozen=True)
class ModelSpec:
    OPTION_PREFIX: ClassVar[dict[str, str]] = {"distill": "--student-"}  # the student's, beside the teacher's
    arch: str = field(default="resnet1d", metadata=one_of(*ARCHS))
    blocks: int = field(default=6, metadata=whole(1, 32))  # resnet1d: residual blocks
    width: int = field(default=32, metadata=whole(1, 1024))  # resnet1d: stem channels
    # resnet1d: convolution length (9: a 1-block model sees one beat)
    kernel: int = field(default=9, metadata=whole(1, 199, option={"train": "--kernel"}))  # distill: the teacher's
    # resnet1d: the stem's stride; 2 halves every later layer's positions and doubles what one sees
    stem_stride: int = field(default=1, metadata=whole(1, 8))
    hidden: int = field(default=64, metadata=whole(1, 65_536))  # mlp: units per layer
    layers: int = field(default=2, metadata=whole(1, 64, option=None))  # mlp: hidden layers

    def __post_init__(self) -> None:
        check(self)

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        if self.arch == "mlp":
            return f"MLP {self.layers}x{self.hidden}"
        name = f"ResNet1D {self.blocks} block{'s' if self.blocks > 1 else ''}"
        extras = [f"width {self.width}"] if self.width != 32 else []
        extras += [f"stem stride {self.stem_stride}"] if self.stem_stride != 1 else []
        return f"{name} ({', '.join(extras)})" if extras else name

    def short(self) -> str:
        """describe() in a table cell: `ResNet 3b w16 s2`, `MLP 2x64`."""
        if self.arch == "mlp":
            return self.describe()
        return " ".join([f"ResNet {self.blocks}b", *([f"w{self.width}"] if self.width != 32 else []),
                         *([f"s{self.stem_stride}"] if self.stem_stride != 1 else [])])

    @property
    def depth(self) -> int:
        """Blocks for a ResNet, hidden layers for an MLP: what 'a deeper teacher' compares."""
        return self.blocks if self.arch == "resnet1d" else self.layers


def build_model(spec: ModelSpec) -> nn.Module:
    if spec.arch == "resnet1d":  # the spec checked its own ranges when it was made
        return ResNet1D(spec.blocks, spec.width, spec.kernel, stem_stride=spec.stem_stride)
    if spec.arch == "mlp":
        return MLP(spec.hidden, spec.layers)
    raise EdgeppgError(f"unknown architecture '{spec.arch}' (available: {', '.join(ARCHS)})")
