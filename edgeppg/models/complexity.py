"""Parameters and multiply-accumulates per window, counted from a real forward pass."""

from __future__ import annotations

import torch
from torch import nn

from edgeppg.data.windows import WINDOW


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, window: int = WINDOW) -> int:
    """MACs of one window through convolutions and linear layers (BatchNorm folds away at export)."""
    total = 0

    def conv_hook(m: nn.Conv1d, _inp: tuple, out: torch.Tensor) -> None:
        nonlocal total
        total += out.shape[1] * out.shape[2] * (m.in_channels // m.groups) * m.kernel_size[0]

    def linear_hook(m: nn.Linear, _inp: tuple, _out: torch.Tensor) -> None:
        nonlocal total
        total += m.in_features * m.out_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv1d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, window))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return total
