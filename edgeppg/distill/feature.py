"""Feature distillation (FitNets, Romero et al., 2015): the student's last feature map, through a
learned projection, regresses the teacher's feature map at a chosen block.

The projection is a 1x1 convolution for channels (a linear layer for an MLP's vector features), and
the student's map is average-pooled, or linearly interpolated, to the teacher's length. It is trained
with the student and thrown away at export.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from edgeppg.device.spec import WINDOW
from edgeppg.distill.base import Batch, Distiller


def feature_loss(projected: Tensor, teacher_feature: Tensor) -> Tensor:
    """Mean squared error over every element: mean((P(f_s) - f_t)^2)."""
    return F.mse_loss(projected, teacher_feature)


def _pool_time(f: Tensor) -> Tensor:
    return f.mean(dim=2) if f.dim() == 3 else f


class Projector(nn.Module):
    """Maps the student's feature onto the teacher's: (C_s, L_s) -> (C_t, L_t) with a 1x1 convolution
    and a length resize; when either side is a vector (an MLP), both are pooled over time first and a
    linear layer maps C_s -> C_t."""

    def __init__(self, student_shape: tuple[int, ...], teacher_shape: tuple[int, ...]):
        super().__init__()
        self.vectors = len(student_shape) == 1 or len(teacher_shape) == 1
        c_s, c_t = student_shape[0], teacher_shape[0]
        self.proj = nn.Linear(c_s, c_t) if self.vectors else nn.Conv1d(c_s, c_t, kernel_size=1)

    def forward(self, student: Tensor, teacher: Tensor) -> tuple[Tensor, Tensor]:
        """The projected student feature and the teacher feature it is compared with."""
        if self.vectors:
            return self.proj(_pool_time(student)), _pool_time(teacher)
        f = self.proj(student)
        length = teacher.shape[2]
        if f.shape[2] > length:
            f = F.adaptive_avg_pool1d(f, length)
        elif f.shape[2] < length:
            f = F.interpolate(f, size=length, mode="linear", align_corners=False)
        return f, teacher


class FeatureKD(Distiller):
    def __init__(self, student: nn.Module, student_shape: tuple[int, ...], teacher_shape: tuple[int, ...],
                 ce_weight: float = 1.0, feature_weight: float = 1.0):
        super().__init__(student)
        self.projector = Projector(student_shape, teacher_shape)
        self.ce_weight, self.feature_weight = ce_weight, feature_weight

    @classmethod
    def from_config(cls, cfg, student, targets) -> FeatureKD:
        """The projection's shapes: the student's last feature map (from a dummy window) and the teacher's."""
        with torch.no_grad():
            student.eval()
            _, feats = student.forward_features(torch.zeros(2, getattr(student, "input_len", WINDOW)))
            student.train()
        return cls(student, tuple(feats[-1].shape[1:]), tuple(targets["teacher_feature"].shape[1:]),
                   cfg.ce_weight, cfg.feature_weight)

    def forward(self, batch: Batch, epoch: int) -> tuple[Tensor, dict[str, Tensor]]:
        logits, feats = self.student.forward_features(batch["x"])
        projected, target = self.projector(feats[-1], batch["teacher_feature"])
        return logits, {
            "ce": self.ce_weight * F.cross_entropy(logits, batch["y"]),
            "feature": self.feature_weight * feature_loss(projected, target),
        }
