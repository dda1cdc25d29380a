"""Where the accelerometer front end's time goes, on the host build of the device's C (ep_cancel).

A motion window (the gate open) goes through the axes' fit and, for the `ppg-acc-steps` input set, the step
stage; the step stage's scan for the accelerometer's dominant rate (180 one-BPM classes x 3 axes x 200
samples) is timed alone too. The windows are made to move (a 1.6 Hz swing on every axis, a 2.3 Hz pulse, noise),
so every gate opens; the front end's loops do not depend on the content past the gate. Host time stands in
for device instructions (docs/design.md, "Streaming models": which part an incremental front end should
take first). Prints and writes benchmarks/results/front_end.json.

    python benchmarks/front_end.py [--windows 2000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
from common import write_results

from edgeppg.device import native
from edgeppg.device.spec import FS, WINDOW


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--windows", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    ppg, acc = moving_windows(args.windows)
    if not native.cancel(ppg, acc)[1].all():
        raise SystemExit("front_end: a made window did not open the gate; the timings would not be of motion")
    row = {"windows": args.windows,
           "fit_us": best_us(lambda: native.cancel(ppg, acc, "ppg-acc"), args.windows, args.repeats),
           "fit_and_steps_us": best_us(lambda: native.cancel(ppg, acc, "ppg-acc-steps"), args.windows, args.repeats),
           "step_scan_us": best_us(lambda: native.step_rates(acc), args.windows, args.repeats)}
    row["step_scan_share"] = row["step_scan_us"] / row["fit_and_steps_us"]
    print(f"per motion window on this host: gate and fit {row['fit_us']:.1f} us; with the step stage "
          f"{row['fit_and_steps_us']:.1f} us, of which the scan {row['step_scan_us']:.1f} us "
          f"({row['step_scan_share']:.0%})")
    write_results("front_end", [row], repeats=args.repeats)


if __name__ == "__main__":
    main()
