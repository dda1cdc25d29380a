"""The polyphase resampler's design, from any sensor rate to 25 Hz: the taps the device's C and the
host's copy of it both use.

The filter is scipy's resample_poly design (a Kaiser-windowed sinc, beta 5, cut-off at the lower
Nyquist) with 5 zero crossings each side instead of 10: the transition band then lies above 9 Hz,
far from heart rates (0.5-3.5 Hz), at half the taps. Each phase is scaled to sum to exactly one, so
a constant input gives a constant output. The filter's delay is compensated (output m is centred
on input time m / 25 s), and the stream is extended backwards with its first sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.signal import firwin

from edgeppg.device.spec import FS
from edgeppg.errors import EdgeppgError

ZERO_CROSSINGS = 5
KAISER_BETA = 5.0
MAX_RATIO_TERM = 1000  # up and down at most this: rates are rational with small denominators


@dataclass(frozen=True)
class Design:
    rate_hz: float
    up: int
    down: int
    taps: np.ndarray  # (up, K) float32; taps[p, k] weighs the k-th newest input at phase p
    delay: int  # in samples at rate_hz * up

    @property
    def taps_per_phase(self) -> int:
        return int(self.taps.shape[1])

    def to_dict(self) -> dict:
        return {"rate_hz": self.rate_hz, "up": self.up, "down": self.down, "delay": self.delay,
                "taps_per_phase": self.taps_per_phase, "taps": [float(v) for v in self.taps.reshape(-1)]}

    @staticmethod
    def from_dict(d: dict) -> Design:
        """A design as to_dict wrote it; one that cannot be (its ratio not the rate's, its taps not up phases
        of taps_per_phase, each summing to 1) is a ValueError naming the field, for the contract's reader."""
        rate, up, down, per_phase = d["rate_hz"], d["up"], d["down"], d["taps_per_phase"]
        try:
            expected = ratio(rate)
        except EdgeppgError as e:
            raise ValueError(f"rate_hz: {e}") from None
        if (up, down) != expected:
            raise ValueError(f"up/down {up}/{down}: {rate:g} Hz takes {expected[0]}/{expected[1]} to reach {FS:g} Hz")
        if per_phase < 1 or len(d["taps"]) != up * per_phase:
            raise ValueError(f"taps: {len(d['taps'])} of them, not up x taps_per_phase = {up} x {per_phase}")
        taps = np.asarray(d["taps"], np.float32).reshape(up, per_phase)
        if not np.all(np.isfinite(taps)) or np.max(np.abs(taps.sum(axis=1) - 1.0)) > 1e-3:
            raise ValueError("taps: each phase's taps must be finite and sum to 1 (a low-pass filter's)")
        if d["delay"] < 0:
            raise ValueError(f"delay is {d['delay']}: must not be negative")
        return Design(float(rate), up, down, taps, d["delay"])


def ratio(rate_hz: float) -> tuple[int, int]:
    """(up, down) with 25 = rate * up / down exactly, or an error naming the rate."""
    if not (isinstance(rate_hz, (int, float)) and math.isfinite(rate_hz) and rate_hz > 0):
        raise EdgeppgError(f"sample rate {rate_hz!r}: must be a positive number of Hz")
    rate = Fraction(rate_hz).limit_denominator(MAX_RATIO_TERM)
    r = Fraction(FS) / rate
    if abs(float(rate) - rate_hz) > 1e-9 * rate_hz or r.numerator > MAX_RATIO_TERM or r.denominator > MAX_RATIO_TERM:
        raise EdgeppgError(f"sample rate {rate_hz:g} Hz: 25 Hz is not a simple ratio of it")
    return r.numerator, r.denominator


def design(rate_hz: float) -> Design:
    up, down = ratio(rate_hz)
    if up == down:  # already 25 Hz: the identity
        return Design(float(rate_hz), 1, 1, np.ones((1, 1), np.float32), 0)
    half = ZERO_CROSSINGS * max(up, down)
    h = firwin(2 * half + 1, 1.0 / max(up, down), window=("kaiser", KAISER_BETA))
    k = -(-(2 * half + 1) // up)
    h = np.concatenate([h, np.zeros(k * up - h.size)])
    phases = h.reshape(k, up).T  # phases[p, k] = h[p + k * up]
    phases = phases / phases.sum(axis=1, keepdims=True)
    return Design(float(rate_hz), up, down, phases.astype(np.float32), half)
