"""A real smartwatch recording, read in place from the `e2epyppg` package (MIT): 735 s of wrist PPG
with accelerometer and the watch's own heart rate (`hrm`), sampled irregularly at about 19.6 Hz.

Not a training set and not ECG-grade: a real signal on which a model trained on the built-in data
can be tried end to end. The PPG is linearly interpolated onto a 25 Hz grid over its timestamps (it
has no content above 10 Hz to alias), negated (raw light intensity falls as blood volume rises, as for
GalaxyPPG's watch), windowed 8 s every 2 s; the label is the mean of the watch HR within the window
(its zeros, before the watch locks on, are ignored). The file is never copied into this repository.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from edgeppg.data.tables import read_csv
from edgeppg.data.windows import (FS, STRIDE, STRIDE_S, WINDOW, WINDOW_S, WindowSet, front_end, labelled_windows,
                                  window_count)
from edgeppg.device import native
from edgeppg.errors import EdgeppgError

FILE = "data/201902020222_Data.csv"
# The watch's own HR algorithm lags its PPG by about 6 s (three 2 s strides): every estimator that tracks
# at all scores best against the reference shifted back by this much. A property of that device's
# reference, reported beside the unaligned figure and never tuned on.
REFERENCE_LAG_WINDOWS = 3
GRAVITY = 9.81  # the watch's accelerometer is in m/s^2


def recording_path() -> Path:
    spec = importlib.util.find_spec("e2epyppg")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise EdgeppgError("the e2epyppg package is not installed (pip install --no-deps e2epyppg==0.0.9)")
    path = Path(list(spec.submodule_search_locations)[0]) / FILE
    if not path.is_file():
        raise EdgeppgError(f"{path}: not found in the installed e2epyppg package")
    return path


def stream(path: Path | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The recording as a stream at 25 Hz: (PPG, acc (n, 3) in g, the watch's HR per 8 s / 2 s window, seconds).

    The watch samples irregularly (about 19.6 Hz), so the PPG is interpolated once onto a 25 Hz grid on
    the host; that grid is what the device's preprocessing (an identity resampler at 25 Hz) and
    `edgeppg stream` get."""
    path = path or recording_path()
    cols = ("timestamp", "ppg", "hrm", "accx", "accy", "accz")
    d = read_csv(path, cols, cols, delimiter="\t")
    order = np.argsort(d["timestamp"], kind="stable")
    t = (d["timestamp"][order] - d["timestamp"][order][0]) / 1000.0
    grid = np.arange(0.0, t[-1], 1.0 / FS)
    ppg = -np.interp(grid, t, d["ppg"][order])
    acc = np.stack([np.interp(grid, t, d[f"acc{a}"][order]) for a in "xyz"], axis=1) / GRAVITY
    n = window_count(len(grid))
    hrm = d["hrm"][order]
    hr = np.full(n, np.nan)
    for i in range(n):
        sel = (t >= i * STRIDE_S) & (t < i * STRIDE_S + WINDOW_S) & (hrm > 0)
        if sel.any():
            hr[i] = hrm[sel].mean()
    return ppg, acc, hr, float(t[-1])


SUBJECT = "e2epyppg-201902020222"


def load(path: Path | None = None, inputs: str = "ppg", streaming: bool = False) -> WindowSet:
    """The recording's labelled windows, as a model with `inputs` sees them."""
    path = path or recording_path()
    ppg, acc, hr, seconds = stream(path)
    x, status, _ = native.windows(ppg, FS)
    x, steps = front_end(x, acc, FS, inputs, str(path))
    n = min(len(x), len(hr))
    idx = np.arange(n)[:, None] * STRIDE + np.arange(WINDOW)
    return labelled_windows(SUBJECT, str(path), seconds, x[:n], status[:n], hr[:n], np.arange(n) * STRIDE_S,
                            np.linalg.norm(acc, axis=1)[idx].std(axis=1), steps=steps[:n], stream=streaming)


def lag_aligned(ws: WindowSet, lag_windows: int = REFERENCE_LAG_WINDOWS) -> WindowSet:
    """The windows whose reference `lag_windows` strides later exists, labelled with it: the watch's HR
    for the PPG it describes. Only for reporting beside the recorded alignment, never for choosing."""
    later = {round(float(s), 3): hr for s, hr in zip(ws.start_s, ws.hr)}
    hr = np.array([later.get(round(float(s) + lag_windows * STRIDE_S, 3), np.nan) for s in ws.start_s])
    keep = np.isfinite(hr)
    shifted = ws.select(keep)
    shifted.hr = hr[keep].astype(np.float32)
    return shifted
