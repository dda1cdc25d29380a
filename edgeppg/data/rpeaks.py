"""ECG R-peaks and the RR intervals that make heart-rate labels, for data sets that ship only ECG.

Detection follows Pan and Tompkins' idea, written here with scipy: band-pass 5-15 Hz, derivative,
square, 150 ms moving integration, then peaks of the integrated signal at least 250 ms apart (240 BPM)
above a threshold that adapts to the signal's local level; each peak is moved to the largest |ECG|
within 80 ms. The quotient filter then keeps an RR interval only if it is within 35-185 BPM and agrees
within 25% with its neighbours, as WildPPG's authors describe for their labels.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d
from scipy.signal import butter, find_peaks, sosfiltfilt


def detect_r_peaks(ecg: np.ndarray, fs: float) -> np.ndarray:
    """Sample indices of R-peaks."""
    ecg = np.nan_to_num(np.asarray(ecg, np.float64))
    if len(ecg) < int(2 * fs):
        return np.zeros(0, np.int64)
    sos = butter(2, [5.0, min(15.0, 0.45 * fs)], btype="band", fs=fs, output="sos")
    band = sosfiltfilt(sos, ecg)
    energy = np.convolve(np.diff(band, prepend=band[0]) ** 2, np.ones(max(1, int(0.15 * fs))) / (0.15 * fs), "same")
    # the threshold follows the local peak level over 2 s, so a loud stretch does not hide a quiet one
    level = maximum_filter1d(energy, size=max(1, int(2 * fs)))
    peaks, _ = find_peaks(energy, distance=max(1, int(0.25 * fs)), height=0.3 * level)
    half = max(1, int(0.08 * fs))
    refined = [p - half + int(np.argmax(np.abs(band[max(0, p - half): p + half + 1]))) if p >= half else
               int(np.argmax(np.abs(band[: p + half + 1]))) for p in peaks]
    return np.unique(np.asarray(refined, np.int64))


def quotient_filter(peaks_s: np.ndarray, tol: float = 0.25, hr_range: tuple[float, float] = (35.0, 185.0)
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(RR intervals in s, their midpoints in s) that pass: plausible rate, close to both neighbours."""
    peaks_s = np.sort(np.asarray(peaks_s, np.float64))
    rr = np.diff(peaks_s)
    mid = (peaks_s[1:] + peaks_s[:-1]) / 2
    if len(rr) == 0:
        return rr, mid
    ok = (rr >= 60.0 / hr_range[1]) & (rr <= 60.0 / hr_range[0])
    prev_ok = np.ones_like(ok)
    next_ok = np.ones_like(ok)
    prev_ok[1:] = np.abs(rr[1:] / rr[:-1] - 1.0) <= tol
    next_ok[:-1] = np.abs(rr[:-1] / rr[1:] - 1.0) <= tol
    keep = ok & prev_ok & next_ok
    return rr[keep], mid[keep]
