"""Where the accelerometer front end's time goes, and what its streaming form saves.

On the host build of the device's C (ep_cancel): a motion window (the gate open) goes through the axes' fit and,
for the `ppg-acc-steps` input set, the step stage; the step stage's scan for the accelerometer's dominant rate
(180 one-BPM classes x 3 axes x 200 samples) is timed alone too, and so is the streaming form, whole and its
scan alone (`ppg-acc-steps-stream`: each 2 s chunk's share of the fit and spectrum computed once, on consecutive
windows). The windows are made
to move (a 1.6 Hz swing on every axis, a 2.3 Hz pulse, noise), so every gate opens; the front end's loops do
not depend on the content past the gate.

With --m4, the same on the device: a streaming student (untrained: the front end's cost does not depend on the
weights) behind each input set, exported, its monitor fed a built-in climber's recording under QEMU (Cortex-M4,
-O2); preprocessing instructions per window (resamplers, normalisation, front end) over its motion windows and
its still ones, the monitor's RAM and flash, and whether every window's int8 input and heart rate equal the
host's. Prints and writes benchmarks/results/front_end.json.

    python benchmarks/front_end.py [--windows 2000] [--repeats 5] [--m4]
"""

from __future__ import annotations

import argparse
import tempfile
import timeit
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
from common import write_results

from edgeppg.device import native
from edgeppg.device.spec import FS, WINDOW

STREAM = "ppg-acc-steps-stream"


def moving_windows(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n normalised PPG windows and their accelerometer windows (n, 3, 200), every one past the gate."""
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW) / FS
    ppg = np.sin(2 * np.pi * 2.3 * t)[None] + 0.5 * rng.standard_normal((n, WINDOW))
    acc = 0.3 * np.sin(2 * np.pi * 1.6 * t)[None, None] + 0.1 * rng.standard_normal((n, 3, WINDOW))
    acc[:, 2] += 1.0  # gravity
    return ppg.astype(np.float32), acc.astype(np.float32)


def best_us(fn, n: int, repeats: int) -> float:
    """The fastest of `repeats` calls (after one to warm up), in microseconds per window."""
    fn()
    return min(timeit.repeat(fn, number=1, repeat=repeats)) / n * 1e6


def m4(inputs: str, folder: Path) -> dict:
    """The monitor's preprocessing on the M4 behind `inputs`: a built-in climber streamed under QEMU."""
    from edgeppg import recordings
    from edgeppg.config import RunConfig
    from edgeppg.data.dataset import DataConfig
    from edgeppg.data.synthetic import SyntheticConfig
    from edgeppg.export import export_run
    from edgeppg.mcu.qemu import tick_instructions
    from edgeppg.mcu.stream import build_stream_firmware, host_stream, run_qemu_stream
    from edgeppg.models import ModelSpec, build_model
    from edgeppg.runs import save_model, write_json

    torch.manual_seed(4)
    spec = ModelSpec(blocks=3, width=16, stem_stride=2, block_strides="1,5,1")  # the streaming student's size
    config = RunConfig(DataConfig(synthetic=SyntheticConfig(subjects=5, minutes=4, seed=6, scenario="cadence"),
                                  inputs=inputs, stream=True), spec)
    run = folder / inputs
    run.mkdir(parents=True)
    save_model(run / "model.pt", build_model(spec, stream=True).eval(), config)
    write_json(run / "config.json", config.to_dict())
    export_run(run, calib_windows=100, eval_windows=50, micro_windows=10)
    rec = recordings.load(recordings.default_synthetic(run), run)
    fw, monitor = (build_stream_firmware(run, dump_inputs=dump) for dump in (True, False))
    device = run_qemu_stream(fw.elf, rec.samples, rec.rate_hz, acc=rec.acc, acc_rate_hz=rec.rate_hz)
    host = host_stream(run, rec.samples, rec.rate_hz, acc=rec.acc, acc_rate_hz=rec.rate_hz)
    x, status, _ = native.windows(rec.samples, rec.rate_hz)
    acc = native.acc_windows(rec.acc, rec.rate_hz)
    n = min(len(device.index), len(acc), len(host.status))
    opened = native.cancel(x[:n], acc[:n], inputs)[1] & (status[:n] == 0)
    pre = tick_instructions(device.ticks[:n, 0], Fraction(device.summary["tick_instructions"]))
    ok = host.status[:n] == 0
    return {"inputs": inputs, "recording": rec.name, "windows": int(n), "motion_windows": int(opened.sum()),
            "preprocessing_motion": int(pre[opened].mean()), "preprocessing_still": int(pre[ok & ~opened].mean()),
            "ram_bytes": monitor.static_ram_bytes + int(device.summary["stack"]), "flash_bytes": monitor.flash_bytes,
            "bit_exact": bool((device.inputs[:n][ok] == host.inputs[:n][ok]).all()
                              and (device.tracked_bpm[:n] == host.track.tracked_bpm[:n]).all())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--windows", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--m4", action="store_true", help="also the monitor's preprocessing on the Cortex-M4 (QEMU)")
    args = ap.parse_args()
    ppg, acc = moving_windows(args.windows)
    if not native.cancel(ppg, acc)[1].all():
        raise SystemExit("front_end: a made window did not open the gate; the timings would not be of motion")
    row = {"windows": args.windows,
           "fit_us": best_us(lambda: native.cancel(ppg, acc, "ppg-acc"), args.windows, args.repeats),
           "fit_and_steps_us": best_us(lambda: native.cancel(ppg, acc, "ppg-acc-steps"), args.windows, args.repeats),
           "step_scan_us": best_us(lambda: native.step_rates(acc), args.windows, args.repeats),
           "fit_and_steps_stream_us": best_us(lambda: native.cancel(ppg, acc, STREAM, consecutive=True), args.windows,
                                              args.repeats),
           "step_scan_stream_us": best_us(lambda: native.step_rates(acc, STREAM, consecutive=True), args.windows,
                                          args.repeats)}
    row["step_scan_share"] = row["step_scan_us"] / row["fit_and_steps_us"]
    print(f"per motion window on this host: gate and fit {row['fit_us']:.1f} us; with the step stage "
          f"{row['fit_and_steps_us']:.1f} us, of which the scan {row['step_scan_us']:.1f} us "
          f"({row['step_scan_share']:.0%}); in its streaming form {row['fit_and_steps_stream_us']:.1f} us, the scan "
          f"{row['step_scan_stream_us']:.1f} us")
    rows = [row]
    if args.m4:
        with tempfile.TemporaryDirectory(prefix="edgeppg-front-end-") as tmp:
            for inputs in ("ppg-acc", "ppg-acc-steps", STREAM):
                rows.append(m4(inputs, Path(tmp)))
                r = rows[-1]
                print(f"M4, {inputs}: preprocessing per motion window {r['preprocessing_motion']:,} instructions, "
                      f"per still window {r['preprocessing_still']:,} ({r['motion_windows']} of {r['windows']} "
                      f"windows move); RAM {r['ram_bytes']:,} B, flash {r['flash_bytes']:,} B; bit-exact "
                      f"{'yes' if r['bit_exact'] else 'NO'}")
    write_results("front_end", rows, repeats=args.repeats)


if __name__ == "__main__":
    main()
