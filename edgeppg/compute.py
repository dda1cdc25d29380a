"""Where training runs: `--device auto|cpu|cuda[:N]`.

The CPU path is the reference: deterministic, bit for bit from run to run on one machine. On CUDA the
training data and the teacher's logits live on the device, and the forward pass runs under bfloat16
autocast (the weights, the optimiser and the losses stay float32). Studies spread cells over the GPUs
round-robin (processes) or ask Ray for a fraction of one per cell.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import torch

from edgeppg.errors import EdgeppgError

DEVICES = ("auto", "cpu", "cuda")  # and cuda:N


def valid_name(name: str) -> bool:
    return name in DEVICES or (name.startswith("cuda:") and name[5:].isdigit())


def resolve(name: str) -> torch.device:
    """The torch device for a setting: auto is the first GPU when there is one, else the CPU."""
    if not valid_name(name):
        raise EdgeppgError(f"--device {name}: use auto, cpu, cuda or cuda:N")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise EdgeppgError(f"--device {name}: no CUDA device here (this torch build or machine has none); "
                               "use --device cpu or auto")
        index = int(name[5:]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise EdgeppgError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return torch.device(name)


def autocast(device: torch.device) -> AbstractContextManager:
    """bfloat16 autocast on CUDA; nothing on the CPU, so the reference path is unchanged."""
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return nullcontext()


def gpu_count() -> int:
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def assign(name: str, index: int, gpus: int) -> str:
    """The device of the `index`-th cell of a study run in local processes: with `auto` or `cuda` and
    GPUs present, cells go round-robin over them; otherwise every cell uses `name` as given."""
    if name in ("auto", "cuda") and gpus > 0:
        return f"cuda:{index % gpus}"
    return "cpu" if name == "auto" else name


def describe(device: torch.device) -> dict:
    """What env.json records about the device a run trained on."""
    info = {"device": str(device), "cpu_capability": torch.backends.cpu.get_cpu_capability()}
    if device.type == "cuda":
        info.update(cuda_device=torch.cuda.get_device_name(device), cuda=torch.version.cuda,
                    autocast="bfloat16")
    return info
