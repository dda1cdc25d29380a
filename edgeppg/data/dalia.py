"""PPG-DaLiA (Reiss et al. 2019): `S{n}/S{n}.pkl` per participant, Python-2 pickles.

Wrist BVP (Empatica E4) at 64 Hz is resampled to 25 Hz as a whole stream and windowed so that window i
covers [2i, 2i + 8) s, the span of the dataset's label i (ECG-derived HR, 8 s windows, 2 s shift).
The window count must match the labels: one off is tolerated (truncated, with a warning in the
summary), more is an error. Activity ids (4 Hz) become the most frequent id per window. Known defect:
S6 is valid only for about its first 90 minutes (hardware failure); later windows are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from edgeppg.data import safe_pickle
from edgeppg.data.recording import Recording
from edgeppg.data.windows import FS, STRIDE_S, WINDOW_S, WindowSet, missing_recording, window_count, window_recording
from edgeppg.errors import EdgeppgError

BVP_FS, ACC_FS, ACTIVITY_FS = 64.0, 32.0, 4.0
KNOWN_GAPS = {"S6": [(90 * 60.0, float("inf"), "S6 hardware failure (valid only for the first 90 min)")]}
SUBJECTS = [f"S{i}" for i in range(1, 16)]


def _field(d: object, *keys: str, path: Path) -> np.ndarray:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            raise EdgeppgError(f"{path}: no '{'.'.join(keys)}' in the pickle")
        d = d[k]
    return np.asarray(d)


def _activity_per_window(activity: np.ndarray, n: int) -> np.ndarray:
    per = int(WINDOW_S * ACTIVITY_FS)
    out = np.full(n, -1, np.int16)
    for i in range(n):
        seg = activity[int(i * STRIDE_S * ACTIVITY_FS): int(i * STRIDE_S * ACTIVITY_FS) + per].astype(np.int64)
        if len(seg):
            out[i] = np.bincount(seg[seg >= 0]).argmax() if (seg >= 0).any() else -1
    return out


def read_subject(path: Path, subject: str) -> tuple[Recording, str]:
    """One participant's recording, and a note for the summary ('' if nothing to say)."""
    data = safe_pickle.load(path)
    bvp = _field(data, "signal", "wrist", "BVP", path=path).astype(np.float64).reshape(-1)
    acc = _field(data, "signal", "wrist", "ACC", path=path).astype(np.float64)
    label = _field(data, "label", path=path).astype(np.float64).reshape(-1)
    if acc.ndim != 2 or acc.shape[1] != 3:
        raise EdgeppgError(f"{path}: signal.wrist.ACC has shape {acc.shape}, expected (n, 3)")
    if len(bvp) < BVP_FS * WINDOW_S:
        raise EdgeppgError(f"{path}: signal.wrist.BVP holds {len(bvp)} samples, less than one 8 s window at 64 Hz")
    seconds_bvp, seconds_acc = len(bvp) / BVP_FS, len(acc) / ACC_FS
    if abs(seconds_bvp - seconds_acc) > 2.0:
        raise EdgeppgError(f"{path}: BVP lasts {seconds_bvp:.0f} s but ACC {seconds_acc:.0f} s: "
                           "not 64 Hz and 32 Hz as PPG-DaLiA's are")
    n = window_count(int(round(len(bvp) * FS / BVP_FS)))
    note = ""
    if abs(n - len(label)) > 1:
        raise EdgeppgError(f"{path}: {len(label)} labels for {n} windows of 8 s every 2 s (more than one off)")
    if n != len(label):
        note = f"{n} windows for {len(label)} labels: truncated to {min(n, len(label))}"
    activity = None
    if isinstance(data, dict) and "activity" in data:
        activity = _activity_per_window(np.asarray(data["activity"]).reshape(-1), min(n, len(label)))
    rec = Recording(subject=subject, ppg=bvp, fs=BVP_FS, acc=acc, acc_fs=ACC_FS, hr=label[: min(n, len(label))],
                    source=str(path), activity=activity, gaps=KNOWN_GAPS.get(subject, []))
    return rec, note


def load(root: Path, inputs: str = "ppg", stream: bool = False) -> WindowSet:
    """Every participant under `root` (the unpacked PPG_FieldStudy folder); missing ones are reported."""
    found = {p.parent.name: p for p in sorted(root.glob("S*/S*.pkl")) if re.fullmatch(r"S\d+", p.parent.name)
             and p.stem == p.parent.name}
    if not found:
        raise EdgeppgError(f"{root}: no S<n>/S<n>.pkl files (is this the unpacked PPG_FieldStudy folder?)")
    parts = []
    for subject in sorted(set(SUBJECTS) | set(found), key=lambda s: int(s[1:])):
        if subject not in found:
            parts.append(missing_recording(subject, str(root / subject), f"no {subject}/{subject}.pkl"))
            continue
        rec, note = read_subject(found[subject], subject)
        w = window_recording(rec, inputs, stream)
        if note:
            w.summary[0]["note"] = note
        parts.append(w)
    return WindowSet.concat(parts)
