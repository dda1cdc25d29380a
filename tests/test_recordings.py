"""A recording of one's own as CSV: read at its own rate when the device takes it (bit-equal to the same
samples given directly), interpolated onto 25 Hz when not, scored by `edgeppg eval` and streamed through
the firmware by `edgeppg stream`. Bad files are in test_bad_input.py's table."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from edgeppg.data import csv_recording, synthetic
from edgeppg.data.windows import STRIDE_S, WINDOW_S, hr_from_beats, window_count
from edgeppg.device import native
from edgeppg.errors import EdgeppgError


def _participant():
    return synthetic.generate(synthetic.SyntheticConfig(subjects=3, minutes=1.5, seed=5))[0]


def _write(path, t, ppg, acc=None, hr=None, extra=True):
    head = ["time_s", "ppg"] + (["acc_x", "acc_y", "acc_z"] if acc is not None else []) + (["hr"] if hr is not None else [])
    lines = [",".join(head + (["note"] if extra else []))]
    for i in range(len(t)):
        row = [repr(float(t[i])), repr(float(ppg[i]))]
        row += [repr(float(v)) for v in acc[i]] if acc is not None else []
        row += ([repr(float(hr[i])) if np.isfinite(hr[i]) else ""] if hr is not None else [])
        lines.append(",".join(row + (["x"] if extra else [])))
    path.write_text("\n".join(lines) + "\n")
    return path


def _per_sample_reference(rec, n_samples):
    """The participant's window labels, each written at its window's centre (other rows empty)."""
    n = window_count(int(len(rec.ppg) / rec.fs * 25))
    labels = hr_from_beats(rec.beats, n)
    hr = np.full(n_samples, np.nan)
    for i, v in enumerate(labels):
        hr[int(round((i * STRIDE_S + WINDOW_S / 2) * rec.fs))] = v
    return hr, labels


def test_a_recording_at_a_rate_the_device_takes_is_read_as_recorded(tmp_path):
    rec = _participant()
    t = np.arange(len(rec.ppg)) / rec.fs
    acc = np.interp(t, np.arange(len(rec.acc)) / rec.acc_fs, rec.acc[:, 0])[:, None].repeat(3, axis=1)
    hr, labels = _per_sample_reference(rec, len(t))
    got = csv_recording.read(_write(tmp_path / "mine.csv", t, rec.ppg, acc, hr))
    assert got.rate_hz == rec.fs == 64.0 and np.array_equal(got.ppg, rec.ppg)
    assert "64 Hz as recorded" in got.note and got.acc.shape == (len(t), 3)
    ws = got.windows()
    x, status, _ = native.windows(rec.ppg, rec.fs)  # the same samples straight into the device's preprocessing
    assert np.array_equal(ws.x, x[status == 0][: len(ws)])
    known = np.isfinite(got.reference_bpm)
    assert known.sum() >= len(labels) - 2
    # each window's reference is its own label averaged with its neighbours' (their centres fall inside it)
    assert np.abs(got.reference_bpm[known] - labels[: len(got.reference_bpm)][known]).max() < 5.0
    assert np.isfinite(ws.motion).all()


def test_uneven_or_other_rates_are_interpolated_onto_25_hz(tmp_path):
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.03, 0.05, 600))  # about 25 Hz, uneven, as a watch samples
    ppg = np.sin(2 * np.pi * 1.25 * t)
    got = csv_recording.read(_write(tmp_path / "uneven.csv", t, ppg, hr=np.full(len(t), 75.0)))
    assert got.rate_hz == 25.0 and "uneven" in got.note and got.acc is None
    assert len(got.ppg) == int((t[-1] - t[0]) * 25) + 1
    assert np.nanmax(np.abs(got.reference_bpm - 75.0)) == 0
    steady_40 = np.arange(40 * 12) / 40.0  # 40 Hz: steady, but not a rate the device takes
    other = csv_recording.read(_write(tmp_path / "forty.csv", steady_40, np.sin(steady_40), extra=False))
    assert other.rate_hz == 25.0 and "40 Hz low-passed and interpolated" in other.note and "64" in other.note


def test_a_faster_rate_is_low_passed_before_it_is_taken_onto_25_hz(tmp_path):
    """200 Hz is no rate the device takes: onto 25 Hz on the host, without letting what lies above 12.5 Hz fold
    into the pulse band (a 26 Hz tone lands on 1 Hz if sampled at 25 Hz as it is)."""
    t = np.arange(200 * 60) / 200.0
    ppg = np.sin(2 * np.pi * 1.25 * t) + 0.5 * np.sin(2 * np.pi * 26 * t)
    got = csv_recording.read(_write(tmp_path / "fast.csv", t, ppg, acc=np.zeros((len(t), 3)) + [0.0, 0.0, 1.0],
                                    hr=np.full(len(t), 75.0)))
    grid = np.arange(len(got.ppg)) / 25.0
    assert got.rate_hz == 25.0 and "200 Hz low-passed" in got.note and len(got.ppg) == 1500
    err = got.ppg - np.sin(2 * np.pi * 1.25 * grid)
    assert np.sqrt(np.mean(err[50:-50] ** 2)) < 0.01  # folded, the tone would leave 0.35
    np.testing.assert_allclose(got.acc[50:-50], [[0.0, 0.0, 1.0]] * (len(got.acc) - 100), atol=1e-6)


def test_eval_scores_a_csv_recording(tmp_path, teacher_dir):
    rec = _participant()
    t = np.arange(len(rec.ppg)) / rec.fs
    hr, _ = _per_sample_reference(rec, len(t))
    path = _write(tmp_path / "mine.csv", t, rec.ppg, hr=hr)
    res = subprocess.run([sys.executable, "-m", "edgeppg", "eval", str(teacher_dir), "--recording", str(path)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())  # the title wraps at the table's width
    assert "mine.csv: every window with a reference" in text and "64 Hz as recorded" in text


@pytest.mark.slow
@pytest.mark.m4
def test_stream_feeds_a_csv_recording_through_the_firmware(tmp_path, exported):
    run, _ = exported
    t = np.arange(64 * 40) / 64.0
    rng = np.random.default_rng(3)
    ppg = np.sin(2 * np.pi * 1.3 * t) + 0.1 * rng.standard_normal(len(t))
    path = _write(tmp_path / "walk.csv", t, ppg, hr=np.full(len(t), 78.0))
    res = subprocess.run([sys.executable, "-m", "edgeppg", "stream", str(run), "--recording", str(path)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    r = json.loads((run / "stream_walk.csv.json").read_text())
    assert r["sample_rate_hz"] == 64 and r["windows"] == len(native.windows(ppg, 64.0)[0]) > 10
    assert r["agree"] == 1.0 and r["int8_input_mismatches"] == 0 and r["windows_labelled"] == r["windows"]


def test_samples_that_share_a_time_stamp_are_averaged(tmp_path):
    """A watch's clock may be coarser than its sampling: equal time stamps are one sample, not an error."""
    t = np.repeat(np.arange(300) / 20.0, 2)  # every time twice
    ppg = np.sin(2 * np.pi * 1.2 * t) + np.tile([0.1, -0.1], 300)
    got = csv_recording.read(_write(tmp_path / "coarse.csv", t, ppg, hr=np.full(len(t), 70.0)))
    assert "300 repeated time stamps averaged" in got.note and got.rate_hz == 25.0
    grid = np.arange(0.0, t[-1], 1 / 25.0)
    np.testing.assert_allclose(got.ppg, np.interp(grid, np.arange(300) / 20.0, np.sin(2 * np.pi * 1.2 * np.arange(300) / 20.0)),
                               atol=1e-9)


def test_a_spreadsheet_s_csv_is_read_like_the_plain_one(tmp_path):
    """What spreadsheets and other tools write: a UTF-8 byte-order mark, quoted column names, CRLF line ends and
    blank lines at the end. The same samples, the same recording."""
    t = np.arange(300) / 25.0
    plain = _write(tmp_path / "plain.csv", t, np.sin(2 * np.pi * 1.3 * t), hr=np.full(len(t), 78.0))
    head, *rest = plain.read_text().splitlines()
    quoted = ",".join(f'"{name}"' for name in head.split(","))
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([quoted, *rest, "", ""]).encode())
    a, b = csv_recording.read(plain), csv_recording.read(sheet)
    np.testing.assert_array_equal(a.ppg, b.ppg)
    np.testing.assert_array_equal(a.reference_bpm, b.reference_bpm)
    assert a.rate_hz == b.rate_hz == 25.0


def test_a_ppg_in_units_the_device_cannot_read_is_said_and_still_streamable(tmp_path):
    """A photodiode's current in amperes is flat to the device in every window: the recording still reads (the
    monitor streams it and shows 'unavailable', as a board would), its note says why, and scoring it says so
    instead of only 'no usable window'."""
    rec = _participant()
    t = np.arange(len(rec.ppg)) / rec.fs
    amperes = csv_recording.read(_write(tmp_path / "amperes.csv", t, rec.ppg * 1e-9, hr=np.full(len(t), 70.0)))
    assert "below the device's flat threshold (1e-06): give the column in larger units" in amperes.note
    with pytest.raises(EdgeppgError, match="the device can read no window of it: ppg varies by at most"):
        amperes.windows()
    counts = csv_recording.read(_write(tmp_path / "counts.csv", t, rec.ppg, hr=np.full(len(t), 70.0)))
    assert counts.unreadable() is None and "flat threshold" not in counts.note and len(counts.windows()) > 0
