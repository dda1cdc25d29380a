"""A multilayer perceptron student, the paper's non-convolutional point of comparison."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from edgeppg.data.windows import N_CLASSES, WINDOW


class MLP(nn.Module):
    """`layers` hidden layers of `hidden` units on the raw window; about the size of a 1-block ResNet
    at the defaults (200-64-64-180: 29 k parameters)."""

    def __init__(self, hidden: int = 64, layers: int = 2, n_classes: int = N_CLASSES, window: int = WINDOW):
        super().__init__()
        dims = [window] + [hidden] * layers
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.head = nn.Linear(dims[-1], n_classes)

    def forward_features(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        h = x.flatten(1)
        feats = []
        for layer in self.hidden:
            h = torch.relu(layer(h))
            feats.append(h)
        return self.head(h), feats

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_features(x)[0]
