"""Training-time augmentation that keeps every label exact: what a wrist does to a window without changing
the heart rate under it.

Each window, with probability `p` per kind, gets a slow trend (a ramp and a sub-0.4 Hz wave: posture,
breathing, perfusion), a contact shift (a smoothed step), broadband noise, or a sensor low-pass (a short
moving average); then it is normalised again as the device normalises (zero mean, unit spread), so the
model sees windows of the kind it will be given. Sizes are relative to the window's own spread.

Left out on purpose: time stretching (it moves the heart rate, and an 8 s window has no samples to
stretch into, so the label and the signal would disagree at the edges) and flips in time or sign
(they change the pulse's shape, not only its surroundings).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from edgeppg.device.spec import FS, STRIDE, WINDOW

MAX_TREND = 2.0  # ramp and slow wave, in window spreads
MAX_STEP = 1.5  # contact shift, in window spreads
MAX_NOISE = 0.3  # noise, in window spreads


def augment(x: Tensor, p: float, generator: torch.Generator) -> Tensor:
    """x: (batch, length) normalised windows -> augmented and renormalised copies (x is not changed)."""
    if p <= 0:
        return x
    n, length = x.shape
    dev, dt = x.device, x.dtype

    def draw(*shape: int) -> Tensor:
        return torch.rand(*shape, generator=generator).to(device=dev, dtype=dt)

    def chosen() -> Tensor:
        return (draw(n, 1) < p).to(dt)

    t = torch.arange(length, device=dev, dtype=dt)[None, :] / FS
    span = length / FS
    ramp = (t / span - 0.5) * (2 * draw(n, 1) - 1)
    freq = 0.02 + 0.38 * draw(n, 1)
    wave = (2 * draw(n, 1) - 1) * torch.sin(2 * math.pi * freq * t + 2 * math.pi * draw(n, 1))
    out = x + chosen() * MAX_TREND * (ramp + wave) / 2

    where = draw(n, 1) * span
    width = 0.1 + 0.9 * draw(n, 1)
    step = torch.sigmoid((t - where) / width) * (2 * draw(n, 1) - 1) * MAX_STEP
    out = out + chosen() * step

    noise = torch.randn(n, length, generator=generator).to(device=dev, dtype=dt)
    out = out + chosen() * MAX_NOISE * draw(n, 1) * noise

    smooth = torch.nn.functional.avg_pool1d(out[:, None, :], 3, stride=1, padding=1, count_include_pad=False)[:, 0]
    pick = chosen()
    out = pick * smooth + (1 - pick) * out
    return normalise(out)


def normalise(x: Tensor) -> Tensor:
    """Zero mean and unit spread per window, as the device's preprocessing leaves it."""
    x = x - x.mean(dim=1, keepdim=True)
    return x / x.std(dim=1, unbiased=False, keepdim=True).clamp_min(1e-6)


def restart(x: Tensor, p: float, generator: torch.Generator) -> Tensor:
    """Streamed inputs (batch, context + WINDOW) as the device gives them some updates after its state was
    reset (a new recording, or windows it could not use): with probability p, the oldest 1 to all of the
    context's 2 s chunks are zeros, as the state holds them then (edgeppg.device.streaming). Why
    try it: a model trained on whole histories meets those zeros at the start of every recording and answers
    worse there. Measured, it made the streaming student worse, at the start too (docs/results.md)."""
    if p <= 0:
        return x
    n, context_chunks = x.shape[0], (x.shape[1] - WINDOW) // STRIDE
    hit = torch.rand(n, generator=generator) < p
    zeros = torch.randint(1, context_chunks + 1, (n,), generator=generator) * hit  # chunks zeroed per input
    keep = torch.arange(x.shape[1])[None, :] >= (zeros * STRIDE)[:, None]
    return x * keep.to(device=x.device, dtype=x.dtype)
