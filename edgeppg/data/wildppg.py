"""WildPPG (Meier, Demirel, Holz; NeurIPS 2024): one MATLAB file per participant, four body sites.

Each file holds `id`, `notes` and a struct per site (`sternum`, `head`, `wrist`, `ankle`) whose sensors
(`ppg_g`, `ppg_ir`, `ppg_r`, `acc_x/y/z`, `ecg` on the sternum, ...) each carry `fs`, `descr` and `v`.
The data set ships no HR labels: they are made here from the sternum ECG (R-peaks, quotient filter,
HR per 8 s window with 2 s stride from the RR intervals whose midpoints lie in the window, at least 2).
The known recording gaps are masked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgeppg.data.recording import Recording
from edgeppg.data.rpeaks import detect_r_peaks, quotient_filter
from edgeppg.data.windows import FS, WindowSet, hr_from_intervals, missing_recording, window_count, window_recording
from edgeppg.errors import EdgeppgError

SITES = ("sternum", "head", "wrist", "ankle")
CHANNELS = ("ppg_g", "ppg_ir", "ppg_r")
NATIVE_FS = 128.0
# Sample ranges (at 128 Hz) where a device recorded nothing, as the dataset's authors mask them.
KNOWN_GAPS = {("l38", "wrist"): (4337572, 4545543), ("k2s", "wrist"): (3786939, 4194810),
              ("an0", "ankle"): (284543, 286400)}
PARTICIPANTS = ("kjd", "ngh", "p9p", "an0", "p5d", "n31", "l38", "k2s", "e61", "fex", "ssx", "tz8", "w4p",
                "u7y", "trh", "qm9")


def _struct_field(s, name: str, path: Path, where: str):
    try:
        return s[name][0, 0] if s[name].shape == (1, 1) else s[name]
    except (ValueError, KeyError, IndexError, TypeError):
        raise EdgeppgError(f"{path}: no field '{where}.{name}'") from None


def _trace(mat: dict, site: str, sensor: str, path: Path) -> tuple[np.ndarray, float]:
    if site not in mat:
        raise EdgeppgError(f"{path}: no '{site}' struct (sites: {', '.join(k for k in mat if k in SITES)})")
    if getattr(mat[site], "size", 0) == 0:
        raise EdgeppgError(f"{path}: the '{site}' struct is empty")
    loc = mat[site][0, 0] if mat[site].shape == (1, 1) else mat[site].reshape(-1)[0]
    trace = _struct_field(loc, sensor, path, site)
    try:
        v = np.asarray(_struct_field(trace, "v", path, f"{site}.{sensor}"), np.float64).reshape(-1)
        fs = float(np.asarray(_struct_field(trace, "fs", path, f"{site}.{sensor}"), np.float64).reshape(-1)[0])
    except (ValueError, TypeError, IndexError):
        raise EdgeppgError(f"{path}: {site}.{sensor} is not a numeric trace with its rate (fields v, fs)") from None
    if fs != NATIVE_FS:
        raise EdgeppgError(f"{path}: {site}.{sensor} is sampled at {fs:g} Hz, WildPPG's are {NATIVE_FS:g} Hz")
    return v, fs


def _participant_id(mat: dict, path: Path) -> str:
    """The file's `id` (e.g. 'l38'), else the one in its name (WildPPG_Part_l38.mat)."""
    if "id" not in mat:
        return path.stem.split("_")[-1]
    ids = np.asarray(mat["id"]).reshape(-1)
    pid = str(ids[0]).strip() if ids.size else ""
    if not pid:
        raise EdgeppgError(f"{path}: its 'id' is empty (WildPPG files name their participant, e.g. 'l38')")
    return pid


def read_participant(path: Path, site: str = "wrist", channel: str = "ppg_g") -> Recording:
    from scipy.io import loadmat

    if site not in SITES or channel not in CHANNELS:
        raise EdgeppgError(f"WildPPG: site must be one of {', '.join(SITES)} and channel one of {', '.join(CHANNELS)}")
    try:
        mat = loadmat(str(path))
    except FileNotFoundError:
        raise EdgeppgError(f"{path}: file not found") from None
    except Exception as e:  # scipy raises ValueError, MatReadError, OSError... on a broken file
        raise EdgeppgError(f"{path}: not a readable MATLAB file ({type(e).__name__}: {str(e)[:120]})") from e
    pid = _participant_id(mat, path)
    ppg, fs = _trace(mat, site, channel, path)
    ecg, ecg_fs = _trace(mat, "sternum", "ecg", path)
    acc = np.stack([_trace(mat, site, f"acc_{a}", path)[0] for a in "xyz"], axis=1)
    if len(ecg) != len(ppg):
        raise EdgeppgError(f"{path}: sternum.ecg has {len(ecg)} samples, {site}.{channel} {len(ppg)}: "
                           "WildPPG's devices are synchronised sample by sample")
    rr, mid = quotient_filter(detect_r_peaks(ecg, ecg_fs) / ecg_fs)
    n = window_count(int(round(len(ppg) * FS / fs)))
    hr = hr_from_intervals(rr, mid, n, min_count=2)
    gaps = []
    if (pid, site) in KNOWN_GAPS:
        lo, hi = KNOWN_GAPS[(pid, site)]
        gaps.append((lo / fs, hi / fs, f"known {site} recording gap"))
    return Recording(subject=pid, ppg=ppg, fs=fs, acc=acc, acc_fs=fs, hr=hr, source=str(path), gaps=gaps)


def load(root: Path, site: str = "wrist", channel: str = "ppg_g", inputs: str = "ppg",
         stream: bool = False) -> WindowSet:
    files = sorted(root.glob("*.mat"))
    if not files:
        raise EdgeppgError(f"{root}: no WildPPG participant files (*.mat)")
    parts, seen = [], set()
    for f in files:
        rec = read_participant(f, site, channel)
        seen.add(rec.subject)
        parts.append(window_recording(rec, inputs, stream))
    for pid in PARTICIPANTS:
        if pid not in seen:
            parts.append(missing_recording(pid, str(root), "no participant file"))
    return WindowSet.concat(parts)
