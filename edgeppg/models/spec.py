"""A model is named by a small spec, saved with every checkpoint so it can be rebuilt exactly."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from torch import nn

from edgeppg.errors import EdgeppgError
from edgeppg.models.mlp import MLP
from edgeppg.models.resnet1d import ResNet1D

ARCHS = ("resnet1d", "mlp")


@dataclass(frozen=True)
class ModelSpec:
    arch: str = "resnet1d"
    blocks: int = 6  # resnet1d: residual blocks
    width: int = 32  # resnet1d: stem channels
    kernel: int = 9  # resnet1d: convolution length (9: a 1-block model sees one beat)
    hidden: int = 64  # mlp: units per layer
    layers: int = 2  # mlp: hidden layers

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        if self.arch == "mlp":
            return f"MLP {self.layers}x{self.hidden}"
        return f"ResNet1D {self.blocks} block{'s' if self.blocks > 1 else ''}"

    @property
    def depth(self) -> int:
        """Blocks for a ResNet, hidden layers for an MLP: what 'a deeper teacher' compares."""
        return self.blocks if self.arch == "resnet1d" else self.layers


def build_model(spec: ModelSpec) -> nn.Module:
    if spec.arch == "resnet1d":
        if not 1 <= spec.blocks <= 32:
            raise EdgeppgError(f"blocks must be between 1 and 32, got {spec.blocks}")
        return ResNet1D(spec.blocks, spec.width, spec.kernel)
    if spec.arch == "mlp":
        return MLP(spec.hidden, spec.layers)
    raise EdgeppgError(f"unknown architecture '{spec.arch}' (available: {', '.join(ARCHS)})")
