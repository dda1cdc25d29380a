"""A run folder and the files in it, written so that a crash never leaves one that looks finished.

    config.json   every setting, seed included     env.json      versions, threads, git commit
    status.json   running / interrupted / failed / finished, with the error if any
    checkpoint.pt training state after the last whole epoch (what --resume continues from)
    model.pt      the best weights with their config (what distill, export and bench read)
    metrics.json  final validation and test metrics: written last, so it marks a finished run
"""

from __future__ import annotations

import io
import os
import platform
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy
import torch
from torch import nn

import edgeppg
from edgeppg.config import RunConfig, diff
from edgeppg.errors import EdgeppgError
from edgeppg.files import (CHECKPOINT, CONFIG, ENV, METRICS, MODEL, STATUS, atomic_write_bytes, read_json,  # noqa: F401
                           remove_stale_temporaries, write_json)
from edgeppg.models.spec import build_model

MODEL_FORMAT = "edgeppg-model/1"


def interrupted(run_dir: Path | None) -> str:
    """What Ctrl-C kept, and how to go on: a run's last whole epoch, or finished runs (run_dir None)."""
    if run_dir is None:
        return ("interrupted: finished runs are kept and an interrupted one keeps its last whole epoch; rerun the "
                "same command to go on")
    if (run_dir / CHECKPOINT).is_file():
        return f"interrupted: {run_dir} keeps its last whole epoch; rerun the same command with --resume"
    return f"interrupted in the first epoch: nothing to resume; rerun the same command to start {run_dir}"


def save_torch(path: Path, obj: dict) -> None:
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_torch(path: Path) -> dict:
    """Tensors and plain containers only (`weights_only=True`): a checkpoint cannot run code."""
    if not path.is_file():
        raise EdgeppgError(f"{path}: file not found")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on a damaged file would be a second line
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for a corrupt or hostile file
        raise EdgeppgError(f"{path}: not a readable checkpoint ({_load_failure(e, path)})") from e
    if not isinstance(obj, dict):
        raise EdgeppgError(f"{path}: not an edgeppg checkpoint (holds a {type(obj).__name__})")
    return obj


def _load_failure(e: Exception, path: Path) -> str:
    """Why torch refused a file, without torch's advice to reload it with weights_only=False: that would
    let the file run code, which is exactly what a hostile checkpoint wants."""
    text = " ".join(str(e).split())
    if "GLOBAL" in text:
        return "it holds Python objects, not just tensors; edgeppg refuses to load those"
    if ("Unsupported operand" in text or "weights_only" in text or "PytorchStreamReader" in text
            or not zipfile.is_zipfile(path)):  # torch.save writes a zip archive; anything else is another file
        return "not a PyTorch file, or a damaged one"
    return text[:200] or type(e).__name__


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git(cwd: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, cwd=cwd).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def uncommitted(repo: Path, paths: list[Path]) -> bool:
    """Whether any of `paths` (the package, and the script that made a result: a benchmark's own code is part
    of what the commit must remake) has edits not yet committed in the git checkout holding `repo`; paths
    outside that checkout do not count."""
    top = _git(repo, "rev-parse", "--show-toplevel")
    inside = [str(p.resolve()) for p in paths if top and p.exists() and p.resolve().is_relative_to(Path(top).resolve())]
    return bool(inside) and bool(_git(repo, "status", "--porcelain", "--untracked-files=no", "--", *inside))


def environment(device: torch.device | None = None) -> dict:
    """Everything a result may depend on besides its config: versions, the CPU and the kernel ISA torch
    dispatches to (AVX2, AVX-512...), thread counts and the device."""
    from edgeppg import compute

    package = Path(edgeppg.__file__).parent
    commit = _git(package, "rev-parse", "HEAD")
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    return {
        "edgeppg": edgeppg.__version__, "git_commit": commit,
        "git_uncommitted_changes": bool(commit) and uncommitted(package, [package, *([script] if script else [])]),
        "python": sys.version.split()[0],
        "platform": platform.platform(), "machine": platform.machine(), "torch": torch.__version__,
        "numpy": np.__version__, "scipy": scipy.__version__, "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(), "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(), "mkldnn": torch.backends.mkldnn.is_available(), "command": sys.argv,
        **compute.describe(device or torch.device("cpu")),
    }


def write_status(run_dir: Path, status: str, **extra: object) -> None:
    write_json(run_dir / STATUS, {"status": status, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **extra})


# Settings a resumed run may change: the thread count and the device (speed; with another the last bits
# of the weights may differ from an uninterrupted run's) and where the teacher is (its content is checked).
RESUMABLE_CHANGES = ("train.threads", "train.device", "distill.teacher")


def changed_settings(folder: Path, config: RunConfig, ignore: tuple[str, ...] = RESUMABLE_CHANGES,
                     as_run: Callable[[dict], dict] = lambda d: d) -> list[str]:
    """The settings (dotted keys) `config` differs in from the one the run in `folder` was made with, minus
    `ignore`; its config.json is read through RunConfig, so a setting added to edgeppg since counts at its
    default and a damaged file is one line. `as_run` maps both before they are compared (train.ensure_run
    resolves the device). The one comparison behind resuming a run, reusing a finished one and a study's cells."""
    made = RunConfig.from_dict(read_json(folder / CONFIG), str(folder / CONFIG)).to_dict()
    return [k for k in diff(as_run(made), as_run(config.to_dict())) if k not in ignore]


def prepare_run_dir(out: Path, config: RunConfig, resume: bool, device: torch.device | None = None) -> Path:
    """Create a fresh run folder, or check that the one being resumed was made with the same config."""
    if resume:
        if not (out / CHECKPOINT).is_file():
            raise EdgeppgError(f"{out}: nothing to resume (no {CHECKPOINT})")
        if (out / METRICS).is_file():
            raise EdgeppgError(f"{out}: this run already finished; nothing to resume")
        changed = changed_settings(out, config)
        if changed:
            raise EdgeppgError(f"{out}: cannot resume with a different config (changed: {', '.join(changed)})")
        write_json(out / CONFIG, config.to_dict())  # the thread count or the teacher's place may have changed
    else:
        if (out / METRICS).is_file():
            raise EdgeppgError(f"{out}: holds a finished run; choose another --out or remove it")
        if (out / CHECKPOINT).is_file():
            raise EdgeppgError(f"{out}: holds an unfinished run; continue it with --resume or remove it")
        if out.exists() and not out.is_dir():
            raise EdgeppgError(f"{out}: is a file, not a folder; choose another --out")
        # a folder no run began (no status.json): a file of the name a run writes is someone else's
        theirs = [] if (out / STATUS).is_file() else [n for n in (CONFIG, ENV, METRICS, MODEL) if (out / n).exists()]
        if theirs:
            raise EdgeppgError(f"{out}: not an edgeppg run folder, and its {', '.join(theirs)} would be overwritten; "
                               "choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / CONFIG, config.to_dict())
    remove_stale_temporaries(out)  # a checkpoint write a SIGKILL cut short
    write_json(out / ENV, environment(device))
    write_status(out, "running")
    return out


def save_model(path: Path, model: nn.Module, config: RunConfig) -> None:
    save_torch(path, {"format": MODEL_FORMAT, "config": config.to_dict(), "state_dict": model.state_dict()})


def model_path(path: Path) -> Path:
    """A run folder stands for its model.pt."""
    return path / MODEL if path.is_dir() else path


def load_model(path: Path) -> tuple[nn.Module, RunConfig]:
    """Rebuild a trained model from model.pt (or its run folder), in eval mode."""
    path = model_path(Path(path))
    obj = load_torch(path)
    if obj.get("format") != MODEL_FORMAT:
        raise EdgeppgError(f"{path}: not an edgeppg model file (use a run folder or its {MODEL})")
    missing = [k for k in ("config", "state_dict") if k not in obj]
    if missing:
        raise EdgeppgError(f"{path}: an edgeppg model file without its {' and '.join(missing)}")
    config = RunConfig.from_dict(obj["config"], str(path))
    model = build_model(config.model, config.data.stream)
    try:
        model.load_state_dict(obj["state_dict"])
    except RuntimeError as e:
        detail = " ".join(str(e).split())[:300]
        raise EdgeppgError(f"{path}: weights do not fit {config.model.describe()} ({detail})") from e
    return model.eval(), config
