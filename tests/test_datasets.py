"""The real data sets' loaders, on small files written in each data set's exact format."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import dataset_files as df
from edgeppg.data import dalia, galaxyppg, wildppg
from edgeppg.data.dataset import DataConfig, load_splits, load_windows
from edgeppg.data.rpeaks import detect_r_peaks, quotient_filter
from edgeppg.errors import EdgeppgError


# --- PPG-DaLiA -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dalia_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("PPG_FieldStudy")
    rng = np.random.default_rng(0)
    files = {"S1": df.write_dalia_subject(root, "S1", 300, 70, rng),
             "S2": df.write_dalia_subject(root, "S2", 240, 100, rng, label_offset=-1),  # one label short
             "S6": df.write_dalia_subject(root, "S6", 95 * 60, 80, rng)}  # the subject with a hardware failure
    return root, files


def test_dalia_windows_carry_the_files_labels_and_activities(dalia_root):
    root, files = dalia_root
    w = dalia.load(root)
    s1 = w.select(w.subject == "S1")
    # the last window would need 0.2 s past the recording's end (the 64 Hz resampler's look-ahead), so the
    # device never completes it, and neither does the host's copy of its preprocessing
    n = (300 - 8) // 2
    assert len(s1) == n
    np.testing.assert_allclose(s1.hr, files["S1"]["label"][:n], rtol=1e-6)
    np.testing.assert_array_equal(s1.start_s, np.arange(n) * 2.0)
    # activity ids change every minute in the file; window i starts at 2i s
    assert s1.activity[0] == 0 and s1.activity[35] == 1 and s1.activity[-1] == (290 // 60) % 9
    # the window content is the file's BVP at 25 Hz: its spectral peak is the labelled heart rate
    spec = np.abs(np.fft.rfft(s1.x[10], 2048))
    assert abs(np.fft.rfftfreq(2048, 1 / 25)[spec[20:].argmax() + 20] * 60 - s1.hr[10]) < 4


def test_dalia_tolerates_one_window_too_many_and_masks_s6(dalia_root):
    root, files = dalia_root
    w = dalia.load(root)
    rows = {r["subject"]: r for r in w.summary}
    assert len(w.select(w.subject == "S2")) == len(files["S2"]["label"]) == (240 - 8) // 2
    assert "truncated" in rows["S2"]["note"]
    s6 = w.select(w.subject == "S6")
    assert s6.start_s.max() + 8 <= 90 * 60 and rows["S6"]["dropped"]["S6 hardware failure (valid only for the first 90 min)"] > 100
    assert rows["S3"]["missing"] == "no S3/S3.pkl" and rows["S3"]["windows"] == 0


def test_dalia_refuses_a_pickle_that_runs_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    (tmp_path / "S1").mkdir()
    with open(tmp_path / "S1" / "S1.pkl", "wb") as fh:
        pickle.dump({"signal": Evil()}, fh, protocol=2)
    with pytest.raises(EdgeppgError, match=r"S1.pkl: not a safe DaLiA pickle \(refused global (posix|os)\.system\)"):
        dalia.load(tmp_path)
    assert not (tmp_path / "pwned").exists()


def test_dalia_truncated_and_malformed_files_are_named(dalia_root, tmp_path):
    root, _ = dalia_root
    (tmp_path / "S1").mkdir()
    (tmp_path / "S1" / "S1.pkl").write_bytes((root / "S1" / "S1.pkl").read_bytes()[:5000])
    with pytest.raises(EdgeppgError, match="S1.pkl: truncated or corrupt pickle"):
        dalia.load(tmp_path)
    rng = np.random.default_rng(1)
    df.write_dalia_subject(tmp_path, "S1", 200, 70, rng, label_offset=3)
    with pytest.raises(EdgeppgError, match="S1.pkl: 100 labels for 97 windows"):
        dalia.load(tmp_path)
    with pytest.raises(EdgeppgError, match="no S<n>/S<n>.pkl files"):
        dalia.load(tmp_path / "S1")


# --- WildPPG -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wildppg_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("wildppg")
    rng = np.random.default_rng(2)
    beats = {pid: df.write_wildppg_participant(root, pid, 180, hr, rng) for pid, hr in
             (("kjd", 65), ("ngh", 95), ("p9p", 130))}
    return root, beats


def test_r_peaks_and_the_quotient_filter():
    rng = np.random.default_rng(3)
    beats = df.beats_at(lambda t: 75.0, 60, rng)
    t = np.arange(60 * 128) / 128
    found = detect_r_peaks(df.ecg(beats, t, rng), 128) / 128
    assert len(found) == len(beats) and np.abs(found - beats).max() < 0.02
    rr, mid = quotient_filter(np.sort(np.concatenate([beats, [beats[10] + 0.2]])))  # an extra, false beat
    assert len(rr) < len(beats) - 1 - 1 and np.all(np.abs(60 / rr - 75) < 5)


def test_wildppg_labels_come_from_the_sternum_ecg(wildppg_root):
    root, beats = wildppg_root
    w = wildppg.load(root)
    for pid in ("kjd", "ngh", "p9p"):
        s = w.select(w.subject == pid)
        truth = df.windows_hr(beats[pid], (180 - 8) // 2 + 1)[(s.start_s / 2).astype(int)]
        assert len(s) >= 80 and np.median(np.abs(s.hr - truth)) < 1.0, pid
    rows = {r["subject"]: r for r in w.summary}
    assert rows["qm9"]["missing"] == "no participant file" and len(w.subjects()) == 3


def test_wildppg_known_gap_is_masked(wildppg_root, monkeypatch):
    root, _ = wildppg_root
    monkeypatch.setitem(wildppg.KNOWN_GAPS, ("kjd", "wrist"), (60 * 128, 90 * 128))
    rec = wildppg.read_participant(root / "WildPPG_Part_kjd.mat", "wrist")
    from edgeppg.data.windows import window_recording

    w = window_recording(rec)
    assert w.dropped["known wrist recording gap"] == 18  # windows starting at 54..88 s overlap [60, 90) s
    assert not np.any((w.start_s > 52) & (w.start_s < 90))
    head = window_recording(wildppg.read_participant(root / "WildPPG_Part_kjd.mat", "head"))
    assert "known wrist recording gap" not in head.dropped


def test_wildppg_wrong_rate_and_broken_files_are_named(tmp_path):
    rng = np.random.default_rng(4)
    df.write_wildppg_participant(tmp_path, "fex", 30, 70, rng, fs=100.0)
    with pytest.raises(EdgeppgError, match="Part_fex.mat: wrist.ppg_g is sampled at 100 Hz, WildPPG's are 128 Hz"):
        wildppg.load(tmp_path)
    (tmp_path / "WildPPG_Part_fex.mat").write_bytes(b"MATLAB 5.0 MAT-file, not really")
    with pytest.raises(EdgeppgError, match="Part_fex.mat: not a readable MATLAB file"):
        wildppg.load(tmp_path)
    with pytest.raises(EdgeppgError, match="site must be one of"):
        wildppg.read_participant(tmp_path / "x.mat", "elbow")


# --- GalaxyPPG -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def galaxy_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("galaxyppg")
    rng = np.random.default_rng(5)
    df.write_galaxy_participant(root, "P01", [("baseline", 60)], 70, rng, watch_ppg=False)  # as in the real set
    layouts = {"P02": df.write_galaxy_participant(root, "P02", [("baseline", 60), ("walking", 40)], 75, rng,
                                                  bad_status=(20.5, 29.5), moving="walking"),
               "P03": df.write_galaxy_participant(root, "P03", [("baseline", 50), ("jogging", 30)], 120, rng),
               "P04": df.write_galaxy_participant(root, "P04", [("rest-1", 44)], 60, rng)}
    return root, layouts


def test_galaxy_sessions_windows_and_polar_labels(galaxy_root):
    root, layouts = galaxy_root
    w = galaxyppg.load(root)
    rows = {r["subject"]: r for r in w.summary}
    assert rows["P01"]["missing"] == "no GalaxyWatch/PPG.csv"
    # P03: sessions of 50 s and 30 s with a 20 s transition between them: 22 + 12 + 7 windows
    assert rows["P03"]["windows"] == 22 + 12 + 7
    p3 = w.select(w.subject == "P03")
    lay = layouts["P03"]
    for i in (0, 5, 30):
        t0 = lay["start"] + p3.start_s[i] * 1000
        sel = (lay["hr_t"] * 1000 + lay["start"] >= t0) & (lay["hr_t"] * 1000 + lay["start"] <= t0 + 8000)
        assert p3.hr[i] == pytest.approx(lay["hr"][sel].mean(), abs=1e-4)
    # the watch PPG was negated back: pulses point up, so the systolic peak dominates the spectrum at the HR
    spec = np.abs(np.fft.rfft(p3.x[3], 2048))
    assert abs(np.fft.rfftfreq(2048, 1 / 25)[spec[20:].argmax() + 20] * 60 - p3.hr[3]) < 6


def test_galaxy_accelerometer_labels_motion_and_feeds_the_front_end(galaxy_root, tmp_path):
    """ACC.csv in raw counts, scaled to g by the median magnitude: walking is motion, baseline still; a model
    with the front end sees its walking windows cleaned and its still ones as they were."""
    root, layouts = galaxy_root
    plain, front = galaxyppg.load(root), galaxyppg.load(root, inputs="ppg-acc-steps")
    p2, f2 = plain.select(plain.subject == "P02"), front.select(front.subject == "P02")
    walking = p2.start_s >= 80  # 60 s of baseline, a 20 s transition, then walking
    assert (p2.motion[walking & (p2.start_s >= 82) & (p2.start_s <= 90)] > 0.1).all()
    assert (p2.motion[p2.start_s < 50] < 0.02).all()
    assert np.array_equal(f2.start_s, p2.start_s)
    changed = np.any(f2.x != p2.x, axis=1)
    assert not changed[p2.motion <= 0.05].any() and changed[p2.motion > 0.05].all()
    import shutil

    bare = tmp_path / "bare"
    shutil.copytree(root / "P03", bare / "P03")
    (bare / "P03" / "GalaxyWatch" / "ACC.csv").unlink()
    assert len(galaxyppg.load(bare)) > 0  # the PPG alone needs no accelerometer
    with pytest.raises(EdgeppgError, match=r"P03/GalaxyWatch/ACC.csv: no accelerometer, which a model with inputs "
                                           r"ppg-acc-steps needs"):
        galaxyppg.load(bare, inputs="ppg-acc-steps")


def test_galaxy_status_flags_drop_windows_and_ecg_labels_agree(galaxy_root):
    root, layouts = galaxy_root
    w = galaxyppg.load(root)
    rows = {r["subject"]: r for r in w.summary}
    assert rows["P02"]["dropped"]["watch PPG status flag"] == 8  # windows starting at 14..28 s touch [20.5, 29.5) s
    ecg = galaxyppg.load(root, label="ecg")
    for pid in ("P02", "P03", "P04"):
        a, b = w.select(w.subject == pid), ecg.select(ecg.subject == pid)
        common, ia, ib = np.intersect1d(a.start_s, b.start_s, return_indices=True)
        assert len(common) > 10 and np.median(np.abs(a.hr[ia] - b.hr[ib])) < 2.0


def test_galaxy_bad_cells_and_missing_files_are_named(galaxy_root, tmp_path):
    root, _ = galaxy_root
    import shutil

    shutil.copytree(root / "P02", tmp_path / "P02")
    path = tmp_path / "P02" / "GalaxyWatch" / "PPG.csv"
    lines = path.read_text().splitlines()
    lines[5] = lines[5].replace(lines[5].split(",")[2], "n/a")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(EdgeppgError, match="PPG.csv: line 6, column 'ppg' is not a number"):
        galaxyppg.load(tmp_path)
    path.write_text("dataReceived,timestamp,value\n1,2,3\n")
    with pytest.raises(EdgeppgError, match="PPG.csv: no column 'ppg'"):
        galaxyppg.load(tmp_path)
    (tmp_path / "P02" / "GalaxyWatch" / "PPG.csv").unlink()
    (tmp_path / "P02" / "Event.csv").unlink()
    assert galaxyppg.load(tmp_path).summary[0]["missing"] == "no GalaxyWatch/PPG.csv"


# --- through the cache, splits, the command line, and across data sets -----------------------------------

def test_real_datasets_go_through_the_cache_and_split_by_participant(galaxy_root, dalia_root):
    root, _ = galaxy_root
    cfg = DataConfig(dataset="galaxyppg", root=str(root))
    first = load_windows(cfg)
    again = load_windows(cfg)
    np.testing.assert_array_equal(first.x, again.x)
    s = load_splits(cfg)
    assert sorted(s.train.subjects() + s.val.subjects() + s.test.subjects()) == ["P02", "P03", "P04"]
    with pytest.raises(EdgeppgError, match="the dalia folder does not exist"):
        load_windows(DataConfig(dataset="dalia", root=str(root / "nope")))


def cli(*args):
    return subprocess.run([sys.executable, "-m", "edgeppg", *args], capture_output=True, text=True, timeout=600)


def test_train_on_one_format_and_evaluate_on_another(galaxy_root, dalia_root, tmp_path):
    groot, droot = galaxy_root[0], dalia_root[0]
    prep = cli("data", "prepare", "--dataset", "dalia", "--root", str(droot))
    assert prep.returncode == 0, prep.stderr
    assert "MISSING: no S3/S3.pkl" in prep.stdout and "S6 hardware failure" in prep.stdout
    run = tmp_path / "g"
    res = cli("train", "--dataset", "galaxyppg", "--root", str(groot), "--blocks", "1", "--width", "8",
              "--epochs", "1", "--out", str(run))
    assert res.returncode == 0, res.stderr
    ev = cli("eval", str(run), "--eval-dataset", "dalia", "--eval-root", str(droot))
    assert ev.returncode == 0, ev.stderr
    shown = " ".join(ev.stdout.split())  # the table's title wraps where the run's path length puts it
    assert "dalia: all participants" in shown and "trained on galaxyppg" in shown
    bad = cli("train", "--dataset", "wildppg", "--out", str(tmp_path / "w"))
    assert bad.returncode == 2 and "--dataset wildppg needs --root" in bad.stderr


def test_a_model_trained_on_built_in_data_on_a_real_smartwatch_recording(teacher_dir, capsys):
    pytest.importorskip("e2epyppg", reason="e2epyppg ships the recording; make installs it")
    from edgeppg.data import e2e_recording
    from edgeppg.metrics import evaluate
    from edgeppg.runs import load_model

    w = e2e_recording.load()
    assert len(w) > 300 and 65 < np.median(w.hr) < 95  # the watch's HR over 735 s
    model, _ = load_model(teacher_dir)
    m = evaluate(model, w.x, w.hr)
    assert np.isfinite(m["mae"])
    with capsys.disabled():
        print(f"\n[real recording] test teacher (2 blocks, trained on built-in data) vs watch HR on {m['windows']} "
              f"windows: MAE {m['mae']:.2f} BPM, RMSE {m['rmse']:.2f} BPM")


def test_the_watch_reference_is_lag_aligned_by_start_time():
    pytest.importorskip("e2epyppg", reason="e2epyppg ships the recording; make installs it")
    from edgeppg.data import e2e_recording

    w = e2e_recording.load()
    lag = e2e_recording.REFERENCE_LAG_WINDOWS
    shifted = e2e_recording.lag_aligned(w)
    assert len(shifted) == len(w) - lag
    by_start = dict(zip(w.start_s.tolist(), w.hr.tolist()))
    for s, hr in zip(shifted.start_s[:50], shifted.hr[:50]):
        assert hr == by_start[s + 2.0 * lag]
    np.testing.assert_array_equal(shifted.x, w.x[: len(w) - lag])


def test_eval_on_the_watch_prints_the_recorded_and_the_lag_aligned_score(teacher_dir):
    pytest.importorskip("e2epyppg", reason="e2epyppg ships the recording; make installs it")
    res = cli("eval", str(teacher_dir), "--eval-dataset", "e2epyppg")
    assert res.returncode == 0, res.stderr
    rows = [line for line in res.stdout.splitlines() if "e2epyppg" in line]
    assert any("watch recording" in r for r in rows) and any("6 s later" in r for r in rows)
