"""The raw form every data source is turned into before windowing."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Recording:
    """One continuous recording of one participant.

    Labels come either as beat times (`beats`, seconds from the start; the window labels are derived
    from them the way ECG labels are made) or as one heart rate per 8 s / 2 s window (`hr`).
    """

    subject: str
    ppg: np.ndarray  # (n,) raw PPG at `fs`
    fs: float
    acc: np.ndarray | None = None  # (m, 3) accelerometer in g at `acc_fs`
    acc_fs: float | None = None
    beats: np.ndarray | None = None  # beat times in s
    hr: np.ndarray | None = None  # BPM per window, NaN where unknown
    source: str = ""  # file or generator it came from, for error messages
    activity: np.ndarray | None = None  # activity id per window (-1 unknown)
    gaps: list[tuple[float, float, str]] = field(default_factory=list)  # (start s, end s, why): windows touching one are dropped

    def __post_init__(self) -> None:
        where = self.source or self.subject
        if self.ppg.ndim != 1:
            raise ValueError(f"{where}: PPG must be 1-D, got shape {self.ppg.shape}")
        if not self.fs > 0:
            raise ValueError(f"{where}: sampling rate must be positive, got {self.fs}")
        if (self.beats is None) == (self.hr is None):
            raise ValueError(f"{where}: give exactly one of beat times or per-window heart rates")
        if self.acc is not None and (self.acc.ndim != 2 or self.acc.shape[1] != 3 or not self.acc_fs):
            raise ValueError(f"{where}: accelerometer must be (n, 3) with a sampling rate")

    @property
    def duration_s(self) -> float:
        return len(self.ppg) / self.fs
