"""The built-in generator's `cadence` scenario (edgeppg.data.synthetic): stair climbing and running, the
case PPG-only models fail on real wrists. The heart climbs to 140-180 BPM and holds while steps or arm
swing go on at a steady cadence about half, equal to or double the heart rate at its plateau, and their
artefact dominates the pulse; an artefact that is no fixed linear mix of the accelerometer's axes."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, lfilter


def heart_rate(rng: np.random.Generator, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rest, then bouts that climb to 140-180 BPM within one to two minutes, hold for minutes and recover
    part of the way; the heart rate and an exercise intensity in [0, 1]."""
    rest = rng.uniform(60.0, 85.0)
    knots_t, knots_hr = [0.0], [rest]
    now = rng.uniform(20.0, 60.0)
    while now < t[-1]:
        up, hold, down = rng.uniform(60, 120), rng.uniform(120, 300), rng.uniform(40, 90)
        peak = rng.uniform(140.0, 180.0)
        low = rest + rng.uniform(10.0, 40.0)
        knots_t += [now, now + up, now + up + hold, now + up + hold + down]
        knots_hr += [knots_hr[-1], peak, peak * rng.uniform(0.97, 1.02), low]
        now += up + hold + down + rng.uniform(20.0, 60.0)
    hr = np.clip(np.interp(t, knots_t, knots_hr) + rng.normal(0.0, 1.0) * np.sin(2 * np.pi * t / 97.0), 45.0, 190.0)
    return hr, np.clip((hr - rest) / max(180.0 - rest, 1.0), 0.0, 1.0)


def steps(rng: np.random.Generator, t: np.ndarray, fs: float, hr: np.ndarray,
           intensity: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps or arm swing (g, 3 axes) whenever the heart is working, at a steady cadence per bout about
    half, equal to or double the bout's peak heart rate; the gravity the wrist's pose gives; and the
    motion the accelerometer does not see (fingers and tendons at the same cadence)."""
    motion, hidden = np.zeros((t.size, 3)), np.zeros(t.size)
    gravity = np.tile(_unit(rng.normal(size=3)), (t.size, 1))
    moving = intensity > 0.25
    edges = np.flatnonzero(np.diff(np.concatenate([[0], moving.astype(np.int8), [0]])))
    for i0, i1 in zip(edges[::2], edges[1::2]):
        if i1 - i0 < 4 * fs:
            continue
        seg = t[i0:i1] - t[i0]
        ratio = rng.choice((0.5, 1.0, 2.0)) * rng.uniform(0.92, 1.08)
        cadence = np.clip(ratio * hr[i0:i1].max() / 60.0, 0.6, 3.5)  # Hz, steady through the bout
        drift = 1.0 + 0.02 * np.sin(2 * np.pi * seg / rng.uniform(10, 30))
        phase = 2 * np.pi * cadence * np.cumsum(drift) / fs
        swing = sum(rng.uniform(0.3, 1.0) / k * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) for k in (1, 2, 3))
        impact = np.maximum(0.0, np.sin(phase + rng.uniform(0, 2 * np.pi))) ** 8  # heel strikes: sharp, one-sided
        envelope = np.minimum(1.0, np.minimum(seg, seg[-1] - seg) / 2.0)[:, None]
        axes = np.stack([_unit(rng.normal(size=3)) for _ in range(2)])
        motion[i0:i1] = envelope * (rng.uniform(0.5, 1.5) * swing[:, None] * axes[0]
                                    + rng.uniform(0.3, 1.2) * impact[:, None] * axes[1])
        hidden[i0:i1] = envelope[:, 0] * rng.uniform(0.3, 1.0) * np.sin(phase * rng.choice((1, 2)) + rng.uniform(0, 6.3))
        gravity[i0:i1] = _unit(gravity[i0] + rng.normal(0.0, 0.3, 3))
    return motion, gravity, hidden


def artefact(rng: np.random.Generator, motion: np.ndarray, hidden: np.ndarray, fs: float) -> np.ndarray:
    """What motion does to the PPG when it is not a fixed linear mix: a coupling that drifts within the
    recording and follows the sensor's contact, blood the movement pushes (the acceleration's energy,
    smoothed by the vessels), tissue that saturates, and motion the accelerometer never saw."""
    n = len(motion)
    grid = np.arange(0, n + int(20 * fs), int(20 * fs))  # a new coupling every 20 s, interpolated between
    mixes = rng.normal(0.0, 1.0, (len(grid), 3)) * 0.6 + rng.normal(0.0, 1.0, 3)
    coupling = np.stack([np.interp(np.arange(n), grid, mixes[:, k]) for k in range(3)], axis=1)
    contact = np.clip(1.0 + np.cumsum(rng.normal(0.0, 0.6 / np.sqrt(fs * 30), n)), 0.3, 2.0)
    linear = (motion * coupling).sum(axis=1) * contact
    energy = (motion ** 2).sum(axis=1)
    b, a = butter(1, 1.5 / (fs / 2))
    pushed = rng.uniform(0.5, 2.0) * lfilter(b, a, energy - energy.mean())
    lag = int(rng.uniform(0.05, 0.2) * fs)
    raw = rng.uniform(2.0, 4.0) * (linear + pushed + rng.uniform(1.0, 2.0) * hidden)
    raw = np.concatenate([np.zeros(lag), raw[: n - lag]]) if lag else raw
    limit = rng.uniform(3.0, 6.0)
    return limit * np.tanh(raw / limit)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)
