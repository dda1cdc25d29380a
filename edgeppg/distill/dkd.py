"""Decoupled knowledge distillation (Zhao et al., CVPR 2022).

The KD loss splits into a target-class part (TCKD: how sure is the teacher of the right class?) and a
non-target part (NCKD: how does it rank the wrong ones?), weighted separately. For heart rate the
non-target ranking carries the ordinal structure (neighbouring BPM bins), hence beta >> alpha.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from edgeppg.distill.base import Batch, Distiller
from edgeppg.distill.soft import kd_loss


def non_target(logits: Tensor, target: Tensor) -> Tensor:
    """The logits with each row's target class removed: (batch, classes - 1)."""
    keep = torch.ones_like(logits, dtype=torch.bool).scatter_(1, target[:, None], False)
    return logits[keep].view(logits.shape[0], logits.shape[1] - 1)


def binary_log_probs(logits: Tensor, target: Tensor, tau: float) -> Tensor:
    """log [p_target, 1 - p_target] of softmax(z / tau), from log-sum-exps: no log(0), no clamping."""
    z = logits / tau
    lse_all = torch.logsumexp(z, dim=1)
    lse_rest = torch.logsumexp(non_target(z, target), dim=1)
    z_target = z.gather(1, target[:, None]).squeeze(1)
    return torch.stack([z_target - lse_all, lse_rest - lse_all], dim=1)


def tckd_loss(student_logits: Tensor, teacher_logits: Tensor, target: Tensor, tau: float) -> Tensor:
    """tau^2 * KL(b_t || b_s), b = [p_target, 1 - p_target] of softmax(z / tau); batch mean."""
    log_b_s = binary_log_probs(student_logits, target, tau)
    log_b_t = binary_log_probs(teacher_logits, target, tau)
    return F.kl_div(log_b_s, log_b_t, reduction="batchmean", log_target=True) * tau**2


def nckd_loss(student_logits: Tensor, teacher_logits: Tensor, target: Tensor, tau: float) -> Tensor:
    """tau^2 * KL(softmax(t_nt / tau) || softmax(s_nt / tau)) over the non-target logits only."""
    return kd_loss(non_target(student_logits, target), non_target(teacher_logits, target), tau)


def warmup_weight(epoch: int, warmup: int) -> float:
    """Linear ramp of the KD weight: 1/warmup in the first epoch (0-based `epoch`), 1 from `warmup` on."""
    return 1.0 if warmup <= 0 else min((epoch + 1) / warmup, 1.0)


class DKD(Distiller):
    def __init__(self, student, alpha: float = 1.0, beta: float = 8.0, tau: float = 2.0,
                 ce_weight: float = 1.0, warmup: int = 5):
        super().__init__(student)
        self.alpha, self.beta, self.tau, self.ce_weight, self.warmup = alpha, beta, tau, ce_weight, warmup

    @classmethod
    def from_config(cls, cfg, student, targets) -> DKD:
        return cls(student, cfg.alpha, cfg.beta, cfg.temperature, cfg.ce_weight, cfg.warmup)

    def forward(self, batch: Batch, epoch: int) -> tuple[Tensor, dict[str, Tensor]]:
        logits = self.student(batch["x"])
        y, t = batch["y"], batch["teacher_logits"]
        w = warmup_weight(epoch, self.warmup)
        return logits, {
            "ce": self.ce_weight * F.cross_entropy(logits, y),
            "tckd": w * self.alpha * tckd_loss(logits, t, y, self.tau),
            "nckd": w * self.beta * nckd_loss(logits, t, y, self.tau),
        }
