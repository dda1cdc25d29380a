"""What every strategy is: a module that turns a batch into logits and named loss terms."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

Batch = dict[str, Tensor]


class Distiller(nn.Module):
    """Wraps the student; the training loop sums the loss terms it returns.

    A batch always has `x` (windows) and `y` (class labels). Strategies that learn from a teacher also
    get `teacher_logits` and, for feature distillation, `teacher_feature`: these are computed once
    before training (the teacher is frozen and the windows are not augmented, so they never change).
    Parameters outside `student` (a feature projection) are trained but never exported.
    """

    def __init__(self, student: nn.Module):
        super().__init__()
        self.student = student

    @classmethod
    def from_config(cls, cfg: Any, student: nn.Module, targets: Batch) -> Distiller:
        """The strategy with its settings from a DistillConfig (its temperature is `cfg.temperature`)."""
        return cls(student)

    def forward(self, batch: Batch, epoch: int) -> tuple[Tensor, dict[str, Tensor]]:
        raise NotImplementedError
