"""Writers of small files in the real data sets' exact formats, with known heart rates and quirks."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
from scipy.io import savemat


def beats_at(hr_bpm, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Beat times for a heart rate given as a function of time (BPM), with a little jitter."""
    t, out = 0.3, []
    while t < seconds:
        out.append(t)
        t += 60.0 / hr_bpm(t) * (1 + rng.normal(0, 0.01))
    return np.array(out)


def _bumps(beats: np.ndarray, t: np.ndarray, shapes: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    """Sum over beats of Gaussians (delay s, width s, amplitude), each added only near its beat."""
    x = np.zeros_like(t)
    for b in beats:
        lo, hi = np.searchsorted(t, b - 0.2), np.searchsorted(t, b + 0.8)
        seg = t[lo:hi] - b
        for delay, width, amp in shapes:
            x[lo:hi] += amp * np.exp(-0.5 * ((seg - delay) / width) ** 2)
    return x


def pulse(beats: np.ndarray, t: np.ndarray) -> np.ndarray:
    """A PPG-like wave: a systolic and a diastolic Gaussian after every beat."""
    return _bumps(beats, t, ((0.15, 0.06, 1.0), (0.4, 0.1, 0.4)))


def ecg(beats: np.ndarray, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """R waves (narrow spikes) and T waves, with noise."""
    return rng.normal(0, 0.02, t.size) + _bumps(beats, t, ((0.0, 0.012, 1.0), (0.25, 0.05, -0.15)))


def windows_hr(beats: np.ndarray, n: int) -> np.ndarray:
    from edgeppg.data.windows import hr_from_beats

    return hr_from_beats(beats, n)


# --- PPG-DaLiA: S{n}/S{n}.pkl, protocol-2 pickles of nested dicts ---------------------------------------

def write_dalia_subject(root: Path, subject: str, seconds: float, hr: float, rng: np.random.Generator,
                        label_offset: int = 0) -> dict:
    beats = beats_at(lambda t: hr + 8 * np.sin(t / 40), seconds, rng)
    t64, t32 = np.arange(int(seconds * 64)) / 64, np.arange(int(seconds * 32)) / 32
    n = int((seconds - 8) // 2) + 1
    activity = np.repeat(np.arange(int(seconds * 4)) // (4 * 60) % 9, 1)[:, None].astype(np.float64)  # id per minute
    data = {
        "rpeaks": (beats * 700).astype(np.int32),
        "signal": {"wrist": {"BVP": (pulse(beats, t64) * 50)[:, None], "ACC": rng.normal(0, 0.05, (t32.size, 3)),
                             "EDA": np.zeros((int(seconds * 4), 1)), "TEMP": np.zeros((int(seconds * 4), 1))},
                   "chest": {"ECG": ecg(beats, np.arange(int(seconds * 70)) / 70, rng)[:, None]}},
        "label": windows_hr(beats, n + label_offset),
        "activity": activity,
        "questionnaire": {"AGE": 30, "Gender": " m", "WEIGHT": 70.0, "HEIGHT": 175.0, "SKIN": 3, "SPORT": 4},
        "subject": subject,
    }
    (root / subject).mkdir(parents=True, exist_ok=True)
    with open(root / subject / f"{subject}.pkl", "wb") as fh:
        pickle.dump(data, fh, protocol=2)
    return data


# --- WildPPG: one .mat per participant, nested structs of {fs, descr, v} --------------------------------

def write_wildppg_participant(root: Path, pid: str, seconds: float, hr: float, rng: np.random.Generator,
                              fs: float = 128.0) -> np.ndarray:
    beats = beats_at(lambda t: hr + 10 * np.sin(t / 30), seconds, rng)
    t = np.arange(int(seconds * fs)) / fs

    def trace(v, descr):
        return {"fs": float(fs), "descr": descr, "v": np.asarray(v, np.float64)[:, None]}

    site = {f"acc_{a}": trace(rng.normal(0, 0.02, t.size), f"acc {a} [g]") for a in "xyz"}
    site.update(ppg_g=trace(-pulse(beats, t) * 1000 + 5e4, "green PPG"), ppg_ir=trace(rng.normal(size=t.size), "ir"),
                ppg_r=trace(rng.normal(size=t.size), "red"),
                altitude=trace(np.zeros(max(1, int(seconds / 2))), "altitude"),
                temperature=trace(np.full(max(1, int(seconds / 2)), 31.0), "temp"))
    sternum = dict(site, ecg=trace(ecg(beats, t, rng), "lead I ECG"))
    savemat(root / f"WildPPG_Part_{pid}.mat", {"id": pid, "notes": "", "sternum": sternum, "head": site,
                                                "wrist": site, "ankle": site})
    return beats


# --- GalaxyPPG: P01..P24 CSV trees ------------------------------------------------------------------------

KST_MS = 32_400_000


def write_galaxy_participant(root: Path, pid: str, sessions: list[tuple[str, float]], hr: float,
                             rng: np.random.Generator, watch_ppg: bool = True, bad_status: tuple[float, float] | None = None,
                             moving: str = "") -> dict:
    """`sessions` = (name, seconds); sessions follow one another with 20 s gaps; the watch's accelerometer
    (in raw counts, 4096 per g) swings at 2 Hz in the session named `moving`. Returns the layout."""
    start = 1_700_000_000_000.0
    folder = root / pid
    (folder / "GalaxyWatch").mkdir(parents=True)
    (folder / "PolarH10").mkdir()
    events, spans, now = [], [], start
    for name, secs in sessions:
        events += [(now, name, "ENTER"), (now + secs * 1000, name, "EXIT")]
        spans.append((name, now, now + secs * 1000))
        now += secs * 1000 + 20_000
    total = (now - start) / 1000
    beats = beats_at(lambda t: hr + 5 * np.sin(t / 20), total, rng)
    with open(folder / "Event.csv", "w") as fh:
        fh.write("timestamp,session,status\n" + "".join(f"{int(t)},{n},{s}\n" for t, n, s in events))
    if watch_ppg:
        t = np.cumsum(np.full(int(total * 24.9), 1 / 24.9) + rng.normal(0, 0.001, int(total * 24.9)))
        status = np.zeros(t.size, int)
        if bad_status:
            status[(t >= bad_status[0]) & (t < bad_status[1])] = 1
        ppg = -pulse(beats, t) * 1000 + 2e6  # the watch's raw light intensity falls with each pulse
        with open(folder / "GalaxyWatch" / "PPG.csv", "w") as fh:
            fh.write("dataReceived,timestamp,ppg,status\n")
            fh.writelines(f"{int(start + ti * 1000) + 40},{int(start + ti * 1000)},{p:.1f},{s}\n"
                          for ti, p, s in zip(t, ppg, status))
        g = np.tile([0.2, -0.9, 0.3], (t.size, 1)) + rng.normal(0, 0.005, (t.size, 3))
        for name, s0, s1 in spans:
            if name == moving:
                on = (t >= (s0 - start) / 1000) & (t < (s1 - start) / 1000)
                g[on] += np.outer(np.sin(2 * np.pi * 2.0 * t[on]), [0.1, -0.5, 0.2])
        with open(folder / "GalaxyWatch" / "ACC.csv", "w") as fh:
            fh.write("dataReceived,timestamp,x,y,z\n")
            fh.writelines(f"{int(start + ti * 1000) + 40},{int(start + ti * 1000)},{a[0] * 4096:.0f},{a[1] * 4096:.0f},"
                          f"{a[2] * 4096:.0f}\n" for ti, a in zip(t, g))
    th = np.arange(0, total, 1.0)
    hr_at = np.interp(th, beats[1:], 60 / np.diff(beats))
    with open(folder / "PolarH10" / "HR.csv", "w") as fh:
        fh.write("phoneTimestamp,hr,hrv\n")
        fh.writelines(f"{int(start + ti * 1000) + KST_MS},{h:.0f},40\n" for ti, h in zip(th, hr_at))
    te = np.arange(int(total * 130)) / 130
    with open(folder / "PolarH10" / "ECG.csv", "w") as fh:
        fh.write("phoneTimestamp,sensorTimestamp,ecg\n")
        fh.writelines(f"{int(start + ti * 1000) + KST_MS},{int(ti * 1e9)},{v * 1000:.1f}\n"
                      for ti, v in zip(te, ecg(beats, te, rng)))
    return {"start": start, "spans": spans, "beats": beats, "hr_t": th, "hr": np.round(hr_at)}
