from dataclasses import replace

import numpy as np
import pytest

from edgeppg.data import synthetic
from edgeppg.data.windows import WindowSet, window_recording
from edgeppg.settings import SettingError

FS = 25.0


def spectral_peak_bpm(x: np.ndarray, lo: float = 30.0, hi: float = 210.0) -> np.ndarray:
    """Frequency of the largest spectral peak per row, in BPM (zero-padded FFT for 0.37 BPM bins)."""
    spec = np.abs(np.fft.rfft(x - x.mean(axis=1, keepdims=True), n=4096, axis=1))
    f = np.fft.rfftfreq(4096, 1 / FS) * 60
    band = (f >= lo) & (f <= hi)
    return f[band][spec[:, band].argmax(axis=1)]


@pytest.fixture(scope="module")
def windows() -> WindowSet:
    recs = synthetic.generate(synthetic.SyntheticConfig(subjects=8, minutes=15, seed=3))
    return WindowSet.concat([window_recording(r) for r in recs])


def test_same_seed_same_signals_other_seed_other_signals():
    cfg = synthetic.SyntheticConfig(subjects=3, minutes=2, seed=5)
    a, b = synthetic.generate(cfg), synthetic.generate(cfg)
    c = synthetic.generate(synthetic.SyntheticConfig(subjects=3, minutes=2, seed=6))
    for ra, rb, rc in zip(a, b, c):
        np.testing.assert_array_equal(ra.ppg, rb.ppg)
        np.testing.assert_array_equal(ra.acc, rb.acc)
        np.testing.assert_array_equal(ra.beats, rb.beats)
        assert not np.allclose(ra.ppg, rc.ppg)


def test_recording_shapes_and_heart_rate_bounds():
    rec = synthetic.generate(synthetic.SyntheticConfig(subjects=3, minutes=10, seed=0))[0]
    assert rec.ppg.shape == (10 * 60 * 64,) and rec.acc.shape == (10 * 60 * 64, 3)
    ibi_hr = 60 / np.diff(rec.beats)
    # the path is bounded to 45-190 BPM; arrhythmia adds a few BPM on top
    assert ibi_hr.min() > 38 and ibi_hr.max() < 197
    assert np.all(np.diff(rec.beats) > 0)


def test_spectral_peak_matches_label_when_still_and_motion_is_harder(windows):
    err = np.abs(spectral_peak_bpm(windows.x) - windows.hr)
    still, moving = windows.motion < 0.02, windows.motion > 0.1
    assert still.sum() > 500 and moving.sum() > 200
    assert np.median(err[still]) < 2.0
    # motion confuses the spectrum: far more windows are off by over 10 BPM than when still
    assert (err[moving] > 10).mean() > 5 * max((err[still] > 10).mean(), 0.01)


def test_some_motion_cadences_sit_near_the_heart_rate(windows):
    """The confusable case: the accelerometer's dominant frequency close to the pulse."""
    recs = synthetic.generate(synthetic.SyntheticConfig(subjects=8, minutes=15, seed=3))
    near = far = 0
    for rec in recs:
        w = window_recording(rec)
        from edgeppg.data.windows import resample

        acc = resample(rec.acc, rec.acc_fs)
        idx = (w.start_s * FS).astype(int)[:, None] + np.arange(200)
        moving = w.motion > 0.1
        mag = np.linalg.norm(acc, axis=1)[idx[moving]]
        cadence = spectral_peak_bpm(mag)
        close = np.abs(cadence - w.hr[moving]) < 0.07 * w.hr[moving]
        near, far = near + close.sum(), far + (~close).sum()
    assert near > 0.1 * (near + far)
    assert far > 0.3 * (near + far)


# --- variety: what a participant can look like beyond the original generator ------------------------------

@pytest.mark.parametrize("aspect", [a for a in synthetic.VARIETY if a != "sensor"])
def test_a_variety_aspect_changes_the_signal_but_never_the_beats(aspect):
    """The labels come from the beats, so every aspect that keeps the sensor's rate leaves them exact."""
    base = synthetic.generate(synthetic.SyntheticConfig(subjects=3, minutes=8, seed=4))
    varied = synthetic.generate(synthetic.SyntheticConfig(subjects=3, minutes=8, seed=4, variety=aspect))
    for a, b in zip(base, varied):
        np.testing.assert_array_equal(a.beats, b.beats)
        assert a.fs == b.fs and not np.allclose(a.ppg, b.ppg)


def test_an_aspect_draws_from_its_own_stream():
    """Adding one aspect leaves another's draws alone: noise alone and noise with morphology share the noise."""
    cfg = dict(subjects=3, minutes=1, seed=8)
    noise = synthetic.generate(synthetic.SyntheticConfig(**cfg, variety="noise"))
    both = synthetic.generate(synthetic.SyntheticConfig(**cfg, variety="noise,morphology"))
    base = synthetic.generate(synthetic.SyntheticConfig(**cfg))
    morph = synthetic.generate(synthetic.SyntheticConfig(**cfg, variety="morphology"))
    for n, b, o, m in zip(noise, both, base, morph):
        # ppg is linear in its parts: (noise + morph) - noise == morph - base
        np.testing.assert_allclose(b.ppg.astype(float) - n.ppg, m.ppg.astype(float) - o.ppg, atol=1e-5)


def test_the_sensor_aspect_records_at_rates_the_firmware_accepts():
    from edgeppg.device.spec import SENSOR_RATES

    recs = synthetic.generate(synthetic.SyntheticConfig(subjects=12, minutes=0.5, seed=2, variety="sensor"))
    rates = {r.fs for r in recs}
    assert rates <= set(SENSOR_RATES) and len(rates) >= 3
    for r in recs:
        assert r.ppg.size == int(0.5 * 60 * r.fs) and r.acc.shape == (r.ppg.size, 3)


def test_varied_windows_are_still_labelled_by_their_pulse_when_still():
    """With every aspect on, the still windows' spectral peak still mostly sits at the label (the pulse is
    there to be found), but less often than with the original generator (it is harder)."""
    def share_right(variety: str) -> float:
        recs = synthetic.generate(synthetic.SyntheticConfig(subjects=6, minutes=6, seed=9, variety=variety))
        w = WindowSet.concat([window_recording(r) for r in recs])
        still = w.motion < 0.02
        return float((np.abs(spectral_peak_bpm(w.x[still]) - w.hr[still]) < 3).mean())

    plain, varied = share_right(""), share_right("all")
    assert 0.4 < varied < plain


def test_an_unknown_aspect_is_named():
    from edgeppg.settings import SettingError

    with pytest.raises(SettingError, match="variety: unknown aspect 'wobble'"):
        synthetic.SyntheticConfig(variety="noise,wobble")
    assert synthetic.SyntheticConfig(variety="all").aspects == synthetic.VARIETY
    assert synthetic.SyntheticConfig(variety=" motion , noise").aspects == ("noise", "motion")


def test_the_cadence_scenario_climbs_while_steps_dominate_the_pulse():
    """Stairs and running: every participant's heart passes 140 BPM, the wrist moves at half, once or twice
    the heart rate, and in most exercise windows the PPG's strongest rhythm is the steps', not the pulse's."""
    from edgeppg.data.windows import hr_from_beats, window_count

    cfg = synthetic.SyntheticConfig(subjects=3, minutes=10, seed=4, scenario="cadence")
    ratios, step_wins = [], 0
    exercise = 0
    for rec in synthetic.generate(cfg):
        n = window_count(int(len(rec.ppg) / rec.fs * 25))
        hr = hr_from_beats(rec.beats, n)
        assert np.nanmax(hr) >= 140
        per, step = int(8 * rec.fs), int(2 * rec.fs)
        freqs = np.fft.rfftfreq(per, 1 / rec.fs)
        band = (freqs > 0.5) & (freqs < 4.0)
        for i in np.flatnonzero(hr > 120):
            seg = slice(i * step, i * step + per)
            acc = np.abs(np.fft.rfft(np.linalg.norm(rec.acc[seg] - rec.acc[seg].mean(0), axis=1)))
            ppg = np.abs(np.fft.rfft(rec.ppg[seg] - rec.ppg[seg].mean()))
            f_acc = freqs[band][np.argmax(acc[band])]
            if acc[band].max() < 1.0:
                continue  # between bouts
            exercise += 1
            ratios.append(f_acc * 60 / hr[i])
            pulse = ppg[band][np.argmin(np.abs(freqs[band] - hr[i] / 60))]
            step_wins += ppg[band][np.argmin(np.abs(freqs[band] - f_acc))] > pulse
    ratios = np.array(ratios)
    assert exercise > 100
    near = [np.mean(np.abs(ratios / r - 1) < 0.25) for r in (0.5, 1.0, 2.0)]
    assert sum(near) > 0.7 and min(near[0], near[2]) > 0.05, near  # mostly half, equal or double, not only equal
    assert step_wins / exercise > 0.6


def test_a_scenario_leaves_the_free_living_draws_unchanged():
    free = synthetic.generate(synthetic.SyntheticConfig(subjects=3, minutes=1, seed=2, variety="all"))
    again = synthetic.generate(synthetic.SyntheticConfig(subjects=3, minutes=1, seed=2, variety="all"))
    climbing = synthetic.generate(synthetic.SyntheticConfig(subjects=3, minutes=1, seed=2, variety="all",
                                                            scenario="cadence"))
    assert all(np.array_equal(a.ppg, b.ppg) for a, b in zip(free, again))
    assert not any(np.array_equal(a.ppg, c.ppg) for a, c in zip(free, climbing))


def test_a_cadence_share_records_that_share_of_participants_climbing_and_the_rest_free_living():
    cfg = synthetic.SyntheticConfig(subjects=4, minutes=1, seed=3, variety="all", cadence_share=0.5)
    assert [synthetic.in_cadence(cfg, i) for i in range(4)] == [False, True, False, True]
    assert sum(synthetic.in_cadence(replace(cfg, subjects=96, cadence_share=0.25), i) for i in range(96)) == 24
    mixed = synthetic.generate(cfg)
    free = synthetic.generate(replace(cfg, cadence_share=0.0))
    climbing = synthetic.generate(replace(cfg, cadence_share=0.0, scenario="cadence"))
    for i, rec in enumerate(mixed):  # each participant is drawn as it would be in its own scenario
        same = climbing[i] if synthetic.in_cadence(cfg, i) else free[i]
        assert np.array_equal(rec.ppg, same.ppg) and np.array_equal(rec.acc, same.acc)
    with pytest.raises(SettingError, match="cadence_share"):
        synthetic.SyntheticConfig(cadence_share=1.5)
