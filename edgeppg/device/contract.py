"""The device contract: everything the firmware needs to know about a model, written by export beside
the int8 model (`device.json`), with held-out int8 test vectors and TFLite's expected int8 outputs
computed once at export (`device_vectors.npz`, plain arrays, no pickle).

The code generator emits the firmware's ep_contract.{h,c} from it; nothing about the signal is
written by hand in C. The firmware stage reads only this, the .tflite and the vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeppg import schema
from edgeppg.device import spec
from edgeppg.device.resampler import Design, design
from edgeppg.device.tracker import TrackerParams
from edgeppg.errors import EdgeppgError
from edgeppg.files import (DEVICE_JSON, DEVICE_VECTORS, INT8_TFLITE, atomic_write_bytes, fingerprint, read_json,
                           write_json)
from edgeppg.schema import NUM, Each

FORMAT = "edgeppg-device/1"
_TRACKER = {"sigma_bpm": NUM, "radius": int, "floor": NUM, "temperature": NUM, "min_confidence": NUM,
            "step_penalty": NUM, "step_sigma_bpm": NUM, "step_radius": int}
SCHEMA = {"format": str, "model": str, "model_sha256?": str,  # absent: refused by read() as an older export
          "signal": {"output_rate_hz": NUM, "window_samples": int, "stride_samples": int, "min_raw_changes": int,
                     "min_std": NUM, "normalisation?": str},
          "classes": {"count": int, "class_0_bpm": int, "bpm_per_class": int},
          "input": {"scale": NUM, "zero_point": int, "dtype?": str, "rounding?": str},
          "output": {"scale": NUM, "zero_point": int, "dtype?": str},
          "resamplers": Each({"rate_hz": NUM, "up": int, "down": int, "delay": int, "taps_per_phase": int,
                              "taps": Each(NUM, min=1)}, min=1),
          "tracker": _TRACKER, "arena": {"tflm_host_bytes": int},
          "test_vectors": {"file": str, "windows": int},
          "inputs?": {"model": str, "accelerometer?": str}}  # absent: exported before the front end, the PPG alone


@dataclass(frozen=True)
class Contract:
    input_scale: float
    input_zero_point: int
    output_scale: float
    output_zero_point: int
    resamplers: tuple[Design, ...]
    tracker: TrackerParams
    tflm_host_arena_bytes: int = 0
    vectors: int = 0
    inputs: str = "ppg"  # what the model was trained on: the PPG alone, or after the accelerometer front end
    model_sha256: str = ""  # the int8 model export wrote this contract and the vectors for (files.fingerprint)

    @property
    def rates(self) -> tuple[float, ...]:
        return tuple(d.rate_hz for d in self.resamplers)

    def resampler(self, rate_hz: float) -> Design:
        for d in self.resamplers:
            if d.rate_hz == rate_hz:
                return d
        accepted = f"it accepts {', '.join(f'{r:g}' for r in self.rates)} Hz" if self.rates else "it lists no rate"
        raise EdgeppgError(f"sample rate {rate_hz:g} Hz is not in the device contract ({accepted}; export sets "
                           f"the rates: device.spec.SENSOR_RATES)")

    def to_dict(self) -> dict:
        return {
            "format": FORMAT, "model": INT8_TFLITE, "model_sha256": self.model_sha256,
            "signal": {"output_rate_hz": spec.FS, "window_samples": spec.WINDOW, "stride_samples": spec.STRIDE,
                       "normalisation": "per window, float32: (x - mean) / std; flat when the raw samples never "
                                        f"change (fewer than {spec.MIN_RAW_CHANGES}) or std < {spec.MIN_STD:g}",
                       "min_raw_changes": spec.MIN_RAW_CHANGES, "min_std": spec.MIN_STD},
            "classes": {"count": spec.N_CLASSES, "class_0_bpm": spec.HR_LOW, "bpm_per_class": 1},
            "input": {"scale": self.input_scale, "zero_point": self.input_zero_point, "dtype": "int8",
                      "rounding": "half away from zero"},
            "output": {"scale": self.output_scale, "zero_point": self.output_zero_point, "dtype": "int8"},
            "resamplers": [d.to_dict() for d in self.resamplers],
            "tracker": self.tracker.to_dict(),
            "arena": {"tflm_host_bytes": self.tflm_host_arena_bytes},
            "test_vectors": {"file": DEVICE_VECTORS, "windows": self.vectors},
            "inputs": {"model": self.inputs, "accelerometer": "axes in g, at one of the resamplers' rates; front end "
                       f"ep_cancel: {spec.CANCEL_LAGS} lags, ridge {spec.CANCEL_RIDGE:g}, gate {spec.MOTION_G:g} g, "
                       f"step-rate harmonics {spec.STEP_HARMONICS[self.inputs]}"
                       + (", in its streaming form (each 2 s chunk's share of the fit and spectrum kept)"
                          if self.inputs in spec.CHUNKED_STEPS else "")
                       if self.inputs != "ppg" else "not used"},
        }

    @staticmethod
    def from_dict(d: dict, where: str = DEVICE_JSON) -> Contract:
        """A contract as export wrote it. Everything the firmware and the host's copy of it act on is checked
        here, one line naming the file and the key: an edited or damaged contract would otherwise build
        firmware that quietly computes something else (a zero point out of int8, a rate its resampler does not
        reach 25 Hz from, a tracker that divides by zero)."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            got = d.get("format") if isinstance(d, dict) else type(d).__name__
            raise EdgeppgError(f"{where}: not an edgeppg device contract (format {got!r}, expected {FORMAT})")
        path = Path(where)
        schema.check(d, SCHEMA, path)
        layout = {"signal.output_rate_hz": (d["signal"]["output_rate_hz"], spec.FS),
                  "signal.window_samples": (d["signal"]["window_samples"], spec.WINDOW),
                  "signal.stride_samples": (d["signal"]["stride_samples"], spec.STRIDE),
                  "signal.min_raw_changes": (d["signal"]["min_raw_changes"], spec.MIN_RAW_CHANGES),
                  "signal.min_std": (d["signal"]["min_std"], spec.MIN_STD),
                  "classes.count": (d["classes"]["count"], spec.N_CLASSES),
                  "classes.class_0_bpm": (d["classes"]["class_0_bpm"], spec.HR_LOW),
                  "classes.bpm_per_class": (d["classes"]["bpm_per_class"], 1)}
        for key, (got, want) in layout.items():
            if got != want:
                raise EdgeppgError(f"{where}: made for another signal layout than this edgeppg's ({key} {got!r}, "
                                   f"expected {want!r})")
        for key, got, want in (("model", d["model"], INT8_TFLITE),
                               ("test_vectors.file", d["test_vectors"]["file"], DEVICE_VECTORS)):
            if got != want:
                raise EdgeppgError(f"{where}: {key} is {got!r}; export writes {want} beside its contract")
        for side in ("input", "output"):
            scale, zero = d[side]["scale"], d[side]["zero_point"]
            if not (math.isfinite(scale) and scale > 0):
                raise EdgeppgError(f"{where}: {side}.scale is {scale!r}; a quantisation scale must be a positive "
                                   "number (export again)")
            if not -128 <= zero <= 127:
                raise EdgeppgError(f"{where}: {side}.zero_point is {zero}; an int8 zero point is -128 to 127")
        resamplers = []
        for i, r in enumerate(d["resamplers"]):
            try:
                resamplers.append(Design.from_dict(r))
            except ValueError as e:
                raise EdgeppgError(f"{where}: resamplers.{i}: {e}") from None
        rates = [r.rate_hz for r in resamplers]
        if len(set(rates)) != len(rates):
            raise EdgeppgError(f"{where}: resamplers: a rate listed twice ({', '.join(f'{r:g}' for r in rates)} Hz)")
        if unknown := sorted(set(d["tracker"]) - set(_TRACKER)):
            raise EdgeppgError(f"{where}: tracker.{unknown[0]}: not a tracker parameter ({', '.join(_TRACKER)})")
        tracker = TrackerParams(**d["tracker"])
        if (problem := tracker.problem()) is not None:
            raise EdgeppgError(f"{where}: tracker.{problem}")
        inputs = (d.get("inputs") or {"model": "ppg"})["model"]
        if inputs not in spec.INPUTS:
            raise EdgeppgError(f"{where}: inputs.model is {inputs!r}, not an input set this edgeppg knows "
                               f"({', '.join(spec.INPUTS)})")
        for key, value in (("arena.tflm_host_bytes", d["arena"]["tflm_host_bytes"]),
                           ("test_vectors.windows", d["test_vectors"]["windows"])):
            if value < 0:
                raise EdgeppgError(f"{where}: {key} is {value}; a count is not negative")
        return Contract(float(d["input"]["scale"]), d["input"]["zero_point"], float(d["output"]["scale"]),
                        d["output"]["zero_point"], tuple(resamplers), tracker, d["arena"]["tflm_host_bytes"],
                        d["test_vectors"]["windows"], inputs, d.get("model_sha256") or "")


def make(input_q: tuple[float, int], output_q: tuple[float, int], rates: tuple[float, ...] = spec.SENSOR_RATES,
         tracker: TrackerParams | None = None, tflm_host_arena_bytes: int = 0, vectors: int = 0,
         inputs: str = "ppg", model_sha256: str = "") -> Contract:
    return Contract(float(input_q[0]), int(input_q[1]), float(output_q[0]), int(output_q[1]),
                    tuple(design(r) for r in rates), tracker or TrackerParams(), tflm_host_arena_bytes, vectors,
                    inputs, model_sha256)


def write(folder: Path, contract: Contract, inputs: np.ndarray, expected: np.ndarray) -> None:
    """device.json and device_vectors.npz: the vectors first, so the contract only names what exists."""
    import io

    buf = io.BytesIO()
    np.savez(buf, inputs=np.asarray(inputs, np.int8), expected=np.asarray(expected, np.int8),
             model_sha256=np.array(contract.model_sha256))
    atomic_write_bytes(folder / DEVICE_VECTORS, buf.getvalue())
    write_json(folder / DEVICE_JSON, contract.to_dict())


def read(folder: Path) -> Contract:
    """The contract of the int8 model beside it; one that export did not write for that very model (a model
    changed or replaced since, an export interrupted halfway) is refused."""
    path = folder / DEVICE_JSON
    if not path.is_file():
        raise EdgeppgError(f"{folder}: no {DEVICE_JSON} (run: edgeppg export {folder} --int8)")
    contract = Contract.from_dict(read_json(path), str(path))
    _check_model(folder, contract.model_sha256, path)
    return contract


def _check_model(folder: Path, sha256: str, what: Path) -> None:
    model = folder / INT8_TFLITE
    if not model.is_file():
        raise EdgeppgError(f"{folder}: no {INT8_TFLITE} beside {what.name} (run: edgeppg export {folder} --int8)")
    if not sha256:
        raise EdgeppgError(f"{what}: names no model fingerprint (an export by an older edgeppg): run edgeppg export "
                           f"{folder} --int8 again")
    if fingerprint(model) != sha256:
        raise EdgeppgError(f"{folder}: {INT8_TFLITE} is not the model export wrote {what.name} for (changed since, or "
                           f"an export interrupted halfway): run edgeppg export {folder} --int8 again")


def read_vectors(folder: Path, windows: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `windows` held-out int8 test vectors and TFLite's int8 outputs for them."""
    path = folder / DEVICE_VECTORS
    try:
        with np.load(path, allow_pickle=False) as z:
            x, y = z["inputs"], z["expected"]
            sha256 = str(z["model_sha256"]) if "model_sha256" in z.files else ""
    except FileNotFoundError:
        raise EdgeppgError(f"{path}: not found (run: edgeppg export {folder} --int8)") from None
    except (OSError, ValueError, KeyError) as e:
        raise EdgeppgError(f"{path}: not readable test vectors ({e})") from e
    if x.dtype != np.int8 or y.dtype != np.int8 or x.ndim != 2 or y.shape != (len(x), spec.N_CLASSES):
        raise EdgeppgError(f"{path}: not int8 windows and logits of the expected shapes")
    _check_model(folder, sha256, path)
    if windows < 1 or windows > len(x):
        raise EdgeppgError(f"--windows {windows}: export stored {len(x)} test vectors (1 to {len(x)})")
    return x[:windows], y[:windows]
