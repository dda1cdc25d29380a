"""Hard distillation: the teacher's most likely class replaces the label."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from edgeppg.distill.base import Batch, Distiller


def hard_loss(student_logits: Tensor, teacher_logits: Tensor) -> Tensor:
    """CE(s, argmax t): cross-entropy against the teacher's argmax, averaged over the batch."""
    return F.cross_entropy(student_logits, teacher_logits.argmax(dim=1))


class Hard(Distiller):
    def forward(self, batch: Batch, epoch: int) -> tuple[Tensor, dict[str, Tensor]]:
        logits = self.student(batch["x"])
        return logits, {"hard": hard_loss(logits, batch["teacher_logits"])}
