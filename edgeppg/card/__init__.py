"""`edgeppg card RUN`: a model card a person would put in a design review, as Markdown (with PNGs) and
as one self-contained HTML page, from the run folder's own files.

Every MAE on the card says which windows it is over; every figure is measured on participants and
recordings the model was not trained or tuned on (the test participants, and the real watch recording).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import fields
from pathlib import Path

import numpy as np

from edgeppg import files, lock
from edgeppg.card import document as doc
from edgeppg.card import figures
from edgeppg.card.collect import RunFacts, collect, command_line, lagged_errors
from edgeppg.card.reproduce import reproduce
from edgeppg.data import e2e_recording
from edgeppg.device.spec import CHUNKED_STEPS
from edgeppg.distill import strategy
from edgeppg.errors import EdgeppgError
from edgeppg.mcu.boards import FLASH_MEANS, RAM_MEANS
from edgeppg.metrics import MOTION_G

WATCH_LAG_WINDOWS = e2e_recording.REFERENCE_LAG_WINDOWS
CARD_TITLE = "Model card: "  # every card's title starts so: how a folder's card is told from a user's files
FIGURES = ("training_curve", "hr_test", "bland_altman", "hr_watch")  # build_card's figure names (PNG files)


def _setting(value: object) -> str:
    """A model setting as the card shows it: an empty one (block_strides) is its default plan."""
    return "default" if value == "" else str(value)


def _f(v: float | None, digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def _i(v: float | None) -> str:
    return "n/a" if v is None else f"{int(v):,}"


def _data_blocks(facts: RunFacts) -> list[doc.Block]:
    cfg, met = facts.config, facts.metrics
    d = cfg.data
    source = (f"built-in synthetic PPG: {d.synthetic.subjects} participants x {d.synthetic.minutes:g} min, "
              f"generator seed {d.synthetic.seed}" if d.dataset == "synthetic"
              else f"{d.dataset} from `{d.root}` (site {d.site}, channel {d.channel}, label {d.label})")
    subj = met.get("subjects", {})
    rows = []
    for split, use in (("train", "weights"), ("val", "early stopping and model choice (tuning)"),
                       ("test", "the figures on this card; never trained or tuned on")):
        who = subj.get(split, [])
        windows = met.get(split, {}).get("windows")
        rows.append((split, str(len(who)), ", ".join(who), _i(windows) if windows is not None else "-", use))
    return [doc.Heading("Data and split"),
            doc.Text(f"{source}. Split `{d.split}` by participant (split seed {d.split_seed}): no participant is in "
                     "two splits. Windows: 8 s of green PPG at 25 Hz (200 samples), a 2 s stride, each normalised; "
                     "the label is one of 180 one-BPM classes from 30 BPM."),
            doc.Table(("split", "participants", "who", "windows", "used for"), tuple(rows))]


def _accuracy_blocks(facts: RunFacts) -> list[doc.Block]:
    met, readout = facts.metrics, facts.readout
    rows = []
    for split, what in (("val", "validation participants (tuned on)"), ("test", "test participants (unseen)")):
        m = met.get(split)
        if m:
            rows.append((what, _i(m["windows"]), *(_f(m.get(f"mae_{r}")) for r in ("argmax", "expectation", "track")),
                         _f(m.get(f"rmse_{readout}"))))
    for part in ("still", "motion"):
        by = {r: facts.still_motion.get(r, {}).get(part) for r in ("argmax", "expectation", "track")}
        if by["argmax"]:
            rows.append((f"test participants, {part} windows", _i(by["argmax"]["windows"]),
                         *(_f(by[r]["mae"]) for r in ("argmax", "expectation", "track")),
                         _f(by[readout]["rmse"])))
    if facts.cadence:
        c = facts.cadence
        rows.append(("cadence scenario: built-in climbing and running (unseen)", _i(c["argmax"]["windows"]),
                     *(_f(c[r]["mae"]) for r in ("argmax", "expectation", "track")), _f(c[readout]["rmse"])))
    if facts.watch is not None:
        w = facts.watch
        ok = np.isfinite(w.reference)
        win = lagged_errors(w, 0)
        exp_mae = "-" if facts.window_readout != "expectation" else _f(win["window"])
        arg_mae = _f(win["window"]) if facts.window_readout == "argmax" else "-"
        rows.append(("real watch recording (unseen), vs the watch's HR", _i(ok.sum()), arg_mae, exp_mae,
                     _f(win["tracked"]), "-"))
    blocks: list[doc.Block] = [
        doc.Heading("Accuracy"),
        doc.Text(f"The run's read-out is `{readout}`: argmax and expectation read each window alone; `track` runs "
                 "each recording's windows in time order through the device's tracker (the firmware's own). "
                 "Every MAE is the mean absolute error in BPM over all the windows of the row. Motion windows are "
                 f"those whose accelerometer magnitude varies by more than {MOTION_G:g} g (std) within the window. "
                 "The cadence scenario is the built-in generator's climbing and running (`edgeppg eval RUN "
                 "--eval-dataset cadence`): steps at half, once or twice the heart rate while it climbs to 140-180 "
                 "BPM, on participants no model trains on."
                 + (f" The longest stretch its estimate follows the step rate (or half or twice it) instead of the "
                    f"heart: {facts.step_lock['track']:.0f} s tracked, {facts.step_lock['argmax']:.0f} s window by "
                    "window." if facts.step_lock else "")
                 + (f" Its logits were divided by {facts.metrics['calibration']['temperature']:g}, the temperature "
                    "whose tracked MAE on the validation participants was lowest, folded into the head "
                    "(`--calibrate`)." if "calibration" in facts.metrics else "")),
        doc.Table(("windows from", "windows", "MAE argmax", "MAE expectation", "MAE track", f"RMSE {readout}"),
                  tuple(rows), caption="MAE (BPM) per split and read-out, float model")]
    if facts.watch is not None:
        lag = lagged_errors(facts.watch, WATCH_LAG_WINDOWS)
        blocks.append(doc.Text(
            f"The watch recording's reference is the watch's own heart-rate algorithm, which lags the PPG by about "
            f"6 s: against the reference shifted back by {WATCH_LAG_WINDOWS} windows the MAE is "
            f"{lag['window']:.2f} ({facts.window_readout}) and {lag['tracked']:.2f} (track). Nothing was tuned on "
            "this recording."))
    elif facts.watch_note:
        blocks.append(doc.Text(f"Real watch recording: {facts.watch_note}."))
    return blocks


def _int8_blocks(facts: RunFacts) -> list[doc.Block]:
    e = facts.export
    if not e:
        return [doc.Heading("Float and int8"), doc.Text(f"Not exported yet: `edgeppg export {facts.run}`.")]
    held = e.get("held_out", {})
    acc = e["accuracy"]
    rows = []
    for name, what in (("pytorch", "PyTorch float32"), ("onnx", "ONNX float32 (onnxruntime)"),
                       ("tflite_float32", "TFLite float32"), ("tflite_int8", "TFLite int8")):
        if name in acc:
            a = acc[name]
            rows.append((what, _i(a["windows"]), _f(a["mae"]), _f(a.get("argmax_agreement"), 3) if name != "pytorch"
                         else "-", _i(e["artefacts"].get(name, {}).get("bytes")) if name != "pytorch" else "-"))
    micro = e.get("tflite_micro", {})
    return [doc.Heading("Float and int8"),
            doc.Text(f"Scored on {held.get('windows', 'n/a')} test windows drawn with seed {e.get('seed', 0)} from "
                     f"participants {', '.join(held.get('participants', [])) or 'of the test split'} (a sample of the "
                     f"test split, so these MAEs differ slightly from the table above). int8 costs "
                     f"{e.get('int8_mae_loss_bpm', float('nan')):+.2f} BPM. TFLite Micro gives the int8 model's "
                     f"outputs bit for bit on {micro.get('windows_checked', 'n/a')} windows "
                     f"({micro.get('windows_mismatched', 'n/a')} differ)."),
            doc.Table(("model", "windows", f"MAE {e.get('readout', 'argmax')} (BPM)", "argmax agreement with float",
                       "file (B)"), tuple(rows))]


def _host_blocks(facts: RunFacts) -> list[doc.Block]:
    h = facts.host
    if not h:
        return []
    rows = []
    for name, r in h["runtimes"].items():
        if "latency_ms" not in r:
            rows.append((name, "skipped", "-", "-", "-", r.get("skipped", "")))
            continue
        lat = r["latency_ms"]
        rows.append((name, _f(lat["p50"], 3), _f(lat["p95"], 3), _i(r.get("file_bytes")),
                     _f(r.get("rss_growth_bytes", 0) / 2**20, 1), _f(r.get("mae_bpm"))))
    return [doc.Heading("Host costs"),
            doc.Text(f"One window at a time (batch 1), {h.get('runs', 'n/a')} timed inferences, "
                     f"{next(iter(h['runtimes'].values())).get('threads', 1)} thread(s), on "
                     f"{facts.env.get('platform', 'this machine')}. Host latency is noisy on a shared machine; "
                     "the microcontroller figures below are exact."),
            doc.Table(("runtime", "latency p50 (ms, batch 1)", "latency p95 (ms, batch 1)", "file (B)",
                       "process memory growth (MiB)", "MAE (BPM, export's test sample)"), tuple(rows))]


def _mcu_blocks(facts: RunFacts) -> list[doc.Block]:
    if not facts.mcu and not facts.streams:
        return [doc.Heading("Microcontroller costs"),
                doc.Text(f"Not measured yet: `edgeppg bench {facts.run} --target cortex-m4`.")]
    rows = []
    for r in facts.mcu.values():
        energy = r.get("energy") or {}
        rows.append((f"{r.get('backend', 'native')} {r.get('opt', '')} on {r.get('board', '')}",
                     _i(r.get("flash_bytes")), _i(r.get("ram_bytes")), _i(r.get("arena_bytes")),
                     _i(r.get("instructions_per_inference")),
                     _f((r.get("estimated_ms") or {}).get("64 MHz"), 1),
                     _f(energy.get("energy_uj_per_inference"), 0), _f(energy.get("battery_hours"), 0),
                     "yes" if r.get("fits") else "NO", "yes" if r.get("bit_exact") else "NO"))
    blocks: list[doc.Block] = [
        doc.Heading("Microcontroller costs"),
        doc.Text(f"Cortex-M4F firmware under QEMU (instructions counted exactly). Flash: {FLASH_MEANS}. "
                 f"RAM: {RAM_MEANS} used. Time at 64 MHz assumes the stated cycles per instruction; energy is an "
                 "estimate for the inference alone on an nRF52840 (datasheet currents), one window every 2 s, "
                 "battery life for the capacity given to bench."),
        doc.Table(("firmware", "flash (B)", "RAM (B)", "arena (B)", "instructions / window", "ms @ 64 MHz",
                   "energy (uJ / window)", "battery (h)", "fits the nRF52840", "bit-exact"), tuple(rows))]
    if facts.streams:
        srows = []
        for name, s in facts.streams.items():
            ipw = s.get("instructions_per_window", {})
            srows.append((name, _i(s.get("windows")), _f(s.get("mae_bpm")), _f(s.get("mae_bpm_argmax")),
                          _f(100 * s.get("agree", 0), 1), _i(sum(ipw.values()) if ipw else None),
                          _i(s.get("flash_bytes")), _i(s.get("ram_bytes"))))
        blocks += [doc.Text("The heart-rate monitor firmware on a raw sample stream (`edgeppg stream`): "
                            "preprocessing, model and tracker on the emulated device, against the recording's "
                            "reference and the host's device-equivalent pipeline. Flash and RAM here are the whole "
                            "monitor's."),
                   doc.Table(("recording", "windows", "MAE tracked (BPM)", "MAE argmax (BPM)",
                              "windows equal to host (%)", "instructions / window", "flash (B)", "RAM (B)"),
                             tuple(srows))]
    return blocks


def build_card(facts: RunFacts) -> tuple[str, list[doc.Block]]:
    cfg, met = facts.config, facts.metrics
    k = cfg.distill
    who = "trained from the labels" if not strategy(k.strategy).needs_teacher else \
        f"distilled ({k.strategy}{f', beta {k.beta:g}' if k.strategy == 'dkd' else ''}) from `{k.teacher}`"
    test = met.get("test", {})
    title = f"{CARD_TITLE}{facts.run.name}"
    blocks: list[doc.Block] = [
        doc.Text(f"{cfg.model.describe()} ({met.get('params', 0):,} parameters, {met.get('macs', 0) / 1e6:.2f} M "
                 f"multiply-accumulates per window), {who}. Test MAE {_f(test.get('mae'))} BPM ({facts.readout} "
                 f"read-out) over {_i(test.get('windows'))} windows of participants it never saw."),
    ]
    blocks += _data_blocks(facts)
    m = cfg.model
    blocks += [doc.Heading("Architecture"),
               doc.Table(("setting", "value"), tuple((f.name, _setting(getattr(m, f.name))) for f in fields(m)) + (
                   ("parameters", f"{met.get('params', 0):,}"), ("MACs per window", f"{met.get('macs', 0):,}"),
                   ("input", ("the stream's last 24 s at 25 Hz, each 2 s normalised once with the 8 s window it "
                              "ended (the streaming family: each sample computed once)" if cfg.data.stream else
                              "200 samples (8 s at 25 Hz), normalised") + (
                       "" if cfg.data.inputs == "ppg" else ", after the accelerometer front end (inputs "
                       f"{cfg.data.inputs}: what the wrist's acceleration explains removed"
                       + (", and what sits at its step rate" if "steps" in cfg.data.inputs else "")
                       + (", each 2 s of it computed once" if cfg.data.inputs in CHUNKED_STEPS else "")
                       + ", firmware/monitor/ep_cancel.c)")),
                   ("output", "180 logits, 30-209 BPM")))]
    hist = met.get("history") or []
    blocks += [doc.Heading("Training"),
               doc.Text(f"{met.get('epochs_run', len(hist))} epochs ({'stopped early' if met.get('stopped_early') else 'the full budget'}), "
                        f"weights from epoch {met.get('best_epoch')} (best validation MAE), "
                        f"{met.get('train_seconds', 0):.0f} s on {facts.env.get('cpu_count', '?')} CPU core(s), "
                        f"seed {cfg.train.seed}.")]
    if hist:
        blocks.append(doc.Figure("training_curve", figures.training_curve(hist, int(met.get("best_epoch", 0))),
                                 "Validation MAE per epoch and the training loss terms"))
    blocks += _accuracy_blocks(facts)
    if facts.test:
        blocks.append(doc.Figure("hr_test", figures.hr_over_time(facts.test, facts.window_readout),
                                 "Heart rate over time, test participants (unseen), against the label"))
        est, ref = facts.pooled_test()
        blocks.append(doc.Figure("bland_altman", figures.bland_altman(est, ref, f"test windows ({facts.readout})"),
                                 f"Bland-Altman, all {len(ref):,} test windows, {facts.readout} read-out"))
    if facts.watch is not None:
        blocks.append(doc.Figure("hr_watch", figures.hr_over_time([facts.watch], facts.window_readout),
                                 "Heart rate over time on the real watch recording, against the watch's own HR"))
    blocks += _int8_blocks(facts) + _host_blocks(facts) + _mcu_blocks(facts)
    lines, hidden = reproduce(facts)
    dirty = " (the run was made with uncommitted changes on top of it)" \
        if facts.env.get("git_uncommitted_changes") else ""
    blocks += [doc.Heading("Reproduce"),
               doc.Text(f"From a checkout at commit `{facts.env.get('git_commit', 'unknown')}`{dirty} with `make setup` "
                        f"(edgeppg {facts.env.get('edgeppg', '?')}, torch {facts.env.get('torch', '?')}, "
                        f"Python {facts.env.get('python', '?')}). The run was made by: "
                        f"`{command_line(facts.env) or 'unknown'}`."),
               doc.Commands(tuple(lines))]
    if hidden:
        blocks.append(doc.Text("Set from Python, not the command line: " + "; ".join(hidden) + "."))
    return title, blocks


def write_card(run: Path, out: Path | None = None, watch: bool = True) -> tuple[Path, Path]:
    """card.md (+ PNGs) and card.html in `out` (default: the run's card/ folder), published whole over
    the old card (`files.publishing`); a folder given as `out` that holds files of those names no card wrote
    is refused. Only a card written into the run folder takes its lock: with `--out`
    elsewhere the run is only read, and may be read-only."""
    run = Path(run)
    folder = run if run.is_dir() else run.parent
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise EdgeppgError(f"--out {out}: is a file, not a folder for the card")
    target = Path(out) if out else folder / files.CARD_DIR
    names = (files.CARD_MD, files.CARD_HTML, *(f"{f}.png" for f in FIGURES))
    marks = {files.CARD_MD: f"# {CARD_TITLE}", files.CARD_HTML: f"<title>{CARD_TITLE}"}
    if out is not None and (theirs := files.not_ours(target, names, marks)):
        raise EdgeppgError(f"--out {out}: holds {', '.join(theirs)} that no edgeppg card wrote; a card replaces only "
                           "its own files: choose another folder")
    inside = target.resolve().is_relative_to(folder.resolve())
    with lock.run_folder(folder, "card") if inside and folder.is_dir() else nullcontext():
        facts = collect(run, watch)
        title, blocks = build_card(facts)
        with files.publishing(target, names, files.CARD_HTML) as stage:
            md = doc.to_markdown(title, blocks, stage)
            files.atomic_write_bytes(stage / files.CARD_MD, md.encode())
            files.atomic_write_bytes(stage / files.CARD_HTML, doc.to_html(title, blocks).encode())
    return target / files.CARD_MD, target / files.CARD_HTML
