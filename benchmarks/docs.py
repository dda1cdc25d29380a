"""The tables of docs/results.md, written from the committed raw output in benchmarks/results/, so the
documented figures cannot drift from what the scripts measured.

    python benchmarks/docs.py            rewrite every generated table in docs/results.md
    python benchmarks/docs.py --check    exit 1, naming the table, if one is out of date (the tests run this)

A generated table sits between `<!-- begin generated: NAME -->` and `<!-- end generated: NAME -->`; the
prose around it is written by hand. Each NAME has one renderer below, reading one results file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
DOC = Path(__file__).parent.parent / "docs" / "results.md"
MARK = re.compile(r"(<!-- begin generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end generated: (?P=name) -->)",
                  re.S)


def _load(name: str) -> dict:
    path = RESULTS / name
    if not path.is_file():
        raise SystemExit(f"{path}: not found (the benchmarks/ script named in docs/results.md writes it)")
    return json.loads(path.read_text())


def _table(columns: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def demo() -> str:
    d = _load("demo.json")
    names = {"teacher": "teacher (shipped)", "scratch": "student, scratch", "dkd": "student, DKD"}
    roles = [r for r in d["rows"] if r["run"] in names]
    seeds = len(d["settings"]["seeds"])
    rows = [[names[r["run"]], r["model"], f"{r['params']:,}", f"{r['macs'] / 1e6:.2f} M",
             f"{r['mae_track']:.2f}", f"{r['mae_argmax']:.2f}", f"{r['rmse']:.2f}"] for r in roles]
    text = _table(["run", "model", "params", "MACs", "MAE, track (BPM)", "MAE, argmax (BPM)",
                   f"RMSE, {roles[0]['readout']} (BPM)"], rows)
    c = d["dkd_vs_scratch"]
    text += (f"\nStudents: the mean of {seeds} seeds each; {roles[0]['test_participants']} test participants, "
             f"{roles[0]['test_windows']:,} windows. Scratch's MAE minus DKD's: **{c['difference_bpm']:+.2f} BPM** "
             f"(95% interval {c['ci95'][0]:+.2f} to {c['ci95'][1]:+.2f}, bootstrap over {c['seeds']} seeds x "
             f"{c['participants']} participants): {c['verdict']}.\n")
    m4 = d.get("student_cortex_m4") or {}
    if m4.get("instructions_per_inference"):
        text += (f"\nThe DKD student (seed 0) on the emulated Cortex-M4: {m4['instructions_per_inference']:,} "
                 f"instructions per window, {m4['flash_bytes']:,} B flash, {m4['ram_bytes']:,} B RAM, bit-exact with "
                 f"TFLite: {'yes' if m4['bit_exact'] else 'NO'}.\n")
    env = d["environment"]
    text += (f"\nMeasured with torch {env.get('torch')} ({env.get('cpu_capability', '?')} kernels, "
             f"{env.get('torch_threads', '?')} threads) on {env.get('cpu_model', '?')}; "
             + ("its runs were reused from an earlier demo" if d.get("reused_runs") else
                f"the demo itself took {d['seconds'] / 60:.1f} min") + ". Raw: `benchmarks/results/demo.json`.\n")
    return text


def levers() -> str:
    d = _load("levers.json")
    rows = [[r["lever"], r["change"], r["model"].removeprefix("ResNet1D "), r["strategy"],
             f"{r['own_test_track']:.2f}", f"{r['held_track']:.2f}",
             f"{r['held_still_track']:.2f} / {r['held_motion_track']:.2f}",
             f"{r['watch_mae']:.2f} / {r['watch_track']:.2f}", f"{r['watch_lag3']:.2f} / {r['watch_track_lag3']:.2f}",
             f"{r['instructions'] / 1e6:.2f} M", f"{r['flash_bytes']:,}", f"{r['ram_bytes']:,}"] for r in d["rows"]]
    held = d["held_out"]["synthetic"]
    return _table(["lever", "what it changes", "model", "strategy", "own test (track)",
                   "held-out (track)", "held-out still / motion (track)", "watch: argmax / track",
                   f"watch, {d['lag_windows']} windows lag-aligned: argmax / track", "M4 instr", "flash B", "RAM B"],
                  rows) + (
        f"\nMAE in BPM. Held-out: {held['subjects']} built-in participants x {held['minutes']:g} min that no model "
        f"trained on (generator seed {held['seed']}, variety {held['variety']!r}). Raw: `benchmarks/results/levers.json`.\n")


def reference() -> str:
    d = _load("reference.json")
    one = d["one_block_student"]
    rows = [[r["role"], r["model"].removeprefix("ResNet1D "), f"{r['test_track']:.2f}",
             f"{r['test_still_track']:.2f} / {r['test_motion_track']:.2f}",
             f"{r['cadence_track']:.2f}" if "cadence_track" in r else "", _opt(r, "scenario_step_lock_s", "{:.0f}"),
             f"{r['watch_track']:.2f} / {r['watch_argmax']:.2f}", f"{r['watch_track_lag']:.2f} / {r['watch_argmax_lag']:.2f}",
             f"{r['watch_device_int8_track']:.2f}", f"{r['int8_cost_test']:+.2f} / {r['int8_cost_watch']:+.2f}",
             f"{r['instructions']:,}", f"{r['flash_bytes']:,}", f"{r['ram_bytes']:,}"] for r in d["rows"]]
    rows.append(["(1-block student, for scale)", "1 block", "", "", "", "", "", "", "", "", f"{one['instructions']:,}",
                 f"{one['flash_bytes']:,}", f"{one['ram_bytes']:,}"])
    return _table(["model", "architecture", "test MAE (track)", "test still / motion (track)",
                   "cadence scenario (track)", "longest step lock (s)", "watch: track / argmax", f"watch, {d['lag_windows']} windows lag-aligned: track / argmax",
                   "watch, int8 on the device (track)", "int8 cost: test / watch", "M4 instructions", "flash B",
                   "RAM B"], rows) + "\nMAE in BPM. Raw: `benchmarks/results/reference.json`.\n"


def _mcu_pick(rows: list[dict]) -> dict[tuple[int, str], dict]:
    """The Cortex-M4's rows of fresh models at -O2 with each backend's own kernels."""
    return {(r["blocks"], r["backend"]): r for r in rows if r["model"].startswith("fresh") and r["opt"] == "-O2"
            and r["kernels"] != "plain C" and r.get("target", "cortex-m4") == "cortex-m4"}


def mcu() -> str:
    pick = _mcu_pick(_load("mcu.json")["rows"])
    rows = []
    for (blocks, backend), r in sorted(pick.items(), key=lambda kv: (kv[0][0], ["native", "tflm-cmsis-nn",
                                                                                  "tflm-reference"].index(kv[0][1]))):
        if backend == "tflm-reference" and blocks not in (1, 6):
            continue
        label = {"native": "native", "tflm-cmsis-nn": "TFLM + CMSIS-NN", "tflm-reference": "TFLM reference"}[backend]
        rows.append([f"{blocks} block{'s' if blocks > 1 else ''}", label, f"{r['instructions']:,}",
                     f"{r['instructions_per_mac']:.2f}", f"{r['flash_bytes']:,}", f"{r['ram_bytes']:,}",
                     f"{r['arena_bytes']:,} / {r['arena_used_bytes']:,}", "yes" if r["bit_exact"] else "NO"])
    return _table(["model", "backend", "instructions", "instr/MAC", "flash B", "RAM B",
                   "arena reserved / used B", "bit-exact"], rows)


def mcu_ratios() -> str:
    pick = _mcu_pick(_load("mcu.json")["rows"])
    rows = []
    for blocks in sorted({b for b, _ in pick}):
        n, t = pick.get((blocks, "native")), pick.get((blocks, "tflm-cmsis-nn"))
        if n and t:
            rows.append([f"{blocks} block{'s' if blocks > 1 else ''}", f"{n['instructions'] / t['instructions']:.2f}",
                         f"{n['ram_bytes'] / t['ram_bytes']:.2f}", f"{n['flash_bytes'] / t['flash_bytes']:.2f}"])
    return _table(["model", "instructions", "RAM", "flash"], rows)


def tracker() -> str:
    d = _load("tracker.json")
    by = {}
    for r in d["rows"]:
        if r["readout"] in ("argmax", "expectation", "track"):
            by.setdefault((r["run"], r["readout"]), {})[r["set"]] = r
    def cell(v: object) -> str:
        return f"{v:.2f}" if isinstance(v, (int, float)) else "-"

    rows = []
    for (run, readout), sets in by.items():
        t, w = sets.get("test participants", {}), sets.get("watch recording", {})
        rows.append([run, readout, cell(t.get("mae_all")), cell(t.get("mae_still")), cell(t.get("mae_motion")),
                     cell(w.get("mae_all")), cell(w.get("mae_lag_aligned"))])
    return _table(["run", "read-out", "all (BPM)", "still (BPM)", "motion (BPM)", "watch recording (BPM)",
                   f"watch, reference shifted {d['watch_lag_windows']} windows (BPM)"], rows)


def medium() -> str:
    d = _load("study_medium/facts.json")
    rows = [[str(c["student_blocks"]), str(c["teacher_blocks"]), c["strategy"], f"{c['mean']:+.2f}",
             f"{c['lo']:+.2f} to {c['hi']:+.2f}", c["verdict"], str(c["seeds"]), str(c["participants"])]
            for c in d["comparisons"]]
    return _table(["student blocks", "teacher blocks", "strategy", "difference (BPM)", "95% CI (BPM)", "verdict",
                   "seeds", "test participants"], rows)


def medium_front() -> str:
    d = _load("study_medium/facts.json")
    rows = [[str(r["student_blocks"]), r["strategy"], f"{r['mean_bpm']:.2f}", str(r["cells"])]
            for r in d.get("front_distance_mean", [])]
    return _table(["student blocks", "strategy", "mean MAE above the front at its cost (BPM)", "cells"], rows)


def train_throughput() -> str:
    d = _load("train_throughput.json")
    rows = [[str(r["blocks"]), f"{r['params']:,}", f"{r['macs'] / 1e6:.2f} M", f"{r['train_windows_per_s']:,.0f}"]
            for r in d["rows"]]
    env = d["environment"]
    text = _table(["blocks", "params", "MACs", "training windows/s"], rows)
    text += (f"\nDevice: {d['device']} ({env.get('cpu_model', '?')}, {d['threads']} threads, torch {env.get('torch')}, "
             f"{env.get('cpu_capability', '?')} kernels), batch {d['batch_size']}. The synthetic generator makes one "
             f"hour of 64 Hz PPG with accelerometer in {d['generator_seconds_per_hour']:.3f} s. `studies/paper.yaml` "
             f"at these rates: about {d['paper_grid_training_hours']:,.0f} h of training on this device.\n")
    return text


def _opt(r: dict, key: str, fmt: str = "{:.2f}") -> str:
    return fmt.format(r[key]) if r.get(key) is not None else ""


def motion() -> str:
    d = _load("motion.json")
    rows = [[r["run"], r["inputs"], f"{r.get('cadence_share', 0.0):.2g}", r["strategy"], f"{r['test_track']:.2f}",
             f"{r['test_still_track']:.2f} / {r['test_motion_track']:.2f}", f"{r['cadence_track']:.2f}",
             _opt(r, "step_lock_s", "{:.0f}"), f"{r['held_out_track']:.2f} / {r['held_out_motion_track']:.2f}",
             f"{r['watch_track']:.2f} / {r['watch_track_lag']:.2f}", _opt(r, "m4_instructions", "{:,}")]
            for r in d["rows"]]
    return _table(["run", "inputs", "climbing share", "strategy", "test (track)", "test still / motion",
                   "cadence scenario", "longest step lock (s)", "held-out all / motion",
                   "watch: as recorded / lag-aligned", "M4 instructions"], rows) + (
        "\nMAE in BPM, tracked. The recipe's student (3 blocks x 16, stride-2 stem) unless the run says teacher; "
        "every student has the same Cortex-M4 cost (native, -O2), given where its run was benchmarked. Test "
        "participants come from each run's own data, so that column compares runs of one climbing share only; "
        "the cadence scenario and held-out participants are common to all. Raw: "
        "`benchmarks/results/motion.json`.\n")


CORE_MODELS = ("student", "teacher", "fresh 6b")
BACKEND_LABELS = {"native": "native", "tflm-cmsis-nn": "TFLM + CMSIS-NN", "tflm-reference": "TFLM reference"}


def targets() -> str:
    """Every core x backend for the shipped student and teacher and a fresh 6-block model, with the ratio to
    TFLM + CMSIS-NN on the same core and, for Helium, to the same core's DSP build."""
    from edgeppg.mcu import boards

    rows = [r for r in _load("mcu.json")["rows"] if r["model"] in CORE_MODELS and r["opt"] == "-O2"
            and "target" in r and not (r["target"] == "cortex-m4" and r["kernels"] == "plain C")]
    order = {c: i for i, c in enumerate(boards.cores())}
    rows.sort(key=lambda r: (CORE_MODELS.index(r["model"]), order[r["target"]], list(BACKEND_LABELS).index(r["backend"]),
                             "Helium" in r["kernels"]))
    cmsis = {(r["model"], r["target"]): r["instructions"] for r in rows if r["backend"] == "tflm-cmsis-nn"}
    dsp = {(r["model"], r["target"]): r["instructions"] for r in rows
           if r["backend"] == "native" and r["kernels"] == "DSP (SMLAD)"}
    parts = ", ".join(f"{c.removeprefix('cortex-').upper()} {boards.for_target(c, wearable=True).name}"
                      for c in boards.cores())
    out = []
    for r in rows:
        k = (r["model"], r["target"])
        kernels = r["kernels"] if r["backend"] == "native" else BACKEND_LABELS[r["backend"]]
        vs_cmsis = f"{r['instructions'] / cmsis[k]:.3f}x" if k in cmsis and r["backend"] != "tflm-cmsis-nn" else "-"
        vs_dsp = f"{r['instructions'] / dsp[k]:.2f}x" if "Helium" in r["kernels"] and k in dsp else "-"
        out.append([r["model"], r["target"].removeprefix("cortex-").upper(), kernels, "yes" if r["bit_exact"] else "NO",
                    f"{r['instructions']:,}", f"{r['instructions_per_mac']:.2f}", f"{r['flash_bytes']:,}",
                    f"{r['ram_bytes']:,}", f"{'yes' if r['fits'] else 'no'} ({r['fits_part']})", vs_cmsis, vs_dsp])
    return _table(["model", "core", "kernels", "bit-exact", "instructions", "per MAC", "flash (B)", "RAM (B)",
                   "fits its part", "/ TFLM + CMSIS-NN", "/ DSP build"], out) + (
        "\nInstructions per inference under QEMU (`-icount`), -O2; RAM with the measured peak stack; \"fits its "
        f"part\": the core's wearable board in edgeppg.mcu.boards ({parts}). Raw: `benchmarks/results/mcu.json` "
        "(`python benchmarks/mcu.py`).\n")


def targets_ratios() -> str:
    """Native over TFLM + CMSIS-NN instructions, fresh models of 1-6 blocks x every core (the M55: Helium)."""
    from edgeppg.bench.cortex_m4 import kernels_label
    from edgeppg.mcu import boards

    rows = [r for r in _load("mcu.json")["rows"] if r["model"].startswith("fresh") and r["opt"] == "-O2"]
    cmsis = {(r["blocks"], r["target"]): r["instructions"] for r in rows if r["backend"] == "tflm-cmsis-nn"}
    best = {c: kernels_label(boards.for_target(c), "native", helium=True) for c in boards.cores()}  # fastest
    native = {(r["blocks"], r["target"]): r["instructions"] for r in rows
              if r["backend"] == "native" and r["kernels"] == best[r["target"]]}
    cores = list(boards.cores())
    out = [[f"{b} block{'s' if b > 1 else ''}"] + [f"{native[b, c] / cmsis[b, c]:.3f}" if (b, c) in native and (b, c) in cmsis
                                                   else "-" for c in cores] for b in sorted({b for b, _ in cmsis})]
    return _table(["model"] + [c.removeprefix("cortex-").upper() + (" (Helium)" if c == "cortex-m55" else "")
                               for c in cores], out) + (
        "\nInstructions of the native build over TFLM + CMSIS-NN's on the same core (plain C on the M0 and M3, SMLAD "
        "on the M4, M7 and M33, Helium on the M55 against CMSIS-NN's Helium kernels). Raw: "
        "`benchmarks/results/mcu.json`.\n")


def streaming() -> str:
    d = _load("streaming.json")
    window = {r["model"]: r for r in d["rows"] if r["mode"] == "window"}
    out = []
    for r in d["rows"]:
        twin = window.get(r["model"]) if r["mode"] == "streaming" else None
        ratio = f"{r['instructions_per_update'] / twin['instructions_per_update']:.2f}x" if twin else "-"
        out.append([r["run"], r["mode"], f"{r['test_track']:.2f}", f"{r['test_argmax']:.2f}",
                    f"{r['test_still_track']:.2f} / {r['test_motion_track']:.2f}", f"{r['cadence_track']:.2f}",
                    f"{r['watch_track']:.2f} / {r['watch_track_lag']:.2f}",
                    f"{r['gross_repeat']:.2f} / {r['gross_run_windows']:.1f}" if "gross_repeat" in r else "-",
                    f"{r['instructions_per_update']:,}", ratio, f"{r['ram_bytes']:,}", f"{r['flash_bytes']:,}",
                    "yes" if r["bit_exact"] else "NO"])
    return _table(["run", "mode", "test (track)", "test (argmax)", "test still / motion", "cadence scenario",
                   "watch: as recorded / lag-aligned", "gross errors: repeat / run", "M4 instructions per 2 s",
                   "/ window twin", "RAM (B)", "flash (B)", "bit-exact"], out) + (
        "\nMAE in BPM, tracked unless argmax. Runs: size-mode[-training][-seed] (scratch and seed 0 unnamed; dkd-cal: "
        "DKD with the tracker's temperature chosen on validation (`--calibrate`), the streaming twin's read-out over "
        "the newest 4 s (`--pool-s 4`); dkd-cal-p2 and -p8: the same over 2 s and 8 s, streaming only; dkd-cal-rs: "
        "dkd-cal's streaming twin trained with restarts, a quarter of its inputs with their oldest 1-8 chunks zeros "
        "as after a reset (`TrainConfig.restart` 0.25), streaming only; dkd-cal-fs: dkd-cal's streaming twin on the "
        "accelerometer front end's streaming form (`--inputs ppg-acc-steps-stream`), streaming only, trained on an "
        "AVX2 machine where the rest were trained on an AVX-512 one); the "
        "architectures: student 3 blocks x 16 (stem stride 2, kernel 5, block strides 1,5,1), 6-block the teacher's "
        "widths (kernel 5, strides 1,5,1,1,1,1). Gross errors (argmax more than 10 BPM off, test): the chance the "
        "next window is gross too, and a gross run's mean length in windows. Cortex-M4 under QEMU, native kernels, "
        "-O2: a window model computes a whole window every 2 s, a streaming model its per-update program (RAM with "
        "its state and peak stack, the model's program alone: the front end's streaming form adds its own state to "
        "the monitor, below; bit-exact: every update against its window form, and that against TFLite). "
        "Raw: `benchmarks/results/streaming.json`.\n")


def streaming_pairs() -> str:
    """Each size, training and read-out span: the window and streaming models' mean over seeds, and the gap."""
    d = _load("streaming.json")
    groups: dict[tuple, dict[str, list[dict]]] = {}
    for r in d["rows"]:  # a pair: one architecture and training (the model without its seed), both modes
        if "training" in r:
            groups.setdefault((r["blocks"], r["training"], re.sub(r", seed \d+$", "", r["model"])), {}
                              ).setdefault(r["mode"], []).append(r)
    out = []
    for (blocks, training, model), g in sorted(groups.items()):
        # a streaming model of another read-out span than its variant's, trained with restarts or on the front
        # end's streaming form pairs with the same window twins
        twin = groups.get((blocks, re.sub(r", (restarts|front end streaming)$", "", training),
                           re.sub(r"(, pool \d+ s)?(, restarts [\d.]+)?(, inputs [\w-]+)?$", "", model)), {})
        window = g.get("window") or twin.get("window")
        if not (window and g.get("streaming")):
            continue  # a shipped model: no streaming twin
        window, streaming = _same_seeds(window, g["streaming"])
        span = {r.get("pool_s", 8) for r in streaming}
        row = [f"{blocks} blocks", training, f"{'/'.join(map(str, sorted(span)))} s", str(len(streaming))]
        for key in ("test_track", "test_argmax", "watch_track", "gross_repeat"):
            w, s = (float(np.mean([r[key] for r in rows])) for rows in (window, streaming))
            row.append(f"{w:.2f} / {s:.2f} ({s - w:+.2f})")
        row += [_gap_interval(window, streaming, key) for key in ("test_track", "watch_track")]
        out.append(row)
    return _table(["size", "training", "streaming read-out", "seeds", "test tracked: window / streaming (gap)",
                   "test argmax", "watch tracked", "gross repeat", "test gap: 95% CI", "watch gap: 95% CI"], out) + (
        "\nMeans over the seeds each pair was trained with (window and streaming alike; a read-out span other than "
        "the variant's own pairs with the window twins of its seeds); the target is a gap within 0.3 BPM. The "
        "intervals: Student's t over the seeds' gaps (streaming minus the window twin of the same seed).\n")


def _same_seeds(window: list[dict], streaming: list[dict]) -> tuple[list[dict], list[dict]]:
    """Both sides kept to the seeds they share, so that means and gaps compare twins of the same seed."""
    seeds = {r["seed"] for r in window} & {r["seed"] for r in streaming}
    return [r for r in window if r["seed"] in seeds], [r for r in streaming if r["seed"] in seeds]


def _gap_interval(window: list[dict], streaming: list[dict], key: str) -> str:
    """95% t-interval of the mean gap between twins of the same seed (both lists hold the same seeds); '-' with
    fewer than two seeds."""
    from scipy import stats

    twin = {r["seed"]: r[key] for r in window}
    gaps = np.array([r[key] - twin[r["seed"]] for r in streaming])
    if len(gaps) < 2:
        return "-"
    half = stats.t.ppf(0.975, len(gaps) - 1) * gaps.std(ddof=1) / np.sqrt(len(gaps))
    return f"{gaps.mean() - half:+.2f} to {gaps.mean() + half:+.2f}"


def streaming_levers() -> str:
    """The levers of benchmarks/streaming_levers.py beside benchmarks/streaming.py's dkd-cal pairs."""
    rows = _load("streaming_levers.json")["rows"]
    twins = {r["run"]: r for r in _load("streaming.json")["rows"]}

    def twin(size: str, mode: str, seed: int) -> dict | None:
        """The benchmark's dkd-cal run of this size, mode and seed; None for a seed it did not train (5 on)."""
        return twins.get(f"{size}-{mode}-dkd-cal" + (f"-s{seed}" if seed else ""))

    shared = []
    for r in (r for r in rows if r["lever"] == "shared"):
        w, s, p = r["window"], r["streaming"], r["parts"]
        tw, ts = twin(r["size"], "window", r["seed"]), twin(r["size"], "stream", r["seed"])
        eight = p["read_out_8s"]
        shared.append([r["size"], str(r["seed"]), f"{w['test_track']:.2f} / {s['test_track']:.2f} "
                       f"({s['test_track'] - w['test_track']:+.2f})",
                       f"{tw['test_track']:.2f} / {ts['test_track']:.2f} ({ts['test_track'] - tw['test_track']:+.2f})",
                       f"{p['window_form_on_streamed_input']:.2f}", f"{p['streaming_form_without_context']:.2f}",
                       f"{eight['test_track']:.2f} / {eight['test_argmax']:.2f} (window form {w['test_argmax']:.2f})",
                       f"{eight['gross_share']:.1%} / {eight['gross_repeat']:.2f} (window form "
                       f"{w['gross_share']:.1%} / {w['gross_repeat']:.2f})",
                       f"{p['lag_window']:+.2f} / {p['lag_streaming']:+.2f}"])
    text = _table(["size", "seed", "one set of weights: window / streaming form (gap)", "trained apart (gap)",
                   "window form on the streamed input", "streaming form without context",
                   "streaming form, 8 s read-out: tracked / argmax", "its gross errors: share / repeat",
                   "lag: window / streaming form"], shared)
    what = {"taper": "a Hann-weighted 8 s read-out", "chunkdrop": "a chunk of a quarter of the inputs zeros",
            "plain": "nothing changed, trained again", "chunknorm": "each 2 s chunk z-scored on its own",
            "stepstream": "the front end in its streaming form",
            "again": "nothing changed, trained again with the benchmark's two threads"}
    cell = "{test_track:.2f} / {test_argmax:.2f} / {gross_repeat:.2f}".format
    alone = [[what[r["lever"]] + (f" ({r['cpu']})" if "cpu" in r else "") + ("" if r["size"] == "student" else
              f", {r['size']}"), str(r["seed"]), cell(**r["streaming"]),
              cell(**t) if (t := twin(r["size"], "stream", r["seed"])) else "-"] for r in rows if r["lever"] in what]
    text += "\n" + _table(["the streaming student with", "seed", "test tracked / argmax / gross repeat",
                           "dkd-cal (flat read-out of the newest 4 s)"], alone)
    late = []
    for r in (r for r in rows if r["lever"] == "strides"):
        pair = [r["window"], r["streaming"], twin(r["size"], "window", r["seed"]), twin(r["size"], "stream", r["seed"])]
        late.append([f"{r['size']} ({r['cpu']})", str(r["seed"])] + [
            " / ".join(f"{w[k]:{f}}" for w in pair) for k, f in
            (("test_track", ".2f"), ("test_argmax", ".2f"), ("gross_share", ".1%"), ("gross_repeat", ".2f"))])
    text += "\n" + _table(["block strides 1,1,5 against 1,5,1", "seed",
                           "test tracked: window / streaming, then 1,5,1's", "test argmax", "gross share",
                           "gross repeat"], late)
    text += _again(rows, twin) + _seed_floor(rows) + _budget(rows, twin) + _participants(rows) + _bands(rows)
    text += _ensembles(rows) + _span(rows)
    sticky = [r for r in rows if r["lever"] == "sticky"]
    summary = []
    for size in dict.fromkeys(r["size"] for r in sticky):
        for mode in ("window", "stream"):
            g = [r for r in sticky if (r["size"], r["mode"]) == (size, mode)]
            summary.append([size, mode, str(len(g)), f"{np.mean([r['test_today'] for r in g]):.2f}",
                            f"{np.mean([r['test_chosen'] for r in g]):.2f}",
                            str(sum(tuple(r["setting"]) == (0.0, 1.0, 1.0) for r in g))])
    within = {k: sum(abs(s[f"test_{k}"] - w[f"test_{k}"]) <= 0.3 for w, s in _sticky_pairs(sticky))
              for k in ("today", "chosen")}
    text += "\n" + _table(["size", "mode", "models", "test tracked, today's tracker", "the sticky tracker as chosen",
                           "chose today's"], summary)
    exact = "; ".join(f"{r['size']} {r['macs_per_update']:,} multiply-accumulates per update against "
                      f"{r['macs_per_window']:,} per window ({r['macs_per_update'] / r['macs_per_window']:.2f}x; "
                      f"{r['edge_frames_share']:.0%} of its last layer's frames touch the padding)"
                      for r in rows if r["lever"] == "incremental")
    text += f"\nThe window model computed incrementally, exact (its frames that touch no zero padding kept): {exact}.\n"
    return text + (f"\nTest tracked MAE in BPM; one set of weights, trained apart: seeds 3 and 4 of the dkd-cal "
                   "pairs above. The sticky tracker's settings chosen per model on validation; pairs within 0.3 BPM "
                   f"on test: {within['today']} of {len(sticky) // 2} with today's tracker, {within['chosen']} with "
                   "it. Raw: `benchmarks/results/streaming_levers.json`.\n")


def front_end() -> str:
    """benchmarks/front_end.py --m4: the front end's cost, per window and per form, on the M4 and on the host."""
    host, *m4 = _load("front_end.json")["rows"]
    if not m4:
        raise SystemExit("benchmarks/results/front_end.json: no Cortex-M4 rows (python benchmarks/front_end.py --m4)")
    cells = [[f"`{r['inputs']}`", f"{r['preprocessing_motion']:,}", f"{r['preprocessing_still']:,}",
              f"{r['ram_bytes']:,}", f"{r['flash_bytes']:,}", "yes" if r["bit_exact"] else "no"] for r in m4]
    text = _table(["inputs", "M4 instructions per motion window", "per still window", "monitor RAM (B)", "flash (B)",
                   "bit-exact"], cells)
    return text + (f"\nPreprocessing (resamplers, normalisation, the front end) of the built-in climber "
                   f"{m4[0]['recording']} ({m4[0]['motion_windows']} of {m4[0]['windows']} windows move), Cortex-M4 "
                   "under QEMU, -O2. On this "
                   f"host, per motion window: gate and fit {host['fit_us']:.1f} us; with the step stage "
                   f"{host['fit_and_steps_us']:.1f} us, its scan {host['step_scan_us']:.1f} us; in its streaming form "
                   f"{host['fit_and_steps_stream_us']:.1f} us, its scan {host['step_scan_stream_us']:.1f} us. Raw: "
                   "`benchmarks/results/front_end.json`.\n")


def tflm_stream() -> str:
    """benchmarks/tflm_stream.py: the dkd-cal pairs on both backends, per 2 s (a window, or an update)."""
    rows = _load("tflm_stream.json")["rows"]
    window = {r["blocks"]: r for r in rows if r["mode"] == "window"}

    def per_2s(r: dict, backend: str) -> int:
        return r.get(f"{backend}_instructions_per_update", r[f"{backend}_instructions_per_window"])

    cells = []
    for r in rows:
        twin = window.get(r["blocks"])
        ratio = {b: (f"{per_2s(r, b) / per_2s(twin, b):.2f}x" if twin and r is not twin else "-")
                 for b in ("native", "tflm")}
        cells.append([r["run"], r["mode"], *(f"{v:,}" if isinstance(v, int) else v for b in ("native", "tflm") for v in
                                             (per_2s(r, b), ratio[b], r[f"{b}_ram_bytes"], r[f"{b}_flash_bytes"])),
                      "yes" if r["native_bit_exact"] and r["tflm_bit_exact"] else "no"])
    text = _table(["run", "mode", "native: M4 instructions per 2 s", "/ window twin", "RAM (B)", "flash (B)",
                   "TFLM + CMSIS-NN: instructions per 2 s", "/ window twin", "RAM (B)", "flash (B)", "bit-exact"],
                  cells)
    forms = "; ".join(f"{r['run']} {r['tflm_instructions_per_window']:,}" for r in rows if r["mode"] == "streaming")
    return text + ("\nCortex-M4 under QEMU, -O2. A window model computes a window every 2 s; a streaming model its "
                   "per-update program (native) or per-update model (TFLite Micro, its state in resource variables), "
                   "every update checked bit for bit against its window form on the same backend. RAM: static RAM "
                   "(TFLM: the arena, the per-update model's as small as it allocates in, found on the device) and "
                   "the measured peak stack; flash without test vectors. The streaming models' window forms (24 s "
                   f"of input) on TFLM, per window: {forms}. Raw: `benchmarks/results/tflm_stream.json`.\n")


def _again(rows: list[dict], twin: Callable[[str, str, int], dict | None]) -> str:
    """The dkd-cal pairs trained again on one machine (lever `again`), per size, beside the benchmark's (and at the
    student's size beside dkd-cal-fs, the streaming students on the front end's streaming form)."""
    fs = {r["seed"]: r for r in _load("streaming.json")["rows"] if r["run"].startswith("student-stream-dkd-cal-fs")}
    text = ""
    for size in dict.fromkeys(r["size"] for r in rows if r["lever"] == "again"):
        again = [r for r in rows if r["lever"] == "again" and r["size"] == size]
        form = fs if size == "student" else {}
        cells = []
        pair = "{:.2f} / {:.2f} ({:+.2f})".format
        for r in again:
            w, s = r["window"], r["streaming"]
            bw, bs = (twin(size, mode, r["seed"]) for mode in ("window", "stream"))  # the benchmark's: seeds 0-4
            bench = pair(bw["test_track"], bs["test_track"], bs["test_track"] - bw["test_track"]) if bw and bs else "-"
            f = form[r["seed"]]["test_track"] if r["seed"] in form else None
            cells.append([str(r["seed"]), f"{w['test_track']:.2f}", f"{s['test_track']:.2f} "
                          f"({s['test_track'] - w['test_track']:+.2f})"]
                         + ([f"{f:.2f} ({f - w['test_track']:+.2f})" if f is not None else "-"] if form else [])
                         + [pair(w["watch_track"], s["watch_track"], s["watch_track"] - w["watch_track"]), bench])
        window = [{"seed": r["seed"], **r["window"]} for r in again]
        base = {r["seed"]: r["test_track"] for r in window}
        streams = {"with the per-window front end": [{"seed": r["seed"], **r["streaming"]} for r in again]}
        if form:
            streams["with the front end's streaming form"] = [form[r["seed"]] for r in again if r["seed"] in form]
        gaps = "; ".join(f"{np.mean([r['test_track'] - base[r['seed']] for r in v]):+.2f} "
                         f"({_gap_interval(window, v, 'test_track')}) {k}"
                         + (f" (seeds {min(r['seed'] for r in v)}-{max(r['seed'] for r in v)})" if form else "")
                         for k, v in streams.items())
        watch = (np.mean([r["streaming"]["watch_track"] - r["window"]["watch_track"] for r in again]),
                 _gap_interval(window, streams["with the per-window front end"], "watch_track"))
        text += "\n" + _table([f"dkd-cal, {size}, trained again ({again[0]['cpu']})", "window twin",
                               "streaming, per-window front end (gap)"]
                              + (["streaming, front end's streaming form (gap)"] if form else [])
                              + ["watch: window / streaming (gap)", "the benchmark's pair: window / streaming (gap)"],
                              cells) + (
            f"\nTracked MAE, both twins of a seed trained on one machine; the streaming model's mean gap on test "
            f"{gaps}; on the watch {watch[0]:+.2f} ({watch[1]}) (95% intervals over the seeds).\n")
    return text


def _seeds(seeds: list[int]) -> str:
    """'5-9' for a run of seeds, else '3, 5'."""
    return f"{seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else ", ".join(map(str, seeds))


def _seed_floor(rows: list[dict]) -> str:
    """What 0.3 BPM is against the seeds (lever `again`): how far models of one form and size, trained alike but
    for the seed, land from each other, beside how far the twins of one seed do."""
    again = [r for r in rows if r["lever"] == "again"]
    cells = []

    def near(a: dict, b: dict, keys: tuple[str, ...]) -> bool:
        return all(abs(a[k] - b[k]) <= 0.3 for k in keys)

    for size in dict.fromkeys(r["size"] for r in again):
        runs = [r for r in again if r["size"] == size]
        for mode in ("window", "streaming"):
            m = [r[mode] for r in runs]
            pairs = list(itertools.combinations(m, 2))
            apart = np.abs([a["test_track"] - b["test_track"] for a, b in pairs])
            cells.append([size, mode, str(len(m))] + [f"{np.std([r[k] for r in m], ddof=1):.2f}"
                                                        for k in ("test_track", "watch_track")]
                         + [f"{np.median(apart):.2f} / {apart.max():.2f}"]
                         + [f"{np.mean([near(a, b, keys) for a, b in pairs]):.0%} of {len(pairs)}"
                            for keys in (("test_track",), ("test_track", "watch_track"))])
        twins = [near(r["window"], r["streaming"], ("test_track", "watch_track")) for r in runs]
        apart = np.abs([r["streaming"]["test_track"] - r["window"]["test_track"] for r in runs])
        cells.append([size, "window / streaming twins of one seed", str(len(runs)), "-", "-",
                      f"{np.median(apart):.2f} / {apart.max():.2f}",
                      f"{np.mean([near(r['window'], r['streaming'], ('test_track',)) for r in runs]):.0%} of "
                      f"{len(runs)}", f"{np.mean(twins):.0%} of {len(runs)}"])
    if not cells:
        return ""
    return "\n" + _table(["size", "models", "seeds", "spread of test tracked (sd)", "of the watch's (sd)",
                          "test: median / largest difference of a pair", "pairs within 0.3 BPM on test",
                          "on test and the watch"], cells) + (
        "\nThe again models (above), every pair of two seeds of one form: how often two models trained alike but for "
        "the seed are within 0.3 BPM of each other, what J-streaming asks of every window / streaming pair.\n")


def _budget(rows: list[dict], twin: Callable[[str, str, int], dict | None]) -> str:
    """Window and streaming models at equal multiply-accumulates per update (lever `budget`), beside the
    same-architecture pairs trained again on the same machine (lever `again`; their Cortex-M4 figures are the
    benchmark's, the same architecture's)."""
    budget = [r for r in rows if r["lever"] == "budget"]
    cells, notes = [], []
    for size in dict.fromkeys(r["size"] for r in budget):
        these = [r for r in budget if r["size"] == size]
        again, width = [r for r in rows if r["lever"] == "again" and r["size"] == size], these[0]["twin_width"]
        models = {mode: {width: [{"seed": r["seed"], **r[mode]} for r in again]} for mode in ("window", "streaming")}
        m4 = {(mode, width): twin(size, mode.replace("streaming", "stream"), 0)["instructions_per_update"]
              for mode in models}
        for r in these:
            models[r["mode"]].setdefault(r["width"], []).append({"seed": r["seed"], **r["scores"]})
            if "device" in r:
                m4[r["mode"], r["width"]] = r["device"]["instructions_per_update"]
        blocks = again[0]["window"]["blocks"]
        for (ww, window), (sw, stream) in itertools.product(models["window"].items(), models["streaming"].items()):
            w_macs, s_macs = window[0]["macs_per_update"], stream[0]["macs_per_update"]
            if not 0.8 < s_macs / w_macs < 1.25:
                continue
            window, stream = _same_seeds(window, stream)
            w_m4, s_m4 = m4["window", ww], m4["streaming", sw]
            mean = {k: (np.mean([r[k] for r in window]), np.mean([r[k] for r in stream]))
                    for k in ("test_track", "watch_track")}
            cells.append([f"{blocks} x {ww}", f"{blocks} x {sw}", f"{len(window)}", f"{w_macs:,} / {s_macs:,}",
                          f"{w_m4:,} / {s_m4:,} ({s_m4 / w_m4:.2f}x)"]
                         + [f"{w:.2f} / {s:.2f} ({s - w:+.2f}; {_gap_interval(window, stream, k)})"
                            for k, (w, s) in mean.items()])
        notes += [f"{r['mode']} {blocks} x {r['width']} {d['ram_bytes']:,} B RAM and {d['flash_bytes']:,} B flash, "
                  f"{'bit-exact' if d['bit_exact'] else 'NOT bit-exact'}" for r in these if (d := r.get("device"))]
    if not cells:
        return ""
    return "\n" + _table(["window model (blocks x width)", "streaming model", "seeds",
                          "multiply-accumulates per 2 s update: window / streaming", "M4 instructions per update",
                          "test tracked: window / streaming (gap; 95% CI)", "watch tracked"], cells) + (
        "\nThe dkd-cal pairs at equal compute per update rather than equal architecture, all trained on one "
        f"{budget[0]['cpu']} machine as benchmarks/streaming.py trains them (the twins of today's widths are the "
        "again rows above). M4: native kernels, -O2, seed 0's models (today's widths the benchmark's rows); "
        f"{'; '.join(notes)}.\n")


def _participants(rows: list[dict]) -> str:
    """Lever `participants`: each streaming model's test gap to the window twin of its seeds, participant by
    participant (the mean over seeds of each one's tracked MAE), and how much of the gap its worst three give."""
    parts = [r for r in rows if r["lever"] == "participants"]
    cells = []
    for size in dict.fromkeys(r["size"] for r in parts):
        window = {r["seed"]: r for r in parts if (r["size"], r["mode"]) == (size, "window")}
        for width in dict.fromkeys(r["width"] for r in parts if (r["size"], r["mode"]) == (size, "streaming")):
            stream = {r["seed"]: r for r in parts if (r["size"], r["mode"], r["width"]) == (size, "streaming", width)}
            seeds = sorted(window.keys() & stream.keys())
            names = list(window[seeds[0]]["mae"])
            count = np.array([window[seeds[0]]["windows"][n] for n in names])
            mae = {side: np.array([[d[s]["mae"][n] for n in names] for s in seeds]).mean(0)
                   for side, d in (("window", window), ("streaming", stream))}
            gap = mae["streaming"] - mae["window"]
            share = gap * count / count.sum()  # each participant's part of the gap over all test windows
            worst = np.argsort(-share)[:3]
            cells.append([f"{window[seeds[0]]['blocks']} x {window[seeds[0]]['width']}",
                          f"{stream[seeds[0]]['blocks']} x {width}",
                          _seeds(seeds),
                          f"{share.sum():+.2f}", f"{(gap < 0).sum()} of {len(names)}", f"{np.median(gap):+.2f}",
                          f"{share[worst].sum():+.2f} ({', '.join(names[i] for i in worst)})",
                          f"{share.sum() - share[worst].sum():+.2f}"])
    if not cells:
        return ""
    return "\n" + _table(["window model", "streaming model", "seeds", "test gap, tracked",
                          "participants the streaming model is ahead on", "median participant's gap",
                          "the worst three's part of the gap", "the others' part"], cells) + (
        "\nThe again and budget models of those seeds, test participants one by one (`streaming_levers.py "
        "participants`): each participant's tracked MAE averaged over the seeds; a participant's part of the gap "
        "is its gap weighed by its share of the test windows, so the parts add up to the gap.\n")


def _bands(rows: list[dict]) -> str:
    """Lever `bands`: the test gap by heart-rate band (the bands that give most of it), and its two probes: the
    pulse shifted against the last layers' frame grid, and clean stationary pulses."""
    bands = [r for r in rows if r["lever"] == "bands"]
    cells, probes = [], []
    for size in dict.fromkeys(r["size"] for r in bands):
        form = {m: [r for r in bands if (r["size"], r["mode"]) == (size, m)] for m in ("window", "streaming")}
        keys, width = list(form["window"][0]["bands"]), form["window"][0]["band_bpm"]
        count = np.array([form["window"][0]["bands"][k]["windows"] for k in keys])
        seeds = _seeds([r["seed"] for r in form["window"]])

        def mean(mode: str, field: str) -> np.ndarray:
            return np.array([np.mean([r["bands"][k][field] for r in form[mode]]) for k in keys])

        track, gross = ({m: mean(m, field) for m in form} for field in ("track", "gross"))
        part = (track["streaming"] - track["window"]) * count / count.sum()
        top = np.argsort(-part)[:4]
        for i in top:
            cells.append([size, seeds, f"{keys[i]}-{int(keys[i]) + width - 1}", str(count[i]),
                          f"{gross['window'][i]:.0%} / {gross['streaming'][i]:.0%}",
                          f"{track['window'][i]:.1f} / {track['streaming'][i]:.1f}", f"{part[i]:+.2f}"])
        cells.append([size, seeds, "the other bands", str(count.sum() - count[top].sum()), "", "",
                      f"{part.sum() - part[top].sum():+.2f} (of {part.sum():+.2f})"])
        for mode, runs in form.items():
            shifts = np.array([r["gross_by_shift"] for r in runs])
            hard = [k for k in runs[0]["clean"] if 60 <= int(k) <= 186 and any(r["clean"][k] > 0.5 for r in runs)]
            probes.append([size, mode, seeds, f"{shifts.min():.1%}-{shifts.max():.1%}",
                           f"{(shifts.max(1) - shifts.min(1)).max():.1%}",
                           f"{np.mean([r['gross_at_some_shifts'] for r in runs]):.1%}", ", ".join(hard) or "none"])
    if not cells:
        return ""
    return "\n" + _table(["size", "seeds", "heart rate (BPM)", "test windows", "gross (argmax): window / streaming",
                          "tracked MAE: window / streaming", "part of the gap"], cells) + (
        "\nThe again pairs' test gap by the true heart rate (`streaming_levers.py bands`), means over the seeds: the "
        "bands that give most of it.\n\n") + _table(
        ["size", "form", "seeds", "test windows gross, each recording shifted by 0-9 samples",
         "most a seed's gross share moves with the shift", "windows gross at some shifts, not all",
         "clean pulses, 60-186 BPM: rates some seed reads gross in most updates"], probes) + (
        "\nThe two probes of the bands lever: the test recordings shifted against the 10-sample grid of the last "
        "layers' frames (what aliasing would make answers depend on), and clean stationary pulses every 2 BPM.\n")


def _span(rows: list[dict]) -> str:
    """Lever `span`: the again streaming model read out over 8 s beside its 4 s twin and the window model of its
    seed, over all test windows and split at the low rates where the gap is (from the bands rows)."""
    spans = [r for r in rows if r["lever"] == "span"]
    bands = {(r["size"], r["seed"], r["mode"]): r["bands"] for r in rows if r["lever"] == "bands"}
    again = {(r["size"], r["seed"]): r for r in rows if r["lever"] == "again"}

    def low_rest(table: dict) -> tuple[float, float]:
        """Tracked MAE over the bands from 60 to 79 BPM, and over the others."""
        low = [int(k) in range(60, 80) for k in table]
        n, mae = (np.array([b[f] for b in table.values()]) for f in ("windows", "track"))
        return tuple(float((mae * n)[m].sum() / n[m].sum()) for m in (np.array(low), ~np.array(low)))

    cells = []
    for size in dict.fromkeys(r["size"] for r in spans):
        values, choice = {}, {}
        for r in (r for r in spans if r["size"] == size):
            a = again[(size, r["seed"])]
            sides = [(a["window"], bands[(size, r["seed"], "window")]),
                     (a["streaming"], bands[(size, r["seed"], "streaming")]), (r["scores"], r["bands"])]
            values[str(r["seed"])] = [(s["test_track"], *low_rest(t), s["watch_track"]) for s, t in sides]
            choice[str(r["seed"])] = list(r["val_track"].values())
        values["mean"], choice["mean"] = np.mean(list(values.values()), axis=0), np.mean(list(choice.values()), axis=0)
        cells += [[size, seed] + [" / ".join(f"{v:.2f}" for v in side[:3]) for side in sides]
                  + [" / ".join(f"{side[3]:.2f}" for side in sides), " / ".join(f"{v:.2f}" for v in choice[seed])]
                  for seed, sides in values.items()]
    if not cells:
        return ""
    return "\n" + _table(["size", "seed", "window model: test all / 60-79 BPM / the rest",
                          "streaming, 4 s read-out", f"streaming, {spans[0]['pool_s']} s read-out",
                          f"the watch: window / 4 s / {spans[0]['pool_s']} s",
                          f"validation, tracked: {' s / '.join(spans[0]['val_track'])} s"], cells) + (
        "\nTracked MAE in BPM (`streaming_levers.py span`): the again streaming model read out over the last 8 s of "
        "frames, beside the again pair of its seed; 60-79 BPM from the bands of the bands lever.\n")


def _ensembles(rows: list[dict]) -> str:
    """Lever `ensembles`: the again models of several seeds averaged, per form and size."""
    runs = [r for r in rows if r["lever"] == "ensembles"]
    cells = [[r["size"], r["mode"], str(r["seed"])] + [f"{v['mean']:.2f}" for v in r["test_track"].values()]
             for r in runs]
    if not cells:
        return ""
    most = max(len(r["test_track"]) for r in runs)
    return "\n" + _table(["size", "form", "seeds", "one model", *(f"{k} averaged" for k in range(2, most + 1))],
                         cells) + (
        "\nTest tracked MAE of the again models averaged k at a time (`streaming_levers.py ensembles`; the mean of "
        "their log-probabilities, the mean over every combination of k seeds).\n")


def _sticky_pairs(rows: list[dict]) -> list[tuple[dict, dict]]:
    """(window, streaming) rows of the same size, variant and seed."""
    by = {r["run"]: r for r in rows}
    return [(r, by[r["run"].replace("-window-", "-stream-")]) for r in rows if r["mode"] == "window"]


RENDERERS: dict[str, Callable[[], str]] = {
    "streaming": streaming, "streaming-pairs": streaming_pairs, "streaming-levers": streaming_levers,
    "targets": targets, "targets-ratios": targets_ratios, "motion": motion, "demo": demo, "levers": levers,
    "reference": reference, "mcu": mcu, "mcu-ratios": mcu_ratios, "tracker": tracker, "medium": medium,
    "medium-front": medium_front, "train-throughput": train_throughput, "front-end": front_end,
    "tflm-stream": tflm_stream}


def render(doc: str) -> tuple[str, list[str]]:
    """(the document with every generated table rewritten, the names of those that changed)."""
    changed = []

    def one(m: re.Match) -> str:
        name = m["name"]
        if name not in RENDERERS:
            raise SystemExit(f"{DOC}: unknown generated table '{name}' (known: {', '.join(RENDERERS)})")
        body = RENDERERS[name]()
        if body != m["body"]:
            changed.append(name)
        return m.group(1) + body + m.group(4)

    return MARK.sub(one, doc), changed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only say whether docs/results.md is up to date")
    args = ap.parse_args()
    text = DOC.read_text()
    new, changed = render(text)
    if args.check:
        if changed:
            print(f"{DOC}: out of date with benchmarks/results/: {', '.join(changed)} "
                  "(python benchmarks/docs.py rewrites them)")
            sys.exit(1)
        print(f"{DOC}: every generated table matches benchmarks/results/")
        return
    DOC.write_text(new)
    print(f"{DOC}: rewrote {', '.join(changed) or 'nothing (already up to date)'}")


if __name__ == "__main__":
    main()
