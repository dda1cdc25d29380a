"""What a command reads from a JSON file, and of which kind, checked where it is read: a damaged file (a
missing key, a string where a number belongs, an empty table) is one line naming the file and the key,
never a traceback half-way through the work.

A schema is a dict of key -> kind. A kind is a Python type (`NUM` for any number), a nested schema, or
`Each(kind)` (every value of an object, or every item of a list; `Each(kind, min=1)`: not empty). A key
ending in `?` may be absent or null; the key `*` gives the kind of every key the schema does not name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgeppg.errors import EdgeppgError
from edgeppg.files import read_json

NUM = (int, float)
_NAMES = {int: "a whole number", float: "a number", str: "text", bool: "true or false", list: "a list",
          dict: "an object"}


@dataclass(frozen=True)
class Each:
    kind: object
    min: int = 0


def read(path: Path, schema: dict) -> dict:
    """read_json, then check() against `schema`."""
    obj = read_json(path)
    check(obj, schema, path)
    return obj


def check(obj: dict, schema: dict, path: Path, where: str = "") -> None:
    named = {key.rstrip("?") for key in schema}
    for key, value in obj.items():
        if "*" in schema and key not in named:
            _kind(value, schema["*"], path, f"{where}{key}")
    for key, kind in schema.items():
        if key == "*":
            continue
        name = key.rstrip("?")
        if obj.get(name) is None:
            if key.endswith("?"):
                continue
            raise EdgeppgError(f"{path}: no key '{where}{name}'" if name not in obj else
                               f"{path}: '{where}{name}' is null")
        _kind(obj[name], kind, path, f"{where}{name}")


def _kind(value: object, kind: object, path: Path, key: str) -> None:
    if isinstance(kind, dict):
        _is(value, dict, path, key)
        check(value, kind, path, f"{key}.")
    elif isinstance(kind, Each):
        _is(value, (dict, list), path, key)
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        if len(items) < kind.min:
            raise EdgeppgError(f"{path}: '{key}' is empty")
        for k, v in items:
            _kind(v, kind.kind, path, f"{key}.{k}")
    else:
        _is(value, kind, path, key)


def _is(value: object, kind, path: Path, key: str) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):  # JSON true is not a 1
        wanted = "a number" if kinds == NUM else " or ".join(_NAMES.get(k, k.__name__) for k in kinds)
        raise EdgeppgError(f"{path}: '{key}' is {type(value).__name__} {str(value)[:40]!r}, expected {wanted}")


# The files of a run folder, as their readers (the card, the demo, bench, a study) use them.
_SPLIT = {"windows": int, "*": NUM}
METRICS = {"model": str, "strategy": str, "params": int, "macs": NUM, "readout": str, "test": _SPLIT, "val?": _SPLIT,
           "subjects?": Each(Each(str)), "epochs_run?": int, "best_epoch?": int, "stopped_early?": bool,
           "train_seconds?": NUM, "history?": Each({"epoch": int, "val_mae": NUM, "*": NUM}),
           "test_by_subject?": Each(NUM), "calibration?": {"temperature": NUM, "val_mae_track": Each(NUM)}}
EXPORT = {"model?": str, "readout?": str, "seed?": int, "held_out?": {"windows?": int, "participants?": Each(str)},
          "accuracy": Each({"windows": int, "mae": NUM, "argmax_agreement?": NUM}), "artefacts": Each({"bytes?": int}),
          "int8_mae_loss_bpm?": NUM, "tflite_micro?": {"windows_checked?": int, "windows_mismatched?": int}}
HOST = {"runs?": int, "runtimes": Each({"latency_ms?": {"p50": NUM, "p95": NUM}, "file_bytes?": int,
                                        "rss_growth_bytes?": NUM, "mae_bpm?": NUM, "threads?": int}, min=1)}
MCU = {"backend?": str, "opt?": str, "board?": str, "flash_bytes?": int, "ram_bytes?": int, "arena_bytes?": int,
       "instructions_per_inference?": int, "estimated_ms?": Each(NUM), "fits?": bool, "bit_exact?": bool,
       "energy?": {"energy_uj_per_inference?": NUM, "battery_hours?": NUM}}
STREAM = {"recording?": str, "windows?": int, "mae_bpm?": NUM, "mae_bpm_argmax?": NUM, "agree?": NUM,
          "instructions_per_window?": Each(NUM), "flash_bytes?": int, "ram_bytes?": int}
ENV = {"platform?": str, "cpu_count?": int, "git_commit?": str, "git_uncommitted_changes?": bool, "edgeppg?": str,
       "torch?": str, "python?": str, "command?": Each(str)}
