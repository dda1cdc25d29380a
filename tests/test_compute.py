"""Where training runs (`--device`): the plumbing on the CPU every machine has, the same weights from
the same config, and the CUDA path where a GPU exists."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch

from edgeppg import compute
from edgeppg.config import RunConfig, TrainConfig
from edgeppg.errors import EdgeppgError
from edgeppg.models.spec import ModelSpec
from edgeppg.train import run


def test_devices_resolve_and_bad_ones_are_named():
    assert compute.resolve("cpu") == torch.device("cpu")
    assert compute.resolve("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(EdgeppgError, match="--device tpu: use auto, cpu, cuda or cuda:N"):
        compute.resolve("tpu")
    with pytest.raises(EdgeppgError, match="device: must be auto, cpu, cuda or cuda:N, got 'gpu'"):
        TrainConfig(device="gpu")
    if not torch.cuda.is_available():
        with pytest.raises(EdgeppgError, match="--device cuda: no CUDA device here"):
            compute.resolve("cuda")


def test_study_cells_are_shared_out_over_gpus_round_robin():
    assert [compute.assign("auto", i, 3) for i in range(5)] == ["cuda:0", "cuda:1", "cuda:2", "cuda:0", "cuda:1"]
    assert [compute.assign("cuda", i, 2) for i in range(3)] == ["cuda:0", "cuda:1", "cuda:0"]
    assert compute.assign("auto", 4, 0) == "cpu"
    assert compute.assign("cpu", 1, 4) == "cpu" and compute.assign("cuda:1", 0, 4) == "cuda:1"


def test_the_same_config_trains_to_the_same_weights_and_env_json_says_on_what(tmp_path, tiny_data, quick_train):
    config = RunConfig(tiny_data, ModelSpec(blocks=1, width=8), replace(quick_train, epochs=2, device="cpu"))
    first, second = run(config, tmp_path / "a"), run(config, tmp_path / "b")
    a = torch.load(tmp_path / "a" / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "b" / "model.pt", weights_only=True)["state_dict"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert first["history"] == second["history"]
    env = json.loads((tmp_path / "a" / "env.json").read_text())
    assert env["device"] == "cpu" and env["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert env["torch_threads"] == quick_train.threads and env["torch"] == torch.__version__
    assert {"numpy", "scipy", "cpu_model", "torch_interop_threads", "git_commit"} <= set(env)


@pytest.mark.cuda
def test_cuda_trains_distils_and_saves_a_cpu_model(tmp_path, tiny_data, quick_train, teacher_dir):
    from edgeppg.config import DistillConfig

    config = RunConfig(tiny_data, ModelSpec(blocks=1, width=8), replace(quick_train, epochs=2, device="cuda"),
                       DistillConfig(strategy="dkd", teacher=str(teacher_dir)))
    metrics = run(config, tmp_path / "gpu")
    state = torch.load(tmp_path / "gpu" / "model.pt", weights_only=True)["state_dict"]
    assert all(t.device.type == "cpu" for t in state.values())
    assert metrics["test"]["mae"] < 60 and json.loads((tmp_path / "gpu" / "env.json").read_text())["autocast"] == "bfloat16"
