"""Whole recordings to stream into the firmware (`edgeppg stream RUN --recording NAME`): raw PPG at the
sensor's own rate, with the reference heart rate of each 8 s / 2 s window.

    synthetic:<participant>  a participant of the run's built-in data (64 Hz, as a wrist BVP sensor),
                             regenerated from the run's config.json; a test participant unless asked
    e2epyppg                 the real smartwatch recording (interpolated once on the host onto 25 Hz,
                             since the watch samples irregularly; the watch's own HR is the reference)
    FILE.csv                 a recording of one's own (edgeppg.data.csv_recording: time_s, ppg, and
                             optionally acc_x, acc_y, acc_z and a reference hr)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeppg.errors import EdgeppgError
from edgeppg.files import CONFIG, read_json


@dataclass
class StreamRecording:
    name: str
    samples: np.ndarray  # float32 raw PPG
    rate_hz: float
    reference_bpm: np.ndarray  # per window, NaN where unknown
    note: str
    acc: np.ndarray | None = None  # (n, 3) g at rate_hz, where the recording has an accelerometer


def is_file(name: str) -> bool:
    """Does a --recording name a file (a CSV recording) rather than a built-in recording?"""
    return name.lower().endswith(".csv") or Path(name).is_file()


def load(name: str, run: Path, option: str = "--recording") -> StreamRecording:
    """A recording by name; `option` is what its errors call it (flash calls it --stream)."""
    if is_file(name):
        return _csv(Path(name), run)
    if name == "e2epyppg":
        from edgeppg.data import e2e_recording
        from edgeppg.device.spec import FS

        ppg, acc, hr, _ = e2e_recording.stream()
        return StreamRecording(name, ppg.astype(np.float32), FS, hr,
                               "real watch PPG and accelerometer, irregular ~19.6 Hz interpolated once on the host "
                               "onto 25 Hz; reference: the watch's own HR (lags the PPG by about 6 s)",
                               acc.astype(np.float32))
    if name.startswith("synthetic:"):
        return _synthetic(name, name.removeprefix("synthetic:"), run, option)
    raise EdgeppgError(f"{option} {name}: unknown recording (use synthetic:<participant>, e2epyppg or a .csv file)")


def _csv(path: Path, run: Path) -> StreamRecording:
    """A CSV recording at a rate the run's device takes as it is (its contract's rates, once exported)."""
    from edgeppg.data import csv_recording
    from edgeppg.device import contract as device_contract
    from edgeppg.device.spec import SENSOR_RATES
    from edgeppg.files import DEVICE_JSON

    rates = device_contract.read(run).rates if (run / DEVICE_JSON).is_file() else SENSOR_RATES
    rec = csv_recording.read(path, rates)
    return StreamRecording(path.name, rec.ppg.astype(np.float32), rec.rate_hz, rec.reference_bpm, rec.note,
                           rec.acc)


def _synthetic(name: str, participant: str, run: Path, option: str) -> StreamRecording:
    from edgeppg.data import synthetic
    from edgeppg.data.dataset import DataConfig, split_subjects
    from edgeppg.data.windows import hr_from_beats, window_count
    from edgeppg.device.spec import FS

    cfg = DataConfig.from_dict(read_json(run / CONFIG).get("data"), f"{run / CONFIG}: data")
    if cfg.dataset != "synthetic":
        raise EdgeppgError(f"{option} {name}: {run} was trained on {cfg.dataset}, not the built-in data")
    subjects = synthetic.subject_names(cfg.synthetic)
    if participant not in subjects:
        raise EdgeppgError(f"{option} {name}: no participant '{participant}' (have {subjects[0]}..{subjects[-1]})")
    _, _, test = split_subjects(subjects, cfg.split, cfg.split_seed, cfg.val_fraction, cfg.test_fraction)
    rec = synthetic.generate_one(cfg.synthetic, participant)
    n = window_count(int(len(rec.ppg) / rec.fs * FS))
    role = "a test participant" if participant in test else "NOT a test participant (the model trained or tuned on it)"
    acc = np.stack([np.interp(np.arange(len(rec.ppg)) / rec.fs, np.arange(len(rec.acc)) / rec.acc_fs, rec.acc[:, k])
                    for k in range(3)], axis=1).astype(np.float32)  # on the PPG's clock (the generator's is one)
    return StreamRecording(name, rec.ppg.astype(np.float32), rec.fs, hr_from_beats(rec.beats, n),
                           f"built-in participant {participant} at {rec.fs:g} Hz, {role}; reference: beat times", acc)


def default_synthetic(run: Path) -> str:
    """The first test participant of a run trained on the built-in data."""
    from edgeppg.data import synthetic
    from edgeppg.data.dataset import DataConfig, split_subjects

    cfg = DataConfig.from_dict(read_json(run / CONFIG).get("data"), f"{run / CONFIG}: data")
    subjects = synthetic.subject_names(cfg.synthetic)
    return "synthetic:" + split_subjects(subjects, cfg.split, cfg.split_seed, cfg.val_fraction, cfg.test_fraction)[2][0]
