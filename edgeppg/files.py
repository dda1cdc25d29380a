"""The package's own files and the run folder's file names, and writing them so a crash never leaves
one half-written.

One place for every name, so the stages (train, export, firmware) and the tools agree. Torch-free:
the firmware stage uses it too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from edgeppg.errors import EdgeppgError


def firmware_dir() -> Path:
    """The device's C: `$EDGEPPG_FIRMWARE`, else the `firmware/` shipped inside the package (so an
    installed edgeppg builds firmware and computes the device's preprocessing from any folder)."""
    path = Path(os.environ.get("EDGEPPG_FIRMWARE") or Path(__file__).resolve().parent / "firmware")
    if not (path / "Makefile").is_file():
        raise EdgeppgError(f"{path}: no firmware sources here (set EDGEPPG_FIRMWARE to the firmware/ folder)")
    return path


# training (edgeppg.runs)
CONFIG, ENV, STATUS = "config.json", "env.json", "status.json"
CHECKPOINT, MODEL, METRICS = "checkpoint.pt", "model.pt", "metrics.json"
# export (edgeppg.export): what the firmware stage reads, and nothing else
ONNX_FILE, FLOAT_TFLITE, INT8_TFLITE = "model.onnx", "model_float32.tflite", "model_int8.tflite"
EXPORT_JSON = "export.json"
DEVICE_JSON, DEVICE_VECTORS = "device.json", "device_vectors.npz"
# benchmarks and firmware (edgeppg.bench, edgeppg.mcu.stream)
BENCH_HOST_JSON = "bench_host.json"
FIRMWARE_DIR = "firmware"
# the model card (edgeppg.card)
CARD_DIR, CARD_MD, CARD_HTML = "card", "card.md", "card.html"


def _per_backend(base: str, backend: str) -> str:
    return f"{base}{'' if backend == 'native' else '_' + backend}.json"


def bench_mcu_json(board: str, backend: str) -> str:
    """One Cortex-M4 result per board and backend (native, tflm-cmsis-nn, tflm-reference), none overwriting another."""
    return _per_backend("bench_cortex_m4" if board == "mps2_an386" else f"bench_{board}", backend)


def profile_json(backend: str, board: str = "mps2_an386", helium: bool = False) -> str:
    """`bench --profile`'s per-op table for a backend, on the emulated M4 or (its name added) another board."""
    name = _per_backend("profile_cortex_m4", backend)
    return name if board == "mps2_an386" else name.replace(".json", f"_{board}{'_mve' if helium else ''}.json")


def stream_json(recording: str, board: str = "mps2_an386") -> str:
    """`edgeppg stream`'s result for a recording name (synthetic:S03 -> stream_synthetic-S03.json), with the
    board's name for another core than the M4's (stream_synthetic-S03_microbit.json)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in recording)
    return f"stream_{safe}{'' if board == 'mps2_an386' else '_' + board}.json"


@contextmanager
def building(path: Path) -> Iterator[Path]:
    """A temporary name beside `path` for a writer that needs a file name (a library's save). On success
    the file takes its final name; on any failure (a full disk too) the temporary file is removed."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as e:  # name the file the user asked for, not our temporary one
        raise OSError(e.errno, e.strerror, str(path)) from e
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def publishing(target: Path, names: tuple[str, ...], page: str) -> Iterator[Path]:
    """A document of several files (a card, a study report) made in a staging folder beside `target` and then
    published: each of `names` the new one has replaces the old one's, one the new lacks is removed, and
    `page` (what a reader opens) goes first and comes back last. A failure (a full disk) leaves the old
    document whole; nothing mixes two; files in `target` with other names are left alone."""
    target.mkdir(parents=True, exist_ok=True)
    stage = target.with_name(f".{target.name}.publishing")  # one name: what a killed writer left goes next time
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        yield stage
        (target / page).unlink(missing_ok=True)
        for name in names:
            if name != page:
                if (stage / name).is_file():
                    os.replace(stage / name, target / name)
                else:
                    (target / name).unlink(missing_ok=True)
        os.replace(stage / page, target / page)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def not_ours(target: Path, names: tuple[str, ...], marks: dict[str, str]) -> list[str]:
    """Which of `names` in `target` a command would replace although no earlier run of it wrote them: each
    file in `marks` must begin (within its first 4 KiB) with its mark, and the other names count as ours
    only when those do. So `--out` into a user's folder never overwrites their files."""
    present = [n for n in names if (target / n).exists()]

    def marked(name: str, mark: str) -> bool:
        try:
            with open(target / name, "rb") as fh:
                return mark.encode() in fh.read(4096)
        except OSError:
            return False

    ours = all(marked(n, m) for n, m in marks.items() if (target / n).exists()) and \
        any((target / n).exists() for n in marks)
    return [] if not present or ours else present


def cache_dir() -> Path:
    """Where edgeppg keeps what it can remake (window caches, the host build of the device's C):
    `$EDGEPPG_CACHE`, else `$XDG_CACHE_HOME/edgeppg`, else `~/.cache/edgeppg`; when that cannot be written
    (a read-only home or mount), a private folder under the system's temporary one, since a cache is a
    convenience, never a reason to fail."""
    if os.environ.get("EDGEPPG_CACHE"):
        folder = Path(os.environ["EDGEPPG_CACHE"])
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "edgeppg"
    return folder if _writable(folder) else Path(tempfile.gettempdir()) / f"edgeppg-cache-{os.getuid()}"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def stale_temporaries(folder: Path) -> list[Path]:
    """building()'s temporary files in `folder` whose writer is gone (killed before it could clean up)."""
    found = []
    for path in folder.glob(".*.tmp*") if folder.is_dir() else ():
        m = re.fullmatch(r"\..+\.tmp(\d+)(\.\w+)?", path.name)
        if m and path.is_file() and not _alive(int(m.group(1))):
            found.append(path)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_temporaries(folder: Path) -> None:
    """Remove what a killed writer left in `folder` (a writer that is still running keeps its file)."""
    for path in stale_temporaries(folder):
        path.unlink(missing_ok=True)


def fingerprint(path: Path) -> str:
    """The SHA-256 of a file: what ties the int8 model to the device contract and test vectors export wrote
    for it, so a model changed or replaced after export is refused, not built or streamed."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with building(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    """Generated files are written whole or not at all."""
    atomic_write_bytes(path, text.encode())


def write_json(path: Path, obj: dict) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def read_json(path: Path) -> dict:
    try:
        obj = json.loads(path.read_text())
    except FileNotFoundError:
        raise EdgeppgError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise EdgeppgError(f"{path}: not valid JSON ({e})") from e
    if not isinstance(obj, dict):
        raise EdgeppgError(f"{path}: expected a JSON object, found a {type(obj).__name__}")
    return obj


def exported_folder(path: Path) -> Path:
    """The run folder of an exported model, from the folder or any file in it; what the firmware stage reads."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        raise EdgeppgError(f"{path}: no such run folder")
    if not (folder / INT8_TFLITE).is_file():
        raise EdgeppgError(f"{folder}: no {INT8_TFLITE} (run: edgeppg export {folder} --int8)")
    return folder
