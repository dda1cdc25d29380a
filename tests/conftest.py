"""Shared fixtures: a private window cache, small data, a short training budget, one shared teacher."""

from __future__ import annotations

import shutil

import pytest
import torch

from edgeppg.config import RunConfig, TrainConfig
from edgeppg.data.dataset import DataConfig
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.models.spec import ModelSpec


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("EDGEPPG_CACHE", str(tmp_path_factory.mktemp("cache")))
    torch.set_num_threads(2)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def tiny_data() -> DataConfig:
    """Ten participants of eight minutes: about 1,400 training windows, enough to learn in seconds."""
    return DataConfig(synthetic=SyntheticConfig(subjects=10, minutes=8, seed=1))


@pytest.fixture(scope="session")
def quick_train() -> TrainConfig:
    return TrainConfig(epochs=6, batch_size=32, patience=10, threads=2)


@pytest.fixture(scope="session")
def teacher_dir(tmp_path_factory, tiny_data, quick_train):
    """A finished 2-block teacher run, shared by the distillation tests."""
    from edgeppg.train import run

    out = tmp_path_factory.mktemp("runs") / "teacher"
    run(RunConfig(tiny_data, ModelSpec(blocks=2, width=16), quick_train), out)
    return out


@pytest.fixture(scope="session")
def exported(teacher_dir, tmp_path_factory):
    """The teacher, exported to ONNX and int8 TFLite (a copy: the teacher's own folder stays as trained)."""
    from edgeppg.export import export_run

    run = tmp_path_factory.mktemp("export") / "run"
    shutil.copytree(teacher_dir, run)
    report = export_run(run, calib_windows=200, eval_windows=300, micro_windows=100)
    return run, report
