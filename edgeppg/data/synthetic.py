"""Built-in synthetic wrist PPG: the default data set, since the real ones cannot be downloaded here.

Each subject gets a heart-rate path (resting level, exercise bouts with ramps, a slow random walk),
respiratory sinus arrhythmia, a two-Gaussian pulse (systolic and diastolic wave) whose shape is the
subject's own, respiratory amplitude and baseline modulation, baseline wander and sensor noise. Motion
comes in bursts, drives a 3-axis accelerometer and leaks into the PPG; a share of bursts has a
cadence near the heart rate, the case that confuses spectral and learned estimators alike.
Labels are beat times, so windows are labelled exactly as ECG-labelled datasets are.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.signal import lfilter

from edgeppg.data.recording import Recording
from edgeppg.settings import check, real, whole

HR_MIN, HR_MAX = 45.0, 190.0


@dataclass(frozen=True)
class SyntheticConfig:
    subjects: int = field(default=24, metadata=whole(3, 10_000))  # three: a train, a val and a test participant
    minutes: float = field(default=30.0, metadata=real(0.2, 24 * 60.0))  # at least a few 8 s windows
    # the rate of a wrist BVP sensor (PPG-DaLiA's Empatica E4); resampled to 25 Hz later
    fs: float = field(default=64.0, metadata=real(10.0, 2000.0))
    motion_fraction: float = field(default=0.3, metadata=real(0.0, 1.0))  # share of time inside motion bursts
    # share of bursts whose cadence sits near the heart rate
    confusable_fraction: float = field(default=0.3, metadata=real(0.0, 1.0))
    seed: int = field(default=0, metadata=whole(0, 2**32 - 1))

    def __post_init__(self) -> None:
        check(self)

    def to_dict(self) -> dict:
        return asdict(self)


def generate(cfg: SyntheticConfig) -> list[Recording]:
    """All subjects of the data set; the same config always gives the same signals."""
    return [
        generate_subject(np.random.default_rng([cfg.seed, i]), f"S{i + 1:02d}", cfg)
        for i in range(cfg.subjects)
    ]


def generate_subject(rng: np.random.Generator, subject: str, cfg: SyntheticConfig) -> Recording:
    fs, duration = cfg.fs, cfg.minutes * 60.0
    t = np.arange(int(duration * fs)) / fs

    hr, intensity = _heart_rate_path(rng, t)
    resp_phase = _respiration_phase(rng, t, intensity)
    rsa = rng.uniform(2.0, 6.0) * (1.0 - intensity) * np.sin(resp_phase)
    inst_hr = np.clip(hr + rsa, HR_MIN - 5, HR_MAX + 5)

    beat_phase = np.cumsum(inst_hr / 60.0) / fs
    beats = _crossing_times(beat_phase, t)
    pulse = _pulse_wave(rng, beat_phase)
    amplitude = rng.uniform(0.5, 1.5) * (1.0 + rng.uniform(0.05, 0.2) * np.sin(resp_phase + rng.uniform(0, 2 * np.pi)))
    baseline = rng.uniform(0.05, 0.3) * np.sin(resp_phase) + _wander(rng, t)
    noise = rng.normal(0.0, rng.uniform(0.02, 0.08), t.size)

    motion, gravity = _motion(rng, t, inst_hr, cfg)
    artefact = _artefact(rng, motion, fs)
    acc = gravity + motion + rng.normal(0.0, 0.01, (t.size, 3))

    ppg = amplitude * pulse + baseline + artefact + noise
    return Recording(
        subject=subject,
        ppg=ppg.astype(np.float32),
        fs=fs,
        acc=acc.astype(np.float32),
        acc_fs=fs,
        beats=beats,
        source=f"synthetic:{subject}",
    )


def _heart_rate_path(rng: np.random.Generator, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Resting level plus exercise bouts (ramp up, hold, ramp down) plus a slow random walk.

    Returns the heart rate and an exercise intensity in [0, 1] that damps the arrhythmia.
    """
    duration = t[-1]
    rest = rng.uniform(55.0, 85.0)
    knots_t, knots_hr = [0.0], [rest]
    now = rng.uniform(0.0, 120.0)
    while now < duration:
        up, hold, down = rng.uniform(30, 90), rng.uniform(60, 300), rng.uniform(60, 150)
        peak = rng.uniform(rest + 25.0, 185.0)
        knots_t += [now, now + up, now + up + hold, now + up + hold + down]
        knots_hr += [rest, peak, peak * rng.uniform(0.9, 1.02), rest]
        now += up + hold + down + rng.exponential(180.0)
    target = np.interp(t, knots_t, knots_hr)

    # Ornstein-Uhlenbeck walk on a 1 s grid: a few BPM of slow drift with a one-minute memory.
    grid = np.arange(0.0, duration + 2.0)
    decay, sigma = np.exp(-1.0 / 60.0), rng.uniform(2.0, 5.0)
    steps = rng.normal(0.0, sigma * np.sqrt(1 - decay**2), grid.size)
    walk = lfilter([1.0], [1.0, -decay], steps)
    hr = np.clip(target + np.interp(t, grid, walk), HR_MIN, HR_MAX)
    intensity = np.clip((target - rest) / max(185.0 - rest, 1.0), 0.0, 1.0)
    return hr, intensity


def _respiration_phase(rng: np.random.Generator, t: np.ndarray, intensity: np.ndarray) -> np.ndarray:
    rate = rng.uniform(0.18, 0.3) + 0.25 * intensity  # Hz, faster breathing under exercise
    return 2 * np.pi * np.cumsum(rate) * (t[1] - t[0])


def _crossing_times(phase: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Times where the beat phase passes a whole number: one beat each, linearly interpolated."""
    cycles = np.floor(phase)
    idx = np.nonzero(np.diff(cycles) > 0)[0]
    frac = (cycles[idx + 1] - phase[idx]) / (phase[idx + 1] - phase[idx])
    return t[idx] + frac * (t[idx + 1] - t[idx])


def _pulse_wave(rng: np.random.Generator, beat_phase: np.ndarray) -> np.ndarray:
    """Systolic and diastolic Gaussian waves placed by beat phase, with this subject's shape."""
    mu_s, sd_s = rng.uniform(0.15, 0.3), rng.uniform(0.05, 0.09)
    mu_d, sd_d = mu_s + rng.uniform(0.2, 0.35), rng.uniform(0.08, 0.14)
    ratio = rng.uniform(0.2, 0.6)
    frac = beat_phase % 1.0

    def bump(mu: float, sd: float) -> np.ndarray:
        d = (frac - mu + 0.5) % 1.0 - 0.5  # wrap so each wave is continuous across beats
        return np.exp(-0.5 * (d / sd) ** 2)

    wave = bump(mu_s, sd_s) + ratio * bump(mu_d, sd_d)
    return wave - wave.mean()


def _wander(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Baseline wander: a few slow sinusoids below 0.1 Hz."""
    freqs = rng.uniform(0.005, 0.08, 3)
    amps = rng.uniform(0.1, 0.6, 3)
    phases = rng.uniform(0, 2 * np.pi, 3)
    return (amps[:, None] * np.sin(2 * np.pi * freqs[:, None] * t + phases[:, None])).sum(0)


def _bursts(rng: np.random.Generator, duration: float, fraction: float) -> list[tuple[float, float]]:
    if fraction <= 0:
        return []
    mean_burst = 35.0
    mean_gap = mean_burst * (1.0 - fraction) / fraction
    out, now = [], rng.exponential(mean_gap)
    while now < duration:
        length = rng.uniform(10.0, 60.0)
        out.append((now, min(now + length, duration)))
        now += length + rng.exponential(mean_gap)
    return out


def _motion(
    rng: np.random.Generator, t: np.ndarray, inst_hr: np.ndarray, cfg: SyntheticConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Periodic motion bursts (in g, 3 axes) and the gravity vector the wrist's pose gives."""
    fs = cfg.fs
    motion = np.zeros((t.size, 3))
    gravity = np.tile(_unit(rng.normal(size=3)), (t.size, 1))
    for start, stop in _bursts(rng, t[-1], cfg.motion_fraction):
        i0, i1 = int(start * fs), int(stop * fs)
        seg = t[i0:i1] - t[i0]
        hr_hz = inst_hr[i0] / 60.0
        if rng.random() < cfg.confusable_fraction:
            cadence = hr_hz * rng.uniform(0.94, 1.06)  # the hard case: motion where the pulse is
        else:
            cadence = rng.uniform(0.8, 3.0)
        drift = 1.0 + 0.03 * np.sin(2 * np.pi * seg / rng.uniform(8, 20))
        phase = 2 * np.pi * cadence * np.cumsum(drift) / fs
        harmonics = sum(
            rng.uniform(0.2, 1.0) / k * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) for k in (1, 2, 3)
        )
        envelope = np.minimum(1.0, np.minimum(seg, seg[-1] - seg) / 1.0)  # 1 s fade in and out
        strength = rng.uniform(0.2, 1.5)
        motion[i0:i1] += strength * envelope[:, None] * harmonics[:, None] * _unit(rng.normal(size=3))
        gravity[i0:i1] = _unit(gravity[i0] + rng.normal(0.0, 0.3, 3))  # the wrist settles in a new pose
    return motion, gravity


def _artefact(rng: np.random.Generator, motion: np.ndarray, fs: float) -> np.ndarray:
    """Motion leaks into the PPG through this subject's own mix of axes, delayed by the tissue."""
    coupling = rng.normal(0.0, 1.0, 3) * rng.uniform(0.5, 2.0)
    lag = int(rng.uniform(0.0, 0.15) * fs)
    leak = motion @ coupling
    return np.concatenate([np.zeros(lag), leak[: leak.size - lag]]) if lag else leak


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)
