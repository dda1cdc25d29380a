"""The streaming family's input: the stream as a device preprocesses it, 2 s at a time.

Every 2 s the device preprocesses the 8 s window that just ended, exactly as for a window model (the
same C: resampler, normalisation, accelerometer front end), and hands the model only that window's newest
2 s. Each sample is so preprocessed once and then kept. A window's input is the chunks of its 8 s and of
the 16 s before it (spec.CONTEXT): chunk i comes from window i - 3 (the window it ended), the first
window of a recording gives all four of its chunks, and a chunk before the recording, or from a window
the device could not use (a flat or broken signal, a gap), is zeros: what the device's state holds then.
"""

from __future__ import annotations

import numpy as np

from edgeppg.device.spec import CONTEXT, STRIDE, WINDOW

CHUNKS = WINDOW // STRIDE  # 2 s chunks per window
CONTEXT_CHUNKS = CONTEXT // STRIDE


def compose(x: np.ndarray, usable: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Streamed inputs (n, CONTEXT + WINDOW) from preprocessed windows `x` (n, WINDOW) of one recording;
    `index` is each window's place on the 2 s grid (start / 2 s), `usable` whether the device used it."""
    x = np.asarray(x, np.float32)
    row = {int(k): r for r, k in enumerate(index) if usable[r]}
    out = np.zeros((len(x), (CONTEXT_CHUNKS + CHUNKS) * STRIDE), np.float32)
    for r, k in enumerate(np.asarray(index, np.int64)):
        for j, i in enumerate(range(k - CONTEXT_CHUNKS, k + CHUNKS)):
            owner = max(i - (CHUNKS - 1), 0)  # the window chunk i is the newest 2 s of (the first for its first chunks)
            src = row.get(owner) if i >= 0 else None
            if src is not None:
                at = (i - owner) * STRIDE
                out[r, j * STRIDE:(j + 1) * STRIDE] = x[src, at:at + STRIDE]
    return out
