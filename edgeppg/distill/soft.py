"""Soft distillation (Hinton et al., 2015): match the teacher's temperature-softened distribution."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from edgeppg.distill.base import Batch, Distiller


def kd_loss(student_logits: Tensor, teacher_logits: Tensor, tau: float) -> Tensor:
    """tau^2 * KL(softmax(t / tau) || softmax(s / tau)), summed over classes, averaged over the batch.

    The tau^2 keeps the gradient scale independent of the temperature. `batchmean`, not `mean`:
    `mean` would also divide by the 180 classes.
    """
    log_p_s = F.log_softmax(student_logits / tau, dim=1)
    log_p_t = F.log_softmax(teacher_logits / tau, dim=1)
    return F.kl_div(log_p_s, log_p_t, reduction="batchmean", log_target=True) * tau**2


class SoftKD(Distiller):
    def __init__(self, student, tau: float = 4.0, ce_weight: float = 1.0, kd_weight: float = 1.0):
        super().__init__(student)
        self.tau, self.ce_weight, self.kd_weight = tau, ce_weight, kd_weight

    @classmethod
    def from_config(cls, cfg, student, targets) -> SoftKD:
        return cls(student, cfg.temperature, cfg.ce_weight, cfg.kd_weight)

    def forward(self, batch: Batch, epoch: int) -> tuple[Tensor, dict[str, Tensor]]:
        logits = self.student(batch["x"])
        return logits, {
            "ce": self.ce_weight * F.cross_entropy(logits, batch["y"]),
            "kd": self.kd_weight * kd_loss(logits, batch["teacher_logits"], self.tau),
        }
