"""What a student learns from: the frozen teacher's logits (and one block's features), computed once."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

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
