"""No teacher: plain cross-entropy on the labels (teachers, and the students' baseline)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from edgeppg.distill.base import Batch, Distiller


class Scratch(Distiller):
    def forward(self, batch: Batch, epoch: int) -> tuple[Tensor, dict[str, Tensor]]:
        logits = self.student(batch["x"])
        return logits, {"ce": F.cross_entropy(logits, batch["y"])}
