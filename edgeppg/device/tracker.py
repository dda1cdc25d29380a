"""The heart-rate tracker's parameters, and the host's run of the device's tracker (ep_tracker.c).

A forward filter over the 180 classes (see firmware/monitor/ep_tracker.h). Why these defaults:
- transition: a Gaussian of SIGMA_BPM = 3 BPM per 2 s stride, cut at RADIUS = 12 BPM. Heart rate in
  exercise onsets and recoveries moves up to about 1.5 BPM/s (3 BPM per stride); 4 sigma covers a
  sprint onset, while a jump to a step-cadence peak 20-40 BPM away needs several windows of evidence.
- floor 1e-3: a share of belief spread evenly each stride, so a track that locked onto cadence can
  come back within a few windows once the pulse peak returns.
- temperature 1: the model's own softmax is the likelihood.
- min_confidence 0.05: a window whose softmax peak is below 5% (9x the uniform 1/180) shows "HR
  unavailable"; docs/results.md reports MAE against coverage for other thresholds.
- the step band: in a window whose accelerometer shows a step rate (the front end's step stage), the
  classes around it weigh 1 - 0.8 exp(-d^2 / (2 * 3^2)) (d BPM away, to 9 BPM): at the rate itself a
  fifth. Measured on the reference teacher (edgeppg/recipe.py), validation participants 3.25 -> 3.14 BPM,
  the cadence scenario 2.96 -> 2.67 and its longest step lock 38 -> 22 s; penalties of 0.5 and 0.95 and
  bands at half and twice the rate were no better.
These were set from the built-in validation participants, never from test participants or the watch.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import asdict, dataclass

import numpy as np

from edgeppg.device import spec


@dataclass(frozen=True)
class TrackerParams:
    sigma_bpm: float = 3.0
    radius: int = 12
    floor: float = 1e-3
    temperature: float = 1.0
    min_confidence: float = 0.05
    step_penalty: float = 0.8  # the share of the belief taken away at the step rate itself
    step_sigma_bpm: float = 3.0
    step_radius: int = 9

    def to_dict(self) -> dict:
        return asdict(self)

    def problem(self) -> str | None:
        """What makes these parameters no tracker (a field and why), or None: checked where a contract is read,
        since a zero spread divides by zero and a radius beyond the classes reaches past the belief."""
        def number(v: object) -> bool:
            return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

        for name, low, high, open_low in (("sigma_bpm", 0, None, True), ("temperature", 0, None, True),
                                          ("step_sigma_bpm", 0, None, True), ("floor", 0, 1, True),
                                          ("min_confidence", 0, 1, False), ("step_penalty", 0, 1, False)):
            v = getattr(self, name)
            if not number(v) or (v <= low if open_low else v < low) or (high is not None and v > high):
                bounds = f"{'above' if open_low else 'at least'} {low}" + (f" and at most {high}" if high else "")
                return f"{name} is {v!r}: must be a number {bounds}"
        for name, low in (("radius", 1), ("step_radius", 0)):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not low <= v < spec.N_CLASSES:
                return f"{name} is {v!r}: must be a whole number of classes from {low} to {spec.N_CLASSES - 1}"
        return None

    def transition(self) -> np.ndarray:
        d = np.arange(-self.radius, self.radius + 1, dtype=np.float64)
        w = np.exp(-0.5 * (d / self.sigma_bpm) ** 2)
        return (w / w.sum()).astype(np.float32)

    def step_band(self) -> np.ndarray:
        """The weights of the classes step - radius .. step + radius in a window with a step rate."""
        d = np.arange(-self.step_radius, self.step_radius + 1, dtype=np.float64)
        return (1.0 - self.step_penalty * np.exp(-0.5 * (d / self.step_sigma_bpm) ** 2)).astype(np.float32)

    def exp_table(self, output_scale: float) -> np.ndarray:
        """exp(-d * scale / temperature) for d = 0..255 int8 steps below the largest logit."""
        return np.exp(-np.arange(256, dtype=np.float64) * output_scale / self.temperature).astype(np.float32)


@dataclass
class Track:
    argmax_bpm: np.ndarray  # (n,) int, this window alone (-1 + HR_LOW where the window was skipped)
    tracked_bpm: np.ndarray  # (n,) int
    confidence: np.ndarray  # (n,) float32
    available: np.ndarray  # (n,) bool


class _Params:
    """ep_tracker_params with its arrays kept alive."""

    def __init__(self, p: TrackerParams, output_scale: float):
        from edgeppg.device.native import _TrackerParams

        self.transition, self.table, self.band = p.transition(), p.exp_table(output_scale), p.step_band()
        self.c = _TrackerParams(p.radius, self.transition.ctypes.data, p.floor, self.table.ctypes.data,
                                p.min_confidence, p.step_radius, self.band.ctypes.data)


def track(p: TrackerParams, logits: np.ndarray | None = None, likelihood: np.ndarray | None = None,
          usable: np.ndarray | None = None, output_scale: float = 1.0, steps: np.ndarray | None = None) -> Track:
    """One stream's windows in order through the device's tracker: int8 `logits` (n, 180) as the device
    sees them, or a float `likelihood` (peak 1) for a float model. `usable` False: the window is skipped.
    `steps`: each window's step rate in BPM from the front end (NaN or negative: none)."""
    from edgeppg.device.native import library

    lib = library()
    data = logits if logits is not None else likelihood
    n = len(data)
    usable = np.ones(n, bool) if usable is None else np.asarray(usable, bool)
    params = _Params(p, output_scale)
    state = ctypes.create_string_buffer(lib.ep_host_tracker_bytes())
    lib.ep_tracker_init(state)
    out = np.zeros((n, 4), np.float64)
    step = lib.ep_tracker_step_logits if logits is not None else lib.ep_tracker_step_likelihood
    rows = np.ascontiguousarray(data, np.int8 if logits is not None else np.float32)
    rates = np.full(n, np.nan) if steps is None else np.asarray(steps, np.float64)
    classes = np.where(np.isfinite(rates) & (rates >= spec.HR_LOW), np.nan_to_num(rates) - spec.HR_LOW, -1).astype(int)
    for i in range(n):
        if usable[i]:
            r = step(state, ctypes.byref(params.c), rows[i].ctypes.data, int(classes[i]))
        else:
            r = lib.ep_tracker_skip(state, ctypes.byref(params.c))
        out[i] = (r.argmax_class, r.tracked_class, r.confidence, r.available)
    return Track(out[:, 0].astype(np.int64) + spec.HR_LOW, out[:, 1].astype(np.int64) + spec.HR_LOW,
                 out[:, 2].astype(np.float32), out[:, 3].astype(bool))


def likelihood(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """A float model's likelihood for the tracker: exp((logit - max) / temperature), peak 1."""
    z = np.asarray(logits, np.float64)
    return np.exp((z - z.max(axis=1, keepdims=True)) / temperature).astype(np.float32)
