"""The streaming family: a ResNet1D whose answer for a window is a computation over the stream, so a
device can compute each sample once (issue #27).

What makes a window model's work differ from its neighbour's is its edges: 'same' padding puts zeros at
both ends of every window, and the per-window normalisation rescales all of it. The streaming form removes
both:
- its input is the stream as the device preprocessed it, 2 s at a time (edgeppg.device.streaming): each chunk
  normalised (and cleaned by the accelerometer front end) once, with the 8 s window it ended, and then
  kept; the model reads the window and up to 16 s of context before it (spec.CONTEXT);
- every convolution is 'valid' and ends on the newest sample: a feature frame depends on the samples
  before it, never on where a window starts, so a device keeps each layer's last few frames and computes
  only the frames of the newest 2 s;
- strides divide the 2 s hop (50 samples), so every update adds whole frames to every layer;
- the read-out averages the frames of the last 8 s (a device keeps them and averages again), or of the
  newest 2-6 s (`pool`): then consecutive outputs share fewer frames, and with 2 s none, so each update hands
  the tracker evidence the one before did not contain.

The window form here is the one training, export and the host use; codegen.stream turns its int8 graph
into the per-update program, and the two agree bit for bit.
"""

from __future__ import annotations


from torch import Tensor, nn

from edgeppg.device.spec import CONTEXT, STRIDE, WINDOW
from edgeppg.models.resnet1d import BasicBlock, ResNet1D, block_plan


def newest(x: Tensor, n: int, length: int) -> Tensor:
    """The last `n` of `length` frames of (batch, channels, frames), with fixed bounds: the exported graph
    computes no shapes."""
    return x if length == n else x[:, :, length - n:length]


class StreamBlock(BasicBlock):
    """A residual block of 'valid' convolutions: the shortcut takes the newest frames of its input."""

    frames, keep = 0, 0  # input frames, and the newest the shortcut reads: fixed, so the graph computes no shapes

    def forward(self, x: Tensor) -> Tensor:
        return (self.conv2(self.conv1(x).relu()) + self.shortcut(newest(x, self.keep, self.frames))).relu()


def hop_strides(stem_stride: int, strides: list[int]) -> int:
    """Samples per frame of the last layer; raises unless every layer's frames divide the 2 s hop."""
    total = 1
    for s in [stem_stride, *strides]:
        total *= s
        if STRIDE % total:
            raise ValueError(f"strides {stem_stride} (stem) and {','.join(map(str, strides))} (blocks) do not divide the "
                             f"{STRIDE}-sample hop (a streaming model's layers must gain whole frames every update)")
    return total


def needed_input(kernel: int, stem_stride: int, strides: list[int], pool: int = WINDOW) -> int:
    """Samples the read-out's frames (those of the newest `pool` samples) depend on, back to the input."""
    n = pool // hop_strides(stem_stride, strides)
    for s in reversed(strides):
        n = (n + kernel - 2) * s + kernel  # conv2 (stride 1), then conv1 (stride s)
    return (n - 1) * stem_stride + kernel


class StreamResNet1D(ResNet1D):
    input_len = CONTEXT + WINDOW
    block = StreamBlock

    def __init__(self, blocks: int = 6, width: int = 32, kernel: int = 9, stem_stride: int = 1,
                 block_strides: tuple[int, ...] = (), pool: int = WINDOW):
        strides = [s for _, s in block_plan(blocks, width, block_strides)]
        if pool % STRIDE or not 0 < pool <= WINDOW:
            raise ValueError(f"the read-out pools {pool} samples; it must be whole {STRIDE}-sample updates, at most {WINDOW}")
        self.needed = needed_input(kernel, stem_stride, strides, pool)
        if self.needed > self.input_len:
            raise ValueError(f"a streaming model of {blocks} blocks, kernel {kernel} and strides "
                             f"{stem_stride}/{','.join(map(str, strides))} looks back {(self.needed - WINDOW) / 25:g} s; "
                             f"the stream gives {CONTEXT / 25:g} s (use a smaller kernel, or strides later)")
        super().__init__(blocks, width, kernel, stem_stride=stem_stride, block_strides=block_strides, padding=0)
        self.frame = hop_strides(stem_stride, strides)  # samples per last-layer frame
        n = (self.needed - kernel) // stem_stride + 1
        for block, s in zip(self.blocks, strides):
            out = (n - kernel) // s + 1 - (kernel - 1)
            block.frames, block.keep, n = n, (out - 1) * s + 1, out

    def update_macs(self) -> int:
        """Multiply-accumulates a device spends per 2 s update: every convolution's newest frames only
        (STRIDE / its samples per frame of them), and the head once."""
        def macs(conv: nn.Conv1d, per_frame: int) -> int:
            return STRIDE // per_frame * conv.in_channels * conv.out_channels * conv.kernel_size[0]

        per_frame = self.stem[0][0].stride[0]
        total = macs(self.stem[0][0], per_frame)
        for b in self.blocks:
            per_frame *= b.conv1[0].stride[0]
            total += macs(b.conv1[0], per_frame) + macs(b.conv2[0], per_frame)
            if not isinstance(b.shortcut, nn.Identity):
                total += macs(b.shortcut[0], per_frame)
        return total + self.head.in_features * self.head.out_features

    def forward_features(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """x: (batch, 600) streamed input -> logits of its last 8 s, and every block's output."""
        return super().forward_features(newest(x.reshape(x.shape[0], 1, -1), self.needed, self.input_len))
