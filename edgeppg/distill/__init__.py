"""Distillation strategies, one per module; `scratch` is the no-teacher baseline."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from edgeppg.config import DistillConfig
from edgeppg.distill.base import Distiller
from edgeppg.distill.dkd import DKD
from edgeppg.distill.feature import FeatureKD
from edgeppg.distill.hard import Hard
from edgeppg.distill.scratch import Scratch
from edgeppg.distill.soft import SoftKD
from edgeppg.data.windows import WINDOW
from edgeppg.errors import EdgeppgError


@torch.no_grad()
def teacher_targets(teacher: nn.Module, x: np.ndarray, feature_layer: int | None, batch_size: int = 512) -> dict[str, Tensor]:
    """The frozen teacher's logits (and one block's features) for every training window, once."""
    teacher.eval()
    device = next(teacher.parameters()).device  # computed where training runs, and kept there
    logits, feats = [], []
    for i in range(0, len(x), batch_size):
        out, blocks = teacher.forward_features(torch.from_numpy(x[i : i + batch_size]).to(device))
        logits.append(out)
        if feature_layer is not None:
            if not -len(blocks) <= feature_layer < len(blocks):
                raise EdgeppgError(f"feature layer {feature_layer} does not exist: the teacher has {len(blocks)} blocks")
            feats.append(blocks[feature_layer])
    targets = {"teacher_logits": torch.cat(logits)}
    if feature_layer is not None:
        targets["teacher_feature"] = torch.cat(feats)
    return targets


def make_distiller(cfg: DistillConfig, student: nn.Module, targets: dict[str, Tensor]) -> Distiller:
    s = cfg.strategy
    if s == "scratch":
        return Scratch(student)
    if s == "hard":
        return Hard(student)
    if s == "soft":
        return SoftKD(student, cfg.temperature, cfg.ce_weight, cfg.kd_weight)
    if s == "dkd":
        return DKD(student, cfg.alpha, cfg.beta, cfg.temperature, cfg.ce_weight, cfg.warmup)
    if s == "feature":
        with torch.no_grad():
            student.eval()
            _, feats = student.forward_features(torch.zeros(2, WINDOW))
            student.train()
        teacher_shape = tuple(targets["teacher_feature"].shape[1:])
        return FeatureKD(student, tuple(feats[-1].shape[1:]), teacher_shape, cfg.ce_weight, cfg.feature_weight)
    raise EdgeppgError(f"unknown strategy '{s}' (available: scratch, hard, soft, dkd, feature)")


__all__ = ["Distiller", "DKD", "FeatureKD", "Hard", "Scratch", "SoftKD", "make_distiller", "teacher_targets"]
