import warnings

import numpy as np
import pytest

from edgeppg.data import DataConfig, Recording, SyntheticConfig, load_splits, load_windows, split_subjects
from edgeppg.data import dataset as dataset_mod
from edgeppg.data.windows import class_to_hr, hr_from_beats, hr_to_class, resample, window_count, window_recording
from edgeppg.errors import EdgeppgError


def test_hr_classes_cover_30_to_209_bpm():
    np.testing.assert_array_equal(hr_to_class(np.array([30.0, 30.4, 209.0, 209.49])), [0, 0, 179, 179])
    assert hr_to_class(np.array([29.4]))[0] < 0 and hr_to_class(np.array([209.6]))[0] > 179
    np.testing.assert_array_equal(class_to_hr(np.array([0, 179])), [30.0, 209.0])


def test_infinite_and_huge_labels_map_outside_the_classes_without_a_cast_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns when it casts inf or 1e300 to an integer
        cls = hr_to_class(np.array([np.inf, -np.inf, np.nan, 1e300, -1e300]))
    assert list(cls < 0) == [False, True, True, False, True] and (cls[[0, 3]] > 179).all()
    ppg = np.random.default_rng(0).normal(3.0, 2.0, 25 * 40)
    hr = np.full(window_count(len(ppg)), 80.0)
    hr[1], hr[2] = np.inf, -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = window_recording(_recording(ppg, hr))
    assert w.dropped == {"HR outside 30-209 BPM": 2}


def test_labels_are_the_mean_interval_whose_midpoints_fall_in_the_window():
    # beats every 1 s for 10 s, then every 0.5 s: midpoints 0.5, 1.5, ..., 9.5, then 10.25, 10.75, ...
    beats = np.concatenate([np.arange(0, 11.0), 10 + 0.5 * np.arange(1, 21)])
    hr = hr_from_beats(beats, 3)
    # window 0, [0, 8): intervals with midpoints 0.5..7.5, all 1 s -> 60 BPM
    assert hr[0] == pytest.approx(60.0)
    # window 2, [4, 12): midpoints 4.5..9.5 (six 1 s) and 10.25..11.75 (four 0.5 s) -> mean 0.8 s
    assert hr[2] == pytest.approx(60 / 0.8)
    assert np.isnan(hr_from_beats(np.array([0.0, 1.0]), 3)[2])  # no interval in [4, 12)


def test_resample_keeps_frequency_and_duration():
    t = np.arange(64 * 20) / 64
    y = resample(np.sin(2 * np.pi * 1.5 * t), 64)
    assert len(y) == 25 * 20
    f = np.fft.rfftfreq(len(y), 1 / 25)[np.abs(np.fft.rfft(y)).argmax()]
    assert f == pytest.approx(1.5, abs=0.05)


def _recording(ppg: np.ndarray, hr: np.ndarray, fs: float = 25.0) -> Recording:
    return Recording(subject="P1", ppg=ppg, fs=fs, hr=hr, source="test")


def test_windows_are_normalised_and_bad_ones_counted():
    rng = np.random.default_rng(0)
    ppg = rng.normal(3.0, 2.0, 25 * 40)  # 40 s -> 17 windows
    n = window_count(len(ppg))
    assert n == 17
    hr = np.full(n, 80.0)
    hr[1], hr[2], hr[3] = np.nan, 250.0, 20.0
    ppg[25 * 30] = np.nan  # in windows starting at 24, 26, 28, 30 s -> windows 12..15
    w = window_recording(_recording(ppg, hr))
    assert w.dropped == {"no label": 1, "HR outside 30-209 BPM": 2, "NaN in PPG": 4}
    assert len(w) == 17 - 7
    np.testing.assert_allclose(w.x.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(w.x.std(axis=1), 1, atol=1e-4)
    assert w.summary[0]["kept"] == 10 and w.summary[0]["windows"] == 17
    assert not np.isnan(w.x).any()


def test_flat_signal_is_dropped():
    w = window_recording(_recording(np.ones(25 * 10), np.full(2, 70.0)))
    assert len(w) == 0 and w.dropped == {"flat signal": 2}


def test_per_window_labels_longer_than_the_signal_are_truncated():
    w = window_recording(_recording(np.random.default_rng(1).normal(size=25 * 12), np.full(5, 70.0)))
    assert len(w) == 3  # 12 s gives three windows; labels past the signal are not used


def test_split_by_participant_is_disjoint_complete_and_seeded():
    subjects = [f"S{i:02d}" for i in range(1, 16)]
    train, val, test = split_subjects(subjects, "random", 7, 0.15, 0.2)
    assert not (set(train) & set(val)) and not (set(train) & set(test)) and not (set(val) & set(test))
    assert sorted(train + val + test) == subjects
    assert (len(test), len(val)) == (3, 2)
    assert split_subjects(subjects, "random", 7, 0.15, 0.2) == (train, val, test)
    assert split_subjects(subjects, "random", 8, 0.15, 0.2) != (train, val, test)


def test_leave_one_subject_out():
    subjects = ["A", "B", "C", "D", "E"]
    train, val, test = split_subjects(subjects, "loso:C", 0, 0.25, 0.2)
    assert test == ["C"] and "C" not in train + val and len(val) == 1
    with pytest.raises(EdgeppgError, match="no participant 'Z'"):
        split_subjects(subjects, "loso:Z", 0, 0.25, 0.2)
    with pytest.raises(EdgeppgError, match="too few"):
        split_subjects(["A", "B"], "random", 0, 0.25, 0.2)
    with pytest.raises(EdgeppgError, match="unknown split"):
        split_subjects(subjects, "kfold", 0, 0.25, 0.2)


def test_cache_is_reused_and_a_corrupt_cache_rebuilt(monkeypatch, tmp_path):
    monkeypatch.setenv("EDGEPPG_CACHE", str(tmp_path))
    cfg = DataConfig(synthetic=SyntheticConfig(subjects=3, minutes=2, seed=11))
    first = load_windows(cfg)
    (cache,) = tmp_path.glob("synthetic-*.npz")

    def no_generation(*_a, **_k):
        raise AssertionError("regenerated although cached")

    monkeypatch.setattr(dataset_mod.synthetic, "generate", no_generation)
    second = load_windows(cfg)
    np.testing.assert_array_equal(first.x, second.x)
    np.testing.assert_array_equal(first.subject, second.subject)
    assert first.summary == second.summary

    monkeypatch.undo()
    monkeypatch.setenv("EDGEPPG_CACHE", str(tmp_path))
    cache.write_bytes(cache.read_bytes()[:100])  # truncated
    third = load_windows(cfg)
    np.testing.assert_array_equal(first.x, third.x)


def test_a_change_to_the_devices_c_is_a_new_window_cache(monkeypatch, tmp_path):
    """The windows are what the host build of the device's C cut: edited C (another digest) never reads the
    windows the old one cut, and the same C finds its own again."""
    from edgeppg.device import native

    monkeypatch.setenv("EDGEPPG_CACHE", str(tmp_path))
    cfg = DataConfig(synthetic=SyntheticConfig(subjects=3, minutes=1, seed=11))
    load_windows(cfg)
    (before,) = tmp_path.glob("synthetic-*.npz")
    monkeypatch.setattr(native, "digest", lambda: "edited")
    load_windows(cfg)
    (after,) = set(tmp_path.glob("synthetic-*.npz")) - {before}
    monkeypatch.setattr(dataset_mod.synthetic, "generate", lambda *_a, **_k: pytest.fail("regenerated"))
    load_windows(cfg)
    assert set(tmp_path.glob("synthetic-*.npz")) == {before, after}


def test_splits_hold_whole_participants(tiny_data):
    s = load_splits(tiny_data)
    parts = [set(s.train.subjects()), set(s.val.subjects()), set(s.test.subjects())]
    assert all(parts) and not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert len(s.train) + len(s.val) + len(s.test) == len(load_windows(tiny_data))


def test_unknown_dataset_is_named():
    with pytest.raises(EdgeppgError, match="dataset: must be one of synthetic, dalia, wildppg, galaxyppg, got 'dalia2'"):
        load_windows(DataConfig(dataset="dalia2"))
