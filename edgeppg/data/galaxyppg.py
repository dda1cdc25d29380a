"""GalaxyPPG (KAIST ICLab, Scientific Data 2025): a CSV tree per participant (P01..P24).

Streams are put on one clock as the dataset's own code does (Galaxy Watch in Unix ms; Polar H10's
phone timestamps are ms shifted by +9 h, KST). Sessions come from `Event.csv` (ENTER/EXIT pairs), and
each session is cut into 8 s windows every 2 s. The watch's green PPG (25 Hz nominal, about 24.9 Hz
measured) is linearly interpolated onto exactly 200 samples over each window and negated, as the
dataset expects; a window with a sample whose `status` is not 0 is dropped. Labels: the Polar H10's HR
(mean within the window), or, with `label="ecg"`, HR from the Polar ECG's R-peaks.

The watch's accelerometer (GalaxyWatch/ACC.csv, 25 Hz) is interpolated onto the same 200 samples of each
window, labels windows still or motion, and feeds the device's front end for a model that takes it. Its
files do not state their unit: the axes are scaled so that the participant's median magnitude is 1 g
(gravity), which holds for any wrist that spends most of its time still or slow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgeppg.data.rpeaks import detect_r_peaks, quotient_filter
from edgeppg.data.tables import read_csv
from edgeppg.data.windows import STRIDE_S, WINDOW, WINDOW_S, WindowSet, finish_windows, missing_recording
from edgeppg.errors import EdgeppgError

POLAR_SHIFT_MS = 32_400_000  # Polar phone timestamps are KST (+9 h)
WINDOW_MS, STRIDE_MS = int(WINDOW_S * 1000), int(STRIDE_S * 1000)
POLAR_ECG_FS = 130.0
LABELS = ("polar-hr", "ecg")
MIN_SAMPLES = 150  # of the 200 a window should have at 25 Hz: fewer means the watch lost data


def sessions(path: Path) -> list[tuple[str, float, float]]:
    """(session, start ms, end ms) from ENTER/EXIT pairs, with the transitions between them (>= 8 s)."""
    ev = read_csv(path, ("timestamp", "session", "status"), ("timestamp",))
    order = np.argsort(ev["timestamp"], kind="stable")
    out, open_ = [], {}
    for i in order:
        name, status, t = str(ev["session"][i]), str(ev["status"][i]).upper(), ev["timestamp"][i]
        if status == "ENTER":
            open_[name] = t
        elif status == "EXIT" and name in open_:
            out.append((name, open_.pop(name), t))
    out.sort(key=lambda s: s[1])
    transitions = [(f"TP_{a[0]}_to_{b[0]}", a[2], b[1]) for a, b in zip(out, out[1:]) if b[1] - a[2] >= WINDOW_MS]
    return sorted(out + transitions, key=lambda s: s[1])


def _ecg_intervals(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    ecg = read_csv(folder / "PolarH10" / "ECG.csv", ("phoneTimestamp", "ecg"), ("phoneTimestamp", "ecg"))
    t = (ecg["phoneTimestamp"] - POLAR_SHIFT_MS) / 1000.0
    peaks = detect_r_peaks(ecg["ecg"], POLAR_ECG_FS)
    return quotient_filter(t[peaks])


def _accelerometer(folder: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(timestamps ms, axes in g (n, 3)) of the watch's accelerometer, time-ordered; None without the file."""
    path = folder / "GalaxyWatch" / "ACC.csv"
    if not path.is_file():
        return None
    acc = read_csv(path, ("timestamp", "x", "y", "z"), ("timestamp", "x", "y", "z"))
    order = np.argsort(acc["timestamp"], kind="stable")
    xyz = np.stack([acc[k][order] for k in ("x", "y", "z")], axis=1).astype(np.float64)
    gravity = float(np.median(np.linalg.norm(xyz, axis=1))) if len(xyz) else 0.0
    if not gravity > 0:
        raise EdgeppgError(f"{path}: the accelerometer never moves off zero; its unit cannot be found")
    return acc["timestamp"][order], xyz / gravity


def read_participant(folder: Path, label: str = "polar-hr", inputs: str = "ppg", stream: bool = False) -> WindowSet:
    pid = folder.name
    event = folder / "Event.csv" if (folder / "Event.csv").is_file() else folder / "event.csv"
    ppg_path = folder / "GalaxyWatch" / "PPG.csv"
    if not ppg_path.is_file():
        return missing_recording(pid, str(folder), "no GalaxyWatch/PPG.csv")
    ppg = read_csv(ppg_path, ("timestamp", "ppg", "status"), ("timestamp", "ppg", "status"))
    order = np.argsort(ppg["timestamp"], kind="stable")
    t, v, status = ppg["timestamp"][order], ppg["ppg"][order], ppg["status"][order]
    if label == "polar-hr":
        hr_csv = read_csv(folder / "PolarH10" / "HR.csv", ("phoneTimestamp", "hr"), ("phoneTimestamp", "hr"))
        hr_t, hr_v = hr_csv["phoneTimestamp"] - POLAR_SHIFT_MS, hr_csv["hr"]
    elif label == "ecg":
        rr, mid = _ecg_intervals(folder)
    else:
        raise EdgeppgError(f"GalaxyPPG: unknown label '{label}' (use {' or '.join(LABELS)})")

    acc = _accelerometer(folder)
    if acc is None and inputs != "ppg":
        raise EdgeppgError(f"{folder / 'GalaxyWatch' / 'ACC.csv'}: no accelerometer, which a model with inputs "
                           f"{inputs} needs")
    xs, hrs, starts, reasons, accs = [], [], [], [], []
    first = None
    seconds = 0.0
    for _, s0, s1 in sessions(event):
        first = s0 if first is None else first
        seconds += (s1 - s0) / 1000
        for w0 in np.arange(s0, s1 - WINDOW_MS + 1, STRIDE_MS):
            w1 = w0 + WINDOW_MS
            lo, hi = np.searchsorted(t, w0, "left"), np.searchsorted(t, w1, "right")  # inclusive [w0, w1]
            why = ""
            if hi - lo < MIN_SAMPLES:
                why = "watch PPG missing"
                x = np.full(WINDOW, np.nan)
            else:
                x = -np.interp(np.linspace(w0, w1, WINDOW), t[lo:hi], v[lo:hi])
                if np.any(status[lo:hi] != 0):
                    why = "watch PPG status flag"
            if label == "polar-hr":
                a, b = np.searchsorted(hr_t, w0, "left"), np.searchsorted(hr_t, w1, "right")
                hr = float(np.nanmean(hr_v[a:b])) if b > a and np.isfinite(hr_v[a:b]).any() else np.nan
            else:
                sel = (mid >= w0 / 1000) & (mid < w1 / 1000)
                hr = 60.0 / rr[sel].mean() if sel.sum() >= 2 else np.nan
            if acc is not None:
                a0, a1 = np.searchsorted(acc[0], w0, "left"), np.searchsorted(acc[0], w1, "right")
                grid = np.linspace(w0, w1, WINDOW)
                if a1 - a0 < MIN_SAMPLES:
                    accs.append(np.full((3, WINDOW), np.nan))
                    why = why or ("watch accelerometer missing" if inputs != "ppg" else "")
                else:
                    accs.append(np.stack([np.interp(grid, acc[0][a0:a1], acc[1][a0:a1, k]) for k in range(3)]))
            xs.append(x)
            hrs.append(hr)
            starts.append((w0 - first) / 1000)
            reasons.append(why)
    if not xs:
        return missing_recording(pid, str(folder), "no session of 8 s or more in Event.csv")
    n = len(xs)
    acc_w = np.array(accs, np.float32) if acc is not None else None
    motion = np.full(n, np.nan) if acc_w is None else np.linalg.norm(acc_w, axis=1).std(axis=1)
    return finish_windows(pid, str(folder), seconds, np.array(xs), np.array(hrs), np.array(starts), motion, None,
                          np.array(reasons, dtype=object), acc_w, inputs, stream)


def load(root: Path, label: str = "polar-hr", inputs: str = "ppg", stream: bool = False) -> WindowSet:
    folders = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("P") and p.name[1:].isdigit())
    if not folders:
        raise EdgeppgError(f"{root}: no participant folders P01..P24")
    return WindowSet.concat([read_participant(f, label, inputs, stream) for f in folders])
