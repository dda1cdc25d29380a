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
from edgeppg.data.windows import FS, STRIDE_S, WINDOW, WINDOW_S, WindowSet, finish_windows
from edgeppg.errors import EdgeppgError

FILE = "data/201902020222_Data.csv"
GRAVITY = 9.81  # the watch's accelerometer is in m/s^2


def recording_path() -> Path:
    spec = importlib.util.find_spec("e2epyppg")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise EdgeppgError("the e2epyppg package is not installed (pip install --no-deps e2epyppg==0.0.9)")
    path = Path(list(spec.submodule_search_locations)[0]) / FILE
    if not path.is_file():
        raise EdgeppgError(f"{path}: not found in the installed e2epyppg package")
    return path


def load(path: Path | None = None) -> WindowSet:
    path = path or recording_path()
    cols = ("timestamp", "ppg", "hrm", "accx", "accy", "accz")
    d = read_csv(path, cols, cols, delimiter="\t")
    order = np.argsort(d["timestamp"], kind="stable")
    t = (d["timestamp"][order] - d["timestamp"][order][0]) / 1000.0
    grid = np.arange(0.0, t[-1], 1.0 / FS)
    ppg = -np.interp(grid, t, d["ppg"][order])
    acc = np.linalg.norm(np.stack([d[f"acc{a}"][order] for a in "xyz"], axis=1), axis=1) / GRAVITY
    acc = np.interp(grid, t, acc)
    n = max(0, int((t[-1] - WINDOW_S) // STRIDE_S) + 1)
    idx = np.arange(n)[:, None] * int(STRIDE_S * FS) + np.arange(WINDOW)
    idx = idx[idx[:, -1] < len(grid)]
    n = len(idx)
    hrm = d["hrm"][order]
    hr = np.full(n, np.nan)
    for i in range(n):
        sel = (t >= i * STRIDE_S) & (t < i * STRIDE_S + WINDOW_S) & (hrm > 0)
        if sel.any():
            hr[i] = hrm[sel].mean()
    return finish_windows("e2epyppg-201902020222", str(path), float(t[-1]), ppg[idx], hr,
                          np.arange(n) * STRIDE_S, acc[idx].std(axis=1))
