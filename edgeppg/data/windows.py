"""The windowing every data source shares: 25 Hz, 8 s windows, 2 s stride, per-window normalisation.

The PPG goes through the device's own preprocessing (firmware/monitor/ep_stream.c, compiled for the host
by edgeppg.device.native): the same resampler, the same float32 normalisation, the same flat and
non-finite checks on the raw signal. A model is trained on exactly the windows the device will see.

Heart rate is a class: index 0..179 stands for 30..209 BPM. Windows that cannot be used (no label, a
label out of range, NaNs, a flat signal) are dropped and counted, never silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

from edgeppg.device import streaming as streamed
from edgeppg.data.recording import Recording
from edgeppg.device import native
from edgeppg.errors import EdgeppgError
from edgeppg.device.spec import FS, HR_LOW, N_CLASSES, STRIDE, STRIDE_S, WINDOW, WINDOW_S  # noqa: F401 (re-exported)

STATUS_REASONS = {1: "flat signal", 2: "NaN in PPG"}  # the device preprocessing's window status


def hr_to_class(hr: np.ndarray) -> np.ndarray:
    """Nearest one-BPM bin; values outside 30..209 BPM (infinities and NaN included) map outside 0..179.
    Clipped before the cast: numpy casts a non-finite or huge float to garbage, with a warning."""
    hr = np.nan_to_num(np.asarray(hr, np.float64), nan=-1.0, posinf=1e6, neginf=-1e6)
    return np.rint(np.clip(hr, -1e6, 1e6)).astype(np.int64) - HR_LOW


def class_to_hr(cls: np.ndarray) -> np.ndarray:
    return np.asarray(cls, dtype=np.float64) + HR_LOW


def resample_ratio(fs_in: float, fs_out: float = FS) -> Fraction:
    """The up / down factors `resample` uses for fs_in -> fs_out (a denominator of at most 1000): its output
    rate is fs_in times this."""
    return Fraction(fs_out / fs_in).limit_denominator(1000)


def resample(x: np.ndarray, fs_in: float, fs_out: float = FS, padtype: str = "constant") -> np.ndarray:
    """Polyphase resampling along axis 0 (anti-aliased; scipy): for the accelerometer, which only ever
    describes windows on the host, and a CSV recording at a rate the device does not take. The PPG of the
    data sets goes through the device's resampler instead."""
    if fs_in == fs_out:
        return np.asarray(x, dtype=np.float64)
    ratio = resample_ratio(fs_in, fs_out)
    return resample_poly(np.asarray(x, dtype=np.float64), ratio.numerator, ratio.denominator, axis=0,
                         padtype=padtype)


def window_count(n_samples: int) -> int:
    return max(0, (n_samples - WINDOW) // STRIDE + 1)


def hr_from_intervals(ibi: np.ndarray, mid: np.ndarray, n_windows: int, min_count: int = 1) -> np.ndarray:
    """HR of window i = 60 / mean of the inter-beat intervals (s) whose midpoints (s) lie in [2i, 2i + 8).

    NaN where fewer than `min_count` intervals fall in the window. The rule the real datasets' ECG
    labels follow; intervals a quality filter removed simply are not passed in.
    """
    order = np.argsort(mid)
    ibi, mid = np.asarray(ibi, np.float64)[order], np.asarray(mid, np.float64)[order]
    starts = np.arange(n_windows) * STRIDE_S
    lo = np.searchsorted(mid, starts, side="left")
    hi = np.searchsorted(mid, starts + WINDOW_S, side="left")
    csum = np.concatenate([[0.0], np.cumsum(ibi)])
    count = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_ibi = (csum[hi] - csum[lo]) / count
        return np.where(count >= max(min_count, 1), 60.0 / mean_ibi, np.nan)


def hr_from_beats(beats: np.ndarray, n_windows: int) -> np.ndarray:
    """Window labels from beat times (s): every interval between consecutive beats counts."""
    beats = np.sort(np.asarray(beats, dtype=np.float64))
    return hr_from_intervals(np.diff(beats), (beats[1:] + beats[:-1]) / 2, n_windows)


@dataclass
class WindowSet:
    """Windows ready for a model, with the metadata needed to split and to report."""

    x: np.ndarray  # (n, 200) float32, normalised
    hr: np.ndarray  # (n,) float32 BPM label
    subject: np.ndarray  # (n,) str
    start_s: np.ndarray  # (n,) float32, window start within its recording
    motion: np.ndarray  # (n,) float32, std of |acc| in g within the window, NaN without accelerometer
    summary: list[dict] = field(default_factory=list)  # per recording: subject, hours, windows, kept, dropped
    activity: np.ndarray | None = None  # (n,) int16 activity id, -1 where the data set has none
    # (n,) float32, the step rate (BPM) the front end's step stage found, for the tracker; NaN where none
    steps: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.activity is None:
            self.activity = np.full(len(self.x), -1, np.int16)
        if self.steps is None:
            self.steps = np.full(len(self.x), np.nan, np.float32)

    @property
    def dropped(self) -> Counter:
        """Dropped windows by reason, over all recordings."""
        total: Counter = Counter()
        for rec in self.summary:
            total.update(rec["dropped"])
        return total

    @property
    def y(self) -> np.ndarray:
        return hr_to_class(self.hr)

    def __len__(self) -> int:
        return len(self.x)

    def subjects(self) -> list[str]:
        return sorted(set(self.subject.tolist()))

    def select(self, mask: np.ndarray) -> WindowSet:
        """The windows where `mask` holds, with the summaries of the participants they belong to."""
        kept = set(self.subject[mask].tolist())
        return WindowSet(self.x[mask], self.hr[mask], self.subject[mask], self.start_s[mask], self.motion[mask],
                         [r for r in self.summary if r["subject"] in kept], self.activity[mask], self.steps[mask])

    @staticmethod
    def concat(parts: list[WindowSet]) -> WindowSet:
        if not parts:
            empty = np.zeros(0, np.float32)
            return WindowSet(np.zeros((0, WINDOW), np.float32), empty, np.zeros(0, str), empty, empty, [])
        return WindowSet(
            np.concatenate([p.x for p in parts if len(p.x)] or [parts[0].x]),  # empty parts may be 200 wide
            np.concatenate([p.hr for p in parts]),
            np.concatenate([p.subject for p in parts]),
            np.concatenate([p.start_s for p in parts]),
            np.concatenate([p.motion for p in parts]),
            [r for p in parts for r in p.summary],
            np.concatenate([p.activity for p in parts]),
            np.concatenate([p.steps for p in parts]),
        )


def front_end(x: np.ndarray, acc: np.ndarray | None, acc_fs: float | None, inputs: str,
              where: str) -> tuple[np.ndarray, np.ndarray]:
    """The model's input from normalised PPG windows: as they are ("ppg"), or through the device's
    accelerometer front end (edgeppg.device.native.cancel) with the recording's accelerometer resampled by
    the device; and each window's step rate for the tracker (NaN: none). The windows the accelerometer
    does not reach (it may end early) are dropped."""
    if inputs == "ppg":
        return x, np.full(len(x), np.nan, np.float32)
    if acc is None or not acc_fs:
        raise EdgeppgError(f"{where}: no accelerometer, which a model with inputs {inputs} needs")
    return native.clean(x, acc, acc_fs, inputs)


def window_recording(rec: Recording, inputs: str = "ppg", stream: bool = False) -> WindowSet:
    """Stream a recording through the device's preprocessing (resampled to 25 Hz, 8 s windows every 2 s,
    normalised, and through the accelerometer front end for inputs "ppg-acc"), and label the windows;
    `stream`: as the streaming family sees them (edgeppg.device.streaming)."""
    x, status, _ = native.windows(rec.ppg, rec.fs)
    x, steps = front_end(x, rec.acc, rec.acc_fs, inputs, rec.source or rec.subject)
    n = len(x)
    if rec.beats is not None:
        hr = hr_from_beats(rec.beats, n)
    else:
        n = min(n, len(rec.hr))
        hr = np.asarray(rec.hr[:n], dtype=np.float64)
    idx = np.arange(n)[:, None] * STRIDE + np.arange(WINDOW)
    activity = None if rec.activity is None else np.asarray(rec.activity[:n])
    return labelled_windows(rec.subject, rec.source, rec.duration_s, x[:n], status[:n], hr, np.arange(n) * STRIDE_S,
                            _motion_per_window(rec, idx, n), activity, gap_reasons(rec.gaps, n), steps[:n], stream)


def gap_reasons(gaps: list[tuple[float, float, str]], n: int) -> np.ndarray:
    """Per window, the reason of the first known gap it overlaps ('' for none)."""
    reasons = np.full(n, "", dtype=object)
    starts = np.arange(n) * STRIDE_S
    for lo, hi, why in reversed(gaps):
        reasons[(starts < hi) & (starts + WINDOW_S > lo)] = why
    return reasons


def finish_windows(subject: str, source: str, seconds: float, x: np.ndarray, hr: np.ndarray, start_s: np.ndarray,
                   motion: np.ndarray, activity: np.ndarray | None = None, reasons: np.ndarray | None = None,
                   acc: np.ndarray | None = None, inputs: str = "ppg", stream: bool = False) -> WindowSet:
    """Windows a data source cut itself on its own clock (n, 200 raw samples at 25 Hz): each normalised as
    the device would a stream of its own, through the device's front end with their accelerometer windows
    `acc` (n, 3, 200 in g, on the same clock) for an input set that takes it, then labelled."""
    x_norm, status = native.normalise(x)
    steps = np.full(len(x_norm), np.nan, np.float32)
    if inputs != "ppg":
        if acc is None:
            raise EdgeppgError(f"{source}: no accelerometer, which a model with inputs {inputs} needs")
        has_acc = np.isfinite(acc).all(axis=(1, 2))
        cleaned, _, found = native.cancel(x_norm, np.nan_to_num(acc), inputs)
        x_norm = np.where(has_acc[:, None], cleaned, x_norm)
        steps = np.where(has_acc, found, np.nan).astype(np.float32)
    return labelled_windows(subject, source, seconds, x_norm, status, hr, start_s, motion, activity, reasons, steps,
                            stream)


def labelled_windows(subject: str, source: str, seconds: float, x: np.ndarray, status: np.ndarray, hr: np.ndarray,
                     start_s: np.ndarray, motion: np.ndarray, activity: np.ndarray | None = None,
                     reasons: np.ndarray | None = None, steps: np.ndarray | None = None,
                     stream: bool = False) -> WindowSet:
    """Drop and count unusable windows: the last step every data source shares.

    `x` holds normalised windows (n, 200) with the device preprocessing's `status` for each (0 usable,
    1 flat, 2 non-finite samples); `reasons` may already name windows a source knows are bad. `stream`:
    the windows become the streaming family's inputs first, from every window the device would use.
    """
    n = len(x)
    hr = np.asarray(hr, dtype=np.float64)
    reasons = np.full(n, "", dtype=object) if reasons is None else reasons.copy()
    ok = reasons == ""
    for code, why in STATUS_REASONS.items():
        reasons[ok & (status == code)] = why
    ok = reasons == ""
    if stream:
        x = streamed.compose(x, ok, np.rint(np.asarray(start_s, np.float64) / STRIDE_S))
    cls = hr_to_class(hr)
    reasons[ok & ((cls < 0) | (cls >= N_CLASSES))] = "HR outside 30-209 BPM"
    reasons[ok & np.isnan(hr)] = "no label"
    keep = reasons == ""
    return WindowSet(
        x=np.asarray(x, np.float32)[keep],
        hr=hr[keep].astype(np.float32),
        subject=np.full(int(keep.sum()), subject),
        start_s=np.asarray(start_s)[keep].astype(np.float32),
        motion=np.asarray(motion)[keep].astype(np.float32),
        summary=[{
            "subject": subject, "source": source, "hours": seconds / 3600, "windows": n,
            "kept": int(keep.sum()), "dropped": dict(Counter(reasons[~keep].tolist())),
        }],
        activity=None if activity is None else np.asarray(activity)[keep].astype(np.int16),
        steps=None if steps is None else np.asarray(steps)[keep].astype(np.float32),
    )


def missing_recording(subject: str, source: str, why: str) -> WindowSet:
    """A participant the data set should have but that has nothing usable: one summary row, no windows."""
    empty = WindowSet.concat([])
    empty.summary = [{"subject": subject, "source": source, "hours": 0.0, "windows": 0, "kept": 0,
                      "dropped": {}, "missing": why}]
    return empty


def _motion_per_window(rec: Recording, idx: np.ndarray, n: int) -> np.ndarray:
    if rec.acc is None:
        return np.full(n, np.nan)
    magnitude = np.linalg.norm(resample(rec.acc, rec.acc_fs), axis=1)
    short = int(idx.max(initial=0)) + 1 - len(magnitude)  # the accelerometer may end a little early
    magnitude = np.pad(magnitude, (0, max(0, short)), constant_values=np.nan)
    with np.errstate(invalid="ignore"):
        return magnitude[idx].std(axis=1)
