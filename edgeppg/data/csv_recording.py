"""A user's own recording as a CSV file: how someone scores a model on their own device's data.

    time_s,ppg,acc_x,acc_y,acc_z,hr
    0.00,51234,0.01,-0.98,0.12,72
    0.04,51240,0.01,-0.98,0.12,

A header row names the columns: `time_s` (seconds) and `ppg` (raw PPG, larger = more blood volume) are
needed; `acc_x`, `acc_y`, `acc_z` (g, all three or none; m/s^2 and milli-g are told by gravity and refused)
and `hr` (a reference heart rate in BPM, where known; empty cells and values not above 0 are unknown) are
optional; other columns are ignored (a spreadsheet's byte-order mark, quoted names and blank lines at the
end are read as well). The rate comes from the time column: a steady rate the device takes is kept,
anything else (another rate, or uneven sampling) is interpolated once on the host onto the model's 25 Hz
grid, as for the e2epyppg watch (low-passed first when faster, so that nothing above 12.5 Hz folds into the
pulse band). A file that cannot be read as such (a column missing, a value that is not a number, time going
backwards or standing still, a gap in the PPG, too short for one window) is one line naming the file and the
line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeppg.data.tables import read_csv, read_rows
from edgeppg.data.windows import WindowSet, front_end, labelled_windows, resample, resample_ratio
from edgeppg.device import native
from edgeppg.device.spec import FS, MIN_STD, SENSOR_RATES, STRIDE_S, WINDOW_S
from edgeppg.errors import EdgeppgError

REQUIRED = ("time_s", "ppg")
ACC = ("acc_x", "acc_y", "acc_z")
MIN_RATE_HZ = 10.0  # below this a pulse wave is too coarsely sampled to interpolate
STEADY = 0.02  # a rate is steady when every interval is within 2 % of the median one
LOW_BPM, HIGH_BPM = 20.0, 300.0  # a reference whose typical value lies outside these is in another unit
MAX_PPG = 1e15  # the device normalises in float32: squares of larger values overflow its window's spread


@dataclass
class CsvRecording:
    path: Path
    ppg: np.ndarray  # raw PPG at rate_hz
    rate_hz: float
    acc: np.ndarray | None  # (n, 3) g at rate_hz, or None
    reference_bpm: np.ndarray  # per 8 s / 2 s window, NaN where unknown
    note: str
    hr_column: bool = False  # the file has an hr column (its values may all be unknown)

    @property
    def seconds(self) -> float:
        return len(self.ppg) / self.rate_hz

    def unreadable(self) -> str | None:
        """Why the device finds windows of this PPG unusable when its units are the reason (a photodiode's
        current in amperes, flat to the device in every window; values whose squares overflow its float32
        normalisation; a column that never changes), else None: said beside 'no usable window'."""
        peak = float(np.abs(self.ppg).max())
        if peak > MAX_PPG:
            return (f"ppg reaches {peak:.3g}, beyond what the device's float32 normalisation holds "
                    f"(|ppg| <= {MAX_PPG:g}): give the column in smaller units")
        spread = float(_per_window_std(self.ppg, self.rate_hz).max())
        if spread == 0:
            return f"ppg never changes within any {WINDOW_S:g} s window (a sensor reading nothing?)"
        if spread < MIN_STD:
            return (f"ppg varies by at most {spread:.3g} (std) within any {WINDOW_S:g} s window, below the device's "
                    f"flat threshold ({MIN_STD:g}): give the column in larger units (a sensor's counts or millivolts)")
        return None

    def windows(self, inputs: str = "ppg", stream: bool = False) -> WindowSet:
        """The labelled windows `edgeppg eval` scores, cut by the device's preprocessing, as a model with
        `inputs` sees them."""
        if not np.isfinite(self.reference_bpm).any():
            what = ("its hr column has no heart rate (every value empty or not above 0)" if self.hr_column
                    else "no reference heart rate (an hr column)")
            raise EdgeppgError(f"{self.path}: {what} to score against; edgeppg stream runs a recording without one")
        x, status, _ = native.windows(self.ppg, self.rate_hz)
        x, steps = front_end(x, self.acc, self.rate_hz, inputs, str(self.path))
        n = min(len(x), len(self.reference_bpm))
        ws = labelled_windows(self.path.stem, str(self.path), self.seconds, x[:n], status[:n],
                              self.reference_bpm[:n], np.arange(n) * STRIDE_S, self._motion(n), steps=steps[:n],
                              stream=stream)
        if len(ws) == 0 and (why := self.unreadable()):
            raise EdgeppgError(f"{self.path}: the device can read no window of it: {why}")
        return ws

    def _motion(self, n: int) -> np.ndarray:
        """Per window, the spread of |acc| (g): what tells still windows from motion ones."""
        if self.acc is None:
            return np.full(n, np.nan)
        return _per_window_std(np.linalg.norm(self.acc, axis=1), self.rate_hz, n)


def _per_window_std(x: np.ndarray, rate_hz: float, n: int | None = None) -> np.ndarray:
    """The spread of `x` (at `rate_hz`) within each 8 s window every 2 s: its first `n`, or every whole one."""
    per, step = int(round(WINDOW_S * rate_hz)), int(round(STRIDE_S * rate_hz))
    n = max(1, (len(x) - per) // step + 1) if n is None else n
    return np.array([x[i * step: i * step + per].std() for i in range(n)])


def read(path: Path, rates: tuple[float, ...] = SENSOR_RATES) -> CsvRecording:
    """The recording in `path`; `rates` are the sensor rates the device takes as they are."""
    path = Path(path)
    header = _header(path)
    present = [c for c in ACC if c in header]
    if present and len(present) < 3:
        raise EdgeppgError(f"{path}: has {', '.join(present)} but not all of acc_x, acc_y, acc_z")
    columns = REQUIRED + (ACC if present else ()) + (("hr",) if "hr" in header else ())
    d = read_csv(path, columns, columns)
    t = d["time_s"]
    if len(t) < 2:
        raise EdgeppgError(f"{path}: {len(t)} sample(s): too short for one {WINDOW_S:g} s window")
    for c in REQUIRED + (ACC if present else ()):
        _no_gaps(path, c, d[c])
    dt = np.diff(t)
    if (dt < 0).any():
        i = int(np.argmax(dt < 0))
        raise EdgeppgError(f"{path}: line {i + 3}: time_s goes backwards ({t[i]:g} s, then {t[i + 1]:g} s)")
    repeated = int((dt == 0).sum())
    if repeated:  # a clock coarser than the sampling: samples at one time are averaged into one
        d = _merge_repeated(d, t)
        t = d["time_s"]
        dt = np.diff(t)
        if len(t) < 2:
            raise EdgeppgError(f"{path}: every sample has the same time_s")
    seconds = float(t[-1] - t[0]) + float(np.median(dt))
    if seconds < WINDOW_S:
        raise EdgeppgError(f"{path}: lasts {seconds:.1f} s, less than one {WINDOW_S:g} s window")
    rate = 1.0 / float(np.median(dt))
    if rate < MIN_RATE_HZ:
        unit = "; time_s is in seconds, and this looks like milliseconds" if rate * 1000 >= MIN_RATE_HZ else ""
        raise EdgeppgError(f"{path}: sampled at {rate:.3g} Hz: too slow for heart rate (at least {MIN_RATE_HZ:g} Hz)"
                           + unit)
    acc = np.stack([d[c] for c in ACC], axis=1) if present else None
    _in_units(path, acc, d.get("hr"))
    steady = np.abs(dt * rate - 1.0).max() <= STEADY and not repeated
    taken = next((r for r in rates if abs(rate / r - 1.0) <= STEADY), None)
    t0 = t - t[0]
    if steady and taken is not None:
        ppg, out_rate, how = d["ppg"], taken, f"{taken:g} Hz as recorded"
    else:  # another rate, or uneven sampling: onto the model's grid once, on the host
        columns, at = np.column_stack([d["ppg"]] + ([] if acc is None else [acc])), t0
        faster = rate > FS * (1 + STEADY)
        if faster:  # low-pass first: what lies above 12.5 Hz (mains, sensor noise) would fold into the pulse band
            columns, at = _antialiased(columns, t0, rate)
        grid = np.arange(0.0, t0[-1], 1.0 / FS)
        columns = np.column_stack([np.interp(grid, at, c) for c in columns.T])
        ppg, acc = columns[:, 0], None if acc is None else columns[:, 1:]
        out_rate = FS
        how = (f"{'uneven ' if not steady else ''}{rate:.3g} Hz {'low-passed and ' if faster else ''}"
               f"interpolated on the host onto {FS:g} Hz "
               f"(the device takes {', '.join(f'{r:g}' for r in rates)} Hz as they are)"
               + (f"; {repeated} repeated time stamps averaged" if repeated else ""))
    n = max(0, int((len(ppg) / out_rate - WINDOW_S) // STRIDE_S) + 1)
    ref = _reference(t0, d["hr"], n) if "hr" in d else np.full(n, np.nan)
    note = (f"{path.name}: {how}; {'accelerometer' if acc is not None else 'no accelerometer'}; "
            f"{'reference: its hr column' if 'hr' in d else 'no reference heart rate'}")
    rec = CsvRecording(path, np.asarray(ppg, np.float64), float(out_rate), acc, ref, note, "hr" in d)
    if why := rec.unreadable():  # streamed all the same: the device's "unavailable" is what it shows
        rec.note += f"; {why}"
    return rec


def _in_units(path: Path, acc: np.ndarray | None, hr: np.ndarray | None) -> None:
    """Columns in another unit than the layout's would be read as valid and give wrong figures without a word
    (the motion gate is 0.05 g; MAE against beats per second is nonsense), so the two mistakes a unit makes
    plain are refused: an accelerometer whose typical magnitude is gravity in m/s^2 or in milli-g, and a
    reference heart rate outside any heart's range."""
    if acc is not None:
        g = float(np.median(np.linalg.norm(acc, axis=1)))
        for low, high, unit, factor in ((4.9, 19.6, "m/s^2", "9.81"), (490.0, 1960.0, "milli-g", "1000")):
            if low <= g <= high:
                raise EdgeppgError(f"{path}: acc_x, acc_y, acc_z look like {unit} (their magnitude is typically "
                                   f"{g:.4g}, gravity at rest); the layout takes g: divide them by {factor}")
    known = hr[np.isfinite(hr) & (hr > 0)] if hr is not None else np.empty(0)
    if known.size and not LOW_BPM <= float(np.median(known)) <= HIGH_BPM:
        raise EdgeppgError(f"{path}: hr is typically {float(np.median(known)):.3g}, not a heart rate in BPM "
                           f"({LOW_BPM:g}-{HIGH_BPM:g}; beats per second are times 60)")


def _antialiased(columns: np.ndarray, t: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Columns sampled at times `t` (about `rate` Hz, faster than the model's grid) -> at FS Hz, low-passed
    below FS / 2 (polyphase, scipy), on an even grid from t = 0: (columns, their times)."""
    even = np.arange(0.0, t[-1], 1.0 / rate)
    out = resample(np.column_stack([np.interp(even, t, c) for c in columns.T]), rate, FS, padtype="line")
    return out, np.arange(len(out)) / (rate * resample_ratio(rate, FS))


def _merge_repeated(d: dict[str, np.ndarray], t: np.ndarray) -> dict[str, np.ndarray]:
    """The columns with the samples that share a time averaged into one (a reference hr over its known values)."""
    times, counts = np.unique(t, return_counts=True)  # t never goes backwards: each time's samples are together
    group = np.repeat(np.arange(len(times)), counts)
    out = {"time_s": times}
    for c, v in d.items():
        if c == "time_s":
            continue
        known = np.isfinite(v)
        total = np.bincount(group, np.where(known, v, 0.0), len(times))
        n = np.bincount(group, known.astype(float), len(times))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[c] = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    return out


def _header(path: Path) -> list[str]:
    first = read_rows(path, first=True)
    header = [h.strip() for h in first[0]] if first else []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise EdgeppgError(f"{path}: no column '{missing[0]}' (a recording needs a header row with time_s and ppg; "
                           f"optional: acc_x, acc_y, acc_z, hr)")
    return header


def _no_gaps(path: Path, column: str, values: np.ndarray) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        first = int(np.argmax(bad))
        last = first + int(np.argmin(bad[first:])) - 1 if not bad[first:].all() else len(values) - 1
        lines = f"line {first + 2}" if last == first else f"lines {first + 2}-{last + 2}"
        if np.isinf(values[first]):  # a number, but not a sample: say what is there
            raise EdgeppgError(f"{path}: line {first + 2}: {column} is {values[first]:g}, not a finite sample")
        raise EdgeppgError(f"{path}: {lines}: no {column} value (a gap of {last - first + 1} sample(s)); "
                           "fill or cut it")


def _reference(t: np.ndarray, hr: np.ndarray, n: int) -> np.ndarray:
    """The mean of the known reference values within each 8 s / 2 s window."""
    out = np.full(n, np.nan)
    known = np.isfinite(hr) & (hr > 0)
    for i in range(n):
        sel = known & (t >= i * STRIDE_S) & (t < i * STRIDE_S + WINDOW_S)
        if sel.any():
            out[i] = hr[sel].mean()
    return out
