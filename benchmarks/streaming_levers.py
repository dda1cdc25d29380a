"""Issue #27's streaming accuracy gap: six levers measured and not taken, one costed, checks, equal compute, probes.

docs/results.md, "Levers measured on the dkd-cal models", 14-19, and "The accelerometer front end, each sample once
too"; kept so that their figures can be remade:

- shared: one set of weights in both forms. The window twin and the streaming twin of benchmarks/streaming.py's
  dkd-cal pair built from the same convolution and head tensors (each form its own BatchNorm), trained together
  on DKD's loss for both (each batch through both forms), the best epoch by the sum of the two forms' validation
  MAEs, each form's temperature chosen on its own. If the pairs' gaps were the seeds' spread, the two forms of
  one set of weights would agree. Scored like benchmarks/streaming.py's rows, and what the form's parts cost
  with those weights (the window form fed the streamed input; the streaming form without its context, and read
  out over 8 s; how far each form lags).
- taper: the dkd-cal streaming student read out by a Hann-weighted mean of the last 8 s of frames, so that
  each 2 s chunk weighs much only in the updates where it is central, as a window model's edges make it.
- chunkdrop: the dkd-cal streaming student trained with one 2 s chunk of a quarter of its inputs zeros, so
  that it leans less on any one chunk and an artefact might spoil fewer consecutive updates.
- sticky: a tracker whose belief is split between "the evidence is good" and a sticky "the evidence is bad"
  state in which a window counts as flat, for errors that come in runs; its three settings chosen per model on
  validation (today's tracker among the choices), scored offline on the runs benchmarks/streaming.py keeps in
  runs/streaming (trained first if missing).
- chunknorm: the dkd-cal streaming student with every 2 s chunk of its input z-scored on its own instead of by
  the 8 s window it ended, so that an artefact rescales only its own chunk (host only: the device's
  ep_stream.c would do the same to each newest chunk); `plain` is the same student trained by this script
  with nothing changed, its baseline on the machine at hand.
- strides: the dkd-cal student pair with its stride-5 block last (block strides 1,1,5): a last-layer frame then
  sees 3.4 s instead of 5.2 s, and the 4 s read-out reaches back 7 s instead of 9.6 s, so consecutive outputs
  share less input than a window model's windows (71% against 75%): do the streaming model's errors then last
  as briefly, and is it as good?
- incremental (no training): what a window model would cost computed incrementally, exact: its frames that
  touch no zero padding are the same in every window that holds them, so a device could keep them and
  recompute only the others (edge frames, whose inputs change as the window moves) and the newest interior
  ones. Per-window normalisation cannot be kept (it changes every frame), so this is the window form fed the
  streamed input, which lever 14 measured as good. Multiply-accumulates per 2 s update against a whole window,
  for both sizes.
- stepstream: the dkd-cal streaming student on the accelerometer front end in its streaming form (inputs
  ppg-acc-steps-stream: the fit's sums and the step stage's spectrum kept per 2 s chunk), not a lever on the gap
  but the check that the form costs no accuracy; its models are kept in runs/streaming-levers to be exported.
- again: benchmarks/streaming.py's dkd-cal pairs at both sizes (its seeds 0-4, and 5-9 too) trained again
  exactly as it trains them (edgeppg.train, its two threads) on the machine at hand, and scored like its rows:
  the gap read within one machine, the baseline its dkd-cal-fs rows (the streaming students on the front end's
  streaming form) are compared with, and how far the same configs move with the machine.
- budget: the dkd-cal pairs at equal compute per update instead of equal architecture (a window model half as
  wide, a streaming model twice as wide), trained as benchmarks/streaming.py trains them (seeds 0-9), seed 0's
  models on the Cortex-M4 too: is what the family saves worth the accuracy its form costs?
- participants (no training of its own): each test participant's tracked MAE under the `again` pair and `budget`'s
  streaming model twice as wide, from their folders: is a gap every participant's, or a few participants' errors
  that last?
- bands (no training of its own): the `again` pairs' test errors by the true heart rate (4-BPM bands), and two probes
  of why: the test recordings shifted against the last layers' frame grid (aliasing?) and clean stationary pulses
  every 2 BPM (a hole in a form's frequency response?).
- ensembles (no training of its own): the `again` models of several seeds averaged, per form: are a form's errors
  each seed's, or shared by its seeds?
- span: the `again` streaming models read out over the last 8 s of frames instead of 4, trained as `again` trains
  them and scored band by band: does pooling more frames per answer take the octave runs at low rates away?

Seeds 3 and 4 (those whose dkd-cal runs are kept; `again`, `budget`, `participants`, `bands`, `ensembles` and `span`
those of --seeds, 0-4 unless told); training uses one torch thread (`again` and `budget` the benchmark's two), so the
figures are remade exactly on a machine of the same kind (each streaming_alone row records its CPU's instruction
set: the same config trained on another kind scores otherwise).
Writes benchmarks/results/streaming_levers.json: the rows remade replace their own, the others stay.

    python benchmarks/streaming_levers.py [shared | taper | chunkdrop | sticky | plain | strides | incremental |
                                           stepstream | again | budget | participants | bands | ensembles |
                                           span | chunknorm ...]
                                          [--seeds A-B]
                                          [--sizes student 6-block]
    python benchmarks/streaming_levers.py again budget --seeds 5-9  # seeds 5-9 of both levers
    python benchmarks/streaming_levers.py bands ensembles --seeds 5-9  # from the again folders of seeds 5-9
    python benchmarks/streaming_levers.py span --seeds 5-9  # trains the 8 s read-out's models of seeds 5-9
"""

from __future__ import annotations

import argparse
import copy
import functools
import itertools
import json
import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from common import RESULTS, write_results
from rich.console import Console
from streaming import RUNS, SIZES, device, gross_errors, persistence, runs, score, score_model

from edgeppg.calibrate import calibrate, fit_temperature, validation_score
from edgeppg.config import RunConfig
from edgeppg.data import synthetic
from edgeppg.data.augment import augment
from edgeppg.data.dataset import load_splits
from edgeppg.data.recording import Recording
from edgeppg.data.windows import WindowSet, window_recording
from edgeppg.device import streaming as streamed
from edgeppg.device import tracker
from edgeppg.device.spec import CONTEXT, FS, HR_LOW, STRIDE, STRIDE_S, WINDOW
from edgeppg.distill.dkd import DKD
from edgeppg.files import METRICS, cache_dir, read_json
from edgeppg.metrics import evaluate_logits_parts, predict_logits, track_hr
from edgeppg.models.spec import build_model
from edgeppg.runs import MODEL, load_model, save_model
from edgeppg.train import _teacher_targets, ensure_run  # train.py's own teacher logits

SEEDS = (3, 4)
# run in this order: chunknorm, last, patches edgeppg.device.streaming.compose for the rest of the process
LEVERS = ("shared", "taper", "chunkdrop", "sticky", "plain", "strides", "incremental", "stepstream", "again",
          "budget", "participants", "bands", "ensembles", "span", "chunknorm")
LATE = "1,1,5"  # strides: the block strides of the student with its stride-5 block last
DROP = 0.25  # chunkdrop: the chance per training input that one of its chunks is zeros
STEP_STREAM = "ppg-acc-steps-stream"  # stepstream: the input set with the front end in its streaming form
# budget: per size, the width of a window model half as wide (its window about the twin's streaming update) and of a
# streaming model twice as wide (its update about the twin's window)
BUDGET = {"student": {"window": 8, "streaming": 32}, "6-block": {"window": 16, "streaming": 64}}
OUT = Path("runs/streaming-levers")


def configs(size: str, seed: int, one_thread: bool = True) -> tuple[RunConfig, RunConfig]:
    """benchmarks/streaming.py's dkd-cal window and streaming twins of one size, with any seed (its runs of seeds
    1-4 differ from seed 0's in the seed alone), on one thread (else with the benchmark's own threads)."""
    named = runs(Path("models"))
    pair = (named[f"{size}-{mode}-dkd-cal"][1] for mode in ("window", "stream"))
    return tuple(replace(c, train=replace(c.train, seed=seed, threads=1 if one_thread else c.train.threads))
                 for c in pair)


def fit_forms(forms: list[tuple[torch.nn.Module, RunConfig, np.ndarray, object]], y: np.ndarray,
              teacher: torch.Tensor, seed: int, console: Console, drop: float = 0.0) -> None:
    """edgeppg.train.fit's loop (batches, augmentation, AdamW, cosine schedule, calibrated validation, best
    epoch kept) over one or more forms at once: forms are (model, config, training inputs, validation
    WindowSet); each batch goes through every form and their losses add; the best epoch has the lowest sum
    of validation MAEs. `drop`: the chance per input that one 2 s chunk of it is zeros (drop_chunk)."""
    tc = forms[0][1].train
    params = {id(p): p for m, *_ in forms for p in m.parameters()}  # shared tensors once
    distillers = [DKD.from_config(cfg.distill, m, {}) for m, cfg, *_ in forms]
    xs = [torch.from_numpy(x) for _, _, x, _ in forms]
    labels, n = torch.from_numpy(y), len(y)
    batch = min(tc.batch_size, n)
    steps, total = n // batch, tc.epochs * (n // batch)
    opt = torch.optim.AdamW(list(params.values()), lr=tc.lr, weight_decay=tc.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    best, kept = math.inf, None
    for epoch in range(tc.epochs):
        for d in distillers:
            d.train()
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
        draws = torch.Generator().manual_seed(seed * 100_003 + epoch + 7_919)
        for step in range(steps):
            idx = perm[step * batch:(step + 1) * batch]
            loss = 0.0
            for d, x in zip(distillers, xs):
                batch_x = drop_chunk(augment(x[idx], tc.augment, draws), drop, draws)
                _, terms = d({"x": batch_x, "y": labels[idx], "teacher_logits": teacher[idx]}, epoch)
                loss = loss + sum(terms.values())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        val = [validation_score(m, v)["mae"] for m, _, _, v in forms]
        if sum(val) < best:
            best, kept = sum(val), [copy.deepcopy(m.state_dict()) for m, *_ in forms]
        console.print(f"epoch {epoch + 1}: validation {' / '.join(f'{v:.2f}' for v in val)}")
    for (m, *_), state in zip(forms, kept):
        m.load_state_dict(state)
        m.eval()


def drop_chunk(x: torch.Tensor, p: float, generator: torch.Generator) -> torch.Tensor:
    """With probability p per input, one of its 2 s chunks (any, context or window) zeros, its normalised mean:
    a model that leans less on any one chunk might let an artefact spoil fewer consecutive updates."""
    if p <= 0:
        return x
    n, chunks = x.shape[0], x.shape[1] // STRIDE
    hit = torch.rand(n, generator=generator) < p
    which = torch.randint(0, chunks, (n,), generator=generator)
    spoilt = (torch.arange(x.shape[1])[None, :] // STRIDE == which[:, None]) & hit[:, None]
    return x * (~spoilt).to(x.dtype)


def teacher_logits(cfg: RunConfig, student: torch.nn.Module, splits) -> torch.Tensor:
    """The teacher's logits for the training windows, through its own inputs, as train.py computes them."""
    return _teacher_targets(cfg, student, splits, torch.device("cpu"))["teacher_logits"]


def aligned(these, those) -> np.ndarray:
    """The index into WindowSet `those` of each window of `these` (the same participant and start): a window
    set and its streamed counterpart hold the same windows, cut differently."""
    where = {(s, float(t)): i for i, (s, t) in enumerate(zip(those.subject, those.start_s))}
    return np.array([where[(s, float(t))] for s, t in zip(these.subject, these.start_s)])


def shared(size: str, seed: int, console: Console) -> dict:
    cw, cs = configs(size, seed)
    sw, ss = load_splits(cw.data), load_splits(cs.data)
    torch.manual_seed(seed)
    np.random.seed(seed)
    window, stream = build_model(cw.model, False), build_model(cs.model, True)
    theirs = dict(stream.named_modules())
    for name, m in window.named_modules():
        if isinstance(m, torch.nn.Conv1d):
            theirs[name].weight = m.weight
    stream.head = window.head
    fit_forms([(window, cw, sw.train.x, sw.val), (stream, cs, ss.train.x[aligned(sw.train, ss.train)], ss.val)],
              sw.train.y, teacher_logits(cw, window, sw), seed, console)
    row, alone = {"lever": "shared", "size": size, "seed": seed}, {}
    for mode, model, cfg, splits in (("window", window, cw, sw), ("streaming", stream, cs, ss)):
        alone[mode] = build_model(cfg.model, cfg.data.stream)  # the form alone: its head no longer shared
        alone[mode].load_state_dict(model.state_dict())
        alone[mode].eval()
        row[mode] = score_model(alone[mode], cfg, calibrate(alone[mode], splits.val)["temperature"])  # folded in
        (OUT / f"{size}-shared-s{seed}-{mode}").mkdir(parents=True, exist_ok=True)  # kept for a look afterwards
        save_model(OUT / f"{size}-shared-s{seed}-{mode}" / MODEL, alone[mode], cfg)
    row["parts"] = parts(alone["window"], alone["streaming"], cs, sw.test, ss)
    return row


def parts(window, stream, cs: RunConfig, window_test, ss) -> dict:
    """What the streaming form's parts cost, with one set of weights: the window form fed the streamed input's
    last 8 s (the chunks as the device normalised them); the streaming form without its 16 s of context (zeros,
    as before a recording); and read out over the whole 8 s (its temperature chosen again on validation): as
    good window by window, and do its errors come in runs?"""
    test = ss.test
    last = np.ascontiguousarray(test.x[aligned(window_test, test)][:, -WINDOW:])
    no_context = test.x.copy()
    no_context[:, :-WINDOW] = 0
    eight = build_model(replace(cs.model, pool_s=8), True)
    eight.load_state_dict(stream.state_dict())
    eight.eval()
    t, _ = fit_temperature(predict_logits(eight, ss.val.x).numpy(), ss.val)
    z = predict_logits(eight, test.x).numpy()
    m = evaluate_logits_parts(torch.from_numpy(z / t), test)[0]
    return {"lag_window": lag(window, window_test), "lag_streaming": lag(stream, test),
            "window_form_on_streamed_input": tracked(window, last, window_test),
            "streaming_form_without_context": tracked(stream, no_context, test),
            "read_out_8s": {"temperature": t, "test_track": m["mae_track"], "test_argmax": m["mae_argmax"],
                            **persistence(z, test)}}


def tracked(model: torch.nn.Module, x: np.ndarray, ws) -> float:
    """The tracked MAE of `model` on inputs `x` standing for the windows of WindowSet `ws`."""
    return evaluate_logits_parts(predict_logits(model, x), ws)[0]["mae_track"]


def lag(model: torch.nn.Module, ws) -> float:
    """How much the tracked error grows against the label of one update earlier (each participant's windows in
    order): small for an estimate that lags by about an update."""
    hr = track_hr(predict_logits(model, ws.x), ws.subject, ws.start_s, ws.steps)
    now, earlier = [], []
    for who in np.unique(ws.subject):
        idx = np.flatnonzero(ws.subject == who)
        idx = idx[np.argsort(ws.start_s[idx], kind="stable")]
        now.append(np.abs(hr[idx] - ws.hr[idx]))
        earlier.append(np.abs(hr[idx][1:] - ws.hr[idx][:-1]))
    return float(np.concatenate(earlier).mean() - np.concatenate(now).mean())


def again(size: str, seed: int, console: Console) -> dict:
    """benchmarks/streaming.py's dkd-cal pair of `size` and `seed`, both twins trained again as it trains them."""
    row = {"lever": "again", "size": size, "seed": seed, "cpu": torch.backends.cpu.get_cpu_capability()}
    for mode in ("window", "streaming"):
        row[mode] = score(pair_run(size, seed, mode, console))
    return row


def pair_run(size: str, seed: int, mode: str, console: Console, width: int | None = None,
             pool_s: int | None = None) -> Path:
    """The folder of the dkd-cal `mode` twin of `size` and `seed` as `again` trains it, or at `width` as `budget`
    does, or read out over `pool_s` seconds as `span` does (benchmarks/streaming.py's way: edgeppg.train, two
    threads), trained first if it is not there."""
    cfg = configs(size, seed, one_thread=False)[mode == "streaming"]
    folder = OUT / f"{size}-again-{mode}-s{seed}"
    if width is not None:
        cfg = replace(cfg, model=replace(cfg.model, width=width))
        folder = OUT / f"{size}-budget-{mode}-w{width}-s{seed}"
    if pool_s is not None:
        cfg = replace(cfg, model=replace(cfg.model, pool_s=pool_s))
        folder = OUT / f"{size}-again-{mode}-p{pool_s}-s{seed}"
    ensure_run(cfg, folder, console)
    return folder


def budget(size: str, seed: int, console: Console) -> list[dict]:
    """The dkd-cal pair of `size` at equal multiply-accumulates per 2 s update instead of equal architecture: the
    widths of BUDGET, each model trained as benchmarks/streaming.py trains its twin (edgeppg.train, two threads)
    and scored like its rows; seed 0's on the Cortex-M4 too."""
    rows = []
    for mode in ("window", "streaming"):
        if (width := BUDGET[size].get(mode)) is None:
            continue
        folder = pair_run(size, seed, mode, console, width)
        rows.append({"lever": "budget", "size": size, "seed": seed, "mode": mode, "width": width,
                     "twin_width": SIZES[size].width,
                     "cpu": torch.backends.cpu.get_cpu_capability(), "scores": score(folder),
                     **({"device": device(folder, console, shipped=False)} if seed == 0 else {})})
    return rows


def participants(size: str, seed: int, console: Console) -> list[dict]:
    """Each test participant's tracked MAE under the `again` pair of `size` and `seed` and under `budget`'s
    streaming model twice as wide (the folders those levers train; trained first if missing), as training wrote
    it (`test_by_subject`, in the runs' own read-out, the track): is a gap every participant's, or a few
    participants' errors that last?"""
    rows = []
    for mode, width in (("window", None), ("streaming", None), ("streaming", BUDGET[size]["streaming"])):
        folder = pair_run(size, seed, mode, console, width)
        _, cfg = load_model(folder)
        names, counts = np.unique(load_splits(cfg.data).test.subject, return_counts=True)
        rows.append({"lever": "participants", "size": size, "seed": seed, "mode": mode, "width": cfg.model.width,
                     "blocks": cfg.model.blocks, "mae": read_json(folder / METRICS)["test_by_subject"],
                     "windows": {str(s): int(n) for s, n in zip(names, counts)}})
    return rows


BAND = 4  # bands: BPM per heart-rate band
SPAN = 8  # span: seconds of frames the streaming model's read-out averages (its variant's: 4)
SHIFTS = 10  # bands: each test recording shifted by 0-9 samples (25 Hz): every place on a last-layer frame's 10


def clean_pulses(hr: float, seconds: float = 90.0) -> Recording:
    """A stationary pulse train at `hr` BPM (a systolic and a smaller diastolic wave per beat, light noise),
    sampled at 25 Hz, the wrist still: a rate no model should find hard, unless its form has a hole there."""
    rng = np.random.default_rng(int(hr))
    t = np.arange(int(seconds * FS)) / FS
    phase = (t * hr / 60.0) % 1.0
    ppg = np.exp(-((phase - 0.25) / 0.08) ** 2) + 0.4 * np.exp(-((phase - 0.55) / 0.1) ** 2)
    acc = np.tile([0.0, 0.0, 1.0], (t.size, 1)) + rng.normal(0.0, 0.01, (t.size, 3))
    return Recording(subject="clean", ppg=(ppg + rng.normal(0.0, 0.03, t.size)).astype(np.float32), fs=FS,
                     acc=acc.astype(np.float32), acc_fs=FS, beats=np.arange(0.25, seconds * hr / 60.0) * 60.0 / hr)


def by_band(logits: torch.Tensor, test: WindowSet) -> dict[str, dict]:
    """Per BAND-BPM band of the true rate (its lower edge): the test windows, the share gross by argmax
    (streaming.gross_errors) and the tracked MAE."""
    wrong = gross_errors(logits, test.hr)
    off = np.abs(track_hr(logits, test.subject, test.start_s, test.steps) - test.hr)
    table = {}
    for lo in range(int(test.hr.min()) // BAND * BAND, int(test.hr.max()) + 1, BAND):
        if (i := (test.hr >= lo) & (test.hr < lo + BAND)).any():
            table[str(lo)] = {"windows": int(i.sum()), "gross": float(wrong[i].mean()), "track": float(off[i].mean())}
    return table


def bands(size: str, seed: int, console: Console) -> list[dict]:
    """Where in heart rate the `again` pair's test errors are (folders as `again` trains them; trained first if
    missing), per BAND-BPM band of the true rate: each form's gross errors (argmax more than 10 BPM off) and
    tracked MAE; and two probes of why. The test recordings shifted by 0-9 samples: the gross share at each shift,
    and of the windows gross at some shifts and not at others (does an answer depend on where the pulse falls
    against the 10-sample grid of the last layers' frames, as aliasing would make it?). Clean stationary pulses
    every 2 BPM from 40 to 204: each form's gross share after the first 24 s (a hole in a form's frequency
    response would show there)."""
    rows = []
    for mode in ("window", "streaming"):
        model, cfg = load_model(pair_run(size, seed, mode, console))
        test = load_splits(cfg.data).test
        logits = predict_logits(model, test.x)
        gross = []  # per test recording, (shift, window) gross, over the windows every shift has
        for subject in np.unique(test.subject):
            rec = synthetic.generate_one(cfg.data.synthetic, str(subject))
            sets = [window_recording(replace(rec, ppg=rec.ppg[n:], acc=rec.acc[n:], beats=rec.beats - n / rec.fs),
                                     cfg.data.inputs, cfg.data.stream)
                    for n in (round(k * rec.fs / FS) for k in range(SHIFTS))]
            common = functools.reduce(np.intersect1d, [w.start_s for w in sets])  # the windows every shift kept
            kept = [w.select(np.isin(w.start_s, common)) for w in sets]
            gross.append(np.stack([gross_errors(predict_logits(model, w.x), w.hr) for w in kept]))
        shifts = np.concatenate(gross, axis=1)
        clean = {}
        for rate in range(40, 205, 2):
            w = window_recording(clean_pulses(rate), cfg.data.inputs, cfg.data.stream)
            clean[str(rate)] = float(gross_errors(predict_logits(model, w.x), rate)[CONTEXT // STRIDE:].mean())
        rows.append({"lever": "bands", "size": size, "seed": seed, "mode": mode, "width": cfg.model.width,
                     "blocks": cfg.model.blocks, "band_bpm": BAND, "bands": by_band(logits, test),
                     "gross_by_shift": shifts.mean(axis=1).tolist(),
                     "gross_at_some_shifts": float((shifts.any(0) & ~shifts.all(0)).mean()), "clean": clean})
        console.print(f"bands {size} seed {seed} {mode}")
    return rows


def span(size: str, seed: int, console: Console) -> dict:
    """The again streaming model read out over SPAN s instead of its variant's 4 (trained as `again` trains it; its
    folder first if missing), scored like the benchmark's rows and band by band as `bands` scores the again pair:
    does pooling more frames per answer take away the octave runs at low rates, and at what cost elsewhere?"""
    folder = pair_run(size, seed, "streaming", console, pool_s=SPAN)
    model, cfg = load_model(folder)
    test = load_splits(cfg.data).test
    twin = pair_run(size, seed, "streaming", console)
    validation = {str(pool): read_json(f / METRICS)["val"]["mae_track"]  # what a choice between the spans reads
                  for pool, f in ((configs(size, seed)[1].model.pool_s, twin), (SPAN, folder))}
    return {"lever": "span", "size": size, "seed": seed, "mode": "streaming", "pool_s": SPAN, "band_bpm": BAND,
            "scores": score(folder), "bands": by_band(predict_logits(model, test.x), test), "val_track": validation}


def ensembles(size: str, seeds: range, console: Console) -> list[dict]:
    """Is a form's error its seed's or its own? The `again` models of `seeds` (trained first if missing) averaged
    k at a time (the mean of their log-probabilities, tracked as one model's), every combination of k seeds, per
    form: errors a seed makes alone fall as k grows, errors every seed shares stay."""
    rows = []
    for mode in ("window", "streaming"):
        logp = {}
        for seed in seeds:
            model, cfg = load_model(pair_run(size, seed, mode, console))
            test = load_splits(cfg.data).test
            logp[seed] = torch.log_softmax(predict_logits(model, test.x), 1)
        tracked = {}
        for k in range(1, len(seeds) + 1):
            maes = [float(np.abs(track_hr(torch.log_softmax(sum(logp[s] for s in c) / k, 1), test.subject, test.start_s,
                                          test.steps) - test.hr).mean()) for c in itertools.combinations(seeds, k)]
            tracked[str(k)] = {"mean": float(np.mean(maes)), "min": min(maes), "max": max(maes), "ensembles": len(maes)}
        rows.append({"lever": "ensembles", "size": size, "seed": f"{seeds[0]}-{seeds[-1]}", "mode": mode,
                     "width": cfg.model.width, "blocks": cfg.model.blocks, "test_track": tracked})
        console.print(f"ensembles {size} {mode}:", {k: round(v["mean"], 2) for k, v in tracked.items()})
    return rows


def late_strides(size: str, seed: int, console: Console) -> dict:
    """The dkd-cal pair with block strides LATE, each twin trained as benchmarks/streaming.py trains it
    (edgeppg.train, one thread) and scored like its rows."""
    row = {"lever": "strides", "size": size, "seed": seed, "block_strides": LATE,
           "cpu": torch.backends.cpu.get_cpu_capability()}
    for mode, cfg in zip(("window", "streaming"), configs(size, seed)):
        cfg = replace(cfg, model=replace(cfg.model, block_strides=LATE))
        folder = OUT / f"{size}-strides{LATE.replace(',', '')}-s{seed}-{mode}"
        ensure_run(cfg, folder, console)
        row[mode] = score(folder)
    return row


def incremental(size: str) -> dict:
    """The window model of `size` computed incrementally (module docstring): per convolution, its output frames
    that depend on the window's zero padding (directly, or through an input frame that does) are recomputed
    every update; the others form one contiguous run, of which only the frames the 2 s hop brings are new."""
    model = build_model(SIZES[size], False)
    total = update = 0

    def conv(c: torch.nn.Conv1d, padded: np.ndarray, step: int) -> tuple[np.ndarray, int]:
        nonlocal total, update
        k, s, pad = c.kernel_size[0], c.stride[0], c.padding[0]
        starts = np.arange((len(padded) + 2 * pad - k) // s + 1) * s - pad
        out = np.array([a < 0 or a + k > len(padded) or padded[a:a + k].any() for a in starts])
        macs = c.in_channels * c.out_channels * k
        total += len(out) * macs
        update += (out.sum() + min(STRIDE // (step * s), (~out).sum())) * macs
        return out, step * s

    padded, step = conv(model.stem[0][0], np.zeros(WINDOW, bool), 1)
    for b in model.blocks:
        h, after = conv(b.conv2[0], *conv(b.conv1[0], padded, step))
        skip = padded if isinstance(b.shortcut, torch.nn.Identity) else conv(b.shortcut[0], padded, step)[0]
        padded, step = h | skip, after
    return {"lever": "incremental", "size": size, "macs_per_window": int(total), "macs_per_update": int(update),
            "edge_frames_share": float(padded.mean())}


class HannPool(torch.nn.Module):
    """A Hann-weighted mean over the last-layer frames (the read-out of the taper lever)."""

    def __init__(self, frames: int):
        super().__init__()
        w = np.hanning(frames + 2)[1:-1]
        self.register_buffer("weights", torch.tensor(w / w.sum(), dtype=torch.float32))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return (h * self.weights).sum(-1, keepdim=True)


def streaming_alone(lever: str, size: str, seed: int, console: Console, taper: bool = False,
                    drop: float = 0.0) -> dict:
    """The dkd-cal streaming twin trained as train.py trains it, as it is (`plain`), with a Hann-weighted 8 s
    read-out (`taper`), chunks dropped (`drop`) or the front end in its streaming form
    (`stepstream`), calibrated and scored."""
    _, cs = configs(size, seed)
    cs = replace(cs, model=replace(cs.model, pool_s=8)) if taper else cs
    cs = replace(cs, data=replace(cs.data, inputs=STEP_STREAM)) if lever == "stepstream" else cs
    ss = load_splits(cs.data)
    torch.manual_seed(seed)
    np.random.seed(seed)
    stream = build_model(cs.model, True)
    if taper:
        stream.pool = HannPool(WINDOW // stream.frame)
    fit_forms([(stream, cs, ss.train.x, ss.val)], ss.train.y, teacher_logits(cs, stream, ss), seed, console, drop)
    temperature = calibrate(stream, ss.val)["temperature"]
    if lever == "stepstream":  # kept, to be exported and run on the device
        (OUT / f"{size}-{lever}-s{seed}").mkdir(parents=True, exist_ok=True)
        save_model(OUT / f"{size}-{lever}-s{seed}" / MODEL, stream, cs)
    return {"lever": lever, "size": size, "seed": seed, "drop": drop, "inputs": cs.data.inputs,
            "cpu": torch.backends.cpu.get_cpu_capability(),
            "streaming": score_model(stream, cs, temperature)}


# the sticky tracker's settings: chance per update of the evidence turning bad, of turning good again, and the
# bad state's likelihood (the good state's peak is 1); the first is today's tracker
STICKY = [(0.0, 1.0, 1.0)] + list(itertools.product((0.02, 0.05, 0.1), (0.1, 0.25, 0.5), (0.02, 0.1, 0.3)))


def sticky_track(ws, logits: np.ndarray, turn_bad: float, turn_good: float, bad: float) -> np.ndarray:
    """The tracked heart rate of every window of WindowSet `ws`: the device's tracker (ep_tracker.c: Gaussian
    transition, floor, step band), its belief held twice, for good and for bad evidence."""
    p = tracker.TrackerParams()
    move, band = p.transition().astype(np.float64), p.step_band().astype(np.float64)
    out = np.zeros(len(logits))
    for who in np.unique(ws.subject):
        idx = np.flatnonzero(ws.subject == who)
        idx = idx[np.argsort(ws.start_s[idx], kind="stable")]
        step = np.rint((ws.start_s[idx] - ws.start_s[idx][0]) / STRIDE_S).astype(np.int64)
        lik = {int(s): row for s, row in zip(step, tracker.likelihood(logits[idx]).astype(np.float64))}
        rate = dict(zip(step.tolist(), ws.steps[idx].tolist())) if ws.steps is not None else {}
        good, poor = np.full(logits.shape[1], 1.0 / logits.shape[1]), np.zeros(logits.shape[1])
        tracked = {}
        for k in range(step[-1] + 1):
            if k:
                good, poor = (np.convolve(b, move, "same") for b in (good, poor))
                good, poor = ((1 - p.floor) * b + p.floor * b.sum() / len(b) for b in (good, poor))
                good, poor = (1 - turn_bad) * good + turn_good * poor, turn_bad * good + (1 - turn_good) * poor
            if k in lik:
                good, poor = good * lik[k], poor * bad
                r = rate.get(k, math.nan)
                if math.isfinite(r) and r >= HR_LOW:
                    c = int(r - HR_LOW)
                    lo, hi = max(c - p.step_radius, 0), min(c + p.step_radius, len(good) - 1)
                    w = band[lo - c + p.step_radius:hi - c + p.step_radius + 1]
                    good[lo:hi + 1] *= w
                    poor[lo:hi + 1] *= w
            total = good.sum() + poor.sum()
            good, poor = good / total, poor / total
            tracked[k] = np.argmax(good + poor) + HR_LOW
        out[idx] = [tracked[int(s)] for s in step]
    return out


# the pairs of benchmarks/streaming.py whose runs were kept when the sticky tracker was measured
STICKY_RUNS = {("student", "dkd-cal"): (3, 4), ("student", "dkd-cal-ema"): (0, 1, 2, 3, 4),
               ("6-block", "dkd-cal"): (2, 3, 4), ("6-block", "dkd-cal-ema"): (0, 1, 2, 3, 4)}


def sticky(console: Console) -> list[dict]:
    named, data, rows = runs(Path("models")), {}, []
    for (size, variant), seeds in STICKY_RUNS.items():
        for seed, mode in itertools.product(seeds, ("window", "stream")):
            name = f"{size}-{mode}-{variant}" + (f"-s{seed}" if seed else "")
            _, cfg, folder = named[name]
            ensure_run(cfg, folder, console)
            model, cfg = load_model(folder)
            if cfg.data.stream not in data:
                data[cfg.data.stream] = load_splits(cfg.data)
            splits = data[cfg.data.stream]
            val, test = (predict_logits(model, ws.x).numpy() for ws in (splits.val, splits.test))
            scores = {s: float(np.abs(sticky_track(splits.val, val, *s) - splits.val.hr).mean()) for s in STICKY}
            device = evaluate_logits_parts(torch.from_numpy(val), splits.val)[0]["mae_track"]
            if abs(scores[STICKY[0]] - device) > 0.01:  # the filter here at today's setting is the device's tracker
                raise SystemExit(f"{name}: the sticky tracker at today's setting scores {scores[STICKY[0]]:.3f} on "
                                 f"validation, the device's tracker {device:.3f}")
            chosen = min(STICKY, key=scores.get)
            row = {"lever": "sticky", "run": name, "size": size, "seed": seed, "mode": mode, "setting": chosen,
                   "val_today": scores[STICKY[0]], "val_chosen": scores[chosen],
                   **{f"test_{k}": float(np.abs(sticky_track(splits.test, test, *s) - splits.test.hr).mean())
                      for k, s in (("today", STICKY[0]), ("chosen", chosen))}}
            console.print(row)
            rows.append(row)
    return rows


def use_chunk_norm() -> None:
    """From here on, in this process, the streamed inputs have their chunks z-scored (chunk_normalised), in
    window caches of their own: the configs, and so the caches' names, are those of the inputs as they are."""
    os.environ["EDGEPPG_CACHE"] = str(cache_dir() / "chunknorm")
    streamed.compose = chunk_normalised(streamed.compose)


def chunk_normalised(compose):
    """edgeppg.device.streaming.compose with every 2 s chunk of its output z-scored on its own (zeros kept): an
    artefact then rescales only its own chunk, where a chunk normalised by the 8 s window it ended stays shrunk,
    in every update that reads it, by an artefact up to 6 s before it."""
    def composed(*args):
        x = compose(*args)
        c = x.reshape(len(x), -1, STRIDE).astype(np.float64)
        sd = c.std(axis=2, keepdims=True)
        c = np.where(sd > 1e-6, (c - c.mean(axis=2, keepdims=True)) / np.maximum(sd, 1e-6), 0.0)
        return c.reshape(x.shape).astype(np.float32)
    return composed


def seed_range(text: str) -> range:
    """'A-B' (or 'A') as the seeds A to B."""
    first, _, last = text.partition("-")
    try:
        return range(int(first), int(last or first) + 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed or a range of seeds A-B") from None


def key(row: dict) -> tuple:
    """What a row measured: its lever, size, seed, mode and width."""
    return tuple(row.get(k) for k in ("lever", "size", "seed", "mode", "width"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("levers", nargs="*", choices=LEVERS, default=list(LEVERS))
    ap.add_argument("--seeds", type=seed_range, default=range(5),
                    help="again, budget, participants, bands, ensembles and span: seeds A-B (default 0-4)")
    ap.add_argument("--sizes", nargs="+", choices=SIZES, default=list(SIZES),
                    help="again, shared, budget, participants, bands, ensembles and span: sizes")
    args = ap.parse_args()
    torch.set_num_threads(1)
    console = Console(stderr=True)
    rows = []
    for lever in sorted(set(args.levers), key=LEVERS.index):
        if lever == "chunknorm":
            use_chunk_norm()
        if lever == "sticky":
            rows += sticky(console)
            continue
        if lever == "incremental":
            rows += [incremental(size) for size in ("student", "6-block")]
            continue
        if lever == "ensembles":
            rows += [r for size in args.sizes for r in ensembles(size, args.seeds, console)]
            continue
        if lever in ("budget", "participants", "bands"):
            lever_rows = {"budget": budget, "participants": participants, "bands": bands}[lever]
            rows += [r for size, seed in itertools.product(args.sizes, args.seeds)
                     for r in lever_rows(size, seed, console)]
            continue
        sizes = args.sizes if lever in ("shared", "again", "span") else ("student",)
        for size, seed in itertools.product(sizes, args.seeds if lever in ("again", "span") else SEEDS):
            row = (shared(size, seed, console) if lever == "shared" else
                   again(size, seed, console) if lever == "again" else
                   span(size, seed, console) if lever == "span" else
                   late_strides(size, seed, console) if lever == "strides" else
                   streaming_alone(lever, size, seed, console, taper=lever == "taper",
                                   drop=DROP if lever == "chunkdrop" else 0.0))
            console.print(row)
            rows.append(row)
    kept = RESULTS / "streaming_levers.json"  # read last: two levers may run at once, in two processes
    made = {key(r) for r in rows}  # the rows remade replace their own; the lever's other seeds and sizes stay
    others = [r for r in (json.loads(kept.read_text())["rows"] if kept.is_file() else []) if key(r) not in made]
    write_results("streaming_levers", others + rows, seeds=list(SEEDS), threads=1)


if __name__ == "__main__":
    main()
