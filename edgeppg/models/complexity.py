"""Parameters and multiply-accumulates per window, counted from a real forward pass."""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn

from edgeppg.data.windows import WINDOW
from edgeppg.models.spec import ModelSpec, build_model


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@lru_cache(maxsize=None)
def spec_params(spec: ModelSpec) -> int:
    """The parameters of the model a spec builds (a study compares teacher and student sizes by these)."""
    return count_params(build_model(spec))


def count_macs(model: nn.Module, window: int | None = None) -> int:
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
            model(torch.zeros(1, window or getattr(model, "input_len", WINDOW)))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return total


def size_rows(width: int, kernel: int) -> list[tuple[str, str, str, str]]:
    """`edgeppg info`: (model, parameters, MACs per window, last feature map) of every ResNet1D size
    (1-12 blocks) at this width and kernel, and of the MLP."""
    specs = [ModelSpec(blocks=b, width=width, kernel=kernel) for b in range(1, 13)] + [ModelSpec(arch="mlp")]
    rows = []
    for spec in specs:
        model = build_model(spec).eval()
        with torch.no_grad():
            shape = tuple(model.forward_features(torch.zeros(1, WINDOW))[1][-1].shape[1:])
        rows.append((spec.describe(), f"{count_params(model):,}", f"{count_macs(model) / 1e6:.2f} M",
                     " x ".join(map(str, shape))))
    return rows
