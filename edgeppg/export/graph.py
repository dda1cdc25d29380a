"""The deployable form of a trained model: the same function, written the way converters and MCUs like it.

Three rewrites, none of which changes a single float result:
- the input is `(batch, 1, 200)` (channels-first), so onnx2tf maps it to a plain `[1, 200, 1]` tensor
  without a layout TRANSPOSE;
- global average pooling is `GlobalAveragePool`, which becomes one MEAN (a `mean(-1)` became
  TRANSPOSE + MEAN);
- every linear layer becomes a 1x1 convolution. TFLite's and TFLite Micro's reference
  FULLY_CONNECTED kernels round per-channel int8 differently (tensorflow/tensorflow#66358, seen here:
  one logit off by one), while their CONV_2D kernels agree bit for bit, and the firmware is checked
  against both.
BatchNorm needs no rewrite: every BatchNorm follows a convolution and the ONNX exporter folds it.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from edgeppg.models.mlp import MLP
from edgeppg.models.resnet1d import ResNet1D
from edgeppg.models.stream import newest


def linear_as_conv(linear: nn.Linear) -> nn.Conv1d:
    """A 1x1 convolution that computes `linear` on a (batch, in_features, 1) tensor."""
    conv = nn.Conv1d(linear.in_features, linear.out_features, kernel_size=1)
    with torch.no_grad():
        conv.weight.copy_(linear.weight[:, :, None])
        conv.bias.copy_(linear.bias)
    return conv


class ResNet1DExport(nn.Module):
    def __init__(self, model: ResNet1D):
        super().__init__()
        self.stem, self.blocks = model.stem, model.blocks
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.head = linear_as_conv(model.head)
        # a streaming model reads only the stream's newest samples
        self.needed, self.length = getattr(model, "needed", 0), model.input_len

    def forward(self, x: Tensor) -> Tensor:
        h = self.stem(newest(x, self.needed, self.length) if self.needed else x)
        for block in self.blocks:
            h = block(h)
        return self.head(self.pool(h)).flatten(1)


class MLPExport(nn.Module):
    """The window's 200 samples as 200 channels of length 1, then 1x1 convolutions."""

    def __init__(self, model: MLP):
        super().__init__()
        self.hidden = nn.ModuleList(linear_as_conv(layer) for layer in model.hidden)
        self.head = linear_as_conv(model.head)

    def forward(self, x: Tensor) -> Tensor:
        h = x.transpose(1, 2)  # (batch, 1, 200) -> (batch, 200, 1): a no-op in memory
        for layer in self.hidden:
            h = torch.relu(layer(h))
        return self.head(h).flatten(1)


def export_form(model: nn.Module) -> nn.Module:
    """The model in eval mode, rewritten for conversion; takes (batch, 1, 200), returns (batch, 180)."""
    model = model.eval()
    if isinstance(model, ResNet1D):
        return ResNet1DExport(model).eval()
    if isinstance(model, MLP):
        return MLPExport(model).eval()
    raise TypeError(f"no export form for {type(model).__name__}")
