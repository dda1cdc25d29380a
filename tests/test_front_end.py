"""The accelerometer front end (firmware/monitor/ep_cancel.c, compiled for the host): a ridge fit of each
motion window's PPG on the accelerometer's axes and lags, removed; then ("ppg-acc-steps") a fit at the
accelerometer's dominant rate and twice it; still windows untouched. Checked against numpy references, and
through the data path a model with an accelerometer input set trains on."""

from __future__ import annotations

import numpy as np
import pytest

from edgeppg.data import csv_recording, synthetic
from edgeppg.data.windows import window_recording
from edgeppg.device import native, spec
from edgeppg.errors import EdgeppgError


def reference(ppg: np.ndarray, acc: np.ndarray) -> tuple[np.ndarray, bool]:
    """The same fit in float64 numpy: what ep_cancel computes, up to float32 rounding."""
    mag = np.linalg.norm(acc, axis=0)
    if not mag.std() > spec.MOTION_G:
        return ppg, False
    centred = acc - acc.mean(axis=1, keepdims=True)
    idx = np.arange(spec.WINDOW)
    cols = [centred[a][np.maximum(idx - lag, 0)] for a in range(3) for lag in range(spec.CANCEL_LAGS)]
    r = np.stack(cols, axis=1).astype(np.float64)
    g = r.T @ r
    g += np.eye(len(g)) * (spec.CANCEL_RIDGE * np.trace(g) / len(g))
    w = np.linalg.solve(g, r.T @ ppg)
    out = ppg - r @ w
    return (out - out.mean()) / out.std(), True


def _window(rng, moving: bool, coupling: float = 1.5):
    t = np.arange(spec.WINDOW) / spec.FS
    pulse = np.sin(2 * np.pi * 1.3 * t)
    acc = np.tile(np.array([0.1, -0.98, 0.15])[:, None], (1, spec.WINDOW)) + rng.normal(0, 0.002, (3, spec.WINDOW))
    if moving:
        swing = np.sin(2 * np.pi * 2.1 * t + rng.uniform(0, 6))
        acc += np.outer(rng.normal(size=3), swing) * 0.4
    ppg = pulse + coupling * (acc[0] - acc[0].mean()) * 3 + coupling * np.roll(acc[2] - acc[2].mean(), 2) * 2
    ppg = (ppg - ppg.mean()) / ppg.std()
    return ppg.astype(np.float32), acc.astype(np.float32), pulse


def test_the_front_end_equals_its_numpy_reference_and_removes_a_linear_artefact():
    rng = np.random.default_rng(0)
    before, after = [], []
    for moving in [True] * 20 + [False] * 5:
        ppg, acc, pulse = _window(rng, moving)
        out, cancelled, steps = native.cancel(ppg[None], acc[None])
        assert np.isnan(steps[0])  # no step stage in "ppg-acc"
        want, opened = reference(ppg.astype(np.float64), acc.astype(np.float64))
        assert cancelled[0] == opened == moving
        np.testing.assert_allclose(out[0], want, atol=2e-4)
        if moving:  # what is left is the pulse
            before.append(np.corrcoef(ppg, pulse)[0, 1])
            after.append(np.corrcoef(out[0], pulse)[0, 1])
        else:  # a still window keeps its pulse, bit for bit
            assert np.array_equal(out[0], ppg)
    assert np.mean(after) > 0.95 > np.mean(before) + 0.2


def test_a_model_with_the_front_end_sees_cleaned_motion_windows_and_the_same_still_ones():
    rec = synthetic.generate(synthetic.SyntheticConfig(subjects=3, minutes=4, seed=4, scenario="cadence"))[0]
    plain, front = window_recording(rec, "ppg"), window_recording(rec, "ppg-acc")
    assert len(front) == len(plain) > 50 and np.array_equal(front.start_s, plain.start_s)
    still = plain.motion <= spec.MOTION_G
    changed = np.any(front.x != plain.x, axis=1)
    assert still.any() and not changed[still].any()
    assert changed[~still].mean() > 0.9
    np.testing.assert_allclose(front.x[changed].std(axis=1), 1.0, atol=1e-3)


def test_a_recording_without_an_accelerometer_is_named(tmp_path):
    path = tmp_path / "no_acc.csv"
    t = np.arange(25 * 20) / 25.0
    path.write_text("time_s,ppg,hr\n" + "".join(f"{a:.2f},{np.sin(a * 8):.4f},70\n" for a in t))
    rec = csv_recording.read(path)
    assert len(rec.windows("ppg")) > 0
    with pytest.raises(EdgeppgError, match=r"no_acc.csv: no accelerometer, which a model with inputs ppg-acc needs"):
        rec.windows("ppg-acc")


def test_an_accelerometer_teacher_teaches_a_ppg_only_student(tmp_path, tiny_data, quick_train):
    """Teacher and student choose their inputs apart: the teacher's logits come from its own inputs."""
    from dataclasses import replace

    from edgeppg.config import DistillConfig, RunConfig
    from edgeppg.data.dataset import load_splits
    from edgeppg.distill.teacher import teacher_targets
    from edgeppg.models.spec import ModelSpec
    from edgeppg.runs import load_model
    from edgeppg.train import _teacher_inputs, run

    short = replace(quick_train, epochs=1)
    acc_data = replace(tiny_data, inputs="ppg-acc")
    teacher = tmp_path / "teacher"
    run(RunConfig(acc_data, ModelSpec(blocks=1, width=8), short), teacher)
    student_cfg = RunConfig(tiny_data, ModelSpec(blocks=1, width=8), short,
                            DistillConfig(strategy="dkd", teacher=str(teacher)))
    splits = load_splits(tiny_data)
    model, teacher_cfg = load_model(teacher)
    seen = _teacher_inputs(teacher_cfg, student_cfg, splits)
    assert seen.shape == splits.train.x.shape and not np.array_equal(seen, splits.train.x)
    np.testing.assert_array_equal(seen, load_splits(acc_data).train.x)  # the same windows, as the teacher sees them
    assert teacher_targets(model, seen, None)["teacher_logits"].shape == (len(seen), spec.N_CLASSES)
    metrics = run(student_cfg, tmp_path / "student")
    assert metrics["strategy"] == "dkd" and metrics["test"]["windows"] > 0


def test_the_contract_says_what_the_model_sees():
    from edgeppg.device import contract

    acc = contract.make((0.05, 3), (0.2, 40), inputs="ppg-acc")
    back = contract.Contract.from_dict(acc.to_dict())
    assert back.inputs == "ppg-acc" and "ep_cancel" in acc.to_dict()["inputs"]["accelerometer"]
    old = acc.to_dict()
    del old["inputs"]  # a contract exported before the front end existed
    assert contract.Contract.from_dict(old).inputs == "ppg"
    from edgeppg.codegen.contract import header  # what the firmware builds: the step stage's form and its state

    for inputs, chunked in (("ppg-acc-steps", 0), ("ppg-acc-steps-stream", 1)):
        made = contract.make((0.05, 3), (0.2, 40), inputs=inputs)
        assert f"#define EP_CANCEL_CHUNKED {chunked}\n" in header(made)
        assert ("streaming form" in made.to_dict()["inputs"]["accelerometer"]) == bool(chunked)


def steps_reference(x: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """The step stage in float64 numpy on the axes' residue x: the dominant rate of the centred axes under a
    Welch window on the one-BPM grid, and a least-squares fit on cos and sin at it and twice it, removed."""
    t, bpm = np.arange(spec.WINDOW) / spec.FS, np.arange(spec.HR_LOW, spec.HR_LOW + spec.N_CLASSES)
    u = (np.arange(spec.WINDOW) - (spec.WINDOW - 1) / 2) / ((spec.WINDOW + 1) / 2)
    centred = (acc - acc.mean(axis=1, keepdims=True)) * (1 - u * u)
    power = (np.abs(centred @ np.exp(-2j * np.pi * np.outer(bpm / 60.0, t)).T) ** 2).sum(0)
    rate = bpm[power.argmax()]
    terms = [f(2 * np.pi * m * rate / 60.0 * t) for m in (1, 2) if m * rate <= bpm[-1] for f in (np.cos, np.sin)]
    r = np.stack(terms, axis=1)
    out = x - r @ np.linalg.lstsq(r, x, rcond=None)[0]
    return (out - out.mean()) / out.std()


def test_the_step_stage_removes_what_moves_at_the_step_rate_but_no_mix_of_the_axes_explains():
    """Steps at 75 BPM the accelerometer sees, and in the PPG the blood they push, which follows the
    acceleration's energy (at twice the rate, 150 BPM, where the axes carry nothing): the axes' fit cannot
    explain it, the step stage takes it out and leaves the pulse (100 BPM)."""
    rng = np.random.default_rng(1)
    t = np.arange(spec.WINDOW) / spec.FS
    kept = {"ppg-acc": [], "ppg-acc-steps": []}
    for _ in range(12):
        pulse = np.sin(2 * np.pi * 100 / 60 * t)
        steps = np.sin(2 * np.pi * 75 / 60 * t + rng.uniform(0, 6))
        acc = np.array([0.1, -0.98, 0.15])[:, None] + np.outer([0, -1, 0] + rng.normal(0, 0.5, 3), steps) * 0.3
        acc = (acc + rng.normal(0, 0.002, acc.shape)).astype(np.float32)
        pushed = 20 * ((acc - acc.mean(axis=1, keepdims=True)) ** 2).sum(axis=0)
        ppg = pulse + pushed - pushed.mean() + 0.5 * (acc[0] - acc[0].mean())
        ppg = ((ppg - ppg.mean()) / ppg.std()).astype(np.float32)
        for inputs in kept:
            out, opened, steps = native.cancel(ppg[None], acc[None], inputs)
            assert opened[0] and (inputs == "ppg-acc" or steps[0] == 75)  # the stage found the steps' rate
            kept[inputs].append(np.corrcoef(out[0], pulse)[0, 1])
        axes = native.cancel(ppg[None], acc[None], "ppg-acc")[0][0]
        want = steps_reference(axes.astype(np.float64), acc.astype(np.float64))
        np.testing.assert_allclose(native.cancel(ppg[None], acc[None], "ppg-acc-steps")[0][0], want, atol=2e-3)
    assert np.mean(kept["ppg-acc"]) < 0.6 and np.mean(kept["ppg-acc-steps"]) > 0.95, kept
    still = np.tile(np.array([0.1, -0.98, 0.15], np.float32)[:, None], (1, spec.WINDOW))
    ppg = np.sin(2 * np.pi * 1.2 * t).astype(np.float32)
    assert np.array_equal(native.cancel(ppg[None], still[None], "ppg-acc-steps")[0][0], ppg)  # the gate holds


def _climbing_acc() -> np.ndarray:
    """Three built-in climbers' accelerometer windows, on the device's 2 s grid, one recording after another."""
    cfg = synthetic.SyntheticConfig(subjects=3, minutes=3, seed=11, scenario="cadence")
    return [native.acc_windows(r.acc, r.acc_fs) for r in synthetic.generate(cfg)]


def test_the_front_ends_streaming_form_computes_each_chunk_once_and_finds_the_window_forms_rate():
    """ppg-acc-steps-stream: kept chunks' sums and spectra give the bits recomputed ones give (so the host may
    train window by window on what the device computes with its state), the per-window form's fit, and the rate
    its scan finds."""
    stream, moving = "ppg-acc-steps-stream", []
    for acc in _climbing_acc():
        rng = np.random.default_rng(len(acc))
        ppg = rng.standard_normal((len(acc), spec.WINDOW)).astype(np.float32)
        alone, opened, alone_steps = native.cancel(ppg, acc, stream)
        kept, _, kept_steps = native.cancel(ppg, acc, stream, consecutive=True)
        assert np.array_equal(alone, kept) and np.array_equal(alone_steps, kept_steps, equal_nan=True)
        assert np.array_equal(native.step_rates(acc, stream), native.step_rates(acc, stream, consecutive=True))
        window, _, window_steps = native.cancel(ppg, acc, "ppg-acc-steps")
        same = kept_steps == window_steps  # there the two forms differ in the fit's order of summation only
        np.testing.assert_allclose(kept[same], window[same], atol=1e-3)
        moving.append((kept_steps[opened], window_steps[opened]))
    found, want = (np.concatenate(v) for v in zip(*moving))
    assert len(found) > 100 and np.mean(found == want) > 0.97 and np.abs(found - want).max() <= 1


def test_the_streaming_scan_is_its_definition_a_tapered_spectrum():
    """The chunks' spectra put together equal the window's spectrum, centred and tapered by the three-term
    cosine nearest to the Welch window (refitted here from its definition), whose peak is the rate."""
    import re

    n = np.arange(spec.WINDOW)
    half = (spec.WINDOW - 1) / 2
    u = (n - half) / (0.5 * (spec.WINDOW + 1))
    cos = np.stack([np.ones(spec.WINDOW)] + [np.cos(2 * np.pi * k * (n - half) / 1500) for k in (3, 6)], 1)
    fit = np.linalg.lstsq(cos, 1 - u * u, rcond=None)[0]
    source = (native.firmware_dir() / "monitor" / "ep_cancel.c").read_text()
    taper = [float(re.search(rf"#define EP_TAPER_A{i} \(?(-?[0-9.]+)f", source).group(1)) for i in range(3)]
    np.testing.assert_allclose(taper, fit, atol=1e-7)
    acc = np.concatenate(_climbing_acc())
    acc = acc[np.linalg.norm(acc, axis=1).std(axis=1) > spec.MOTION_G][:60].astype(np.float64)
    bins = np.arange(spec.HR_LOW - 6, spec.HR_LOW + spec.N_CLASSES + 6)
    x = np.einsum("wan,bn->wab", acc - acc.mean(axis=2, keepdims=True),
                  np.exp(-2j * np.pi * np.outer(bins, n - 99) / 1500))
    k, turn = np.arange(spec.N_CLASSES) + 6, lambda m: np.exp(1j * np.pi * m / 1500)
    tapered = (fit[0] * x[..., k] + fit[1] / 2 * (x[..., k - 3] / turn(3) + turn(3) * x[..., k + 3])
               + fit[2] / 2 * (x[..., k - 6] / turn(6) + turn(6) * x[..., k + 6]))
    want = spec.HR_LOW + (np.abs(tapered) ** 2).sum(axis=1).argmax(axis=1)
    assert np.mean(native.step_rates(acc.astype(np.float32), "ppg-acc-steps-stream") == want) > 0.95
