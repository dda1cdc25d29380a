"""Built-in synthetic wrist PPG: the default data set, since the real ones cannot be downloaded here.

Each subject gets a heart-rate path (resting level, exercise bouts with ramps, a slow random walk),
respiratory sinus arrhythmia, a two-Gaussian pulse (systolic and diastolic wave) whose shape is the
subject's own, respiratory amplitude and baseline modulation, baseline wander and sensor noise. Motion
comes in bursts, drives a 3-axis accelerometer and leaks into the PPG; a share of bursts has a
cadence near the heart rate, the case that confuses spectral and learned estimators alike.
Labels are beat times, so windows are labelled exactly as ECG-labelled datasets are.

`variety` widens what a participant can look like, one aspect at a time (the reference recipe takes
them all; the empty default is the original generator, draw for draw, so earlier results reproduce):
- `perfusion`: pulses from strong to barely visible on a baseline that wanders like a real sensor's
  (a random walk, contact shifts that settle), and perfusion that drifts within a recording;
- `sensor`: the sensor's own rate (any the firmware accepts) and analogue low-pass, so some signals are
  smooth and some sharp;
- `noise`: white, pink or brown noise, from almost none to heavy;
- `morphology`: pulse shapes beyond two Gaussians (a fast rise and exponential run-off, a notch or
  none) and beat-to-beat amplitude changes;
- `motion`: aperiodic motion (taps, shuffles) beside the periodic kind, and motion that modulates the
  pulse's amplitude as well as adding to it.
Every aspect draws from its own random stream, so adding one leaves the others' draws unchanged.

`scenario` names a kind of recording rather than a kind of person ("" is free living, as above):
- `cadence`: stair climbing and running, the case PPG-only models fail on real wrists. The heart climbs
  to 140-180 BPM and holds while steps or arm swing go on at a steady cadence about half, equal to or
  double the heart rate at its plateau, and their artefact dominates the pulse. The artefact is not a
  fixed linear mix of the accelerometer's axes, so no method wins by inverting the generator: the
  coupling drifts within the recording and follows the sensor's contact, the tissue saturates, the
  movement pushes blood (a part that follows the acceleration's energy, not its direction), and part
  of the motion (fingers, tendons) never reaches the accelerometer.
`cadence_share` mixes the two: that share of the participants (spread evenly by index) is recorded in the
cadence scenario, the rest free living; the reference recipe trains on such a mix.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar

import numpy as np
from scipy.signal import butter, lfilter, sosfilt

from edgeppg.data import cadence
from edgeppg.data.recording import Recording
from edgeppg.device.spec import SENSOR_RATES
from edgeppg.settings import SettingError, check, one_of, real, text, whole

HR_MIN, HR_MAX = 45.0, 190.0
VARIETY = ("perfusion", "sensor", "noise", "morphology", "motion")
SCENARIOS = ("", "cadence")


def variety_aspects(variety: str) -> tuple[str, ...]:
    """The aspects a `variety` setting names: "" (none), "all", or a comma-separated list."""
    if variety.strip() == "all":
        return VARIETY
    names = tuple(v.strip() for v in variety.split(",") if v.strip())
    unknown = [v for v in names if v not in VARIETY]
    if unknown:
        raise ValueError(f"unknown aspect '{unknown[0]}' (use all, or some of {', '.join(VARIETY)})")
    return tuple(v for v in VARIETY if v in names)


@dataclass(frozen=True)
class SyntheticConfig:
    OPTION_COMMANDS: ClassVar[tuple[str, ...]] = ("train", "data")  # a distilled student takes its teacher's data
    subjects: int = field(default=24, metadata=whole(3, 10_000))  # three: a train, a val and a test participant
    minutes: float = field(default=30.0, metadata=real(0.2, 24 * 60.0))  # at least a few 8 s windows
    # the rate of a wrist BVP sensor (PPG-DaLiA's Empatica E4); resampled to 25 Hz later
    fs: float = field(default=64.0, metadata=real(10.0, 2000.0, option=None))
    motion_fraction: float = field(default=0.3, metadata=real(0.0, 1.0, option=None))  # share of time inside motion bursts
    # share of bursts whose cadence sits near the heart rate
    confusable_fraction: float = field(default=0.3, metadata=real(0.0, 1.0, option=None))
    seed: int = field(default=0, metadata=whole(0, 2**32 - 1, option="--data-seed"))
    # what varies beyond the original generator: "", "all", or some of VARIETY, comma-separated
    variety: str = field(default="", metadata=text())
    # a kind of recording: "" (free living) or "cadence" (climbing and running; see the module's text)
    scenario: str = field(default="", metadata=one_of(*SCENARIOS))
    # with scenario "": the share of participants recorded in the cadence scenario all the same
    cadence_share: float = field(default=0.0, metadata=real(0.0, 1.0))

    def __post_init__(self) -> None:
        check(self)
        try:
            variety_aspects(self.variety)
        except ValueError as e:
            raise SettingError(type(self), "variety", str(e)) from None

    @property
    def aspects(self) -> tuple[str, ...]:
        return variety_aspects(self.variety)

    def to_dict(self) -> dict:
        return asdict(self)


# The cadence scenario as a held-out set (`edgeppg eval RUN --eval-dataset cadence`): varied participants, a
# seed no recipe trains on; models are chosen on it with the validation participants, never on a real wrist.
CADENCE_SET = SyntheticConfig(subjects=8, minutes=10.0, seed=404, variety="all", scenario="cadence")


def subject_names(cfg: SyntheticConfig) -> list[str]:
    return [f"S{i + 1:02d}" for i in range(cfg.subjects)]


def generate(cfg: SyntheticConfig) -> list[Recording]:
    """All subjects of the data set; the same config always gives the same signals."""
    return [generate_one(cfg, name) for name in subject_names(cfg)]


def generate_one(cfg: SyntheticConfig, name: str) -> Recording:
    """One participant of the data set by name, drawn from its own random streams (so it is the same
    whether generated alone or with the others)."""
    i = subject_names(cfg).index(name)
    return generate_subject(np.random.default_rng([cfg.seed, i]), name, cfg,
                            {a: np.random.default_rng([cfg.seed, i, 1 + k])
                             for k, a in enumerate((*VARIETY, "scenario"))}, in_cadence(cfg, i))


def in_cadence(cfg: SyntheticConfig, index: int) -> bool:
    """Whether participant `index` (0-based) is recorded in the cadence scenario: all of them for that
    scenario, else every participant where the running count of `cadence_share` ticks over."""
    share = 1.0 if cfg.scenario == "cadence" else cfg.cadence_share
    return share > 0 and int((index + 1) * share + 1e-9) > int(index * share + 1e-9)


def generate_subject(rng: np.random.Generator, subject: str, cfg: SyntheticConfig,
                     vary: dict[str, np.random.Generator] | None = None, climbing: bool | None = None) -> Recording:
    """One participant; `vary` holds one random stream per variety aspect (the subject's own); `climbing`:
    recorded in the cadence scenario (by default when that is the config's scenario)."""
    on = {a: vary[a] for a in cfg.aspects} if vary else {}
    scene = (vary or {}).get("scenario") or np.random.default_rng([cfg.seed, 99])
    climbing = cfg.scenario == "cadence" if climbing is None else climbing
    fs = float(on["sensor"].choice(SENSOR_RATES)) if "sensor" in on else cfg.fs
    t = np.arange(int(cfg.minutes * 60.0 * fs)) / fs

    hr, intensity = cadence.heart_rate(scene, t) if climbing else _heart_rate_path(rng, t)
    resp_phase = _respiration_phase(rng, t, intensity)
    rsa = rng.uniform(2.0, 6.0) * (1.0 - intensity) * np.sin(resp_phase)
    inst_hr = np.clip(hr + rsa, HR_MIN - 5, HR_MAX + 5)

    beat_phase = np.cumsum(inst_hr / 60.0) / fs
    beats = _crossing_times(beat_phase, t)
    pulse = _pulse_wave(rng, beat_phase)
    amplitude = rng.uniform(0.5, 1.5) * (1.0 + rng.uniform(0.05, 0.2) * np.sin(resp_phase + rng.uniform(0, 2 * np.pi)))
    baseline = rng.uniform(0.05, 0.3) * np.sin(resp_phase) + _wander(rng, t)
    noise = rng.normal(0.0, rng.uniform(0.02, 0.08), t.size)

    if climbing:
        motion, gravity, hidden = cadence.steps(scene, t, fs, hr, intensity)
        artefact = cadence.artefact(scene, motion, hidden, fs)
    else:
        motion, gravity = _motion(rng, t, fs, inst_hr, cfg)
        if "motion" in on:
            motion = motion + _aperiodic_motion(on["motion"], t, cfg.motion_fraction)
        artefact = _artefact(rng, motion, fs)
    acc = gravity + motion + rng.normal(0.0, 0.01, (t.size, 3))

    if "morphology" in on:
        pulse = _varied_pulse(on["morphology"], beat_phase)
    if "perfusion" in on:
        amplitude = amplitude * _perfusion(on["perfusion"], t)
        baseline = baseline + _contact_wander(on["perfusion"], t)
    if "noise" in on:
        noise = _coloured_noise(on["noise"], t.size)
    if "motion" in on:
        amplitude = amplitude * _squeeze(on["motion"], motion)

    ppg = amplitude * pulse + baseline + artefact + noise
    if "sensor" in on:
        ppg = _front_end(on["sensor"], ppg, fs)
    return Recording(
        subject=subject,
        ppg=ppg.astype(np.float32),
        fs=fs,
        acc=acc.astype(np.float32),
        acc_fs=fs,
        beats=beats,
        source=f"synthetic:{subject}",
    )


def _varied_pulse(rng: np.random.Generator, beat_phase: np.ndarray) -> np.ndarray:
    """One of three pulse families, with beat-to-beat amplitude changes.

    Two Gaussian waves (as the original generator), a fast rise with an exponential run-off and an
    optional reflected wave, or a few harmonics with random phases (what a smooth, low-perfusion or
    low-rate sensor shows)."""
    frac = beat_phase % 1.0
    family = rng.integers(3)
    if family == 0:
        wave = _pulse_wave(rng, beat_phase)
    elif family == 1:
        rise, decay = rng.uniform(0.08, 0.25), rng.uniform(0.12, 0.45)
        up = np.clip(frac / rise, 0.0, 1.0)
        wave = np.where(frac < rise, 0.5 - 0.5 * np.cos(np.pi * up), np.exp(-(frac - rise) / decay))
        d = (frac - rise - rng.uniform(0.15, 0.35) + 0.5) % 1.0 - 0.5
        wave = wave + rng.uniform(0.0, 0.4) * np.exp(-0.5 * (d / rng.uniform(0.05, 0.1)) ** 2)
    else:
        amps = rng.uniform(0.0, 1.0, 3) * np.array([1.0, 0.6, 0.3])
        amps[0] = 1.0
        phases = rng.uniform(0, 2 * np.pi, 3)
        wave = sum(a * np.cos(2 * np.pi * (k + 1) * frac + p) for k, (a, p) in enumerate(zip(amps, phases)))
    wave = wave - wave.mean()
    wave = wave / (np.ptp(wave) or 1.0) * 1.2  # the original pulse's size, so perfusion alone sets amplitude
    per_beat = rng.normal(1.0, rng.uniform(0.02, 0.15), int(beat_phase[-1]) + 2)
    return wave * np.clip(per_beat[np.floor(beat_phase).astype(np.int64)], 0.3, 2.0)


def _squeeze(rng: np.random.Generator, motion: np.ndarray) -> np.ndarray:
    """Motion also presses on the tissue: the pulse's amplitude follows it, by up to tens of percent."""
    axis = rng.normal(0.0, 1.0, 3)
    return 1.0 + np.tanh(motion @ (axis * rng.uniform(0, 0.4)))


def _perfusion(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Pulse amplitude from strong to a tenth of it, drifting by tens of percent over tens of seconds."""
    level = np.exp(rng.uniform(np.log(0.1), 0.0))
    grid = np.arange(0.0, t[-1] + 2.0)
    decay = np.exp(-1.0 / rng.uniform(20.0, 120.0))
    walk = lfilter([1.0], [1.0, -decay], rng.normal(0.0, rng.uniform(0.1, 0.4) * np.sqrt(1 - decay**2), grid.size))
    return level * np.exp(np.interp(t, grid, walk))


def _contact_wander(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """A real sensor's baseline: a random walk (with a memory of tens of seconds) and contact shifts,
    steps that settle over a few seconds, a few per minute."""
    grid = np.arange(0.0, t[-1] + 1.0, 0.25)
    decay = np.exp(-0.25 / rng.uniform(5.0, 40.0))
    walk = lfilter([1.0], [1.0, -decay], rng.normal(0.0, rng.uniform(0.1, 1.5) * np.sqrt(1 - decay**2), grid.size))
    steps = np.zeros(grid.size)
    shifts = rng.random(grid.size) < 0.25 * rng.uniform(0.0, 4.0) / 60.0
    steps[shifts] = rng.normal(0.0, rng.uniform(0.2, 2.0), shifts.sum())
    settle = np.exp(-0.25 / rng.uniform(1.0, 8.0))
    shift = lfilter([1.0], [1.0, -settle], steps)  # a step that decays back: the tissue settles
    return np.interp(t, grid, walk + shift)


def _coloured_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """White, pink or brown noise at a level from almost none to heavy."""
    white = rng.normal(0.0, 1.0, n)
    colour = rng.integers(3)
    if colour == 1:  # pink: 1/f power, shaped in the frequency domain
        spec = np.fft.rfft(white)
        spec[1:] /= np.sqrt(np.arange(1, spec.size))
        spec[0] = 0.0
        white = np.fft.irfft(spec, n)
    elif colour == 2:  # brown: a leaky integral
        white = lfilter([1.0], [1.0, -0.98], white)
    return white / (white.std() or 1.0) * np.exp(rng.uniform(np.log(0.003), np.log(0.15)))


def _front_end(rng: np.random.Generator, ppg: np.ndarray, fs: float) -> np.ndarray:
    """The sensor's analogue low-pass (most of the time): a second-order filter between 2.5 and 12 Hz."""
    if rng.random() < 0.25:
        return ppg
    cutoff = rng.uniform(2.5, min(12.0, 0.45 * fs))
    return sosfilt(butter(2, cutoff, fs=fs, output="sos"), ppg)


def _aperiodic_motion(rng: np.random.Generator, t: np.ndarray, fraction: float) -> np.ndarray:
    """Motion without a cadence (in g, 3 axes): band-limited shuffles and taps that ring out."""
    fs = round(1.0 / (t[1] - t[0]), 6)
    out = np.zeros((t.size, 3))
    for start, stop in _bursts(rng, t[-1], fraction / 2):
        i0, i1 = int(start * fs), int(stop * fs)
        seg = np.arange(i1 - i0) / fs
        lo = rng.uniform(0.3, 2.0)
        sig = sosfilt(butter(2, [lo, min(lo * rng.uniform(2, 4), 0.45 * fs)], "bandpass", fs=fs, output="sos"),
                      rng.normal(0.0, 1.0, seg.size))
        if rng.random() < 0.5:  # taps: sparse impulses ringing at a few Hz
            taps = (rng.random(seg.size) < rng.uniform(0.2, 2.0) / fs) * rng.normal(0.0, 3.0, seg.size)
            ring = np.exp(-seg[: int(fs)] / 0.15) * np.sin(2 * np.pi * rng.uniform(2, 6) * seg[: int(fs)])
            sig = np.convolve(taps, ring)[: seg.size]
        sig = sig / (sig.std() or 1.0)
        envelope = np.minimum(1.0, np.minimum(seg, seg[-1] - seg) / 1.0)
        out[i0:i1] += rng.uniform(0.1, 1.0) * envelope[:, None] * sig[:, None] * _unit(rng.normal(size=3))
    return out


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
    rng: np.random.Generator, t: np.ndarray, fs: float, inst_hr: np.ndarray, cfg: SyntheticConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Periodic motion bursts (in g, 3 axes) and the gravity vector the wrist's pose gives."""
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
