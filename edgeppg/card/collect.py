"""What a card shows, read from the run folder: the JSON files every stage already wrote, and the heart
rate over time, which needs the model's per-window predictions (recomputed here, in time order, for the
test participants and for the real watch recording when e2epyppg is installed)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeppg import files, schema
from edgeppg.config import RunConfig
from edgeppg.errors import EdgeppgError
from edgeppg.schema import ENV, EXPORT, HOST, MCU, METRICS, STREAM


@dataclass(frozen=True)
class Series:
    """One recording's heart rate over time: the reference, each window's own estimate, and the tracker's."""

    name: str
    t_s: np.ndarray
    reference: np.ndarray
    window: np.ndarray  # the per-window read-out (argmax, or expectation)
    tracked: np.ndarray


@dataclass
class RunFacts:
    run: Path
    config: RunConfig
    metrics: dict
    env: dict
    export: dict | None = None
    host: dict | None = None
    mcu: dict[str, dict] = field(default_factory=dict)  # file name -> bench_cortex_m4*.json / bench_<board>*.json
    streams: dict[str, dict] = field(default_factory=dict)  # recording -> stream_*.json
    test: list[Series] = field(default_factory=list)
    watch: Series | None = None
    watch_note: str = ""
    # read-out -> {"still" | "motion": errors} over the test participants' windows (edgeppg.metrics.MOTION_G)
    still_motion: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    # read-out -> errors on the built-in cadence scenario's held-out participants (edgeppg.data.cadence)
    cadence: dict[str, dict[str, float]] = field(default_factory=dict)
    # read-out -> the longest stretch (s) the cadence scenario's estimate follows the step rate, not the heart
    step_lock: dict[str, float] = field(default_factory=dict)
    window_readout: str = "argmax"

    @property
    def readout(self) -> str:
        return self.config.train.readout

    def pooled_test(self) -> tuple[np.ndarray, np.ndarray]:
        """(estimate in the run's read-out, reference) of every test window."""
        est = [s.tracked if self.readout == "track" else s.window for s in self.test]
        return np.concatenate(est), np.concatenate([s.reference for s in self.test])


def _optional_json(path: Path, kinds: dict) -> dict | None:
    return schema.read(path, kinds) if path.is_file() else None


def _series(name: str, logits, ws, window_readout: str) -> Series:
    """One recording's windows `ws` (a WindowSet) read out alone and tracked, in time order."""
    from edgeppg.metrics import hr_from_logits, track_hr

    window = hr_from_logits(logits, window_readout).numpy()
    tracked = track_hr(logits, ws.subject, ws.start_s, ws.steps)
    order = np.argsort(ws.start_s, kind="stable")
    return Series(name, ws.start_s[order].astype(float), ws.hr[order].astype(float), window[order], tracked[order])


def collect(run: Path, watch: bool = True) -> RunFacts:
    """Everything the card needs; raises EdgeppgError naming the file when the run is not a finished one."""
    from edgeppg.data.dataset import data_config, load_splits, load_windows
    from edgeppg.data.synthetic import CADENCE_SET
    from edgeppg.eval_sets import cadence_step_locks
    from edgeppg.metrics import READOUTS, evaluate_set, predict_logits, still_motion
    from edgeppg.runs import load_model

    run = Path(run)
    folder = run if run.is_dir() else run.parent
    if not (folder / files.METRICS).is_file():
        raise EdgeppgError(f"{folder}: no {files.METRICS} (a card needs a finished run: edgeppg train or distill)")
    model, config = load_model(folder)
    facts = RunFacts(folder, config, schema.read(folder / files.METRICS, METRICS),
                     _optional_json(folder / files.ENV, ENV) or {},
                     _optional_json(folder / files.EXPORT_JSON, EXPORT),
                     _optional_json(folder / files.BENCH_HOST_JSON, HOST))
    facts.window_readout = config.train.readout if config.train.readout != "track" else "argmax"
    for path in sorted(folder.glob("bench_*.json")):
        if path.name != files.BENCH_HOST_JSON:
            facts.mcu[path.stem] = schema.read(path, MCU)
    for path in sorted(folder.glob("stream_*.json")):
        stream = schema.read(path, STREAM)
        facts.streams[stream.get("recording", path.stem)] = stream

    test = load_splits(config.data).test
    facts.still_motion = {r: still_motion(model, test, r) for r in READOUTS}
    climbing = load_windows(data_config(synthetic_config=CADENCE_SET, inputs=config.data.inputs,
                                        stream=config.data.stream))
    facts.cadence = {r: evaluate_set(model, climbing, r) for r in READOUTS}
    facts.step_lock = cadence_step_locks(model, climbing)
    logits = predict_logits(model, test.x)
    for who in np.unique(test.subject):
        sel = test.subject == who
        facts.test.append(_series(str(who), logits[np.flatnonzero(sel)], test.select(sel), facts.window_readout))
    if watch:
        from edgeppg.data import e2e_recording

        try:
            ws = e2e_recording.load(inputs=config.data.inputs, streaming=config.data.stream)
        except EdgeppgError as e:
            facts.watch_note = f"not shown: {e}"
        else:
            facts.watch = _series("e2epyppg watch recording", predict_logits(model, ws.x), ws, facts.window_readout)
    return facts


def lagged_errors(s: Series, lag_windows: int) -> dict[str, float]:
    """MAE of the run's estimates against the reference as recorded and shifted back by `lag_windows`
    (a reference that lags the PPG, like a watch's own HR, is compared with the window it describes)."""
    out = {}
    for name, est in (("window", s.window), ("tracked", s.tracked)):
        ref = s.reference[lag_windows:] if lag_windows else s.reference
        e = est[: len(est) - lag_windows] if lag_windows else est
        ok = np.isfinite(ref)
        out[name] = float(np.abs(e[ok] - ref[ok]).mean())
    return out


def watch_errors(model, ws, lag_windows: int) -> dict[str, float]:
    """MAE on the watch recording `ws`, each window's argmax and tracked, as recorded and `lag_windows`
    lag-aligned; and the spread of the window estimates (a model that answers one rate has none)."""
    from edgeppg.metrics import predict_logits

    s = _series("e2epyppg watch recording", predict_logits(model, ws.x), ws, "argmax")
    now, lag = lagged_errors(s, 0), lagged_errors(s, lag_windows)
    return {"window": now["window"], "tracked": now["tracked"], "window_lag": lag["window"],
            "tracked_lag": lag["tracked"], "window_std": float(s.window.std())}


def command_line(env: dict) -> str:
    cmd = env.get("command") or []
    return " ".join(json.dumps(c) if " " in c else c for c in cmd)
