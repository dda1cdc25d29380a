"""TensorFlow Lite Micro as a second firmware backend: which tree, which kernels, and its library.

TFLM is never copied into this repository. The tree comes from `$TFLM_DIR`, else from the checkout's
neighbour `../shared/third_party/tflite-micro` (where edgeppg's CI keeps one). TFLM's own make builds
its library for the cortex_m_generic target with this machine's arm-none-eabi toolchain into a cache
outside the tree (`$EDGEPPG_TFLM_CACHE`, else `~/.cache/edgeppg/tflm`), one folder per tree commit,
kernel set and compiler version, so a read-only tree works and the build happens once per machine. Only
what the firmware links is compiled: TFLM's core, the kernels the model's op resolver names and the
CMSIS-NN sources they call (edgeppg.codegen.tflm.OPS), in parallel: about two minutes per kernel set on
two cores, where TFLM's whole library took about fourteen.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from edgeppg.errors import EdgeppgError

# The TensorFlow Lite Micro commit the TFLM backend is built and tested against (CI's tree).
TFLM_COMMIT = "90b983c"
# The commit the pinned tflite-micro Python package (requirements.txt) is built from. It should be
# TFLM_COMMIT, but that commit's wheel (0.dev20260820164721, tagged cp311) does not import on CPython
# 3.11: its _runtime.so needs PyObject_ClearManagedDict, which only CPython 3.13 has. The package only
# gives the provisional arena (the device's own use sizes the final one) and the host's TFLM check,
# so the next working wheel is pinned and the gap is recorded here and in docs/dependencies.md.
WHEEL_COMMIT = "8f6596d"
TFLM_GET = (f"git clone https://github.com/tensorflow/tflite-micro DIR && git -C DIR checkout {TFLM_COMMIT}, "
            "then export TFLM_DIR=DIR")
NEIGHBOUR_TREE = Path("..") / "shared" / "third_party" / "tflite-micro"  # relative to the repository root


@dataclass(frozen=True)
class Kernels:
    backend: str  # the name edgeppg uses: in --backend, result files and benchmark rows
    make_dir: str  # TFLM's OPTIMIZED_KERNEL_DIR ('' for the reference kernels)
    label: str  # for people


KERNELS = {
    "tflm-cmsis-nn": Kernels("tflm-cmsis-nn", "cmsis_nn", "TFLite Micro + CMSIS-NN"),
    "tflm-reference": Kernels("tflm-reference", "", "TFLite Micro reference kernels"),
}
ALIASES = {"tflm": "tflm-cmsis-nn"}


def kernels(backend: str) -> Kernels:
    return KERNELS[ALIASES.get(backend, backend)]


def is_tflm(backend: str) -> bool:
    return ALIASES.get(backend, backend) in KERNELS


def _is_tree(path: Path) -> bool:
    return (path / "tensorflow" / "lite" / "micro" / "micro_interpreter.h").is_file()


def default_tree() -> Path | None:
    """The TFLM tree beside the checkout, if edgeppg runs from one (an installed package has no neighbour)."""
    path = (Path(__file__).resolve().parents[2] / NEIGHBOUR_TREE).resolve()
    return path if _is_tree(path) else None


def tflm_dir() -> Path:
    """The TensorFlow Lite Micro tree: $TFLM_DIR, else the checkout's neighbour, else an error saying how."""
    value = os.environ.get("TFLM_DIR", "")
    if not value:
        found = default_tree()
        if found is not None:
            return found
        raise EdgeppgError("TFLM_DIR is not set: the TFLite Micro backend needs a TensorFlow Lite Micro source tree "
                           f"({TFLM_GET}; README.md: 'The TFLite Micro backend')")
    path = Path(value).expanduser().resolve()
    if not _is_tree(path):
        raise EdgeppgError(f"{path}: not a TensorFlow Lite Micro tree (TFLM_DIR); get one with: {TFLM_GET}")
    return path


def tflm_available() -> bool:
    try:
        tflm_dir()
    except EdgeppgError:
        return False
    return True


def tflm_tree_commit(path: Path) -> str | None:
    """The commit a TFLM git checkout is at; None when it is not a git checkout or git is missing."""
    if not (path / ".git").exists() or shutil.which("git") is None:
        return None
    proc = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def cache_root() -> Path:
    if os.environ.get("EDGEPPG_TFLM_CACHE"):
        return Path(os.environ["EDGEPPG_TFLM_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "edgeppg" / "tflm"


@lru_cache(maxsize=1)
def compiler_version() -> str:
    proc = subprocess.run(["arm-none-eabi-gcc", "-dumpfullversion"], capture_output=True, text=True)
    return proc.stdout.strip() or "unknown"


@lru_cache(maxsize=8)
def tree_id(tree: Path) -> str:
    """The tree's commit; for a tree that is not a git checkout, a fingerprint of its TFLM sources (names and
    sizes), so the same tree copied elsewhere (as CI's clone does) finds the same cache."""
    commit = tflm_tree_commit(tree)
    if commit:
        return commit[:12]
    micro = tree / "tensorflow" / "lite" / "micro"
    skip = (micro / "tools" / "make" / "downloads", tree / "gen")
    h = hashlib.sha256()
    for path in sorted(micro.rglob("*")):
        if path.is_file() and not any(path.is_relative_to(s) for s in skip):
            h.update(f"{path.relative_to(tree)}\0{path.stat().st_size}\n".encode())
    return "tree-" + h.hexdigest()[:12]


def library_key(tree: Path, k: Kernels, core: str) -> str:
    """One cache folder per tree, core (each board.mk gives TFLM's TARGET_ARCH for its core), kernel set and
    compiler version."""
    return f"{tree_id(tree)}-{core}-{k.make_dir or 'reference'}-gcc{compiler_version()}"


def library_path(tree: Path, k: Kernels, ops: list[str], core: str) -> Path:
    """The library for a model with these ops on this core: TFLM's core and exactly their kernels (one archive
    per op set; the objects are shared, so another op set compiles only its new kernels)."""
    return cache_root() / library_key(tree, k, core) / "lib" / f"libtflm-{'-'.join(sorted(ops)).lower()}.a"


def make_args(tree: Path, k: Kernels, ops: list[str], core: str) -> list[str]:
    """What the firmware Makefile needs to build TFLM's library for a model with these ops (TFLM's core, the
    kernels the generated op resolver names, the CMSIS-NN sources they call) and to link against it."""
    from edgeppg.codegen.tflm import library_sources

    gendir = cache_root() / library_key(tree, k, core)
    kernel_stems, cmsis_nn = library_sources(ops)
    return [f"TFLM_DIR={tree}", f"TFLM_KERNELS={k.make_dir}", f"TFLM_GENDIR={gendir}/",
            f"TFLM_DOWNLOADS={_downloads(tree)}", f"TFLM_LIB={library_path(tree, k, ops, core)}",
            f"TFLM_OPS_KERNELS={' '.join(kernel_stems)}", f"TFLM_CMSIS_NN_DIRS={' '.join(cmsis_nn)}"]


def _downloads(tree: Path) -> Path:
    """TFLM's third-party folder for its make: the tree's own when it is complete or may be written to; else a cache
    folder of links to what the tree has, plus the placeholder for pigweed that only TFLM's presubmit
    scripts use (TFLM's make clones it otherwise, and the tree cannot be written to)."""
    own = tree / "tensorflow" / "lite" / "micro" / "tools" / "make" / "downloads"
    if (own / "pigweed").is_dir() or not _read_only_tree(tree):
        return own
    # one folder per tree and place: two checkouts of one tree (CI's clone and a user's) must not relink
    # each other's folder while the other builds
    place = hashlib.sha256(str(tree).encode()).hexdigest()[:8]
    linked = cache_root() / f"downloads-{tree_id(tree)}-{place}"
    linked.mkdir(parents=True, exist_ok=True)
    (linked / "pigweed").mkdir(exist_ok=True)
    for item in own.iterdir() if own.is_dir() else ():
        link = linked / item.name
        if not (link.is_symlink() and Path(os.readlink(link)) == item):  # the same tree may have moved
            tmp = linked / f".{item.name}.{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(item)
            os.replace(tmp, link)
    return linked


def _read_only_tree(tree: Path) -> bool:
    """A tree meant to be read only: no write bits (root can still write, so ask the bits, not access())."""
    return not (tree.stat().st_mode & 0o222)


def make_env() -> dict[str, str]:
    """TFLM's make runs `python3` (with numpy and Pillow) while it reads its makefiles: put this Python's
    folder first on PATH, so a venv's edgeppg works without the venv being activated."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env
