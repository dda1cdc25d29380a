"""The device's own preprocessing and tracker C (firmware/monitor/ep_stream.c, ep_tracker.c), compiled for
the host and called through ctypes: training, evaluation, export and `edgeppg stream` compute exactly
what the firmware computes.

Both builds keep float32 arithmetic in source order: -ffp-contract=off (no fused multiply-adds), no
-ffast-math, and no libm call but sqrtf and roundf (both exact in IEEE arithmetic). The library is
compiled once per source hash into the cache folder.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np

from edgeppg.device import spec
from edgeppg.device.resampler import Design
from edgeppg.errors import EdgeppgError
from edgeppg.files import cache_dir, firmware_dir

SOURCES = ("monitor/ep_stream.c", "monitor/ep_tracker.c", "monitor/ep_cancel.c", "host/ep_host.c")  # under firmware/
HEADERS = ("monitor/ep_stream.h", "monitor/ep_tracker.h", "monitor/ep_cancel.h")
CFLAGS = ("-std=c11", "-O2", "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared", "-Wall", "-Wextra",
          "-Werror")


def contract_macros(max_taps: int) -> str:
    """The signal constants as C macros: the part of the generated ep_contract.h the preprocessing needs."""
    return (f"#define EP_FS_OUT {float(spec.FS)!r}f\n#define EP_WINDOW {spec.WINDOW}\n#define EP_STRIDE {spec.STRIDE}\n"
            f"#define EP_CLASSES {spec.N_CLASSES}\n#define EP_HR_LOW_BPM {spec.HR_LOW}\n"
            f"#define EP_MIN_STD {spec.MIN_STD!r}f\n#define EP_MIN_RAW_CHANGES {spec.MIN_RAW_CHANGES}\n"
            f"#define EP_RESAMPLER_MAX_TAPS {max_taps}\n#define EP_CANCEL_LAGS {spec.CANCEL_LAGS}\n"
            f"#define EP_CANCEL_RIDGE {spec.CANCEL_RIDGE!r}f\n#define EP_CANCEL_GATE_G {spec.MOTION_G!r}f\n")


HOST_MAX_TAPS = 4096  # the host's build takes any rate edgeppg can design a resampler for


def _header() -> str:
    return "#ifndef EP_CONTRACT_H\n#define EP_CONTRACT_H\n" + contract_macros(HOST_MAX_TAPS) + "#endif\n"


@lru_cache(maxsize=1)
def digest() -> str:
    """What the host build computes, as a hash of its sources, constants and flags: a cache of windows it made
    is named by it, so editing the device's preprocessing never leaves stale windows to train on."""
    app = firmware_dir()
    return hashlib.sha256(_header().encode() + b"".join((app / f).read_bytes() for f in SOURCES + HEADERS)
                          + " ".join(CFLAGS).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def library() -> ctypes.CDLL:
    """The host build of the device's C, compiled on first use."""
    app, header = firmware_dir(), _header()
    lib = cache_dir() / "native" / f"ep_host_{digest()}.so"
    if not lib.is_file():
        _compile(app, header, lib)
    return _bind(ctypes.CDLL(str(lib)))


def _compile(app: Path, header: str, lib: Path) -> None:
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None:
        raise EdgeppgError("no C compiler (cc or gcc) found: edgeppg compiles the device's preprocessing for the "
                           "host (Debian/Ubuntu: apt-get install gcc)")
    lib.parent.mkdir(parents=True, exist_ok=True)
    with open(lib.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if lib.is_file():
            return
        build = lib.parent / f".build{os.getpid()}"
        build.mkdir(exist_ok=True)
        try:
            (build / "ep_contract.h").write_text(header)
            tmp = build / lib.name
            proc = subprocess.run([cc, *CFLAGS, f"-I{build}", f"-I{app / 'monitor'}", *(str(app / f) for f in SOURCES), "-lm",
                                   "-o", str(tmp)], capture_output=True, text=True)
            if proc.returncode != 0:
                raise EdgeppgError(f"compiling the device's preprocessing for the host failed: "
                                   f"{' | '.join(proc.stderr.strip().splitlines()[-3:])[:400]}")
            os.replace(tmp, lib)
        finally:
            shutil.rmtree(build, ignore_errors=True)


class _Design(ctypes.Structure):
    _fields_ = [("rate_hz", ctypes.c_float), ("up", ctypes.c_int32), ("down", ctypes.c_int32),
                ("taps_per_phase", ctypes.c_int32), ("delay", ctypes.c_int32), ("taps", ctypes.c_void_p)]


class _TrackerParams(ctypes.Structure):
    _fields_ = [("radius", ctypes.c_int32), ("transition", ctypes.c_void_p), ("floor", ctypes.c_float),
                ("exp_table", ctypes.c_void_p), ("min_confidence", ctypes.c_float), ("step_radius", ctypes.c_int32),
                ("step_band", ctypes.c_void_p)]


class _Track(ctypes.Structure):
    _fields_ = [("argmax_class", ctypes.c_int32), ("tracked_class", ctypes.c_int32), ("confidence", ctypes.c_float),
                ("available", ctypes.c_int32)]


def _bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    p = ctypes.c_void_p
    lib.ep_host_windows.argtypes = [ctypes.POINTER(_Design), p, ctypes.c_int32, ctypes.c_int32, p, p, ctypes.c_float,
                                    ctypes.c_int32, p]
    lib.ep_host_windows.restype = ctypes.c_int32
    lib.ep_host_quantize.argtypes = [p, ctypes.c_int32, ctypes.c_float, ctypes.c_int32, p]
    lib.ep_host_raw_windows.argtypes = [ctypes.POINTER(_Design), p, ctypes.c_int32, ctypes.c_int32, p]
    lib.ep_host_raw_windows.restype = ctypes.c_int32
    lib.ep_host_cancel.argtypes = [p, p, ctypes.c_int32, ctypes.c_int32, ctypes.c_int32, p, p, p]
    lib.ep_host_cancel.restype = ctypes.c_int32
    lib.ep_host_step_rates.argtypes = [p, ctypes.c_int32, ctypes.c_int32, p]
    lib.ep_host_step_rates.restype = ctypes.c_int32
    lib.ep_host_normalise.argtypes = [p, ctypes.c_int32, p, p]
    lib.ep_host_tracker_bytes.restype = ctypes.c_uint32
    lib.ep_tracker_init.argtypes = [p]
    for name in ("ep_tracker_step_logits", "ep_tracker_step_likelihood"):
        getattr(lib, name).argtypes = [p, ctypes.POINTER(_TrackerParams), p, ctypes.c_int32]
        getattr(lib, name).restype = _Track
    lib.ep_tracker_skip.argtypes = [p, ctypes.POINTER(_TrackerParams)]
    lib.ep_tracker_skip.restype = _Track
    return lib


def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data


def _c_design(design: Design) -> tuple[_Design, np.ndarray]:
    taps = np.ascontiguousarray(design.taps, np.float32)
    return _Design(design.rate_hz, design.up, design.down, design.taps_per_phase, design.delay, _ptr(taps)), taps


def windows(ppg: np.ndarray, rate_hz: float, design: Design | None = None,
            quant: tuple[float, int] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A whole recording through the device's preprocessing: (n, 200) normalised float32 windows, each
    window's status (0 usable, 1 flat, 2 touched by a non-finite sample), and with `quant` = (scale,
    zero point) the int8 windows the device gives its model."""
    from edgeppg.device.resampler import design as make_design

    d = design or make_design(rate_hz)
    c_design, taps = _c_design(d)
    x = np.ascontiguousarray(ppg, np.float32)
    most = max(0, len(x) * d.up // d.down // spec.STRIDE + 1)
    out = np.empty((most, spec.WINDOW), np.float32)
    status = np.empty(most, np.int32)
    q = np.empty((most, spec.WINDOW), np.int8) if quant else None
    scale, zp = quant or (1.0, 0)
    n = library().ep_host_windows(ctypes.byref(c_design), _ptr(x), len(x), most, _ptr(out), _ptr(status), scale, zp,
                                  _ptr(q) if q is not None else None)
    if n < 0:
        raise EdgeppgError("out of memory in the host's copy of the device preprocessing")
    del taps
    return out[:n], status[:n], None if q is None else q[:n]


def acc_windows(acc: np.ndarray, rate_hz: float, design: Design | None = None) -> np.ndarray:
    """A recording's accelerometer (n, 3) in g through the device's resampler, axis by axis: (windows, 3,
    200) at 25 Hz, not normalised, lined up with the PPG's windows at any PPG rate."""
    from edgeppg.device.resampler import design as make_design

    d = design or make_design(rate_hz)
    c_design, taps = _c_design(d)
    most = max(0, len(acc) * d.up // d.down // spec.STRIDE + 1)
    out = np.empty((3, most, spec.WINDOW), np.float32)
    counts = []
    for axis in range(3):
        x = np.ascontiguousarray(np.asarray(acc)[:, axis], np.float32)
        counts.append(library().ep_host_raw_windows(ctypes.byref(c_design), _ptr(x), len(x), most,
                                                    _ptr(out[axis])))
    if min(counts) < 0:
        raise EdgeppgError("out of memory in the host's copy of the device preprocessing")
    del taps
    return np.ascontiguousarray(out[:, : min(counts)].transpose(1, 0, 2))


def _chunked(inputs: str, consecutive: bool) -> int:
    """ep_host_cancel's `chunked`: 0 the per-window form, 1 the streaming form window by window, 2 with the
    chunks' shares kept between consecutive windows (the same bits, less work: what the device does)."""
    return (2 if consecutive else 1) if inputs in spec.CHUNKED_STEPS else 0


def cancel(x: np.ndarray, acc: np.ndarray, inputs: str = "ppg-acc",
           consecutive: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The device's accelerometer front end (ep_cancel) for the input set `inputs` on normalised windows
    (n, 200) and their accelerometer windows (n, 3, 200): the cleaned windows, whether each one's gate
    opened, and the step rate (BPM) its step stage removed (NaN where none ran). `consecutive`: the windows
    follow each other on the 2 s grid, so the front end's streaming form may keep its chunks' shares."""
    x = np.ascontiguousarray(x, np.float32)
    a = np.ascontiguousarray(acc, np.float32)
    if a.shape != (len(x), 3, spec.WINDOW):
        raise ValueError(f"accelerometer windows {a.shape} do not match {len(x)} PPG windows")
    out = np.empty_like(x)
    cancelled = np.empty(len(x), np.int32)
    steps = np.empty(len(x), np.int32)
    if library().ep_host_cancel(_ptr(x), _ptr(a), len(x), spec.STEP_HARMONICS[inputs], _chunked(inputs, consecutive),
                                _ptr(out), _ptr(cancelled), _ptr(steps)) < 0:
        raise EdgeppgError("out of memory in the host's copy of the device preprocessing")
    return out, cancelled.astype(bool), np.where(steps >= 0, steps, np.nan).astype(np.float32)


def step_rates(acc: np.ndarray, inputs: str = "ppg-acc-steps", consecutive: bool = False) -> np.ndarray:
    """The accelerometer's dominant rate in BPM per window (n, 3, 200), as the front end's step stage for
    `inputs` finds it (`consecutive` as for cancel)."""
    a = np.ascontiguousarray(acc, np.float32)
    out = np.empty(len(a), np.int32)
    if library().ep_host_step_rates(_ptr(a), len(a), _chunked(inputs, consecutive), _ptr(out)) < 0:
        raise EdgeppgError("out of memory in the host's copy of the device preprocessing")
    return out


def clean(x: np.ndarray, acc: np.ndarray, acc_rate_hz: float, inputs: str,
          design: Design | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Normalised PPG windows through the front end for `inputs` with a recording's accelerometer (n, 3),
    resampled by the device: as many windows as the accelerometer reaches (it may end a little early), and
    each one's step rate for the tracker (NaN: none)."""
    a = acc_windows(acc, acc_rate_hz, design)
    n = min(len(x), len(a))
    out, _, steps = cancel(x[:n], a[:n], inputs, consecutive=True)
    return out, steps


def normalise(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Windows cut elsewhere (n, 200) at 25 Hz, each normalised as the device would a stream of its own."""
    x = np.ascontiguousarray(raw, np.float32).reshape(-1, spec.WINDOW)
    out = np.empty_like(x)
    status = np.empty(len(x), np.int32)
    library().ep_host_normalise(_ptr(x), len(x), _ptr(out), _ptr(status))
    return out, status


def quantize(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """The device's float -> int8 (x / scale in float32, rounded half away from zero, plus the zero point)."""
    flat = np.ascontiguousarray(x, np.float32).reshape(-1)
    out = np.empty(flat.size, np.int8)
    library().ep_host_quantize(_ptr(flat), flat.size, scale, zero_point, _ptr(out))
    return out.reshape(np.shape(x))
