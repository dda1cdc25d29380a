"""Bad input, table by table: every case exits with status 2 and one line on stderr that names the file
or option at fault, with no traceback, and leaves no partial or temporary file behind.

Cases run `edgeppg.cli.main` in this process (fast); the ones about processes (a held lock, a full disk,
Ctrl-C) run the command in a child process.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.io import savemat

from dataset_files import write_wildppg_participant
from edgeppg.cli import main

DEBRIS = re.compile(r"\.tmp\d+|\.building|\.edgeppg\.lock$")


def debris(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if DEBRIS.search(p.name)]


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        main([str(a) for a in argv])
    return exit_.value.code, capsys.readouterr().err


def assert_one_line_error(code: int, stderr: str, names: str) -> None:
    assert code == 2, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and "Traceback" not in stderr
    assert names in lines[0], f"'{names}' not in: {lines[0]}"


# --- the files the cases damage or point at -----------------------------------------------------------------

def _rows(n: int, rate: float = 25.0, bad: dict | None = None, back: int | None = None, gap: tuple | None = None,
          axes: str = "acc_x,acc_y,acc_z", hr: bool = True, scale: float = 1.0, acc: str = "0.0",
          bpm: str = "72") -> str:
    """A CSV recording's text: n samples of a 72 BPM pulse at `rate` (its amplitude `scale`), with the given
    damage."""
    t = np.arange(n) / rate
    ppg = np.sin(2 * np.pi * 1.2 * t)
    lines = [f"time_s,ppg,{axes}" + (",hr" if hr else "")]
    for i in range(n):
        time = t[i] - (1.0 if back is not None and i == back else 0.0)
        value = (bad or {}).get(i, "" if gap and gap[0] <= i <= gap[1] else
                                f"{ppg[i]:.4f}" if scale == 1.0 else repr(float(ppg[i] * scale)))
        lines.append(f"{time:.4f},{value}" + f",{acc}" * len(axes.split(",")) + (f",{bpm}" if hr else ""))
    return "\n".join(lines) + "\n"


def _csv(tmp: Path, text: str) -> Path:
    path = tmp / "rec.csv"
    path.write_text(text)
    return path


def _copy(src: Path, tmp: Path) -> Path:
    dst = tmp / "run"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("firmware", "card"))
    return dst


def _torch_file(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(obj, path)
    return path


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > PWNED",))


def _model_with_config(tmp: Path, teacher: Path, edit: Callable[[dict], None]) -> Path:
    run = _copy(teacher, tmp)
    obj = torch.load(run / "model.pt", weights_only=True)
    edit(obj["config"])
    torch.save(obj, run / "model.pt")
    return run


def _wildppg(tmp: Path, edit: Callable[[dict], None]) -> Path:
    from scipy.io import loadmat

    root = tmp / "wildppg"
    root.mkdir()
    write_wildppg_participant(root, "l38", 60, 70.0, np.random.default_rng(0))
    f = root / "WildPPG_Part_l38.mat"
    mat = {k: v for k, v in loadmat(str(f)).items() if not k.startswith("__")}
    edit(mat)
    savemat(f, mat)
    return root


def _study(tmp: Path, text: str) -> Path:
    path = tmp / "study.yaml"
    path.write_text(text)
    return path


# --- the table: (id, setup(tmp, teacher, exported) -> argv, what the message must name) ---------------------

CASES: list[tuple[str, Callable, str]] = [
    # command-line options: every numeric one is checked before any work
    ("epochs-negative", lambda t, *_: ["train", "--out", t / "r", "--epochs", "-3"], "--epochs"),
    ("epochs-zero", lambda t, *_: ["train", "--out", t / "r", "--epochs", "0"], "--epochs"),
    ("epochs-text", lambda t, *_: ["train", "--out", t / "r", "--epochs", "ten"], "--epochs"),
    ("batch-size-zero", lambda t, *_: ["train", "--out", t / "r", "--batch-size", "0"], "--batch-size"),
    ("lr-nan", lambda t, *_: ["train", "--out", t / "r", "--lr", "nan"], "--lr"),
    ("lr-negative", lambda t, *_: ["train", "--out", t / "r", "--lr", "-0.1"], "--lr"),
    ("width-zero", lambda t, *_: ["train", "--out", t / "r", "--width", "0"], "--width"),
    ("kernel-zero", lambda t, *_: ["train", "--out", t / "r", "--kernel", "0"], "--kernel"),
    ("threads-negative", lambda t, *_: ["train", "--out", t / "r", "--threads", "-2"], "--threads"),
    ("blocks-zero", lambda t, *_: ["train", "--out", t / "r", "--blocks", "0"], "--blocks"),
    ("blocks-huge", lambda t, *_: ["train", "--out", t / "r", "--blocks", "99"], "--blocks"),
    ("block-strides-text", lambda t, *_: ["train", "--out", t / "r", "--blocks", "3", "--block-strides", "1,x,1"],
     "--block-strides"),
    ("stream-strides-off-the-hop", lambda t, *_: ["train", "--out", t / "r", "--stream", "--stem-stride", "2"],
     "--stream"),
    ("hidden-zero", lambda t, *_: ["train", "--out", t / "r", "--arch", "mlp", "--hidden", "0"], "--hidden"),
    ("subjects-too-few", lambda t, *_: ["train", "--out", t / "r", "--subjects", "1"], "--subjects"),
    ("kernel-even", lambda t, *_: ["train", "--out", t / "r", "--kernel", "4"], "--kernel: must be odd"),
    ("student-kernel-even", lambda t, te, _: ["distill", "--teacher", te, "--out", t / "s", "--student-kernel", "4"],
     "--student-kernel: must be odd"),
    ("mlp-with-a-kernel", lambda t, *_: ["train", "--out", t / "r", "--arch", "mlp", "--kernel", "5", "--width", "8"],
     "--width, --kernel: not read by the mlp (its options: --hidden)"),
    ("resnet-with-mlp-units", lambda t, te, _: ["distill", "--teacher", te, "--out", t / "s", "--student-hidden", "32"],
     "--student-hidden: not read by the resnet1d"),
    ("minutes-zero", lambda t, *_: ["train", "--out", t / "r", "--minutes", "0"], "--minutes"),
    ("data-seed-negative", lambda t, *_: ["train", "--out", t / "r", "--data-seed", "-1"], "--data-seed"),
    ("patience-zero", lambda t, *_: ["train", "--out", t / "r", "--patience", "0"], "--patience"),
    ("split-unknown", lambda t, *_: ["train", "--out", t / "r", "--split", "halves"], "--split"),
    ("readout-unknown", lambda t, *_: ["train", "--out", t / "r", "--readout", "median"], "--readout"),
    ("unknown-option", lambda t, *_: ["train", "--out", t / "r", "--epoch", "3"], "--epoch"),
    ("dataset-unknown", lambda t, *_: ["train", "--out", t / "r", "--dataset", "mimic"], "--dataset mimic: unknown"),
    ("dataset-without-root", lambda t, *_: ["train", "--out", t / "r", "--dataset", "dalia"], "--root"),
    ("dataset-root-missing", lambda t, *_: ["train", "--out", t / "r", "--dataset", "wildppg", "--root",
                                            t / "nowhere"], "nowhere"),
    ("site-unknown", lambda t, *_: ["train", "--out", t / "r", "--site", "knee"], "--site"),
    ("variety-unknown", lambda t, *_: ["train", "--out", t / "r", "--variety", "noise,wobble"], "--variety"),
    ("cadence-share-above-one", lambda t, *_: ["train", "--out", t / "r", "--cadence-share", "1.5"], "--cadence-share"),
    ("inputs-unknown", lambda t, *_: ["train", "--out", t / "r", "--inputs", "ppg-gyro"], "--inputs"),
    ("augment-above-one", lambda t, *_: ["train", "--out", t / "r", "--augment", "1.5"], "--augment"),
    ("ema-one", lambda t, *_: ["train", "--out", t / "r", "--ema", "1"], "--ema"),
    ("stem-stride-zero", lambda t, *_: ["train", "--out", t / "r", "--stem-stride", "0"], "--stem-stride"),
    ("distill-student-stem-stride", lambda t, te, _: ["distill", "--teacher", te, "--out", t / "r",
                                                      "--student-stem-stride", "0"], "--student-stem-stride"),
    ("distill-student-width", lambda t, te, _: ["distill", "--teacher", te, "--out", t / "r", "--student-width",
                                                "0"], "--student-width"),
    ("distill-no-teacher", lambda t, *_: ["distill", "--out", t / "r"], "--teacher"),
    ("distill-teacher-missing", lambda t, *_: ["distill", "--teacher", t / "nowhere", "--out", t / "r"], "nowhere"),
    ("distill-student-blocks", lambda t, te, _: ["distill", "--teacher", te, "--out", t / "r", "--student-blocks",
                                                 "0"], "--student-blocks"),
    ("distill-beta-negative", lambda t, te, _: ["distill", "--teacher", te, "--out", t / "r", "--beta", "-1"],
     "--beta"),
    ("distill-tau-inf", lambda t, te, _: ["distill", "--teacher", te, "--out", t / "r", "--tau", "inf"], "--tau"),
    ("distill-warmup-negative", lambda t, te, _: ["distill", "--teacher", te, "--out", t / "r", "--warmup", "-1"],
     "--warmup"),
    ("info-width-zero", lambda t, *_: ["info", "--width", "0"], "--width"),
    ("info-kernel-zero", lambda t, *_: ["info", "--kernel", "0"], "--kernel"),
    ("export-eval-windows-zero", lambda t, te, _: ["export", _copy(te, t), "--eval-windows", "0"], "--eval-windows"),
    ("export-calib-windows-zero", lambda t, te, _: ["export", _copy(te, t), "--calib-windows", "0"],
     "--calib-windows"),
    ("bench-m4-windows-zero", lambda t, _, ex: ["bench", ex, "--target", "cortex-m4", "--windows", "0"], "--windows"),
    ("bench-runs-zero", lambda t, _, ex: ["bench", ex, "--runs", "0"], "--runs"),
    ("bench-batch-zero", lambda t, _, ex: ["bench", ex, "--batch", "0"], "--batch"),
    ("bench-target-unknown", lambda t, _, ex: ["bench", ex, "--target", "cortex-m99"],
     "unknown target 'cortex-m99' (available: host, cortex-m0, cortex-m3, cortex-m4, cortex-m7, cortex-m33, cortex-m55)"),
    ("bench-runtime-unknown", lambda t, _, ex: ["bench", ex, "--runtime", "tvm"], "runtime 'tvm'"),
    ("bench-compare-three", lambda t, _, ex: ["bench", ex, ex, ex, "--compare"], "--compare"),
    ("bench-battery-zero", lambda t, _, ex: ["bench", ex, "--target", "cortex-m4", "--battery-mah", "0"],
     "--battery-mah"),
    ("build-board-unknown", lambda t, _, ex: ["build", ex, "--board", "esp32"], "board 'esp32'"),
    ("build-windows-zero", lambda t, _, ex: ["build", ex, "--windows", "0"], "--windows"),
    ("sweep-workers-negative", lambda t, *_: ["sweep", "quick", "--workers", "-1"], "--workers"),
    ("sweep-unknown-study", lambda t, *_: ["sweep", "nosuch"], "nosuch"),
    ("eval-dataset-unknown", lambda t, te, _: ["eval", te, "--eval-dataset", "mimic"],
     "--eval-dataset mimic: unknown (available: synthetic, dalia, wildppg, galaxyppg, e2epyppg, cadence)"),
    ("eval-dataset-without-root", lambda t, te, _: ["eval", te, "--eval-dataset", "dalia"],
     "--eval-dataset dalia needs --eval-root"),
    ("eval-root-is-a-file", lambda t, te, _: ["eval", te, "--eval-dataset", "dalia", "--eval-root", _csv(t, "x\n")],
     "a file, not a folder (--eval-root"),
    ("reference-out-is-a-file", lambda t, *_: ["reference", "--out", _csv(t, "x\n"), "--runs", t / "runs"],
     "rec.csv: a file, not a folder; choose another --out"),
    ("root-is-a-file", lambda t, *_: ["train", "--out", t / "r", "--dataset", "dalia", "--root", _csv(t, "x\n")],
     "a file, not a folder (--root"),
    ("teacher-is-a-csv", lambda t, *_: ["distill", "--teacher", _csv(t, _rows(400)), "--out", t / "s"],
     "rec.csv: not a readable checkpoint (not a PyTorch file, or a damaged one)"),
    ("opt-unknown", lambda t, _, ex: ["build", ex, "--opt", "-O9"],
     "unknown optimisation '-O9' (use -O1, -O2, -O3 or -Os)"),
    # a data set's option where nothing reads it (it was silently ignored)
    ("root-for-synthetic", lambda t, *_: ["train", "--out", t / "r", "--root", t],
     "synthetic is generated and reads no"),
    ("site-for-dalia", lambda t, *_: ["train", "--out", t / "r", "--dataset", "dalia", "--root", t, "--site", "head"],
     "--site head: only wildppg reads it, not dalia"),
    ("eval-root-for-the-bundled-watch", lambda t, te, _: ["eval", te, "--eval-dataset", "e2epyppg", "--eval-root", t],
     "e2epyppg is bundled, so it would be ignored"),
    ("label-for-a-recording", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400)), "--label", "ecg"],
     "--label ecg: --recording reads its own file"),
    ("stream-recording-unknown", lambda t, _, ex: ["stream", ex, "--recording", "holter:1"], "holter:1"),
    ("stream-participant-unknown", lambda t, _, ex: ["stream", ex, "--recording", "synthetic:S99"], "S99"),
    ("stream-recording-like-an-emoji", lambda t, _, ex: ["stream", ex, "--recording", "e2epyppg:x"],
     "e2epyppg:x"),
    ("sweep-out-is-a-file", lambda t, *_: ["sweep", "quick", "--out", (t / "f").write_text("x") and t / "f"],
     "is a file"),
    ("sweep-study-is-a-folder", lambda t, *_: ["sweep", (t / "d").mkdir() or t / "d"], "a folder"),
    ("card-out-is-a-file", lambda t, _, ex: ["card", ex, "--out", (t / "f").write_text("x") and t / "f"],
     "is a file"),
    ("card-out-holds-a-users-page", lambda t, _, ex: ["card", ex, "--out", _folder_with(t, "card.html", "<p>mine"),
                                                      "--no-watch"], "holds card.html that no edgeppg card wrote"),
    ("flash-emulated-board", lambda t, _, ex: ["flash", ex, "--board", "mps2_an386"], "mps2_an386"),
    ("flash-not-exported-int8", lambda t, _, ex: ["flash", _damaged_export(t, ex, "device.json", b"{}")],
     "device.json: not an edgeppg device contract"),  # said before any probe is looked for (none is attached here)
    ("flash-stream-recording-unknown", lambda t, _, ex: ["flash", ex, "--stream", "holter:1"],
     "--stream holter:1: unknown recording"),  # said before any probe is looked for (none is attached here)
    ("flash-stream-with-self-test-options", lambda t, _, ex: ["flash", ex, "--stream", "e2epyppg", "--backend",
                                                                "tflm", "--windows", "4"],
     "--backend, --windows: the self-test's, not the monitor's"),
    ("bench-host-with-a-board", lambda t, _, ex: ["bench", ex, "--board", "alif_b1_dk"],
     "--board: a core's option, not the host's: give --target (--board alif_b1_dk is a cortex-m55)"),
    ("bench-core-with-a-runtime", lambda t, _, ex: ["bench", ex, "--target", "cortex-m4", "--runtime", "tflite_int8"],
     "--runtime: the host's runtimes, not a core's: --target cortex-m4 runs the firmware"),
    ("bench-host-with-profile", lambda t, _, ex: ["bench", ex, "--profile", "--helium"],
     "--helium, --profile: a core's option, not the host's: give --target"),
    # run folders and checkpoints
    ("out-is-a-file", lambda t, *_: ["train", "--out", (t / "f").write_text("x") and t / "f", "--epochs", "1"],
     "is a file"),
    ("train-into-finished-run", lambda t, te, _: ["train", "--out", _copy(te, t), "--epochs", "1"],
     "finished run"),
    ("resume-nothing", lambda t, *_: ["train", "--out", t / "r", "--resume"], "nothing to resume"),
    ("eval-empty-folder", lambda t, *_: ["eval", (t / "e").mkdir() or t / "e"], "model.pt"),
    ("eval-hostile-model", lambda t, *_: ["eval", _torch_file(t / "m" / "model.pt", {"a": Evil()})], "model.pt"),
    ("eval-garbage-model", lambda t, *_: ["eval", (t / "model.pt").write_bytes(b"\x00garbage") and t / "model.pt"],
     "model.pt"),
    ("eval-json-as-run", lambda t, *_: ["eval", (t / "x.json").write_text("{}") and t / "x.json"], "x.json"),
    ("eval-tensor-not-dict", lambda t, *_: ["eval", _torch_file(t / "model.pt", torch.zeros(3))], "model.pt"),
    ("eval-model-wrong-format", lambda t, *_: ["eval", _torch_file(t / "model.pt", {"format": "other"})],
     "model.pt"),
    ("eval-model-string-width", lambda t, te, _: ["eval", _model_with_config(
        t, te, lambda c: c["model"].update(width="wide"))], "model.width"),
    ("eval-model-config-list", lambda t, te, _: ["eval", _model_with_config(
        t, te, lambda c: c.update(train=[1, 2]))], "train"),
    ("eval-model-config-missing", lambda t, te, _: ["eval", _model_with_config(
        t, te, lambda c: c.pop("distill"))], "distill"),
    ("resume-checkpoint-missing-keys", lambda t, te, _: ["train", "--out", _unfinished(t, te, {"distiller": {}}),
                                                          *TEACHER_OPTIONS, "--resume"], "no 'optimizer'"),
    ("resume-checkpoint-garbage", lambda t, te, _: ["train", "--out", _unfinished(t, te, b"\x80junk"),
                                                    *TEACHER_OPTIONS, "--resume"], "checkpoint.pt"),
    ("resume-config-json-list", lambda t, te, _: ["train", "--out", _unfinished(t, te, None, config="[]"),
                                                  *TEACHER_OPTIONS, "--resume"], "config.json"),
    ("resume-other-config", lambda t, te, _: ["train", "--out", _unfinished(t, te, None),
                                              *TEACHER_OPTIONS[:-2], "--epochs", "7", "--resume"], "train.epochs"),
    ("sweep-ray-no-cluster", lambda t, *_: ["sweep", "quick", "--out", t / "q", "--ray", "auto"], "--ray auto"),
    ("card-unfinished-run", lambda t, *_: ["card", (t / "c").mkdir() or t / "c"], "metrics.json"),
    ("export-empty-folder", lambda t, *_: ["export", (t / "x").mkdir() or t / "x"], "model.pt"),
    ("bench-m4-not-exported", lambda t, te, _: ["bench", _copy(te, t), "--target", "cortex-m4"], "edgeppg export"),
    ("stream-not-exported", lambda t, te, _: ["stream", _copy(te, t)], "edgeppg export"),
    # studies
    ("study-epochs-text", lambda t, *_: ["sweep", _study(t, "epochs: ten\n")], "epochs"),
    ("study-width-zero", lambda t, *_: ["sweep", _study(t, "width: 0\n")], "width"),
    ("study-even-kernel", lambda t, *_: ["sweep", _study(t, "name: s\nkernel: 4\n")],
     "study.yaml: kernel: must be odd for a window model's 'same' padding, got 4"),
    ("study-unknown-key", lambda t, *_: ["sweep", _study(t, "epoch: 3\n")], "epoch"),
    ("study-duplicate-key", lambda t, *_: ["sweep", _study(t, "seeds: [0, 1]\nepochs: 2\nseeds: [0]\n")],
     "study.yaml: not valid YAML (the key 'seeds' is given twice (line 3))"),
    ("study-not-yaml", lambda t, *_: ["sweep", _study(t, "epochs: [1,\n")], "study.yaml"),
    ("study-a-list", lambda t, *_: ["sweep", _study(t, "- 1\n- 2\n")], "study.yaml"),
    ("study-data-root-missing", lambda t, *_: ["sweep", _study(t, f"dataset: {{name: dalia, root: {t}/none}}\n")],
     "none"),
    ("study-strategy-unknown", lambda t, *_: ["sweep", _study(t, "strategies: [crd]\n")], "crd"),
    ("study-beta-negative", lambda t, *_: ["sweep", _study(t, "betas: [-1]\n")], "betas"),
    ("study-students-zero", lambda t, *_: ["sweep", _study(t, "students: [0]\n")], "students"),
    ("study-empty", lambda t, *_: ["sweep", _study(t, "name: empty\nteachers: []\nstudents: []\n")], "no cells"),
    ("study-seed-twice", lambda t, *_: ["sweep", _study(t, "seeds: [0, 1, 0]\n")], "seeds: 0 is given twice"),
    ("study-beta-twice", lambda t, *_: ["sweep", _study(t, "betas: [8, 8.0]\n")], "betas: 8.0 is given twice"),
    ("study-dkd-without-betas", lambda t, *_: ["sweep", _study(t, "betas: []\n")], "strategy dkd would have no cells"),
    ("contract-scale-zero", lambda t, _, ex: ["stream", _contract_scale(t, ex, 0.0)], "input.scale is 0.0"),
    ("contract-scale-nan", lambda t, _, ex: ["build", _contract_scale(t, ex, float("nan"))], "input.scale is nan"),
    ("study-synthetic-unknown", lambda t, *_: ["sweep", _study(t, "dataset: {name: synthetic, people: 3}\n")],
     "people"),
    # data files of the three real data sets
    ("wildppg-empty-id", lambda t, *_: ["data", "prepare", "--dataset", "wildppg", "--root",
                                        _wildppg(t, lambda m: m.update(id=""))], "id"),
    ("wildppg-empty-site", lambda t, *_: ["data", "prepare", "--dataset", "wildppg", "--root",
                                          _wildppg(t, lambda m: m.update(wrist=np.zeros((0, 0))))], "wrist"),
    ("wildppg-not-matlab", lambda t, *_: ["data", "prepare", "--dataset", "wildppg", "--root", _not_matlab(t)],
     "WildPPG_Part_l38.mat"),
    ("wildppg-no-files", lambda t, *_: ["data", "prepare", "--dataset", "wildppg", "--root",
                                        (t / "w").mkdir() or t / "w"], "*.mat"),
    ("dalia-hostile-pickle", lambda t, *_: ["data", "prepare", "--dataset", "dalia", "--root", _dalia(t, Evil())],
     "S1.pkl"),
    ("dalia-garbage-pickle", lambda t, *_: ["data", "prepare", "--dataset", "dalia", "--root", _dalia(t, b"junk")],
     "S1.pkl"),
    ("galaxy-empty-root", lambda t, *_: ["data", "prepare", "--dataset", "galaxyppg", "--root",
                                         (t / "galaxyroot").mkdir() or t / "galaxyroot"], "galaxyroot"),
    # exports and firmware
    ("device-json-damaged", lambda t, _, ex: ["stream", _damaged_export(t, ex, "device.json", b"{not json")],
     "device.json"),
    ("int8-model-garbage", lambda t, _, ex: ["build", _damaged_export(t, ex, "model_int8.tflite", b"\x00" * 64)],
     "model_int8.tflite"),
    # the int8 model, its contract and its vectors belong together (files.fingerprint)
    ("int8-model-altered-after-export", lambda t, _, ex: ["build", _altered_model(t, ex)],
     "model_int8.tflite is not the model export wrote"),
    ("int8-model-altered-bench", lambda t, _, ex: ["bench", _altered_model(t, ex), "--target", "cortex-m4"],
     "(changed since, or an export interrupted halfway)"),
    ("int8-model-altered-stream", lambda t, _, ex: ["stream", _altered_model(t, ex)],
     "(changed since, or an export interrupted halfway)"),
    ("contract-without-fingerprint", lambda t, _, ex: ["build", _contract_edit(t, ex, lambda c: c.pop("model_sha256"))],
     "device.json: names no model fingerprint"),
    ("vectors-of-another-model", lambda t, _, ex: ["build", _vectors_of_another_model(t, ex)],
     "is not the model export wrote device_vectors.npz for"),
    # the contract checked where it is read: what the firmware and the host's copy of it act on
    ("contract-zero-point-outside-int8", lambda t, _, ex: ["build", _contract_edit(
        t, ex, lambda c: c["input"].update(zero_point=300))], "device.json: input.zero_point is 300"),
    ("contract-zero-point-fraction", lambda t, _, ex: ["stream", _contract_edit(
        t, ex, lambda c: c["output"].update(zero_point=1.5))], "'output.zero_point' is float"),
    ("contract-no-rate", lambda t, _, ex: ["build", _contract_edit(t, ex, lambda c: c.update(resamplers=[]))],
     "device.json: 'resamplers' is empty"),
    ("contract-rate-its-filter-does-not-take", lambda t, _, ex: ["stream", _contract_edit(
        t, ex, lambda c: c["resamplers"][0].update(rate_hz=26.0))], "resamplers.0: up/down 1/1: 26 Hz takes 25/26"),
    ("contract-taps-cut", lambda t, _, ex: ["build", _contract_edit(
        t, ex, lambda c: c["resamplers"][-1]["taps"].pop())], "not up x taps_per_phase"),
    ("contract-tracker-zero-spread", lambda t, _, ex: ["stream", _contract_edit(
        t, ex, lambda c: c["tracker"].update(sigma_bpm=0))], "device.json: tracker.sigma_bpm is 0"),
    ("contract-tracker-radius-past-the-classes", lambda t, _, ex: ["build", _contract_edit(
        t, ex, lambda c: c["tracker"].update(radius=500))], "tracker.radius is 500"),
    ("contract-tracker-unknown-parameter", lambda t, _, ex: ["build", _contract_edit(
        t, ex, lambda c: c["tracker"].update(gain=2))], "tracker.gain: not a tracker parameter"),
    ("contract-unknown-input-set", lambda t, _, ex: ["stream", _contract_edit(
        t, ex, lambda c: c["inputs"].update(model="ppg-foo"))], "inputs.model is 'ppg-foo'"),
    ("contract-another-window", lambda t, _, ex: ["build", _contract_edit(
        t, ex, lambda c: c["signal"].update(min_std=-1))], "(signal.min_std -1, expected 1e-06)"),
    # every JSON file the card reads, damaged six ways (edgeppg.schema)
    ("card-metrics-no-test", lambda t, _, ex: ["card", _json_edit(t, ex, "metrics.json", lambda m: m.pop("test")),
                                               "--no-watch"], "metrics.json: no key 'test'"),
    ("card-metrics-text-for-a-number", lambda t, _, ex: ["card", _json_edit(
        t, ex, "metrics.json", lambda m: m["test"].update(mae="low")), "--no-watch"],
     "metrics.json: 'test.mae' is str 'low', expected a number"),
    ("card-export-text-for-an-object", lambda t, _, ex: ["card", _json_edit(
        t, ex, "export.json", lambda m: m.update(accuracy="fine")), "--no-watch"], "export.json: 'accuracy' is str"),
    ("card-bench-no-runtimes", lambda t, _, ex: ["card", _json_edit(
        t, ex, "bench_host.json", lambda m: m.update(runtimes={})), "--no-watch"],
     "bench_host.json: 'runtimes' is empty"),
    ("card-mcu-text-for-bytes", lambda t, _, ex: ["card", _json_edit(
        t, ex, "bench_cortex_m4.json", lambda m: m.update(flash_bytes="38 KB")), "--no-watch"],
     "bench_cortex_m4.json: 'flash_bytes' is str"),
    ("bench-config-damaged", lambda t, _, ex: ["bench", _json_edit(t, ex, "config.json", lambda c: c.update(data=[])),
                                               "--runs", "2"], "config.json: data: expected a mapping of settings"),
    ("card-history-entry-without-val", lambda t, _, ex: ["card", _json_edit(
        t, ex, "metrics.json", lambda m: m["history"][0].pop("val_mae")), "--no-watch"],
     "metrics.json: no key 'history.0.val_mae'"),
    # a recording of one's own (CSV) for eval and stream
    ("csv-no-ppg", lambda t, te, _: ["eval", te, "--recording", _csv(t, "time_s,hr\n0,70\n")], "ppg"),
    ("csv-not-a-number", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, bad={17: "x"}))],
     "line 19, column 'ppg'"),
    ("csv-time-backwards", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, back=50))],
     "time_s goes backwards"),
    ("csv-inf", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, bad={40: "inf"}))],
     "line 42: ppg is inf, not a finite sample"),
    ("csv-too-short", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(100))], "less than one 8 s window"),
    ("csv-nan-stretch", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, gap=(30, 60)))],
     "lines 32-62: no ppg value (a gap of 31 sample(s))"),
    ("csv-two-acc-axes", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, axes="acc_x,acc_y"))],
     "not all of acc_x, acc_y, acc_z"),
    ("csv-too-slow", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(60, rate=5.0))], "too slow"),
    ("csv-time-in-ms", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, rate=0.025))],
     "this looks like milliseconds"),
    ("csv-no-reference", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, hr=False))],
     "no reference heart rate"),
    ("csv-hr-all-unknown", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400).replace(",72\n", ",0\n"))],
     "its hr column has no heart rate"),
    ("csv-ppg-in-amperes", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, scale=1e-8))],
     "rec.csv: the device can read no window of it: ppg varies by at most 7.1e-09 (std)"),
    ("csv-ppg-overflows-float32", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, scale=1e30))],
     "ppg reaches 1e+30, beyond what the device's float32 normalisation holds"),
    ("csv-ppg-constant", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, scale=0.0))],
     "ppg never changes within any 8 s window"),
    ("csv-acc-in-m-s2", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, acc="5.66"))],
     "look like m/s^2 (their magnitude is typically 9.803, gravity at rest); the layout takes g: divide them by 9.81"),
    ("csv-acc-in-milli-g", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, acc="577"))],
     "acc_x, acc_y, acc_z look like milli-g"),
    ("csv-hr-in-hertz", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400, bpm="1.2"))],
     "rec.csv: hr is typically 1.2, not a heart rate in BPM (20-300; beats per second are times 60)"),
    ("csv-missing", lambda t, te, _: ["eval", te, "--recording", t / "none.csv"], "none.csv: file not found"),
    ("csv-and-dataset", lambda t, te, _: ["eval", te, "--recording", _csv(t, _rows(400)), "--eval-dataset",
                                          "synthetic"], "--recording and --eval-dataset"),
    ("csv-stream-time-backwards", lambda t, _, ex: ["stream", ex, "--recording", _csv(t, _rows(400, back=9))],
     "time_s goes backwards"),
]


def _not_matlab(tmp: Path) -> Path:
    root = _wildppg(tmp, lambda m: None)
    (root / "WildPPG_Part_l38.mat").write_text("not a MATLAB file")
    return root


# the options that remake conftest's teacher_dir config, for resuming a copy of it
TEACHER_OPTIONS = ["--blocks", "2", "--width", "16", "--subjects", "10", "--minutes", "8", "--data-seed", "1",
                   "--batch-size", "32", "--patience", "10", "--threads", "2", "--epochs", "6"]


def _unfinished(tmp: Path, teacher: Path, checkpoint, config: str | None = None) -> Path:
    """A copy of the teacher run as if stopped mid-training, with the given checkpoint content."""
    run = _copy(teacher, tmp)
    for name in ("metrics.json", "model.pt"):
        (run / name).unlink()
    if isinstance(checkpoint, bytes):
        (run / "checkpoint.pt").write_bytes(checkpoint)
    elif checkpoint is not None:
        torch.save(checkpoint, run / "checkpoint.pt")
    if config is not None:
        (run / "config.json").write_text(config)
    return run


def _dalia(tmp: Path, payload) -> Path:
    root = tmp / "dalia"
    (root / "S1").mkdir(parents=True)
    with open(root / "S1" / "S1.pkl", "wb") as fh:
        if isinstance(payload, bytes):
            fh.write(payload)
        else:
            pickle.dump(payload, fh)
    return root


def _contract_scale(tmp: Path, exported: Path, scale: float) -> Path:
    run = _copy(exported, tmp)
    contract = json.loads((run / "device.json").read_text())
    contract["input"]["scale"] = scale
    (run / "device.json").write_text(json.dumps(contract))
    return run


def _json_edit(tmp: Path, exported: Path, name: str, edit: Callable[[dict], object]) -> Path:
    """The exported run with one of its JSON files edited (made from the shipped student's when it has none)."""
    run = _copy(exported, tmp)
    path = run / name
    source = path if path.is_file() else Path(__file__).resolve().parents[1] / "models" / "student" / name
    obj = json.loads(source.read_text())
    edit(obj)
    path.write_text(json.dumps(obj))
    return run


def _folder_with(tmp: Path, name: str, text: str) -> Path:
    """A user's folder holding a file of theirs named as one edgeppg writes."""
    folder = tmp / "users"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


def _altered_model(tmp: Path, exported: Path) -> Path:
    """The exported run with one weight byte of its int8 model changed: still a valid model, another one."""
    run = _copy(exported, tmp)
    data = bytearray((run / "model_int8.tflite").read_bytes())
    data[len(data) // 2] ^= 0x01
    (run / "model_int8.tflite").write_bytes(bytes(data))
    return run


def _contract_edit(tmp: Path, exported: Path, edit: Callable[[dict], object]) -> Path:
    run = _copy(exported, tmp)
    contract = json.loads((run / "device.json").read_text())
    edit(contract)
    (run / "device.json").write_text(json.dumps(contract))
    return run


def _vectors_of_another_model(tmp: Path, exported: Path) -> Path:
    run = _copy(exported, tmp)
    with np.load(run / "device_vectors.npz") as z:
        arrays = dict(z)
    np.savez(run / "device_vectors.npz", **{**arrays, "model_sha256": np.array("0" * 64)})
    return run


def _vectors_expect(tmp: Path, exported: Path) -> Path:
    """Test vectors (of this very model) whose expected outputs were altered: the firmware is right."""
    run = _copy(exported, tmp)
    with np.load(run / "device_vectors.npz") as z:
        arrays = dict(z)
    arrays["expected"] = arrays["expected"].copy()
    arrays["expected"][0, 0] ^= 1
    np.savez(run / "device_vectors.npz", **arrays)
    return run


def _damaged_export(tmp: Path, exported: Path, name: str, data: bytes) -> Path:
    run = _copy(exported, tmp)
    (run / name).write_bytes(data)
    return run


def test_the_table_is_broad():
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case, setup, names", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_exit_2(case, setup, names, tmp_path, teacher_dir, exported, capsys,
                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = setup(tmp_path, teacher_dir, exported[0])
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, stderr = run_cli(argv, capsys)
    assert_one_line_error(code, stderr, names)
    assert debris(tmp_path) == []
    assert not (tmp_path / "PWNED").exists()
    if case not in ("out-is-a-file",):  # nothing new, nothing gone
        assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


# --- the process-level cases -------------------------------------------------------------------------------

def _child(argv: list, cwd: Path, prelude: str = "", **kw) -> subprocess.Popen:
    """edgeppg's command line in a child process that Ctrl-C reaches however the suite was started."""
    kw.setdefault("preexec_fn", lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    code = prelude + f"\nimport sys\nsys.argv = ['edgeppg', *{[str(a) for a in argv]!r}]\n" \
                     "from edgeppg.cli import main\nmain()\n"
    return subprocess.Popen([sys.executable, "-c", code], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


TINY = ["--blocks", "1", "--width", "8", "--subjects", "4", "--minutes", "2"]


def test_a_run_folder_in_use_is_refused_and_the_first_run_keeps_its_result(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom edgeppg.lock import run_folder\n"
                               f"with run_folder({str(tmp_path / 'r')!r}, 'train'):\n"
                               "    print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        second = _child(["train", "--out", tmp_path / "r", *TINY, "--epochs", "1"], tmp_path)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 2 and err.count("\n") == 1 and "in use by another edgeppg command" in err
        assert "pid" in err and "Traceback" not in err
        assert list((tmp_path / "r").iterdir()) == [tmp_path / "r" / ".edgeppg.lock"]  # nothing of the second
    finally:
        holder.kill()
        holder.wait()


def test_sigkill_leaves_no_stale_lock_and_the_next_command_corrects_status(tmp_path):
    run = tmp_path / "r"
    child = _child(["train", "--out", run, *TINY, "--minutes", "8", "--epochs", "50"], tmp_path)
    deadline = time.time() + 120
    while not (run / "checkpoint.pt").is_file():
        assert time.time() < deadline and child.poll() is None
        time.sleep(0.2)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert json.loads((run / "status.json").read_text())["status"] == "running"  # what SIGKILL leaves
    card = _child(["card", run], tmp_path)  # any command that takes the folder: here one that then fails
    _, err = card.communicate(timeout=120)
    assert card.returncode == 2 and "metrics.json" in err and "in use" not in err
    status = json.loads((run / "status.json").read_text())
    assert status["status"] == "interrupted" and "stopped without finishing" in status["note"]
    resumed = _child(["train", "--out", run, *TINY, "--minutes", "8", "--epochs", "3", "--resume"], tmp_path)
    _, err = resumed.communicate(timeout=300)
    assert "cannot resume with a different config (changed: train.epochs)" in err  # a real check, not the lock
    assert debris(tmp_path) == []


@pytest.mark.m4
@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m33"])
def test_bench_blames_the_vectors_not_the_firmware_when_tflite_disagrees_with_them(tmp_path, exported, capsys, target):
    """Vectors of this very model whose expected outputs were altered: the firmware computes TFLite's
    outputs, so the one line says the vectors are wrong (bench's record of the failed check is kept), on
    any core: a mismatch fails every target's bench, not only the M4's."""
    code, stderr = run_cli(["bench", _vectors_expect(tmp_path, exported[0]), "--target", target,
                            "--windows", "4"], capsys)
    last = [ln for ln in stderr.splitlines() if ln.strip()][-1]
    assert code == 2 and last.startswith("error: ") and "the vectors are wrong, not the firmware" in last, stderr


def test_a_killed_writers_temporary_file_is_removed_when_the_run_continues(tmp_path):
    """SIGKILL during a checkpoint write leaves `.checkpoint.pt.tmpPID.pt`; the next command in that run folder
    removes it, and leaves a temporary file whose writer still runs."""
    from edgeppg.files import remove_stale_temporaries

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".checkpoint.pt.tmp{dead.pid}.pt"
    live = tmp_path / f".checkpoint.pt.tmp{os.getpid()}.pt"
    for path in (stale, live):
        path.write_bytes(b"half a checkpoint")
    remove_stale_temporaries(tmp_path)
    assert not stale.exists() and live.exists()


@pytest.mark.slow
def test_ctrl_c_in_the_first_epoch_says_there_is_nothing_to_resume(tmp_path):
    child = _child(["train", "--out", tmp_path / "r", "--blocks", "6", "--subjects", "12", "--minutes", "20",
                    "--epochs", "5"], tmp_path)
    deadline = time.time() + 120
    while not (tmp_path / "r" / "status.json").is_file():
        assert time.time() < deadline and child.poll() is None
        time.sleep(0.1)
    time.sleep(1.0)
    assert not (tmp_path / "r" / "checkpoint.pt").exists()
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130 and "nothing to resume" in err and "--resume" not in err
    assert json.loads((tmp_path / "r" / "status.json").read_text())["status"] == "interrupted"
    assert debris(tmp_path) == []

    assert err.count("interrupted") == 1  # said once: by the run, not again by the command line


@pytest.mark.parametrize("command", ["card", "export"])
def test_ctrl_c_in_any_command_says_it_stopped_in_one_line(tmp_path, command):
    """typer makes Ctrl-C inside a command a silent exit 130; every command says that it stopped."""
    stage = {"card": ("edgeppg.card", "write_card"), "export": ("edgeppg.export", "export_run")}[command]
    prelude = (f"import time, {stage[0]} as stage\n"
               "def slow(*a, **k):\n    print('ready', flush=True)\n    time.sleep(60)\n"
               f"stage.{stage[1]} = slow\n")
    child = _child([command, tmp_path], tmp_path, prelude)
    assert child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    said = f"interrupted: edgeppg {command} stopped; what it had not finished was not kept"
    assert err.strip().splitlines() == [said]



def test_ctrl_c_while_the_command_line_loads_is_one_line_too(tmp_path):
    """Loading the command line takes seconds (torch); Ctrl-C then is not a traceback from inside an import."""
    prelude = ("import builtins, time\nreal = builtins.__import__\n"
               "def slow(name, *a, **k):\n"
               "    if name == 'edgeppg.cli':\n        print('ready', flush=True)\n        time.sleep(60)\n"
               "    return real(name, *a, **k)\nbuiltins.__import__ = slow\n")
    child = subprocess.Popen([sys.executable, "-c", prelude + "from edgeppg.__main__ import run\nrun()\n", "card"],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert err.strip().splitlines() == ["interrupted: edgeppg stopped while it was starting; nothing was done"]


ENOSPC = """
import errno, os, pathlib
_real = pathlib.Path.write_bytes
def _full(self, data):
    if {match!r} in self.name:
        with open(self, "wb") as fh:
            fh.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
    return _real(self, data)
pathlib.Path.write_bytes = _full
"""


@pytest.mark.parametrize("stage, match", [("train", "checkpoint.pt"), ("export", "export.json"),
                                          ("card", "card.html")])
@pytest.mark.slow
def test_a_full_disk_is_one_line_and_leaves_no_temporary_file(stage, match, tmp_path, teacher_dir, exported):
    if stage == "train":
        argv = ["train", "--out", tmp_path / "r", *TINY, "--epochs", "2"]
    elif stage == "export":
        argv = ["export", _copy(teacher_dir, tmp_path)]
    else:
        argv = ["card", _copy(exported[0], tmp_path), "--no-watch"]
    child = _child(argv, tmp_path, ENOSPC.format(match=match))
    _, err = child.communicate(timeout=600)
    assert child.returncode == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith(("ONNX", "TFLite", "int8"))]
    assert lines[-1].startswith("error: ") and "No space left on device" in lines[-1] and match in lines[-1]
    assert "Traceback" not in err
    assert debris(tmp_path) == []
    if stage == "train":
        status = json.loads((tmp_path / "r" / "status.json").read_text())
        assert status["status"] == "failed" and "No space left" in status["error"]


@pytest.mark.parametrize("env, argv, names", [
    ({"PATH": "EMPTY"}, ["build", "EXPORTED", "--board", "mps2_an386"], "arm-none-eabi-gcc not found"),
    ({"TFLM_DIR": "NOWHERE"}, ["bench", "EXPORTED", "--target", "cortex-m4", "--backend", "tflm-reference"],
     "TFLM_DIR"),
], ids=["no-arm-gcc", "tflm-dir-missing"])
def test_missing_tools_are_one_line(env, argv, names, tmp_path, exported, capsys, monkeypatch):
    (tmp_path / "empty").mkdir()
    for key, value in env.items():
        monkeypatch.setenv(key, {"EMPTY": str(tmp_path / "empty"), "NOWHERE": str(tmp_path / "nowhere")}[value])
    code, stderr = run_cli([exported[0] if a == "EXPORTED" else a for a in argv], capsys)
    assert_one_line_error(code, stderr, names)
    assert debris(exported[0]) == []
