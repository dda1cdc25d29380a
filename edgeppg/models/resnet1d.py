"""The 1D-ResNet backbone; depth is counted in residual blocks, as in the paper.

Layout (defaults after the WildPPG authors' supervised baseline; the paper gives no filter counts):
a stem convolution (strided if asked: the student's cheapest way to see a whole beat period), then `blocks` residual blocks where block i has `width * 2**(i // 4)` channels and
stride 2 when i is odd, global average pooling and a linear head to 180 logits. Blocks are
post-activation (conv-BN-ReLU-conv-BN, add, ReLU) so every BatchNorm follows a convolution and folds
into it at export; a 1x1 convolution with BatchNorm projects the shortcut where the shape changes.
`block_strides` replaces the default downsampling (the streaming family needs strides that divide the
2 s hop: edgeppg.models.stream).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from edgeppg.data.windows import N_CLASSES, WINDOW


def conv_bn(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int | None = None) -> nn.Sequential:
    """Convolution and BatchNorm; 'same' padding unless told (the streaming family pads nothing)."""
    return nn.Sequential(
        nn.Conv1d(c_in, c_out, kernel, stride=stride, padding=kernel // 2 if padding is None else padding, bias=False),
        nn.BatchNorm1d(c_out),
    )


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int | None = None):
        super().__init__()
        self.conv1 = conv_bn(c_in, c_out, kernel, stride, padding)
        self.conv2 = conv_bn(c_out, c_out, kernel, 1, padding)
        self.shortcut = conv_bn(c_in, c_out, 1, stride, 0) if (stride != 1 or c_in != c_out) else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv2(torch.relu(self.conv1(x)))
        return torch.relu(out + self.shortcut(x))


def block_plan(blocks: int, width: int, strides: tuple[int, ...] = ()) -> list[tuple[int, int]]:
    """(channels, stride) of each block: double width every fourth; downsample every second block, or as
    `strides` (one per block) says."""
    if strides and len(strides) != blocks:
        raise ValueError(f"{len(strides)} block strides for {blocks} blocks")
    return [(width * 2 ** (i // 4), strides[i] if strides else (2 if i % 2 == 1 else 1)) for i in range(blocks)]


class ResNet1D(nn.Module):
    input_len = WINDOW  # samples a forward pass takes
    block = BasicBlock

    def __init__(self, blocks: int = 6, width: int = 32, kernel: int = 9, n_classes: int = N_CLASSES,
                 stem_stride: int = 1, block_strides: tuple[int, ...] = (), padding: int | None = None):
        super().__init__()
        if blocks < 1:
            raise ValueError(f"a ResNet1D needs at least one block, got {blocks}")
        if kernel % 2 == 0:
            raise ValueError(f"kernel must be odd for 'same' padding, got {kernel}")
        self.stem = nn.Sequential(conv_bn(1, width, kernel, stem_stride, padding), nn.ReLU())
        layers, c_in = [], width
        for c_out, stride in block_plan(blocks, width, block_strides):
            layers.append(self.block(c_in, c_out, kernel, stride, padding))
            c_in = c_out
        self.blocks = nn.ModuleList(layers)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.head = nn.Linear(c_in, n_classes)

    def forward_features(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """Logits and the output of every block (what feature distillation taps)."""
        h = self.stem(x.view(x.shape[0], 1, -1))
        feats = []
        for block in self.blocks:
            h = block(h)
            feats.append(h)
        return self.head(self.pool(h).flatten(1)), feats

    def forward(self, x: Tensor) -> Tensor:
        """x: (batch, 200) normalised PPG windows -> (batch, 180) logits."""
        return self.forward_features(x)[0]

