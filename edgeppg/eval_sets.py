"""Which windows `edgeppg eval` scores a model on: its own validation and test participants, every
participant of another data set, or the real smartwatch recording (as recorded and lag-aligned)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgeppg.config import RunConfig
from edgeppg.data.dataset import data_config, given_options, load_splits, load_windows
from edgeppg.data.windows import WindowSet
from edgeppg.errors import EdgeppgError
from edgeppg.metrics import evaluate_set, hr_from_logits, predict_logits, step_lock_s, track_hr

WATCH = "e2epyppg"  # the real watch recording's name, beside the data sets
CADENCE = "cadence"  # the built-in cadence scenario's held-out participants (data.synthetic.CADENCE_SET)


def eval_sets(cfg: RunConfig, run: Path, readout: str, eval_dataset: str | None = None,
              eval_root: Path | None = None, site: str = "wrist", channel: str = "ppg_g",
              label: str = "polar-hr", recording: Path | None = None) -> tuple[str, dict[str, WindowSet]]:
    """(a title, {what the windows are: the windows}) for a run trained with `cfg`; `recording` is a CSV
    recording of one's own (edgeppg.data.csv_recording)."""
    _refuse_unused(eval_dataset, recording,
                   {"--eval-root": eval_root, **given_options(site=site, channel=channel, label=label)})
    if recording is not None:
        if eval_dataset is not None:
            raise EdgeppgError("--recording and --eval-dataset: give one of them")
        from edgeppg.data import csv_recording

        rec = csv_recording.read(recording)
        return (f"{run} (trained on {cfg.data.dataset}) on {recording}: {rec.note}",
                {f"{recording.name}: every window with a reference": rec.windows(cfg.data.inputs, cfg.data.stream)})
    if eval_dataset is None:
        splits = load_splits(cfg.data)
        return f"{run}: {cfg.model.describe()} ({readout} read-out)", {"val": splits.val, "test": splits.test}
    if eval_dataset == WATCH:
        from edgeppg.data import e2e_recording
        from edgeppg.device.spec import STRIDE_S

        ws = e2e_recording.load(inputs=cfg.data.inputs, streaming=cfg.data.stream)
        lag_s = e2e_recording.REFERENCE_LAG_WINDOWS * STRIDE_S
        return (f"{run} (trained on {cfg.data.dataset}) on a real smartwatch recording, vs the watch's HR",
                {"e2epyppg watch recording": ws,
                 f"e2epyppg, reference {lag_s:g} s later (its lag)": e2e_recording.lag_aligned(ws)})
    if eval_dataset == CADENCE:
        from edgeppg.data.synthetic import CADENCE_SET

        return (f"{run} (trained on {cfg.data.dataset}) on the built-in cadence scenario (climbing and running)",
                {f"cadence: {CADENCE_SET.subjects} held-out participants": load_windows(
                    data_config(synthetic_config=CADENCE_SET, inputs=cfg.data.inputs, stream=cfg.data.stream))})
    other = data_config(eval_dataset, eval_root, site=site, channel=channel, label=label, inputs=cfg.data.inputs,
                        stream=cfg.data.stream, options=("--eval-dataset", "--eval-root"), also=(WATCH, CADENCE))
    return (f"{run} (trained on {cfg.data.dataset}) evaluated on {eval_dataset}",
            {f"{eval_dataset}: all participants": load_windows(other)})


def _refuse_unused(eval_dataset: str | None, recording: Path | None, given: dict[str, object]) -> None:
    """A data set's options (`given`: None when not given) where no data set is read would be silently
    ignored: refuse them. (data_config refuses those the named data set does not read.)"""
    if recording is not None:
        what = "--recording reads its own file"
    elif eval_dataset in (None, WATCH, CADENCE):
        what = {None: "without --eval-dataset the run's own data is scored", WATCH: f"{WATCH} is bundled",
                CADENCE: f"{CADENCE} is built in"}[eval_dataset]
    else:
        return
    option, value = next(((k, v) for k, v in given.items() if v), (None, None))
    if option:
        raise EdgeppgError(f"{option} {value}: {what}, so it would be ignored; leave it out")


def cadence_step_rates(ws: WindowSet) -> np.ndarray:
    """The accelerometer's dominant rate (BPM) of each window of the cadence scenario's set (`ws`, as
    eval_sets loads it), as the device's front end finds it; NaN in still windows, where nobody steps."""
    from edgeppg.data.synthetic import CADENCE_SET, generate_one
    from edgeppg.device import native
    from edgeppg.device.spec import MOTION_G, STRIDE_S

    out = np.full(len(ws), np.nan)
    for who in np.unique(ws.subject):
        rec = generate_one(CADENCE_SET, str(who))
        rates = native.step_rates(native.acc_windows(rec.acc, rec.acc_fs)).astype(np.float64)
        idx = np.flatnonzero(ws.subject == who)
        out[idx] = rates[np.rint(ws.start_s[idx] / STRIDE_S).astype(np.int64)]
    out[~(np.nan_to_num(ws.motion, nan=0.0) > MOTION_G)] = np.nan
    return out


def cadence_step_locks(model, ws: WindowSet) -> dict[str, float]:
    """The longest stretch (s) `model` follows the step rate instead of the heart on the cadence scenario's
    windows `ws`: tracked (with the front end's step rates, as the device) and window by window (argmax)."""
    z, steps = predict_logits(model, ws.x), cadence_step_rates(ws)
    return {r: step_lock_s(est, ws.hr, steps, ws.subject, ws.start_s) for r, est in
            (("track", track_hr(z, ws.subject, ws.start_s, ws.steps)), ("argmax", hr_from_logits(z).numpy()))}


def eval_table(title: str, model, sets: dict[str, WindowSet], readout: str):
    """What `edgeppg eval` prints: one row per set of windows."""
    from edgeppg.reports import rows_table

    return rows_table(title, ("windows from", "windows", f"MAE\n{readout}", f"RMSE\n{readout}", "MAE\nargmax",
                              "MAE\ntrack"), eval_rows(model, sets, readout), left=0)


def eval_rows(model, sets: dict[str, WindowSet], readout: str) -> list[tuple[str, ...]]:
    """One row per set: its name, windows, MAE and RMSE with the read-out, and MAE argmax and tracked."""
    rows = []
    for name, ws in sets.items():
        if len(ws) == 0:
            raise EdgeppgError(f"{name}: no usable windows to evaluate on")
        m = evaluate_set(model, ws, readout)
        rows.append((name, str(m["windows"]), f"{m['mae']:.2f}", f"{m['rmse']:.2f}", f"{m['mae_argmax']:.2f}",
                     f"{m['mae_track']:.2f}"))
    return rows
