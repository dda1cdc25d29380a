"""Models: the 1D-ResNet backbone, the MLP student, their specs and their size."""

from edgeppg.models.complexity import count_macs, count_params
from edgeppg.models.mlp import MLP
from edgeppg.models.resnet1d import ResNet1D
from edgeppg.models.spec import ARCHS, ModelSpec, build_model

__all__ = ["count_macs", "count_params", "MLP", "ResNet1D", "ARCHS", "ModelSpec", "build_model"]
