"""A whole recording through the heart-rate monitor firmware under QEMU, compared with the host's
device-equivalent pipeline on the same samples.

The firmware (firmware/apps/stream.c on monitor/ep_hrm) reads the samples from `ep_stream.bin` through
semihosting and prints one line per window; the host runs the same C preprocessing and tracker
(edgeppg.device.native) and TFLite's reference kernels, which the generated model matches bit for bit.
Reads only export's artefacts: the int8 model, device.json.
"""

from __future__ import annotations

import re
import struct
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from rich.console import Console

from edgeppg import lock
from edgeppg.device import contract as device_contract
from edgeppg.device import native, tracker
from edgeppg.device.spec import HR_LOW, N_CLASSES, STRIDE_S, WINDOW_S
from edgeppg.errors import EdgeppgError
from edgeppg.files import FIRMWARE_DIR, INT8_TFLITE, stream_json, write_json
from edgeppg.recordings import StreamRecording
from edgeppg.mcu import boards
from edgeppg.codegen.stream import is_streaming
from edgeppg.device import streaming as streamed
from edgeppg.mcu.build import Build, build_cortex_m4, helium_suffix
from edgeppg.mcu.qemu import qemu_command, tick_instructions
from edgeppg.mcu.toolchain import require

INPUT_FILE = "ep_stream.bin"
_LINE = re.compile(r"^hr i=(-?\d+) status=(\d+) argmax=(-?\d+) tracked=(-?\d+) conf_ppm=(\d+) avail=(\d) "
                   r"pre=(\d+) model=(\d+) tracker=(\d+)(?: q=([0-9a-f]*))?$", re.M)


@dataclass
class DeviceStream:
    index: np.ndarray
    status: np.ndarray
    argmax_bpm: np.ndarray
    tracked_bpm: np.ndarray
    confidence: np.ndarray
    available: np.ndarray
    ticks: np.ndarray  # (n, 3): preprocessing, model, tracker
    inputs: np.ndarray  # (n, 200) int8
    summary: dict


CHUNKS = (1, 7, 64, 13, 32, 3, 50)  # any chunk size works: a stream with an accelerometer exercises several
MAX_CHUNK = 64  # firmware/apps/stream.c's


def stream_bytes(samples: np.ndarray, rate_hz: float, acc: np.ndarray | None = None,
                 acc_rate_hz: float | None = None, acc_lag_s: float = 0.0) -> bytes:
    """What firmware/apps/stream.c reads: EPS1 and the samples, or (a monitor that takes the accelerometer)
    EPS2 and blocks as two sensor FIFOs deliver them: PPG chunks, each followed by the acceleration up to
    the same moment, or up to `acc_lag_s` seconds before it (after it, when negative: a driver whose
    accelerometer FIFO runs ahead)."""
    x = np.asarray(samples, "<f4")
    if acc is None:
        return b"EPS1" + struct.pack("<fI", rate_hz, len(x)) + x.tobytes()
    a = np.asarray(acc, "<f4").reshape(-1, 3)
    rate_a = float(acc_rate_hz or rate_hz)
    out = [b"EPS2", struct.pack("<fIfI", rate_hz, len(x), rate_a, len(a))]
    pushed = pushed_a = c = 0
    while pushed < len(x) or pushed_a < len(a):
        n = min(CHUNKS[c % len(CHUNKS)], len(x) - pushed)
        c += 1
        pushed += n
        lagged = int((pushed - acc_lag_s * rate_hz) * rate_a / rate_hz)  # the accelerometer's samples by now
        due = len(a) if pushed == len(x) else min(len(a), max(0, lagged))
        m = min(max(0, due - pushed_a), MAX_CHUNK)
        out += [struct.pack("<i", n), x[pushed - n: pushed].tobytes(), struct.pack("<i", m),
                a[pushed_a: pushed_a + m].tobytes()]
        pushed_a += m
    return b"".join(out)


def build_stream_firmware(folder: Path, opt: str = "-O2", board: str = "mps2_an386", dump_inputs: bool = True,
                          contract: device_contract.Contract | None = None, helium: bool = False) -> Build:
    """The heart-rate monitor firmware for a run's exported model and device contract: with `dump_inputs`, each
    window's int8 input printed for the comparison with the host (edgeppg stream); without, as a board runs it."""
    contract = contract or device_contract.read(folder)
    out = folder / FIRMWARE_DIR / (f"{boards.board(board).name}{opt}-stream{'' if dump_inputs else '-monitor'}"
                                   f"{helium_suffix(helium)}")
    return build_cortex_m4(folder / INT8_TFLITE, None, out, opt, board=board, contract=contract, app="stream",
                           extra_cflags="-DEP_STREAM_DUMP_INPUT -DEP_HRM_KEEP_INPUT" if dump_inputs else "",
                           helium=helium)


_KEYS = ("index", "status", "argmax", "tracked", "conf_ppm", "available", "pre", "model", "tracker")


def parse_line(line: str) -> dict | None:
    """One window's line from the firmware (its numbers, and `q`: the input as hex, '' without the dump),
    or None for any other line."""
    m = _LINE.match(line)
    if m is None:
        return None
    return {**dict(zip(_KEYS, (int(v) for v in m.groups()[:9]))), "q": m.group(10) or ""}


def parse(text: str, what: str) -> DeviceStream:
    summary = re.search(r"^EDGEPPG_STREAM (.*)$", text, re.M)
    if summary is None:
        error = re.search(r"^EDGEPPG_STREAM_ERROR (.*)$", text, re.M) or re.search(r"^EDGEPPG_FAULT (.*)$", text, re.M)
        tail = " | ".join(text.strip().splitlines()[-2:])[:300] or "no output"
        raise EdgeppgError(f"{what}: the stream did not finish ({error.group(1) if error else tail})")
    rows = [r for r in map(parse_line, text.splitlines()) if r is not None]

    def col(key: str) -> np.ndarray:
        return np.array([r[key] for r in rows], np.int64)

    dumped = bool(rows) and bool(rows[0]["q"])
    inputs = np.array([np.frombuffer(bytes.fromhex(r["q"]), np.int8) for r in rows]) if dumped else \
        np.zeros((len(rows), 0), np.int8)
    return DeviceStream(col("index"), col("status"), col("argmax"), col("tracked"), col("conf_ppm") / 1e6,
                        col("available").astype(bool), np.stack([col("pre"), col("model"), col("tracker")], axis=1),
                        inputs, dict(kv.split("=", 1) for kv in summary.group(1).split()))


def run_qemu_stream(elf: Path, samples: np.ndarray, rate_hz: float, timeout: float = 1800.0,
                    acc: np.ndarray | None = None, acc_rate_hz: float | None = None,
                    machine: str = "mps2-an386", acc_lag_s: float = 0.0) -> DeviceStream:
    require("qemu-system-arm")
    with tempfile.TemporaryDirectory(prefix="edgeppg-stream-") as tmp:
        (Path(tmp) / INPUT_FILE).write_bytes(stream_bytes(samples, rate_hz, acc, acc_rate_hz, acc_lag_s))
        try:
            proc = subprocess.run(qemu_command(elf.resolve(), machine), capture_output=True, text=True, timeout=timeout,
                                  cwd=tmp, stdin=subprocess.DEVNULL)  # QEMU runs in tmp: the ELF's path is absolute
        except subprocess.TimeoutExpired:
            raise EdgeppgError(f"{elf}: QEMU did not finish the stream within {timeout:.0f} s") from None
    if not proc.stdout.strip() and proc.stderr.strip():
        raise EdgeppgError(f"{elf}: QEMU failed ({proc.stderr.strip().splitlines()[-1][:300]})")
    return parse(proc.stdout, str(elf))


@dataclass
class HostStream:
    status: np.ndarray
    inputs: np.ndarray  # (n, 200) int8, the device's quantised windows
    logits: np.ndarray  # (n, 180) int8
    track: tracker.Track


def host_stream(folder: Path, samples: np.ndarray, rate_hz: float,
                contract: device_contract.Contract | None = None, acc: np.ndarray | None = None,
                acc_rate_hz: float | None = None) -> HostStream:
    """What the device computes, on the host: its C preprocessing (the accelerometer front end too, for a
    model that takes it), its tracker, and TFLite's reference kernels (on the stream as the streaming
    family's device keeps it, for such a model)."""
    from edgeppg.export import runtimes

    c = contract or device_contract.read(folder)
    steps = None
    if c.inputs == "ppg":
        x, status, q = native.windows(samples, rate_hz, c.resampler(rate_hz),
                                      quant=(c.input_scale, c.input_zero_point))
    else:
        if acc is None:
            raise EdgeppgError(f"{folder}: the model takes the accelerometer (inputs {c.inputs}); give its samples")
        rate_a = acc_rate_hz or rate_hz
        x, status, _ = native.windows(samples, rate_hz, c.resampler(rate_hz))
        x, steps = native.clean(x, acc, rate_a, c.inputs, c.resampler(rate_a))
        status = status[: len(x)]
        q = native.quantize(x, c.input_scale, c.input_zero_point)
    usable = status == 0
    model_in = q
    if is_streaming(folder / INT8_TFLITE):  # what the device's model keeps, window by window (quantised 0: its zero point)
        model_in = native.quantize(streamed.compose(x, usable, np.arange(len(x))), c.input_scale, c.input_zero_point)
    logits = np.zeros((len(q), N_CLASSES), np.int8)
    if usable.any():
        logits[usable] = runtimes.run_tflite(runtimes.tflite_interpreter(folder / INT8_TFLITE, reference=True),
                                             model_in[usable])
    return HostStream(status, q, logits, tracker.track(c.tracker, logits=logits, usable=usable,
                                                       output_scale=c.output_scale, steps=steps))


def compare(device: DeviceStream, host: HostStream, reference: np.ndarray, per_tick: Fraction) -> dict:
    """The figures `edgeppg stream` reports: device against host, and both against the reference."""
    n = min(len(device.index), len(host.status))
    ok = host.status[:n] == 0
    host_argmax = np.where(ok, host.logits[:n].argmax(axis=1) + HR_LOW, 0)
    dev_argmax = device.argmax_bpm[:n]
    ref = np.asarray(reference[:n], np.float64)
    labelled = np.isfinite(ref)
    if device.inputs.shape[1]:
        mism = int((device.inputs[:n][ok] != host.inputs[:n][ok]).sum())
    else:
        mism = -1  # built without the input dump
    scored = labelled & ok
    ticks = tick_instructions(device.ticks[:n][ok], per_tick)
    return {
        "windows": int(n), "windows_usable": int(ok.sum()), "windows_labelled": int(labelled.sum()),
        "agree": float((dev_argmax == host_argmax).mean()) if n else 0.0,
        "agree_tracked": float((device.tracked_bpm[:n] == host.track.tracked_bpm[:n]).mean()) if n else 0.0,
        "max_abs_diff_bpm": float(np.abs(device.tracked_bpm[:n] - host.track.tracked_bpm[:n]).max(initial=0)),
        "int8_input_mismatches": mism,
        "mae_bpm": mae(device.tracked_bpm[:n], ref, scored),
        "mae_bpm_host": mae(host.track.tracked_bpm[:n], ref, scored),
        "mae_bpm_argmax": mae(dev_argmax, ref, scored),
        "mae_bpm_argmax_host": mae(host_argmax, ref, scored),
        "coverage": float(device.available[:n][scored].mean()) if scored.any() else 0.0,
        "mae_bpm_available": mae(device.tracked_bpm[:n], ref, scored & device.available[:n]),
        "instructions_per_window": {
            "preprocessing": int(ticks[:, 0].mean()) if len(ticks) else 0,
            "model": int(ticks[:, 1].mean()) if len(ticks) else 0,
            "tracker": int(ticks[:, 2].mean()) if len(ticks) else 0,
        },
    }


def mae(pred: np.ndarray, ref: np.ndarray, mask: np.ndarray) -> float | None:
    """MAE (BPM) of `pred` against `ref` where `mask` holds; None where it holds nowhere."""
    return float(np.abs(np.asarray(pred, np.float64)[mask] - ref[mask]).mean()) if mask.any() else None


def accelerometer(contract: device_contract.Contract, rec: StreamRecording, folder: Path,
                  option: str) -> np.ndarray | None:
    """The recording's acceleration (at the PPG's rate) when the model takes it; a recording without one is one
    line naming it and the option that gave it."""
    if contract.inputs == "ppg":
        return None
    if rec.acc is None:
        raise EdgeppgError(f"{option} {rec.name}: no accelerometer, which {folder}'s model needs "
                           f"(inputs {contract.inputs})")
    return rec.acc


def run_stream(folder: Path, rec: StreamRecording, opt: str = "-O2", console: Console | None = None,
               board: str = "mps2_an386") -> dict:
    """`edgeppg stream`: the recording through the monitor firmware under QEMU (on `board`'s core) and through
    the host's device-equivalent pipeline, compared window by window; saved as the run's
    stream_<recording>.json (stream_<recording>_<board>.json on another core than the M4)."""
    b = boards.board(board)
    if not b.qemu_machine:
        raise EdgeppgError(f"--board {b.name} is not emulated: edgeppg flash --stream runs the monitor on it")
    console = console or Console(stderr=True)
    contract = device_contract.read(folder)
    acc = accelerometer(contract, rec, folder, "--recording")
    contract.resampler(rec.rate_hz)  # an unsupported rate fails here, before building
    with lock.run_folder(folder, "stream"):
        with console.status("building the heart-rate monitor firmware"):
            fw = build_stream_firmware(folder, opt, b.name, contract=contract)
            monitor = build_stream_firmware(folder, opt, b.name, dump_inputs=False, contract=contract)
        with console.status(f"streaming {len(rec.samples):,} samples ({len(rec.samples) / rec.rate_hz:.0f} s at "
                            f"{rec.rate_hz:g} Hz) through the firmware under QEMU ({b.core})"):
            device = run_qemu_stream(fw.elf, rec.samples, rec.rate_hz, acc=acc, acc_rate_hz=rec.rate_hz,
                                     machine=b.qemu_machine)
        host = host_stream(folder, rec.samples, rec.rate_hz, contract, acc, rec.rate_hz)
        report = compare(device, host, rec.reference_bpm, Fraction(device.summary["tick_instructions"]))
        # The monitor as a board runs it is the same build without the comparison's input dump; its stack is at
        # most the measured one (the dump only adds a copy into static buffers).
        stack = int(device.summary["stack"])
        ram = monitor.static_ram_bytes + stack
        report.update({
            "recording": rec.name, "note": rec.note, "sample_rate_hz": rec.rate_hz, "samples": int(len(rec.samples)),
            "ram_bytes": ram, "static_ram_bytes": monitor.static_ram_bytes, "stack_bytes": stack,
            "ram_bytes_with_dump": fw.static_ram_bytes + stack,
            "stream_state_bytes": int(device.summary["state"]), "arena_bytes": fw.arena_bytes,
            "flash_bytes": monitor.flash_bytes, "target": b.description, "board": b.name, "core": b.core, "opt": opt,
            "fits_board": boards.part(b.name).name, "fits": boards.fits(monitor.flash_bytes, ram, b.name),
            "readout": "tracked (ep_tracker) unless named argmax",
        })
        write_json(folder / stream_json(rec.name, b.name), report)
    return report


def stream_rows(report: dict) -> list[tuple[str, str]]:
    """What `edgeppg stream` prints: (figure, value)."""
    def fmt(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f}"

    ipw = report["instructions_per_window"]
    return [("windows (usable / with reference)",
             f"{report['windows']} ({report['windows_usable']} / {report['windows_labelled']})"),
            ("argmax HR equal, device vs host", f"{report['agree']:.4f}"),
            ("tracked HR equal, device vs host", f"{report['agree_tracked']:.4f}"),
            ("int8 input samples differing", str(report["int8_input_mismatches"])),
            ("MAE tracked over the labelled windows, device / host (BPM)",
             f"{fmt(report['mae_bpm'])} / {fmt(report['mae_bpm_host'])}"),
            ("MAE argmax over the labelled windows, device (BPM)", fmt(report["mae_bpm_argmax"])),
            ("instructions per window: pre / model / tracker",
             f"{ipw['preprocessing']:,} / {ipw['model']:,} / {ipw['tracker']:,}"),
            ("flash / RAM of the whole monitor (B)", f"{report['flash_bytes']:,} / {report['ram_bytes']:,}"),
            (f"fits the {report['fits_board']}", "yes" if report["fits"] else "no")]


def flash_recording(folder: Path, b: boards.Board, name: str, probe: str | None, port: str | None, opt: str,
                    self_test_only: list[str], out: Console, log: Console) -> None:
    """`edgeppg flash RUN --stream NAME`: the recording read and checked before a probe is looked for, then
    streamed through the monitor on the board, with the MAE said at the end. The self-test's options given
    with it (`self_test_only`) are refused, not ignored: the monitor is always built, natively."""
    from edgeppg import recordings
    from edgeppg.mcu.flash import choose_probe

    if self_test_only:
        raise EdgeppgError(f"{', '.join(self_test_only)}: the self-test's, not the monitor's: --stream always builds "
                           "the monitor with edgeppg's native C")
    rec = recordings.load(name, folder, "--stream")
    r = flash_stream(folder, b.name, choose_probe(probe, b, port), port, rec, opt, out, log)
    mae_text = "n/a" if r["mae_bpm"] is None else f"{r['mae_bpm']:.2f} BPM"
    out.print(f"{b.description}: {r['windows']} windows of {rec.name}, MAE {mae_text} (tracked) against the "
              f"recording's reference; {rec.note}")


def flash_stream(folder: Path, board: str, uid: str, port: str | None, rec: StreamRecording, opt: str,
                 out: Console, log: Console) -> dict:
    """The monitor firmware on a real board, fed a recording over its console (with its accelerometer, for a
    model that takes it, as `edgeppg stream` feeds QEMU): each window's heart rate printed to `out` beside the
    reference as it comes (other lines to `log`), then the MAE over them."""
    from edgeppg.mcu import flash as board_io

    b = boards.board(board)
    contract = device_contract.read(folder)
    acc = accelerometer(contract, rec, folder, "--stream")
    contract.resampler(rec.rate_hz)
    fw = build_stream_firmware(folder, opt, b.name, dump_inputs=False, contract=contract,
                               helium=boards.fastest_kernels(b))
    board_io.program(fw.elf, b, uid)
    ref = rec.reference_bpm

    def show(line: str) -> None:
        m = parse_line(line)
        if m is None:
            log.print(line, highlight=False)
            return
        i = m["index"]
        shown = f"{m['tracked']:3d} BPM" if m["available"] else "unavailable"
        truth = f"{ref[i]:5.1f}" if i < len(ref) and np.isfinite(ref[i]) else "  n/a"
        out.print(f"{i * STRIDE_S + WINDOW_S:6.0f} s  HR {shown} (window alone {m['argmax']:3d})  reference {truth}  "
                  f"{m['model'] / (b.clock_mhz * 1e3):.1f} ms model", highlight=False)

    data = stream_bytes(rec.samples, rec.rate_hz, acc, rec.rate_hz)
    with board_io.board_console(b, port, uid, fw.elf) as link:
        text = board_io.stream_to_board(link, data, show)
    dev = parse(text, f"{b.name} console")
    n = min(len(dev.index), len(ref))
    return {"windows": len(dev.index), "mae_bpm": mae(dev.tracked_bpm[:n], ref[:n], np.isfinite(ref[:n]))}


def show_stream(folder: Path, rec: StreamRecording, report: dict, show: Callable[[object], None]) -> None:
    """What `edgeppg stream` prints; then, like `bench`, an error when the firmware and the host's pipeline
    disagree on any window (its int8 input or its heart rate): the device is not doing what was tested."""
    from edgeppg.reports import rows_table

    show(rows_table(f"{rec.name}: firmware under QEMU ({report.get('core', 'cortex-m4')}) vs the host's "
                    "device-equivalent pipeline", ("figure", "value"),
                    stream_rows(report)))
    show(f"{folder / stream_json(rec.name, report.get('board', 'mps2_an386'))}  ({rec.note})")
    if report["agree"] < 1.0 or report["agree_tracked"] < 1.0 or report["int8_input_mismatches"]:
        raise EdgeppgError(f"{folder}: the firmware and the host disagree (heart rate in {report['agree']:.1%} of "
                           f"windows alike, tracked {report['agree_tracked']:.1%}, "
                           f"{report['int8_input_mismatches']} int8 inputs differ; see the table above)")
